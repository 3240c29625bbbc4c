"""Users and their memberships of zones. Roles are read in accounts.permissions only."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who uses the desk. Users are deactivated, never deleted: the audit log points at them."""

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    OFFICER = "officer", _("Communication officer")
    UNIT_HEAD = "unit_head", _("Unit head")
    DIRECTOR = "director", _("Director")
    ADMIN = "admin", _("Administrator")


class Membership(models.Model):
    """A user's role in one zone. A person may hold several roles in a zone (one row each)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    zone = models.ForeignKey(
        "editorial.Zone", on_delete=models.CASCADE, related_name="memberships", verbose_name=_("zone")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "editorial.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("unit"),
        help_text=_("Required for a unit head, empty for every other role."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["zone", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "zone", "role"], name="membership_unique_role_per_zone"),
            # A unit head speaks for exactly one unit; nobody else is tied to a unit.
            models.CheckConstraint(
                condition=(Q(role=Role.UNIT_HEAD) & Q(unit__isnull=False))
                | (~Q(role=Role.UNIT_HEAD) & Q(unit__isnull=True)),
                name="membership_unit_iff_unit_head",
                violation_error_message=_("A unit head must have a unit, and only a unit head may have one."),
            ),
        ]

    def __str__(self) -> str:
        label = f"{self.user} — {self.get_role_display()} ({self.zone})"
        return f"{label} · {self.unit}" if self.unit_id else label

    def clean(self) -> None:
        # The database cannot compare the unit's zone with the membership's zone; the form does.
        if self.unit_id and self.zone_id and self.unit.zone_id != self.zone_id:
            raise ValidationError({"unit": _("This unit belongs to another zone.")})
