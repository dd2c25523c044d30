from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from . import selectors
from .choices import Channel
from .forms import CatalogueFilterForm
from .models import Procedure, RequiredDocument

PAGE_SIZE = 20
# What the detail page shows besides what the selector already loads.
DETAIL_PREFETCH = (
    "other_agencies",
    "channel_time_limits",
    "cases__documents",
    "results",
    "legal_documents",
)


@dataclass(frozen=True)
class DocumentGroup:
    """Documents under one heading: a case, the documents every case needs, or (no cases) all."""

    title: str
    documents: list[RequiredDocument]


def document_groups(procedure: Procedure) -> list[DocumentGroup]:
    """Documents grouped by case; those without a case are needed in every case and come first
    under their own heading, which only appears when the record has cases."""
    cases = list(procedure.cases.all())
    documents = list(procedure.documents.all())
    if not cases:
        return [DocumentGroup("", documents)] if documents else []
    common = [document for document in documents if document.case_id is None]
    groups = [DocumentGroup(_("Documents needed in every case"), common)] if common else []
    return groups + [DocumentGroup(case.title, list(case.documents.all())) for case in cases]


def procedure_list(request):
    agencies, fields = selectors.catalogue_filter_choices()
    form = CatalogueFilterForm(request.GET or None, agencies=agencies, fields=fields)
    if form.is_bound and not form.is_valid():
        # A stale or hand-edited link: keep the valid filters and say the rest were dropped.
        messages.warning(
            request, _("Some filters in the address were not valid and have been ignored.")
        )
    cleaned = form.cleaned_data if form.is_bound else {}
    filters = {
        "query": cleaned.get("q") or "",
        "agency": cleaned.get("agency"),
        "field": cleaned.get("field"),
        "online_level": cleaned.get("online_level") or "",
        "level": cleaned.get("level") or "",
        "applicant_type": cleaned.get("applicant_type") or "",
    }
    procedures = selectors.procedure_list_for_catalogue(**filters)
    page = Paginator(procedures, PAGE_SIZE).get_page(request.GET.get("page"))
    # The rows show each procedure's limits per channel: one more query per page, not per row.
    page.object_list = list(page.object_list)
    prefetch_related_objects(page.object_list, "channel_time_limits")
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        "procedures/procedure_list.html",
        {
            "form": form,
            "page": page,
            "query_string": query_without_page.urlencode(),
            "searched": any(filters.values()),
        },
    )


def procedure_detail(request, code):
    try:
        procedure = selectors.procedure_get_published(code=code)
    except Procedure.DoesNotExist:
        raise Http404(
            _("There is no published procedure with the code %(code)s.") % {"code": code}
        ) from None
    prefetch_related_objects([procedure], *DETAIL_PREFETCH)
    return render(
        request,
        "procedures/procedure_detail.html",
        {
            "procedure": procedure,
            "document_groups": document_groups(procedure),
            "can_submit_online": procedure.accepts_channel(Channel.ONLINE),
        },
    )


def document_template(request, code, document_id):
    """Download a blank form of a published procedure; the public may read these."""
    try:
        procedure = selectors.procedure_get_published(code=code)
    except Procedure.DoesNotExist:
        raise Http404(_("There is no published procedure with this code.")) from None
    document = get_object_or_404(RequiredDocument, pk=document_id, procedure=procedure)
    if not document.template_file:
        raise Http404(_("This document has no form template."))
    try:
        handle = document.template_file.open("rb")
    except FileNotFoundError:
        raise Http404(
            _("The form template file is missing; please tell the service centre.")
        ) from None
    return FileResponse(
        handle, as_attachment=True, filename=document.template_file.name.rsplit("/", 1)[-1]
    )
