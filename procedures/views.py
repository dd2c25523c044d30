from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from . import selectors
from .forms import CatalogueFilterForm
from .models import Procedure, RequiredDocument

PAGE_SIZE = 20


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
    }
    procedures = selectors.procedure_list_published(**filters)
    page = Paginator(procedures, PAGE_SIZE).get_page(request.GET.get("page"))
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
    return render(request, "procedures/procedure_detail.html", {"procedure": procedure})


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
