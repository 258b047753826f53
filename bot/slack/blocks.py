"""Block Kit layouts for answers, help and the App Home tab.

Slack limits a section's text to 3,000 characters and a message to 50 blocks: long answers are split over several
sections and, past 50 blocks, several messages; the answer and its quotes are never truncated. Labels that are not
the answer (a document's title, publisher or section, the rewritten follow-up) are clipped to a few hundred
characters, so no document and no pasted message can make Slack refuse the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.app import Answer, Citation

from .mrkdwn import clip, escape, isolate_rtl, link, split_text, to_mrkdwn

Block = dict[str, Any]

MAX_TEXT = 3000
MAX_BLOCKS = 50
FALLBACK_CHARS = 3000
MAX_LABEL = 300  # a title, publisher, section or rewritten question as shown
MAX_PROMPT_TITLE = 75
FEEDBACK_ACTIONS = {"feedback_helpful": "helpful", "feedback_not_helpful": "not_helpful", "feedback_flag": "flag"}
FEEDBACK_CHANGE = "feedback_change"
FEEDBACK_REASON = "feedback_reason"  # the reason modal's callback_id
FEEDBACK_LABELS = {"helpful": "helpful", "not_helpful": "not helpful", "flag": "flagged for review"}
EXAMPLE_QUESTIONS = (
    "What is the Responsible Innovation in AI for Peace and Security programme?",
    "What do the Hague Ethical Guidelines say, and who wrote them?",
    "Is there a biosecurity code of conduct for people who build protein design models?",
    "What should we consider before releasing open weights of a model that designs molecules?",
)
LOOKING_UP = ":hourglass_flowing_sand: Looking this up in the corpus..."
APOLOGY = ":warning: Sorry, something went wrong while answering. Please try again in a moment."
BUSY = ":warning: Sorry, too many questions are waiting right now. Please ask again in a few minutes."
WAITING_PREFIX = ":hourglass: Your question is in line"


def waiting(ahead: int) -> str:
    """The progress text of a question that waits for a free answer worker."""
    others = "1 question" if ahead == 1 else f"{ahead} questions"
    return f"{WAITING_PREFIX} ({others} ahead of it); I'll answer here as soon as I can."


@dataclass(frozen=True)
class Message:
    """One Slack message: the fallback text (notifications, screen readers) and its blocks."""

    text: str
    blocks: list[Block]


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def sections(text: str) -> list[Block]:
    return [section(part) for part in split_text(text, MAX_TEXT)]


def render_answer(answer: Answer, answer_id: str, *, include_text: bool = True) -> list[Message]:
    """The answer as one or more messages; the feedback buttons go on the last one.

    ``include_text=False`` leaves out the answer text, for a stream that has already shown it.
    """
    if answer.status == "refused":
        head = [section(":no_entry: *I can't help with that request.*"), *sections(to_mrkdwn(answer.text))]
        sources = _sources("Guidance", answer.citations)
    elif answer.status == "no_answer":
        head = [section(":mag: *I couldn't find this in the corpus.*"), *sections(to_mrkdwn(answer.text))]
        if answer.suggestions:
            topics = "\n".join(f"• {escape(topic)}" for topic in answer.suggestions)
            head += sections(f"*Topics I can answer from:*\n{topics}")
        sources = _sources("Related sources", answer.citations)
    else:
        head = sections(to_mrkdwn(answer.text)) if include_text else []
        sources = _sources("Sources", answer.citations)
    blocks = head
    if answer.notice:
        blocks.append(context(f":information_source: {escape(answer.notice)}"))
    if answer.unsupported:
        # Sentences the verifier could not match to a cited passage: shown, labelled, never silently dropped.
        listed = "\n".join(f"• {isolate_rtl(escape(sentence))}" for sentence in answer.unsupported)
        blocks += [
            context(part)
            for part in split_text(f":grey_question: *Not supported by the cited sources:*\n{listed}", MAX_TEXT)
        ]
    if answer.standalone_question:
        shown = isolate_rtl(escape(clip(answer.standalone_question, MAX_LABEL)))
        blocks.append(context(f"Answered as: _{shown}_"))
    blocks += sources
    blocks.append(feedback_block(answer_id))
    return _messages(blocks, fallback=_fallback(answer))


def render_error(message: str) -> list[Block]:
    """``message`` is already escaped mrkdwn."""
    return [section(message)]


def warning(problem: Exception) -> str:
    """The one line shown for bad input (its message says what was wrong and what to do), as escaped mrkdwn."""
    return escape(f":warning: {problem}")


def _sources(heading: str, citations: Sequence[Citation]) -> list[Block]:
    if not citations:
        return []
    blocks: list[Block] = [{"type": "divider"}, section(f"*{heading}*")]
    for citation in citations:
        blocks += sections(citation_text(citation))
    return blocks


def citation_text(c: Citation) -> str:
    # Right-to-left titles, sections and quotes are isolated (mrkdwn.isolate_rtl): "[1]" and "p. 3" stay in place.
    title = link(c.url, c.title) if c.url else f"*{isolate_rtl(escape(clip(c.title, MAX_LABEL)))}*"
    origin = ", ".join(isolate_rtl(escape(clip(x, MAX_LABEL))) for x in (c.publisher, c.date) if x)
    section_name = isolate_rtl(escape(clip(c.section, MAX_LABEL))) if c.section else ""
    where = ", ".join(x for x in (section_name, f"p. {c.page}" if c.page else "") if x)
    line = f"*[{c.n}]* {title}" + (f" ({origin})" if origin else "") + (f" · {where}" if where else "")
    if c.quote:
        line += "\n>" + isolate_rtl(escape(" ".join(c.quote.split())))
    return line


def feedback_block(answer_id: str) -> Block:
    # The buttons carry the answer log's id: the click is recorded against the logged answer.
    buttons = [
        button("feedback_helpful", ":thumbsup: Helpful", answer_id),
        button("feedback_not_helpful", ":thumbsdown: Not helpful", answer_id),
        button("feedback_flag", ":triangular_flag_on_post: Flag for review", answer_id, "danger"),
    ]
    return {"type": "actions", "block_id": f"feedback:{answer_id}", "elements": buttons}


def prompt_title(question: str, limit: int = MAX_PROMPT_TITLE) -> str:
    """A suggested prompt's title: the question, or its first words and "…" (never half a word)."""
    return clip(question, limit)


def feedback_chosen(answer_id: str, kind: str) -> list[Block]:
    """What replaces the feedback buttons after a click: the choice, and a button to change it."""
    return [
        context(f":white_check_mark: Marked *{FEEDBACK_LABELS[kind]}*. Thanks for the feedback."),
        {
            "type": "actions",
            "block_id": f"feedback:{answer_id}",
            "elements": [button(FEEDBACK_CHANGE, "Change feedback", answer_id)],
        },
    ]


def with_feedback(blocks: list[Block], answer_id: str, replacement: list[Block]) -> list[Block] | None:
    """``blocks`` (a message as Slack sent it back) with its feedback part replaced; None if it has none."""
    block_id = f"feedback:{answer_id}"
    at = next((i for i, b in enumerate(blocks) if b.get("block_id") == block_id), None)
    if at is None:
        return None
    start = at - 1 if at and _is_choice(blocks[at - 1]) else at
    return [*blocks[:start], *replacement, *blocks[at + 1 :]]


def _is_choice(block: Block) -> bool:
    return block.get("type") == "context" and "Thanks for the feedback" in str(block.get("elements"))


def reason_view(answer_id: str, kind: str) -> dict[str, Any]:
    """The optional "what was wrong?" modal after "not helpful" or "flag"; the click is recorded already."""
    question = "What was wrong with the answer?" if kind == "not_helpful" else "Why should it be reviewed?"
    return {
        "type": "modal",
        "callback_id": FEEDBACK_REASON,
        "private_metadata": f"{kind}:{answer_id}",
        "title": plain("Thanks for the feedback"),
        "submit": plain("Send"),
        "close": plain("Skip"),
        "blocks": [
            context("Your feedback is recorded. A reason helps the programme team fix the answer (optional)."),
            {
                "type": "input",
                "block_id": "reason",
                "optional": True,
                "label": plain(question),
                "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 2000},
            },
        ],
    }


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def button(action_id: str, label: str, value: str, style: str | None = None) -> Block:
    element: Block = {"type": "button", "action_id": action_id, "text": plain(label), "value": value}
    if style:
        element["style"] = style
    return element


def _fallback(answer: Answer) -> str:
    text = escape(answer.text)
    return text if len(text) <= FALLBACK_CHARS else split_text(text, FALLBACK_CHARS - 1)[0] + "…"


def _messages(blocks: list[Block], fallback: str) -> list[Message]:
    chunks = [blocks[i : i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)]
    messages = [Message(fallback, chunks[0])]
    messages += [Message(f"(continued {i + 2}/{len(chunks)})", chunk) for i, chunk in enumerate(chunks[1:])]
    return messages


def help_blocks() -> list[Block]:
    examples = "\n".join(f"• `/dualuse {q}`" for q in EXAMPLE_QUESTIONS)
    return [
        section(
            "*Dual-use assistant* answers questions about the responsible development of AI for peace and security "
            "from a fixed corpus of programme materials, codes of conduct and UN statements, with numbered sources."
        ),
        section(
            "*How to ask*\n• `/dualuse YOUR QUESTION` (only you see the answer)\n• mention me in a channel: "
            "I answer in the thread, and follow-ups in that thread keep the context\n• send me a direct message"
        ),
        section(f"*Examples*\n{examples}"),
        section("*The corpus*\n• `/dualuse sources`: the documents I answer from"),
        section(
            "*Nudges* (off until someone turns them on in a channel)\n"
            "• `/dualuse watch on` / `off` / `status`: in a team channel, I reply in a thread (at most a few times a "
            "day) when work described there might have dual-use potential"
        ),
        section(
            "*For trainers* (the people listed in DUALUSE_TRAINERS)\n"
            "• share a PDF, DOCX, Markdown, text or HTML file with me in a direct message: I read it, you review the "
            "title, kind, publisher, date and address, and I add it\n"
            "• `/dualuse add https://...`: add a web page the same way\n"
            "• `/dualuse remove DOC_ID`: remove a document (asks to confirm)\n"
            "• `/dualuse gaps`: recent questions the corpus could not answer, grouped"
        ),
    ]


def home_view(document_count: int, last_changed: str, watched: Sequence[Block] = ()) -> dict[str, Any]:
    """``watched``: the "Watched channels" blocks (``nudge_blocks.watched_section``)."""
    examples = "\n".join(f"• {q}" for q in EXAMPLE_QUESTIONS)
    changed = escape(last_changed) if last_changed else "never"
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Dual-use assistant"}},
            section(
                "I answer AI practitioners' dual-use questions from a curated corpus of programme materials, "
                "codes of conduct and UN statements. Every answer cites its sources; if the corpus does not cover "
                "a question, I say so instead of guessing."
            ),
            section(f"*Try asking*\n{examples}"),
            section("Mention me in a channel, send me a direct message, or use `/dualuse QUESTION`."),
            *watched,
            {"type": "divider"},
            context(f"I know *{document_count}* documents. The corpus last changed: {changed}."),
        ],
    }
