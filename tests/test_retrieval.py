"""The hybrid retriever: what the dense half adds over BM25, and that its weight is a setting."""

from __future__ import annotations

import pytest

from bot.app.container import Services
from bot.core.retrieval import DENSE_WEIGHT, HybridRetriever
from bot.settings import Settings
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import CorpusIndex

# From the blind practitioner set: the passage speaks of an "accountability mechanism" for "malicious use of
# cyberspace by states"; the question says "hacking" and "account", so BM25 alone ranks the document ninth.
MISMATCHED = "has the UN chief proposed any mechanism for holding governments to account for state-sponsored hacking?"


def _documents(retriever: HybridRetriever, question: str) -> list[str]:
    return list(dict.fromkeys(p.chunk.doc_id for p in retriever.retrieve(question).passages))


def test_dense_half_rescues_a_question_worded_unlike_its_passage(
    shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    hybrid = HybridRetriever(shipped_index, embeddings)
    lexical_only = HybridRetriever(shipped_index, embeddings, dense_weight=0.0)
    assert "new-agenda-for-peace-2023" in _documents(hybrid, MISMATCHED)[:5]
    assert "new-agenda-for-peace-2023" not in _documents(lexical_only, MISMATCHED)[:5]


def test_dense_weight_zero_ranks_by_bm25(shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings) -> None:
    passages = HybridRetriever(shipped_index, embeddings, dense_weight=0.0).retrieve(MISMATCHED).passages
    lexical = [p.lexical for p in passages if p.lexical > 0]
    assert lexical and lexical == sorted(lexical, reverse=True)


def test_dense_weight_setting_reaches_the_retriever(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.model_fields["dense_weight"].default == DENSE_WEIGHT  # one calibrated number, two places
    monkeypatch.setenv("DUALUSE_DENSE_WEIGHT", "0.5")
    assert Services(Settings()).retriever.dense_weight == 0.5
