"""Issue 16's end-to-end promise: a Slack user with a French locale gets the French interface and, in llm mode, an
answer written in French whose claims are verified against the English passages they cite. The real
``dualuse serve --http`` against the emulator, the model a local OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.openai_server import FakeOpenAI, Script
from tests.slack.conftest import ServeProcess, serving_http
from tests.slack.emulator import SlackEmulator
from tests.slack.test_http import all_text, mention, new_id, new_ts
from tests.slack.test_languages import answered, buttons
from tests.test_llm_languages import FUNDED, INVENTED, PREDECESSOR, QUESTION_FR, _french_reply

pytestmark = pytest.mark.slow

FRENCH_USER = "U0FRLLM001"


@pytest.fixture(scope="module")
def french_model() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(script=Script(reply=_french_reply)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def llm_bot(emulator: SlackEmulator, slack_data_dir: Path, french_model: FakeOpenAI) -> Iterator[ServeProcess]:
    emulator.locales[FRENCH_USER] = "fr-FR"
    env = {
        "OPENAI_BASE_URL": french_model.base_url,
        "DUALUSE_ANSWER_MODE": "llm",
        "DUALUSE_LLM_MODEL": "test-model",
    }
    with serving_http(slack_data_dir, emulator, env, slack_data_dir / "serve-french-llm.log") as served:
        yield served


def test_a_french_slack_user_gets_a_french_interface_and_a_verified_french_answer(
    llm_bot: ServeProcess, emulator: SlackEmulator, french_model: FakeOpenAI
) -> None:
    channel, ts = "C0FRLLM001", new_ts()
    assert llm_bot.post_event(mention(QUESTION_FR, ts, channel=channel, user=FRENCH_USER), new_id())[0] == 200
    progress, update = answered(emulator, channel, ts)
    assert "Je cherche dans le corpus" in progress["text"]
    text = all_text(update["blocks"])
    # The answer in French, its markers on the English passages it cites, the invented claim withheld.
    assert FUNDED in text and PREDECESSOR in text
    assert INVENTED not in text.split("Non étayé")[0]
    assert "is paid for by the European Union" in text  # the English quote, verbatim
    labels = [b["text"]["text"] for b in buttons(update["blocks"])]
    assert labels[0] == ":thumbsup: Utile"
    # The model was told which language to write in.
    system = [r["body"]["messages"][0]["content"] for r in french_model.requests]
    assert any("French" in prompt for prompt in system)
