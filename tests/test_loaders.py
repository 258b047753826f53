from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import DocumentError, UnsupportedTypeError
from ingest.loaders import load_file
from tests.documents import docx_bytes, encrypted_pdf_bytes, image_only_pdf_bytes, pdf_bytes, write_markdown


def test_markdown_front_matter_and_heading_path(tmp_path: Path) -> None:
    path = write_markdown(
        tmp_path / "Some File.md",
        "# Main title\n\nIntro sentence here.\n\n## Scope\n\nThe scope text.\n\n### Detail\n\nA detail. [link](http://x.org)",
        id="my-doc",
        title="The Original Title",
        kind="code_of_conduct",
        publisher="OPCW",
        date="2015-03",
        url="https://example.org/doc",
    )
    document = load_file(path)
    meta = document.meta
    assert (meta.doc_id, meta.title, meta.kind, meta.publisher, meta.date, meta.url) == (
        "my-doc",
        "The Original Title",
        "code_of_conduct",
        "OPCW",
        "2015-03",
        "https://example.org/doc",
    )
    assert [s.heading_path for s in document.sections] == [(), ("Scope",), ("Scope", "Detail")]
    assert document.sections[2].text == "A detail. link"


def test_doc_id_defaults_to_slug_of_file_name(tmp_path: Path) -> None:
    path = tmp_path / "Hague Guidelines (2015).txt"
    path.write_text("Chemistry should benefit humankind.", encoding="utf-8")
    assert load_file(path).meta.doc_id == "hague-guidelines-2015"


def test_unquoted_yaml_date_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: T\ndate: 2023-09-25\n---\nBody text.", encoding="utf-8")
    assert load_file(path).meta.date == "2023-09-25"


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("title: [unclosed", "not valid YAML"),
        ("- just\n- a list", "must be a mapping"),
        ("title: T\ncolour: red", "unknown front matter key(s) colour"),
        ("title: T\nkind: blog", "kind 'blog' must be one of"),
        ("title: T\ndate: 2023-13-45", "not a real date"),
        ("title: T\ndate: last spring", "must look like YYYY"),
        ("title: T\nurl: ftp://x", "must start with http"),
        ("title: T\nid: Not An Id", "must be lower-case"),
    ],
)
def test_bad_front_matter_names_the_problem(tmp_path: Path, front: str, message: str) -> None:
    path = tmp_path / "bad.md"
    path.write_text(f"---\n{front}\n---\nBody.", encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        load_file(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_unclosed_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "open.md"
    path.write_text("---\ntitle: T\nBody without closing fence.", encoding="utf-8")
    with pytest.raises(DocumentError, match="no closing '---'"):
        load_file(path)


def test_text_encodings(tmp_path: Path) -> None:
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("Caf\u00e9 ethics matter.".encode("utf-16"))
    assert load_file(utf16).sections[0].text == "Caf\u00e9 ethics matter."
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Caf\u00e9 ethics.".encode("latin-1"))
    with pytest.raises(DocumentError, match="not UTF-8 text"):
        load_file(latin1)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(DocumentError, match="binary"):
        load_file(binary)


def test_empty_and_whitespace_files(tmp_path: Path) -> None:
    for name, content in (("empty.txt", b""), ("blank.md", b"   \n\n  ")):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(DocumentError, match="is empty"):
            load_file(path)
    headings_only = tmp_path / "headings.md"
    headings_only.write_text("---\ntitle: T\n---\n# Only\n## Headings\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="no text to index"):
        load_file(headings_only)


def test_unsupported_type(tmp_path: Path) -> None:
    path = tmp_path / "slides.pptx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UnsupportedTypeError, match="unsupported file type '.pptx'"):
        load_file(path)


def test_pdf_keeps_page_numbers_and_title(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(
        pdf_bytes(["First page about export controls.", "Second page about codes of conduct."], title="Export Report")
    )
    document = load_file(path)
    assert document.meta.title == "Export Report"
    assert [(s.page, s.text) for s in document.sections] == [
        (1, "First page about export controls."),
        (2, "Second page about codes of conduct."),
    ]


def test_pdf_sidecar_metadata(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes(["Some text on a page."]))
    (tmp_path / "report.pdf.meta.yml").write_text(
        'id: sipri-report\ntitle: "A SIPRI Report"\npublisher: SIPRI\ndate: "2020"\nurl: https://sipri.org/r\n'
        "kind: programme\n",
        encoding="utf-8",
    )
    meta = load_file(path).meta
    assert (meta.doc_id, meta.title, meta.publisher, meta.kind) == (
        "sipri-report",
        "A SIPRI Report",
        "SIPRI",
        "programme",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (encrypted_pdf_bytes("Hidden text."), "password-protected"),
        (image_only_pdf_bytes(), "no extractable text"),
        (pdf_bytes(["Some text."])[:400], "corrupt or unreadable PDF"),
        (b"<html>not a pdf</html>", "not a PDF file"),
    ],
    ids=["encrypted", "image-only", "truncated", "wrong-type"],
)
def test_bad_pdfs(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message):
        load_file(path)


def test_html_main_text_without_navigation_or_scripts(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        """<html><head><title>Guidance Page</title><script>var tracking = 1;</script><style>p{}</style></head>
        <body><nav><a href="/">Home</a> | <a href="/x">Menu item</a></nav>
        <header>Site banner</header>
        <main><h1>Guidance Page</h1><p>Researchers should assess misuse risks.</p>
        <h2>Publication</h2><p>Stage the release of dangerous models.</p><ul><li>List point one.</li></ul></main>
        <footer>Copyright footer text</footer></body></html>""",
        encoding="utf-8",
    )
    document = load_file(path)
    text = " ".join(s.text for s in document.sections)
    assert document.meta.title == "Guidance Page"
    assert "Researchers should assess misuse risks." in text and "List point one." in text
    for unwanted in ("tracking", "Menu item", "Site banner", "Copyright footer"):
        assert unwanted not in text
    assert document.sections[-1].heading_path == ("Publication",)


def test_html_text_after_the_page_title_sits_under_no_earlier_heading(tmp_path: Path) -> None:
    # A heading above the page's h1 (a breadcrumb, a kicker) is not the parent of what follows the title.
    path = tmp_path / "kicker.html"
    path.write_text(
        "<html><body><main><h2>News</h2><p>Kicker text.</p><h1>Page Title</h1><p>Body text.</p>"
        "<h2>Details</h2><p>Detail text.</p></main></body></html>",
        encoding="utf-8",
    )
    sections = [(s.heading_path, s.text) for s in load_file(path).sections]
    assert sections == [(("News",), "Kicker text."), ((), "Body text."), (("Details",), "Detail text.")]


def test_docx_headings_and_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "policy.docx"
    path.write_bytes(docx_bytes("Lab Policy", [("Purpose", ["Purpose text."]), ("Review", ["Review text."])]))
    document = load_file(path)
    assert document.meta.title == "Lab Policy"
    assert [(s.heading_path, s.text) for s in document.sections] == [
        (("Purpose",), "Purpose text."),
        (("Review",), "Review text."),
    ]


def test_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"this is not a zip")
    with pytest.raises(DocumentError, match="not a DOCX file"):
        load_file(path)
