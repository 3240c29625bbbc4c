from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and roles")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Security events come from django.contrib.auth and django-axes as signals: they are the only way to
        # hear about a failed sign-in on any form (the admin's included) and about a lockout.
        from accounts import signals  # noqa: F401
