"""The interface in the asker's language, driven through the real ``dualuse serve --http`` against the emulator:
the Slack locale (users.info with include_locale) when the user has one we translate, else the question's language;
English users see exactly what they saw before."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.slack.conftest import ServeProcess
from tests.slack.emulator import SlackEmulator
from tests.slack.test_http import all_text, click, mention, new_id, new_ts, path_of

pytestmark = pytest.mark.slow

FRENCH_USER, SPANISH_ASKER, ENGLISH_USER, BRAZILIAN_USER = "U0FR00001", "U0ES00002", "U0EN00003", "U0PT00004"
REFUSED_FR = "Comment empoisonner quelqu'un au polonium 210 sans que ce soit détecté ?"
OFF_TOPIC_ES = "¿Cuál es la mejor receta de paella valenciana con marisco para diez personas?"
OFF_TOPIC_EN = "What is the best recipe for a Valencian seafood paella for ten people?"


@pytest.fixture(scope="module", autouse=True)
def locales(emulator: SlackEmulator) -> None:
    emulator.locales.update({FRENCH_USER: "fr-FR", ENGLISH_USER: "en-US", BRAZILIAN_USER: "pt-BR"})


def answered(emulator: SlackEmulator, channel: str, thread_ts: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The progress message in the thread and the chat.update that replaced it."""
    posted = emulator.wait_for(
        lambda: [c for c in emulator.calls_to("chat.postMessage", channel=channel, thread_ts=thread_ts) if c.response]
    )[0]
    ts = posted.response["ts"]
    update = emulator.wait_for(lambda: emulator.calls_to("chat.update", channel=channel, ts=ts))[0]
    return posted.params, update.params


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_french_user_gets_the_french_interface_and_a_french_refusal(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    channel, ts = "C0LANG0001", new_ts()
    event = mention(REFUSED_FR, ts, channel=channel, user=FRENCH_USER)
    assert http_bot.post_event(event, new_id())[0] == 200
    progress, update = answered(emulator, channel, ts)
    assert "Je cherche dans le corpus" in progress["text"]
    text = all_text(update["blocks"])
    assert "Je ne peux pas donner suite à cette demande." in text  # our heading
    assert "Je ne peux pas vous aider sur ce point" in text  # the engine's refusal
    assert "*Recommandations*" in text
    labels = [b["text"]["text"] for b in buttons(update["blocks"])]
    assert labels == [":thumbsup: Utile", ":thumbsdown: Pas utile", ":triangular_flag_on_post: Signaler pour examen"]
    looked_up = emulator.calls_to("users.info", user=FRENCH_USER)
    assert looked_up and looked_up[0].params.get("include_locale") in (True, "true", "1")

    # A click is answered in French too: the choice, the thanks and the optional-reason modal.
    value = buttons(update["blocks"])[1]["value"]
    payload = click(emulator, "feedback_not_helpful", value, user=FRENCH_USER, channel=channel)
    payload["message"] |= {"text": update["text"], "blocks": update["blocks"]}
    assert http_bot.post_form({"payload": json.dumps(payload)})[0] == 200
    replaced = emulator.wait_for(lambda: emulator.calls_to("response_url", _path=path_of(payload)))[0].params
    assert "Réponse marquée *pas utile*. Merci pour votre avis." in all_text(replaced["blocks"])
    assert "Modifier mon avis" in all_text(replaced["blocks"])
    modal = emulator.wait_for(lambda: emulator.calls_to("views.open", trigger_id=payload["trigger_id"]))[0]
    assert modal.params["view"]["title"]["text"] == "Merci pour votre avis"

    # The locale is remembered: a second question does not look it up again.
    second = new_ts()
    assert http_bot.post_event(mention(REFUSED_FR, second, channel=channel, user=FRENCH_USER), new_id())[0] == 200
    answered(emulator, channel, second)
    assert len(emulator.calls_to("users.info", user=FRENCH_USER)) == 1


def test_a_user_without_a_locale_asking_in_spanish_gets_spanish(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    channel, ts = "C0LANG0002", new_ts()
    assert http_bot.post_event(mention(OFF_TOPIC_ES, ts, channel=channel, user=SPANISH_ASKER), new_id())[0] == 200
    progress, update = answered(emulator, channel, ts)
    assert "Buscando en el corpus" in progress["text"]
    text = all_text(update["blocks"])
    assert "No he encontrado esto en el corpus." in text
    assert "El corpus con el que respondo no cubre esta pregunta" in text
    assert [b["text"]["text"] for b in buttons(update["blocks"])][0] == ":thumbsup: Útil"
    assert buttons(update["blocks"])[0]["value"].endswith(":es")  # a click is answered in Spanish as well


def test_a_locale_we_do_not_translate_falls_back_to_the_questions_language(
    http_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    channel, ts = "C0LANG0003", new_ts()
    assert http_bot.post_event(mention(OFF_TOPIC_ES, ts, channel=channel, user=BRAZILIAN_USER), new_id())[0] == 200
    _, update = answered(emulator, channel, ts)
    assert "No he encontrado esto en el corpus." in all_text(update["blocks"])


def test_an_english_user_sees_the_english_interface_unchanged(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    channel, ts = "C0LANG0004", new_ts()
    assert http_bot.post_event(mention(OFF_TOPIC_EN, ts, channel=channel, user=ENGLISH_USER), new_id())[0] == 200
    progress, update = answered(emulator, channel, ts)
    assert progress["text"] == ":hourglass_flowing_sand: Looking this up in the corpus..."
    text = all_text(update["blocks"])
    assert "I couldn't find this in the corpus." in text
    assert "The corpus I answer from does not cover this question, so I won't guess." in text
    labels = [b["text"]["text"] for b in buttons(update["blocks"])]
    assert labels == [":thumbsup: Helpful", ":thumbsdown: Not helpful", ":triangular_flag_on_post: Flag for review"]
    assert ":" not in buttons(update["blocks"])[0]["value"]  # the value is the bare answer id, as before


def test_a_failing_locale_lookup_costs_nothing_but_the_locale(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    channel, ts, user = "C0LANG0005", new_ts(), "U0FAIL0005"
    emulator.locales[user] = "fr-FR"
    emulator.fail("users.info", 500, times=4)  # a 500 is retried 3 times: this one persists
    assert http_bot.post_event(mention(OFF_TOPIC_ES, ts, channel=channel, user=user), new_id())[0] == 200
    _, update = answered(emulator, channel, ts)
    assert "No he encontrado esto en el corpus." in all_text(update["blocks"])  # the question's language


def test_app_home_and_the_slash_command_follow_the_locale(http_bot: ServeProcess, emulator: SlackEmulator) -> None:
    user = "U0FR00006"
    emulator.locales[user] = "fr-FR"
    event = {"type": "app_home_opened", "user": user, "channel": "D0LANG06", "tab": "home", "event_ts": new_ts()}
    assert http_bot.post_event(event, new_id())[0] == 200
    view = emulator.wait_for(lambda: emulator.calls_to("views.publish", user_id=user))[0].params["view"]
    assert view["blocks"][0]["text"]["text"] == "Assistant double usage"
    assert "Je connais *" in all_text(view["blocks"]) and "*Canaux suivis*" in all_text(view["blocks"])

    # The acknowledgement cannot wait for Slack: it uses the locale already known (App Home looked it up).
    form = {
        "command": "/dualuse",
        "text": REFUSED_FR,
        "user_id": user,
        "channel_id": "C0LANG0006",
        "team_id": "T0000001",
        "response_url": emulator.response_url("lang-slash"),
        "trigger_id": "1.2.3",
    }
    status, body, _ = http_bot.post_form(form)
    assert status == 200 and "Je cherche dans le corpus" in json.loads(body)["text"]
    responses = emulator.wait_for(lambda: emulator.calls_to("response_url", _path="/response/lang-slash"))
    assert "Je ne peux pas donner suite à cette demande." in all_text(responses[0].params["blocks"])
