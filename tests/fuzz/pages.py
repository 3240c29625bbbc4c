"""Reading the desk's pages as a browser would: the forms they hold, and what in them would run as script.

``forms_of`` lists every ``<form method="post">`` of a page with its fields, so the fuzz tests post to what the
pages really offer. ``markup_problems`` reports what a browser would execute or render as markup although the
desk never writes it: event-handler attributes, inline scripts, ``javascript:`` addresses, frames, and any text
that was sent and comes back unescaped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from editorial.forms.common import clean_text

TEXT_INPUTS = {"text", "search", "url", "email", "tel", "number", "datetime-local", "date", "time", "month", "week"}
_JSON_TYPES = {"application/json", "application/ld+json", "importmap"}
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background"}
# What the desk's templates (and the admin's) never write: if one shows up, something typed became markup.
_FOREIGN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "base", "applet"}
# Browsers drop ASCII tab and newline anywhere in a URL and leading C0 controls and spaces before the scheme.
_URL_NOISE = re.compile(r"[\t\n\r]")
_TAG_START = re.compile(r"<[A-Za-z!/?]")


@dataclass
class Field:
    name: str
    kind: str  # input type, or "textarea" / "select"
    values: list[str] = field(default_factory=list)  # the value(s) a browser would send untouched
    options: list[str] = field(default_factory=list)  # the choices of a select, radio or checkbox group
    multiple: bool = False


@dataclass
class PageForm:
    action: str  # path of the URL the form posts to
    enctype: str
    fields: dict[str, Field] = field(default_factory=dict)

    def add(self, name: str, kind: str, value: str | None, *, checked: bool = False, multiple: bool = False) -> None:
        known = self.fields.get(name)
        if known is None:
            known = self.fields[name] = Field(name=name, kind=kind, multiple=multiple)
        if kind in ("checkbox", "radio"):
            known.options.append(value if value is not None else "on")
            if checked:
                known.values.append(value if value is not None else "on")
            # Several checkboxes of one name (a multiple choice) are sent as a list.
            known.multiple = kind == "checkbox" and len(known.options) > 1
        elif value is not None:
            known.values.append(value)


class _Parser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self.problems: list[str] = []
        self._form: PageForm | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: tuple[str, bool] | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text: list[str] = []

    # Script detection ---------------------------------------------------------------------------------------

    def _check_tag(self, tag: str, attrs: dict[str, str | None]) -> None:
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>: an event-handler attribute")
            if name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc=...>")
            if name in _URL_ATTRIBUTES and value:
                scheme = _URL_NOISE.sub("", value).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f ")
                scheme = scheme.lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:text", "data:application")):
                    self.problems.append(f"<{tag} {name}={value[:60]!r}>: an address that runs script")
        if tag == "script" and not attrs.get("src") and (attrs.get("type") or "").lower() not in _JSON_TYPES:
            self.problems.append("an inline <script>")
        if tag in _FOREIGN_TAGS:
            self.problems.append(f"a <{tag}> element")

    # Forms ----------------------------------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        self._check_tag(tag, attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "post":
                action = urlsplit(urljoin(self.page_url, attrs.get("action") or self.page_url)).path
                self._form = PageForm(action=action, enctype=attrs.get("enctype") or "")
                self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            form.add(name, kind, attrs.get("value"), checked="checked" in attrs)
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            multiple = "multiple" in attrs
            form.fields.setdefault(name, Field(name=name, kind="select", multiple=multiple))
            self._select = (name, multiple)
        elif tag == "option" and self._select:
            self._option = (attrs.get("value"), "selected" in attrs)
            self._option_text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._option is not None:
            self._option_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and form is not None:
            name, parts = self._textarea
            content = "".join(parts)
            # The HTML parser drops one newline right after <textarea>; Django writes one for that reason.
            form.add(name, "textarea", content[1:] if content.startswith("\n") else content)
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None and form is not None:
            value, selected = self._option
            value = value if value is not None else "".join(self._option_text).strip()
            select = form.fields[self._select[0]]
            select.options.append(value)
            if selected:
                select.values.append(value)
            self._option = None
        elif tag == "select":
            self._select = None


def parse(page: str, page_url: str) -> _Parser:
    parser = _Parser(page_url)
    parser.feed(page)
    parser.close()
    return parser


def forms_of(page: str, page_url: str) -> list[PageForm]:
    return parse(page, page_url).forms


# --- What must never come back raw -----------------------------------------------------------------------


def renderings(value: str) -> set[str]:
    """The forms a typed value may take on its way back to a page: as typed, cleaned as the forms clean text
    (control characters dropped, CRLF made LF, trimmed, spaces collapsed), or HTML-unescaped (Django's upload
    parser unescapes file names)."""
    cleaned = clean_text(value)
    found = {value, cleaned, cleaned.strip(), " ".join(cleaned.split()), html.unescape(value)}
    return {v for v in found if v}


def markup_problems(page: str, page_url: str, sent: list[str]) -> list[str]:
    """What in ``page`` a browser would run or render as markup although nobody wrote it into a template."""
    problems = list(parse(page, page_url).problems)
    for value in sent:
        for shown in renderings(value):
            # Short fragments such as "<br>" are the desk's own markup; a typed tag of 8 characters or more is not.
            if len(shown) >= 8 and _TAG_START.search(shown) and shown in page:
                problems.append(f"the text {shown[:80]!r} came back unescaped")
    return problems


def kept(page: str, value: str) -> bool:
    """Whether a refused form shows ``value`` again (escaped, as Django renders a bound field)."""
    return any(html.escape(shown) in page for shown in renderings(value))


# Markers of a refusal written next to a field or at the top of a form (crispy-forms, the desk's own templates,
# the admin) or as a message of the messages framework.
ERROR_MARKERS = ("is-invalid", "invalid-feedback", "errorlist", "errornote", "alert-danger", "alert-warning")


def error_count(page: str) -> int:
    return sum(page.count(marker) for marker in ERROR_MARKERS)
