"""Security headers, CSRF, the language switch and the error pages."""

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.test import Client
from django.urls import path, reverse

from portal import urls as portal_urls
from portal.roles import Role
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug in a view")


# This module doubles as a URLconf (see `pytest.mark.urls` below): the portal's URLs plus a
# view that fails, with the portal's error handlers.
urlpatterns = [path("boom/", _boom), *portal_urls.urlpatterns]
handler400 = portal_urls.handler400
handler403 = portal_urls.handler403
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500


def _csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _template_names(response):
    return [template.name for template in response.templates]


def _assert_security_headers(response):
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize(
    "url_name",
    [
        "portal:home",
        "portal:login",
        "portal:staff_login",
        "portal:register",
        "portal:password_reset",
        "portal:password_reset_done",
        "procedures:list",
    ],
)
def test_html_pages_carry_the_security_headers(client, url_name):
    """Each public HTML page sends CSP (default-src 'self', no inline script), X-Frame-Options
    DENY, nosniff, Referrer-Policy same-origin and a Permissions-Policy."""
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    _assert_security_headers(response)


def test_error_and_lockout_pages_carry_the_security_headers(client, settings):
    """403, 404, CSRF failure and the lockout page have the same headers."""
    settings.DEBUG = False
    client.force_login(UserFactory(role=Role.CITIZEN))
    forbidden = client.get(reverse("portal:staff_home"))
    assert forbidden.status_code == 403
    _assert_security_headers(forbidden)

    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    _assert_security_headers(missing)

    csrf = Client(enforce_csrf_checks=True).post(reverse("portal:login"), {})
    assert csrf.status_code == 403
    _assert_security_headers(csrf)

    UserFactory(email="an@example.vn")
    anonymous = Client()
    for attempt in range(5):
        locked = anonymous.post(
            reverse("portal:login"), {"username": "an@example.vn", "password": f"x{attempt}"}
        )
    assert locked.status_code == 429
    _assert_security_headers(locked)


def test_pages_are_vietnamese_by_default(client):
    """Without a language choice the page is Vietnamese."""
    response = client.get(reverse("portal:home"))
    assert response.headers["Content-Language"] == "vi"
    assert '<html lang="vi">' in response.content.decode()


def test_language_switch_to_english(client):
    """POSTing language=en to set_language makes the next page English; switching back to
    Vietnamese works too."""
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.url == "/"
    page = client.get(reverse("portal:home"))
    assert page.headers["Content-Language"] == "en"
    assert '<html lang="en">' in page.content.decode()

    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    page = client.get(reverse("portal:home"))
    assert '<html lang="vi">' in page.content.decode()


def test_language_switch_ignores_an_unknown_language(client):
    """A language the portal does not offer leaves the page Vietnamese."""
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    page = client.get(reverse("portal:home"))
    assert '<html lang="vi">' in page.content.decode()


def test_language_switch_does_not_redirect_off_site(client):
    """`next` pointing to another site is replaced by a local URL (no open redirect)."""
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert not response.url.startswith("https://evil.example")


def test_login_without_csrf_token_is_refused_with_the_portal_page():
    """CSRF is enforced: a POST without a token gets 403 from portal.views.csrf_failure and
    logs nobody in."""
    UserFactory(email="an@example.vn")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("portal:login"), {"username": "an@example.vn", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "403_csrf.html" in _template_names(response)
    assert "_auth_user_id" not in client.session


def test_login_with_the_csrf_token_works():
    """The same POST with the token from the login page succeeds."""
    user = UserFactory(email="an@example.vn")
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("portal:login"))
    token = page.context["csrf_token"]
    response = client.post(
        reverse("portal:login"),
        {"username": "an@example.vn", "password": PASSWORD, "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_registration_without_csrf_token_creates_nothing():
    """A forged registration is refused before any account is created."""
    response = Client(enforce_csrf_checks=True).post(
        reverse("portal:register"),
        {
            "full_name": "Trần Thị Bình",
            "email": "binh@example.vn",
            "password1": "mot-mat-khau-moi-2026",
            "password2": "mot-mat-khau-moi-2026",
        },
    )
    assert response.status_code == 403
    assert not get_user_model().objects.exists()


def test_csrf_and_session_cookies_are_http_only(client):
    """Neither cookie is readable from JavaScript."""
    UserFactory(email="an@example.vn")
    client.get(reverse("portal:login"))
    client.post(reverse("portal:login"), {"username": "an@example.vn", "password": PASSWORD})
    assert client.cookies["sessionid"]["httponly"]
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.get(reverse("portal:login"))
    assert csrf_client.cookies["csrftoken"]["httponly"]


def test_unknown_url_gives_the_404_page(client, settings):
    """With DEBUG off, a URL that does not exist renders 404.html with status 404."""
    settings.DEBUG = False
    response = client.get("/this/does/not/exist/")
    assert response.status_code == 404
    assert "404.html" in _template_names(response)
    assert response.headers["Content-Language"] == "vi"
    assert '<html lang="vi">' in response.content.decode()


def test_unknown_procedure_gives_the_404_page_without_technical_text(client, settings):
    """A 404 raised by a view shows the portal page, not Django's 'No ... matches' message."""
    settings.DEBUG = False
    response = client.get(reverse("procedures:detail", kwargs={"code": "0.000000"}))
    assert response.status_code == 404
    assert "404.html" in _template_names(response)
    assert "matches the given query" not in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_failing_view_gives_the_500_page(client, settings):
    """An unexpected error renders the self-contained 500 page with status 500."""
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "500.html" in _template_names(response)
    assert "RuntimeError" not in response.content.decode()


@pytest.mark.urls(__name__)
def test_the_500_page_renders_when_the_database_is_down(client, settings, monkeypatch):
    """The 500 page does not run the context processors, so it still renders when the error is
    that the database cannot be reached."""
    settings.DEBUG = False
    client.raise_request_exception = False

    def database_down():
        raise DatabaseError("connection refused")

    monkeypatch.setattr("portal.context_processors.agency_serving_portal", database_down)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "500.html" in _template_names(response)
    assert response.headers["Content-Type"].startswith("text/html")
