"""The admin page's nudges: the list (message, nudge, topic, score, feedback, channel, time) and the dashboard chart."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from bot.answerlog import AnswerLog
from tests.admin.conftest import sign_in
from tests.slack.nudge_helpers import NUDGE_CITATION

MESSAGE = "<script>alert(1)</script> we fine-tune the protein designer on toxins"


def record_nudge(log: AnswerLog, channel: str = "C0ADMIN001") -> str:
    nudges = log.nudges
    nudges.set_watching(channel, True, user="U0MEMBER01", at=datetime(2027, 1, 12, 9))
    nudges.record(
        "a" * 32,
        channel=channel,
        user="U0AUTHOR1",
        thread_ts="1700000000.000100",
        message_ts="1700000000.000100",
        message=MESSAGE,
        text="Screening helps.\n[1] A code of conduct\nQuestions about this? Ask @dualuse here in the thread.",
        citation=NUDGE_CITATION,
        topic="protein_design",
        kind="guidance",
        score=0.87,
        at=datetime.now(),
    )
    nudges.record_feedback("a" * 32, "useful", "U0MEMBER01")
    nudges.record_feedback("a" * 32, "dont_nudge", "U0000042")
    return "a" * 32


def test_the_nudges_page_lists_each_nudge_with_its_message_score_and_feedback(
    client: TestClient, seeded_log: AnswerLog
) -> None:
    record_nudge(seeded_log)
    assert client.get("/nudges", follow_redirects=False).status_code == 303  # behind sign-in
    sign_in(client)
    page = client.get("/nudges")
    assert page.status_code == 200
    html = page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; we fine-tune" in html and "<script>alert" not in html
    assert "Screening helps.<br>[1] A code of conduct" in html
    for shown in ("C0ADMIN001", "protein_design", "0.87", "useful", "dont nudge", "1 nudge"):
        assert shown in html, shown
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "0 nudges" in client.get("/nudges?channel=C0OTHER").text
    assert client.get("/nudges?page=x").status_code == 400


def test_the_dashboard_charts_nudges_per_channel_and_their_usefulness(
    client: TestClient, seeded_log: AnswerLog
) -> None:
    sign_in(client)
    assert "No nudges in this period." in client.get("/dashboard").text
    record_nudge(seeded_log)
    html = client.get("/dashboard").text
    assert "Nudges per channel" in html and "C0ADMIN001: 1 useful" in html and "1 · 50% useful" in html
    stats = seeded_log.stats(30)
    assert stats.total == 3 and "useful" not in stats.feedback  # nudges are not counted as answers
