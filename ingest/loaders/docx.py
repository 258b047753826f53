"""DOCX: paragraphs and tables; Word heading styles become the section path."""

from __future__ import annotations

import io
import re
import zipfile

from ..documents import Section
from .sections import SectionBuilder

_HEADING_STYLE = re.compile(r"^Heading (\d)$")
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 5000
MAX_RATIO = 200  # a real DOCX part compresses at most ~20:1; zip bombs reach 1000:1 and more


class DocxProblem(ValueError):
    pass


def docx_sections(data: bytes) -> tuple[str | None, list[Section]]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocxProblem("is not a DOCX file (not a zip package); check the file type")
    _check_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DocxProblem(f"is a corrupt or unreadable DOCX ({type(exc).__name__}); re-save it and try again") from None
    except Exception as exc:  # noqa: BLE001 - lxml and python-docx raise many types on malformed parts
        raise DocxProblem(f"is a corrupt or unreadable DOCX ({type(exc).__name__}); re-save it and try again") from None

    title = (document.core_properties.title or "").strip() or None
    builder = SectionBuilder()
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = paragraph.style.name if paragraph.style is not None else ""
        if style == "Title":
            title = title or text
            continue
        heading = _HEADING_STYLE.match(style or "")
        if heading:
            builder.heading(int(heading.group(1)), text)
        else:
            builder.add(text)
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                builder.add(" | ".join(dict.fromkeys(cells)))  # merged cells repeat their text
    return title, builder.sections()


def _check_package(data: bytes) -> None:
    """Refuse zip bombs and non-Word zips from the archive's directory, before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            entries = package.infolist()
    except zipfile.BadZipFile:
        raise DocxProblem("is a corrupt zip package; re-save it as DOCX and try again") from None
    if len(entries) > MAX_ENTRIES:
        raise DocxProblem(f"has {len(entries)} parts, more than a Word document ever needs; refused")
    if "word/document.xml" not in {e.filename for e in entries}:
        raise DocxProblem("is a zip archive but not a Word document (no word/document.xml); check the file type")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocxProblem(f"would unpack to {unpacked // (1024 * 1024)} MB (a zip bomb?); refused")
    for entry in entries:
        if entry.file_size > 1024 * 1024 and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise DocxProblem(
                f"part {entry.filename} is compressed {entry.file_size // max(entry.compress_size, 1)}:1 "
                "(a zip bomb?); refused"
            )
