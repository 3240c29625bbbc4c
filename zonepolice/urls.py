from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import LogoutView, admin_login

admin.site.site_header = settings.DESK_SITE_NAME
admin.site.site_title = settings.DESK_SITE_NAME

urlpatterns = [
    path("", include("editorial.urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin's own URLs: its login form would skip the second step.
    path("admin/login/", admin_login, name="admin_login"),
    # The desk's own page asks for a fresh code first; the admin's would not.
    path(
        "admin/password_change/",
        RedirectView.as_view(pattern_name="accounts:password_change"),
        name="admin_password_change",
    ),
    # The desk's own sign-out, which the audit log records; the admin's would not.
    path("admin/logout/", LogoutView.as_view(), name="admin_logout"),
    path("admin/", admin.site.urls),
]
