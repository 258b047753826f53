"""The trainer pieces that need no bot process: command parsing, the fail-closed group check, where the bot token
may be sent, and how reviewed details make a new version."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient

from bot.slack.listeners.commands import parse
from bot.slack.pending import with_details
from bot.slack.trainers import Trainers
from bot.slack.uploads import SharedFile, download
from ingest.errors import DocumentError
from ingest.loaders import load_bytes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("help", "")),
        ("sources", ("sources", "")),
        ("sources 3", ("sources", "3")),
        ("gaps", ("gaps", "")),
        ("remove hague-guidelines", ("remove", "hague-guidelines")),
        ("add <https://example.org/a>", ("add", "https://example.org/a")),
        ("sources of the hague guidelines?", ("ask", "sources of the hague guidelines?")),
        ("should we remove the weights from the hub?", ("ask", "should we remove the weights from the hub?")),
    ],
)
def test_only_exact_command_shapes_are_commands(text: str, expected: tuple[str, str]) -> None:
    assert parse(text) == expected


def test_trainer_groups_fail_closed_when_slack_cannot_be_asked() -> None:
    trainers = Trainers(frozenset({"U0TRAINER1", "S0TRAINERS"}))
    unreachable = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/", timeout=2)
    assert trainers.allows(unreachable, "U0TRAINER1")
    assert not trainers.allows(unreachable, "U0SOMEONE")
    assert not trainers.allows(unreachable, "")


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            seen.append(dict(self.headers))
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"hello")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_the_bot_token_only_goes_to_slack(recording_server: tuple[str, list[dict[str, str]]]) -> None:
    base, seen = recording_server
    file = SharedFile("F1", "notes.txt", 5, "text/plain", f"{base}/files-pri/T1-F1/download/notes.txt")
    with pytest.raises(DocumentError, match="outside Slack"):
        download(file, "xoxb-secret", max_bytes=1000, timeout=5, api_url="http://127.0.0.1:1/api")
    assert seen == []
    assert download(file, "xoxb-secret", max_bytes=1000, timeout=5, api_url=f"{base}/api") == b"hello"
    assert seen[0]["Authorization"] == "Bearer xoxb-secret"


def test_reviewed_details_make_a_stable_version() -> None:
    document = load_bytes(b"# Note\n\nSome text.", fmt="markdown", source="note.md", default_id="note")
    details = {"title": "Note", "kind": "other", "publisher": "P", "date": "2025", "url": ""}
    first, again = with_details(document, **details), with_details(document, **details)
    renamed = with_details(document, **{**details, "title": "Another title"})
    assert first.content_hash == again.content_hash != renamed.content_hash
    assert renamed.meta.title == "Another title" and renamed.meta.doc_id == "note"
