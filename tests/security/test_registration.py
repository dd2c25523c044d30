"""Registration tells nobody whether an e-mail or phone already has an account: the answer is
the same; the owner of an address in use gets an e-mail instead."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "mot-mat-khau-moi-2026"
RECEIVED = (
    "Đã nhận đăng ký của bạn. Nếu địa chỉ thư điện tử hoặc số điện thoại chưa có tài khoản, "
    "tài khoản của bạn đã sẵn sàng: hãy đăng nhập bên dưới bằng địa chỉ hoặc số điện thoại "
    "đó và mật khẩu. Nếu đã có tài khoản, hệ thống không tạo tài khoản mới: hãy đăng nhập "
    "bằng tài khoản đó hoặc đặt lại mật khẩu."
)


def _register(client, capture, **fields):
    data = {
        "full_name": "Trần Thị Bình",
        "email": "",
        "phone": "",
        "identity_number": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(fields)
    with capture(execute=True):
        return client.post(reverse("portal:register"), data, follow=True)


def _answer(response):
    """Everything a visitor can see of the answer, cookies' presence included."""
    return {
        "status": response.status_code,
        "redirects": response.redirect_chain,
        "templates": [t.name for t in response.templates if t.name],
        "messages": [(m.level_tag, m.message) for m in response.context["messages"]],
        "logged_in": response.context["user"].is_authenticated,
        "cookies": sorted(response.client.cookies.keys()),
    }


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ({"email": "an.nguyen@example.vn"}, {"email": "An.Nguyen@Example.vn"}),
        ({"email": "an@example.vn", "phone": "0912345678"}, {"phone": "+84 912 345 678"}),
        (
            {"email": "an@example.vn", "phone": "0912345678"},
            {"email": "an@example.vn", "phone": "0912345678"},
        ),
    ],
)
def test_an_address_in_use_gets_the_same_answer_as_a_new_one(
    client, capture, mailoutbox, existing, typed
):
    """Status, redirects, templates, message and login state are equal; only the owner's
    mailbox differs."""
    owner = UserFactory(username="owner", **existing)
    other_client = client.__class__()

    new = _register(other_client, capture, **{k: _fresh(k) for k in typed})
    assert User.objects.count() == 2
    mailoutbox.clear()
    in_use = _register(client, capture, **typed)

    assert _answer(in_use) == _answer(new)
    assert _answer(in_use)["messages"] == [("success", RECEIVED)]
    assert _answer(in_use)["redirects"] == [(reverse("portal:login"), 302)]
    assert "registration/login.html" in _answer(in_use)["templates"]
    assert User.objects.count() == 2
    assert not User.objects.filter(pk=owner.pk, first_name="Trần Thị Bình").exists()
    assert [mail.to for mail in mailoutbox] == [[owner.email]]


def _fresh(field):
    return {"email": "moi@example.vn", "phone": "0987654321"}[field]


def test_the_owner_is_told_what_happened_and_where_to_go(client, capture, mailoutbox):
    owner = UserFactory(email="an@example.vn", first_name="Nguyễn Văn An")
    _register(client, capture, email="an@example.vn")

    (mail,) = mailoutbox
    assert mail.to == [owner.email]
    assert mail.subject == "Có người đã thử đăng ký tài khoản bằng địa chỉ của bạn"
    assert "Kính gửi Nguyễn Văn An," in mail.body
    assert "không có tài khoản mới nào được tạo" in mail.body
    assert "http://127.0.0.1:8000/accounts/login/" in mail.body
    assert "http://127.0.0.1:8000/accounts/password-reset/" in mail.body
    # Nothing the visitor typed ends up in the owner's mail.
    assert PASSWORD not in mail.body
    assert "Trần Thị Bình" not in mail.body


def test_the_owner_is_not_flooded(client, capture, mailoutbox):
    """At most one such mail per account an hour, however often someone tries."""
    UserFactory(email="an@example.vn")
    for _ in range(5):
        response = _register(client, capture, email="an@example.vn")
        assert _answer(response)["messages"] == [("success", RECEIVED)]
    assert len(mailoutbox) == 1


def test_two_owners_are_both_told(client, capture, mailoutbox):
    """An e-mail of one account and a phone of another: neither is created, both are told."""
    UserFactory(email="an@example.vn")
    UserFactory(email="binh@example.vn", phone="0912345678")
    _register(client, capture, email="an@example.vn", phone="0912345678")
    assert sorted(mail.to[0] for mail in mailoutbox) == ["an@example.vn", "binh@example.vn"]
    assert User.objects.count() == 2


def test_an_owner_with_a_phone_only_gets_the_same_answer_and_no_mail(client, capture, mailoutbox):
    UserFactory(username="phone-only", email="", phone="0912345678")
    response = _register(client, capture, phone="0912345678")
    assert _answer(response)["messages"] == [("success", RECEIVED)]
    assert mailoutbox == []
    assert User.objects.count() == 1


def test_a_mail_server_that_fails_does_not_change_the_answer(
    client, capture, mailoutbox, monkeypatch
):
    """An error page would tell the visitor the address has an account."""

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("portal.views.send_mail", broken)
    UserFactory(email="an@example.vn")
    client.raise_request_exception = False

    response = _register(client, capture, email="an@example.vn")

    assert _answer(response)["status"] == 200
    assert _answer(response)["messages"] == [("success", RECEIVED)]


def test_a_new_address_still_creates_an_account_that_logs_in(client, capture, mailoutbox):
    _register(client, capture, email="moi@example.vn", phone="0987654321")
    user = User.objects.get()
    response = client.post(
        reverse("portal:login"), {"username": "0987654321", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert mailoutbox == []


def test_form_errors_are_shown_as_before(client, capture):
    """Input errors that say nothing about other accounts still come back on the form."""
    response = _register(client, capture, email="an@example.vn", password2="khac-mat-khau-2026")
    assert response.status_code == 200
    assert response.redirect_chain == []
    assert "password2" in response.context["form"].errors
    assert not User.objects.exists()
