"""Citation markers in generated text: parse, drop the ones that point nowhere, renumber by first use."""

from __future__ import annotations

import re

_MARKER_GROUP = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def cited_numbers(text: str) -> list[int]:
    """Source numbers in order of first appearance."""
    seen: list[int] = []
    for group in _MARKER_GROUP.finditer(text):
        for number in re.split(r"\s*[,;]\s*", group.group(1)):
            n = int(number)
            if n not in seen:
                seen.append(n)
    return seen


def renumber(text: str, valid: set[int]) -> tuple[str, list[int]]:
    """Remove markers outside ``valid``; renumber the rest 1..m by first use. Returns (text, old numbers in order)."""
    order = [n for n in cited_numbers(text) if n in valid]
    mapping = {old: new for new, old in enumerate(order, start=1)}

    def replace(match: re.Match[str]) -> str:
        kept = []
        for number in re.split(r"\s*[,;]\s*", match.group(1)):
            n = int(number)
            if n in mapping and f"[{mapping[n]}]" not in kept:
                kept.append(f"[{mapping[n]}]")
        return (" " + "".join(kept)) if kept else ""

    cleaned = _MARKER_GROUP.sub(replace, text)
    cleaned = re.sub(r" +([.,;:!?])", r"\1", cleaned)
    return cleaned.strip(), order


# After a full stop (or a Chinese or Arabic one) and its marker group: a space and a capital (Latin, accented or
# Cyrillic), an opening quote or an Arabic or Chinese letter; or, after 。！？؟, the next sentence with no space at all.
_ANSWER_SENTENCE_END = re.compile(
    r"(?<=[.!?\u3002\uff01\uff1f\u061f])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*)"
    r"(?:\s+(?=[A-Z\"'(\u00ab\u00bf\u00a1\u00c0-\u00de\u0400-\u042f\u0600-\u06ff\u4e00-\u9fff]|\[(?!\d))"
    r"|(?<=[\u3002\uff01\uff1f\u061f\]])(?=[^\s\[]))"
)


def split_answer_sentences(text: str) -> list[str]:
    """Sentences of a generated answer; a marker group after the full stop stays with its sentence."""
    parts = _ANSWER_SENTENCE_END.split(text.strip())
    sentences: list[str] = []
    for i in range(0, len(parts), 2):
        sentence = parts[i] + (parts[i + 1] if i + 1 < len(parts) and parts[i + 1] else "")
        if sentence.strip():
            sentences.append(sentence.strip())
    return sentences
