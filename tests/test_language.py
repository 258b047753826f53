"""Telling the language of a question or a document (ingest/language.py)."""

import pytest

from ingest.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What does the UN say about autonomous weapons?", "en"),
        ("Que dit l'ONU sur les armes autonomes ?", "fr"),
        ("¿Qué dice la ONU sobre las armas autónomas?", "es"),
        ("Что говорит ООН об автономном оружии?", "ru"),
        ("ماذا تقول الأمم المتحدة عن الأسلحة المستقلة؟", "ar"),
        ("联合国对自主武器有何看法？", "zh"),
        ("联合国对LAWS的立场是什么？", "zh"),  # a Latin acronym inside Chinese does not make it English
    ],
)
def test_each_un_language_is_recognised(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_a_text_too_short_to_tell_gets_the_default() -> None:
    assert detect_language("LAWS?", default="fr") == "fr"
    assert detect_language("Hague guidelines", default="es") == "es"
    assert detect_language("12345 ???") == "en"


def test_a_long_question_overrides_the_default() -> None:
    assert detect_language("Who funds the programme on responsible innovation in AI?", default="fr") == "en"
