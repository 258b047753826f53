"""Documents and quotes in other scripts as Slack shows them: the language in the source list and the upload review,
and right-to-left (Arabic) quotes and titles isolated so a citation marker stays after the quote."""

from __future__ import annotations

from bot.core.answers import Answer, Citation
from bot.slack.blocks import citation_text, render_answer
from bot.slack.document_blocks import review_prompt, sources_page
from bot.slack.mrkdwn import PDI, RLI, isolate_rtl, link, to_mrkdwn
from ingest.documents import DocumentMeta, LoadedDocument, Section
from tests.slack.blockkit import message_problems
from tests.slack.test_slack_limits import record

QUOTE = "يرى كثيرون أن القرار باستخدام القوة يجب أن يبقى تحت سيطرة بشرية حقيقية."
TITLE = "مخاطر الاستخدام المزدوج للذكاء الاصطناعي"


def test_an_arabic_quote_is_isolated_and_its_marker_stays_outside() -> None:
    assert to_mrkdwn(f"{QUOTE} [1]") == f"{RLI}{QUOTE}{PDI} [1]"
    # Two quotes, the second after English: each run is isolated on its own, markers and English untouched.
    mixed = to_mrkdwn(f"{QUOTE} [1] The **UN** agrees [2]. نعم، LAWS ممكن؟ [3]")
    assert mixed == f"{RLI}{QUOTE}{PDI} [1] The *UN* agrees [2]. {RLI}نعم، LAWS ممكن؟{PDI} [3]"


def test_english_and_chinese_are_left_as_they_were() -> None:
    for text in ("The Hague guidelines [1]. See *this* <https://x.org|link>.", "联合国多次呼吁规范。[1]"):
        assert isolate_rtl(text) == text
    assert to_mrkdwn("Plain **English** [1].") == "Plain *English* [1]."


def test_citations_and_links_with_arabic_titles() -> None:
    citation = Citation(1, "ar-dual-use", TITLE, "ورشة", "2026", "", "دور الجامعات", None, QUOTE, 0.5)
    shown = citation_text(citation)
    assert shown.startswith(f"*[1]* *{RLI}{TITLE}{PDI}*")
    assert shown.endswith(f"\n>{RLI}{QUOTE}{PDI}")  # the quote itself is verbatim between the isolates
    assert link("https://example.org/ar", TITLE) == f"<https://example.org/ar|{RLI}{TITLE}{PDI}>"
    answer = Answer(
        question="q", status="answered", text=f"{QUOTE} [1]", citations=[citation], mode="extractive", latency_ms=1.0
    )
    assert all(message_problems(m.blocks) == [] for m in render_answer(answer, "id"))


def test_the_source_list_and_the_upload_review_name_the_language() -> None:
    _, blocks = sources_page([record(1, language="zh", title="人工智能两用风险简介"), record(2)], 1)
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert "Other · Chinese · UNODA" in texts[1] and "Other · English · UNODA" in texts[2]
    document = LoadedDocument(
        DocumentMeta("zh-doc", "标题", language="zh"), [Section("自主武器系统是国际讨论的重点之一。")], "0" * 64
    )
    prompt = review_prompt("zh.md", document, "p1")[0]["text"]["text"]
    assert "17 characters, in Chinese" in prompt
