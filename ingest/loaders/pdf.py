"""PDF text, one section per page so citations can name the page."""

from __future__ import annotations

import io
import logging

from ..documents import Section
from .text import normalise_whitespace

logger = logging.getLogger(__name__)


class PdfProblem(ValueError):
    pass


def pdf_sections(data: bytes, max_pages: int = 2000) -> tuple[str | None, list[Section]]:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns loudly about harmless quirks
    if not data.lstrip().startswith(b"%PDF"):
        raise PdfProblem("is not a PDF file (no %PDF header); check the file type")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty user password only: they open without one.
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - pypdf raises several types for unsupported ciphers
                opened = PasswordType.NOT_DECRYPTED
            if not opened:
                raise PdfProblem("is password-protected; save an unencrypted copy and ingest that")
        pages = reader.pages
        if len(pages) > max_pages:
            raise PdfProblem(f"has {len(pages)} pages, more than the limit of {max_pages}; split it first")
        sections = []
        for number, page in enumerate(pages, start=1):
            text = normalise_whitespace(_dehyphenate(page.extract_text() or ""))
            if text:
                sections.append(Section(text=text, page=number))
        title = None
        info = reader.metadata
        if info is not None and info.title and str(info.title).strip():
            title = str(info.title).strip()
    except PdfProblem:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        raise PdfProblem(f"is a corrupt or unreadable PDF ({type(exc).__name__}); re-export it and try again") from None
    if not sections:
        if len(pages) == 0:
            raise PdfProblem("is an empty PDF (no pages)")
        raise PdfProblem("has no extractable text (a scanned or image-only PDF?); run OCR on it and ingest the result")
    return title, sections


def _dehyphenate(text: str) -> str:
    # Words split across lines by a hyphen ("respon-\nsible") are joined again.
    return text.replace("-\n", "")
