"""Sign-in in two steps, the second factor's set-up, the account's security page, password reset.

Thin views over ``accounts.mfa``: see its docstring for the flow.
"""

from __future__ import annotations

import logging
from typing import Any

import segno
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import mfa, permissions, reauth
from accounts.events import password_reset_allowed, request_address, security_event
from accounts.forms import CodeForm, EmailPreferencesForm, LoginForm, SetupCodeForm
from accounts.models import RecoveryCodeDevice, TOTPDevice
from accounts.reauth import recent_auth_required
from editorial import notifications

logger = logging.getLogger(__name__)


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """Step 1, the password. For whoever needs a second factor, it signs nobody in: it hands over to step 2."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True
    # FormView would take PUT as POST.
    http_method_names = ["get", "post", "head", "options"]

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        backend = getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1])
        next_url = self.get_success_url()
        if mfa.needs_second_factor(user):
            mfa.pending_begin(self.request, user, backend=backend, next_url=next_url)
            if mfa.totp_device(user) is None:
                return redirect("accounts:mfa_setup")
            return redirect("accounts:mfa_verify")
        mfa.login_complete(self.request, user=user, backend=backend, device=None, method="password")
        return HttpResponseRedirect(next_url)


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            security_event(action="accounts.logout", request=request, user=request.user)
        return super().post(request, *args, **kwargs)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own login form would skip the second step: it sends to the desk's sign-in instead."""
    if request.user.is_authenticated and not admin.site.has_permission(request):
        # The admin sends here whoever it refuses; sending a signed-in user on to the sign-in with next=/admin/
        # would come straight back (the sign-in forwards signed-in users to next): a redirect loop.
        messages.error(request, _("Your account does not give access to the administration."))
        return redirect("accounts:login")
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")


def _restart(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Sign in with your password first (a started sign-in is valid for a few minutes)."))
    return redirect("accounts:login")


# Not signed in yet, so SecurityHeadersMiddleware's no-store does not apply: these pages must not be cached either
# (the set-up page shows the authenticator's key).
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the code of the authenticator app (or a recovery code)."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    pending = mfa.pending_user(request)
    if pending is None:
        return _restart(request)
    if mfa.totp_device(pending.user) is None and not RecoveryCodeDevice.objects.filter(user=pending.user).exists():
        return redirect("accounts:mfa_setup")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa.second_factor_verify(
                request, user=pending.user, code=form.cleaned_data["code"], purpose="login"
            )
        except mfa.MfaError as refusal:
            form.add_error("code", refusal.message)
        else:
            method = "recovery_code" if isinstance(device, RecoveryCodeDevice) else "totp"
            mfa.login_complete(request, user=pending.user, backend=pending.backend, device=device, method=method)
            if method == "recovery_code":
                remaining = device.remaining()
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code; %(count)s code is left. Make new ones on your security "
                        "page.",
                        "You signed in with a recovery code; %(count)s codes are left. Make new ones on your "
                        "security page.",
                        remaining,
                    )
                    % {"count": remaining},
                )
            return HttpResponseRedirect(_safe_next(request, pending.next_url))
    return render(request, "accounts/mfa_verify.html", {"form": form, "pending_user": pending.user})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: between the two steps of a first sign-in, or later from the security page
    (replacing the phone), where confirming needs a recent proof of identity."""
    pending = None if request.user.is_authenticated else mfa.pending_user(request)
    if not request.user.is_authenticated and pending is None:
        return _restart(request)
    if request.user.is_authenticated and request.method == "POST":
        return _mfa_setup_signed_in(request)
    return _mfa_setup(request, pending)


@recent_auth_required
def _mfa_setup_signed_in(request: HttpRequest) -> HttpResponse:
    return _mfa_setup(request, None)


def _mfa_setup(request: HttpRequest, pending: mfa.Pending | None) -> HttpResponse:
    user = pending.user if pending else request.user
    if pending is not None and mfa.totp_device(user) is not None:
        # Someone who passed the password only cannot replace an existing authenticator.
        return redirect("accounts:mfa_verify")
    device = mfa.totp_setup_start(request, user=user)
    form = SetupCodeForm(request.POST if request.method == "POST" else None, submit_label=_("Confirm and continue"))
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.totp_setup_confirm(request, user=user, device=device, code=form.cleaned_data["code"])
        except mfa.MfaError as refusal:
            form.add_error("code", refusal.message)
        else:
            device = TOTPDevice.objects.get(pk=device.pk)
            if pending is not None:
                mfa.login_complete(request, user=user, backend=pending.backend, device=device, method="totp_setup")
                request.session["desk_after_codes"] = _safe_next(request, pending.next_url)
            else:
                import django_otp

                # The new device is the one that verifies this session from now on.
                django_otp.login(request, device)
                request.session["desk_after_codes"] = reverse("accounts:security")
            request.session[mfa.NEW_RECOVERY_CODES] = codes
            return redirect("accounts:recovery_codes")
    uri = device.provisioning_uri(settings.OTP_TOTP_ISSUER)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_data_uri": qr,
            "secret": device.secret_for_typing,
            "setup_user": user,
            "required": permissions.mfa_required(user),
            "first_time": pending is not None,
        },
    )


@login_required
@require_safe
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown once: they are stored hashed and cannot be shown again."""
    codes = request.session.pop(mfa.NEW_RECOVERY_CODES, None)
    if not codes:
        messages.info(request, _("Recovery codes are shown only once, when they are made. Make new ones here."))
        return redirect("accounts:security")
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next_url": request.session.pop("desk_after_codes", reverse("accounts:security"))},
    )


@login_required
@require_safe
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = mfa.totp_device(user)
    recovery = RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
    muted = user.muted_emails if isinstance(user.muted_emails, list) else []
    return render(
        request,
        "accounts/security.html",
        {
            "device": device,
            "recovery_left": recovery.remaining() if recovery else 0,
            "required": permissions.mfa_required(user),
            "email_language": dict(EmailPreferencesForm.language_choices()).get(user.language, user.language),
            "emails_off": [notifications.KINDS[kind] for kind in notifications.kinds_for(user) if kind in muted],
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def emails(request: HttpRequest) -> HttpResponse:
    """Which e-mails of the desk the person receives (per kind), and in which language. Alerts about publishing
    problems are not among the kinds: they always reach the officers."""
    user = request.user
    form = EmailPreferencesForm(
        request.POST if request.method == "POST" else None, user=user, kinds=notifications.kinds_for(user)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        security_event(
            action="accounts.emails.change",
            request=request,
            user=user,
            data={"language": user.language, "muted": user.muted_emails},
        )
        messages.success(request, _("Your e-mail settings are saved."))
        return redirect("accounts:emails")
    return render(request, "accounts/emails.html", {"form": form, "alerts": notifications.receives_alerts(user)})


@login_required
@require_POST
@recent_auth_required
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    if mfa.totp_device(request.user) is None:
        messages.error(request, _("Set up an authenticator app first."))
        return redirect("accounts:security")
    request.session[mfa.NEW_RECOVERY_CODES] = mfa.recovery_codes_regenerate(request, user=request.user)
    request.session["desk_after_codes"] = reverse("accounts:security")
    return redirect("accounts:recovery_codes")


@login_required
@require_POST
@recent_auth_required
def mfa_disable(request: HttpRequest) -> HttpResponse:
    try:
        mfa.mfa_disable(request, user=request.user)
    except mfa.MfaError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Two-step verification is off for your account."))
    return redirect("accounts:security")


class PasswordChangeView(auth_views.PasswordChangeView):
    http_method_names = ["get", "post", "head", "options"]
    template_name = "accounts/form_page.html"
    success_url = reverse_lazy("accounts:security")
    extra_context = {"title": gettext_lazy("Change your password")}

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return recent_auth_required(super().dispatch)(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session.pop(reauth.FAILURES, None)
        security_event(action="accounts.password.change", request=self.request, user=self.request.user)
        messages.success(self.request, _("Your password was changed. Your other sessions have ended."))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        # A wrong current password is a failed proof of identity like a wrong code on the confirmation page:
        # audited and counted, or someone at an open session could try passwords here without any limit.
        if form.has_error("old_password", "password_incorrect"):
            security_event(action="accounts.password.change_failure", request=self.request, user=self.request.user)
            ended = reauth.failed_confirmation(self.request)
            if ended is not None:
                return ended
        return super().form_invalid(form)


class PasswordResetView(auth_views.PasswordResetView):
    http_method_names = ["get", "post", "head", "options"]
    template_name = "accounts/form_page.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_context = {"title": gettext_lazy("Forgot your password?"), "submit_label": gettext_lazy("Send me a link")}

    def form_valid(self, form: Any) -> HttpResponse:
        client = request_address(self.request)
        if not password_reset_allowed(request=self.request, email=form.cleaned_data["email"]):
            logger.warning("Password reset link refused (too many asked for) from %s", client)
            form.add_error(
                None,
                _(
                    "Too many links were asked for this address or from this computer in the last hour. Use the "
                    "latest e-mail you received, try again later, or ask your zone's administrator."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        # The e-mail goes out after the request was recorded, outside the lock.
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password, then the normal sign-in: the reset never signs anyone in, so the second step stays."""

    template_name = "accounts/form_page.html"
    http_method_names = ["get", "post", "head", "options"]
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False
    extra_context = {"title": gettext_lazy("Choose a new password")}

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Django's view answers an invalid link before it looks at the method.
        if request.method and request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        security_event(action="accounts.password.reset", request=self.request, user=form.user)
        return response


@require_safe
def password_reset_done(request: HttpRequest) -> HttpResponse:
    messages.info(
        request,
        _("If an account has this address, an e-mail with a link to choose a new password is on its way."),
    )
    return redirect("accounts:login")


@require_safe
def password_reset_complete(request: HttpRequest) -> HttpResponse:
    messages.success(request, _("Your password was changed. Sign in with it (and your authenticator app)."))
    return redirect("accounts:login")


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """django-axes' answer once a username and address have failed too often (AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/login.html",
        {
            "form": LoginForm(request, initial={"username": (credentials or {}).get("username", "")}),
            "locked_out": ngettext(
                "Too many failed sign-ins for this account from your network (IP) address. Sign-in is blocked for "
                "%(minutes)s minute; if you forgot your password, use “Forgot your password?”, or ask your "
                "administrator.",
                "Too many failed sign-ins for this account from your network (IP) address. Sign-in is blocked for "
                "%(minutes)s minutes; if you forgot your password, use “Forgot your password?”, or ask your "
                "administrator.",
                minutes,
            )
            % {"minutes": minutes},
        },
        status=429,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check (CSRF_FAILURE_VIEW): said plainly, and audited.

    Usually a page left open across a new sign-in (the token changes at each one), sometimes a form posted from
    another site: the audit log keeps Django's reason, which tells the two apart."""
    # Audited for signed-in users only: anyone can post forms without a token, and the append-only log (whose
    # writes wait for each other) is no place for them. Django logs every refusal to django.security.csrf anyway.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        security_event(
            action="security.csrf_refused",
            request=request,
            user=user,
            data={"method": request.method, "reason": reason[:200]},
        )
    # The page the form was on, when the browser says so and it is ours (the address posted to may answer POST only).
    referer = request.headers.get("Referer", "")
    ours = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    back = referer if ours else ""
    return render(request, "accounts/csrf_failure.html", {"back": back}, status=403)
