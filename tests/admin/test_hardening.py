"""Issue 14, items 1-5: what an attacker (and an unlucky operator) found on the admin page, each reproduced."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from pydantic import SecretStr
from sqlalchemy import text

from bot.admin import admin_token, build_app
from bot.admin._security import COOKIE, Guard
from bot.answerlog import AnswerLog, load_or_create_secret
from bot.settings import load_settings
from ingest.errors import ConfigurationError
from tests.admin.conftest import TOKEN, csrf_of, sign_in


def _payload(cookie: str) -> dict:
    _, payload = URLSafeTimedSerializer("any key").loads_unsafe(cookie)
    return payload


# -- 1. the anonymous cookie gives nothing to guess the token offline; weak tokens are refused --------------------
def test_the_anonymous_cookie_carries_nothing_derived_from_the_token(client: TestClient) -> None:
    client.get("/login")
    cookie = client.cookies[COOKIE]
    payload = _payload(cookie)
    assert set(payload) <= {"auth", "csrf", "sid"}, payload
    old_fingerprint = hashlib.sha256(b"dualuse-admin:" + TOKEN.encode()).hexdigest()[:16]
    assert old_fingerprint not in json.dumps(payload)
    # Without the session secret, no candidate token reproduces the signature (the signing key needs both).
    for guess in (TOKEN, "wrong-token-guess-0123"):
        guessed = URLSafeTimedSerializer(hashlib.sha256(guess.encode()).hexdigest(), salt="dualuse-admin-session")
        with pytest.raises(Exception):  # noqa: B017 - itsdangerous.BadSignature
            guessed.loads(cookie)


@pytest.mark.parametrize(
    "weak",
    [
        "aaaaaaaaaaaaaaaa",
        "password12345678",
        "abcdefghijklmnopqr",
        "0123456789012345",
        "adminadminadmin1",
        "qwertyuiopasdfgh",
    ],
)
def test_weak_admin_tokens_are_refused(isolated_environment: Path, weak: str) -> None:
    with pytest.raises(ConfigurationError, match="DUALUSE_ADMIN_TOKEN is too weak"):
        admin_token(load_settings(admin_token=weak))


def test_random_admin_tokens_are_accepted(isolated_environment: Path) -> None:
    for _ in range(300):
        token = secrets.token_urlsafe(24)
        assert admin_token(load_settings(admin_token=token)) == token
    assert admin_token(load_settings(admin_token="correct horse battery staple")) == "correct horse battery staple"


def test_changing_the_token_still_signs_everyone_out(settings, seeded_log: AnswerLog) -> None:
    with TestClient(build_app(settings, seeded_log), base_url="http://127.0.0.1:8000") as first:
        sign_in(first)
        cookie = first.cookies[COOKIE]
    other = settings.model_copy(update={"admin_token": SecretStr("Zk3-other-token-" + secrets.token_hex(8))})
    with TestClient(build_app(other, seeded_log), base_url="http://127.0.0.1:8000") as second:
        second.cookies.set(COOKIE, cookie)
        assert second.get("/answers", follow_redirects=False).status_code == 303


# -- 2. forwarded headers are not trusted unless configured; a known browser is not locked out -------------------
def _fail_sign_in(client: TestClient, headers: dict[str, str] | None = None) -> int:
    csrf = csrf_of(client.get("/login").text)
    return client.post("/login", data={"token": "guess-" + secrets.token_hex(4), "csrf_token": csrf}, headers=headers)


def test_forwarded_for_from_an_untrusted_client_does_not_reset_the_limit(client: TestClient, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.admin._security")
    for n in range(5):
        assert _fail_sign_in(client, {"X-Forwarded-For": f"203.0.113.{n}"}).status_code == 401
    blocked = _fail_sign_in(client, {"X-Forwarded-For": "198.51.100.7"})
    assert blocked.status_code == 429
    api = client.get("/api/answers", headers={"Authorization": "Bearer x", "X-Forwarded-For": "198.51.100.8"})
    assert api.status_code == 429
    assert "203.0.113" not in caplog.text and "198.51.100" not in caplog.text, "the logged address was spoofed"


def test_forwarded_for_from_a_trusted_proxy_names_the_client(settings, seeded_log: AnswerLog, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.admin._security")
    trusted = settings.model_copy(update={"admin_trusted_proxies": "127.0.0.1, 10.0.0.0/8"})
    app = build_app(trusted, seeded_log)
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 40000)) as client:
        for _ in range(5):
            assert _fail_sign_in(client, {"X-Forwarded-For": "198.51.100.7, 10.1.2.3"}).status_code == 401
        assert _fail_sign_in(client, {"X-Forwarded-For": "198.51.100.7"}).status_code == 429
        assert _fail_sign_in(client, {"X-Forwarded-For": "198.51.100.9"}).status_code == 401, "another client"
        # A client cannot hide behind a forged entry on the left: the rightmost untrusted address counts.
        assert _fail_sign_in(client, {"X-Forwarded-For": "1.2.3.4, 198.51.100.7"}).status_code == 429
    assert "failed admin sign-in from 198.51.100.7" in caplog.text


def test_a_browser_that_signed_in_before_is_not_locked_out_by_others_failures(client: TestClient) -> None:
    sign_in(client)
    device = client.cookies["dualuse_admin_device"]
    client.cookies.clear()
    for _ in range(5):  # an attacker behind the same proxy address
        assert _fail_sign_in(client).status_code == 401
    assert _fail_sign_in(client).status_code == 429
    client.cookies.clear()
    client.cookies.set("dualuse_admin_device", device)
    sign_in(client)  # the real admin's browser still gets in
    assert client.get("/answers").status_code == 200


# -- 3. logout ends the session on the server ---------------------------------------------------------------------
def test_a_copied_session_cookie_is_dead_after_logout(client: TestClient) -> None:
    sign_in(client)
    stolen = client.cookies[COOKIE]
    page = client.get("/answers")
    assert client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set(COOKIE, stolen)
    assert client.get("/answers", follow_redirects=False).status_code == 303


# -- 4. far-future dates and the 500 page -------------------------------------------------------------------------
def test_the_last_possible_date_is_not_a_server_error(client: TestClient) -> None:
    sign_in(client)
    for path in ("/answers?until=9999-12-31", "/gaps?until=9999-12-31", "/answers?since=0001-01-01&until=9999-12-31"):
        assert client.get(path).status_code == 200, path
    api = client.get("/api/answers?until=9999-12-31", headers={"Authorization": f"Bearer {TOKEN}"})
    assert api.status_code == 200 and api.json()["total"] == 3


def test_a_server_error_page_has_the_security_headers(settings, seeded_log: AnswerLog) -> None:
    with seeded_log.engine.begin() as connection:
        connection.execute(text("DROP TABLE review_actions"))  # a broken database: the detail page fails
    app = build_app(settings, seeded_log)
    with TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False) as client:
        sign_in(client)
        answer_id = seeded_log.list().items[0].id
        response = client.get(f"/answers/{answer_id}")
    assert response.status_code == 500
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-frame-options"] == "DENY" and "Traceback" not in response.text


# -- 5. the session secret under concurrent first use -------------------------------------------------------------
def test_a_secret_file_being_written_by_another_process_is_never_read_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "admin-session.key"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # another process created it, not written
    with pytest.raises(ConfigurationError, match="is empty"):
        load_or_create_secret(path)


def test_an_empty_session_secret_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        Guard(TOKEN, "", store=None)


def _first_use(args: tuple[str, int]) -> str:
    folder, trial = args
    return load_or_create_secret(Path(folder) / f"trial-{trial}.key")


def test_concurrent_first_use_agrees_on_one_secret(tmp_path: Path) -> None:
    trials, workers = 150, 6
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for trial in range(trials):
            got = pool.map(_first_use, [(str(tmp_path), trial)] * workers)
            assert len(set(got)) == 1 and got[0], f"trial {trial}: {got}"
    assert oct((tmp_path / "trial-0.key").stat().st_mode & 0o777) == "0o600"


@pytest.mark.slow
def test_the_real_admin_process_ignores_forwarded_for_from_local_clients(isolated_environment: Path) -> None:
    """uvicorn believed X-Forwarded-For from 127.0.0.1, so any local client reset its failure count."""
    import httpx

    from tests.admin.test_browser import running_admin

    with running_admin() as url:
        for n in range(5):
            wrong = httpx.get(
                f"{url}/api/answers", headers={"Authorization": "Bearer nope", "X-Forwarded-For": f"203.0.113.{n}"}
            )
            assert wrong.status_code == 401
        blocked = httpx.get(
            f"{url}/api/answers", headers={"Authorization": "Bearer nope", "X-Forwarded-For": "198.51.100.1"}
        )
        assert blocked.status_code == 429
