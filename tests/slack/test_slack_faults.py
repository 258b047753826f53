"""Slack answering 429 and 5xx in bursts: every question still gets exactly one reply, and Retry-After is honoured.

A real ``dualuse serve --http`` process talks to the emulator, which answers the next N calls of a method with 429
(Retry-After: 1) or 500/503 while several questions are in flight.
"""

from __future__ import annotations

import pytest

from tests.slack.conftest import ServeProcess
from tests.slack.emulator import Call, SlackEmulator
from tests.slack.test_http import HAGUE_QUESTION, all_text, mention, new_id, new_ts

pytestmark = pytest.mark.slow

QUESTIONS = 4
RETRY_AFTER = 1


def ask_at_once(http_bot: ServeProcess, prefix: str) -> list[tuple[str, str]]:
    """QUESTIONS mentions, each in its own channel; returns (channel, ts) of each."""
    asked = []
    for n in range(QUESTIONS):
        channel, ts = f"C{prefix}{n:04d}", new_ts()
        assert http_bot.post_event(mention(HAGUE_QUESTION, ts, channel=channel), new_id())[0] == 200
        asked.append((channel, ts))
    return asked


def accepted(emulator: SlackEmulator, method: str, **match: str) -> list[Call]:
    """The calls of ``method`` matching ``match`` that Slack accepted (not the refused attempts)."""
    return [call for call in emulator.calls_to(method, **match) if call.response]


def one_reply_each(emulator: SlackEmulator, asked: list[tuple[str, str]]) -> None:
    """Each question: one placeholder posted, one update that turns it into the answer, no apology, nothing else."""
    for channel, ts in asked:
        posted = emulator.wait_for(
            lambda c=channel, t=ts: accepted(emulator, "chat.postMessage", channel=c, thread_ts=t)
        )
        placeholder = posted[0].response["ts"]
        updates = emulator.wait_for(
            lambda c=channel, p=placeholder: accepted(emulator, "chat.update", channel=c, ts=p), timeout=60
        )
        assert "Hague Ethical Guidelines" in all_text(updates[0].params["blocks"])
    for channel, ts in asked:  # and nothing more arrives (a duplicate would come from a late retry)
        accepted_posts = accepted(emulator, "chat.postMessage", channel=channel)
        accepted_updates = accepted(emulator, "chat.update", channel=channel)
        assert len(accepted_posts) == 1 and accepted_posts[0].params["thread_ts"] == ts
        assert len(accepted_updates) == 1
        assert not emulator.calls_to("chat.postEphemeral", channel=channel)
        assert not emulator.calls_to("chat.delete", channel=channel)


def same_call(a: Call, b: Call) -> bool:
    keys = ("channel", "thread_ts", "ts", "text")
    return a.method == b.method and all(a.params.get(k) == b.params.get(k) for k in keys)


def waits_after(emulator: SlackEmulator, status: int) -> list[float]:
    """For each refused call, the seconds until the same call came again."""
    calls = list(emulator.calls)
    waits = []
    for i, refused in enumerate(calls):
        if refused.status != status:
            continue
        again = next(c for c in calls[i + 1 :] if same_call(c, refused))
        waits.append(again.at - refused.at)
    return waits


def test_bursts_of_429_are_retried_after_retry_after_with_one_reply_each(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    emulator.fail("chat.postMessage", 429, times=3, retry_after=RETRY_AFTER)
    asked = ask_at_once(http_bot, "RL")
    emulator.wait_for(lambda: emulator.failures["chat.postMessage"].times == 0)
    emulator.fail("chat.update", 429, times=3, retry_after=RETRY_AFTER)
    one_reply_each(emulator, asked)
    waits = waits_after(emulator, 429)
    assert len(waits) >= 3
    assert min(waits) >= RETRY_AFTER - 0.05, waits  # Retry-After honoured (slack_sdk adds up to 1 s of jitter)
    print(f"429: {len(waits)} refused calls, retried after {min(waits):.2f}-{max(waits):.2f} s")


def test_bursts_of_500_and_503_are_retried_with_one_reply_each(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    emulator.fail("chat.postMessage", 500, times=3)
    asked = ask_at_once(http_bot, "SE")
    emulator.wait_for(lambda: emulator.failures["chat.postMessage"].times == 0)
    emulator.fail("chat.update", 503, times=3)
    one_reply_each(emulator, asked)
    refused = [c for c in emulator.calls if c.status in (500, 503)]
    assert {c.status for c in refused} == {500, 503}
    assert "Traceback" not in http_bot.log()
    waits = waits_after(emulator, 500) + waits_after(emulator, 503)
    print(f"5xx: {len(refused)} refused calls, retried after {min(waits):.2f}-{max(waits):.2f} s")
