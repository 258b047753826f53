"""Structure-aware chunking: sentences packed into ~200 cl100k tokens, never across a section or page.

Each chunk keeps the heading path and page it came from, so a citation can say where the quote is. Consecutive
chunks of a section overlap by whole sentences, so a fact that straddles a boundary is retrievable from either.

Every script is cut at its own sentence ends: . ! ? before a capital (Latin, Cyrillic; ¿ ¡ « may open the next
sentence), . ! ؟ before an Arabic letter, and 。！？ in Chinese and Japanese, which need no space after them. Every
sentence is a verbatim substring of its chunk, so a quote located in a chunk is exact. Chinese sentences (and
hard-wrapped Chinese lines) are joined without the space Latin text needs. A sentence longer than a chunk is cut by
tokens: English as before; any other text at a clause mark (， ； ، , ;) or a space, never inside a character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import TokenTextSplitter

from .documents import Chunk, LoadedDocument
from .tokens import ENCODING_NAME, count_tokens, get_encoding

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) and whitespace before a capital, a
# digit or an Arabic or Chinese letter, unless the word before is a common abbreviation or a single capital
# (initials); or at Chinese and Japanese 。！？, space or not. On English text this is the 0.1.0 rule exactly.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_STOPS = "\u3002\uff01\uff1f"  # 。！？
_OPENERS = "\"'\u201c\u2018(\\[\u00ab\u00bf\u00a1\u201e\u300c\u300e"  # also « ¿ ¡ „ 「 『
_CLOSERS = "\"'\u201d\u2019)\\]\u00bb\u300d\u300f\uff09"  # also » 」 』 ）
_STARTS = f"A-Z0-9\u00c0-\u00d6\u00d8-\u00de\u0400-\u042f\u0621-\u064a{_CJK}"  # capitals, Arabic, CJK
_SENTENCE_END = re.compile(
    rf"([.!?\u061f\u06d4][{_CLOSERS}]?)\s+(?=[{_OPENERS}]?[{_STARTS}])"  # ؟ is the Arabic question mark
    rf"|([{_CJK_STOPS}]+[{_CLOSERS}]*)\s*(?=\S)"
)
# No space goes between two of these: CJK letters, stops, clause marks and brackets (、，；：「」『』（）).
_CJK_EDGE = re.compile(rf"[{_CJK}{_CJK_STOPS}\u3001\uff0c\uff1b\uff1a\u300c-\u300f\uff08\uff09]")
# Where an over-long sentence in another script may be cut: after a clause mark, else at a space.
_CLAUSE_END = re.compile(r"[\uff0c\uff1b\uff1a\u3001\u060c\u061b,;:]\s*")
_ABBREVIATIONS = {
    "e.g.",
    "i.e.",
    "etc.",
    "vs.",
    "no.",
    "art.",
    "para.",
    "p.",
    "pp.",
    "dr.",
    "prof.",
    "mr.",
    "ms.",
    "mrs.",
    "st.",
    "u.s.",
    "u.n.",
    "fig.",
    "vol.",
    "ed.",
    "eds.",
    "cf.",
    "approx.",
    "jan.",
    "feb.",
    "mar.",
    "apr.",
    "jun.",
    "jul.",
    "aug.",
    "sep.",
    "sept.",
    "oct.",
    "nov.",
    "dec.",
}
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")


@dataclass(frozen=True)
class ChunkingConfig:
    chunk_tokens: int = 200
    overlap_tokens: int = 40


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; list items and lines of a table stay whole."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        for line in _logical_lines(paragraph):
            sentences.extend(_split_line(line))
    return [s for s in sentences if s]


def _logical_lines(paragraph: str) -> list[str]:
    # Lines inside a paragraph are joined unless they are list items or table rows, which stand alone.
    lines = [ln.strip() for ln in paragraph.split("\n") if ln.strip()]
    out: list[str] = []
    for line in lines:
        if out and not _BULLET.match(line) and not line.startswith("|") and not out[-1].startswith("|"):
            out[-1] = f"{out[-1]}{_joiner(out[-1], line)}{line}"
        else:
            out.append(_BULLET.sub("", line) if _BULLET.match(line) else line)
    return out


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        candidate = line[start : match.end(1) if match.group(1) is not None else match.end(2)].strip()
        last_word = candidate.rsplit(" ", 1)[-1].lower() if candidate else ""
        if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last_word):
            continue
        pieces.append(candidate)
        start = match.end()
    tail = line[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


class Chunker:
    def __init__(self, config: ChunkingConfig | None = None) -> None:
        self.config = config or ChunkingConfig()
        get_encoding()  # seeds tiktoken's cache from the packaged BPE file before LangChain asks tiktoken
        # LangChain's token splitter defaults to gpt2, which needs a download: always name cl100k_base.
        self._long_sentence_splitter = TokenTextSplitter(
            encoding_name=ENCODING_NAME, chunk_size=self.config.chunk_tokens, chunk_overlap=self.config.overlap_tokens
        )

    def chunk(self, document: LoadedDocument) -> list[Chunk]:
        chunks: list[Chunk] = []
        version = document.content_hash[:12]
        for section in document.sections:
            label = " > ".join(section.heading_path)
            for body, tokens in self._pack(section.text):
                index = len(chunks)
                chunks.append(
                    Chunk(
                        chunk_id=f"{document.meta.doc_id}::{version}::{index:04d}",
                        doc_id=document.meta.doc_id,
                        index=index,
                        text=body,
                        section=label,
                        page=section.page,
                        token_count=tokens,
                    )
                )
        return chunks

    def _pack(self, text: str) -> list[tuple[str, int]]:
        limit, overlap = self.config.chunk_tokens, self.config.overlap_tokens
        units: list[tuple[str, int]] = []
        for sentence in split_sentences(text):
            n = count_tokens(sentence)
            if n <= limit:
                units.append((sentence, n))
            elif sentence.isascii():
                units.extend((part, count_tokens(part)) for part in self._long_sentence_splitter.split_text(sentence))
            else:
                # LangChain's splitter decodes token windows, which can cut a character's bytes in two.
                units.extend((part, count_tokens(part)) for part in _cut_by_tokens(sentence, limit))
        packed: list[tuple[str, int]] = []
        current: list[tuple[str, int]] = []
        size = 0
        for unit in units:
            if current and size + unit[1] > limit:
                packed.append(_join(current))
                # Carry whole trailing sentences into the next chunk, up to the overlap budget.
                carry: list[tuple[str, int]] = []
                carried = 0
                for prev in reversed(current):
                    if carried + prev[1] > overlap or len(carry) == len(current) - 1:
                        break
                    carry.insert(0, prev)
                    carried += prev[1]
                current, size = carry, carried
            current.append(unit)
            size += unit[1]
        if current:
            packed.append(_join(current))
        return packed


def _join(units: list[tuple[str, int]]) -> tuple[str, int]:
    text = units[0][0]
    for unit in units[1:]:
        text = f"{text}{_joiner(text, unit[0])}{unit[0]}"
    return text, sum(u[1] for u in units)


def _joiner(before: str, after: str) -> str:
    """What goes between two pieces of one text: a space, or nothing between Chinese ones."""
    return "" if _CJK_EDGE.match(before[-1:]) and _CJK_EDGE.match(after[:1]) else " "


def _cut_by_tokens(text: str, limit: int) -> list[str]:
    """``text`` in verbatim pieces of at most ``limit`` tokens, cut at a clause mark or a space when one is in the
    second half of the piece, else between two characters."""
    pieces: list[str] = []
    start = 0
    while start < len(text):
        if count_tokens(text[start:]) <= limit:
            pieces.append(text[start:].strip())
            break
        low, high = start + 1, len(text)  # the longest piece within the budget (token counts grow with length)
        while low < high:
            middle = (low + high + 1) // 2
            if count_tokens(text[start:middle]) <= limit:
                low = middle
            else:
                high = middle - 1
        end = low
        half = start + (end - start) // 2
        for boundary in (_CLAUSE_END, re.compile(r"\s+")):
            cuts = [m.end() for m in boundary.finditer(text, half, end) if half < m.end() <= end]
            if cuts:
                end = cuts[-1]
                break
        pieces.append(text[start:end].strip())
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    return [p for p in pieces if p]
