"""Conversations the review found mishandled, each driven against the real ``dualuse serve --http`` and the emulator:
follow-ups with files or "also send to channel", escaped text, deleted progress messages, private errors, files and
progress in assistant threads."""

from __future__ import annotations

import pytest

from bot.answerlog import PSEUDONYM_KEY_FILE, AnswerLog
from tests.slack.conftest import TRAINER, ServeProcess
from tests.slack.emulator import BOT_ID, BOT_USER_ID, SlackEmulator
from tests.slack.test_http import HAGUE_QUESTION, all_text, answer_in_thread, mention, new_id, new_ts
from tests.slack.trainer_helpers import STRANGER

pytestmark = pytest.mark.slow


def bot_thread(emulator: SlackEmulator, channel: str) -> str:
    """A thread in ``channel`` that the bot already answered in; returns its ts."""
    root = new_ts()
    emulator.seed(channel, {"type": "message", "user": "U0000042", "ts": root, "text": f"<@{BOT_USER_ID}> hi"})
    emulator.seed(
        channel,
        {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": new_ts(), "thread_ts": root, "text": "Hi."},
    )
    return root


def reply(channel: str, root: str, text: str, **extra: object) -> dict[str, object]:
    return {
        "type": "message",
        "channel_type": "channel",
        "channel": channel,
        "user": "U0000042",
        "text": text,
        "ts": new_ts(),
        "thread_ts": root,
        **extra,
    }


def logged_question(bot: ServeProcess, answer_id: str) -> str:
    key = (bot.data_dir / PSEUDONYM_KEY_FILE).read_text().strip().encode()
    log = AnswerLog.open(f"sqlite:///{bot.data_dir / 'dualuse.sqlite3'}", pseudonym_key=key, migrate=False)
    try:
        return log.get(answer_id).question
    finally:
        log.close()


# -- finding 6 ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("channel", "extra"),
    [
        ("C4000061", {"subtype": "file_share", "files": [{"id": "F1", "name": "notes.png", "mimetype": "image/png"}]}),
        ("C4000062", {"subtype": "thread_broadcast"}),
    ],
)
def test_follow_ups_with_a_file_or_sent_to_the_channel_are_answered(
    http_bot: ServeProcess, emulator: SlackEmulator, channel: str, extra: dict[str, object]
) -> None:
    root = bot_thread(emulator, channel)
    assert http_bot.post_event(reply(channel, root, HAGUE_QUESTION, **extra), new_id())[0] == 200
    assert "Hague Ethical Guidelines" in all_text(answer_in_thread(emulator, root, channel)["blocks"])


def test_a_non_trainers_file_with_a_question_gets_the_refusal_and_the_answer(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    dm = "D4000063"
    file = emulator.add_file("notes.md", b"# Notes\n\nSome notes.", "text/markdown")
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": dm,
        "user": STRANGER,
        "text": HAGUE_QUESTION,
        "ts": new_ts(),
        "files": [file],
    }
    assert http_bot.post_event(event, new_id())[0] == 200
    refusal = emulator.wait_for(lambda: emulator.calls_to("chat.postEphemeral", channel=dm))[0].params
    assert "only trainers" in refusal["text"]
    update = emulator.wait_for(lambda: emulator.calls_to("chat.update", channel=dm), timeout=60)[0].params
    assert "Hague Ethical Guidelines" in all_text(update["blocks"])
    assert not emulator.calls_to("files.download", file=file["id"])


# -- finding 7 ------------------------------------------------------------------------------------------------------
def test_slacks_escaping_is_undone_before_the_engine_and_the_log(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    ts, channel = new_ts(), "C4000070"
    # What Slack sends when someone types: Hague guidelines & <R&D> teams?
    event = mention(
        "what do the hague ethical guidelines say for &lt;R&amp;D&gt; teams &amp; labs?", ts, channel=channel
    )
    assert http_bot.post_event(event, new_id())[0] == 200
    update = answer_in_thread(emulator, ts, channel)
    answer_id = [b for b in update["blocks"] if b["type"] == "actions"][0]["elements"][0]["value"]
    assert logged_question(http_bot, answer_id) == "what do the hague ethical guidelines say for <R&D> teams & labs?"
    assert "&amp;amp;" not in update["text"] + all_text(update["blocks"])


# -- finding 8 ------------------------------------------------------------------------------------------------------
def test_a_deleted_progress_message_does_not_lose_the_answer(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    ts, channel = new_ts(), "C4000080"
    emulator.deletes = lambda ch, message: ch == channel and "Looking this up" in message["text"]
    try:
        assert http_bot.post_event(mention(HAGUE_QUESTION, ts, channel=channel), new_id())[0] == 200
        answer = emulator.wait_for(
            lambda: [
                c
                for c in emulator.calls_to("chat.postMessage", channel=channel, thread_ts=ts)
                if c.params.get("blocks")
            ],
            timeout=60,
        )[0].params
    finally:
        emulator.deletes = None
    assert "Hague Ethical Guidelines" in all_text(answer["blocks"])


# -- finding 12 -----------------------------------------------------------------------------------------------------
def test_a_problem_with_the_question_is_told_privately(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    ts, channel = new_ts(), "C4000120"
    assert http_bot.post_event(mention("why " * 10_000, ts, channel=channel), new_id())[0] == 200
    told = emulator.wait_for(lambda: emulator.calls_to("chat.postEphemeral", channel=channel))[0].params
    assert "characters long" in told["text"] and told["user"] == "U0000042"
    public = [c.params["text"] for c in emulator.calls_to("chat.update", channel=channel)]
    public += [c.params["text"] for c in emulator.calls_to("chat.postMessage", channel=channel)]
    assert not [text for text in public if "characters long" in text]


# -- findings 5 and 11: assistant threads ---------------------------------------------------------------------------
def assistant_message(dm: str, root: str, text: str, **extra: object) -> dict[str, object]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": dm,
        "user": TRAINER,
        "text": text,
        "ts": new_ts(),
        "thread_ts": root,
        **extra,
    }


def test_an_assistant_thread_shows_progress_in_the_status_not_in_a_message(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    dm, root = "D4000110", new_ts()
    assert http_bot.post_event(assistant_message(dm, root, HAGUE_QUESTION), new_id())[0] == 200
    answer = emulator.wait_for(
        lambda: [
            c for c in emulator.calls_to("chat.postMessage", channel=dm, thread_ts=root) if c.params.get("blocks")
        ],
        timeout=60,
    )[0].params
    assert "Hague Ethical Guidelines" in all_text(answer["blocks"])
    posted = emulator.calls_to("chat.postMessage", channel=dm, thread_ts=root)
    assert len(posted) == 1  # no "looking this up" message that would clear the status
    status = emulator.calls_to("assistant.threads.setStatus", channel_id=dm)[0].params
    assert status["status"] == "Searching the corpus..." and len(status["loading_messages"]) >= 3


def test_a_trainers_file_in_an_assistant_thread_is_offered_for_review(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    dm, root = "D4000050", new_ts()
    file = emulator.add_file("heron.md", b"# Heron note\n\nHeron teams review releases.", "text/markdown")
    event = assistant_message(dm, root, "", subtype="file_share", files=[file])
    assert http_bot.post_event(event, new_id())[0] == 200
    prompt = emulator.wait_for(lambda: emulator.calls_to("chat.update", channel=dm), timeout=60)[0].params
    buttons = [b for b in prompt["blocks"] if b["type"] == "actions"][0]["elements"]
    assert buttons[0]["action_id"] == "review_document"
    reading = emulator.calls_to("chat.postMessage", channel=dm)[0].params
    assert "Reading heron.md" in reading["text"] and reading["thread_ts"] == root
    assert not emulator.calls_to("assistant.threads.setStatus", channel_id=dm)  # not taken as a question
