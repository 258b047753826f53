"""Documents in the UN languages (issue 16): French, Chinese and Arabic test documents (tests/fixtures/multilingual,
written for these tests) go through the real pipeline: sandboxed parsing, chunking, MiniLM embeddings, Chroma and
the SQL registry. Their language is recorded and shown, their sentences and passages are cut where their scripts
end sentences, and BM25 finds a Chinese document from a Chinese phrase among the English corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.cli import app
from bot.core.lexical import LexicalIndex
from bot.core.retrieval import HybridRetriever
from bot.core.text import content_terms
from ingest.chunking import Chunker, ChunkingConfig, _cut_by_tokens, split_sentences
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import CorpusIndex
from ingest.loaders import load_file
from ingest.pipeline import Ingestor
from ingest.tokens import count_tokens
from tests.documents import write_markdown

FIXTURES = Path(__file__).parent / "fixtures" / "multilingual"
FRENCH, CHINESE, ARABIC = "recherche-responsable-fr", "zh-dual-use", "ar-dual-use"
runner = CliRunner()


@pytest.fixture
def multilingual_index(writable_index: CorpusIndex, embeddings: MiniLMEmbeddings) -> CorpusIndex:
    """The shipped English corpus plus the three test documents."""
    report = Ingestor(writable_index, embeddings, Chunker()).ingest_paths([FIXTURES])
    assert not report.failed, [r.error for r in report.results if r.error]
    assert report.count("added") == 3
    return writable_index


def test_the_language_is_recorded_from_front_matter_or_detected(multilingual_index: CorpusIndex) -> None:
    records = {r.doc_id: r for r in multilingual_index.documents()}
    # French and Arabic are detected from their text; the Chinese document says "language: zh".
    assert (records[FRENCH].language, records[CHINESE].language, records[ARABIC].language) == ("fr", "zh", "ar")
    assert {r.language for doc_id, r in records.items() if doc_id not in (FRENCH, CHINESE, ARABIC)} == {"en"}
    # Every passage carries its document's language, so Chroma can filter on it.
    got = multilingual_index._chunks.get(where={"language": "zh"}, include=["metadatas"])
    assert got["ids"] and {m["doc_id"] for m in got["metadatas"] or []} == {CHINESE}
    # The answering side sees it on the retrieval's records.
    retriever = HybridRetriever(multilingual_index, MiniLMEmbeddings())
    assert retriever.documents[ARABIC].language == "ar"


def test_a_chinese_paragraph_splits_at_its_full_stops() -> None:
    paragraph = "自主武器系统是国际讨论的重点之一。许多国家认为必须保留人类控制！各国应该如何回应？联合国多次呼吁规范。"
    assert split_sentences(paragraph) == [
        "自主武器系统是国际讨论的重点之一。",
        "许多国家认为必须保留人类控制！",
        "各国应该如何回应？",
        "联合国多次呼吁规范。",
    ]
    # A line break inside a hard-wrapped Chinese paragraph adds no space.
    assert split_sentences("自主武器\n系统很重要。") == ["自主武器系统很重要。"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "يمكن استخدامه لأغراض سلمية. هل يستطيع الباحثون توقع ذلك؟ لا.",
            ["يمكن استخدامه لأغراض سلمية.", "هل يستطيع الباحثون توقع ذلك؟", "لا."],
        ),
        ("Es importante. ¿Qué hacer? ¡Mucho! Así es.", ["Es importante.", "¿Qué hacer?", "¡Mucho!", "Así es."]),
        ("Это важно. Что делать? «Инновации» — ключ.", ["Это важно.", "Что делать?", "«Инновации» — ключ."]),
        (
            "C'est clair. État des lieux : voilà. Pourquoi ? Parce que.",
            ["C'est clair.", "État des lieux : voilà.", "Pourquoi ?", "Parce que."],
        ),
    ],
)
def test_sentences_split_in_every_script(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
    assert all(sentence in text for sentence in expected)  # verbatim: a quote is found exactly


@pytest.mark.parametrize("name", ["zh-dual-use.md", "ar-dual-use.md", "recherche-responsable.md"])
def test_passages_keep_the_token_budget_at_sentence_boundaries(name: str) -> None:
    document = load_file(FIXTURES / name)
    chunks = Chunker(ChunkingConfig(chunk_tokens=60, overlap_tokens=15)).chunk(document)
    assert len(chunks) >= 5
    assert all(count_tokens(c.text) <= 60 for c in chunks)
    sections = "".join(s.text for s in document.sections)
    for chunk in chunks:
        assert chunk.text.endswith(("。", "！", "？", ".", "?", "؟", "!"))  # cut at sentence ends, not mid-sentence
        for sentence in split_sentences(chunk.text):
            assert sentence in chunk.text
    if name.startswith("zh"):
        assert all(" " not in c.text for c in chunks)  # no space inserted between Chinese sentences
        assert all(c.text in sections for c in chunks)  # so each passage is a verbatim span of the source


def test_an_over_long_chinese_sentence_is_cut_at_commas_not_inside_characters() -> None:
    sentence = "，".join(["人工智能的两用风险需要国际社会共同应对"] * 30) + "。"
    chunks = Chunker(ChunkingConfig(chunk_tokens=50, overlap_tokens=10)).chunk(
        load_file(write_markdown(Path("long.md"), sentence, title="长句"))
    )
    assert len(chunks) > 3 and all(count_tokens(c.text) <= 50 for c in chunks)
    assert all("\ufffd" not in c.text and c.text in sentence for c in chunks)
    assert all(c.text.endswith(("，", "。")) for c in chunks)


def test_bm25_finds_the_chinese_document_from_a_chinese_phrase(multilingual_index: CorpusIndex) -> None:
    documents = {r.doc_id: r for r in multilingual_index.documents()}
    chunks = multilingual_index.live_chunks()
    lexical = LexicalIndex.build(chunks, documents)
    for question, document in (
        ("有意义的人类控制", CHINESE),
        ("出口管制和伦理审查", CHINESE),
        ("الأسلحة الذاتية التشغيل", ARABIC),  # written without the article or with it, diacritics or none
        ("سيطرة بشرية", ARABIC),
        ("les comités d'éthique", FRENCH),
    ):
        hits = lexical.search(content_terms(question), 5)
        assert hits, question
        assert lexical.doc_ids[hits[0][0]] == document, question


def test_terms_per_script() -> None:
    assert content_terms("自主武器") == ["自主", "主武", "武器"]
    assert content_terms("的") == []  # a particle alone is no term
    # Diacritics, tatweel and the alef forms do not matter; nor does the article.
    assert content_terms("الأَسْلِحَة") == content_terms("اسلحـــة") == ["اسلحه"]
    assert content_terms("ОРУЖИЕ оружия") == ["оруж", "оруж"]
    assert content_terms("les armes", "fr") == ["arme"]
    assert content_terms("Les chercheurs évaluent l’arme") == ["chercheur", "evaluent", "arme"]  # detected French
    # English is tokenised exactly as before, accented names included.
    assert content_terms("The Malmö workshop's guidelines") == ["malm", "workshop", "guideline"]


def test_sources_json_and_table_show_the_language(tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    shutil.copytree(FIXTURES, folder)
    assert runner.invoke(app, ["ingest", str(folder)]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["sources", "--json"]).stdout)
    assert {d["doc_id"]: d["language"] for d in listed} == {FRENCH: "fr", CHINESE: "zh", ARABIC: "ar"}
    table = runner.invoke(app, ["sources"]).stdout
    assert any(line.startswith(CHINESE) and " zh " in line for line in table.splitlines())


def test_an_unknown_language_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    good = write_markdown(tmp_path / "good.md", "Labs should review dual-use risks before release.", title="Good")
    bad = write_markdown(tmp_path / "bad.md", "Un texte en français.", title="Mauvais", language="klingon")
    assert runner.invoke(app, ["ingest", str(good)]).exit_code == 0
    before = runner.invoke(app, ["sources", "--json"]).stdout
    result = runner.invoke(app, ["ingest", str(bad)])
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and "bad.md" in errors[0] and "language 'klingon'" in errors[0], errors
    assert "en, fr, es, ru, ar, zh" in errors[0]
    assert runner.invoke(app, ["sources", "--json"]).stdout == before


def test_a_regional_language_tag_names_its_language(tmp_path: Path) -> None:
    path = write_markdown(
        tmp_path / "ca.md", "Les laboratoires doivent évaluer les risques.", title="CA", language="fr-CA"
    )
    assert load_file(path).meta.language == "fr"


_MIXED = st.text(alphabet=st.sampled_from(list("ab AZ.!?。！？؟¿¡«»,，عربي ЧтоЁ中文字'\"")), max_size=120)


@given(_MIXED)
def test_sentences_of_any_script_are_verbatim_and_lose_nothing(text: str) -> None:
    sentences = split_sentences(text)
    assert all(sentence in text for sentence in sentences)
    assert "".join(sentences).replace(" ", "") == text.replace(" ", "")


@given(st.text(alphabet=st.sampled_from(list("中文字，。 عربيЁ")), min_size=1, max_size=400), st.integers(5, 40))
def test_an_over_long_sentence_is_cut_into_verbatim_pieces_within_the_budget(text: str, limit: int) -> None:
    pieces = _cut_by_tokens(text, limit)
    assert all(count_tokens(p) <= limit and p in text for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
