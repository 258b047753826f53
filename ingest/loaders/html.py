"""HTML: the page title and its main text, without navigation, scripts, forms or footers."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from ..documents import Section
from .hidden import drop_hidden
from .sections import SectionBuilder, normalise_whitespace

_DROP = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "svg",
    "iframe",
    "template",
    "button",
    "select",
    "input",
)
_DROP_ROLES = ("navigation", "banner", "contentinfo", "search", "complementary")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = ("p", "li", "blockquote", "pre", "td", "th", "dd", "dt", "figcaption", "caption")


MAX_NESTING = 1000
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
# Elements that never have content, or whose end tag HTML lets authors leave out: they do not nest.
_FLAT = {
    b"area",
    b"base",
    b"br",
    b"col",
    b"embed",
    b"hr",
    b"img",
    b"input",
    b"link",
    b"meta",
    b"source",
    b"track",
    b"wbr",
    b"p",
    b"li",
    b"dt",
    b"dd",
    b"tr",
    b"td",
    b"th",
    b"option",
    b"thead",
    b"tbody",
    b"tfoot",
    b"colgroup",
    b"rb",
    b"rt",
    b"rp",
    b"html",
    b"head",
    b"body",
}


class HtmlProblem(ValueError):
    pass


def nesting_depth(markup: bytes) -> int:
    """The deepest element nesting, from a linear scan of the tags (parsers silently cut very deep trees)."""
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(markup):
        if name.lower() in _FLAT or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def html_sections(markup: str | bytes) -> tuple[str | None, list[Section]]:
    raw = markup.encode("utf-8", "replace") if isinstance(markup, str) else markup
    depth = nesting_depth(raw)
    if depth > MAX_NESTING:
        raise HtmlProblem(f"nests elements {depth:,} levels deep (broken or hostile markup); refused")
    soup = BeautifulSoup(markup, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    drop_hidden(soup, soup.body or soup)  # before <style> goes: its rules say what is hidden
    for tag in soup.find_all(_DROP):
        tag.decompose()
    # name=None spelled out: bs4's typed overloads accept an attribute filter only after a name.
    for tag in soup.find_all(None, {"role": list(_DROP_ROLES)}):
        tag.decompose()
    for tag in soup.find_all(None, {"aria-hidden": "true"}):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.find(None, {"role": "main"}) or soup.body or soup
    first_h1 = root.find("h1") if isinstance(root, Tag) else None
    if not title and first_h1 is not None:
        title = first_h1.get_text(" ", strip=True)

    builder = SectionBuilder()
    for element in root.find_all([*_HEADINGS, *_BLOCKS]):
        if element.name in _BLOCKS and element.find_parent(_BLOCKS) is not None:
            continue  # its text is already part of the enclosing block
        text = element.get_text(" ", strip=True)
        if not text:
            continue
        if element.name not in _HEADINGS:
            builder.add(text)
        elif element is first_h1:
            builder.restart()  # the page title, not a section
        else:
            builder.heading(int(element.name[1]), text)
    sections = builder.sections()
    if not sections:
        # Pages without block markup: fall back to the visible text of the main element.
        text = normalise_whitespace(root.get_text("\n", strip=True))
        if text:
            sections.append(Section(text=text))
    return title, sections
