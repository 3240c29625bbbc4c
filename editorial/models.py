"""The editorial domain. Every row belongs to a zone; every query is scoped to the zones of the user.

State changes go through editorial.services, never through save() in a view.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections import Counter
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import request_started
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from editorial.fields import EncryptedTextField

HASHTAG_RE = re.compile(r"^#\w+$")


def validate_hashtag(value: str) -> None:
    if not HASHTAG_RE.match(value):
        raise ValidationError(
            _("“%(tag)s” is not a hashtag: it starts with # and holds letters, digits or _ only."),
            params={"tag": value},
        )


def validate_hashtags(value: str) -> None:
    for tag in value.split():
        validate_hashtag(tag)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(tz)s” is not a known time zone."), params={"tz": value})


def _lines(value: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\n,;]", value or "") if line.strip()]


def validate_public_phones(value: str) -> None:
    from editorial.confidentiality import phone_key

    wrong = [line for line in _lines(value) if phone_key(line) is None]
    if wrong:
        raise ValidationError(
            _("Not a Belgian phone number: %(numbers)s. Write one number per line, e.g. 065 12 34 56."),
            params={"numbers": ", ".join(wrong)},
        )


def validate_public_emails(value: str) -> None:
    from django.core.validators import validate_email

    wrong = []
    for line in _lines(value):
        try:
            validate_email(line)
        except ValidationError:
            wrong.append(line)
    if wrong:
        raise ValidationError(
            _("Not an e-mail address: %(addresses)s. Write one address per line."),
            params={"addresses": ", ".join(wrong)},
        )


class Language(models.TextChoices):
    FR = "fr", _("French")
    NL = "nl", _("Dutch")
    BOTH = "fr+nl", _("French and Dutch")


class Zone(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Brussels", validators=[validate_timezone]
    )
    languages = models.CharField(_("languages"), max_length=5, choices=Language.choices, default=Language.FR)
    daily_budget_minutes = models.PositiveSmallIntegerField(
        _("daily time budget (minutes)"),
        default=35,
        help_text=_("Time the team should spend on the networks each day once the weekly plan is set."),
    )
    publishing_paused = models.BooleanField(
        _("publishing paused"), default=False, help_text=_("Nothing is sent on any channel of the zone.")
    )
    publishing_paused_reason = models.TextField(_("reason for the pause"), blank=True)
    unit_heads_require_mfa = models.BooleanField(
        _("unit heads use two-step verification"),
        default=False,
        help_text=_(
            "Officers, directors and administrators always sign in with a code from an authenticator app; "
            "tick this to ask it of the unit heads too."
        ),
    )
    # The zone's own contact details are published on purpose: the confidentiality scan does not report them.
    public_phones = models.TextField(
        _("public phone numbers"),
        blank=True,
        validators=[validate_public_phones],
        help_text=_(
            "The zone's numbers that posts may give (reception, stations), one per line. The confidentiality "
            "scan reports every other phone number. 101 and 112 are never reported."
        ),
    )
    public_emails = models.TextField(
        _("public e-mail addresses"),
        blank=True,
        validators=[validate_public_emails],
        help_text=_("The zone's addresses that posts may give, one per line; every other address is reported."),
    )
    # Issue 15: the people and places a post may name on purpose; the scan reports every other name and address.
    public_names = models.TextField(
        _("names that posts may give"),
        blank=True,
        help_text=_(
            "People a post may name (the chief of police, the spokesperson, an officer who agreed to be named), "
            "one per line. The confidentiality scan reports every other name of a person."
        ),
    )
    public_addresses = models.TextField(
        _("addresses that posts may give"),
        blank=True,
        help_text=_(
            "The zone's public addresses (stations, reception desks), one per line; every other home address is "
            "reported."
        ),
    )
    # The fast lane (issue 13): what goes out without a review first is read by the director afterwards.
    urgent_posts_allowed = models.BooleanField(
        _("urgent posts allowed"),
        default=True,
        help_text=_(
            "An officer, or a unit head with a delegated right, may publish a post at once with a stated reason and "
            "a fresh code; the director reviews it afterwards."
        ),
    )
    review_after_hours = models.PositiveSmallIntegerField(
        _("review after: delay (hours)"),
        default=24,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A post published from a template or as urgent is overdue for the director's review after this delay."
        ),
    )
    # Retention (issue 16): items and their photos are personal data the public never saw.
    item_retention_days = models.PositiveIntegerField(
        _("keep items for (days)"),
        default=365,
        validators=[MinValueValidator(7)],
        help_text=_(
            "Days an item, its facts, notes and photos are kept after its post was published or it was declined; "
            "then they are erased. What was published stays, with its evidence."
        ),
    )
    # The budget's split by kind of work (issue 14): what the desk measures is compared with each share.
    budget_items_minutes = models.PositiveSmallIntegerField(
        _("budget: reading items (minutes)"), default=5, help_text=_("Reading and triaging the units' items.")
    )
    budget_writing_minutes = models.PositiveSmallIntegerField(
        _("budget: writing (minutes)"), default=15, help_text=_("Drafting posts, templates and the plan.")
    )
    budget_review_minutes = models.PositiveSmallIntegerField(
        _("budget: reviewing (minutes)"), default=10, help_text=_("The director's review, before and after.")
    )
    budget_comments_minutes = models.PositiveSmallIntegerField(
        _("budget: answering (minutes)"),
        default=5,
        help_text=_("Follow-ups and replies on the networks, comments on posts."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.budget_split_total() != self.daily_budget_minutes:
            raise ValidationError(
                _("The split of the budget (%(split)s minutes) must add up to the daily budget (%(budget)s minutes).")
                % {"split": self.budget_split_total(), "budget": self.daily_budget_minutes}
            )

    def budget_split(self) -> dict[str, int]:
        """Minutes per kind of work (``WorkKind``'s values, "other" excepted: it has no share)."""
        return {
            "items": self.budget_items_minutes,
            "writing": self.budget_writing_minutes,
            "review": self.budget_review_minutes,
            "comments": self.budget_comments_minutes,
        }

    def budget_split_total(self) -> int:
        return sum(self.budget_split().values())

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def public_phone_list(self) -> list[str]:
        return _lines(self.public_phones)

    def public_email_list(self) -> list[str]:
        return _lines(self.public_emails)

    def public_name_list(self) -> list[str]:
        return _lines(self.public_names)

    def public_address_list(self) -> list[str]:
        return _lines(self.public_addresses)


class ZoneOwned(models.Model):
    """Base of every editorial row: it belongs to one zone."""

    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, verbose_name=_("zone"))

    class Meta:
        abstract = True


class Value(ZoneOwned):
    """A value of the zone that every post is reviewed against. Reviews keep the text they answered."""

    # In the zone's language (French for a French-speaking or bilingual zone, Dutch for a Dutch-speaking one).
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    question = models.CharField(_("reviewer question"), max_length=250)
    # A bilingual zone's value in Dutch, so that a Dutch-speaking director answers Dutch questions.
    name_nl = models.CharField(_("name in Dutch"), max_length=80, blank=True)
    description_nl = models.TextField(_("description in Dutch"), blank=True)
    question_nl = models.CharField(_("reviewer question in Dutch"), max_length=250, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("value")
        verbose_name_plural = _("values")
        ordering = ["zone", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="value_unique_name_per_zone")]

    def __str__(self) -> str:
        return self.name


# The texts of a value that a reviewer reads: a change to any of them starts a new version (issue 16, point 3).
VALUE_TEXT_FIELDS = ("name", "description", "question", "name_nl", "description_nl", "question_nl")


class ValueVersion(models.Model):
    """A value's texts from a date on: editing a value keeps its former text, numbered, with its date and author.

    Written by ``services.value_versions_current`` when the admin saves a changed text, and before a review records
    its checks (a value changed outside the admin gets its version then, without an author)."""

    value = models.ForeignKey(Value, on_delete=models.CASCADE, related_name="versions", verbose_name=_("value"))
    number = models.PositiveIntegerField(_("version"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    question = models.CharField(_("reviewer question"), max_length=250)
    name_nl = models.CharField(_("name in Dutch"), max_length=80, blank=True)
    description_nl = models.TextField(_("description in Dutch"), blank=True)
    question_nl = models.CharField(_("reviewer question in Dutch"), max_length=250, blank=True)
    created_at = models.DateTimeField(_("in force since"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )

    class Meta:
        verbose_name = _("value version")
        verbose_name_plural = _("value versions")
        ordering = ["value", "-number"]
        constraints = [models.UniqueConstraint(fields=["value", "number"], name="value_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    def same_texts(self, value: Value) -> bool:
        return all(getattr(self, field) == getattr(value, field) for field in VALUE_TEXT_FIELDS)


class Unit(ZoneOwned):
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["zone", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="unit_unique_name_per_zone")]

    def __str__(self) -> str:
        return self.name


class Category(ZoneOwned):
    name = models.CharField(_("name"), max_length=80)
    default_hashtags = models.CharField(
        _("default hashtags"),
        max_length=200,
        blank=True,
        validators=[validate_hashtags],
        help_text=_("Separated by spaces, for example: #controle #radar"),
    )
    default_channels = models.ManyToManyField(
        "Channel",
        blank=True,
        related_name="+",
        verbose_name=_("default channels"),
        help_text=_("Ticked for a new post of this category; empty: the channels ticked by default for the zone."),
    )
    # Multi-step review (issue 13, point 6): e.g. the judicial head confirms that nothing compromises an
    # investigation before the director approves.
    signoff_unit = models.ForeignKey(
        "Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sign-off by the head of"),
        help_text=_("A post of this category needs this unit head's sign-off before the director approves it."),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["zone", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="category_unique_name_per_zone")]

    def __str__(self) -> str:
        return self.name

    @property
    def hashtag_list(self) -> list[str]:
        return self.default_hashtags.split()


class Locality(ZoneOwned):
    name = models.CharField(_("name"), max_length=80)
    hashtag = models.CharField(_("hashtag"), max_length=60, blank=True, validators=[validate_hashtag])

    class Meta:
        verbose_name = _("locality")
        verbose_name_plural = _("localities")
        ordering = ["zone", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="locality_unique_name_per_zone")]

    def __str__(self) -> str:
        return self.name


class Road(ZoneOwned):
    """A road of the zone that real-time messages name (N6, E42, chaussée de Binche): a template's {road}."""

    name = models.CharField(_("name"), max_length=120)
    hashtag = models.CharField(_("hashtag"), max_length=60, blank=True, validators=[validate_hashtag])

    class Meta:
        verbose_name = _("road")
        verbose_name_plural = _("roads")
        ordering = ["zone", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="road_unique_name_per_zone")]

    def __str__(self) -> str:
        return self.name


class PartnerAccount(ZoneOwned):
    """An account the zone mentions or relays: a neighbouring zone, the federal police, a road-safety body, the
    commune. X texts mention its @handle, Facebook texts its page's name."""

    class Kind(models.TextChoices):
        POLICE_ZONE = "police_zone", _("Police zone")
        FEDERAL_POLICE = "federal_police", _("Federal police")
        ROAD_SAFETY = "road_safety", _("Road safety")
        COMMUNE = "commune", _("Commune")
        EMERGENCY = "emergency", _("Emergency services")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    x_handle = models.CharField(
        _("X handle"), max_length=16, blank=True, help_text=_("Without the @, for example: FedPol_Belgium")
    )
    facebook_name = models.CharField(
        _("Facebook page name"), max_length=120, blank=True, help_text=_("As written in a Facebook text.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner account")
        verbose_name_plural = _("partner accounts")
        ordering = ["zone", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="partneraccount_unique_name_per_zone")]

    def __str__(self) -> str:
        return self.name


# The networks as people name them, the same in every language.
_NETWORK_NAMES = {"x": "X", "facebook": "Facebook"}


# Per zone, which channels share their network with another channel of the zone (``Channel.label``), kept for one
# request: a page of labels costs one query, and the next request reads the zone's channels again. A context
# variable, so that an ASGI request (whose signal and view run in different threads) sees the one it started with.
_channel_networks: ContextVar[dict[int, dict[int, bool]] | None] = ContextVar("channel_networks", default=None)


def _forget_channel_networks(**kwargs: object) -> None:
    _channel_networks.set({})


request_started.connect(_forget_channel_networks, dispatch_uid="editorial.models.forget_channel_networks")


class Channel(ZoneOwned):
    """An account of the zone on a network. Credentials are encrypted at rest and never rendered back."""

    class Kind(models.TextChoices):
        X = "x", _("X (Twitter)")
        FACEBOOK = "facebook", _("Facebook page")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")

    kind = models.CharField(_("network"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("display name"), max_length=120)
    handle = models.CharField(
        _("handle or page id"), max_length=120, help_text=_("@handle on X, the numeric page id on Facebook.")
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.FR)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    ticked_by_default = models.BooleanField(
        _("ticked by default"),
        default=True,
        help_text=_("Ticked for a new post whose category names no channels of its own."),
    )
    credentials_encrypted = EncryptedTextField(_("credentials"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["zone", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "kind", "handle"], name="channel_unique_account")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def __repr__(self) -> str:
        # Never let credentials reach a log line through repr().
        return f"<Channel {self.pk} {self.kind}:{self.handle}>"

    @property
    def label(self) -> str:
        """The channel as people read it in every list, page and e-mail: its name and its network, and its handle
        when the zone has another account on the same network ("Police Mons-Quévy (X)", "Police Mons-Quévy
        (Facebook)", "Politie Bergen (X @PolBergen_nl)"). A zone's accounts often share one name."""
        network = _NETWORK_NAMES.get(self.kind) or str(self.get_kind_display())
        named_after_network = self.name.casefold() == network.casefold()
        if self._shares_network():
            network = f"{network} {self.handle}"
        return network if named_after_network else f"{self.name} ({network})"

    def _shares_network(self) -> bool:
        """Whether another channel of the zone is on the same network: one query per zone and request."""
        if self.pk is None:
            return False
        zones = _channel_networks.get()
        shared = zones.get(self.zone_id) if zones is not None else None
        if shared is None or self.pk not in shared:
            shared = Channel.read_networks(self.zone_id)
        return shared.get(self.pk, False)

    @staticmethod
    def read_networks(zone_id: int) -> dict[int, bool]:
        """Read the zone's channels for their labels now (one query). A list whose rows may or may not show a
        channel calls it, so that its number of queries does not depend on its rows."""
        zones = _channel_networks.get()
        if zones is None:
            zones = {}
            _channel_networks.set(zones)
        rows = list(Channel.objects.filter(zone_id=zone_id).values_list("pk", "kind"))
        per_network = Counter(kind for _pk, kind in rows)
        zones[zone_id] = {pk: per_network[kind] > 1 for pk, kind in rows}
        return zones[zone_id]

    @staticmethod
    def forget_networks() -> None:
        """Read the zones' channels again for the next label: done when a request starts; a long-lived process
        (a worker sending e-mails) calls it before labelling."""
        _forget_channel_networks()

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)

    def get_credentials(self) -> dict[str, str]:
        return json.loads(self.credentials_encrypted) if self.credentials_encrypted else {}

    def set_credentials(self, credentials: dict[str, str]) -> None:
        self.credentials_encrypted = json.dumps(credentials, sort_keys=True) if credentials else ""


class ChannelTarget(ZoneOwned):
    """How often the zone wants to post on a channel ("X: at least one a day on weekdays"); the plan shows the
    days below it as gaps."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="target", verbose_name=_("channel"))
    posts_per_day = models.PositiveSmallIntegerField(
        _("posts per day (at least)"), default=1, validators=[MinValueValidator(1)]
    )
    weekdays_only = models.BooleanField(
        _("weekdays only"), default=True, help_text=_("Saturdays and Sundays are not gaps.")
    )

    class Meta:
        verbose_name = _("publishing target")
        verbose_name_plural = _("publishing targets")
        ordering = ["zone", "channel"]

    def __str__(self) -> str:
        return f"{self.channel}: {self.posts_per_day}"


class Item(ZoneOwned):
    """Something a unit wants the public to know, submitted by its unit head."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        TAKEN_UP = "taken_up", _("Taken up")
        DECLINED = "declined", _("Declined")
        PUBLISHED = "published", _("Published")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="items", verbose_name=_("unit"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    title = models.CharField(_("title"), max_length=200)
    facts = models.TextField(_("facts"))
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("locality")
    )
    wanted_start = models.DateTimeField(_("wanted from"), null=True, blank=True)
    wanted_end = models.DateTimeField(_("wanted until"), null=True, blank=True)
    confidentiality_notes = models.TextField(_("confidentiality notes"), blank=True)
    links = models.TextField(
        _("links"), blank=True, help_text=_("Web addresses the post may give (a detour map, a form), one per line.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    # Set when retention erased its facts, notes, links and photos (issue 16); the row stays for the posts that
    # came from it.
    purged_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(wanted_end__isnull=True)
                | Q(wanted_start__isnull=True)
                | Q(wanted_end__gte=F("wanted_start")),
                name="item_window_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="item_declined_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["zone", "status", "created_at"])]

    def __str__(self) -> str:
        return self.title


class ItemAttachment(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("item"))
    file = models.FileField(_("file"), upload_to="items/%Y/%m/")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name


class PostOrigin(models.TextChoices):
    REVIEWED = "reviewed", _("Reviewed before publishing")
    TEMPLATE = "template", _("From an approved template")
    URGENT = "urgent", _("Urgent")


class Post(ZoneOwned):
    """A message of the zone, with one text per channel (PostVariant)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="posts", verbose_name=_("origin item")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    title = models.CharField(_("working title"), max_length=200, help_text=_("Internal, never published."))
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("locality")
    )
    planned_at = models.DateTimeField(_("planned for"), null=True, blank=True)
    # The text written once, per language of the zone ({"fr": ..., "nl": ...}); each channel's text starts from it.
    # Never published as such: only the channels' texts are (and fingerprinted).
    main_texts = models.JSONField(_("main texts"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    approved_fingerprint = models.CharField(_("approved fingerprint"), max_length=64, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # The fast lane (issue 13): a post made from an approved template, or published as urgent, goes out without a
    # review first; ``approved_*`` then record whose approval it went out under (the template's director, or the
    # urgent post's author with a fresh code) and the director reads it afterwards (ReviewAfter).
    origin = models.CharField(_("origin"), max_length=20, choices=PostOrigin.choices, default=PostOrigin.REVIEWED)
    template_version = models.ForeignKey(
        "TemplateVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instances",
        verbose_name=_("template version"),
    )
    # What was typed in the template's placeholders, as typed ({"locality": "Quévy", "from": "14:00"}).
    filled_values = models.JSONField(_("filled values"), default=dict, blank=True)
    # The right it was published under: "role:officer", or "grant:<id>" for a unit head's delegated right.
    published_under = models.CharField(_("published under"), max_length=40, blank=True)
    urgent_reason = models.TextField(_("reason for urgency"), blank=True)
    # A follow-up (a reopening after a closure) answers its original: a reply on X, a comment on Facebook.
    follows_up = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_up_posts",
        verbose_name=_("follows up"),
    )
    shared_with_units = models.ManyToManyField(
        Unit,
        blank=True,
        related_name="shared_posts",
        verbose_name=_("shared with units"),
        help_text=_("Unit heads of these units may read the post and comment on it."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["planned_at", "pk"]
        constraints = [
            # An approved or published post always carries the fingerprint of what was approved.
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "published"])
                | (~Q(approved_fingerprint="") & Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="post_approved_has_fingerprint",
            ),
            # An instance of a template always names the version it was made from; an urgent post its reason.
            models.CheckConstraint(
                condition=~Q(origin="template") | Q(template_version__isnull=False),
                name="post_template_instance_has_version",
            ),
            models.CheckConstraint(
                condition=~Q(origin="urgent") | ~Q(urgent_reason=""),
                name="post_urgent_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["zone", "status", "planned_at"]),
            # A period of the plan or the reports whatever the status, with years of history. On PostgreSQL,
            # migration 0014 also orders an index as the Posts page does (newest planned first, nulls last).
            models.Index(fields=["zone", "planned_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class PostVariant(models.Model):
    """The text of a post for one channel: exactly what will be published there."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants", verbose_name=_("post"))
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+", verbose_name=_("channel"))
    text = models.TextField(_("text"))
    # True while the text was never edited on its own: it follows the post's main text.
    follows_main = models.BooleanField(_("follows the main text"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("post text")
        verbose_name_plural = _("post texts")
        ordering = ["post", "channel__kind"]
        constraints = [models.UniqueConstraint(fields=["post", "channel"], name="variant_unique_channel_per_post")]

    def __str__(self) -> str:
        return f"{self.post} → {self.channel}"


class VariantMedia(models.Model):
    """An image attached to a variant; alt text is required (accessibility is part of the service)."""

    variant = models.ForeignKey(PostVariant, on_delete=models.CASCADE, related_name="media", verbose_name=_("text"))
    image = models.ImageField(_("image"), upload_to="posts/%Y/%m/")
    alt_text = models.CharField(_("alternative text"), max_length=1000)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The item's photo this image was made from, when it came with the unit's material.
    source = models.ForeignKey(
        "ItemAttachment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from the item's file"),
    )

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["variant", "order", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(alt_text=""), name="media_has_alt_text")]

    def __str__(self) -> str:
        return self.alt_text


class Review(models.Model):
    """A director's decision on a post as it stood (fingerprint) at review time."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REQUEST_CHANGES = "request_changes", _("Request changes")

    # A review is of a post, or of a template's version (approved once, like a post, against the same checklist).
    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews", verbose_name=_("post")
    )
    template_version = models.ForeignKey(
        "TemplateVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("template version"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewer")
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    confidentiality_confirmed = models.BooleanField(_("confidentiality rules checked"), default=False)
    confidentiality_findings = models.JSONField(_("confidentiality findings"), default=list, blank=True)
    confidentiality_override_reason = models.TextField(_("reason for overriding the findings"), blank=True)
    # What the reviewer read (services.post_snapshot), so a later version can be compared with it.
    snapshot = models.JSONField(_("reviewed version"), default=dict, blank=True)
    created_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="request_changes") | ~Q(comment=""),
                name="review_changes_need_comment",
            ),
            models.CheckConstraint(
                condition=~Q(decision="approve") | Q(confidentiality_confirmed=True),
                name="review_approval_confirms_confidentiality",
            ),
            models.CheckConstraint(
                condition=Q(post__isnull=False, template_version__isnull=True)
                | Q(post__isnull=True, template_version__isnull=False),
                name="review_of_a_post_or_a_template",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post or self.template_version} — {self.get_decision_display()}"


class ValueCheck(models.Model):
    """One zone value as the reviewer answered it; the text is copied so later edits never rewrite history."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="value_checks", verbose_name=_("review"))
    value = models.ForeignKey(
        Value, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("value")
    )
    value_name = models.CharField(_("value"), max_length=80)
    value_question = models.CharField(_("question"), max_length=250)
    # The version of the value answered (issue 16): its number and date for the evidence. The copied name and
    # question above stay what the reviewer read; a check older than the versions may have none.
    value_version = models.ForeignKey(
        ValueVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("value version"),
    )
    # The language the reviewer read the value in (a bilingual zone's director may answer in Dutch).
    language = models.CharField(_("language"), max_length=5, blank=True)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("value check")
        verbose_name_plural = _("value checks")
        ordering = ["review", "pk"]

    def __str__(self) -> str:
        return f"{self.value_name}: {self.confirmed}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments", verbose_name=_("post"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


class Template(ZoneOwned):
    """A real-time message written once with placeholders and approved once by the director against the values
    (issue 13). Its texts live in versions: an edit makes a new version and voids the approval (the fingerprint
    rule of posts); instances keep the version they were made from."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        RETIRED = "retired", _("Retired")

    name = models.CharField(_("name"), max_length=120)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The version being written or reviewed (the latest), and the one approved (set only while approved).
    current_version = models.ForeignKey(
        "TemplateVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    approved_version = models.ForeignKey(
        "TemplateVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved version"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        ordering = ["zone", "name"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "name"], name="template_unique_name_per_zone"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_version__isnull=False),
                name="template_approved_has_version",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """One version of a template's texts, never changed once written (instances and reviews point at it).

    ``texts`` and ``follow_up_texts``: {"<channel id>": text with {placeholders}}. ``placeholders``: the declared
    ones, in the order the form asks them, each {"name", "kind", "label", "max_length"} (``editorial.templating``)."""

    template = models.ForeignKey(
        Template, on_delete=models.PROTECT, related_name="versions", verbose_name=_("template")
    )
    number = models.PositiveSmallIntegerField(_("version"), validators=[MinValueValidator(1)])
    texts = models.JSONField(_("texts"), default=dict)
    placeholders = models.JSONField(_("placeholders"), default=list, blank=True)
    hashtags = models.CharField(_("hashtags"), max_length=200, blank=True, validators=[validate_hashtags])
    follow_up_texts = models.JSONField(_("follow-up texts"), default=dict, blank=True)
    # Proposed delay of the follow-up after the message, when no placeholder ({until}) gives its time.
    follow_up_after_minutes = models.PositiveIntegerField(_("follow-up after (minutes)"), null=True, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="templateversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class ReviewAfter(ZoneOwned):
    """What the director reads after a fast-lane publication (an instance of a template, an urgent post): read,
    acknowledge or comment; overdue after the zone's delay, and then on the dashboard."""

    post = models.OneToOneField(Post, on_delete=models.PROTECT, related_name="review_after", verbose_name=_("post"))
    urgent = models.BooleanField(_("urgent"), default=False)
    due_at = models.DateTimeField(_("to review by"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review after")
        verbose_name_plural = _("reviews after")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["zone", "acknowledged_at", "due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="reviewafter_acknowledged_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} ({self.due_at:%Y-%m-%d %H:%M})"


class FollowUp(ZoneOwned):
    """The message that closes a real-time one (a reopening after a closure, the end of a flood warning): due at a
    time, with a proposed text per channel; the author and the officers are reminded and publish it as a reply."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To publish")
        PUBLISHED = "published", _("Published")
        DISMISSED = "dismissed", _("Not needed")

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("post"))
    due_at = models.DateTimeField(_("due at"))
    # {"<channel id>": text}, already filled from the template with the post's values.
    texts = models.JSONField(_("proposed texts"), default=dict)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    published_post = models.ForeignKey(
        Post, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("published as")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["zone", "status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.post} → {self.due_at:%Y-%m-%d %H:%M}"


class SignOff(models.Model):
    """A unit head's sign-off on a post before the director's approval (a category that asks for it), bound to the
    post's fingerprint: an edit after it voids it like an approval."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="signoffs", verbose_name=_("post"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("signed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        ordering = ["post", "-created_at"]

    def __str__(self) -> str:
        return f"{self.post} — {self.unit} ({self.created_at:%Y-%m-%d %H:%M})"


class WeekTheme(ZoneOwned):
    """A theme the team plans for a week (road safety week, burglary prevention...), shown on the plan."""

    week_start = models.DateField(_("week of"), help_text=_("The Monday of the week."))
    title = models.CharField(_("theme"), max_length=120)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("theme of the week")
        verbose_name_plural = _("themes of the week")
        ordering = ["zone", "week_start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "week_start", "title"], name="weektheme_unique_title_per_week")
        ]

    def __str__(self) -> str:
        return f"{self.week_start:%Y-%m-%d} {self.title}"


class CalendarFeed(ZoneOwned):
    """A user's secret address for the iCalendar feed of the plan (calendar apps cannot log in)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [models.UniqueConstraint(fields=["zone", "user"], name="calendarfeed_one_per_user_zone")]

    def __str__(self) -> str:
        return f"{self.user} / {self.zone}"


class Publication(models.Model):
    """The publishing of one post on one channel: at most one create call is ever made for it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        PUBLISHED = "published", _("Published")
        RETRYING = "retrying", _("Retrying")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown: check the account")
        CANCELLED = "cancelled", _("Cancelled")

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="publications", verbose_name=_("post"))
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+", verbose_name=_("channel"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=120, blank=True)
    external_url = models.URLField(_("link"), max_length=500, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    sending_started_at = models.DateTimeField(_("sending started at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # When the team was last alerted about this publication (late, failed, unknown): one alert per problem.
    alerted_at = models.DateTimeField(_("alerted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["post", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="publication_unique_post_channel"),
            models.CheckConstraint(
                condition=~Q(status="published") | (~Q(external_id="") & Q(published_at__isnull=False)),
                name="publication_published_has_id",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["failed", "unknown"]) | ~Q(last_error=""),
                name="publication_failure_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # What went out in a period (the day, the plan, the reports) with years of history.
            models.Index(fields=["status", "published_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.post} → {self.channel}: {self.get_status_display()}"


class PublicationAttempt(models.Model):
    class Outcome(models.TextChoices):
        PUBLISHED = "published", _("Published")
        RETRY = "retry", _("Will retry")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown")

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="attempt_rows", verbose_name=_("publication")
    )
    number = models.PositiveSmallIntegerField(_("attempt"), validators=[MinValueValidator(1)])
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("publication attempt")
        verbose_name_plural = _("publication attempts")
        ordering = ["publication", "number"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "number"], name="attempt_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} #{self.number} {self.outcome}"


class Alert(models.Model):
    """One problem of the publishing pipeline that people were told about (DESIGN.md section 6, invariant 4).

    Raised once per problem: by the process whose conditional update moved the publication into the problem
    (an outcome, the reaper's "unknown", the late check), or the heartbeat's. The zone's officers receive the
    alerts grouped, one e-mail per zone every few minutes at most (``mailed_at``)."""

    class Kind(models.TextChoices):
        LATE = "late", _("Late")
        UNKNOWN = "unknown", _("Unknown outcome")
        FAILED = "failed", _("Failed")
        SERVICE = "service", _("Publishing service stopped")

    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="+", verbose_name=_("zone"))
    publication = models.ForeignKey(
        Publication,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("publication"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    message = models.TextField(_("message"))
    raised_at = models.DateTimeField(_("raised at"))
    mailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["raised_at", "pk"]
        indexes = [models.Index(fields=["zone", "mailed_at"])]

    def __str__(self) -> str:
        return f"{self.raised_at:%Y-%m-%d %H:%M} {self.kind}: {self.message[:60]}"


class Heartbeat(models.Model):
    """When the publishing service (beat and a worker together) last proved alive, written every few seconds.

    In the database, not the cache: the dashboard and ``check_publishing`` must read it when Redis is down."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    seen_at = models.DateTimeField(_("seen at"))
    # Set when people were told the service stopped; cleared when it beats again (one alert per outage).
    alerted_at = models.DateTimeField(_("alerted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class WorkKind(models.TextChoices):
    """The kinds of work the time budget is split into; each page of the desk counts for one of them."""

    ITEMS = "items", _("Reading items")
    WRITING = "writing", _("Writing")
    REVIEW = "review", _("Reviewing")
    COMMENTS = "comments", _("Answering")
    OTHER = "other", _("Other pages")


class ActiveTime(ZoneOwned):
    """Active seconds one person spent on the desk's pages within one minute (UTC, truncated), attributed to the
    kind of the page. One row per person and minute and never more than 60 seconds: no ping can make a day longer
    than the day. Nothing else is recorded (no keystrokes, no page content)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    minute = models.DateTimeField(_("minute"))
    kind = models.CharField(_("kind of work"), max_length=20, choices=WorkKind.choices)
    seconds = models.PositiveSmallIntegerField(_("active seconds"))

    class Meta:
        verbose_name = _("active time")
        verbose_name_plural = _("active time")
        ordering = ["minute"]
        constraints = [
            models.UniqueConstraint(fields=["user", "minute"], name="active_time_one_row_per_minute"),
            models.CheckConstraint(condition=Q(seconds__lte=60), name="active_time_at_most_a_minute"),
        ]
        indexes = [models.Index(fields=["zone", "minute"]), models.Index(fields=["user", "minute"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.minute:%Y-%m-%d %H:%M} {self.kind} {self.seconds}s"


class AuditEvent(models.Model):
    """Append-only record of a state change or security event, chained by hash to the one before it.

    Rows are written only by editorial.audit.audit_record; save() refuses updates and delete() refuses
    outright, so a row changes only by going around Django (and verify_audit_log then finds it).
    """

    zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("zone")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["zone", "created_at"]),
            # The limits counted from the log (password reset links) read one action over the last hour.
            models.Index(fields=["action", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only.")
