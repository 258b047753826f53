"""The admin app in-process: sign-in, CSRF, rate limiting, escaping, review actions and the JSON API."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bot.answerlog import AnswerLog
from bot.cli import app as cli_app
from tests.admin.conftest import SCRIPT_QUESTION, TOKEN, csrf_of, sign_in


def test_health_needs_no_sign_in(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_pages_redirect_to_sign_in(client: TestClient) -> None:
    response = client.get("/answers?status=no_answer", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/answers?status=no_answer"


def test_sign_in_sets_a_signed_httponly_cookie(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and 'type="password"' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    wrong = client.post("/login", data={"token": "nope", "csrf_token": csrf_of(page.text), "next": "/"})
    assert wrong.status_code == 401 and "That token is not correct." in wrong.text
    response = client.post(
        "/login", data={"token": TOKEN, "csrf_token": csrf_of(page.text), "next": "/answers"}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    assert client.get("/answers").status_code == 200
    tampered = client.cookies["dualuse_admin"][:-3] + "xyz"
    client.cookies.clear()
    client.cookies.set("dualuse_admin", tampered)
    assert client.get("/answers", follow_redirects=False).status_code == 303, "a tampered cookie is not a session"


def test_sign_in_never_redirects_off_site(client: TestClient) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"token": TOKEN, "csrf_token": csrf_of(page.text), "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_sign_in_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"token": TOKEN, "csrf_token": "forged"})
    assert response.status_code == 403


def test_failed_sign_ins_are_rate_limited(client: TestClient) -> None:
    csrf = csrf_of(client.get("/login").text)
    for _ in range(5):
        assert client.post("/login", data={"token": "guess", "csrf_token": csrf}).status_code == 401
    blocked = client.post("/login", data={"token": TOKEN, "csrf_token": csrf})
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0


def test_posts_need_the_session_csrf_token(client: TestClient, seeded_log: AnswerLog) -> None:
    sign_in(client)
    answer_id = seeded_log.list().items[0].id
    forged = client.post(f"/answers/{answer_id}/review", data={"action": "flag", "csrf_token": "x"})
    assert forged.status_code == 403
    cross_site = client.post(
        f"/answers/{answer_id}/review",
        data={"action": "flag", "csrf_token": csrf_of(client.get(f"/answers/{answer_id}").text)},
        headers={"Origin": "http://evil.example"},
    )
    assert cross_site.status_code == 403
    assert seeded_log.get(answer_id).reviews == []


def test_user_supplied_text_is_escaped(client: TestClient, seeded_log: AnswerLog) -> None:
    sign_in(client)
    listing = client.get("/answers").text
    assert "<script>alert" not in listing and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in listing
    answer_id = next(a.id for a in seeded_log.list().items if a.question == SCRIPT_QUESTION)
    detail = client.get(f"/answers/{answer_id}").text
    assert "<script>" not in detail and "<b>bold</b>" not in detail and "&lt;b&gt;bold&lt;/b&gt;" in detail
    assert "<i>Evil</i>" not in detail and "&lt;i&gt;Evil&lt;/i&gt; title" in detail
    assert "<i>Evil</i>" not in client.get("/dashboard").text


def test_list_filters_and_detail(client: TestClient, seeded_log: AnswerLog) -> None:
    sign_in(client)
    gaps = client.get("/answers?status=no_answer")
    assert "What is the capital of Peru?" in gaps.text and "autonomous weapons" not in gaps.text
    assert "1 answer" in gaps.text
    found = client.get("/answers?q=peru&review=unreviewed&feedback=none")
    assert "What is the capital of Peru?" in found.text
    bad = client.get("/answers?since=last-week")
    assert bad.status_code == 400 and "&#39;since&#39; must be a date like 2025-03-31" in bad.text

    answer_id = next(a.id for a in seeded_log.list().items if a.status == "answered" and "<" not in a.question)
    detail = client.get(f"/answers/{answer_id}").text
    for expected in ("Retrieved passages", "0.800", "UN Secretary-General on LAWS", "Not reviewed yet."):
        assert expected in detail
    assert client.get("/answers/does-not-exist").status_code == 404


def test_review_actions(client: TestClient, seeded_log: AnswerLog) -> None:
    sign_in(client)
    answer_id = seeded_log.list().items[-1].id
    csrf = csrf_of(client.get(f"/answers/{answer_id}").text)
    flagged = client.post(f"/answers/{answer_id}/review", data={"action": "flag", "note": "wrong", "csrf_token": csrf})
    assert flagged.status_code == 200 and "Flagged for follow-up." in flagged.text
    corrected = client.post(
        f"/answers/{answer_id}/review",
        data={
            "action": "correct",
            "corrected_answer": "Better.",
            "sources_shown": "1",
            "sources": ["un-sg-lethal-autonomous-weapons:1"],
            "csrf_token": csrf,
        },
    )
    assert corrected.status_code == 200 and "Correction saved" in corrected.text
    record = seeded_log.get(answer_id)
    assert [r.action for r in record.reviews] == ["flag", "correct"] and record.review_state == "corrected"
    assert [c.chunk_id for c in record.correction.sources] == ["un-sg-lethal-autonomous-weapons:1"]
    empty = client.post(f"/answers/{answer_id}/review", data={"action": "note", "note": " ", "csrf_token": csrf})
    assert empty.status_code == 400 and "the note is empty" in empty.text


def test_gaps_and_dashboard(client: TestClient) -> None:
    sign_in(client)
    gaps = client.get("/gaps").text
    assert "What is the capital of Peru?" in gaps and "UN Secretary-General on LAWS" in gaps
    dashboard = client.get("/dashboard?days=7").text
    assert dashboard.count("<svg") == 5 and "Questions per day by outcome" in dashboard  # 5th: nudges per channel
    assert "Refusals by harm area" in dashboard
    assert client.get("/dashboard?days=lots").status_code == 400
    assert client.get("/static/admin.css").status_code == 200


def test_json_api_needs_the_bearer_token(client: TestClient, seeded_log: AnswerLog) -> None:
    assert client.get("/api/answers").status_code == 401
    assert client.get("/api/answers", headers={"Authorization": "Bearer wrong"}).status_code == 401
    sign_in(client)
    assert client.get("/api/answers").status_code == 401, "a browser session is not an API credential"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    listing = client.get("/api/answers?status=no_answer", headers=auth).json()
    assert listing["total"] == 1 and listing["items"][0]["question"] == "What is the capital of Peru?"
    detail = client.get(f"/api/answers/{listing['items'][0]['id']}", headers=auth).json()
    assert detail["status"] == "no_answer" and len(detail["passages"]) == 3 and detail["user"].startswith("p_")
    assert client.get("/api/answers/nope", headers=auth).status_code == 404
    bad = client.get("/api/answers?feedback=love", headers=auth)
    assert bad.status_code == 400 and "unknown feedback" in bad.json()["error"]


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "error: DUALUSE_ADMIN_TOKEN is not set; the admin page needs it to sign in"),
        ("short", "error: DUALUSE_ADMIN_TOKEN is too short; use at least 16 random characters"),
        ("password12345678", "error: DUALUSE_ADMIN_TOKEN is too weak"),
    ],
)
def test_admin_refuses_to_start_without_a_token(
    isolated_environment: Path, monkeypatch: pytest.MonkeyPatch, token: str | None, message: str
) -> None:
    monkeypatch.delenv("DUALUSE_ADMIN_TOKEN", raising=False)
    if token:
        monkeypatch.setenv("DUALUSE_ADMIN_TOKEN", token)
    result = CliRunner().invoke(cli_app, ["admin", "--port", "8999"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(message) and len(result.stderr.strip().splitlines()) == 1
