"""``dualuse serve`` refuses missing or malformed settings with one line and exit status 1."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import app


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({}, [], "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, [], "SLACK_BOT_TOKEN is invalid"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, [], "SLACK_APP_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, [], "SLACK_APP_TOKEN is invalid"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, ["--http"], "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "short"}, ["--http"], "SLACK_SIGNING_SECRET is invalid"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": "slack.example"}, [], "SLACK_API_URL is invalid"),
    ],
)
def test_bad_settings_are_one_line(
    env: dict[str, str], args: list[str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.output
    for value in env.values():
        if value.startswith(("xoxb-", "xapp-")):
            assert value not in result.output


def test_a_token_slack_rejects_is_one_line(monkeypatch: pytest.MonkeyPatch, shipped_index_dir, tmp_path) -> None:
    """auth.test answers invalid_auth: the bot stops with one line instead of a traceback."""
    import shutil

    from tests.slack.emulator import SlackEmulator

    class Refusing(SlackEmulator):
        def _answer(self, method, params):  # type: ignore[no-untyped-def]
            return {"ok": False, "error": "invalid_auth"} if method == "auth.test" else super()._answer(method, params)

    emulator = Refusing().start()
    try:
        data_dir = tmp_path / "data"
        shutil.copytree(shipped_index_dir, data_dir / "index")
        monkeypatch.setenv("DUALUSE_DATA_DIR", str(data_dir))
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked-token")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "0123456789abcdef0123")
        monkeypatch.setenv("SLACK_API_URL", emulator.api_url)
        result = CliRunner().invoke(app, ["serve", "--http", "--port", "0"])
    finally:
        emulator.stop()
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN was not accepted by Slack" in result.output
    assert "invalid_auth" in result.output and "xoxb-revoked-token" not in result.output
