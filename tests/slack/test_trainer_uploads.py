"""Trainers add files from Slack: share in a DM, review in a modal, add; refusals, size limits, hostile files.

The real ``dualuse serve --http`` process (trainers: U0TRAINER1 and the members of S0TRAINERS; uploads up to 1 MB)
against the emulator, which also serves the shared files (only with the bot token).
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile

import pytest

from tests.documents import docx_bytes, pdf_bytes
from tests.slack.conftest import MAX_UPLOAD_MB, TRAINER, ServeProcess
from tests.slack.emulator import SlackEmulator
from tests.slack.test_http import all_text, answer_in_thread, mention, new_id, new_ts
from tests.slack.trainer_helpers import STRANGER, corpus_size, press, reading_result, share, slash, submit

pytestmark = pytest.mark.slow

KESTREL_PAGES = [
    "Kestrel guidance for autonomous laboratory robots\n\n"
    "An autonomous laboratory robot must keep a signed log of every synthesis step it runs.\n"
    "The log must be reviewed by a named safety officer every week.",
    "Kestrel guidance, part two\n\nA laboratory robot must refuse synthesis orders for controlled toxins.",
]
KESTREL_TITLE = "Kestrel Guidance on Laboratory Robots"


def zip_bomb_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", b"\0" * (30 * 1024 * 1024))  # 30 MB of zeros, ~30 KB packed
    return out.getvalue()


def test_a_trainers_upload_is_reviewed_ingested_and_then_cited(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    channel, file = share(
        http_bot, emulator, "kestrel.pdf", pdf_bytes(KESTREL_PAGES, title="kestrel draft"), "application/pdf"
    )
    prompt = reading_result(emulator, channel)
    download = emulator.calls_to("files.download", file=file["id"])
    assert download and download[0].params["authorised"]  # fetched with the bot token
    button = [b for b in prompt["blocks"] if b["type"] == "actions"][0]["elements"][0]
    assert button["action_id"] == "review_document"

    payload = press(http_bot, emulator, "review_document", button["value"], channel=channel)
    opened = emulator.wait_for(lambda: emulator.calls_to("views.open", trigger_id=payload["trigger_id"]))
    view = opened[0].params["view"]
    assert view["callback_id"] == "add_document"
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["title"]["initial_value"] == "kestrel draft"  # prefilled from the PDF
    assert set(fields) == {"title", "kind", "publisher", "date", "url"}

    status, body = submit(http_bot, view, date="March 2025")  # a bad date is shown in the modal
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert "date" in json.loads(body)["errors"]
    details = {
        "title": KESTREL_TITLE,
        "kind": "code_of_conduct",
        "publisher": "Kestrel Institute",
        "date": "2025-03",
        "url": "https://kestrel.example/guidance",
    }
    assert submit(http_bot, view, **details)[0] == 200
    done = emulator.wait_for(
        lambda: [c for c in emulator.calls_to("chat.update", channel=channel) if "Added" in c.params["text"]],
        timeout=60,
    )[0].params["text"]
    assert KESTREL_TITLE in done and "`kestrel`" in done and "2 pages" in done
    assert re.search(r"\d+ passages", done)

    ts = new_ts()
    question = "What must an autonomous laboratory robot keep a log of, according to the Kestrel guidance?"
    assert http_bot.post_event(mention(question, ts), new_id())[0] == 200
    answer = all_text(answer_in_thread(emulator, ts)["blocks"])
    assert KESTREL_TITLE in answer and "https://kestrel.example/guidance" in answer and "Kestrel Institute" in answer

    listing = "".join(
        all_text(slash(http_bot, emulator, f"sources {page}")[0][0].params["blocks"]) for page in (1, 2, 3, 4, 5)
    )
    assert re.search(r"`kestrel`.*\n.*\n.*by slack:U0TRAINER1", listing)  # who added it is recorded


def test_a_non_trainers_upload_is_refused_and_not_downloaded(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    channel, file = share(http_bot, emulator, "notes.md", b"# Notes\n\nSome notes.", "text/markdown", user=STRANGER)
    refusal = emulator.wait_for(lambda: emulator.calls_to("chat.postEphemeral", channel=channel))[0].params
    assert refusal["user"] == STRANGER and "only trainers" in refusal["text"]
    time.sleep(0.5)
    assert not emulator.calls_to("files.download", file=file["id"])
    assert not emulator.calls_to("chat.postMessage", channel=channel)
    assert f"refused upload a document to {STRANGER}" in http_bot.log()


@pytest.mark.parametrize(
    ("name", "data", "mimetype", "declared", "expected"),
    [
        ("huge.pdf", b"%PDF-1.4 tiny", "application/pdf", 2 * 1024 * 1024, f"over the {MAX_UPLOAD_MB} MB limit"),
        ("liar.txt", b"word " * 300_000, "text/plain", 1000, f"over the {MAX_UPLOAD_MB} MB limit"),
        (
            "bomb.docx",
            zip_bomb_docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            None,
            "zip bomb",
        ),
        (
            "deep.html",
            b"<html><body>" + b"<div>" * 20000 + b"x" + b"</div>" * 20000 + b"</body></html>",
            "text/html",
            None,
            "levels deep",
        ),
        ("disguised.pdf", docx_bytes("T", [("H", ["text"])]), "application/pdf", None, "is not a PDF file"),
        ("program.exe", b"MZ\x90\x00", "application/octet-stream", None, "not a file type I can add"),
    ],
)
def test_oversized_and_hostile_uploads_get_one_clear_line_and_leave_the_index_alone(
    http_bot: ServeProcess,
    emulator: SlackEmulator,
    name: str,
    data: bytes,
    mimetype: str,
    declared: int | None,
    expected: str,
) -> None:
    before = corpus_size(http_bot, emulator)
    started = time.monotonic()
    channel, file = share(http_bot, emulator, name, data, mimetype, declared_size=declared)
    result = reading_result(emulator, channel)
    assert time.monotonic() - started < 30
    assert result["text"].startswith(f":warning: {name}: ") and expected in result["text"]
    assert "\n" not in result["text"] and not any(b["type"] == "actions" for b in result["blocks"])
    if declared and declared > len(data):
        assert not emulator.calls_to("files.download", file=file["id"])  # refused before downloading
    assert corpus_size(http_bot, emulator) == before


def test_re_adding_an_unchanged_file_says_so(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    note = b"---\ntitle: Merlin checklist\n---\n\n# Merlin checklist\n\nMerlin teams check export rules before sharing."
    results = []
    for _ in range(2):
        channel, _ = share(http_bot, emulator, "merlin.md", note, "text/markdown")
        button = [b for b in reading_result(emulator, channel)["blocks"] if b["type"] == "actions"][0]["elements"][0]
        payload = press(http_bot, emulator, "review_document", button["value"], channel=channel)
        view = emulator.wait_for(lambda p=payload: emulator.calls_to("views.open", trigger_id=p["trigger_id"]))
        assert submit(http_bot, view[0].params["view"], publisher="Merlin")[0] == 200
        assert submit(http_bot, view[0].params["view"], publisher="Merlin")[0] == 200  # a double click adds once
        done = emulator.wait_for(
            lambda c=channel: [
                u for u in emulator.calls_to("chat.update", channel=c) if "Indexing" not in u.params["text"]
            ][1:],
            timeout=60,
        )
        results.append(done[0].params["text"])
    assert "Added *Merlin checklist*" in results[0]
    assert "already in the corpus exactly like this" in results[1]
    # Each second click was told the document is no longer waiting, instead of ingesting it again.
    emulator.wait_for(
        lambda: (
            len(
                [
                    c
                    for c in emulator.calls_to("chat.postMessage", channel=TRAINER)
                    if "already added" in c.params["text"]
                ]
            )
            == 2
        )
    )
