"""Compose once: a post's main text per language of its zone, the text each channel takes from it, and the
networks' limits on a channel's text.

Pure functions, below the services and the forms (no database). The services use them to recompute, on every
save, the text of each channel that still follows the main text, so that what is stored (and fingerprinted and
published) is exactly what ``text_from_main`` makes; static/js/drafting.js mirrors them while the officer types
(change the two together).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from editorial.xtext import INVALID_CHARACTERS, MAX_WEIGHTED_LENGTH, parse_tweet

# The order of the languages in a bilingual message: the French text, then the Dutch one.
LANGUAGES = ("fr", "nl")
# Between the French and the Dutch text of one message (drafting.js uses the same).
BILINGUAL_SEPARATOR = "\n\n"

FACEBOOK_MAX_CHARS = 63_206
X_MAX_IMAGES = 4
# The networks that take images with a post; a channel of another kind (later) gets the text alone.
IMAGE_KINDS = frozenset({"x", "facebook"})


# What a bilingual zone's post lacks, as whole sentences per language (a language's name glued into a sentence does
# not agree in French or Dutch): the post form, ``services.post_submit`` and the urgent post say the same.
MAIN_TEXT_MISSING = {
    "fr": gettext_lazy("Write the main text in French: this zone publishes every post in French and Dutch."),
    "nl": gettext_lazy("Write the main text in Dutch: this zone publishes every post in French and Dutch."),
}
NO_CHANNEL_FOR = {
    "fr": gettext_lazy("Tick a channel that publishes in French, or in both languages: none of the ticked ones does."),
    "nl": gettext_lazy("Tick a channel that publishes in Dutch, or in both languages: none of the ticked ones does."),
}


def languages_of(value: str) -> list[str]:
    """``"fr"`` -> ``["fr"]``, ``"fr+nl"`` -> ``["fr", "nl"]`` (a zone's or a channel's language setting)."""
    wanted = set((value or "").split("+"))
    return [lang for lang in LANGUAGES if lang in wanted] or ["fr"]


def channel_languages(*, channel_language: str, zone_languages: str) -> list[str]:
    """The main texts a channel's message is made of: the channel's languages that the zone writes in.

    A channel set for a language the zone does not write (a Dutch-speaking zone whose channel kept the default,
    French) takes the zone's main texts: an officer must never find a channel empty because of a setting."""
    zone = languages_of(zone_languages)
    return [lang for lang in languages_of(channel_language) if lang in zone] or zone


def text_from_main(main_texts: Mapping[str, str], *, channel_language: str, zone_languages: str) -> str:
    """The text of a channel that follows the main text: the main text of its language, or for a bilingual
    account (``fr+nl``) the French then the Dutch main text in one message; a language not written yet is left
    out (review refuses a post whose languages are missing)."""
    parts = [
        (main_texts.get(lang) or "").strip()
        for lang in channel_languages(channel_language=channel_language, zone_languages=zone_languages)
    ]
    return BILINGUAL_SEPARATOR.join(part for part in parts if part)


def language_gaps(
    *,
    zone_languages: str,
    main_texts: Mapping[str, Any],
    channel_settings: Any,
    text_missing: Mapping[str, Any] = MAIN_TEXT_MISSING,
) -> list[str]:
    """What a post of a bilingual zone lacks, one whole sentence each: a text in each language of the zone
    (``text_missing`` says it, per language), and a ticked channel publishing each language (an account in that
    language, or one that posts both in one message). ``channel_settings``: the ticked channels' language
    settings. Empty for a zone of one language."""
    languages = languages_of(zone_languages)
    if len(languages) < 2:
        return []
    covered = {
        lang
        for setting in channel_settings
        for lang in channel_languages(channel_language=setting, zone_languages=zone_languages)
    }
    texts = main_texts if isinstance(main_texts, Mapping) else {}
    missing = [
        str(text_missing[lang]) for lang in languages if not (isinstance(texts.get(lang), str) and texts[lang].strip())
    ]
    return missing + [str(NO_CHANNEL_FOR[lang]) for lang in languages if lang not in covered]


def takes_images(kind: str) -> bool:
    return kind in IMAGE_KINDS


def text_limit_problem(channel: Any, text: str) -> str | None:
    """Why ``text`` cannot be published on ``channel`` as it stands, in a sentence naming the channel, or None.

    A draft may be saved with such a text (nothing typed is lost); ``services.post_submit`` refuses it."""
    if channel.kind == "x":
        count = parse_tweet(text)
        if count.weighted_length > MAX_WEIGHTED_LENGTH:
            return _("The text for %(channel)s counts %(count)s characters on X; X takes at most %(max)s.") % {
                "channel": channel.label,
                "count": count.weighted_length,
                "max": MAX_WEIGHTED_LENGTH,
            }
        if any(ord(ch) in INVALID_CHARACTERS for ch in text):
            return _("The text for %(channel)s holds a character X refuses (U+FEFF, U+FFFE or U+FFFF): remove it.") % {
                "channel": channel.label
            }
    elif len(text) > FACEBOOK_MAX_CHARS:
        return _("The text for %(channel)s has %(count)s characters; Facebook takes at most %(max)s.") % {
            "channel": channel.label,
            "count": formats.number_format(len(text), force_grouping=True),
            "max": formats.number_format(FACEBOOK_MAX_CHARS, force_grouping=True),
        }
    return None
