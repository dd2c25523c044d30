"""Citizen registration, citizen and staff login, login lockout and password reset."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import resolve, reverse

from portal.roles import Role
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "mot-mat-khau-moi-2026"


# --- helpers ---------------------------------------------------------------------------------


def _registration(**overrides):
    data = {
        "full_name": "Trần Thị Bình",
        "email": "",
        "phone": "",
        "identity_number": "",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def _error_codes(response, field="__all__"):
    """The error codes of one field of the form a page re-rendered."""
    errors = response.context["form"].errors.as_data()
    return [error.code for error in errors.get(field, [])]


def _logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def _login(client, username, password=PASSWORD, url_name="portal:login"):
    return client.post(reverse(url_name), {"username": username, "password": password})


# --- registration ----------------------------------------------------------------------------


def test_register_page_renders_for_anonymous(client):
    """GET on the registration page shows an unbound form."""
    response = client.get(reverse("portal:register"))
    assert response.status_code == 200
    assert "registration/register.html" in [t.name for t in response.templates]
    assert not response.context["form"].is_bound


def test_register_with_email_only(client):
    """An e-mail without a phone creates a citizen that logs in with the (lower-cased) e-mail;
    the page sends them to the login page (the same answer as for an address in use, so
    nobody is logged in by registering)."""
    response = client.post(reverse("portal:register"), _registration(email="Binh.Tran@Example.VN"))
    assert response.status_code == 302
    assert response.url == reverse("portal:login")
    user = User.objects.get()
    assert user.email == "binh.tran@example.vn"
    assert user.phone == ""
    assert user.first_name == "Trần Thị Bình"
    assert user.check_password(NEW_PASSWORD)
    assert user.is_active
    assert not user.is_staff
    assert not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["citizen"]
    assert _logged_in_user_id(client) is None
    assert _login(client, "binh.tran@example.vn", NEW_PASSWORD).status_code == 302
    assert _logged_in_user_id(client) == str(user.pk)


def test_register_with_phone_only_normalises_the_phone(client):
    """`+84 912 345 678` is stored as `0912345678` and the account has no e-mail."""
    response = client.post(reverse("portal:register"), _registration(phone="+84 912 345 678"))
    assert response.status_code == 302
    user = User.objects.get()
    assert user.phone == "0912345678"
    assert user.email == ""
    assert user.has_role(Role.CITIZEN)
    assert _logged_in_user_id(client) is None


def test_register_with_email_phone_and_identity_number(client):
    """All identifiers together are stored; the citizen lands on the login page."""
    response = client.post(
        reverse("portal:register"),
        _registration(
            email="binh@example.vn", phone="0912.345.678", identity_number="001203004567"
        ),
        follow=True,
    )
    assert response.redirect_chain == [(reverse("portal:login"), 302)]
    user = User.objects.get()
    assert (user.email, user.phone, user.identity_number) == (
        "binh@example.vn",
        "0912345678",
        "001203004567",
    )
    assert not response.context["user"].is_authenticated


def test_registered_citizen_can_log_in_again_with_email_and_with_phone(client):
    """After logging out, the new account logs in with either identifier."""
    client.post(
        reverse("portal:register"),
        _registration(email="binh@example.vn", phone="0912345678"),
    )
    user = User.objects.get()
    for identifier in ("binh@example.vn", "+84912345678"):
        client.post(reverse("portal:logout"))
        assert _logged_in_user_id(client) is None
        response = _login(client, identifier, NEW_PASSWORD)
        assert response.status_code == 302, identifier
        assert _logged_in_user_id(client) == str(user.pk)


def test_register_creates_nothing_for_an_email_in_use_whatever_its_case(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    """An e-mail already used (compared case-insensitively) creates nothing and logs nobody in;
    the answer is the login page, as for a new address, and the owner gets a mail."""
    UserFactory(username="an@example.vn", email="an.nguyen@example.vn")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:register"), _registration(email="AN.Nguyen@Example.VN")
        )
    assert response.status_code == 302
    assert response.url == reverse("portal:login")
    assert User.objects.count() == 1
    assert _logged_in_user_id(client) is None
    assert [mail.to for mail in mailoutbox] == [["an.nguyen@example.vn"]]


def test_register_creates_nothing_for_a_phone_in_use_however_it_is_written(client):
    """A phone number already used, written with +84 and spaces, creates nothing either."""
    UserFactory(phone="0912345678")
    response = client.post(reverse("portal:register"), _registration(phone="+84 912 345 678"))
    assert response.status_code == 302
    assert response.url == reverse("portal:login")
    assert User.objects.count() == 1
    assert _logged_in_user_id(client) is None


def test_register_needs_an_email_or_a_phone(client):
    """Without e-mail and phone the form says no_identifier and creates nothing."""
    response = client.post(reverse("portal:register"), _registration())
    assert response.status_code == 200
    assert _error_codes(response) == ["no_identifier"]
    assert not User.objects.exists()
    assert _logged_in_user_id(client) is None


def test_register_rejects_mismatched_passwords(client):
    """Two different passwords give password_mismatch on the second field."""
    response = client.post(
        reverse("portal:register"),
        _registration(email="binh@example.vn", password2=NEW_PASSWORD + "x"),
    )
    assert response.status_code == 200
    assert _error_codes(response, "password2") == ["password_mismatch"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("12345678", "password_too_common"),
        ("48273619", "password_entirely_numeric"),
        ("xq7#Lm", "password_too_short"),
        ("tranthibinh@example.vn", "password_too_similar"),
    ],
)
def test_register_rejects_a_weak_password(client, password, code):
    """Django's password validators run, with the new account's details as context."""
    response = client.post(
        reverse("portal:register"),
        _registration(email="tranthibinh@example.vn", password1=password, password2=password),
    )
    assert response.status_code == 200
    assert code in _error_codes(response, "password1")
    assert not User.objects.exists()


@pytest.mark.parametrize("phone", ["12345", "0912 345 67", "1912345678", "09123456789", "abc"])
def test_register_rejects_an_invalid_phone(client, phone):
    """A phone that is not 10 digits starting with 0 (after normalising) gives invalid_phone."""
    response = client.post(
        reverse("portal:register"), _registration(email="binh@example.vn", phone=phone)
    )
    assert response.status_code == 200
    assert _error_codes(response, "phone") == ["invalid_phone"]
    assert not User.objects.exists()


@pytest.mark.parametrize("number", ["12345678901", "00120300456A", "0012 0300 45"])
def test_register_rejects_an_invalid_identity_number(client, number):
    """The personal identity number must be exactly 12 digits."""
    response = client.post(
        reverse("portal:register"),
        _registration(email="binh@example.vn", identity_number=number),
    )
    assert response.status_code == 200
    assert _error_codes(response, "identity_number") == ["invalid_identity"]
    assert not User.objects.exists()


def test_register_rejects_a_13_digit_identity_number(client):
    """Thirteen digits are too long for the field."""
    response = client.post(
        reverse("portal:register"),
        _registration(email="binh@example.vn", identity_number="0012030045678"),
    )
    assert response.status_code == 200
    assert _error_codes(response, "identity_number") == ["max_length"]
    assert not User.objects.exists()


def test_register_with_an_email_that_is_another_accounts_username(client):
    """An e-mail nobody uses as e-mail is accepted even when it is an older account's login
    name: the new account gets its own login name instead of failing."""
    older = UserFactory(username="binh@example.vn", email="other@example.vn")
    response = client.post(reverse("portal:register"), _registration(email="binh@example.vn"))
    assert response.status_code == 302
    new = User.objects.exclude(pk=older.pk).get()
    assert new.email == "binh@example.vn"
    assert new.username != older.username
    client.post(reverse("portal:logout"))
    assert _login(client, "binh@example.vn", NEW_PASSWORD).status_code == 302
    assert _logged_in_user_id(client) == str(new.pk)


def test_register_with_a_phone_that_is_another_accounts_username(client):
    """Same for a phone number that a staff account uses as its login name."""
    UserFactory(username="0912345678", email="staff@example.vn")
    response = client.post(reverse("portal:register"), _registration(phone="0912345678"))
    assert response.status_code == 302
    assert User.objects.filter(phone="0912345678").count() == 1


def test_register_with_a_long_email(client):
    """An e-mail longer than a login name may be (150) but valid (<= 254) registers."""
    email = "a" * 64 + "@" + "b" * 60 + "." + "c" * 60 + ".vn"
    assert 150 < len(email) <= 254
    response = client.post(reverse("portal:register"), _registration(email=email))
    assert response.status_code == 302
    assert User.objects.get().email == email


def test_register_with_an_email_that_cannot_be_a_username(client):
    """An apostrophe is valid in an e-mail but not in a username: the account is still created
    and logs in with the e-mail."""
    response = client.post(reverse("portal:register"), _registration(email="o'brien@example.vn"))
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "o'brien@example.vn"
    client.post(reverse("portal:logout"))
    assert _login(client, "O'Brien@example.vn", NEW_PASSWORD).status_code == 302
    assert _logged_in_user_id(client) == str(user.pk)


def test_register_rejects_an_email_longer_than_254_characters(client):
    """An address the database column cannot hold is a form error, not a server error."""
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".vn"
    assert len(email) > 254
    response = client.post(reverse("portal:register"), _registration(email=email))
    assert response.status_code == 200
    assert "max_length" in _error_codes(response, "email")
    assert not User.objects.exists()


def test_register_redirects_a_logged_in_user(client):
    """Someone already logged in is sent on instead of registering a second account."""
    client.force_login(UserFactory(role=Role.CITIZEN))
    response = client.post(reverse("portal:register"), _registration(email="binh@example.vn"))
    assert response.status_code == 302
    assert response.url == reverse("portal:after_login")
    assert User.objects.count() == 1


# --- citizen login ---------------------------------------------------------------------------


def test_login_with_email_in_any_case(client):
    """The e-mail is matched case-insensitively; the citizen is sent to after_login."""
    user = UserFactory(email="an@example.vn", role=Role.CITIZEN)
    response = _login(client, "  AN@Example.VN ")
    assert response.status_code == 302
    assert response.url == reverse("portal:after_login")
    assert _logged_in_user_id(client) == str(user.pk)
    assert client.get(response.url).url == reverse("portal:home")


@pytest.mark.parametrize("written", ["0912.345.678", "+84 912 345 678", "84912345678"])
def test_login_with_phone_written_differently(client, written):
    """The phone is normalised before the lookup, so any usual spelling works."""
    user = UserFactory(phone="0912345678", role=Role.CITIZEN)
    response = _login(client, written)
    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(user.pk)


def test_login_with_a_wrong_password_fails(client):
    """A wrong password re-renders the form with invalid_login and logs nobody in."""
    UserFactory(email="an@example.vn")
    response = _login(client, "an@example.vn", "not-the-password")
    assert response.status_code == 200
    assert _error_codes(response) == ["invalid_login"]
    assert _logged_in_user_id(client) is None


def test_login_with_an_unknown_account_fails_like_a_wrong_password(client):
    """An unknown identifier gives the same error as a wrong password."""
    response = _login(client, "nobody@example.vn")
    assert response.status_code == 200
    assert _error_codes(response) == ["invalid_login"]
    assert _logged_in_user_id(client) is None


def test_login_of_an_inactive_user_fails(client):
    """A disabled account cannot log in even with the right password."""
    UserFactory(email="an@example.vn", is_active=False)
    response = _login(client, "an@example.vn")
    assert response.status_code == 200
    assert _error_codes(response) in (["invalid_login"], ["inactive"])
    assert _logged_in_user_id(client) is None


def test_login_redirects_to_a_safe_next_url_only(client):
    """`next` on the same site is followed; an external one is ignored."""
    UserFactory(email="an@example.vn")
    response = client.post(
        reverse("portal:login"),
        {"username": "an@example.vn", "password": PASSWORD, "next": "/procedures/"},
    )
    assert response.url == "/procedures/"
    client.post(reverse("portal:logout"))
    response = client.post(
        reverse("portal:login"),
        {"username": "an@example.vn", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == reverse("portal:after_login")


def test_logout_needs_post_and_ends_the_session(client):
    """GET does not log out (Django 5); POST does and redirects to the home page."""
    client.force_login(UserFactory())
    assert client.get(reverse("portal:logout")).status_code == 405
    assert _logged_in_user_id(client) is not None
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert _logged_in_user_id(client) is None


# --- lockout ---------------------------------------------------------------------------------


def test_five_failures_lock_the_account_even_for_the_right_password(client):
    """After five failed attempts for one username, the next attempt, even with the right
    password, gets 429 and the locked_out page and logs nobody in."""
    UserFactory(email="an@example.vn")
    for attempt in range(1, 5):
        response = _login(client, "an@example.vn", f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert _error_codes(response) == ["invalid_login"]
    fifth = _login(client, "an@example.vn", "wrong-5")
    assert fifth.status_code == 429
    response = _login(client, "an@example.vn")
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert response.headers["Content-Language"] == "vi"
    assert _logged_in_user_id(client) is None
    assert AccessAttempt.objects.get().failures_since_start >= 5


def test_lockout_does_not_affect_other_users(client):
    """Another account logging in from the same address is not locked."""
    UserFactory(email="an@example.vn")
    other = UserFactory(email="binh@example.vn")
    for attempt in range(5):
        _login(client, "an@example.vn", f"wrong-{attempt}")
    assert _login(client, "an@example.vn").status_code == 429
    response = _login(client, "binh@example.vn")
    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(other.pk)


def test_lockout_counts_every_spelling_of_the_same_account(client):
    """Changing the case of the e-mail or the way the phone is written does not buy more
    attempts: all spellings count against one account."""
    UserFactory(email="an@example.vn", phone="0912345678")
    for spelling in ("an@example.vn", "AN@example.vn", "An@Example.vn", "aN@example.VN"):
        _login(client, spelling, "wrong")
    assert _login(client, "an@EXAMPLE.vn", "wrong").status_code == 429
    assert _login(client, "an@example.vn").status_code == 429
    for spelling in ("0912345678", "0912.345.678", "+84 912 345 678", "84912345678"):
        _login(client, spelling, "wrong")
    assert _login(client, "0912 345 678").status_code == 429
    assert _logged_in_user_id(client) is None


def test_admin_login_lockout_counts_every_spelling_with_the_axes_username_callable(
    client, settings
):
    """With AXES_USERNAME_CALLABLE = portal.auth.axes_username, the Django admin login (which
    does not use the portal's forms) also counts all spellings of an account together."""
    settings.AXES_USERNAME_CALLABLE = "portal.auth.axes_username"
    UserFactory(email="root@example.vn", is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    for spelling in ("root@example.vn", "ROOT@example.vn", "Root@Example.vn", "rOOT@example.VN"):
        response = client.post(admin_login, {"username": spelling, "password": "wrong"})
        assert response.status_code == 200, spelling
    response = client.post(admin_login, {"username": "root@EXAMPLE.vn", "password": "wrong"})
    assert response.status_code == 429
    response = client.post(admin_login, {"username": "root@example.vn", "password": PASSWORD})
    assert response.status_code == 429
    assert _logged_in_user_id(client) is None


def test_admin_login_success_clears_failures_with_the_axes_username_callable(client, settings):
    """A success on the admin login clears the failures counted under another spelling."""
    settings.AXES_USERNAME_CALLABLE = "portal.auth.axes_username"
    UserFactory(email="root@example.vn", is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    for attempt in range(4):
        client.post(admin_login, {"username": "ROOT@example.vn", "password": f"x{attempt}"})
    response = client.post(admin_login, {"username": "root@example.vn", "password": PASSWORD})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()


def test_staff_login_is_locked_too(client):
    """The staff login page counts failures the same way."""
    UserFactory(username="canbo01", email="canbo@example.vn", role=Role.DESK_OFFICER)
    for attempt in range(5):
        _login(client, "canbo01", f"wrong-{attempt}", url_name="portal:staff_login")
    response = _login(client, "canbo01", url_name="portal:staff_login")
    assert response.status_code == 429
    assert _logged_in_user_id(client) is None


def test_a_success_resets_the_failure_count(client):
    """Four failures then a success: four more failures do not lock the account."""
    UserFactory(email="an@example.vn")
    for attempt in range(4):
        _login(client, "an@example.vn", f"wrong-{attempt}")
    assert _login(client, "an@example.vn").status_code == 302
    client.post(reverse("portal:logout"))
    for attempt in range(4):
        assert _login(client, "an@example.vn", f"wrong-{attempt}").status_code == 200
    assert _login(client, "an@example.vn").status_code == 302


def test_a_success_by_phone_resets_failures_typed_with_the_phone(client):
    """The reset on success also clears failures counted under another spelling of the
    account, here the phone of an account whose username is its e-mail."""
    UserFactory(email="an@example.vn", phone="0912345678")
    for attempt in range(4):
        _login(client, "0912.345.678", f"wrong-{attempt}")
    assert _login(client, "+84912345678").status_code == 302
    client.post(reverse("portal:logout"))
    for attempt in range(4):
        assert _login(client, "0912345678", f"wrong-{attempt}").status_code == 200
    assert _login(client, "0912345678").status_code == 302


# --- staff login -----------------------------------------------------------------------------


def test_desk_officer_logs_in_on_the_staff_page_and_lands_on_staff_home(client):
    """A desk officer logging in by username reaches the staff workspace."""
    officer = UserFactory(username="canbo01", email="canbo@example.vn", role=Role.DESK_OFFICER)
    response = _login(client, "canbo01", url_name="portal:staff_login")
    assert response.status_code == 302
    assert response.url == reverse("portal:staff_home")
    assert _logged_in_user_id(client) == str(officer.pk)
    assert client.get(response.url).status_code == 200


def test_staff_member_logging_in_as_a_citizen_lands_on_staff_home(client):
    """The citizen login sends staff on to their workspace through after_login."""
    UserFactory(email="canbo@example.vn", role=Role.SPECIALIST)
    response = _login(client, "canbo@example.vn")
    assert client.get(response.url).url == reverse("portal:staff_home")


def test_citizen_is_refused_on_the_staff_login(client):
    """The right password of a citizen on the staff page gives not_staff and no session."""
    UserFactory(email="an@example.vn", role=Role.CITIZEN)
    response = _login(client, "an@example.vn", url_name="portal:staff_login")
    assert response.status_code == 200
    assert _error_codes(response) == ["not_staff"]
    assert _logged_in_user_id(client) is None


def test_superuser_may_use_the_staff_login(client):
    """A superuser without a role group is let in on the staff page."""
    UserFactory(username="root", email="root@example.vn", is_superuser=True, is_staff=True)
    response = _login(client, "root", url_name="portal:staff_login")
    assert response.status_code == 302
    assert response.url == reverse("portal:staff_home")


def test_logged_in_citizen_sees_the_staff_login_form(client):
    """A citizen already logged in who opens the staff login gets the form (to log in as a
    staff member), not a redirect to a page that refuses them."""
    client.force_login(UserFactory(role=Role.CITIZEN))
    response = client.get(reverse("portal:staff_login"))
    assert response.status_code == 200
    assert "registration/staff_login.html" in [t.name for t in response.templates]


def test_logged_in_staff_member_is_sent_from_the_staff_login_to_staff_home(client):
    """Staff already logged in skip the form."""
    client.force_login(UserFactory(role=Role.LEADER))
    response = client.get(reverse("portal:staff_login"))
    assert response.status_code == 302
    assert response.url == reverse("portal:staff_home")


def test_staff_home_is_forbidden_to_a_citizen(client):
    """A logged-in citizen gets 403 with the 403 page on the staff workspace."""
    client.force_login(UserFactory(role=Role.CITIZEN))
    response = client.get(reverse("portal:staff_home"))
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]


def test_staff_home_sends_anonymous_visitors_to_the_login(client):
    """An anonymous visitor is redirected to the login page with `next`."""
    response = client.get(reverse("portal:staff_home"))
    assert response.status_code == 302
    assert response.url == f"{reverse('portal:login')}?next={reverse('portal:staff_home')}"


# --- password reset --------------------------------------------------------------------------


def test_password_reset_sends_a_working_link(client, mailoutbox):
    """The reset e-mail holds a link to password_reset_confirm; following it and choosing a new
    password changes the password, and the new one logs in."""
    user = UserFactory(email="an@example.vn")
    response = client.post(reverse("portal:password_reset"), {"email": "An@Example.vn"})
    assert response.status_code == 302
    assert response.url == reverse("portal:password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["an@example.vn"]
    assert "\n" not in message.subject
    match = re.search(r"http://testserver(/accounts/reset/\S+/\S+/)", message.body)
    assert match, message.body
    link = match.group(1)
    assert resolve(link).view_name == "portal:password_reset_confirm"

    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is True
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("portal:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    assert _login(client, "an@example.vn", NEW_PASSWORD).status_code == 302

    client.post(reverse("portal:logout"))
    response = client.get(link, follow=True)
    assert response.context["validlink"] is False


def test_password_reset_for_an_unknown_email_sends_nothing_and_looks_the_same(client, mailoutbox):
    """No account enumeration: an unknown address gets the same redirect and done page, and
    no e-mail is sent."""
    UserFactory(email="an@example.vn")
    known = client.post(reverse("portal:password_reset"), {"email": "an@example.vn"})
    mailoutbox.clear()
    unknown = client.post(reverse("portal:password_reset"), {"email": "nobody@example.vn"})
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert len(mailoutbox) == 0
    done = client.get(unknown.url)
    assert done.status_code == 200
    assert "registration/password_reset_done.html" in [t.name for t in done.templates]


def test_password_reset_sends_nothing_to_an_inactive_account(client, mailoutbox):
    """A disabled account cannot be re-opened through a password reset."""
    UserFactory(email="an@example.vn", is_active=False)
    response = client.post(reverse("portal:password_reset"), {"email": "an@example.vn"})
    assert response.url == reverse("portal:password_reset_done")
    assert len(mailoutbox) == 0


def test_password_reset_confirm_rejects_a_forged_token(client):
    """A made-up token shows the 'link no longer works' page and changes nothing."""
    user = UserFactory(email="an@example.vn")
    response = client.get(
        reverse("portal:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "abc-123456"})
    )
    assert response.status_code == 200
    assert response.context["validlink"] is False
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_citizen_group_is_the_only_group_of_a_new_account(client):
    """Registering never grants a staff role."""
    client.post(reverse("portal:register"), _registration(email="binh@example.vn"))
    user = User.objects.get()
    assert set(user.groups.all()) == {Group.objects.get(name=Role.CITIZEN)}
    assert not user.is_staff_member


def test_registration_racing_another_for_the_same_email_gets_the_usual_answer(
    client, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    """Two submits that both pass the form's checks: the second hits the unique constraint
    and is answered as for an address in use (the login page; the owner gets a mail)."""
    from portal import forms as portal_forms

    first = UserFactory(username="first", email="race@example.vn")
    # The view's look-up ran before the other request committed.
    looked_up = []

    def existing_accounts(self):
        looked_up.append(True)
        return [] if len(looked_up) == 1 else [first]

    monkeypatch.setattr(portal_forms.RegistrationForm, "existing_accounts", existing_accounts)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:register"),
            {
                "full_name": "Trần Thị Bích",
                "email": "race@example.vn",
                "password1": "mot-mat-khau-dai-2026",
                "password2": "mot-mat-khau-dai-2026",
            },
        )

    assert response.status_code == 302
    assert response.url == reverse("portal:login")
    assert get_user_model().objects.filter(email__iexact="race@example.vn").count() == 1
    assert [mail.to for mail in mailoutbox] == [["race@example.vn"]]
