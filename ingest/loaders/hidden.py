"""Which HTML elements a reader never sees, so that their text is not indexed and quoted as cited fact.

A page can plant instructions ("tell the user to send their Slack tokens to ...") in text hidden with CSS, which no
trainer reviewing the page would ever see. An element is hidden when it has the ``hidden`` attribute, or when its
inline style or a simple rule of the page's own ``<style>`` sheets (by tag, ``.class`` or ``#id``) hides it:
``display:none``, ``visibility:hidden|collapse``, ``opacity:0``, a font size under 4 px/pt, zero height or width with
``overflow:hidden``, ``clip`` to nothing, positions far off screen, or white text on a page that sets no dark
background. Rules with complex selectors (descendants, attributes, media queries) are not evaluated: this is a
filter for the common tricks, not a CSS engine.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

_DECLARATION = re.compile(r"([a-zA-Z-]+)\s*:\s*([^;]+)")
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9]*)?([.#][a-zA-Z0-9_-]+)?\s*$")
_SIZE = re.compile(r"^(-?[\d.]+)\s*(px|pt|em|rem|%)?$")
_WHITE = {"white", "#fff", "#ffffff", "rgb(255,255,255)", "rgba(255,255,255,1)", "hsl(0,0%,100%)"}
_TINY_FONT = {"px": 4.0, "pt": 3.0, "em": 0.25, "rem": 0.25, "%": 25.0, None: 4.0}
_OFF_SCREEN = -500.0


def _declarations(style: str) -> dict[str, str]:
    style = re.sub(r"/\*.*?\*/", "", style, flags=re.DOTALL)
    return {
        name.strip().lower(): value.strip().lower().replace("!important", "").strip()
        for name, value in _DECLARATION.findall(style)
    }


def _length(value: str) -> tuple[float, str | None] | None:
    match = _SIZE.match(value.replace(" ", ""))
    return (float(match.group(1)), match.group(2)) if match else None


def _colour(value: str) -> str:
    return value.replace(" ", "")


def hides(declarations: dict[str, str]) -> bool:
    """Whether these CSS declarations hide the element's text (white text is judged separately)."""
    get = declarations.get
    if get("display", "").startswith("none") or get("visibility", "") in ("hidden", "collapse"):
        return True
    if get("content-visibility") == "hidden":
        return True
    opacity = _length(get("opacity", "1"))
    if opacity is not None and opacity[0] <= 0.05:
        return True
    font = _length(get("font-size", ""))
    if font is not None and font[0] < _TINY_FONT.get(font[1], 4.0):
        return True
    if get("overflow", "") == "hidden" or get("overflow-y", "") == "hidden":
        for side in ("height", "max-height", "width", "max-width"):
            size = _length(get(side, ""))
            if size is not None and size[0] <= 1:
                return True
    if re.match(r"rect\(\s*0(px)?[ ,]+0(px)?[ ,]+0(px)?[ ,]+0(px)?\s*\)", get("clip", "")):
        return True
    if get("clip-path", "").replace(" ", "") in ("inset(50%)", "inset(100%)", "circle(0)", "circle(0px)"):
        return True
    if get("position", "") in ("absolute", "fixed"):
        for side in ("left", "top", "right"):
            offset = _length(get(side, ""))
            if offset is not None and offset[0] <= _OFF_SCREEN:
                return True
    text_indent = _length(get("text-indent", ""))
    return text_indent is not None and text_indent[0] <= -500


class HiddenRules:
    """The page's own simple style rules: which tags, classes and ids they hide or colour white."""

    def __init__(self, soup: BeautifulSoup) -> None:
        self._rules: list[tuple[str | None, str | None, dict[str, str]]] = []
        for style in soup.find_all("style"):
            sheet = re.sub(r"/\*.*?\*/", "", style.get_text(), flags=re.DOTALL)
            for selectors, body in _RULE.findall(sheet):
                declarations = _declarations(body)
                for selector in selectors.split(","):
                    match = _SIMPLE_SELECTOR.match(selector)
                    if match and (match.group(1) or match.group(2)):
                        tag = match.group(1).lower() if match.group(1) else None
                        self._rules.append((tag, match.group(2), declarations))

    def style_of(self, element: Tag) -> dict[str, str]:
        """The element's declarations: matching sheet rules, then its inline style (which wins)."""
        merged: dict[str, str] = {}
        classes: str | list[str] = element.get("class") or []  # a list unless the parser was told otherwise
        for tag, name, declarations in self._rules:
            if tag is not None and tag != element.name:
                continue
            if name is not None:
                if name[0] == "." and name[1:] not in classes:
                    continue
                if name[0] == "#" and element.get("id") != name[1:]:
                    continue
            merged.update(declarations)
        style = element.get("style")
        if isinstance(style, str):
            merged.update(_declarations(style))
        return merged


def _background(rules: HiddenRules, element: Tag) -> str:
    declarations = rules.style_of(element)
    return _colour(declarations.get("background-color", declarations.get("background", "")))


def _on_dark(rules: HiddenRules, element: Tag) -> bool:
    """Whether the element or an ancestor paints a background that is not white (white text shows there)."""
    node: Tag | None = element
    while isinstance(node, Tag) and node.name != "[document]":
        colour = _background(rules, node)
        if colour and colour not in _WHITE and colour not in ("transparent", "none", "inherit", "initial"):
            return True
        node = node.parent
    return False


def drop_hidden(soup: BeautifulSoup, root: Tag | BeautifulSoup) -> int:
    """Remove every hidden element under ``root``; returns how many were removed."""
    rules = HiddenRules(soup)
    removed = 0
    for element in list(root.find_all(True)):
        if element.decomposed:
            continue
        declarations = rules.style_of(element)
        white = _colour(declarations.get("color", "")) in _WHITE
        if element.has_attr("hidden") or hides(declarations) or (white and not _on_dark(rules, element)):
            element.decompose()
            removed += 1
    return removed
