"""Links in answer text lead only to the cited sources' addresses; any other address is shown as plain text.

A model (or a passage it copies) can write ``[the EU decision](https://evil.example/login)``, which Slack would show
as a clickable link whose label hides where it goes. :func:`restrict_links` keeps a Markdown link only when its
address is one of ``allowed`` (the cited documents' URLs); otherwise the label stays and the address follows it in
backticks, which no surface turns into a link. With ``bare=True`` (generated text) a bare address that is not
allowed is put in backticks too, so the answer offers no clickable address its sources do not.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_MARKDOWN_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_BARE_URL = re.compile(r"(?<![`(<\w])(?:https?|ftp)://[^\s<>`\"')\]]+")


def _normal(url: str) -> str:
    return url.strip().rstrip("/.,;:").lower()


def restrict_links(text: str, allowed: Collection[str], *, bare: bool = True) -> str:
    """``text`` with every link that does not lead to an ``allowed`` address turned into plain text."""
    permitted = {_normal(u) for u in allowed if u}
    held: list[str] = []

    def markdown(match: re.Match[str]) -> str:
        label, url = match.group(1).strip(), match.group(2).strip()
        if _normal(url) in permitted and url.startswith(("http://", "https://")):
            held.append(f"[{label}]({url})")
            return f"\x00{len(held) - 1}\x00"
        shown = f"{label} (`{url}`)" if label else f"`{url}`"
        held.append(shown)
        return f"\x00{len(held) - 1}\x00"

    text = _MARKDOWN_LINK.sub(markdown, text.replace("\x00", ""))
    if bare:
        text = _BARE_URL.sub(lambda m: m.group() if _normal(m.group()) in permitted else f"`{m.group()}`", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: held[int(m.group(1))], text)
