"""Admin for users and memberships, scoped like the editorial set-up data."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import mfa, permissions
from accounts.events import security_event
from accounts.models import Grant, Membership, User
from accounts.reauth import recent_auth_required
from editorial.admin import ReadOnlyZoneAdmin, ZoneScopedAdmin
from editorial.audit import audit_record


def manageable_users(user: Any) -> QuerySet:
    """Users a zone administrator may manage: members of their zones and new accounts with no zone yet (never
    superusers nor staff accounts with no zone). A person who belongs, or once belonged, to another zone too is
    managed only by an administrator of every one of their zones: otherwise resetting their second factor and
    setting their password would hand that other zone's access over. Superusers manage everyone."""
    zone_ids = permissions.admin_zone_ids(user)
    if zone_ids is None:
        return User.objects.all()
    elsewhere = Membership.objects.filter(user=OuterRef("pk")).exclude(zone_id__in=zone_ids)
    return (
        User.objects.filter(
            Q(memberships__zone_id__in=zone_ids) | Q(memberships__isnull=True, is_superuser=False, is_staff=False)
        )
        .exclude(Exists(elsewhere))
        .distinct()
    )


class UserIdAutocomplete(AutocompleteSelect):
    """Django's autocomplete box looks up the posted ids to draw a refused form again, and a posted "id" that is
    not a user id (``0.0``, or past 64 bits) made that lookup a server error instead of the form's message."""

    def optgroups(self, name: str, value: list[str], attr: Any = None) -> Any:
        ids = [v for v in value if str(v).isdigit() and int(v) < 2**63]
        return super().optgroups(name, ids, attr)


class GrantInline(admin.TabularInline):
    """A unit head's delegated rights, read-only: they are granted and withdrawn on the zone's members page, which
    checks them and writes the audit log."""

    model = Grant
    fk_name = "membership"
    extra = 0
    can_delete = False
    fields = readonly_fields = ["rights", "granted_by", "granted_at", "revoked_by", "revoked_at"]
    verbose_name_plural = _("delegated rights (granted and withdrawn on the zone's members page)")

    @admin.display(description=_("right"))
    def rights(self, obj: Grant) -> str:
        from editorial.selectors.members import grant_sentence

        return grant_sentence(obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("channels", "categories")

    # The membership page is scoped to the administrator's zones already; the rights are shown on it, never changed.
    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Grant)
class GrantAdmin(ReadOnlyZoneAdmin):
    """Delegated rights of the administrator's zones, read-only (they are managed on the zone's members page)."""

    list_display = ["membership", "scope", "granted_by", "granted_at", "revoked_at"]
    list_filter = [("zone", admin.RelatedOnlyFieldListFilter), "scope"]
    list_select_related = ["membership__user", "membership__zone", "membership__unit", "granted_by"]
    search_fields = ["membership__user__username", "membership__user__first_name", "membership__user__last_name"]
    fields = readonly_fields = [
        "membership",
        "zone",
        "scope",
        "channels",
        "categories",
        "granted_by",
        "granted_at",
        "revoked_by",
        "revoked_at",
    ]


@admin.register(Membership)
class MembershipAdmin(ZoneScopedAdmin):
    list_display = ["user", "zone", "role", "unit", "is_active"]
    # Only the zones of the memberships this administrator sees, never every zone of the installation.
    list_filter = [("zone", admin.RelatedOnlyFieldListFilter), "role", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    inlines = [GrantInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        # A membership's person never changes: it is deactivated and another one is added. Read-only, a person the
        # administrator may not manage (who also belongs to another zone) keeps their membership editable here.
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else (*readonly, "user")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            # Only people the zone administrator already manages: otherwise adding a membership would hand
            # them another zone's user (and that user's password).
            kwargs["queryset"] = manageable_users(request.user)
            kwargs["widget"] = UserIdAutocomplete(db_field, self.admin_site, using=kwargs.get("using"))
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["zone", "role", "unit", "is_active"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        zone_ids = permissions.admin_zone_ids(request.user)
        return qs if zone_ids is None else qs.filter(zone_id__in=zone_ids)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Superusers manage every account; a zone administrator manages the people of their zones,
    without the installation-level flags (superuser, staff, groups, permissions)."""

    inlines = [MembershipInline]
    actions = ["reset_second_factor"]
    limited_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )

    def _zone_ids(self, request: HttpRequest) -> set[int] | None:
        return permissions.admin_zone_ids(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if self._zone_ids(request) is None:
            return qs
        return qs.filter(pk__in=manageable_users(request.user).values("pk"))

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.limited_fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("last_login", "date_joined")

    def _allowed(self, request: HttpRequest) -> bool:
        zone_ids = self._zone_ids(request)
        return zone_ids is None or bool(zone_ids)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request) and (obj is None or request.user.is_superuser or not obj.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # People are deactivated, never deleted: the audit log keeps pointing at them.
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        # Its POST runs the actions, among them resetting someone's second factor.
        return recent_auth_required(super().changelist_view)(request, extra_context)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        parent = super().user_change_password

        def change(request: HttpRequest, id: str, form_url: str = "") -> Any:
            response = parent(request, id, form_url)
            # Django's view saves the password and writes only its own LogEntry: without this, an administrator
            # could reset someone's second factor and set their password with only the first in the audit log.
            # A redirect after a POST is its success (a refused form answers 200).
            if request.method == "POST" and response.status_code == 302:
                user = User.objects.filter(pk=unquote(id)).first()
                security_event(
                    action="accounts.password.admin_set",
                    request=request,
                    user=request.user,
                    data={
                        "user": user.pk if user else None,
                        "username": user.username if user else "",
                        "usable": bool(user and user.has_usable_password()),
                    },
                )
            return response

        return recent_auth_required(change)(request, id, form_url)

    @admin.action(
        description=_("Reset two-step verification (lost phone): the person sets it up at their next sign-in")
    )
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet) -> None:
        # The changelist only lists the users this administrator manages; never their own account from here
        # (they would lock themselves out of the admin).
        count = 0
        for user in queryset.exclude(pk=request.user.pk):
            mfa.mfa_reset(request, actor=request.user, user=user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Two-step verification reset for %(count)s person: they set it up again at their next sign-in.",
                "Two-step verification reset for %(count)s people: they set it up again at their next sign-in.",
                count,
            )
            % {"count": count},
        )

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changed = sorted(f for f in form.changed_data if f not in {"password", "password1", "password2"})
        audit_record(
            action=f"admin.user.{'change' if change else 'create'}",
            actor=request.user,
            obj=obj,
            data={"fields": changed, "username": obj.username},
        )
