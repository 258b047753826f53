"""Block Kit rendering: escaping, Markdown to mrkdwn, Slack's size limits, and the three layouts."""

from __future__ import annotations

from bot.core.answers import Answer, Citation
from bot.slack.blocks import MAX_BLOCKS, MAX_TEXT, render_answer
from bot.slack.mrkdwn import escape, split_text, to_mrkdwn


def citation(n: int, **overrides: object) -> Citation:
    values: dict = dict(
        n=n,
        doc_id=f"doc-{n}",
        title=f"Document {n}",
        publisher="UNODA",
        date="2024-05-01",
        url=f"https://example.org/{n}",
        section="Principles",
        page=3,
        quote="A quote.",
        score=0.8,
    )
    return Citation(**(values | overrides))


def answer(text: str, citations: list[Citation], status: str = "answered", **extra: object) -> Answer:
    return Answer(
        question="q?", status=status, text=text, citations=citations, mode="extractive", latency_ms=1.0, **extra
    )  # type: ignore[arg-type]


def texts(blocks: list[dict]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            if element.get("type") == "mrkdwn":
                out.append(element["text"])
    return out


def test_escaping_defuses_mentions_and_broadcasts() -> None:
    assert escape("<!channel> <@U123> a & b > c") == "&lt;!channel&gt; &lt;@U123&gt; a &amp; b &gt; c"


def test_markdown_becomes_mrkdwn() -> None:
    converted = to_mrkdwn("# Title\n**bold** and *italic* and ~~gone~~\n- item\n[UN](https://un.org/x?a=1&b=2) `a<b`")
    assert converted.splitlines() == [
        "*Title*",
        "*bold* and _italic_ and ~gone~",
        "• item",
        "UN (https://un.org/x?a=1&amp;b=2) `a&lt;b`",
    ]


def test_a_link_cannot_smuggle_a_broadcast() -> None:
    converted = to_mrkdwn("[<!here>](https://example.org) [x](javascript:alert(1)) <!channel>")
    assert "<!here>" not in converted and "<!channel>" not in converted
    assert "&lt;!here&gt; (https://example.org)" in converted


def test_document_text_is_escaped_in_sources() -> None:
    evil = citation(1, title="<!channel> Title", quote="ping <@U999> & <!here>", publisher="A <b>")
    blocks = render_answer(answer("Text [1]", [evil]), "id")[0].blocks
    shown = "\n".join(texts(blocks))
    assert "<!channel>" not in shown and "<@U999>" not in shown and "<!here>" not in shown
    assert "&lt;@U999&gt; &amp; &lt;!here&gt;" in shown


def test_long_answers_are_split_never_truncated() -> None:
    sentence = "Responsible innovation needs care and attention to dual-use risks. "
    long_text = sentence * 400  # about 27,000 characters
    citations = [citation(n, quote="Quoted passage. " * 30) for n in range(1, 61)]
    messages = render_answer(answer(long_text, citations), "id")
    assert len(messages) > 1
    for message in messages:
        assert len(message.blocks) <= MAX_BLOCKS
        for text in texts(message.blocks):
            assert len(text) <= MAX_TEXT
        assert len(message.text) <= 3001
    shown = "\n".join(t for m in messages for t in texts(m.blocks))
    assert shown.count("Responsible innovation needs care") == 400
    assert all(f"*[{n}]*" in shown for n in range(1, 61))
    assert messages[-1].blocks[-1]["type"] == "actions"  # feedback comes last
    assert sum(b["type"] == "actions" for m in messages for b in m.blocks) == 1


def test_split_text_keeps_everything() -> None:
    text = "word " * 2000 + "x" * 5000
    pieces = split_text(text, 3000)
    assert all(len(p) <= 3000 for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_split_text_does_not_cut_an_entity_or_link() -> None:
    text = "a" * 2996 + "&amp; and <https://example.org|link> " + "b" * 10
    pieces = split_text(text, 3000)
    assert pieces[0] == "a" * 2996 and pieces[1].startswith("&amp;")


def test_refused_and_no_answer_have_their_own_layouts() -> None:
    refused = render_answer(answer("I can't help with synthesis routes.", [citation(1)], "refused"), "a")[0]
    assert "can't help with that request" in refused.blocks[0]["text"]["text"]
    assert any("*Guidance*" in t for t in texts(refused.blocks))
    missing = answer("The corpus does not cover this.", [], "no_answer", suggestions=["export controls"])
    blocks = render_answer(missing, "b")[0].blocks
    assert "couldn't find this in the corpus" in blocks[0]["text"]["text"]
    assert any("export controls" in t for t in texts(blocks))
    assert not any("Sources" in t for t in texts(blocks))


def test_feedback_buttons_carry_the_answer() -> None:
    blocks = render_answer(answer("Text [1]", [citation(1)]), "answer-9")[0].blocks
    buttons = blocks[-1]["elements"]
    assert {b["action_id"] for b in buttons} == {"feedback_helpful", "feedback_not_helpful", "feedback_flag"}
    assert {b["value"] for b in buttons} == {"answer-9"}  # the answer log's id


def test_sources_show_their_quotes_and_unsupported_sentences_are_listed() -> None:
    cited = citation(1, quote="States should review <!channel> dual-use risks.")
    shown = answer("States should review risks [1]. Everyone agrees.", [cited], unsupported=["Everyone agrees."])
    blocks = render_answer(shown, "a")[0].blocks
    rendered = texts(blocks)
    assert any(">States should review &lt;!channel&gt; dual-use risks." in t for t in rendered)
    notes = [b for b in blocks if b["type"] == "context" and "Not supported" in b["elements"][0]["text"]]
    assert notes and "• Everyone agrees." in notes[0]["elements"][0]["text"]
    assert not any("Not supported" in t for t in texts(render_answer(answer("Fine [1].", [cited]), "b")[0].blocks))
