"""Each question is answered exactly once, however often and however Slack delivers it, driven against the real
``dualuse serve --http`` and the emulator.

Slack can bring one message to the bot as several events: a retry of the same delivery (the same ``event_id``), a
redelivery under a new ``event_id`` (Slack has done this without any retry header), and a thread reply that mentions
the bot as both ``app_mention`` and ``message``. The deliveries below arrive together (released by a barrier) or
while the first answer is provably being written (the model has the request), and each test waits until every
delivery is accounted for, answered or skipped as already claimed, before it counts: no sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.openai_server import FakeOpenAI
from tests.slack.conftest import ServeProcess, serving_http, slow_openai_server
from tests.slack.emulator import BOT_USER_ID, SlackEmulator
from tests.slack.test_conversations import bot_thread
from tests.slack.test_http import HAGUE_QUESTION, mention, new_id, new_ts

pytestmark = pytest.mark.slow

MODEL_SECONDS = 1.5  # long enough that a second delivery lands while the first answer is being written


@pytest.fixture(scope="module")
def slow_model() -> Iterator[FakeOpenAI]:
    with slow_openai_server(MODEL_SECONDS) as server:
        yield server


@pytest.fixture(scope="module")
def bot(emulator: SlackEmulator, slack_data_dir: Path, slow_model: FakeOpenAI) -> Iterator[ServeProcess]:
    env = {
        "OPENAI_BASE_URL": slow_model.base_url,
        "DUALUSE_ANSWER_MODE": "llm",
        "DUALUSE_LLM_MODEL": "test-model",
        "DUALUSE_SLACK_WORKERS": "2",
    }
    with serving_http(slack_data_dir, emulator, env, slack_data_dir / "serve-once.log") as served:
        yield served


def deliver_together(bot: ServeProcess, deliveries: list[tuple[dict[str, Any], str, dict[str, str]]]) -> None:
    """Post every (event, event_id, headers) at the same moment, one thread each; all must be acknowledged."""
    barrier = threading.Barrier(len(deliveries))
    statuses: list[int] = []

    def send(event: dict[str, Any], event_id: str, headers: dict[str, str]) -> None:
        barrier.wait()
        statuses.append(bot.post_event(event, event_id, headers)[0])

    senders = [threading.Thread(target=send, args=delivery) for delivery in deliveries]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(30)
    assert statuses == [200] * len(deliveries)  # a duplicate is acknowledged too, or Slack would retry it


def skipped(bot: ServeProcess, event_ids: list[str]) -> int:
    """How many deliveries of these events the bot skipped as already claimed (its log says so, once for each)."""
    log = bot.log()
    return sum(log.count(f"skipping event {event_id}:") for event_id in event_ids)


def placeholders(emulator: SlackEmulator, channel: str, thread_ts: str) -> list[Any]:
    return emulator.calls_to("chat.postMessage", channel=channel, thread_ts=thread_ts)


def answered_once(
    bot: ServeProcess, emulator: SlackEmulator, channel: str, thread_ts: str, event_ids: list[str], deliveries: int
) -> None:
    """Wait until all ``deliveries`` of ``event_ids`` are accounted for (a progress message each, or skipped), then
    require exactly one answer: one progress message, replaced by one message that carries the feedback buttons."""
    emulator.wait_for(
        lambda: len(placeholders(emulator, channel, thread_ts)) + skipped(bot, event_ids) >= deliveries, timeout=60
    )
    posted = placeholders(emulator, channel, thread_ts)
    assert len(posted) == 1, (
        f"{len(posted)} answers to one question: {[c.params.get('text') for c in posted]}; "
        f"{skipped(bot, event_ids)} of {deliveries} deliveries skipped"
    )
    progress_ts = posted[0].response["ts"]
    updates = emulator.wait_for(
        lambda: [
            c
            for c in emulator.calls_to("chat.update", channel=channel, ts=progress_ts)
            if any(b.get("type") == "actions" for b in c.params.get("blocks") or [])
        ],
        timeout=60,
    )
    assert len(updates) == 1
    assert skipped(bot, event_ids) == deliveries - 1


def as_message(event: dict[str, Any]) -> dict[str, Any]:
    """The ``message`` event Slack sends beside an ``app_mention`` for the same message."""
    return {**event, "type": "message", "channel_type": "channel"}


def test_one_message_delivered_under_two_event_ids_at_once_is_answered_once(
    bot: ServeProcess, emulator: SlackEmulator
) -> None:
    channel, ts = "C5000001", new_ts()
    event = mention(HAGUE_QUESTION, ts, channel=channel)
    first, again = new_id(), new_id()
    deliver_together(bot, [(event, first, {}), (event, again, {})])
    answered_once(bot, emulator, channel, ts, [first, again], deliveries=2)


def test_a_retry_and_a_redelivery_while_the_answer_is_being_written_are_skipped(
    bot: ServeProcess, emulator: SlackEmulator, slow_model: FakeOpenAI
) -> None:
    channel, ts = "C5000002", new_ts()
    event = mention(HAGUE_QUESTION, ts, channel=channel)
    first, redelivered = new_id(), new_id()
    asked = len(slow_model.requests)
    assert bot.post_event(event, first)[0] == 200
    emulator.wait_for(lambda: len(slow_model.requests) > asked)  # the first answer is being written now
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    deliver_together(bot, [(event, first, retry), (event, redelivered, {})])
    answered_once(bot, emulator, channel, ts, [first, redelivered], deliveries=3)


def test_a_thread_reply_that_arrives_as_mention_and_message_is_answered_once(
    bot: ServeProcess, emulator: SlackEmulator
) -> None:
    # The mention written with a label (how Slack may spell it, and how from_slack reads it) is not the bare
    # "<@U...>" the follow-up listener looks for, so both listeners take the message as theirs.
    channel = "C5000003"
    root = bot_thread(emulator, channel)
    reply = mention(HAGUE_QUESTION, new_ts(), channel=channel, thread_ts=root)
    reply["text"] = f"<@{BOT_USER_ID}|dualuse> {HAGUE_QUESTION}"
    as_mention, as_follow_up = new_id(), new_id()
    deliver_together(bot, [(reply, as_mention, {}), (as_message(reply), as_follow_up, {})])
    answered_once(bot, emulator, channel, root, [as_mention, as_follow_up], deliveries=2)


def test_a_mention_in_a_thread_the_bot_is_not_in_is_answered_even_when_its_message_event_comes_first(
    bot: ServeProcess, emulator: SlackEmulator
) -> None:
    # The follow-up listener reads the thread, finds the bot is not in it and leaves the message alone: it must not
    # have claimed the question by then, or the mention would be skipped and never answered.
    channel, root = "C5000004", new_ts()
    emulator.seed(channel, {"type": "message", "user": "U0000077", "ts": root, "text": "a conversation"})
    reply = mention(HAGUE_QUESTION, new_ts(), channel=channel, thread_ts=root)
    reply["text"] = f"<@{BOT_USER_ID}|dualuse> {HAGUE_QUESTION}"
    as_follow_up, as_mention = new_id(), new_id()
    assert bot.post_event(as_message(reply), as_follow_up)[0] == 200
    emulator.wait_for(lambda: emulator.calls_to("conversations.replies", channel=channel, ts=root))
    assert bot.post_event(reply, as_mention)[0] == 200
    posted = emulator.wait_for(lambda: placeholders(emulator, channel, root), timeout=60)
    emulator.wait_for(lambda: emulator.calls_to("chat.update", channel=channel, ts=posted[0].response["ts"]))
    assert len(placeholders(emulator, channel, root)) == 1
    assert skipped(bot, [as_mention]) == 0
