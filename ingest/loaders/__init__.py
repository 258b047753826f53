"""Turn one file (or fetched bytes) into a :class:`LoadedDocument`, or raise :class:`DocumentError`."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ..documents import DOCUMENT_KINDS, DocumentMeta, LoadedDocument, Section, content_hash, slugify
from ..errors import DocumentError, UnsupportedTypeError
from ..language import detect_language
from .docx import DocxProblem, docx_sections
from .frontmatter import FrontMatterError, is_sidecar, read_sidecar, split_front_matter
from .html import HtmlProblem, html_sections
from .pdf import PdfProblem, pdf_sections
from .text import TextDecodeError, check_line_lengths, decode_text, markdown_sections, plain_text_sections

__all__ = ["SUPPORTED_SUFFIXES", "LOADER_VERSION", "is_supported", "is_sidecar", "load_bytes", "load_file"]

# Bump when loading or chunking changes, so that re-ingest replaces chunks made by the old code.
LOADER_VERSION = "2"  # 2: text hidden with CSS, control characters and escapes dropped

SUPPORTED_SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
}
MAX_FILE_BYTES = 100 * 1024 * 1024


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES and not is_sidecar(path)


def load_file(
    path: Path, kind: str | None = None, parse: Callable[..., LoadedDocument] | None = None
) -> LoadedDocument:
    """Load a file from disk; metadata comes from front matter or a ``<file>.meta.yml`` sidecar.

    ``parse`` (default :func:`load_bytes`) lets the caller parse in an isolated process.
    """
    source = str(path)
    fmt = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedTypeError(source, f"unsupported file type '{path.suffix or '(none)'}'; supported: {supported}")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DocumentError(
                source, f"is {size // (1024 * 1024)} MB, over the {MAX_FILE_BYTES // (1024 * 1024)} MB limit"
            )
        data = path.read_bytes()
        sidecar = read_sidecar(path)
    except FrontMatterError as exc:
        raise DocumentError(source, str(exc)) from None
    except OSError as exc:
        raise DocumentError(source, f"cannot be read ({exc.strerror or exc})") from None
    parse = parse or load_bytes
    return parse(data, fmt=fmt, source=source, default_id=slugify(path.stem), kind=kind, metadata=sidecar)


def load_bytes(
    data: bytes,
    *,
    fmt: str,
    source: str,
    default_id: str,
    kind: str | None = None,
    metadata: dict[str, str] | None = None,
) -> LoadedDocument:
    """Parse ``data`` in format ``fmt`` ('markdown', 'text', 'pdf', 'html', 'docx')."""
    if kind is not None and kind not in DOCUMENT_KINDS:
        raise DocumentError(source, f"kind '{kind}' must be one of {', '.join(DOCUMENT_KINDS)}")
    if not data.strip():
        raise DocumentError(source, "is empty")
    meta: dict[str, str] = dict(metadata or {})
    try:
        title, sections = _parse(data, fmt, meta)
    except (TextDecodeError, PdfProblem, DocxProblem, HtmlProblem, FrontMatterError) as exc:
        raise DocumentError(source, str(exc)) from None
    except RecursionError:
        raise DocumentError(source, "is nested too deeply to parse; simplify or re-export it") from None
    sections = [_clean_section(s) for s in sections]
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise DocumentError(source, "has no text to index (it is empty apart from headings or markup)")
    meta = {key: strip_controls(value) if isinstance(value, str) else value for key, value in meta.items()}
    title = strip_controls(title) if title else title
    doc_id = meta.get("id") or default_id
    resolved_title = meta.get("title") or title or default_id.replace("-", " ").capitalize()
    document_meta = DocumentMeta(
        doc_id=doc_id,
        title=resolved_title,
        kind=kind or meta.get("kind") or "other",
        publisher=meta.get("publisher", ""),
        date=meta.get("date", ""),
        url=meta.get("url", ""),
        source_path=source,
        language=meta.get("language") or _detected_language(sections),
    )
    fingerprint = content_hash(
        LOADER_VERSION,
        *document_meta.hashed(),
        *(f"{s.heading_path}|{s.page}|{s.text}" for s in sections),
    )
    return LoadedDocument(meta=document_meta, sections=sections, content_hash=fingerprint)


LANGUAGE_SAMPLE_CHARS = 20_000  # enough to tell the language; counting scripts over a 2,000-page report is not


def _detected_language(sections: list[Section]) -> str:
    sample: list[str] = []
    size = 0
    for section in sections:
        sample.append(section.text)
        size += len(section.text)
        if size >= LANGUAGE_SAMPLE_CHARS:
            break
    return detect_language("\n".join(sample)[:LANGUAGE_SAMPLE_CHARS])


# Control characters (terminal escapes among them) and bidi overrides have no place in prose; tabs and line
# breaks stay. Removed at load time so that no surface ever shows them, whatever it escapes itself.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]"
)


def strip_controls(text: str) -> str:
    """``text`` without terminal escape sequences, control characters and bidi overrides."""
    return _CONTROLS.sub("", _ESCAPE_SEQUENCE.sub("", text))


def _clean_section(section: Section) -> Section:
    return Section(
        text=strip_controls(section.text),
        heading_path=tuple(strip_controls(h) for h in section.heading_path),
        page=section.page,
    )


def _parse(data: bytes, fmt: str, meta: dict[str, str]) -> tuple[str | None, list[Section]]:
    if fmt == "pdf":
        return pdf_sections(data)
    if fmt == "docx":
        return docx_sections(data)
    if fmt == "html":
        try:
            return html_sections(decode_text(data))
        except TextDecodeError:
            if b"\x00" in data[:8192]:
                raise
            return html_sections(data)  # not UTF-8: let BeautifulSoup honour the page's declared charset
    text = decode_text(data)
    check_line_lengths(text)
    if fmt == "markdown":
        front, body = split_front_matter(text)
        meta.update(front)
        return markdown_sections(body)
    return None, plain_text_sections(text)
