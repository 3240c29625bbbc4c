"""The French and Dutch catalogs: complete, compiled, placeholder-safe and really loaded by Django.

The .mo files are committed, so a .po edited without recompiling must fail here (`make messages` fixes it).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.utils.translation import gettext, override

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ["fr", "nl"]

# printf-style placeholders as Python's % operator reads them: %(name)s, %s, %d, %.2f… ("%%" is a literal %).
PRINTF_RE = re.compile(r"%(?:\((?P<name>[^)]+)\))?[#0 +-]*\d*(?:\.\d+)?(?P<type>[diouxXeEfFgGcrsa%])")
# Template variables, in case a {% blocktranslate %} string ever reaches the catalog unconverted.
TEMPLATE_VAR_RE = re.compile(r"\{\{\s*(.*?)\s*\}\}")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def mo_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo"


def live_entries(catalog: polib.POFile | polib.MOFile) -> list[polib.POEntry | polib.MOEntry]:
    return [e for e in catalog if not e.obsolete]


def placeholders(text: str) -> Counter:
    """Named placeholders by name, positional ones under "%<type>", template variables under "{{ var }}"."""
    found: Counter = Counter()
    for match in PRINTF_RE.finditer(text):
        if match["type"] == "%":
            continue
        found[f"%({match['name']})" if match["name"] else f"%{match['type']}"] += 1
    for var in TEMPLATE_VAR_RE.findall(text):
        found[f"{{{{ {var} }}}}"] += 1
    return found


def is_format_string(entry: polib.POEntry) -> bool:
    """python-format entries (blocktranslate strings are extracted as such) and anything with a %(name)s."""
    if "python-format" in entry.flags:
        return True
    source = entry.msgid + (entry.msgid_plural or "")
    return bool(re.search(r"%\([^)]+\)", source) or TEMPLATE_VAR_RE.search(source))


def placeholder_problems(entry: polib.POEntry) -> list[str]:
    """Why the translation of entry would break or lose a value at runtime; empty when it is safe."""
    if not entry.translated() or not is_format_string(entry):
        return []
    if not entry.msgid_plural:
        expected, got = placeholders(entry.msgid), placeholders(entry.msgstr)
        return [] if expected == got else [f"{entry.msgid!r}: expected {dict(expected)}, got {dict(got)}"]
    # Plural forms may drop the count in a singular form ("une heure"), never invent a placeholder,
    # and must keep every placeholder the singular and plural msgids share.
    singular, plural = placeholders(entry.msgid), placeholders(entry.msgid_plural)
    allowed, required = set(singular) | set(plural), set(singular) & set(plural)
    problems = []
    for index, text in sorted(entry.msgstr_plural.items()):
        got = set(placeholders(text))
        if not got <= allowed or not required <= got:
            problems.append(
                f"{entry.msgid!r}[{index}]: allowed {sorted(allowed)}, required {sorted(required)}, got {sorted(got)}"
            )
    return problems


def translations(catalog: polib.POFile | polib.MOFile) -> dict[tuple[str | None, str], object]:
    """(context, msgid) -> msgstr, or the tuple of plural forms, for what msgfmt puts in a .mo."""
    pairs: dict[tuple[str | None, str], object] = {}
    for entry in live_entries(catalog):
        if not entry.msgid or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural:
            forms = tuple(text for _, text in sorted(entry.msgstr_plural.items()))
            if all(forms):
                pairs[(entry.msgctxt, entry.msgid)] = (entry.msgid_plural, forms)
        elif entry.msgstr:
            pairs[(entry.msgctxt, entry.msgid)] = entry.msgstr
    return pairs


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalog_is_fully_translated(lang):
    po = polib.pofile(str(po_path(lang)))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated entries: {untranslated}"
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy entries (msgfmt drops them): {fuzzy}"
    assert not po.metadata_is_fuzzy, f"{lang}: the header of django.po is still marked fuzzy"
    assert po.percent_translated() == 100


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalog_headers(lang):
    po = polib.pofile(str(po_path(lang)))
    assert po.metadata.get("POT-Creation-Date"), f"{lang}: django.po has no POT-Creation-Date header"
    assert po.metadata.get("Language") == lang
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert po.metadata.get("Plural-Forms", "").startswith("nplurals=")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalog_matches_the_po(lang):
    assert mo_path(lang).exists(), f"{lang}: django.mo is missing — run `make messages`"
    po = polib.pofile(str(po_path(lang)))
    mo = polib.mofile(str(mo_path(lang)))
    expected, compiled = translations(po), translations(mo)
    missing = sorted(k[1] for k in expected.keys() - compiled.keys())
    stale = sorted(k[1] for k in compiled.keys() - expected.keys())
    changed = sorted(k[1] for k in expected.keys() & compiled.keys() if expected[k] != compiled[k])
    assert expected == compiled, (
        f"{lang}: django.mo does not match django.po — run `make messages`. "
        f"Not compiled: {missing}; only in the .mo: {stale}; different: {changed}"
    )
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms"), (
        f"{lang}: the Plural-Forms of django.mo and django.po differ — run `make messages`"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang):
    po = polib.pofile(str(po_path(lang)))
    problems = [problem for entry in live_entries(po) for problem in placeholder_problems(entry)]
    assert not problems, f"{lang}: placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def test_the_placeholder_check_catches_mistakes():
    ok = polib.POEntry(msgid="Seen at %(time)s", msgstr="Vu à %(time)s", flags=["python-format"])
    renamed = polib.POEntry(msgid="Seen at %(time)s", msgstr="Vu à %(heure)s", flags=["python-format"])
    lost = polib.POEntry(msgid="A %(kind)s needs %(keys)s.", msgstr="Il faut %(keys)s.", flags=["python-format"])
    positional = polib.POEntry(msgid="%s of %s", msgstr="%s", flags=["python-format"])
    template = polib.POEntry(msgid="Seen at {{ time }}", msgstr="Vu")
    percent = polib.POEntry(msgid="Done %(n)s%%", msgstr="Fait à %(n)s %%", flags=["python-format"])
    assert placeholder_problems(ok) == []
    assert placeholder_problems(percent) == []
    for entry in (renamed, lost, positional, template):
        assert placeholder_problems(entry), entry.msgid


@pytest.mark.parametrize(("lang", "expected"), [("fr", "Déconnexion"), ("nl", "Afmelden")])
def test_django_loads_the_catalog(lang, expected):
    with override(lang):
        assert gettext("Sign out") == expected
