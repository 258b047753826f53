"""The interface catalogues: every string the code marks is translated in every language, placeholders and Slack
markup survive translation, and an unknown language or a missing entry falls back to English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import CATALOGUE_LANGUAGES, LOCALES_DIR, language_of_locale, translations
from bot.slack.blocks import reason_view

ROOT = Path(__file__).resolve().parents[1]
# {name} (str.format), %(name)s (%-formatting), :emoji: shortcodes and `code` spans must be the same on both sides.
_PLACEHOLDER = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)[sd]")
_EMOJI = re.compile(r":[a-z_]+:")


def _code_messages() -> set[str | tuple[str, ...]]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str | tuple[str, ...]] = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS):
        found.add(message if isinstance(message, str) else tuple(m for m in message if m is not None))
    return found


def _catalogue(path: Path):
    with path.open("rb") as po:
        return read_po(po)


@pytest.fixture(scope="module")
def code_messages() -> set[str | tuple[str, ...]]:
    return _code_messages()


def test_the_template_lists_every_string_the_code_marks(code_messages) -> None:
    template = {m.id for m in _catalogue(ROOT / "bot" / "i18n" / "messages.pot") if m.id}
    assert code_messages, "no marked strings found: is babel.cfg right?"
    missing, stale = code_messages - template, template - code_messages
    assert not missing and not stale, f"run the extract command in docs/i18n.md: new {missing}, gone {stale}"


@pytest.mark.parametrize("language", CATALOGUE_LANGUAGES)
def test_every_string_is_translated_with_its_placeholders(code_messages, language: str) -> None:
    catalogue = _catalogue(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po")
    entries = {m.id: m for m in catalogue if m.id}
    problems = []
    for msgid in sorted(code_messages, key=str):
        entry = entries.get(msgid)
        if entry is None or entry.fuzzy or not all(entry.string if isinstance(msgid, str) else entry.string):
            problems.append(f"untranslated: {msgid!r}")
            continue
        sources = [msgid] if isinstance(msgid, str) else list(msgid)
        forms = [entry.string] if isinstance(msgid, str) else list(entry.string)
        expected = set(_PLACEHOLDER.findall(" ".join(sources)))
        for form in forms:
            found = set(_PLACEHOLDER.findall(form))
            # A plural form may leave the number out ("une seule", "وثيقتان"); it may never add a placeholder.
            matches = found == expected if isinstance(msgid, str) else found <= expected
            if not matches:
                problems.append(f"placeholders {sorted(found)} instead of {sorted(expected)}: {form!r}")
            if sorted(_EMOJI.findall(form)) != sorted(_EMOJI.findall(sources[0])):
                problems.append(f"emoji changed: {form!r}")
            if form.count("`") != sources[0].count("`"):
                problems.append(f"code spans changed: {form!r}")
    assert not problems, "\n".join(problems)
    assert catalogue.num_plurals == len(next(m.string for m in catalogue if isinstance(m.id, tuple)))


@pytest.mark.parametrize("language", CATALOGUE_LANGUAGES)
def test_each_catalogue_loads_and_translates(language: str) -> None:
    t = translations(language)
    assert t.language == language
    assert t.gettext("Helpful") != "Helpful"
    assert t.ngettext("I know {count} document.", "I know {count} documents.", 12).format(count=12)


def test_unknown_languages_and_missing_entries_fall_back_to_english() -> None:
    for language in (None, "", "en", "de", "pt", "xx"):
        assert translations(language).language == "en"
        assert translations(language).gettext("Helpful") == "Helpful"
    assert translations("fr").gettext("a string no catalogue has") == "a string no catalogue has"
    assert translations("FR").language == "fr"


def test_slack_locales_map_to_our_languages() -> None:
    assert language_of_locale("fr-FR") == "fr"
    assert language_of_locale("es-LA") == language_of_locale("es-ES") == "es"
    assert language_of_locale("zh-CN") == language_of_locale("zh-TW") == "zh"
    assert language_of_locale("en-GB") == "en"
    assert language_of_locale("pt-BR") is None and language_of_locale("") is None and language_of_locale(None) is None


def test_arabic_isolates_embedded_values_and_other_languages_do_not() -> None:
    assert translations("ar").isolate("[1], [2]") == "\u2068[1], [2]\u2069"
    assert translations("fr").isolate("[1], [2]") == "[1], [2]"
    assert translations("ar").isolate("") == ""


@pytest.mark.parametrize("language", ("en", *CATALOGUE_LANGUAGES))
def test_the_feedback_modal_fits_slacks_limits_in_every_language(language: str) -> None:
    for kind in ("not_helpful", "flag"):
        view = reason_view("answer-1", kind, language)
        for key in ("title", "submit", "close"):
            assert len(view[key]["text"]) <= 24, (language, key, view[key]["text"])
