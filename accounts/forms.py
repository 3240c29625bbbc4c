from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Sign in"), css_class="w-100"))


class CodeForm(forms.Form):
    """The second step: six digits from the authenticator app, or one recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6 digits your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, submit_label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label or _("Verify"), css_class="w-100"))


class SetupCodeForm(CodeForm):
    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "spellcheck": "false"}
        ),
    )


class PasswordConfirmForm(forms.Form):
    """Re-authentication for a user without a second factor."""

    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
