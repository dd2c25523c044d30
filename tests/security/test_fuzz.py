"""Generated values in every form field and query parameter of the citizen, desk, department and
report pages: whatever is sent, the answer is never a server error. The test client re-raises
the exception behind a 500, so a crash fails the example with its traceback."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossiers.services import dossier_attach_file, dossier_create_draft, dossier_submit
from tests.dossiers.factories import PDF_BYTES, applicant_data, upload
from tests.dossiers.staff_setup import build_office

pytestmark = pytest.mark.django_db

# What a hostile user types: any text, numbers far outside every column's range, and the usual
# suspects (NUL, path parts, dates in other shapes, Unicode digits, right-to-left overrides).
values = st.one_of(
    st.text(max_size=30),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "99999999999999999999999",
            "1e400",
            "NaN",
            "\x00",
            "../../etc/passwd",
            "%",
            "2026-02-30",
            "31/02/2026",
            "٩١٢٣",
            "\u202egnp.exe",
            "' OR 1=1 --",
            "[]",
        ]
    ),
)
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def params(names: list[str]):
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, values))


@pytest.fixture
def world():
    office = build_office()
    draft = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )
    dossier_attach_file(
        dossier=draft,
        required_document=office.procedure.documents.get(),
        upload=upload("don.pdf", PDF_BYTES),
        actor=office.citizen,
    )
    submitted = dossier_submit(dossier=draft, actor=office.citizen)
    second = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )
    return office, submitted, second


REPORT_PARAMS = ["period", "year", "month", "quarter", "from", "to", "grouping", "page"]


@FUZZ
@given(query=params(["q", "level", "agency", "field", "online_level", "applicant_type", "page"]))
def test_catalogue_list(client, world, query):
    assert client.get(reverse("procedures:list"), query).status_code < 500


@FUZZ
@given(query=params([*REPORT_PARAMS, "column", "key"]))
def test_report_pages_and_exports(client, world, query):
    office, _submitted, _draft = world
    client.force_login(office.leader)
    for name in ("reports", "report_dossiers", "report_csv", "report_xlsx"):
        assert client.get(reverse(f"dossiers:{name}"), query).status_code < 500, name


@FUZZ
@given(query=params(["queue", "q", "page"]))
def test_desk_queue(client, world, query):
    office, _submitted, _draft = world
    client.force_login(office.desk)
    assert client.get(reverse("dossiers:desk_queue"), query).status_code < 500


@FUZZ
@given(
    data=params(
        [
            "procedure",
            "document_case",
            "name",
            "identity_number",
            "phone",
            "email",
            "address",
            "organisation",
            "idempotency_key",
        ]
    )
)
def test_walk_in_form(client, world, data):
    office, _submitted, _draft = world
    client.force_login(office.desk)
    assert client.post(reverse("dossiers:walk_in"), data).status_code < 500


@FUZZ
@given(
    action=st.sampled_from(["receive", "supplement", "refuse", "forward", "return", "", "x"]),
    data=values,
    other=values,
)
def test_desk_dossier_actions(client, world, action, data, other):
    office, submitted, _draft = world
    client.force_login(office.desk)
    form = {
        "action": action,
        f"{action}-updated_at": data,
        f"{action}-reason": other,
        f"{action}-items": other,
        f"{action}-method": other,
    }
    url = reverse("dossiers:desk_detail", kwargs={"pk": submitted.pk})
    assert client.post(url, form).status_code < 500


@FUZZ
@given(
    action=st.sampled_from(["assign", "complete_step", "supplement", "complete", "extend", "z"]),
    data=values,
    other=values,
)
def test_department_dossier_actions(client, world, action, data, other):
    office, submitted, _draft = world
    client.force_login(office.division_head)
    form = {
        "action": action,
        f"{action}-updated_at": data,
        f"{action}-assignee": other,
        f"{action}-note": other,
        f"{action}-outcome": other,
        f"{action}-reason": other,
        f"{action}-new_due": other,
    }
    url = reverse("dossiers:department_detail", kwargs={"pk": submitted.pk})
    assert client.post(url, form).status_code < 500


@FUZZ
@given(data=params(["code", "phone"]))
def test_tracking(client, world, data):
    assert client.post(reverse("dossiers:track"), data).status_code < 500
    assert client.get(reverse("dossiers:track"), data).status_code < 500


@FUZZ
@given(
    data=params(
        ["remove_file", "name", "identity_number", "phone", "email", "address", "document_case"]
    ),
    page=values,
)
def test_citizen_draft_and_list(client, world, data, page):
    office, _submitted, draft = world
    client.force_login(office.citizen)
    assert (
        client.post(reverse("dossiers:draft_edit", kwargs={"pk": draft.pk}), data).status_code < 500
    )
    assert client.get(reverse("dossiers:my_list"), {"page": page}).status_code < 500
    for name in ("withdraw", "rate"):
        url = reverse(f"dossiers:{name}", kwargs={"pk": draft.pk})
        assert client.post(url, {"level": page, "reason": page, "comment": page}).status_code < 500
