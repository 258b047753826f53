"""The relevance gate: whether the retrieved passages cover a question well enough to answer it.

Guarantees: a question passes when its best sentence scores at least ``min_relevance`` (0.75 x cosine + 0.25 x
weighted term overlap, the overlap also taken with the glossary's wordings of the question), or when it comes close
(LEXICAL_FLOOR) and the first passage also matches it strongly on rare words (BM25 >= LEXICAL_SUPPORT), or when it
asks "what is X?" for a glossary term whose source document was retrieved (the answer then carries the glossary's
definition as a note, beside the quotes). Anything else gets
"no answer". A question searched across languages is gated instead on its first passage's multilingual cosine
(``min_passage_similarity``, per language; bot/core/spaces.py), which separates off-topic questions better there.

Calibration (the codes, un, programme, paraphrase and boundaries sets; the blind practitioner set was not used): the
best sentence score alone separates most questions at 0.38, but chatty answerable questions whose answering passage
ranks first score 0.36-0.37 while the off-topic questions nearest the corpus score up to 0.37. Those answerable ones
have a first passage with BM25 6.4-8.2, the off-topic ones at most 3.8 (a question about yesterday's meeting scores
higher, and is caught by the current-events rule instead). BM25 grows with the corpus's size, so LEXICAL_SUPPORT is
a figure for corpora of the shipped one's order; `dualuse eval` re-checks it.
"""

from __future__ import annotations

from .extractive import ScoredSentence
from .glossary import Entry
from .retrieval import Retrieval

LEXICAL_FLOOR = 0.30
LEXICAL_SUPPORT = 5.0


def covered(
    retrieval: Retrieval,
    scored: list[ScoredSentence],
    min_relevance: float,
    definition: Entry | None = None,
    min_passage_similarity: float | None = None,
) -> bool:
    if definition is not None and any(p.document.doc_id == definition.source for p in retrieval.passages):
        return True
    top = retrieval.passages[0] if retrieval.passages else None
    if min_passage_similarity is not None:
        return top is not None and top.dense >= min_passage_similarity
    best = max((s.score for s in scored), default=0.0)
    if best >= min_relevance:
        return True
    return top is not None and best >= LEXICAL_FLOOR and top.lexical >= LEXICAL_SUPPORT
