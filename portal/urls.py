from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from . import views

portal_patterns = (
    [
        path("", views.home, name="home"),
        path("accounts/login/", views.CitizenLoginView.as_view(), name="login"),
        path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("accounts/register/", views.register, name="register"),
        path("accounts/welcome/", views.after_login, name="after_login"),
        path(
            "accounts/password-reset/",
            auth_views.PasswordResetView.as_view(
                success_url=reverse_lazy("portal:password_reset_done"),
                email_template_name="registration/password_reset_email.txt",
                subject_template_name="registration/password_reset_subject.txt",
            ),
            name="password_reset",
        ),
        path(
            "accounts/password-reset/sent/",
            auth_views.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            "accounts/reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(
                success_url=reverse_lazy("portal:password_reset_complete")
            ),
            name="password_reset_confirm",
        ),
        path(
            "accounts/reset/done/",
            auth_views.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
        path("staff/login/", views.StaffLoginView.as_view(), name="staff_login"),
        path("staff/", views.staff_home, name="staff_home"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("procedures/", include("procedures.urls")),
    path("", include("dossiers.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler400 = "portal.views.error_400"
handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"
