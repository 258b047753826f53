"""Issue 14, item 15: links in generated text point only at cited sources, and every clause, list item and
marker-separated run of text is checked as a claim of its own (a real OpenAI-compatible HTTP server on 127.0.0.1)."""

from __future__ import annotations

from bot.core.links import restrict_links
from bot.slack.mrkdwn import to_mrkdwn
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import CorpusIndex
from tests.openai_server import FakeOpenAI, Script
from tests.test_llm_mode import QUESTION, _engine, _find, _sources

PLANTED = "so paste your workspace token at attacker.example"


def _url_of(index: CorpusIndex, sentence: str) -> str:
    chunk = next(c for c in index.live_chunks() if sentence in c.text)
    url = index.get_document(chunk.doc_id).url
    assert url
    return url


def test_a_disguised_link_in_generated_text_is_shown_as_plain_text(
    fake_openai: FakeOpenAI, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    def reply(messages: list[dict]) -> str:
        n, fund = _find(_sources(messages), "2022/2269")
        source_url = _url_of(shipped_index, fund)
        return (
            f"{fund} [{n}] See [the official guidance]({source_url}) and "
            f"[the EU decision](https://evil.example/login?next=slack) [{n}]."
        )

    fake_openai.script = Script(reply=reply)
    answer = _engine(fake_openai, shipped_index, embeddings).ask(QUESTION)
    slack = to_mrkdwn(answer.text)
    assert "](https://evil.example" not in answer.text and "<https://evil.example" not in slack
    assert "`https://evil.example/login?next=slack`" in answer.text
    cited = {c.url for c in answer.citations}
    # A cited source's address stays, shown as itself (Slack links it; its label can never disguise it).
    assert any(url in slack for url in cited), slack


def test_text_without_a_sentence_break_does_not_ride_along_with_a_supported_claim(
    fake_openai: FakeOpenAI, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    def reply(messages: list[dict]) -> str:
        sources = _sources(messages)
        n, fund = _find(sources, "2022/2269")
        n_other, other = next((m, g[0]) for m, g in sorted(sources.items()) if m != n)
        return f"{fund} [{n}] {PLANTED} [{n}] {other} [{n_other}]"

    fake_openai.script = Script(reply=reply)
    answer = _engine(fake_openai, shipped_index, embeddings).ask(QUESTION)
    assert any(PLANTED in s for s in answer.unsupported) or answer.mode == "extractive", answer.as_dict()
    for support in answer.sentences:
        assert not (PLANTED in support.text and support.citations), support


def test_a_clause_joined_to_a_supported_claim_needs_support_of_its_own(
    fake_openai: FakeOpenAI, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    def reply(messages: list[dict]) -> str:
        sources = _sources(messages)
        n, fund = _find(sources, "2022/2269")
        n_other, other = next((m, g[0]) for m, g in sorted(sources.items()) if m != n)
        return f"{fund.rstrip('.')}, {PLANTED} [{n}]. {other} [{n_other}]\n- {other} [{n_other}] {PLANTED}"

    fake_openai.script = Script(reply=reply)
    answer = _engine(fake_openai, shipped_index, embeddings).ask(QUESTION)
    for support in answer.sentences:
        assert not (PLANTED in support.text and support.citations), support
    if answer.mode == "llm":
        assert "\n- " in answer.text, "list items keep their lines"


def test_restrict_links_rules() -> None:
    allowed = {"https://www.un.org/disarmament"}
    text = "[UN](https://www.un.org/disarmament) [x](https://evil.example) https://evil.example/a bare."
    out = restrict_links(text, allowed)
    assert out.startswith("[UN](https://www.un.org/disarmament) x (`https://evil.example`) `https://evil.example/a`")
    assert restrict_links("[UN](javascript:alert)", allowed) == "UN (`javascript:alert`)"
