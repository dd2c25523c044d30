"""Throttles that hold behind a reverse proxy: the client address, the login lockout per
(account, address), the per-address cap across accounts (password spraying), tracking per
address and per dossier code, and production's refusal to run without a shared cache."""

import re
import subprocess
import sys

import pytest
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from dossiers.services import (
    dossier_attach_file,
    dossier_create_draft,
    dossier_receive,
    dossier_submit,
)
from dossiers.views import citizen as citizen_views
from portal.client_ip import client_ip, throttle_address
from portal.roles import Role
from procedures.choices import AgencyKind
from tests.conftest import PASSWORD
from tests.dossiers.factories import applicant_data
from tests.factories import AgencyFactory, RequiredDocumentFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("portal:login")
TRACK = reverse("dossiers:track")
PROXY = "10.0.0.2"  # the nginx in front of the portal: every request's REMOTE_ADDR
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
RETRY = re.compile(r"Vui lòng thử lại sau (\d+) phút, lúc (\d\d:\d\d)\.")


def _request(remote="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def _via_proxy(client_address):
    """The request headers of a client reaching the portal through one nginx."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}


def _login(client, username, password=PASSWORD, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, **headers)


def _error_codes(response):
    return [error.code for error in response.context["form"].errors.as_data().get("__all__", [])]


@pytest.fixture
def dossier(procedure, agency):
    citizen = UserFactory(role=Role.CITIZEN)
    document = RequiredDocumentFactory(procedure=procedure, is_mandatory=True)
    draft = dossier_create_draft(
        procedure=procedure, applicant=applicant_data(phone="0912345678"), user=citizen
    )
    dossier_attach_file(
        dossier=draft,
        required_document=document,
        upload=SimpleUploadedFile("a.pdf", PDF_BYTES, content_type="application/pdf"),
        actor=citizen,
    )
    submitted = dossier_submit(dossier=draft, actor=citizen)
    centre = AgencyFactory(kind=AgencyKind.SERVICE_CENTRE)
    centre.serves.add(agency)
    officer = UserFactory(role=Role.DESK_OFFICER, agency=centre)
    return dossier_receive(dossier=submitted, actor=officer)


# ---- the client address ------------------------------------------------------------------------


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    """TRUSTED_PROXY_COUNT=0 (the default): a client-written X-Forwarded-For changes nothing."""
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="198.51.100.1")) == "203.0.113.7"
    assert client_ip(_request(forwarded="198.51.100.1, 198.51.100.2")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        # One nginx appends the address it saw; anything left of it is the client's own text.
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "1.1.1.1, 198.51.100.9", "198.51.100.9"),
        (1, "1.1.1.1,198.51.100.9 ", "198.51.100.9"),
        # A CDN in front of nginx: the CDN's entry is the client, nginx's the CDN.
        (2, "1.1.1.1, 198.51.100.9, 192.0.2.50", "198.51.100.9"),
        # A request that skipped a proxy: the leftmost address is the best known.
        (2, "198.51.100.9", "198.51.100.9"),
        (1, None, "203.0.113.7"),
        # Entries a proxy may write with a port, and IPv6.
        (1, "198.51.100.9:51234", "198.51.100.9"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "2001:DB8::1", "2001:db8::1"),
        # Not an address: the proxy's own address, never a client-chosen string.
        (1, "unknown", "203.0.113.7"),
    ],
)
def test_behind_trusted_proxies_the_client_is_rightmost_minus_their_count(
    settings, trusted, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = trusted
    assert client_ip(_request(forwarded=forwarded)) == expected


@pytest.mark.parametrize("trusted", [0, 1, 2])
@pytest.mark.parametrize("forwarded", [None, "1.1.1.1", "1.1.1.1, 198.51.100.9", "junk"])
def test_django_axes_sees_the_same_address(settings, trusted, forwarded):
    """The lockout and the portal's throttles count under one address."""
    settings.TRUSTED_PROXY_COUNT = trusted
    request = _request(forwarded=forwarded)
    assert get_client_ip_address(request) == client_ip(request)


def test_ipv6_clients_are_throttled_per_64_network():
    """Rotating through one's own /64 buys no new tries; IPv4 is per address."""
    assert throttle_address("2001:db8:1:2:aaaa::1") == throttle_address("2001:db8:1:2:bbbb::9")
    assert throttle_address("2001:db8:1:2::1") != throttle_address("2001:db8:1:3::1")
    assert throttle_address("::ffff:198.51.100.9") == "198.51.100.9"
    assert throttle_address("198.51.100.9") != throttle_address("198.51.100.10")


# ---- login: lockout per (account, address) -----------------------------------------------------


def test_five_wrong_passwords_from_one_address_do_not_lock_the_account_elsewhere(client):
    """Address A locks the account for A only; its owner logs in from B."""
    user = UserFactory(email="an@example.vn")
    for attempt in range(5):
        _login(client, "an@example.vn", f"wrong-{attempt}", REMOTE_ADDR="198.51.100.1")
    assert _login(client, "an@example.vn", REMOTE_ADDR="198.51.100.1").status_code == 429

    response = _login(client, "an@example.vn", REMOTE_ADDR="198.51.100.2")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_behind_a_proxy_two_clients_are_locked_out_separately(client, settings):
    """TRUSTED_PROXY_COUNT=1: every request comes from the proxy; X-Forwarded-For tells the
    clients apart, so one client's failures lock neither the account nor the proxy for the
    other."""
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory(email="canbo@example.vn", role=Role.DESK_OFFICER)
    for attempt in range(5):
        _login(client, "canbo@example.vn", f"wrong-{attempt}", **_via_proxy("198.51.100.1"))
    assert _login(client, "canbo@example.vn", **_via_proxy("198.51.100.1")).status_code == 429

    response = _login(client, "canbo@example.vn", **_via_proxy("198.51.100.2"))

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_without_trusted_proxies_a_spoofed_forwarded_header_buys_no_attempts(client, settings):
    """TRUSTED_PROXY_COUNT=0: a new X-Forwarded-For on each try is still the same address."""
    settings.TRUSTED_PROXY_COUNT = 0
    UserFactory(email="an@example.vn")
    for attempt in range(5):
        _login(
            client,
            "an@example.vn",
            f"wrong-{attempt}",
            REMOTE_ADDR="198.51.100.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )
    response = _login(
        client, "an@example.vn", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="192.0.2.99"
    )
    assert response.status_code == 429


def test_the_lockout_page_says_when_to_try_again(client, time_machine):
    """The page gives the minutes left and the time the lock ends (Vietnamese by default).
    A try during the lock starts it again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT),
    and the page says so; the time it gives is when logging in works again."""
    time_machine.move_to("2026-11-26 09:00 +07:00", tick=False)
    user = UserFactory(email="an@example.vn")
    for attempt in range(4):
        _login(client, "an@example.vn", f"wrong-{attempt}")
    fifth = _login(client, "an@example.vn", "wrong-4")
    assert RETRY.search(fifth.content.decode()).groups() == ("15", "09:15")
    time_machine.move_to("2026-11-26 09:05 +07:00", tick=False)

    response = _login(client, "an@example.vn")

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert RETRY.search(response.content.decode()).groups() == ("15", "09:20")
    time_machine.move_to("2026-11-26 09:20:01 +07:00", tick=False)
    assert _login(client, "an@example.vn").status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


# ---- login: password spraying ------------------------------------------------------------------


def test_spraying_many_accounts_from_one_address_is_refused_after_the_cap(client, settings):
    """40 accounts × 1 wrong guess from one address: the first LOGIN_ADDRESS_FAILURE_LIMIT are
    checked, the rest refused without a password check, even a right password; another
    address is not affected."""
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit == 20
    users = [UserFactory(email=f"citizen{n}@example.vn") for n in range(40)]
    codes = []
    for user in users:
        response = _login(client, user.email, "mat-khau-doan-thu", REMOTE_ADDR="198.51.100.1")
        assert response.status_code == 200
        codes.append(_error_codes(response))

    assert codes[:limit] == [["invalid_login"]] * limit
    assert codes[limit:] == [["address_throttled"]] * (40 - limit)
    refused = _login(client, users[-1].email, REMOTE_ADDR="198.51.100.1")
    assert _error_codes(refused) == ["address_throttled"]
    assert "_auth_user_id" not in client.session
    assert RETRY.search(refused.content.decode())
    # No account was locked by the spraying: each saw one failure at most.
    allowed = _login(client, users[0].email, REMOTE_ADDR="198.51.100.2")
    assert allowed.status_code == 302


def test_spraying_through_the_admin_login_is_capped_too(client, settings):
    """The cap lives in the authentication backend, so the Django admin's login counts and is
    refused as well."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    admin = UserFactory(email="root@example.vn", is_staff=True, is_superuser=True)
    for n in range(3):
        client.post(reverse("admin:login"), {"username": f"nobody{n}@example.vn", "password": "x"})
    response = client.post(reverse("admin:login"), {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_spraying_cap_ends_after_its_window(client, settings, time_machine):
    time_machine.move_to("2026-11-26 09:00 +07:00", tick=False)
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    user = UserFactory(email="an@example.vn")
    for n in range(3):
        _login(client, f"nobody{n}@example.vn", "x")
    assert _error_codes(_login(client, user.email)) == ["address_throttled"]

    time_machine.move_to("2026-11-26 09:16 +07:00", tick=False)

    assert _login(client, user.email).status_code == 302


def test_behind_a_proxy_the_spraying_cap_is_per_client(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    user = UserFactory(email="an@example.vn")
    for n in range(3):
        _login(client, f"nobody{n}@example.vn", "x", **_via_proxy("198.51.100.1"))
    assert _error_codes(_login(client, user.email, **_via_proxy("198.51.100.1"))) == [
        "address_throttled"
    ]
    assert _login(client, user.email, **_via_proxy("198.51.100.2")).status_code == 302


# ---- tracking ----------------------------------------------------------------------------------


def _track(client, code, phone="0900000000", **headers):
    return client.post(TRACK, {"code": code, "phone": phone}, **headers)


def test_tracking_is_capped_per_address(client, dossier, settings):
    """TRACK_ADDRESS_FAILURE_LIMIT failures over any codes from one address, then 429 even for
    the right pair; another address still finds the dossier."""
    limit = settings.TRACK_ADDRESS_FAILURE_LIMIT
    for n in range(limit):
        response = _track(client, f"NO-SUCH-{n}", REMOTE_ADDR="198.51.100.1")
        assert response.context["not_found"] is True

    refused = _track(client, dossier.code, "0912345678", REMOTE_ADDR="198.51.100.1")
    found = _track(client, dossier.code, "0912345678", REMOTE_ADDR="198.51.100.2")

    assert refused.status_code == 429
    assert "dossier" not in refused.context
    assert RETRY.search(refused.content.decode())
    assert found.status_code == 200
    assert found.context["dossier"] == dossier


def test_behind_a_proxy_two_clients_track_separately(client, dossier, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.TRACK_ADDRESS_FAILURE_LIMIT):
        _track(client, f"NO-SUCH-{n}", **_via_proxy("198.51.100.1"))
    assert _track(client, "NO-SUCH", **_via_proxy("198.51.100.1")).status_code == 429

    response = _track(client, dossier.code, "0912345678", **_via_proxy("198.51.100.2"))

    assert response.status_code == 200
    assert response.context["dossier"] == dossier


def test_tracking_ignores_a_spoofed_forwarded_header_without_trusted_proxies(
    client, dossier, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(settings.TRACK_ADDRESS_FAILURE_LIMIT):
        _track(client, f"NO-SUCH-{n}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = _track(
        client, dossier.code, "0912345678", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.99"
    )
    assert response.status_code == 429


def test_guessing_the_phone_of_one_code_is_capped_whatever_the_address(
    client, dossier, settings, monkeypatch
):
    """TRACK_CODE_FAILURE_LIMIT wrong phones for one code, each from its own address: then the
    code is refused from any address without a look-up (any spelling of the code), while
    other codes are looked up as usual."""
    limit = settings.TRACK_CODE_FAILURE_LIMIT
    for n in range(limit):
        response = _track(client, dossier.code, f"09000000{n:02d}", REMOTE_ADDR=f"192.0.2.{n}")
        assert response.context["not_found"] is True
    calls = []
    real_track = citizen_views.dossier_track
    monkeypatch.setattr(
        citizen_views, "dossier_track", lambda **kw: calls.append(kw) or real_track(**kw)
    )

    refused = _track(client, dossier.code.lower(), "0912345678", REMOTE_ADDR="198.51.100.50")
    other = _track(client, "NO-SUCH", REMOTE_ADDR="198.51.100.50")

    assert refused.status_code == 429
    assert refused.context["throttled"] is True
    assert "dossier" not in refused.context
    assert RETRY.search(refused.content.decode())
    assert other.status_code == 200
    assert [call["code"] for call in calls] == ["NO-SUCH"]


def test_the_tracking_message_says_when_to_try_again(client, settings, time_machine):
    time_machine.move_to("2026-11-26 09:00 +07:00", tick=False)
    for n in range(settings.TRACK_ADDRESS_FAILURE_LIMIT):
        _track(client, f"NO-SUCH-{n}")
    time_machine.move_to("2026-11-26 09:03:30 +07:00", tick=False)

    response = _track(client, "NO-SUCH")

    assert response.status_code == 429
    assert RETRY.search(response.content.decode()).groups() == ("12", "09:15")


# ---- production needs a shared cache -----------------------------------------------------------


def _import_production(env_overrides: dict[str, str | None]):
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "production-test-" + "x" * 50,
        "ALLOWED_HOSTS": "motcua.example.gov.vn",
        "DATABASE_URL": "sqlite:///:memory:",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CACHE_URL": "redis://127.0.0.1:6379/5",
        "TRUSTED_PROXY_COUNT": "1",
    }
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "-c", "import portal.settings.production"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("cache_url", [None, "", "locmem://", "memcached://127.0.0.1:11211"])
def test_production_settings_refuse_to_start_without_a_shared_cache(cache_url):
    result = _import_production({"CACHE_URL": cache_url})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set CACHE_URL to a shared Redis cache" in result.stderr


def test_production_settings_refuse_to_start_without_a_proxy_count():
    result = _import_production({"TRUSTED_PROXY_COUNT": None})
    assert result.returncode != 0
    assert "Set TRUSTED_PROXY_COUNT" in result.stderr


@pytest.mark.parametrize("proxies", ["0", "1"])
def test_production_settings_pass_these_checks_with_a_redis_cache(proxies):
    """Either explicit proxy count passes; whatever else production refuses is not about
    the cache or the proxies."""
    result = _import_production({"TRUSTED_PROXY_COUNT": proxies})
    assert "CACHE_URL" not in result.stderr
    assert "TRUSTED_PROXY_COUNT" not in result.stderr
