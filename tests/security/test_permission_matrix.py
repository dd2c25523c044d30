"""The permission matrix: every URL pattern of the root resolver × every kind
of person, with the outcome each one should get written down in MATRIX.

A URL without a row fails `test_every_url_has_a_row` (so a new screen must say who opens it), and
a row without a URL fails `test_every_row_has_a_url`. The Django admin's per-model pages are
covered by prefix rows ("admin:procedures_*", "admin:*"), so a new admin model needs no row of its
own; every other named pattern has one.

Each URL is opened with GET by each identity; the URLs that change state are also POSTed with an
empty body (POST_MATRIX). The data is built once for the module, inside a transaction that is
rolled back at its end; each test runs in a savepoint of its own, so a POST changes nothing for
the next test.
"""

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.admin.sites import site as admin_site
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from dossiers.choices import DocumentJobStatus, DocumentKind
from dossiers.models import DocumentJob, Dossier
from dossiers.services import (
    dossier_attach_file,
    dossier_create_draft,
    dossier_forward,
    dossier_receive,
    dossier_submit,
)
from dossiers.services.documents import issued_documents_render_pending
from dossiers.views import issued_documents as issued_documents_views
from portal.roles import Role
from procedures.models import Agency
from tests.conftest import _ensure_seed_rows
from tests.dossiers.factories import applicant_data
from tests.dossiers.staff_setup import build_office
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

IDENTITIES = (
    "anonymous",
    "owner",
    "other_citizen",
    "desk",
    "specialist",
    "other_specialist",
    "division_head",
    "leader",
    "catalogue_admin",
    "superuser",
)

# Outcomes: "ok" 200 · "login" 302 to the citizens' login · "staff_login" 302 to the staff login
# · "admin_login" 302 to the admin's login · "redirect" any other 302 · "forbidden" 403 ·
# "not_found" 404 · "method" 405 · "bad_request" 400.
#
# The dossier in the kwargs is an online dossier of the owner, received at the desk (with its
# issued receipt) and forwarded to the department; the draft is another dossier of the owner's.
ANON, OWNER, OTHER, DESK, SPEC, OTHER_SPEC, HEAD, LEADER, CAT, SUPER = IDENTITIES


def _all(outcome: str, **others: str) -> dict[str, str]:
    return {identity: others.get(identity, outcome) for identity in IDENTITIES}


PUBLIC = _all("ok")
LOGGED_IN = _all("ok", anonymous="login")
# Pages of the applicant's own dossier: anyone else's is a 404, staff who may handle it included.
OWN_DOSSIER = _all("not_found", anonymous="login", owner="ok")
# Views that take POST only: a logged-in GET is refused by method before anything is looked up.
POST_ONLY = _all("method", anonymous="login")
# The dossier's files and issued documents: its applicant and the staff handling it (the desk
# of the centre serving its agency, the department's people); a catalogue administrator is
# refused (403) whatever the id, a stranger gets 404 as for a dossier that does not exist.
DOSSIER_PAPERS = {
    ANON: "login",
    OWNER: "ok",
    OTHER: "not_found",
    DESK: "ok",
    SPEC: "ok",
    OTHER_SPEC: "not_found",
    HEAD: "ok",
    LEADER: "ok",
    CAT: "forbidden",
    SUPER: "ok",
}
# Staff screens refuse by role (403) before they look at any dossier.
DESK_ONLY = _all("forbidden", anonymous="staff_login", desk="ok", superuser="ok")
DEPARTMENT = _all(
    "ok", anonymous="staff_login", owner="forbidden", other_citizen="forbidden",
    desk="forbidden", catalogue_admin="forbidden",
)  # fmt: skip
REPORTS = _all(
    "forbidden", anonymous="staff_login", leader="ok", catalogue_admin="ok", superuser="ok"
)


def _document_requesters(outcome: str) -> dict[str, str]:
    """The batch documents page: the desk, heads of division, leaders and the catalogue
    administrator (each for the documents they may request)."""
    return _all(
        outcome,
        anonymous="staff_login",
        owner="forbidden",
        other_citizen="forbidden",
        specialist="forbidden",
        other_specialist="forbidden",
    )


# A batch document job is private to whoever requested it (the leader): 404 to anyone else who
# may request documents, 403 to those who may not.
DOCUMENT_JOB = {
    ANON: "staff_login",
    OWNER: "forbidden",
    OTHER: "forbidden",
    DESK: "not_found",
    SPEC: "forbidden",
    OTHER_SPEC: "forbidden",
    HEAD: "not_found",
    LEADER: "ok",
    CAT: "not_found",
    SUPER: "not_found",
}
# The Django admin: only is_staff users get past its login; the catalogue administrator works on
# the catalogue's models and nothing else. A superuser's outcome depends on the model (read-only
# models refuse add and delete with 403, an object page of a model without rows sends back to the
# index): any of these, never a login page or a server error.
NOT_ADMIN = dict.fromkeys(IDENTITIES[:8], "admin_login")
SUPERUSER_ADMIN = ("ok", "forbidden", "redirect")

MATRIX: dict[str, dict[str, str | tuple[str, ...]]] = {
    "portal:home": PUBLIC,
    "portal:login": _all("redirect", anonymous="ok"),
    "portal:logout": _all("method"),  # POST only
    "portal:register": _all("redirect", anonymous="ok"),
    "portal:after_login": _all("redirect", anonymous="login"),
    "portal:password_reset": PUBLIC,
    "portal:password_reset_done": PUBLIC,
    "portal:password_reset_confirm": PUBLIC,  # a wrong token shows "the link is invalid"
    "portal:password_reset_complete": PUBLIC,
    # A citizen who opens the staff login wants to log in as staff: the form, not a redirect.
    "portal:staff_login": _all("redirect", anonymous="ok", owner="ok", other_citizen="ok"),
    "portal:staff_home": _all(
        "ok", anonymous="login", owner="forbidden", other_citizen="forbidden"
    ),
    "procedures:list": PUBLIC,
    "procedures:detail": PUBLIC,
    "procedures:template": PUBLIC,
    # Anyone with an account may apply, staff included (as citizens).
    "dossiers:submit_start": LOGGED_IN,
    "dossiers:my_list": LOGGED_IN,
    "dossiers:my_detail": OWN_DOSSIER,
    "dossiers:draft_edit": OWN_DOSSIER,
    "dossiers:draft_review": OWN_DOSSIER,
    "dossiers:supplement": POST_ONLY,
    "dossiers:withdraw": OWN_DOSSIER,
    "dossiers:rate": POST_ONLY,
    "dossiers:track": PUBLIC,
    "dossiers:my_data": LOGGED_IN,
    "dossiers:my_data_download": POST_ONLY,
    # A staff account is closed by an administrator: back to "my data" with a message.
    "dossiers:account_close": _all("redirect", anonymous="login", owner="ok", other_citizen="ok"),
    "dossiers:file_download": DOSSIER_PAPERS,
    "dossiers:document_download": DOSSIER_PAPERS,
    "dossiers:document_regenerate": {
        ANON: "staff_login",
        OWNER: "forbidden",
        OTHER: "forbidden",
        DESK: "method",
        SPEC: "method",
        OTHER_SPEC: "method",
        HEAD: "method",
        LEADER: "method",
        CAT: "forbidden",
        SUPER: "method",
    },
    "dossiers:desk_queue": DESK_ONLY,
    "dossiers:walk_in": DESK_ONLY,
    "dossiers:desk_detail": DESK_ONLY,
    "dossiers:receipt": DESK_ONLY,
    "dossiers:receipt_pdf": DESK_ONLY,
    # Queues are scoped by agency: the other agency's specialist sees their own (empty) ones.
    "dossiers:division_queue": DEPARTMENT,
    "dossiers:assigned": DEPARTMENT,
    # What waits for a decision: heads of division and leaders.
    "dossiers:approvals": {
        **DEPARTMENT,
        "specialist": "forbidden",
        "other_specialist": "forbidden",
    },
    "dossiers:department_detail": {**DEPARTMENT, OTHER_SPEC: "not_found"},
    "dossiers:control_sheet": {**DEPARTMENT, DESK: "ok", OTHER_SPEC: "not_found"},
    # Figures for leaders and the catalogue administrator (who sees no applicant names).
    "dossiers:reports": REPORTS,
    "dossiers:report_dossiers": REPORTS,
    "dossiers:report_xlsx": REPORTS,
    "dossiers:report_csv": REPORTS,
    "dossiers:notification_list": LOGGED_IN,
    "dossiers:notification_read": _all("method"),  # POST only, refused before the login check
    "dossiers:document_jobs": _document_requesters("ok"),
    "dossiers:document_job": DOCUMENT_JOB,
    "dossiers:document_job_download": DOCUMENT_JOB,
    "set_language": _all("redirect"),
    # ---- the Django admin ----
    "admin:index": {**NOT_ADMIN, CAT: "ok", SUPER: "ok"},
    "admin:login": {**_all("ok"), CAT: "redirect", SUPER: "redirect"},
    "admin:logout": {**_all("redirect"), CAT: "method", SUPER: "method"},
    "admin:password_change": {**NOT_ADMIN, CAT: "ok", SUPER: "ok"},
    "admin:password_change_done": {**NOT_ADMIN, CAT: "ok", SUPER: "ok"},
    "admin:jsi18n": {**NOT_ADMIN, CAT: "ok", SUPER: "ok"},
    "admin:app_list": {**NOT_ADMIN, CAT: "ok", SUPER: "ok"},  # the "procedures" app
    "admin:autocomplete": {**NOT_ADMIN, CAT: "forbidden", SUPER: "forbidden"},  # no parameters
    "admin:view_on_site": {**NOT_ADMIN, CAT: "redirect", SUPER: "redirect"},  # a procedure
    "admin:procedures_procedure_delete": {**NOT_ADMIN, CAT: "forbidden", SUPER: "forbidden"},
    "admin:procedures_agencytreechange_*": {
        **NOT_ADMIN,
        CAT: ("forbidden", "redirect"),
        SUPER: SUPERUSER_ADMIN,
    },
    "admin:procedures_*": {**NOT_ADMIN, CAT: "ok", SUPER: SUPERUSER_ADMIN},
    # Django's history page looks the object up before it checks permissions: for a model without
    # rows it sends everyone back to the index (302) instead of answering 403.
    "admin:*": {**NOT_ADMIN, CAT: ("forbidden", "redirect"), SUPER: SUPERUSER_ADMIN},
}

# The URLs that take POST, posted with an empty body. Where GET already refuses, POST must too.
# An action on the dossier by the staff handling it (back to the page with a message); the
# specialist of another agency does not find the dossier.
CASEWORK_ACTION = {
    ANON: "staff_login",
    OWNER: "forbidden",
    OTHER: "forbidden",
    DESK: "redirect",
    SPEC: "redirect",
    OTHER_SPEC: "not_found",
    HEAD: "redirect",
    LEADER: "redirect",
    CAT: "forbidden",
    SUPER: "redirect",
}
POST_MATRIX: dict[str, dict[str, str | tuple[str, ...]]] = {
    "portal:login": _all("redirect", anonymous="ok"),
    "portal:logout": _all("redirect"),
    "portal:register": _all("redirect", anonymous="ok"),
    "portal:password_reset": PUBLIC,
    "portal:password_reset_confirm": PUBLIC,
    "portal:staff_login": _all("redirect", anonymous="ok", owner="ok", other_citizen="ok"),
    "dossiers:submit_start": _all("redirect", anonymous="login"),  # a draft of one's own
    "dossiers:draft_edit": OWN_DOSSIER,
    "dossiers:draft_review": {**OWN_DOSSIER, OWNER: "redirect"},
    "dossiers:supplement": {**OWN_DOSSIER, OWNER: "redirect"},
    "dossiers:withdraw": OWN_DOSSIER,
    "dossiers:rate": {**OWN_DOSSIER, OWNER: "redirect"},
    "dossiers:track": PUBLIC,
    "dossiers:my_data_download": LOGGED_IN,  # one's own data
    "dossiers:account_close": _all("redirect", anonymous="login", owner="ok", other_citizen="ok"),
    "dossiers:document_regenerate": CASEWORK_ACTION,
    "dossiers:walk_in": DESK_ONLY,
    "dossiers:desk_detail": {**DESK_ONLY, DESK: "redirect", SUPER: "redirect"},
    "dossiers:department_detail": {**CASEWORK_ACTION, DESK: "forbidden"},
    "dossiers:notification_read": _all("redirect", anonymous="login"),  # one's own only
    "dossiers:document_jobs": _document_requesters("bad_request"),  # nothing to build
    "set_language": _all("redirect"),
}
DENIALS = {"login", "staff_login", "admin_login", "forbidden", "not_found", "method"}


# ---- the data ----------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, object]
    sessions: dict[str, str]  # identity → session key, logged in once for the whole module
    dossier: Dossier
    draft: Dossier
    file_id: int
    receipt_id: int
    procedure_code: str
    template_document_id: int
    job_id: int
    objects: dict[str, object] = field(default_factory=dict)


def _build_world() -> World:
    office = build_office()
    procedure = office.procedure
    document = procedure.documents.get()
    document.template_file.save("mau-don.docx", ContentFile(b"form"), save=True)
    users = {
        ANON: None,
        OWNER: office.citizen,
        OTHER: UserFactory(role=Role.CITIZEN, first_name="Trần Thị Bình"),
        DESK: office.desk,
        SPEC: office.specialist,
        OTHER_SPEC: UserFactory(
            role=Role.SPECIALIST, agency=Agency.objects.get(code="000.00.16.H99")
        ),
        HEAD: office.division_head,
        LEADER: office.leader,
        CAT: UserFactory(role=Role.CATALOGUE_ADMIN, agency=office.department, is_staff=True),
        SUPER: UserFactory(is_staff=True, is_superuser=True),
    }
    applicant = applicant_data()
    dossier = dossier_create_draft(procedure=procedure, applicant=applicant, user=users[OWNER])
    dossier_file = dossier_attach_file(
        dossier=dossier,
        required_document=document,
        upload=SimpleUploadedFile("don.pdf", PDF),
        actor=users[OWNER],
    )
    dossier = dossier_submit(dossier=dossier, actor=users[OWNER])
    dossier = dossier_receive(dossier=dossier, actor=users[DESK])
    dossier = dossier_forward(dossier=dossier, actor=users[DESK])
    draft = dossier_create_draft(procedure=procedure, applicant=applicant, user=users[OWNER])
    job = DocumentJob.objects.create(
        kind=DocumentKind.REPORT,
        title="Biểu 06",
        requested_by=users[LEADER],
        status=DocumentJobStatus.DONE,
        finished_at=timezone.now(),
    )
    job.file.save("bieu-06.pdf", ContentFile(PDF), save=True)
    # The receipt's PDF is stored after the commit that never comes here: store it now, so each
    # download reads the file instead of rendering it.
    issued_documents_render_pending()
    sessions = {}
    for identity, user in users.items():
        if user is not None:
            browser = Client()
            browser.force_login(user)
            sessions[identity] = browser.cookies[settings.SESSION_COOKIE_NAME].value
    return World(
        users=users,
        sessions=sessions,
        dossier=dossier,
        draft=draft,
        file_id=dossier_file.pk,
        receipt_id=dossier.documents.get(kind=DocumentKind.RECEIPT).pk,
        procedure_code=procedure.code,
        template_document_id=document.pk,
        job_id=job.pk,
        objects={"procedure": procedure},
    )


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture(autouse=True)
def _media_root(settings, media_dir):
    """The module's files (uploads, the job's PDF) stay where the module's data was built."""
    settings.MEDIA_ROOT = media_dir


@pytest.fixture(autouse=True)
def _seed_rows_survive_flushes():
    """The module's data carries the seed rows (roles, schedule) for all its tests: putting them
    back before each of the ~1,700 tests (tests/conftest.py) would double the module's time."""
    yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, media_dir):
    """Built once, in a transaction rolled back after the module's last test."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        # As Django's TestCase marks its class-wide transaction: the services' durable blocks
        # may open inside it.
        atomic._from_testcase = True
        atomic.__enter__()
        try:
            _ensure_seed_rows()
            with override_settings(MEDIA_ROOT=media_dir):
                built = _build_world()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


# ---- the URLs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # the URL's name with its namespaces, or its pattern when it has no name
    pattern: str
    named: bool

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("admin/")


def _walk(resolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            if entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                yield Route(key=name, pattern=pattern, named=True)
            else:
                yield Route(key=pattern, pattern=pattern, named=False)


def routes() -> list[Route]:
    return list(dict.fromkeys(_walk(get_resolver())))


def row_for(key: str, table=None) -> dict[str, str] | None:
    """The row of `key`: its own, else the longest prefix row ("admin:*") that matches it."""
    table = MATRIX if table is None else table
    if key in table:
        return table[key]
    prefixes = sorted((row for row in table if row.endswith("*")), key=len, reverse=True)
    for row in prefixes:
        if fnmatchcase(key, row):
            return table[row]
    return None


def _admin_model(name: str):
    """The model of an admin URL name such as admin:procedures_agency_change."""
    for model in admin_site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model
    return None


def url_of(route: Route, world: World) -> str:
    name = route.key
    dossier_urls = {
        "dossiers:my_detail",
        "dossiers:withdraw",
        "dossiers:supplement",
        "dossiers:rate",
        "dossiers:desk_detail",
        "dossiers:receipt",
        "dossiers:receipt_pdf",
        "dossiers:department_detail",
        "dossiers:control_sheet",
    }
    if name in dossier_urls:
        kwargs = {"pk": world.dossier.pk}
    elif name in {"dossiers:draft_edit", "dossiers:draft_review"}:
        kwargs = {"pk": world.draft.pk}
    elif name == "dossiers:file_download":
        kwargs = {"pk": world.dossier.pk, "file_id": world.file_id}
    elif name in {"dossiers:document_download", "dossiers:document_regenerate"}:
        kwargs = {"pk": world.dossier.pk, "document_id": world.receipt_id}
    elif name in {"dossiers:submit_start", "procedures:detail"}:
        kwargs = {"code": world.procedure_code}
    elif name == "procedures:template":
        kwargs = {"code": world.procedure_code, "document_id": world.template_document_id}
    elif name in {"dossiers:document_job", "dossiers:document_job_download"}:
        kwargs = {"pk": world.job_id}
    elif name == "portal:password_reset_confirm":
        kwargs = {"uidb64": "MQ", "token": "set-password"}
    elif name == "admin:app_list":
        kwargs = {"app_label": "procedures"}
    elif name == "admin:view_on_site":
        procedure = world.objects["procedure"]
        kwargs = {
            "content_type_id": ContentType.objects.get_for_model(procedure).pk,
            "object_id": procedure.pk,
        }
    elif name == "admin:dossiers_calendarday_year":
        kwargs = {"year": timezone.localdate().year}
    elif "<path:object_id>" in route.pattern:
        model = _admin_model(name)
        obj = model._default_manager.order_by("pk").first() if model else None
        kwargs = {"object_id": obj.pk if obj is not None else 0}
    else:
        kwargs = {}
    return reverse(name, kwargs=kwargs)


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        path = urlsplit(response["Location"]).path
        return {
            reverse("portal:login"): "login",
            reverse("portal:staff_login"): "staff_login",
            reverse("admin:login"): "admin_login",
        }.get(path, "redirect")
    return {
        200: "ok",
        400: "bad_request",
        403: "forbidden",
        404: "not_found",
        405: "method",
    }.get(code, str(code))


def _get_cases():
    return [
        pytest.param(route, identity, id=f"{route.key}×{identity}")
        for route in routes()
        if route.named
        for identity in IDENTITIES
    ]


def _post_cases():
    return [
        pytest.param(name, identity, id=f"POST {name}×{identity}")
        for name in POST_MATRIX
        for identity in IDENTITIES
    ]


def _client_for(client, world: World, identity: str):
    if identity in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[identity]
    return client


def _accepted(expected) -> set[str]:
    return {expected} if isinstance(expected, str) else set(expected)


# ---- the tests ---------------------------------------------------------------------------------


def test_every_url_has_a_row():
    missing = []
    for route in routes():
        if route.is_admin:
            # The admin's own per-model pages (and its unnamed redirects) fall under "admin:*".
            covered = row_for(route.key if route.named else "admin:*") is not None
        else:
            covered = route.named and route.key in MATRIX
        if not covered:
            missing.append(route.key if route.named else f"{route.pattern} (unnamed)")
    assert not missing, "new URL without a permission row: " + ", ".join(missing)


def test_every_row_has_a_url():
    keys = [route.key for route in routes() if route.named]
    stale = [
        row
        for row in MATRIX
        if not (any(fnmatchcase(key, row) for key in keys) if row.endswith("*") else row in keys)
    ]
    stale += [f"POST {row}" for row in POST_MATRIX if row not in keys]
    assert not stale, "permission row for a URL that no longer exists: " + ", ".join(stale)


def test_every_row_names_every_identity():
    incomplete = [
        row
        for row, outcomes in {**MATRIX, **POST_MATRIX}.items()
        if set(outcomes) != set(IDENTITIES)
    ]
    assert not incomplete, "rows without an outcome for each identity: " + ", ".join(incomplete)


@pytest.mark.parametrize(("route", "identity"), _get_cases())
def test_get(client, world, route, identity):
    row = row_for(route.key)
    assert row is not None, f"new URL without a permission row: {route.key}"
    url = url_of(route, world)
    response = _client_for(client, world, identity).get(url)
    got = outcome(response)
    assert got in _accepted(row[identity]), (
        f"GET {route.key} ({url}) as {identity}: expected {row[identity]}, got {got} "
        f"({response.status_code})"
    )


@pytest.mark.parametrize(("name", "identity"), _post_cases())
def test_post_with_an_empty_body(client, world, monkeypatch, name, identity):
    # Regenerating renders the PDF again (seconds); who gets that far is what counts here.
    monkeypatch.setattr(
        issued_documents_views,
        "issued_document_regenerate",
        lambda *, document: SimpleNamespace(identical=True, sha256="0" * 64),
    )
    route = next(route for route in routes() if route.key == name)
    url = url_of(route, world)
    response = _client_for(client, world, identity).post(url)
    got = outcome(response)
    assert response.status_code < 500
    expected = POST_MATRIX[name][identity]
    assert got in _accepted(expected), (
        f"POST {name} ({url}) as {identity}: expected {expected}, got {got} "
        f"({response.status_code})"
    )
    # Who is refused the page is refused the action.
    if _accepted(MATRIX[name][identity]) <= DENIALS - {"method"}:
        assert got in DENIALS, f"POST {name} as {identity} got through: {got}"
