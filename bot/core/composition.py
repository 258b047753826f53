"""Query-focused extractive composition: which passage sentences answer the question, in what order and grouping.

Guarantees:
- every sentence returned is a verbatim sentence of the passage it is attributed to (it comes from splitting that
  passage's text), so a citation to that passage quotes it truly;
- the first sentence is the one that best answers the question (for a question of several parts, the best answer
  to its first part), and every part of the question gets its best sentence;
- sentences come in spans: a lead-in ending in a colon keeps what it introduces, a list the question asks for is
  kept whole (up to LIST_BUDGET characters) and only its items are rendered as items, the lead's passage is shown
  around the lead (what follows it in its span, what precedes it in a span right after), and within a span the
  sentences keep their order in the passage;
- a sentence from a document not yet used is added only when it is relevant on its own (by meaning and by score),
  never because it shares one word with the question;
- the answer stops growing at about TARGET_CHARS and never passes MAX_CHARS, except for a requested list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ingest.chunking import split_sentences

from .extractive import ScoredSentence, term_overlap
from .glossary import Entry
from .question_types import QuestionShape, carries
from .retrieval import Passage
from .text import content_terms

TARGET_CHARS = 750  # stop adding sentences once the answer is this long
MAX_CHARS = 900  # never pass this, except for a list the question asks for
LIST_BUDGET = 1500
CARRIER_BONUS = 0.12  # a sentence with the asked-for kind of content (a date for "when") ranks this much higher
# Tuned on the codes, un, programme and paraphrase sets only (never on the practitioner set). Retrieval ranks
# passages well (MRR 0.89) and sentence cosine alone often prefers a general sentence of a weaker passage: a sentence
# of the first passage gets RANK_PRIOR, of the second half that, and so on.
RANK_PRIOR = 0.08
LEXICAL_PRIOR = 0.2  # ... and up to this for a passage's BM25 score, relative to the best passage's
COMMENTARY_PENALTY = 0.07  # "why it matters for AI practitioners" sections, unless the question asks for that
LEAD_COMMENTARY_PENALTY = 0.1  # ... and this much more when choosing the lead: commentary may follow, not lead
FLOOR_RATIO = 0.7  # a filler sentence must score at least this share of the lead's score
WINDOW_CHARS = 500  # the lead's passage around the lead is shown up to this length
SAME_PASSAGE_RATIO = 0.4  # ... or this share when it is from a passage the answer already quotes (contiguity)
OTHER_DOC_RATIO = 0.85  # ... and this share when it would bring in a document not used yet
REDUNDANT_COSINE = 0.8
LEXICAL_SHARE = 0.25  # weight of the rare-term overlap against the cosine when ranking sentences for the answer
DEFINITION_BONUS = 0.2  # "what is X?": the source document's sentence that says what X is leads
_DEFINING = re.compile(r"\b(?:is|are|means|refers to|stands for|describes?)\b", re.I)
_COMMENTARY = re.compile(r"why (?:it|this|they) matters?|for ai practitioners|relevance for|implications for", re.I)
_REFERRING = re.compile(r"^(?:It|Its|This|These|They|Their|Such|That|Those|The (?:same|latter|former))\b")
_ORDINALS = (
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|one|two|three|"
    r"four|five|six|seven|eight|nine|ten|eleven|twelve|last|final|remaining|another|other"
)
_ENUMERATOR = re.compile(rf"^(?:\d+|\([a-z0-9]+\)|[a-z]\)|{_ORDINALS})$", re.I)


@dataclass
class Span:
    """Consecutive (or near) sentences of one passage shown together; ``as_list`` renders them as a list."""

    passage: Passage
    rank: int  # the passage's retrieval rank
    positions: list[int]  # sentence positions in the passage, ascending
    sentences: dict[int, str] = field(default_factory=dict)
    as_list: bool = False

    @property
    def texts(self) -> list[str]:
        return [self.sentences[p] for p in self.positions]


@dataclass(frozen=True)
class _Candidate:
    scored: ScoredSentence
    rank: int
    position: int
    adjusted: float
    row: int  # row in the sentence vectors
    carried: float  # the part of ``adjusted`` that comes from carrying asked-for content


def _prefix(text: str) -> tuple[str, ...]:
    """The first words of a sentence with any enumerator replaced by '#': siblings of a list share it."""
    if ": " in text[:-1]:
        text = text.rsplit(": ", 1)[1]
    words = re.findall(r"[\w()']+", text)[:4]
    return tuple("#" if _ENUMERATOR.match(w) else w.lower() for w in words)


def siblings(a: str, b: str) -> bool:
    pa, pb = _prefix(a), _prefix(b)
    return len(pa) >= 3 and "#" in pa and pa[:3] == pb[:3]


def is_commentary(passage: Passage) -> bool:
    return bool(_COMMENTARY.search(passage.chunk.section))


def compose(
    shape: QuestionShape,
    scored: list[ScoredSentence],
    vectors: np.ndarray,
    passages: Sequence[Passage],
    part_scores: Callable[[str], np.ndarray] | None = None,
    definition: Entry | None = None,
    redundant_cosine: float = REDUNDANT_COSINE,
) -> list[Span]:
    """The spans of the answer in display order. ``part_scores(part)`` scores every sentence of ``scored`` against
    one part of a multi-part question (same scale as ``ScoredSentence.score``); ``definition`` is the glossary entry
    a "what is X?" question asks about, whose source document's defining sentence then leads. ``redundant_cosine``:
    above it, two sentence vectors say the same thing (the threshold of the space they were embedded in)."""
    if not scored:
        return []
    rank_of = {p.chunk.chunk_id: i for i, p in enumerate(passages)}
    split = {p.chunk.chunk_id: split_sentences(p.chunk.text) for p in passages}
    implications = shape.asks("implications")
    top_lexical = max((p.lexical for p in passages), default=0.0) or 1.0
    candidates: list[_Candidate] = []
    for row, s in enumerate(scored):
        cid = s.passage.chunk.chunk_id
        position = split[cid].index(s.text) if s.text in split[cid] else 0
        carried = sum(CARRIER_BONUS for kind in shape.kinds if carries(s.text, kind))
        base = (1 - LEXICAL_SHARE) * s.semantic + LEXICAL_SHARE * s.lexical
        adjusted = base + carried + RANK_PRIOR / (1 + rank_of[cid]) + LEXICAL_PRIOR * s.passage.lexical / top_lexical
        if definition is not None and defines(s, definition):
            adjusted += DEFINITION_BONUS
        if is_commentary(s.passage) and not implications:
            adjusted -= COMMENTARY_PENALTY
        candidates.append(_Candidate(s, rank_of[cid], position, adjusted, row, carried))

    seeds = _seeds(shape, candidates, part_scores)
    lead = seeds[0]
    spans: list[Span] = []
    chosen_rows: list[int] = []

    def add(c: _Candidate) -> Span:
        """Put ``c`` in the span of its passage it continues, or start a new span."""
        chosen_rows.append(c.row)
        cid = c.scored.passage.chunk.chunk_id
        for span in spans:
            # Only a sentence that continues a span joins it: one placed before would push the lead down.
            if span.passage.chunk.chunk_id == cid and c.position == span.positions[-1] + 1:
                if c.position not in span.positions:
                    span.positions = sorted([*span.positions, c.position])
                return span
        span = Span(c.scored.passage, c.rank, [c.position], dict(enumerate(split[cid])))
        spans.append(span)
        return span

    for seed in seeds:
        if any(seed.position in s.positions and s.passage is seed.scored.passage for s in spans):
            continue
        _extend(add(seed), seed, shape)
    head = len(spans)  # the spans that answer the question's parts, shown first in the order of the parts
    _window(spans, MAX_CHARS)
    head = len(spans)

    length = _length(spans)
    best = lead.adjusted
    used_docs = {s.passage.document.doc_id for s in spans}
    for c in sorted(candidates, key=lambda c: c.adjusted, reverse=True):
        if length >= TARGET_CHARS:
            break
        quoted = any(s.passage is c.scored.passage for s in spans)
        if c.row in chosen_rows or c.adjusted < best * (SAME_PASSAGE_RATIO if quoted else FLOOR_RATIO):
            continue
        if any(c.position in s.positions and s.passage is c.scored.passage for s in spans):
            continue
        new_doc = c.scored.passage.document.doc_id not in used_docs
        if new_doc and (c.adjusted < best * OTHER_DOC_RATIO or c.scored.semantic < lead.scored.semantic * 0.85):
            continue  # another document only when the sentence answers on its own, not for one shared word
        if any(float(vectors[c.row] @ vectors[r]) > redundant_cosine for r in chosen_rows):
            continue
        if _mostly_repeats(c.scored.text, [t for s in spans for t in s.texts]):
            continue
        if length + len(c.scored.text) + 6 > MAX_CHARS:
            continue
        add(c)
        used_docs.add(c.scored.passage.document.doc_id)
        length = _length(spans)
    return spans[:head] + sorted(spans[head:], key=lambda s: (s.rank, s.positions[0]))


def _seeds(
    shape: QuestionShape, candidates: list[_Candidate], part_scores: Callable[[str], np.ndarray] | None
) -> list[_Candidate]:
    """The lead sentence, then the best sentence for each further part of the question."""
    implications = shape.asks("implications")

    def as_lead(c: _Candidate) -> float:
        return c.adjusted - (LEAD_COMMENTARY_PENALTY if is_commentary(c.scored.passage) and not implications else 0)

    ranked = sorted(candidates, key=as_lead, reverse=True)
    if not shape.parts or part_scores is None:
        return [ranked[0]]
    seeds: list[_Candidate] = []
    for part in shape.parts:
        scores = part_scores(part.text)
        best = max(
            candidates,
            # Each part is judged by its own asked-for content: the date a "when" part wants must not lift
            # sentences for the "who" part.
            key=lambda c: (
                0.5 * (c.adjusted - c.carried)
                + 0.5 * float(scores[c.row])
                + sum(CARRIER_BONUS for kind in part.kinds if carries(c.scored.text, kind))
            ),
        )
        if best not in seeds:
            seeds.append(best)
    return seeds


def _extend(span: Span, seed: _Candidate, shape: QuestionShape) -> None:
    """Grow a seed into its span: the sentence a referring seed leans on, what a lead-in introduces, and the rest of
    a list the question asks for."""
    texts = span.sentences
    position = seed.position
    if position > 0 and _REFERRING.match(texts[position]) and position - 1 not in span.positions:
        span.positions.insert(0, position - 1)
    wants_list = shape.asks("list")
    introduces = texts[position].rstrip().endswith(":")
    has_items = any(siblings(texts[position], texts[j]) for j in texts if j != position)
    if not (introduces or (wants_list and has_items)):
        span.positions.sort()
        return
    budget = LIST_BUDGET if wants_list else MAX_CHARS
    length = sum(len(texts[p]) for p in span.positions)
    anchor = texts[position]
    for j in range(position + 1, len(texts)):
        if not (siblings(anchor, texts[j]) or (introduces and j == position + 1)) or length + len(texts[j]) > budget:
            break
        span.positions.append(j)
        length += len(texts[j])
        anchor = texts[j] if introduces and j == position + 1 else anchor
    if wants_list:  # items before the seed (the seed may be the third principle of ten)
        for j in range(position - 1, -1, -1):
            if not siblings(texts[position], texts[j]) and not texts[j].rstrip().endswith(":"):
                break
            if length + len(texts[j]) > budget:
                break
            span.positions.append(j)
            length += len(texts[j])
            if texts[j].rstrip().endswith(":"):
                break
    span.positions = sorted(set(span.positions))
    span.as_list = len(span.positions) >= 3 and wants_list


def defines(sentence: ScoredSentence, entry: Entry) -> bool:
    """True when ``sentence`` is from ``entry``'s source document and says what the entry's concept is."""
    text = sentence.text.lower()
    return (
        sentence.passage.document.doc_id == entry.source
        and any(name.lower() in text for name in entry.names)
        and bool(_DEFINING.search(sentence.text))
    )


def _window(spans: list[Span], limit: int) -> None:
    """Grow the lead's span into the passage around it, up to WINDOW_CHARS: the sentences after the lead first, then
    the ones before it as a span of their own shown after the lead's (context the lead's passage gives, which is
    where a passage answers best: the sentence beside the best one usually carries the next fact)."""
    lead = spans[0]
    if lead.as_list:  # a list is shown whole already; the sentences after it are not items
        return
    texts = lead.sentences
    j = lead.positions[-1] + 1
    while _length(spans) < WINDOW_CHARS and j < len(texts) and _length(spans) + len(texts[j]) + 5 <= limit:
        lead.positions.append(j)
        j += 1
    before: list[int] = []
    k = lead.positions[0] - 1
    taken = {p for s in spans if s.passage is lead.passage for p in s.positions}
    while _length(spans) + sum(len(texts[p]) + 5 for p in before) < WINDOW_CHARS and k >= 0 and k not in taken:
        if _length(spans) + sum(len(texts[p]) + 5 for p in before) + len(texts[k]) + 5 > limit:
            break
        before.insert(0, k)
        k -= 1
    if before:
        spans.append(Span(lead.passage, lead.rank, before, texts))


def _length(spans: list[Span]) -> int:
    return sum(len(t) + 5 for s in spans for t in s.texts)


def _mostly_repeats(text: str, earlier: list[str], share: float = 0.7) -> bool:
    terms = set(content_terms(text))
    said = {t for sentence in earlier for t in content_terms(sentence)}
    return bool(terms) and len(terms & said) / len(terms) >= share


def overlap_scores(part_terms: list[str], texts: list[str], weights: dict[str, float]) -> np.ndarray:
    return np.array([term_overlap(part_terms, t, weights) for t in texts], dtype=np.float32)
