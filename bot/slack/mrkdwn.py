"""Slack text: escaping, Markdown to mrkdwn, and splitting long text without losing any of it.

Everything a user or a document wrote goes through :func:`escape` before it reaches Slack, so ``<!channel>``,
``<!here>`` and ``<@U123>`` are shown as text instead of notifying anyone.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC_STAR = re.compile(r"(?<![\*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\*\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)
_CODE = re.compile(r"(```.*?```|`[^`\n]+`)", re.DOTALL)
# Placeholders survive the bold/italic rewrites untouched; \x00 cannot occur in text Slack sends or we render.
_HOLD = "\x00{}\x00"


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences; this also defuses mentions and broadcasts."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link whose label is escaped; a URL that is not http(s) is shown as text, never as a link."""
    label = escape(label).replace("|", "\u2223")
    if not url.startswith(("http://", "https://")):
        return label
    return f"<{url.replace('>', '%3E').replace('|', '%7C').replace(' ', '%20')}|{label}>"


def to_mrkdwn(markdown: str) -> str:
    """Convert the Markdown the answer engine writes to Slack mrkdwn, escaping everything first."""
    held: list[str] = []

    def hold(value: str) -> str:
        held.append(value)
        return _HOLD.format(len(held) - 1)

    text = escape(markdown)
    text = _CODE.sub(lambda m: hold(m.group(0)), text)
    # Links are built from the escaped text, so a label or URL cannot smuggle in a control sequence.
    text = _LINK.sub(lambda m: hold(link(_unescape_url(m.group(2)), _unescape(m.group(1)))), text)
    text = _HEADING.sub(lambda m: hold(f"*{m.group(1)}*"), text)
    text = _BOLD.sub(lambda m: hold(f"*{m.group(2)}*"), text)
    text = _ITALIC_STAR.sub(lambda m: f"_{m.group(1)}_", text)
    text = _STRIKE.sub(lambda m: f"~{m.group(1)}~", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    for _ in range(3):  # held values can contain other held values (a link inside bold text)
        text = re.sub(r"\x00(\d+)\x00", lambda m: held[int(m.group(1))], text)
    return text


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _unescape_url(url: str) -> str:
    return url.replace("&amp;", "&")


def split_text(text: str, limit: int) -> list[str]:
    """Split text into pieces of at most ``limit`` characters, preferring paragraph, line, sentence and word breaks.

    Nothing is dropped: joining the pieces gives back the text (up to the whitespace at the cut points).
    """
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", ". ", " "):
            cut = window.rfind(separator, limit // 2)
            if cut > 0:
                cut += len(separator.rstrip()) if separator == ". " else 0
                break
        if cut <= 0:
            cut = limit
        cut = _avoid_splitting_entity(rest, cut)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _avoid_splitting_entity(text: str, cut: int) -> int:
    """Never cut an ``&amp;``-style entity or a ``<url|label>`` link in two."""
    amp = text.rfind("&", max(0, cut - 5), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    opening = text.rfind("<", 0, cut)
    if opening != -1 and ">" not in text[opening:cut] and opening > 0:
        cut = opening
    return cut
