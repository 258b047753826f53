"""Structure-aware chunking: sentences packed into ~200 cl100k tokens, never across a section or page.

Each chunk keeps the heading path and page it came from, so a citation can say where the quote is. Consecutive
chunks of a section overlap by whole sentences, so a fact that straddles a boundary is retrievable from either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import TokenTextSplitter

from .documents import Chunk, LoadedDocument
from .tokens import ENCODING_NAME, count_tokens, get_encoding

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) and whitespace, unless the word
# before is a common abbreviation or a single capital (initials).
_SENTENCE_END = re.compile(r"([.!?][\"'\u201d\u2019)\]]?)\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
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
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(_BULLET.sub("", line) if _BULLET.match(line) else line)
    return out


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        candidate = line[start : match.end(1)].strip()
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
            else:
                units.extend((part, count_tokens(part)) for part in self._long_sentence_splitter.split_text(sentence))
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
    text = " ".join(u[0] for u in units)
    return text, sum(u[1] for u in units)
