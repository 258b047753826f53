"""The real ``dualuse serve --http`` process, driven with signed (and forged, stale, retried) requests."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from bot.answerlog import PSEUDONYM_KEY_FILE, AnswerLog, pseudonymise
from tests.slack.conftest import BOT_TOKEN, ServeProcess, http, sign
from tests.slack.emulator import BOT_ID, BOT_USER_ID, SlackEmulator

pytestmark = pytest.mark.slow

HAGUE_QUESTION = "what are the hague ethical guidelines and who came up with them?"
CHANNEL = "C0000001"


def new_id() -> str:
    return "Ev" + uuid.uuid4().hex[:16].upper()


_last_ts = [0.0]


def new_ts() -> str:
    """A message ts, unique within the run (two calls within a microsecond would otherwise collide)."""
    now = max(time.time(), _last_ts[0] + 0.000001)
    _last_ts[0] = now
    return f"{now:.6f}"


def mention(text: str, ts: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": "U0000042",
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts or new_ts(),
        "channel": CHANNEL,
        "event_ts": ts,
        **extra,
    }


def all_text(blocks: list[dict[str, Any]]) -> str:
    """Every piece of text in a list of blocks, joined."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(parts)


def answer_in_thread(emulator: SlackEmulator, thread_ts: str, channel: str = CHANNEL) -> dict[str, Any]:
    """Wait for the placeholder in the thread and the chat.update that replaces it; return the update's params."""
    posted = emulator.wait_for(
        lambda: [c for c in emulator.calls_to("chat.postMessage", channel=channel, thread_ts=thread_ts) if c.response]
    )
    placeholder_ts = posted[0].response["ts"]
    assert "Looking this up" in posted[0].params["text"]
    updates = emulator.wait_for(lambda: emulator.calls_to("chat.update", channel=channel, ts=placeholder_ts))
    return updates[0].params


def test_health_readiness_and_metrics(http_bot: ServeProcess) -> None:
    assert http("GET", f"{http_bot.url}/healthz") == (200, '{"status": "ok"}')
    status, body = http("GET", f"{http_bot.url}/readyz")
    assert status == 200 and json.loads(body) == {"status": "ok", "index": "ok", "database": "ok", "slack": "ok"}
    status, body = http("GET", f"{http_bot.url}/metrics")
    assert status == 200
    for family in (
        "dualuse_questions",
        "dualuse_answer_latency_seconds",
        "dualuse_ingest_documents",
        "dualuse_slack_api_errors",
    ):
        assert f"# TYPE {family}" in body
    assert http("GET", f"{http_bot.url}/nowhere")[0] == 404


def test_readiness_reports_a_token_slack_refuses_and_its_recovery(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    channel = "C0000012"
    emulator.revoke()
    try:
        assert http_bot.post_event(mention(HAGUE_QUESTION, new_ts(), channel=channel), new_id())[0] == 200
        emulator.wait_for(lambda: emulator.calls_to("chat.postMessage", channel=channel))
        status, body = emulator.wait_for(
            lambda: (r := http("GET", f"{http_bot.url}/readyz"))[0] == 503 and r, timeout=10
        )
        assert json.loads(body)["slack"] == "invalid_auth" and json.loads(body)["status"] == "error"
    finally:
        emulator.restore()
    emulator.wait_for(lambda: http("GET", f"{http_bot.url}/readyz")[0] == 200, timeout=10)
    assert emulator.calls_to("auth.test")  # re-checked, not assumed


def test_search_indexes_are_loaded_before_the_bot_takes_events(http_bot: ServeProcess) -> None:
    # The BM25 index is built at start-up, not by the first question (which would wait for it on a large corpus).
    log = http_bot.log()
    assert "retrieval index loaded" in log and "dualuse is serving Slack" in log
    assert log.index("retrieval index loaded") < log.index("dualuse is serving Slack")


def test_mention_is_answered_in_its_thread_with_the_right_source(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    ts = new_ts()
    status, _, elapsed = http_bot.post_event(mention(HAGUE_QUESTION, ts), new_id())
    assert status == 200
    assert elapsed < 3.0, "Slack needs the acknowledgement within 3 seconds"
    update = answer_in_thread(emulator, ts)
    rendered = all_text(update["blocks"])
    assert "*Sources*" in rendered
    assert "Hague Ethical Guidelines" in rendered
    assert "[1]" in rendered
    actions = [b for b in update["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == [
        "feedback_helpful",
        "feedback_not_helpful",
        "feedback_flag",
    ]


def test_requests_with_a_forged_or_stale_signature_are_refused(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    ts = new_ts()
    body = json.dumps(
        {"type": "event_callback", "event_id": new_id(), "team_id": "T0000001", "event": mention(HAGUE_QUESTION, ts)}
    )
    forged = sign(body, secret="not-the-signing-secret-at-all")
    stale = sign(body, timestamp=int(time.time()) - 3600)
    for headers in (forged, stale, {}):
        status, _ = http("POST", f"{http_bot.url}/slack/events", body, {"Content-Type": "application/json", **headers})
        assert status == 401
    time.sleep(1.0)
    assert not emulator.calls_to("chat.postMessage", thread_ts=ts)


def test_a_retried_event_is_answered_once_and_acknowledged(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    ts, event_id = new_ts(), new_id()
    first = http_bot.post_event(mention(HAGUE_QUESTION, ts), event_id)
    retry = http_bot.post_event(
        mention(HAGUE_QUESTION, ts), event_id, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert first[0] == 200 and retry[0] == 200
    answer_in_thread(emulator, ts)
    time.sleep(1.0)
    assert len(emulator.calls_to("chat.postMessage", thread_ts=ts)) == 1
    assert len(emulator.calls_to("chat.update", channel=CHANNEL)) >= 1


def test_a_direct_message_is_answered_in_the_dm(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    dm, ts = "D0000001", new_ts()
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": dm,
        "user": "U0000042",
        "text": HAGUE_QUESTION,
        "ts": ts,
    }
    assert http_bot.post_event(event, new_id())[0] == 200
    posted = emulator.wait_for(lambda: emulator.calls_to("chat.postMessage", channel=dm))
    assert "thread_ts" not in posted[0].params or posted[0].params["thread_ts"] is None
    update = emulator.wait_for(lambda: emulator.calls_to("chat.update", channel=dm))[0].params
    assert "Hague Ethical Guidelines" in all_text(update["blocks"])


def test_bot_messages_edits_and_deletions_are_ignored(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    dm = "D0000002"
    ignored = [
        {
            "type": "message",
            "channel_type": "im",
            "channel": dm,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": HAGUE_QUESTION,
            "ts": new_ts(),
        },  # our own message
        {
            "type": "message",
            "subtype": "bot_message",
            "channel_type": "im",
            "channel": dm,
            "bot_id": "BOTHER01",
            "text": HAGUE_QUESTION,
            "ts": new_ts(),
        },  # another bot
        {
            "type": "message",
            "channel_type": "im",
            "channel": dm,
            "user": "UOTHERBOT",
            "bot_id": "BOTHER01",
            "text": HAGUE_QUESTION,
            "ts": new_ts(),
        },  # another bot with a bot user
        {
            "type": "message",
            "subtype": "message_changed",
            "channel_type": "im",
            "channel": dm,
            "ts": new_ts(),
            "message": {"type": "message", "user": "U0000042", "text": HAGUE_QUESTION, "ts": new_ts()},
        },
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel_type": "im",
            "channel": dm,
            "ts": new_ts(),
            "deleted_ts": new_ts(),
        },
        {**mention(HAGUE_QUESTION, channel=dm), "bot_id": "BOTHER01"},  # a bot mentioning us
    ]
    for event in ignored:
        status, _, _ = http_bot.post_event(event, new_id())
        assert status == 200, event
    time.sleep(1.5)
    assert not emulator.calls_to("chat.postMessage", channel=dm)


def test_follow_up_in_a_thread_uses_the_thread_as_context(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    channel, root = "C0000003", new_ts()
    emulator.seed(
        channel, {"type": "message", "user": "U0000042", "ts": root, "text": f"<@{BOT_USER_ID}> {HAGUE_QUESTION}"}
    )
    emulator.seed(
        channel,
        {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": new_ts(),
            "thread_ts": root,
            "text": "The Hague Ethical Guidelines were drawn up ... [1]",
        },
    )
    follow_up = new_ts()
    event = {
        "type": "message",
        "channel_type": "channel",
        "channel": channel,
        "user": "U0000042",
        "text": "and which bodies endorsed them?",
        "ts": follow_up,
        "thread_ts": root,
    }
    assert http_bot.post_event(event, new_id())[0] == 200
    update = answer_in_thread(emulator, root, channel)
    rendered = all_text(update["blocks"])
    assert "Answered as:" in rendered and "hague" in rendered.lower()
    assert len(emulator.calls_to("conversations.replies", channel=channel, ts=root)) == 1  # read once, used twice


def test_a_thread_the_bot_is_not_part_of_is_left_alone(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    channel, root = "C0000004", new_ts()
    emulator.seed(channel, {"type": "message", "user": "U0000042", "ts": root, "text": "lunch?"})
    event = {
        "type": "message",
        "channel_type": "channel",
        "channel": channel,
        "user": "U0000043",
        "text": "what are the hague guidelines?",
        "ts": new_ts(),
        "thread_ts": root,
    }
    assert http_bot.post_event(event, new_id())[0] == 200
    emulator.wait_for(lambda: emulator.calls_to("conversations.replies", channel=channel))
    time.sleep(1.0)
    assert not emulator.calls_to("chat.postMessage", channel=channel)


def test_mentions_and_broadcasts_in_a_question_are_shown_not_executed(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    channel, root = "C0000005", new_ts()
    emulator.seed(channel, {"type": "message", "user": "U0000042", "ts": root, "text": f"<@{BOT_USER_ID}> hi"})
    event = mention("and the hague guidelines <!channel> <!here> & more", new_ts(), channel=channel, thread_ts=root)
    event["text"] = event["text"].replace(" hi", "")
    assert http_bot.post_event(event, new_id())[0] == 200
    update = answer_in_thread(emulator, root, channel)
    # Everything Slack renders (button values are opaque data, never rendered).
    shown = update["text"] + all_text(update["blocks"])
    assert "<!channel>" not in shown and "<!here>" not in shown
    assert "@channel @here &amp; more" in shown  # Slack's <!channel> read as the words the person typed


def test_rate_limited_calls_are_retried(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    channel, ts = "C0000006", new_ts()
    emulator.fail("chat.postMessage", 429, times=1, retry_after=1)
    assert http_bot.post_event(mention(HAGUE_QUESTION, ts, channel=channel), new_id())[0] == 200
    update = answer_in_thread(emulator, ts, channel)
    assert "Hague Ethical Guidelines" in all_text(update["blocks"])
    attempts = emulator.calls_to("chat.postMessage", channel=channel, thread_ts=ts)
    assert [c.status for c in attempts] == [429, 200]


def test_a_failure_while_answering_ends_in_a_private_apology(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    channel, root = "C0000007", new_ts()
    emulator.fail("conversations.replies", 500, times=4)  # a 500 is retried 3 times: this one persists
    assert http_bot.post_event(mention(HAGUE_QUESTION, new_ts(), channel=channel, thread_ts=root), new_id())[0] == 200
    # Only the asker sees the apology, and the progress message goes away instead of turning into an error.
    apology = emulator.wait_for(lambda: emulator.calls_to("chat.postEphemeral", channel=channel))[0].params
    assert "Sorry, something went wrong" in apology["text"]
    assert apology["user"] == "U0000042" and apology["thread_ts"] == root
    placeholder = emulator.calls_to("chat.postMessage", channel=channel, thread_ts=root)[0].response["ts"]
    emulator.wait_for(lambda: emulator.calls_to("chat.delete", channel=channel, ts=placeholder))
    assert not [c for c in emulator.calls_to("chat.update", channel=channel) if "Sorry" in c.params["text"]]
    emulator.wait_for(lambda: "answering in C0000007 failed" in http_bot.log(), timeout=5)
    assert "Traceback" in http_bot.log()
    # A listener's failed call is counted, not only the calls of the app's own client.
    status, metrics = http("GET", f"{http_bot.url}/metrics")
    assert status == 200 and 'dualuse_slack_api_errors_total{method="conversations.replies"}' in metrics


def test_slash_command_answers_through_the_response_url(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    response_url = emulator.response_url("slash-1")
    form = {
        "command": "/dualuse",
        "text": HAGUE_QUESTION,
        "user_id": "U0000042",
        "channel_id": "C0000008",
        "team_id": "T0000001",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }
    status, body, elapsed = http_bot.post_form(form)
    assert status == 200 and elapsed < 3.0
    assert "Looking this up" in json.loads(body)["text"]
    responses = emulator.wait_for(lambda: emulator.calls_to("response_url", _path="/response/slash-1"))
    assert responses[0].params["replace_original"] is True
    assert "Hague Ethical Guidelines" in all_text(responses[0].params["blocks"])


def test_slash_command_help(http_bot: ServeProcess) -> None:
    form = {
        "command": "/dualuse",
        "text": "help",
        "user_id": "U0000042",
        "channel_id": "C0000008",
        "team_id": "T0000001",
        "response_url": "http://127.0.0.1:9/unused",
        "trigger_id": "1.2.3",
    }
    status, body, _ = http_bot.post_form(form)
    assert status == 200
    help_text = all_text(json.loads(body)["blocks"])
    assert "/dualuse" in help_text and "Examples" in help_text


def click(
    emulator: SlackEmulator, action_id: str, value: str, user: str = "U0000042", channel: str = CHANNEL, **extra: Any
) -> dict[str, Any]:
    """A block_actions payload, as Slack sends it when someone clicks a button."""
    return {
        "type": "block_actions",
        "team": {"id": "T0000001"},
        "user": {"id": user},
        "api_app_id": "A0000001",
        "container": {"type": "message", "message_ts": "1700000001.000100", "channel_id": channel},
        "channel": {"id": channel},
        "message": {"ts": "1700000001.000100", "text": "answer"},
        "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}",
        "response_url": emulator.response_url(),
        "actions": [{"type": "button", "action_id": action_id, "value": value, "action_ts": new_ts()}],
        **extra,
    }


def open_log(bot: ServeProcess) -> tuple[AnswerLog, bytes]:
    key = (bot.data_dir / PSEUDONYM_KEY_FILE).read_text().strip().encode()
    return AnswerLog.open(f"sqlite:///{bot.data_dir / 'dualuse.sqlite3'}", pseudonym_key=key, migrate=False), key


def feedback_of(bot: ServeProcess, answer_id: str) -> list[tuple[str, str, str]]:
    log, _ = open_log(bot)
    try:
        return [(f.kind, f.user, f.reason) for f in log.get(answer_id).feedback]
    finally:
        log.close()


def test_answers_are_logged_and_feedback_is_recorded_in_the_answer_log(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    ts = new_ts()
    assert http_bot.post_event(mention(HAGUE_QUESTION, ts), new_id())[0] == 200
    update = answer_in_thread(emulator, ts)
    buttons = [b for b in update["blocks"] if b["type"] == "actions"][0]["elements"]
    answer_id = buttons[0]["value"]
    payload = click(emulator, "feedback_flag", answer_id, channel="C0000009")
    payload["message"] |= {"thread_ts": ts, "text": update["text"], "blocks": update["blocks"]}
    assert http_bot.post_form({"payload": json.dumps(payload)})[0] == 200
    replaced = emulator.wait_for(lambda: emulator.calls_to("response_url", _path=path_of(payload)))[0].params
    assert not emulator.calls_to("chat.postEphemeral", channel="C0000009")  # thanks go through the response URL

    log, key = open_log(http_bot)
    try:
        record = log.get(answer_id)
    finally:
        log.close()
    assert record.surface == "slack" and record.question == HAGUE_QUESTION and record.status == "answered"
    assert record.channel == pseudonymise(CHANNEL, key) != CHANNEL  # ids are pseudonymised in the log
    assert [(f.kind, f.user) for f in record.feedback] == [("flag", pseudonymise("U0000042", key))]
    assert replaced["replace_original"] is True and "Marked *flagged for review*" in all_text(replaced["blocks"])


def test_feedback_buttons_show_the_choice_a_second_click_changes_it_and_a_reason_can_be_given(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    ts, channel = new_ts(), "C0000011"
    assert http_bot.post_event(mention(HAGUE_QUESTION, ts, channel=channel), new_id())[0] == 200
    update = answer_in_thread(emulator, ts, channel)
    answer_id = [b for b in update["blocks"] if b["type"] == "actions"][0]["elements"][0]["value"]

    def press(action_id: str, blocks: list[dict[str, Any]]) -> dict[str, Any]:
        payload = click(emulator, action_id, answer_id, channel=channel)
        payload["message"] |= {"text": update["text"], "blocks": blocks}
        assert http_bot.post_form({"payload": json.dumps(payload)})[0] == 200
        return payload

    # "Not helpful": the buttons give way to the choice, and a modal asks (optionally) why.
    first = press("feedback_not_helpful", update["blocks"])
    chosen = emulator.wait_for(lambda: emulator.calls_to("response_url", _path=path_of(first)))[0].params["blocks"]
    action_ids = [e["action_id"] for b in chosen if b["type"] == "actions" for e in b["elements"]]
    assert action_ids == ["feedback_change"] and "Marked *not helpful*" in all_text(chosen)
    assert all_text(update["blocks"]).split("\n")[0] in all_text(chosen)  # the answer itself is kept
    modal = emulator.wait_for(lambda: emulator.calls_to("views.open", trigger_id=first["trigger_id"]))[0].params
    submission = {
        "type": "view_submission",
        "team": {"id": "T0000001"},
        "user": {"id": "U0000042"},
        "api_app_id": "A0000001",
        "trigger_id": "reason-1",
        "view": {
            **modal["view"],
            "id": "V0000011",
            "state": {"values": {"reason": {"value": {"type": "plain_text_input", "value": "wrong year"}}}},
        },
    }
    assert http_bot.post_form({"payload": json.dumps(submission)})[0] == 200
    emulator.wait_for(lambda: feedback_of(http_bot, answer_id)[0][2] == "wrong year")

    # "Change feedback" brings the buttons back; a second choice replaces the first instead of adding a row.
    again = press("feedback_change", chosen)
    restored = emulator.wait_for(lambda: emulator.calls_to("response_url", _path=path_of(again)))[0].params["blocks"]
    assert [e["action_id"] for b in restored if b["type"] == "actions" for e in b["elements"]] == [
        "feedback_helpful",
        "feedback_not_helpful",
        "feedback_flag",
    ]
    helpful = press("feedback_helpful", restored)
    emulator.wait_for(lambda: emulator.calls_to("response_url", _path=path_of(helpful)))
    assert [(kind, reason) for kind, _, reason in feedback_of(http_bot, answer_id)] == [("helpful", "")]
    assert not emulator.calls_to("views.open", trigger_id=helpful["trigger_id"])  # "helpful" asks nothing


def test_feedback_on_an_unknown_answer_says_so(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    payload = click(emulator, "feedback_helpful", "not-a-logged-answer", channel="C0000010")
    assert http_bot.post_form({"payload": json.dumps(payload)})[0] == 200
    reply = emulator.wait_for(lambda: emulator.calls_to("response_url", _path=path_of(payload)))[0].params
    assert "could not record" in reply["text"] and reply["replace_original"] is False


def path_of(payload: dict[str, Any]) -> str:
    return "/" + payload["response_url"].split("/", 3)[3]


def test_app_home_shows_the_corpus(http_bot: ServeProcess, emulator: SlackEmulator, shipped_index) -> None:
    event = {"type": "app_home_opened", "user": "U0000077", "channel": "D0000077", "tab": "home", "event_ts": new_ts()}
    assert http_bot.post_event(event, new_id())[0] == 200
    published = emulator.wait_for(lambda: emulator.calls_to("views.publish", user_id="U0000077"))
    view = published[0].params["view"]
    assert view["type"] == "home"
    assert f"*{len(shipped_index.documents())}* documents" in all_text(view["blocks"])


def test_tokens_never_reach_the_log(http_bot: ServeProcess) -> None:
    assert BOT_TOKEN not in http_bot.log()
    assert "secretbottoken" not in http_bot.log()
