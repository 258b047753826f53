"""Plain text and Markdown: decoding and structure (headings become the section path)."""

from __future__ import annotations

import re
import unicodedata

from ..documents import Section
from .sections import SectionBuilder, normalise_whitespace

_MAX_TEXT_BYTES = 20 * 1024 * 1024
MAX_LINE_CHARS = 200_000  # prose never has such lines; generated or minified content does


class TextDecodeError(ValueError):
    pass


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is refused rather than guessed."""
    if len(data) > _MAX_TEXT_BYTES:
        raise TextDecodeError(f"is larger than {_MAX_TEXT_BYTES // (1024 * 1024)} MB of text; split it first")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise TextDecodeError("is not valid UTF-16 text although it starts with a UTF-16 marker") from None
        if not _plausible_utf16(data[2:], text):
            raise TextDecodeError("starts with a UTF-16 marker but is not UTF-16 text (re-save it as UTF-8)")
        return text
    if b"\x00" in data[:8192]:
        raise TextDecodeError("looks like a binary file, not text; check the file type")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TextDecodeError(
            f"is not UTF-8 text (undecodable byte at offset {exc.start}); re-save it as UTF-8"
        ) from None


def _plausible_utf16(body: bytes, text: str) -> bool:
    """Whether bytes after a UTF-16 marker really are UTF-16, not 8-bit text that decodes as CJK-looking mojibake.

    Any even number of bytes decodes as UTF-16, so decoding is no test. Real UTF-16 text in any script has some
    code points below U+0100 (spaces, line breaks, digits, punctuation); ASCII or UTF-8 bytes read as UTF-16 have
    none (both bytes of each unit are non-zero). Unassigned or private-use code points are a second sign.
    """
    if len(text) < 8:
        return True
    if not any(ord(c) < 0x100 for c in text):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return False  # the bytes are UTF-8 text behind a stray marker
        if len(text) >= 40:
            return False
    odd = sum(1 for c in text if unicodedata.category(c) in ("Cn", "Co", "Cs"))
    return odd * 20 <= len(text)


def check_line_lengths(text: str) -> None:
    longest = max((len(line) for line in text.splitlines()), default=0)
    if longest > MAX_LINE_CHARS:
        raise TextDecodeError(
            f"has a line of {longest:,} characters (generated or minified content?); "
            f"lines longer than {MAX_LINE_CHARS:,} characters are refused"
        )


def plain_text_sections(text: str) -> list[Section]:
    body = normalise_whitespace(text)
    return [Section(text=body)] if body else []


_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^(```|~~~)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_INLINE_CODE = re.compile(r"`([^`]*)`")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Inline HTML that hides its content (see loaders/hidden.py for the HTML rules): its text is never shown to readers.
_HIDDEN_HTML = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(?:\bhidden\b|style\s*=\s*[\"'][^\"']*?"
    r"(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0(?![.\d]))[^\"']*[\"'])"
    r"[^>]*>.*?</\1\s*>",
    re.DOTALL | re.IGNORECASE,
)


def strip_inline_markdown(line: str) -> str:
    line = _LINK.sub(r"\1", line)
    line = _INLINE_CODE.sub(r"\1", line)
    return _EMPHASIS.sub(r"\2", line)


def markdown_sections(body: str) -> tuple[str | None, list[Section]]:
    """Split Markdown into sections by heading; returns (first level-1 heading, sections)."""
    body = _HIDDEN_HTML.sub("", _HTML_COMMENT.sub("", body))
    builder = SectionBuilder(joiner="\n")
    title: str | None = None
    in_fence = False
    for raw in body.splitlines():
        if _FENCE.match(raw.strip()):
            in_fence = not in_fence
            builder.add(raw)
            continue
        match = None if in_fence else _HEADING.match(raw)
        if match is None:
            builder.add(raw if in_fence else strip_inline_markdown(raw))
            continue
        level, heading = len(match.group(1)), strip_inline_markdown(match.group(2).strip())
        if level == 1 and title is None:
            title = heading
            builder.restart()
            continue
        builder.heading(level, heading)
    return title, builder.sections()
