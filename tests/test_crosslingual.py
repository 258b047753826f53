"""Questions in the other UN languages, answered from the English corpus (issue 16)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pytest

from bot.core.crosslingual import CrossLingualSearch
from bot.core.engine import AnswerEngine
from bot.core.retrieval import HybridRetriever
from bot.i18n import translations
from corpus import vectors_dir
from ingest.chunking import Chunker
from ingest.embeddings import MiniLMEmbeddings, MultilingualE5Embeddings
from ingest.index import CorpusIndex
from ingest.passage_vectors import SHIPPED_FILE, PassageVectors, read_vectors, shipped_passage_texts, text_key
from ingest.pipeline import Ingestor


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        (
            "Que dit l'ONU sur les systèmes d'armes létales autonomes ?",
            "fr",
            "unga-resolution-78-241|sg-statements-laws|ccw-guiding-principles-laws",
        ),
        ("¿Quién financia el programa de innovación responsable en IA de UNODA y SIPRI?", "es", None),
        ("Что такое Гаагские этические принципы для химиков?", "ru", "hague-ethical-guidelines"),
        ("天津生物安全准则是谁制定的？", "zh", "tianjin-biosecurity-guidelines"),
        ("ما هي مدونة أخلاقيات جمعية ACM؟", "ar", "acm-code-of-ethics"),
    ],
)
def test_a_question_in_another_language_retrieves_and_quotes_the_english_source(
    multilingual_engine: AnswerEngine, question: str, language: str, expected: str | None
) -> None:
    answer = multilingual_engine.ask(question)
    assert answer.language == language
    assert answer.status == "answered", answer.text
    cited = {c.doc_id for c in answer.citations}
    if expected is not None:  # any of the documents that answer it
        assert cited & set(expected.split("|")), cited
    # The quotes stay verbatim in the source's language, after a line in the asker's saying so.
    assert all(c.quote and c.quote in answer.text for c in answer.citations)
    lead = answer.text.splitlines()[0]
    assert lead == translations(language).gettext("The sources, quoted as written in their own language:")
    assert lead != "The sources, quoted as written in their own language:"


def test_an_off_topic_question_in_french_is_not_answered(multilingual_engine: AnswerEngine) -> None:
    answer = multilingual_engine.ask("Quelle est la meilleure recette de tarte aux pommes pour dix personnes ?")
    assert answer.status == "no_answer"


@pytest.mark.parametrize(
    ("question", "source"),
    [
        # Even-numbered questions of the translated sets (the gate's thresholds were chosen on them): each was
        # answerable, ranked its source first, and was refused as "not covered" by the best-sentence gate.
        (
            "ما مخاطر التكنولوجيات الناشئة التي نبّهت إليها مسؤولة نزع السلاح في الأمم المتحدة منذ عام 2018؟",
            "nakamitsu-interview-2019",
        ),
        ("как были согласованы Асиломарские принципы, было какое-то голосование?", "asilomar-ai-principles"),
    ],
)
def test_an_answerable_question_in_arabic_or_russian_is_answered(
    multilingual_engine: AnswerEngine, question: str, source: str
) -> None:
    answer = multilingual_engine.ask(question)
    assert answer.status == "answered"
    assert source in {c.doc_id for c in answer.citations}


@pytest.mark.parametrize(
    "question",
    ["من فاز بنهائي دوري أبطال أوروبا في الموسم الماضي؟", "можешь написать мне сканер портов на Python?"],
)
def test_an_off_topic_question_in_arabic_or_russian_is_not_answered(
    multilingual_engine: AnswerEngine, question: str
) -> None:
    assert multilingual_engine.ask(question).status == "no_answer"


def test_english_questions_keep_the_english_path(
    multilingual_engine: AnswerEngine, shipped_engine: AnswerEngine
) -> None:
    question = "What does the UN say about autonomous weapons?"
    with_languages, english_only = multilingual_engine.ask(question), shipped_engine.ask(question)
    assert with_languages.language == "en"
    assert [p.chunk_id for p in with_languages.passages] == [p.chunk_id for p in english_only.passages]
    assert with_languages.text == english_only.text


def test_the_shipped_vectors_cover_every_shipped_passage() -> None:
    # A corpus edit without `python -m ingest.passage_vectors` would make the first question in another language
    # embed the changed passages: this fails first, so the shipped file is regenerated with the edit.
    shipped = read_vectors(vectors_dir() / SHIPPED_FILE)
    missing = [text[:60] for text in shipped_passage_texts() if text_key(text) not in shipped]
    assert not missing, f"regenerate with: python -m ingest.passage_vectors ({len(missing)} passages missing)"


class CountingEncoder:
    def __init__(self, model: MultilingualE5Embeddings) -> None:
        self.model, self.texts = model, 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.model.embed_array(texts)


def test_passage_vectors_are_embedded_once_and_kept_across_restarts(
    tmp_path: Path, multilingual_model: MultilingualE5Embeddings
) -> None:
    cache = tmp_path / "cache" / "vectors.npz"
    encoder = CountingEncoder(multilingual_model)
    texts = ["Le Secrétaire général appelle à interdire les armes autonomes.", "A passage about biosecurity."]
    first = PassageVectors(encoder, cache).vectors(texts)
    assert encoder.texts == 2 and first.shape == (2, 384)
    again = PassageVectors(encoder, cache).vectors(texts[::-1])  # a new process: read from the cache file
    assert encoder.texts == 2
    assert np.allclose(again[::-1], first, atol=1e-2)
    PassageVectors(encoder, cache).vectors([*texts, "A changed passage."])  # only the new text is embedded
    assert encoder.texts == 3


def test_a_damaged_vector_file_costs_time_not_the_answer(
    tmp_path: Path, multilingual_model: MultilingualE5Embeddings, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "vectors.npz"
    cache.write_bytes(b"PK\x03\x04 not really a zip archive")
    encoder = CountingEncoder(multilingual_model)
    with caplog.at_level(logging.WARNING):
        vectors = PassageVectors(encoder, cache).vectors(["Some passage text."])
    assert vectors.shape == (1, 384) and encoder.texts == 1
    assert "ignoring the passage-vector file" in caplog.text
    assert len(read_vectors(cache)) == 1  # rewritten whole


def test_the_bot_prepares_new_passages_for_other_languages_in_the_background(
    tmp_path: Path,
    writable_index: CorpusIndex,
    embeddings: MiniLMEmbeddings,
    chunker: Chunker,
    multilingual_model: MultilingualE5Embeddings,
) -> None:
    encoder = CountingEncoder(multilingual_model)
    passages = PassageVectors(encoder, tmp_path / "vectors.npz", shipped_file=vectors_dir() / SHIPPED_FILE)
    search = CrossLingualSearch(passages)
    retriever = HybridRetriever(writable_index, embeddings, crosslingual=search)
    retriever.keep_crosslingual_warm()
    source = tmp_path / "field-notes.md"
    source.write_text(
        "---\ntitle: Field notes on drone export reviews\npublisher: Test\ndate: 2026-01-01\n---\n\n"
        "Our review board checks every drone autopilot release for dual-use export concerns before shipping.\n",
        encoding="utf-8",
    )
    Ingestor(writable_index, embeddings, chunker).ingest_paths([source])
    retriever.refresh()  # what the bot does on every question; no question in another language has come yet
    deadline = time.monotonic() + 120
    while encoder.texts == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert encoder.texts == 1  # only the new passage: the shipped ones come from the shipped file
    answer = retriever.retrieve(
        "Qui vérifie les logiciels de drones avant leur exportation ?",
        vector=multilingual_model.embed_queries(["Qui vérifie les logiciels de drones avant leur exportation ?"])[0],
        language="fr",
    )
    assert answer.passages[0].document.doc_id == "field-notes"
    assert encoder.texts == 1
