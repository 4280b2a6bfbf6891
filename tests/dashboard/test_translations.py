"""The dashboard in Simplified Chinese: the catalogue (locale/zh_Hans) is complete, compiled and
in step with the strings marked in templates and code, and no template shows an unmarked
string. `make messages` refreshes and compiles the catalogue."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
CODE = sorted(
    path
    for app in ("accounts", "dashboard", "memories", "config")
    for path in (ROOT / app).rglob("*.py")
    if "migrations" not in path.parts
)
GETTEXT = {"gettext", "gettext_lazy", "_", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def test_every_string_of_the_chinese_catalogue_is_translated(catalogue):
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert not catalogue.metadata_is_fuzzy  # msgfmt would skip a fuzzy header, and its charset


def test_the_compiled_catalogue_is_the_current_one(catalogue):
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(MO))}
    written = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in catalogue.translated_entries()
    }
    assert compiled == written, "run `make messages`"


_LITERAL = r"('(?:[^'\\]|\\.)*')"
_GETTEXT_CALL = re.compile(rf"(?<!p)gettext\({_LITERAL}\)")
_PGETTEXT_CALL = re.compile(rf"pgettext\('[^']*', {_LITERAL}\)")


def marked_in_templates() -> set[str]:
    found = set()
    for path in TEMPLATES:
        source = templatize(path.read_text(), origin=str(path))
        for pattern in (_GETTEXT_CALL, _PGETTEXT_CALL):
            found |= {_unquote(literal) for literal in pattern.findall(source)}
    return found


def marked_in_code() -> set[str]:
    found = set()
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in GETTEXT:
                args = node.args[1:] if getattr(node.func, "id", "").startswith("p") else node.args
                if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                    found.add(args[0].value)
    return found


def _unquote(literal: str) -> str:
    return ast.literal_eval(literal)


def test_every_marked_string_is_in_the_catalogue(catalogue):
    known = {e.msgid for e in catalogue}
    missing = (marked_in_templates() | marked_in_code()) - known
    assert not missing, f"run `make messages` and translate: {sorted(missing)[:20]}"


# Text a reader never needs translated: the product's name, code, symbols.
_UNTRANSLATED = re.compile(r"^(?:Engram\W*|[\W\d_]*|[A-Z]{2,5}|[a-z_]+_id)$")
_SKIP_TAGS = {"code", "pre", "kbd", "samp", "script", "style"}
_TEXT_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description"}


class _Visible(HTMLParser):
    """The text a page shows (and says to a screen reader) once template tags are gone."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self.skipping += 1
        attributes = dict(attrs)
        for name, value in attrs:
            # An <input> button shows its value; a <button>'s value is only sent with the form.
            shown = name in _TEXT_ATTRIBUTES or (
                name == "value"
                and tag == "input"
                and attributes.get("type") in {"submit", "button"}
            )
            if shown and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.texts.append(data)


_MARKED = re.compile(
    r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}"  # translated blocks
    r"|{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}"  # comments
    r"|{%.*?%}|{{.*?}}",  # tags ({% translate %} among them) and variables
    re.S,
)


def unmarked(template: Path) -> list[str]:
    parser = _Visible()
    parser.feed(_MARKED.sub(" ", template.read_text()))
    texts = (" ".join(text.split()) for text in parser.texts)
    return [text for text in texts if text and not _UNTRANSLATED.match(text)]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_shows_an_unmarked_string(template):
    assert unmarked(template) == []


def test_the_unmarked_string_check_would_catch_one(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<p>{% translate "Fine" %} <code>user_id</code></p>'
        '<button title="Delete it">{{ name }}</button><p>Forgot this</p>'
        '<input type="submit" value="Send it">'
        '<button type="submit" name="decision" value="approve">{% translate "Fine" %}</button>'
    )
    assert unmarked(page) == ["Delete it", "Forgot this", "Send it"]
