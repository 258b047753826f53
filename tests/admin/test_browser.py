"""End to end in headless Chromium: the real `dualuse admin` process, a real browser, then `dualuse ask`.

Needs Debian's chromium (`apt-get install -y chromium`); driven through Playwright's Python API.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bot.answerlog import CORRECTION_NOTICE, open_answer_log
from bot.cli import app as cli_app
from bot.core.engine import AnswerEngine
from bot.settings import load_settings
from tests.admin.conftest import SCRIPT_QUESTION, TOKEN, csrf_of
from tests.servers import free_port, stop_process, wait_for_url

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
QUESTION = "What does the UN say about autonomous weapons?"
REWORDED = "What is the UN's position on autonomous weapons?"
CORRECTION = "The UN Secretary-General calls for a legally binding instrument on autonomous weapons by 2026."


@contextmanager
def running_admin() -> Iterator[str]:
    """`dualuse admin` as a real process on a free loopback port, until the block ends."""
    executable = shutil.which("dualuse", path=os.path.dirname(sys.executable)) or shutil.which("dualuse")
    assert executable, "the dualuse console script is not installed"
    port = free_port()
    env = {**os.environ, "DUALUSE_ADMIN_TOKEN": TOKEN}
    process = subprocess.Popen(
        [executable, "admin", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_url(
            f"{url}/healthz", process, details=lambda: process.stderr.read() if process.poll() is not None else ""
        )
        yield url
    finally:
        stop_process(process, timeout=10)


@pytest.fixture
def seeded(isolated_environment: Path, shipped_index_dir: Path, shipped_engine: AnswerEngine) -> Path:
    shutil.copytree(shipped_index_dir, isolated_environment / "index")
    log = open_answer_log(load_settings())
    for question, surface in ((QUESTION, "cli"), ("What is the capital of Peru?", "slack"), (SCRIPT_QUESTION, "slack")):
        log.record(shipped_engine.ask(question), surface=surface, channel="C1", user="U1")
    log.close()
    return isolated_environment


@pytest.fixture
def admin_url(seeded: Path) -> Iterator[str]:
    with running_admin() as url:
        yield url


@pytest.fixture
def page(admin_url: str):  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true requires it")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=admin_url)
        context.set_default_timeout(15_000)
        yield context.new_page()
        browser.close()


def test_admin_signs_in_filters_flags_and_corrects(page, admin_url: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto("/answers")
    expect(page).to_have_url(f"{admin_url}/login?next=/answers")
    page.fill("#token", "wrong-token-wrong-token")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("That token is not correct.")
    page.fill("#token", TOKEN)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{admin_url}/answers")
    expect(page.locator("#count")).to_have_text("3 answers")
    # The question containing <script> is shown as text, never run.
    expect(page.get_by_role("link", name=SCRIPT_QUESTION)).to_be_visible()

    page.select_option("select[name=status]", "no_answer")
    page.fill("input[name=q]", "peru")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#count")).to_have_text("1 answer")
    expect(page.get_by_role("link", name="What is the capital of Peru?")).to_be_visible()
    page.fill("input[name=q]", "autonomous")
    page.select_option("select[name=status]", "answered")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#count")).to_have_text("1 answer")

    page.get_by_role("link", name=QUESTION).click()
    expect(page.locator("#question")).to_have_text(QUESTION)
    expect(page.locator("#passages tbody tr")).not_to_have_count(0)
    expect(page.locator("#review-state")).to_have_text("unreviewed")

    page.fill("input[name=note]", "cites the wrong speech")
    page.click("button[name=flag]")
    expect(page.get_by_role("status")).to_have_text("Flagged for follow-up.")
    expect(page.locator("#review-state")).to_have_text("flagged")
    expect(page.locator("#history")).to_contain_text("cites the wrong speech")

    page.fill("#corrected_answer", CORRECTION)
    page.click("button[name=save-correction]")
    expect(page.get_by_role("status")).to_contain_text("Correction saved")
    expect(page.locator("#review-state")).to_have_text("corrected")
    expect(page.locator("#correction")).to_have_text(CORRECTION)

    page.goto("/dashboard")
    expect(page.locator("svg.chart")).to_have_count(5)  # per day, feedback, documents, refusals by area, nudges
    page.goto("/gaps")
    expect(page.get_by_role("link", name="What is the capital of Peru?")).to_be_visible()

    # The next similar question, asked from the command line, gets the correction and says it was reviewed.
    result = CliRunner().invoke(cli_app, ["ask", REWORDED, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["answer"] == CORRECTION and answer["notice"] == CORRECTION_NOTICE
    assert answer["citations"], "the correction keeps the original answer's sources"

    # ... and that answer is logged too, visible to the admin as served from a correction.
    listing = httpx.get(f"{admin_url}/api/answers?q=position", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert listing["total"] == 1 and listing["items"][0]["reviewed"] is True
    assert httpx.get(f"{admin_url}/api/answers").status_code == 401


def test_reviews_survive_a_restart(seeded: Path) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with running_admin() as url, httpx.Client(base_url=url) as browser:
        answer_id = httpx.get(f"{url}/api/answers?status=answered&q=autonomous", headers=auth).json()["items"][0]["id"]
        form = browser.get("/login").text
        browser.post("/login", data={"token": TOKEN, "csrf_token": csrf_of(form), "next": "/"})
        detail = browser.get(f"/answers/{answer_id}").text
        flagged = browser.post(
            f"/answers/{answer_id}/review", data={"action": "flag", "note": "check", "csrf_token": csrf_of(detail)}
        )
        assert flagged.status_code == 303
    with running_admin() as url:
        record = httpx.get(f"{url}/api/answers/{answer_id}", headers=auth).json()
        assert record["review_state"] == "flagged" and record["reviews"][0]["note"] == "check"
        assert httpx.get(f"{url}/api/answers", headers=auth).json()["total"] == 3
