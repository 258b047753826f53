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


def split_answer_sentences(text: str) -> list[str]:
    """Sentences of a generated answer; a marker group after the full stop stays with its sentence."""
    parts = re.split(r"(?<=[.!?])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*)\s+(?=[A-Z\"'(]|\[(?!\d))", text.strip())
    sentences: list[str] = []
    for i in range(0, len(parts), 2):
        sentence = parts[i] + (parts[i + 1] if i + 1 < len(parts) and parts[i + 1] else "")
        if sentence.strip():
            sentences.append(sentence.strip())
    return sentences
