"""Staff sessions (shared desk PCs): they end when the browser closes and after 30 minutes
without a request; citizens keep the normal two-week session."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from dossiers.deadlines import VIETNAM_TZ
from portal.roles import Role
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 7, 8, 0, tzinfo=VIETNAM_TZ)
EXPIRED_TEXT = "Phiên làm việc đã hết do không hoạt động 30 phút"


@pytest.fixture
def desk_officer():
    return UserFactory(username="canbo01", email="canbo@example.vn", role=Role.DESK_OFFICER)


def _login(client, username, url_name="portal:staff_login"):
    response = client.post(reverse(url_name), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return response


def _session_cookie(response):
    return response.cookies[settings.SESSION_COOKIE_NAME]


def test_staff_session_cookie_ends_with_the_browser(client, desk_officer):
    """The session cookie set at staff login has neither max-age nor expires."""
    response = _login(client, "canbo01")

    cookie = _session_cookie(response)
    assert cookie.value
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close()


def test_staff_logging_in_on_the_citizen_page_gets_the_same_session(client, desk_officer):
    """Whichever login page a staff member uses, the session ends with the browser."""
    response = _login(client, "canbo@example.vn", url_name="portal:login")

    cookie = _session_cookie(response)
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""


def test_superuser_admin_login_gets_the_same_session(client):
    UserFactory(username="root", email="root@example.vn", is_superuser=True, is_staff=True)

    response = client.post(
        reverse("admin:login"), {"username": "root", "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 302
    assert _session_cookie(response)["max-age"] == ""


def test_citizen_session_keeps_the_normal_lifetime(client):
    """A citizen's session cookie lasts SESSION_COOKIE_AGE (two weeks)."""
    UserFactory(email="an@example.vn", role=Role.CITIZEN)

    response = _login(client, "an@example.vn", url_name="portal:login")

    cookie = _session_cookie(response)
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    assert not client.session.get_expire_at_browser_close()


def test_staff_session_ends_after_30_idle_minutes(client, desk_officer, time_machine):
    """29 minutes after the last request the desk still opens; 30 minutes and a second later
    the staff member is logged out and sent to the staff login, which says why."""
    time_machine.move_to(START, tick=False)
    _login(client, "canbo01")
    desk_url = reverse("dossiers:desk_queue")

    time_machine.move_to(START + timedelta(minutes=29), tick=False)
    assert client.get(desk_url).status_code == 200

    time_machine.move_to(START + timedelta(minutes=29 + 30, seconds=1), tick=False)
    response = client.get(desk_url)

    assert response.status_code == 302
    assert response.url == f"{reverse('portal:staff_login')}?next={desk_url}"
    assert "_auth_user_id" not in client.session
    login_page = client.get(response.url)
    assert login_page.status_code == 200
    assert EXPIRED_TEXT in login_page.content.decode()


def test_each_request_restarts_the_idle_clock(client, desk_officer, time_machine):
    """Requests 25 minutes apart keep the session open for well over 30 minutes."""
    time_machine.move_to(START, tick=False)
    _login(client, "canbo01")
    desk_url = reverse("dossiers:desk_queue")

    for minutes in (25, 50, 75, 100):
        time_machine.move_to(START + timedelta(minutes=minutes), tick=False)
        assert client.get(desk_url).status_code == 200

    assert client.session["_auth_user_id"] == str(desk_officer.pk)


def test_an_idle_post_is_refused_and_goes_to_the_login_page(client, desk_officer, time_machine):
    """A form posted after the limit does nothing: the user is logged out first."""
    time_machine.move_to(START, tick=False)
    _login(client, "canbo01")

    time_machine.move_to(START + timedelta(minutes=31), tick=False)
    response = client.post(reverse("dossiers:walk_in"), {})

    assert response.status_code == 302
    assert response.url == reverse("portal:staff_login")
    assert "_auth_user_id" not in client.session


def test_citizen_session_has_no_idle_limit(client, time_machine):
    """A citizen who comes back after two hours is still logged in."""
    UserFactory(email="an@example.vn", role=Role.CITIZEN)
    time_machine.move_to(START, tick=False)
    _login(client, "an@example.vn", url_name="portal:login")

    time_machine.move_to(START + timedelta(hours=2), tick=False)

    assert client.get(reverse("dossiers:my_list")).status_code == 200
    assert "staff_last_activity" not in client.session


def test_idle_limit_comes_from_the_settings(client, desk_officer, time_machine, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 10
    time_machine.move_to(START, tick=False)
    _login(client, "canbo01")

    time_machine.move_to(START + timedelta(minutes=11), tick=False)
    response = client.get(reverse("dossiers:desk_queue"), follow=True)

    assert "Phiên làm việc đã hết do không hoạt động 10 phút" in response.content.decode()
