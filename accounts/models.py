"""Users and their memberships of zones. Roles are read in accounts.permissions only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import hotp

from editorial.fields import EncryptedTextField


class User(AbstractUser):
    """A person who uses the desk. Users are deactivated, never deleted: the audit log points at them."""

    # The language of the e-mails the desk sends this person (the interface follows the browser or the menu).
    language = models.CharField(
        _("language of e-mails"), max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Kinds of e-mail this person turned off (editorial.notifications.KINDS); alerts about publishing are not.
    muted_emails = models.JSONField(_("e-mails turned off"), default=list, blank=True)

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
    # Opt-in (issue 14): the week's report in this zone by e-mail on Monday morning.
    weekly_report_email = models.BooleanField(
        _("weekly report by e-mail"),
        default=False,
        help_text=_("The week's report of the zone is sent on Monday morning."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["zone", "role", "user__username"]
        constraints = [
            # One membership per role and zone, except unit heads: one per unit they head (a small zone's head of
            # traffic may also head proximity policing).
            models.UniqueConstraint(
                fields=["user", "zone", "role"],
                condition=~Q(role=Role.UNIT_HEAD),
                name="membership_unique_role_per_zone",
                violation_error_message=_("This person already has this role in this zone."),
            ),
            models.UniqueConstraint(
                fields=["user", "zone", "unit"],
                condition=Q(role=Role.UNIT_HEAD),
                name="membership_unique_unit_head_per_unit",
                violation_error_message=_("This person already heads this unit."),
            ),
            # Each unit-head membership names one unit; nobody else is tied to a unit.
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


class Grant(models.Model):
    """A right delegated to a unit head (issue 13, point 3): publish on these channels, for these categories, from
    approved templates only, or also free posts (which still need the director's review) and urgent posts. Read in
    ``accounts.permissions`` like every other right; revoked, never deleted (the record of who could publish)."""

    class Scope(models.TextChoices):
        TEMPLATES = "templates", _("From approved templates only")
        POSTS = "posts", _("From templates, and free posts (reviewed first) and urgent posts")

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="grants", verbose_name=_("unit head")
    )
    zone = models.ForeignKey("editorial.Zone", on_delete=models.PROTECT, related_name="+", verbose_name=_("zone"))
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices, default=Scope.TEMPLATES)
    channels = models.ManyToManyField("editorial.Channel", related_name="+", verbose_name=_("channels"))
    categories = models.ManyToManyField("editorial.Category", related_name="+", verbose_name=_("categories"))
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted at"))
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegated right")
        verbose_name_plural = _("delegated rights")
        ordering = ["zone", "membership", "-granted_at"]
        indexes = [models.Index(fields=["membership", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.membership} — {self.get_scope_display()}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# --- Second factor (django-otp devices) ---------------------------------------------------------------------
# django-otp's own TOTPDevice keeps its secret in clear hex; ours keeps it encrypted with the same key ring as the
# channel credentials (FIELD_ENCRYPTION_KEYS), so a database dump alone does not give anyone the codes.


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (RFC 6238: 6 digits, 30 s, SHA-1, as every app supports).

    A code is accepted once only: ``last_t`` is the time step of the last accepted code and only later steps are
    accepted afterwards, moved forward by a conditional UPDATE so that two requests racing with the same code cannot
    both win. Wrong codes slow the next attempt down exponentially (ThrottlingMixin).
    """

    secret = EncryptedTextField(_("secret"), editable=False)
    last_t = models.BigIntegerField(default=-1, editable=False)

    step = 30
    digits = 6
    # One step either side: phones whose clock is a few seconds off still work.
    tolerance = 1

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __repr__(self) -> str:
        # The secret never reaches a log line through repr().
        return f"<TOTPDevice {self.pk} user={self.user_id} confirmed={self.confirmed}>"

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.secret)

    def get_throttle_factor(self) -> int:
        return settings.OTP_TOTP_THROTTLE_FACTOR

    def _matching_step(self, token: str, now: float | None = None) -> int | None:
        """The time step whose code is ``token``, among those allowed now and after the last accepted one."""
        token = token.strip().replace(" ", "")
        if not (token.isdigit() and len(token) == self.digits):
            return None
        current = int((time.time() if now is None else now) // self.step)
        for t in range(current - self.tolerance, current + self.tolerance + 1):
            if t > self.last_t and hmac.compare_digest(
                f"{totp_at(self.bin_key, t, self.digits):0{self.digits}d}", token
            ):
                return t
        return None

    def verify_token(self, token: Any) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        t = self._matching_step(str(token))
        if t is not None:
            # Conditional: of two requests carrying the same code, only one moves last_t forward.
            won = TOTPDevice.objects.filter(pk=self.pk, last_t__lt=t).update(
                last_t=t, last_used_at=timezone.now(), throttling_failure_count=0, throttling_failure_timestamp=None
            )
            if won == 1:
                self.last_t = t
                self.throttling_failure_count = 0
                self.throttling_failure_timestamp = None
                return True
        _count_failure(self)
        return False

    def code_at(self, moment: float) -> str:
        """The code an authenticator app shows at ``moment`` (tests and the local demo's ``mfa_code``)."""
        return f"{totp_at(self.bin_key, int(moment // self.step), self.digits):0{self.digits}d}"

    def provisioning_uri(self, issuer: str) -> str:
        label = quote(f"{issuer}:{self.user.get_username()}")
        params = urlencode(
            {
                "secret": base64.b32encode(self.bin_key).decode("ascii").rstrip("="),
                "issuer": issuer,
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            },
            quote_via=quote,
        )
        return f"otpauth://totp/{label}?{params}"

    @property
    def secret_for_typing(self) -> str:
        """The base32 secret in groups of four, for an app that cannot scan the QR code."""
        encoded = base64.b32encode(self.bin_key).decode("ascii").rstrip("=")
        return " ".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def totp_at(key: bytes, t: int, digits: int) -> int:
    """RFC 6238's code for time step ``t`` (RFC 4226's HOTP on the step counter)."""
    return hotp(key, t, digits)


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """The recovery codes of a user: for a lost or broken phone. Each code works once.

    Codes are random (80 bits) and stored as salted SHA-256 hashes: they are shown once, when made, and a database
    dump does not reveal them. A slow hash would add nothing against guessing 80 random bits.
    """

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return settings.OTP_TOTP_THROTTLE_FACTOR

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()

    def verify_token(self, token: Any) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        wanted = normalise_recovery_code(str(token))
        if wanted:
            for code in self.codes.filter(used_at__isnull=True):
                # Conditional: a code raced twice is spent once.
                if hmac.compare_digest(
                    code.code_hash, hash_recovery_code(wanted, code.salt)
                ) and RecoveryCode.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=timezone.now()):
                    RecoveryCodeDevice.objects.filter(pk=self.pk).update(
                        throttling_failure_count=0, throttling_failure_timestamp=None
                    )
                    return True
        _count_failure(self)
        return False


def _count_failure(device: ThrottlingMixin) -> None:
    """One more wrong code: counted in the database with an F() expression, so that wrong codes sent in parallel
    all count (django-otp's throttle_increment saves the whole row, and the last save would win)."""
    device.throttle_increment(commit=False)
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_count=F("throttling_failure_count") + 1,
        throttling_failure_timestamp=device.throttling_failure_timestamp,
    )


RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper


def normalise_recovery_code(value: str) -> str:
    cleaned = "".join(c for c in value.strip().lower() if c.isalnum())
    return cleaned if len(cleaned) == 16 and all(c in RECOVERY_ALPHABET for c in cleaned) else ""


def hash_recovery_code(normalised: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{normalised}".encode()).hexdigest()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"recovery code {self.pk} ({'used' if self.used_at else 'unused'})"
