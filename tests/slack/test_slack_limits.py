"""Every layout the bot sends passes the emulator's Block Kit checks, also with hostile or oversized input.

These run the renderers directly through ``blockkit`` (the checks the emulator applies to every call), so each limit
is pinned without a bot process; the end-to-end tests see the same checks on the wire.
"""

from __future__ import annotations

from bot.core.answers import Answer, Citation
from bot.slack.blocks import EXAMPLE_QUESTIONS, prompt_title, render_answer
from bot.slack.document_blocks import message_view, review_prompt, review_view, sources_page
from bot.slack.mrkdwn import link, to_mrkdwn
from ingest.documents import DocumentMeta, LoadedDocument, Section
from ingest.index import DocumentRecord
from tests.slack.blockkit import message_problems, view_problems


def record(n: int, **overrides: object) -> DocumentRecord:
    values: dict = dict(
        doc_id=f"doc-{n}",
        title=f"Document {n}",
        kind="other",
        publisher="UNODA",
        date="2024",
        url=f"https://example.org/{n}",
        source_path=f"doc-{n}.md",
        version="v1",
        chunks=3,
        tokens=300,
        pages=0,
        ingested_at="2026-01-01T00:00:00",
    )
    return DocumentRecord(**(values | overrides))


def answer(**extra: object) -> Answer:
    cited = Citation(1, "d", "Title", "P", "2024", "https://example.org/d", "S", None, "Quote.", 0.5)
    values: dict = dict(
        question="q", status="answered", text="Text [1].", citations=[cited], mode="extractive", latency_ms=1.0
    )
    return Answer(**(values | extra))  # type: ignore[arg-type]


# -- finding 1: Previous and Next shared one action_id -------------------------------------------------------------
def test_every_page_of_the_source_list_is_accepted() -> None:
    documents = [record(n) for n in range(35)]
    for page in (1, 2, 3, 4):
        _, blocks = sources_page(documents, page)
        assert message_problems(blocks) == [], page


# -- finding 3: "Answered as" had no length limit -----------------------------------------------------------------
def test_a_long_rewritten_question_is_shortened_not_rejected() -> None:
    messages = render_answer(answer(standalone_question="pasted text & more " * 200), "id")
    for message in messages:
        assert message_problems(message.blocks) == []
    context = [b for b in messages[0].blocks if b["type"] == "context" and "Answered as" in str(b)][0]
    assert context["elements"][0]["text"].endswith("…_")


# -- finding 4: document links became real Slack links with the document's label ------------------------------------
def test_markdown_links_in_document_text_show_their_real_address() -> None:
    shown = to_mrkdwn("See the [official UN disarmament portal](https://phish.example/login) now.")
    assert "|official UN disarmament portal>" not in shown
    assert "official UN disarmament portal (https://phish.example/login)" in shown


def test_a_url_cannot_break_out_of_its_link() -> None:
    shown = link("https://example.org/a<b>c|d&e", "Title")
    assert shown.count("<") == 1 and shown.count(">") == 1 and shown.count("|") == 1
    assert "%3C" in shown and "&amp;e" in shown


# -- finding 9: trainer-controlled fields had no length limit ------------------------------------------------------
LONG_TITLE = "A very long title " * 300
LONG_URL = "https://example.org/" + "a" * 5000
LONG_NAME = "n" * 4000 + ".pdf"


def test_a_long_title_or_address_does_not_break_the_source_list() -> None:
    documents = [record(n, title=LONG_TITLE, url=LONG_URL, publisher="P" * 3000) for n in range(12)]
    for page in (1, 2):
        assert message_problems(sources_page(documents, page)[1]) == []


def test_a_long_address_title_or_file_name_does_not_break_the_review() -> None:
    meta = DocumentMeta("doc", LONG_TITLE, publisher="P" * 4000, date="2024", url=LONG_URL, source_path=LONG_NAME)
    document = LoadedDocument(meta, [Section("Some text.")], "hash")
    current = record(1, title=LONG_TITLE)
    assert view_problems(review_view("pending", document, current)) == []
    assert view_problems(message_view(f"Fetching {link(LONG_URL, LONG_URL)}...")) == []
    assert message_problems(review_prompt(LONG_NAME, document, "pending")) == []


def test_long_citation_fields_are_accepted() -> None:
    cited = Citation(1, "d", LONG_TITLE, "P" * 4000, "2024", LONG_URL, "S" * 4000, 3, "Q" * 5000, 0.5)
    for message in render_answer(answer(citations=[cited]), "id"):
        assert message_problems(message.blocks) == []


# -- finding 11: suggested prompt titles were cut mid-word ---------------------------------------------------------
def test_suggested_prompt_titles_are_whole_words() -> None:
    for question in EXAMPLE_QUESTIONS:
        for limit in (20, 33, 50, 75):
            title = prompt_title(question, limit)
            assert len(title) <= limit
            if title != question:
                kept = title.removesuffix("…")
                assert title.endswith("…") and question.startswith(kept) and question[len(kept)] == " ", title
