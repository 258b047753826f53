"""Slack text: reading what Slack sends, escaping, Markdown to mrkdwn, and splitting long text without losing any.

Everything a user or a document wrote goes through :func:`escape` before it reaches Slack, so ``<!channel>``,
``<!here>`` and ``<@U123>`` are shown as text instead of notifying anyone. Only the bot makes links (to a citation's
address, with :func:`link`); a Markdown link in a document or an answer is shown as its label followed by its real
address, so a document cannot dress a phishing address up as "the official portal". Incoming text is read with
:func:`from_slack`, which undoes Slack's own escaping, so the engine and the log see what the person typed.

Right-to-left text (an Arabic quote or title) is wrapped in a Unicode bidi isolate (RLI ... PDI, :func:`isolate_rtl`)
wherever it is shown. Slack lays a message out left to right and mrkdwn cannot set a paragraph's direction; without
the isolate, the citation marker after an Arabic quote is drawn into the quote's right-to-left run (" [1]" shows as
"1]" at the quote's far end, brackets mirrored). Isolated, the quote reads right to left inside and the marker stays
after it, as "[1]". Only what is shown changes: the stored and logged quote is verbatim (the loader removes any
isolate characters a document itself contains, so ours are the only ones).
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
_SLACK_ENTITY = re.compile(r"<([^<>]*)>")
MAX_URL = 2000  # longer addresses are shown as text: Slack refuses text objects over 3,000 characters
MAX_LABEL = 300
# Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation forms: the strong right-to-left letters.
_RTL = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
# A run from one RTL letter to the last before a citation marker, a line break, link syntax or mrkdwn formatting,
# with its closing punctuation (. ! ? ؟ ، ؛ : ;), so the full stop stays at the sentence's visual end.
_RTL_RUN = re.compile(rf"[{_RTL}](?:[^\[\]\n<>|*_~`\u2066-\u2069]*[{_RTL}])?[.!?\u061f\u060c\u061b\u06d4:;]*")
RLI, PDI = "\u2067", "\u2069"
# Placeholders survive the bold/italic rewrites untouched; \x00 cannot occur in text Slack sends or we render.
_HOLD = "\x00{}\x00"


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences; this also defuses mentions and broadcasts."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def isolate_rtl(text: str) -> str:
    """``text`` (mrkdwn or plain) with every right-to-left run wrapped in RLI ... PDI; other text is unchanged."""
    return _RTL_RUN.sub(lambda m: f"{RLI}{m.group(0)}{PDI}", text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with "…" when anything was cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    if cut < limit // 2:
        cut = limit - 1
    return text[:cut].rstrip() + "…"


def link(url: str, label: str) -> str:
    """A mrkdwn link whose label is escaped (and clipped); a URL that is not http(s), or too long to link, is shown
    as the label alone, never as a link."""
    label = isolate_rtl(escape(clip(label, MAX_LABEL)).replace("|", "\u2223"))
    if not url.startswith(("http://", "https://")) or len(url) > MAX_URL:
        return label
    # In a <url|label> link the URL must not contain the delimiters, and & is written as &amp;.
    for char, code in (("<", "%3C"), (">", "%3E"), ("|", "%7C"), (" ", "%20")):
        url = url.replace(char, code)
    return f"<{url.replace('&', '&amp;')}|{label}>"


def from_slack(text: str) -> str:
    """What a person typed, from Slack's message text: ``<@U1>`` mentions dropped, ``<!here>`` as "@here",
    ``<#C1|general>`` as "#general", ``<https://x|label>`` as its label (or address), then ``&amp;``, ``&lt;`` and
    ``&gt;`` unescaped. Spaces are tidied."""

    def readable(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith(("@U", "@W", "@B")):
            return " "
        if target.startswith("!subteam^"):
            return f"@{label.lstrip('@')}" if label else "@group"
        if target.startswith("!"):
            return f"@{label.lstrip('@') or target[1:].split('^')[0]}"
        if target.startswith("#"):
            return f"#{label}" if label else target
        return label or target.removeprefix("mailto:")

    return " ".join(_unescape(_SLACK_ENTITY.sub(readable, text or "")).split())


def to_mrkdwn(markdown: str) -> str:
    """Convert the Markdown the answer engine writes to Slack mrkdwn, escaping everything first."""
    held: list[str] = []

    def hold(value: str) -> str:
        held.append(value)
        return _HOLD.format(len(held) - 1)

    text = escape(markdown)
    text = _CODE.sub(lambda m: hold(m.group(0)), text)
    # A link's label is the document's (or model's) word: show the real address beside it instead of behind it.
    text = _LINK.sub(lambda m: hold(_shown_link(m.group(1), m.group(2))), text)
    text = _HEADING.sub(lambda m: hold(f"*{m.group(1)}*"), text)
    text = _BOLD.sub(lambda m: hold(f"*{m.group(2)}*"), text)
    text = _ITALIC_STAR.sub(lambda m: f"_{m.group(1)}_", text)
    text = _STRIKE.sub(lambda m: f"~{m.group(1)}~", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = isolate_rtl(text)  # before the held values return: links and code are isolated (or not) on their own
    for _ in range(3):  # held values can contain other held values (a link inside bold text)
        text = re.sub(r"\x00(\d+)\x00", lambda m: held[int(m.group(1))], text)
    return text


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _shown_link(label: str, url: str) -> str:
    """``label (address)`` from already-escaped parts; the address alone when the label is the address."""
    return url if label.strip() == url else f"{label} ({url})"


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
