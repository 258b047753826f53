"""Hostile and malformed files are rejected with one clear line, in bounded time and memory, and the index and
the other documents are untouched."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from ingest.embeddings import MiniLMEmbeddings
from ingest.errors import DocumentError
from ingest.index import CorpusIndex
from ingest.pipeline import Ingestor
from ingest.sandbox import IsolatedParser, ParseLimits
from tests.documents import docx_bytes, pdf_bytes


def _zip_bomb_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", b"\0" * (30 * 1024 * 1024))  # 30 MB of zeros: ~30 KB packed
    return out.getvalue()


def _cyclic_pdf() -> bytes:
    """A page tree whose /Kids contains itself: naive readers walk it for ever."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


HOSTILE = {
    "bomb.docx": (_zip_bomb_docx(), "zip bomb"),
    "deep.html": (b"<html><body>" + b"<div>" * 20000 + b"deep" + b"</div>" * 20000 + b"</body></html>", "levels deep"),
    "loop.pdf": (_cyclic_pdf(), "corrupt or unreadable PDF"),
    "oneline.txt": (b"x" * 300_000, "has a line of 300,000 characters"),
    "pdf-in-disguise.docx": (pdf_bytes(["Hello"]), "not a DOCX file"),
    "word-in-disguise.pdf": (docx_bytes("T", [("H", ["text"])]), "not a PDF file"),
    "binary.md": (bytes(range(256)) * 10, "binary"),
    "zip-not-word.docx": (b"PK\x03\x04" + b"\0" * 100, "not a DOCX file"),
}


@pytest.fixture(scope="module")
def parser() -> IsolatedParser:
    return IsolatedParser(ParseLimits(timeout=30, memory_mb=512))


def test_each_hostile_file_is_rejected_and_nothing_else_changes(
    tmp_path: Path, writable_index: CorpusIndex, embeddings: MiniLMEmbeddings, parser: IsolatedParser
) -> None:
    before = {d.doc_id: d.version for d in writable_index.documents()}
    chunks_before = len(writable_index.live_chunks())
    folder = tmp_path / "uploads"
    folder.mkdir()
    for name, (content, _) in HOSTILE.items():
        (folder / name).write_bytes(content)
    started = time.monotonic()
    report = Ingestor(writable_index, embeddings, parse=parser).ingest_paths([folder])
    elapsed = time.monotonic() - started
    errors = {Path(r.source).name: r.error for r in report.results}
    assert set(errors) == set(HOSTILE)
    for name, (_, expected) in HOSTILE.items():
        assert expected in errors[name], (name, errors[name])
        assert "\n" not in errors[name]
    assert elapsed < 60
    assert {d.doc_id: d.version for d in writable_index.documents()} == before
    assert len(writable_index.live_chunks()) == chunks_before


def test_a_parse_that_overruns_its_time_is_stopped(tmp_path: Path) -> None:
    slow = IsolatedParser(ParseLimits(timeout=0.5, memory_mb=1024))
    markup = b"<html><body>" + b"<p>A paragraph about responsible research.</p>" * 300_000 + b"</body></html>"
    started = time.monotonic()
    with pytest.raises(DocumentError, match=r"took longer than 0.5 s to parse"):
        slow(markup, fmt="html", source="slow.html", default_id="slow")
    assert time.monotonic() - started < 10
    # The overrunning worker was replaced: the next document parses normally.
    assert slow(b"Plain words.", fmt="text", source="ok.txt", default_id="ok").sections[0].text == "Plain words."


def test_a_parse_that_needs_too_much_memory_is_stopped() -> None:
    tight = IsolatedParser(ParseLimits(timeout=60, memory_mb=64))
    markup = b"<html><body>" + b"<p>Paragraph text for the memory test.</p>" * 250_000 + b"</body></html>"
    with pytest.raises(DocumentError, match=r"64 MB"):
        tight(markup, fmt="html", source="big.html", default_id="big")
    assert tight(b"Small.", fmt="text", source="ok.txt", default_id="ok").sections[0].text == "Small."


def test_the_isolated_parser_gives_the_same_document_as_in_process(parser: IsolatedParser) -> None:
    from ingest.loaders import load_bytes

    data = b"---\ntitle: T\nid: t\n---\n# T\n\n## A\n\nSome text here."
    assert parser(data, fmt="markdown", source="t.md", default_id="x") == load_bytes(
        data, fmt="markdown", source="t.md", default_id="x"
    )
