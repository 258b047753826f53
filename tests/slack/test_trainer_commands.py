"""Trainer commands from Slack: ``/dualuse add URL`` (fetched from a local server), ``sources`` (paginated),
``remove DOC_ID`` (confirmed), ``gaps`` and ``help``; refusals for everyone else.

The serve process lets 127.0.0.1 past the SSRF guard (DUALUSE_PRIVATE_URL_HOSTS), and nothing else.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.slack.conftest import GROUP_MEMBER, TRAINER, TRAINER_GROUP, ServeProcess
from tests.slack.emulator import BOT_USER_ID, SlackEmulator
from tests.slack.test_http import all_text, answer_in_thread, mention, new_id, new_ts
from tests.slack.trainer_helpers import STRANGER, corpus_size, path_of, press, slash, submit

pytestmark = pytest.mark.slow

PAGE = b"""<!doctype html><html><head><title>Osprey note on model release</title></head><body>
<nav>Home | About | Contact</nav>
<main><h1>Osprey note on model release</h1>
<p>The Osprey note requires that the Osprey misuse review is signed by two named reviewers before a release.</p>
<p>Osprey reviewers keep the signed misuse review for ten years.</p></main>
<footer>Copyright Osprey</footer></body></html>"""


@pytest.fixture(scope="module")
def web_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# -- /dualuse add URL ---------------------------------------------------------------------------------------------
def test_add_url_fetches_reviews_and_ingests_the_page(
    http_bot: ServeProcess, emulator: SlackEmulator, web_server: str
) -> None:
    url = f"http://127.0.0.1:{web_server}/osprey.html"
    _, trigger = slash(http_bot, emulator, f"add {url}")
    loading = emulator.wait_for(lambda: emulator.calls_to("views.open", trigger_id=trigger))[0]
    assert "Fetching" in all_text(loading.params["view"]["blocks"])
    view_id = loading.response["view"]["id"]
    view = emulator.wait_for(lambda: emulator.calls_to("views.update", view_id=view_id), timeout=60)[0].params["view"]
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["title"]["initial_value"] == "Osprey note on model release"
    assert fields["url"]["initial_value"] == url
    assert submit(http_bot, view, publisher="Osprey Lab")[0] == 200
    done = emulator.wait_for(
        lambda: [c for c in emulator.calls_to("chat.update", channel=TRAINER) if "Added" in c.params["text"]],
        timeout=60,
    )[0].params["text"]
    assert "Osprey note on model release" in done

    ts = new_ts()
    question = "According to the Osprey note, who must sign the Osprey misuse review?"
    assert http_bot.post_event(mention(question, ts), new_id())[0] == 200
    answer = all_text(answer_in_thread(emulator, ts)["blocks"])
    assert "Osprey note on model release" in answer and url in answer
    assert "Copyright Osprey" not in answer and "Home | About" not in answer  # main text only


def test_add_url_refuses_internal_addresses_and_non_trainers(
    http_bot: ServeProcess, emulator: SlackEmulator, web_server: str
) -> None:
    _, trigger = slash(http_bot, emulator, f"add http://localhost:{web_server}/osprey.html")
    view_id = emulator.wait_for(lambda: emulator.calls_to("views.open", trigger_id=trigger))[0].response["view"]["id"]
    error = emulator.wait_for(lambda: emulator.calls_to("views.update", view_id=view_id))[0].params["view"]
    assert "non-public address" in all_text(error["blocks"])

    responses, trigger = slash(http_bot, emulator, f"add http://127.0.0.1:{web_server}/osprey.html", user=STRANGER)
    assert "only trainers" in responses[0].params["text"]
    assert not emulator.calls_to("views.open", trigger_id=trigger)


# -- sources, remove, gaps ----------------------------------------------------------------------------------------
def test_sources_are_paginated(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    first = slash(http_bot, emulator, "sources", user=STRANGER)[0][0].params  # listing is open to everyone
    total = int(re.search(r"The corpus: (\d+) documents \(page 1 of (\d+)\)", first["text"]).group(1))
    assert total > 10
    actions = [b for b in first["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [(a["text"]["text"], a["value"]) for a in actions] == [("Next", "2")]
    assert len([b for b in first["blocks"] if b["type"] == "section"]) == 1 + 10

    payload = press(http_bot, emulator, "sources_page", "2", user=STRANGER)
    second = emulator.wait_for(lambda: emulator.calls_to("response_url", _path=path_of(payload)))[0].params
    assert second["replace_original"] is True and "(page 2 of" in second["text"]
    labels = [a["text"]["text"] for b in second["blocks"] if b["type"] == "actions" for a in b["elements"]]
    assert labels == ["Previous", "Next"]
    assert all_text(first["blocks"]) != all_text(second["blocks"])


def test_remove_asks_for_confirmation_and_only_a_trainer_can_confirm(
    http_bot: ServeProcess, emulator: SlackEmulator, shipped_index
) -> None:
    doc = shipped_index.documents()[0]
    before = corpus_size(http_bot, emulator)
    prompt = slash(http_bot, emulator, f"remove {doc.doc_id}")[0][0].params
    buttons = [b for b in prompt["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [b["action_id"] for b in buttons] == ["remove_document", "remove_cancel"]
    assert corpus_size(http_bot, emulator) == before  # nothing happens until the click

    stranger = press(http_bot, emulator, "remove_document", doc.doc_id, user=STRANGER)
    refused = emulator.wait_for(lambda: emulator.calls_to("response_url", _path=path_of(stranger)))[0].params
    assert "only trainers" in refused["text"] and corpus_size(http_bot, emulator) == before

    trainer = press(http_bot, emulator, "remove_document", doc.doc_id)
    removed = emulator.wait_for(lambda: emulator.calls_to("response_url", _path=path_of(trainer)), timeout=30)[0]
    assert "Removed" in removed.params["text"] and removed.params["replace_original"] is True
    assert corpus_size(http_bot, emulator) == before - 1
    again = slash(http_bot, emulator, f"remove {doc.doc_id}")[0][0].params["text"]
    assert "No document has the id" in again


def test_gaps_lists_unanswered_questions_for_trainers_only(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    ts = new_ts()
    question = "What is the airspeed velocity of an unladen swallow?"
    assert http_bot.post_event(mention(question, ts), new_id())[0] == 200
    assert "couldn't find this in the corpus" in all_text(answer_in_thread(emulator, ts)["blocks"])

    refused = slash(http_bot, emulator, "gaps", user=STRANGER)[0][0].params["text"]
    assert "only trainers" in refused
    assert f"refused /dualuse gaps to {STRANGER}" in http_bot.log()
    gaps = slash(http_bot, emulator, "gaps", user=GROUP_MEMBER)[0][0].params  # a trainer through the user group
    assert question in all_text(gaps["blocks"])
    assert emulator.calls_to("usergroups.users.list", usergroup=TRAINER_GROUP)


def test_a_question_starting_with_a_command_word_is_still_a_question(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    responses, _ = slash(http_bot, emulator, "sources of the hague ethical guidelines?", user=STRANGER)
    assert "Sources" in all_text(responses[0].params["blocks"]) and BOT_USER_ID not in responses[0].params["text"]


def test_help_explains_the_trainer_commands(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    form = {
        "command": "/dualuse",
        "text": "help",
        "user_id": STRANGER,
        "channel_id": "C0000020",
        "team_id": "T0000001",
        "response_url": emulator.response_url(),
        "trigger_id": "t",
    }
    status, body, _ = http_bot.post_form(form)
    text = all_text(json.loads(body)["blocks"])
    assert status == 200
    for usage in (
        "/dualuse sources",
        "/dualuse add https://",
        "/dualuse remove DOC_ID",
        "/dualuse gaps",
        "direct message",
    ):
        assert usage in text
