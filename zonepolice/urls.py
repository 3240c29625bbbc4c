from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.views import admin_login

admin.site.site_header = settings.DESK_SITE_NAME
admin.site.site_title = settings.DESK_SITE_NAME

urlpatterns = [
    path("", include("editorial.urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin's own URLs: its login form would skip the second step.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]
