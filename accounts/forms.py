from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from editorial.notifications import KINDS


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


class EmailPreferencesForm(forms.Form):
    """Which e-mails of the desk a person receives, and in which language. ``kinds`` are those their roles may bring
    them (``editorial.notifications.kinds_for``); a kind outside them keeps its setting."""

    receive = forms.MultipleChoiceField(
        label=_("Send me an e-mail when"), required=False, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(
        label=_("Language of your e-mails"),
        help_text=_("The desk's pages follow the language chosen at the bottom of each page."),
    )

    def __init__(self, *args: Any, user: User, kinds: list[str], **kwargs: Any) -> None:
        muted = set(user.muted_emails if isinstance(user.muted_emails, list) else [])
        kwargs.setdefault("initial", {"language": user.language, "receive": [k for k in kinds if k not in muted]})
        super().__init__(*args, **kwargs)
        self.user = user
        self.kinds = kinds
        self.muted_before = muted
        self.fields["language"].choices = self.language_choices()
        if kinds:
            self.fields["receive"].choices = [(kind, KINDS[kind]) for kind in kinds]
        else:
            del self.fields["receive"]

    @staticmethod
    def language_choices() -> list[tuple[str, str]]:
        """The desk's languages, each in its own words (as the language menu shows them)."""
        return [(code, get_language_info(code)["name_local"].capitalize()) for code, _name in settings.LANGUAGES]

    def save(self) -> User:
        """Store the choice on the user; the kinds the person does not see keep their setting."""
        chosen = set(self.cleaned_data.get("receive") or [])
        kept = {kind for kind in self.muted_before if kind not in self.kinds}
        muted = sorted(kept | {kind for kind in self.kinds if kind not in chosen})
        self.user.language = self.cleaned_data["language"]
        self.user.muted_emails = muted
        self.user.save(update_fields=["language", "muted_emails"])
        return self.user
