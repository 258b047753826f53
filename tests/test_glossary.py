"""The practitioner glossary: shipped entries are sound, matching is careful, trainers can extend it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.glossary import Glossary, GlossaryError
from corpus import documents_dir, glossary_path


def test_every_shipped_entry_has_a_definition_and_a_real_source() -> None:
    glossary = Glossary.load([glossary_path()])
    doc_ids = {p.stem for p in documents_dir().rglob("*.md")}
    assert len(glossary) >= 20
    for entry in glossary.entries:
        assert entry.source in doc_ids, entry.term
        assert 10 < len(entry.definition) <= 160 and "\n" not in entry.definition


def test_practitioner_words_map_to_the_corpus_words() -> None:
    glossary = Glossary.shipped()
    terms = glossary.expansion_terms("what deadline is there for a ban on killer robots?")
    assert {"lethal", "autonomous", "weapon"} <= set(terms)
    assert "killer" not in terms  # the question's own words are not repeated
    variants = glossary.variants("is there a kill switch requirement?")
    assert any("decommission" in v for v in variants)


def test_acronyms_match_only_in_capitals() -> None:
    glossary = Glossary.shipped()
    assert [e.term for e, _ in glossary.matches("what do LAWS do?")] == ["lethal autonomous weapons systems"]
    assert glossary.matches("which laws apply to my model?") == []


def test_what_is_questions_find_their_entry() -> None:
    glossary = Glossary.shipped()
    entry = glossary.definition_for("what is DURC?")
    assert entry is not None and entry.term == "dual use"
    assert glossary.definition_for("what does meaningful human control mean?") is not None
    assert glossary.definition_for("what is the deadline for the ban on killer robots proposed by the UN?") is None


def test_trainers_extend_it_with_a_file_of_the_same_shape(tmp_path: Path) -> None:
    extra = tmp_path / "glossary.yml"
    extra.write_text(
        "- term: model card\n  aliases: [system card]\n  definition: A short document describing a "
        "model.\n  source: pai-responsible-publication\n",
        encoding="utf-8",
    )
    glossary = Glossary.load([glossary_path(), extra])
    assert glossary.definition_for("what's a system card?") is not None
    assert len(glossary) == len(Glossary.shipped()) + 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("term: x\n", "a glossary is a list of entries"),
        ("- term: x\n  definition: y\n", "entry 1 needs a term, a definition and a source"),
        ("- term: x\n  definition: y\n  source: z\n  aliases: 3\n", "aliases must be a list"),
        ("- [unclosed\n", "not a readable YAML file"),
        ("- term: x\n  definition: y\n  source: z\n  translations: [ok, 5]\n", "translations must be a list"),
    ],
)
def test_a_bad_glossary_file_is_one_line_naming_it(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "glossary.yml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(GlossaryError) as caught:
        Glossary.load([bad])
    assert message in str(caught.value) and str(bad) in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("question", "names"),
    [
        # Arabic attaches "and" and "the" to the word; Chinese has no spaces; Russian declines the name.
        ("من يقود مبادرة مكتب شؤون نزع السلاح ومعهد سيبري؟", ["United Nations Office for Disarmament Affairs (UNODA)"]),
        ("联合国裁军事务厅对自主武器怎么看？", ["lethal autonomous weapons systems (LAWS)"]),
        ("Что говорит ООН об автономном оружии?", ["lethal autonomous weapons systems (LAWS)"]),
        (
            "¿Qué dice el Secretario General sobre el derecho internacional humanitario?",
            ["international humanitarian law (IHL)", "Secretary-General"],
        ),
        ("What does the UN say about autonomous weapons?", []),  # English questions already use the corpus's words
    ],
)
def test_names_in_other_languages_bring_the_corpus_s_english_name(question: str, names: list[str]) -> None:
    found = Glossary.shipped().english_names(question)
    assert all(name in found for name in names), found
    assert bool(found) == bool(names)
