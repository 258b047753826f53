"""Build sections from a stream of headings and text blocks, as every structured format produces them."""

from __future__ import annotations

import re

from ..documents import Section


def normalise_whitespace(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class SectionBuilder:
    """Collects text under the current heading path and starts a new :class:`Section` at each heading."""

    def __init__(self, joiner: str = "\n\n") -> None:
        self._joiner = joiner  # between blocks: paragraphs ("\n\n") or Markdown source lines ("\n")
        self._sections: list[Section] = []
        self._path: list[tuple[int, str]] = []
        self._blocks: list[str] = []

    def add(self, block: str) -> None:
        self._blocks.append(block)

    def heading(self, level: int, text: str) -> None:
        """A heading of ``level`` (1 is the highest) closes the current section and nests under the higher ones."""
        self._flush()
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self._path.append((level, text))

    def restart(self) -> None:
        """Close the current section and drop the heading path (e.g. at a document's title)."""
        self._flush()
        self._path.clear()

    def sections(self) -> list[Section]:
        self._flush()
        return self._sections

    def _flush(self) -> None:
        text = normalise_whitespace(self._joiner.join(self._blocks))
        if text:
            self._sections.append(Section(text=text, heading_path=tuple(h for _, h in self._path)))
        self._blocks.clear()
