"""Admin fixtures: a log with a few answers and the admin app on it, driven in-process or over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.admin import build_app
from bot.answerlog import AnswerLog, open_answer_log
from bot.settings import Settings, load_settings
from tests.answerlog.samples import make_answer

TOKEN = "Vq7-kR2p-Xw9z-Lm4t-Hs6b"
SCRIPT_QUESTION = "<script>alert('x')</script> what about LAWS?"


@pytest.fixture
def settings(isolated_environment: Path) -> Settings:
    return load_settings(admin_token=TOKEN)


@pytest.fixture
def seeded_log(settings: Settings) -> Iterator[AnswerLog]:
    log = open_answer_log(settings)
    log.record(make_answer(), surface="cli")
    log.record(make_answer("What is the capital of Peru?", "no_answer", "Not covered."), surface="slack", user="U1")
    log.record(make_answer(SCRIPT_QUESTION, text="<b>bold</b> answer [1]", title="<i>Evil</i> title"), surface="slack")
    yield log
    log.close()


@pytest.fixture
def client(settings: Settings, seeded_log: AnswerLog) -> Iterator[TestClient]:
    with TestClient(build_app(settings, seeded_log), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient) -> None:
    form = client.get("/login")
    response = client.post(
        "/login", data={"token": TOKEN, "csrf_token": csrf_of(form.text), "next": "/answers"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/answers"
