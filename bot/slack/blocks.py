"""Block Kit layouts for answers, help and the App Home tab.

Slack limits a section's text to 3,000 characters and a message to 50 blocks: long answers are split over several
sections and, past 50 blocks, several messages; the answer and its quotes are never truncated. Labels that are not
the answer (a document's title, publisher or section, the rewritten follow-up) are clipped to a few hundred
characters, so no document and no pasted message can make Slack refuse the answer.

Every label is written in the reader's interface language (``language``: the Slack user's locale, else the
answer's language; ``bot.i18n``), English by default; answers and quotes are shown as the engine and the sources
wrote them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.app import Answer, Citation
from bot.i18n import N_, Translator, translations

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
FEEDBACK_LABELS = {"helpful": N_("helpful"), "not_helpful": N_("not helpful"), "flag": N_("flagged for review")}
FEEDBACK_CHOICE = "feedback-choice"  # the block_id prefix of the choice shown in place of the buttons
# Shown verbatim in every language: they are also what `/dualuse` would be typed with, and the corpus is English.
EXAMPLE_QUESTIONS = (
    "What is the Responsible Innovation in AI for Peace and Security programme?",
    "What do the Hague Ethical Guidelines say, and who wrote them?",
    "Is there a biosecurity code of conduct for people who build protein design models?",
    "What should we consider before releasing open weights of a model that designs molecules?",
)
# English source strings: show them with ``in_language(CONSTANT, language)``.
LOOKING_UP = N_(":hourglass_flowing_sand: Looking this up in the corpus...")
APOLOGY = N_(":warning: Sorry, something went wrong while answering. Please try again in a moment.")
BUSY = N_(":warning: Sorry, too many questions are waiting right now. Please ask again in a few minutes.")
WAITING_PREFIX = ":hourglass:"


def in_language(message: str, language: str | None = None) -> str:
    """A marked constant of this package (``LOOKING_UP``, ``APOLOGY``, ...) in ``language``."""
    return translations(language).gettext(message)


def waiting(ahead: int, language: str | None = None) -> str:
    """The progress text of a question that waits for a free answer worker."""
    line = translations(language).ngettext(
        "Your question is in line ({n} question ahead of it); I'll answer here as soon as I can.",
        "Your question is in line ({n} questions ahead of it); I'll answer here as soon as I can.",
        ahead,
    )
    return f"{WAITING_PREFIX} {line.format(n=ahead)}"


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


def render_answer(
    answer: Answer, answer_id: str, *, include_text: bool = True, language: str | None = None
) -> list[Message]:
    """The answer as one or more messages; the feedback buttons go on the last one.

    ``include_text=False`` leaves out the answer text, for a stream that has already shown it. ``language``: the
    interface language (the reader's Slack locale); the answer's own language when None.
    """
    language = language or answer.language
    t = translations(language)
    _ = t.gettext
    if answer.status == "refused":
        head = [section(":no_entry: *" + _("I can't help with that request.") + "*"), *sections(to_mrkdwn(answer.text))]
        sources = _sources(_("Guidance"), answer.citations, t)
    elif answer.status == "no_answer":
        head = [section(":mag: *" + _("I couldn't find this in the corpus.") + "*"), *sections(to_mrkdwn(answer.text))]
        if answer.suggestions:
            topics = "\n".join(f"• {escape(topic)}" for topic in answer.suggestions)
            head += sections("*" + _("Topics I can answer from:") + f"*\n{topics}")
        sources = _sources(_("Related sources"), answer.citations, t)
    else:
        head = sections(to_mrkdwn(answer.text)) if include_text else []
        sources = _sources(_("Sources"), answer.citations, t)
    blocks = head
    if answer.notice:
        blocks.append(context(f":information_source: {escape(answer.notice)}"))
    if answer.unsupported:
        # Sentences the verifier could not match to a cited passage: shown, labelled, never silently dropped.
        listed = "\n".join(f"• {isolate_rtl(escape(sentence))}" for sentence in answer.unsupported)
        heading = ":grey_question: *" + _("Not supported by the cited sources:") + "*"
        blocks += [context(part) for part in split_text(f"{heading}\n{listed}", MAX_TEXT)]
    if answer.standalone_question:
        asked = f"_{isolate_rtl(escape(clip(answer.standalone_question, MAX_LABEL)))}_"
        blocks.append(context(_("Answered as: {question}").format(question=asked)))
    blocks += sources
    blocks.append(feedback_block(answer_id, language))
    return _messages(blocks, fallback=_fallback(answer), language=language)


def render_error(message: str) -> list[Block]:
    """``message`` is already escaped mrkdwn."""
    return [section(message)]


def warning(problem: Exception) -> str:
    """The one line shown for bad input (its message says what was wrong and what to do), as escaped mrkdwn."""
    return escape(f":warning: {problem}")


def _sources(heading: str, citations: Sequence[Citation], t: Translator) -> list[Block]:
    if not citations:
        return []
    blocks: list[Block] = [{"type": "divider"}, section(f"*{heading}*")]
    for citation in citations:
        blocks += sections(citation_text(citation, t))
    return blocks


def citation_text(c: Citation, t: Translator | None = None) -> str:
    """A source as one line (and its verbatim quote): its title, publisher and date stay as the document has them;
    only the page abbreviation is translated. Right-to-left titles, sections and quotes are isolated
    (mrkdwn.isolate_rtl), so "[1]" and the page stay in place."""
    page = (t or translations(None)).gettext("p. {page}").format(page=c.page) if c.page else ""
    title = link(c.url, c.title) if c.url else f"*{isolate_rtl(escape(clip(c.title, MAX_LABEL)))}*"
    origin = ", ".join(isolate_rtl(escape(clip(x, MAX_LABEL))) for x in (c.publisher, c.date) if x)
    section_name = isolate_rtl(escape(clip(c.section, MAX_LABEL))) if c.section else ""
    where = ", ".join(x for x in (section_name, page) if x)
    line = f"*[{c.n}]* {title}" + (f" ({origin})" if origin else "") + (f" · {where}" if where else "")
    if c.quote:
        line += "\n>" + isolate_rtl(escape(" ".join(c.quote.split())))
    return line


def feedback_value(answer_id: str, language: str | None = None) -> str:
    """What a feedback button carries: the answer log's id, and after a ":" the interface language when it is not
    English, so that the reply to a click is in the language of the buttons clicked (see ``listeners/actions.py``)."""
    code = translations(language).language
    return answer_id if code == "en" else f"{answer_id}:{code}"


def feedback_block(answer_id: str, language: str | None = None) -> Block:
    # The buttons carry the answer log's id: the click is recorded against the logged answer.
    _ = translations(language).gettext
    value = feedback_value(answer_id, language)
    buttons = [
        button("feedback_helpful", ":thumbsup: " + _("Helpful"), value),
        button("feedback_not_helpful", ":thumbsdown: " + _("Not helpful"), value),
        button("feedback_flag", ":triangular_flag_on_post: " + _("Flag for review"), value, "danger"),
    ]
    return {"type": "actions", "block_id": f"feedback:{answer_id}", "elements": buttons}


def prompt_title(question: str, limit: int = MAX_PROMPT_TITLE) -> str:
    """A suggested prompt's title: the question, or its first words and "…" (never half a word)."""
    return clip(question, limit)


def feedback_chosen(answer_id: str, kind: str, language: str | None = None) -> list[Block]:
    """What replaces the feedback buttons after a click: the choice, and a button to change it."""
    _ = translations(language).gettext
    chosen = _("Marked {choice}. Thanks for the feedback.").format(choice=f"*{_(FEEDBACK_LABELS[kind])}*")
    return [
        {**context(f":white_check_mark: {chosen}"), "block_id": f"{FEEDBACK_CHOICE}:{answer_id}"},
        {
            "type": "actions",
            "block_id": f"feedback:{answer_id}",
            "elements": [button(FEEDBACK_CHANGE, _("Change feedback"), feedback_value(answer_id, language))],
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
    # Messages posted before the choice had a block_id of its own are recognised by their English text.
    if str(block.get("block_id") or "").startswith(f"{FEEDBACK_CHOICE}:"):
        return True
    return block.get("type") == "context" and "Thanks for the feedback" in str(block.get("elements"))


def reason_view(answer_id: str, kind: str, language: str | None = None) -> dict[str, Any]:
    """The optional "what was wrong?" modal after "not helpful" or "flag"; the click is recorded already."""
    _ = translations(language).gettext
    question = _("What was wrong with the answer?") if kind == "not_helpful" else _("Why should it be reviewed?")
    return {
        "type": "modal",
        "callback_id": FEEDBACK_REASON,
        "private_metadata": f"{kind}:{answer_id}",
        # A modal's title is limited to 24 characters: the translations are checked against it (tests/test_i18n.py).
        "title": plain(_("Thanks for the feedback")),
        "submit": plain(_("Send")),
        "close": plain(_("Skip")),
        "blocks": [
            context(_("Your feedback is recorded. A reason helps the programme team fix the answer (optional).")),
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


def _messages(blocks: list[Block], fallback: str, language: str | None = None) -> list[Message]:
    chunks = [blocks[i : i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)]
    continued = translations(language).gettext("(continued {part}/{parts})")
    messages = [Message(fallback, chunks[0])]
    messages += [Message(continued.format(part=i + 2, parts=len(chunks)), chunk) for i, chunk in enumerate(chunks[1:])]
    return messages


def help_blocks(language: str | None = None) -> list[Block]:
    _ = translations(language).gettext
    examples = "\n".join(f"• `/dualuse {q}`" for q in EXAMPLE_QUESTIONS)
    return [
        section(
            "*"
            + _("Dual-use assistant")
            + "* "
            + _(
                "answers questions about the responsible development of AI for peace and security from a fixed "
                "corpus of programme materials, codes of conduct and UN statements, with numbered sources."
            )
        ),
        section(
            "*"
            + _("How to ask")
            + "*\n• "
            + _("`/dualuse YOUR QUESTION` (only you see the answer)")
            + "\n• "
            + _("mention me in a channel: I answer in the thread, and follow-ups in that thread keep the context")
            + "\n• "
            + _("send me a direct message")
        ),
        section("*" + _("Examples") + f"*\n{examples}"),
        section("*" + _("The corpus") + "*\n• `/dualuse sources`: " + _("the documents I answer from")),
        section(
            "*"
            + _("Nudges")
            + "* "
            + _("(off until someone turns them on in a channel)")
            + "\n• `/dualuse watch on` / `off` / `status`: "
            + _(
                "in a team channel, I reply in a thread (at most a few times a day) when work described there might "
                "have dual-use potential"
            )
        ),
        section(
            "*"
            + _("For trainers")
            + "* "
            + _("(the people listed in DUALUSE_TRAINERS)")
            + "\n• "
            + _(
                "share a PDF, DOCX, Markdown, text or HTML file with me in a direct message: I read it, you review "
                "the title, kind, publisher, date and address, and I add it"
            )
            + "\n• `/dualuse add https://...`: "
            + _("add a web page the same way")
            + "\n• `/dualuse remove DOC_ID`: "
            + _("remove a document (asks to confirm)")
            + "\n• `/dualuse gaps`: "
            + _("recent questions the corpus could not answer, grouped")
        ),
    ]


def home_view(
    document_count: int, last_changed: str, watched: Sequence[Block] = (), language: str | None = None
) -> dict[str, Any]:
    """``watched``: the "Watched channels" blocks (``nudge_blocks.watched_section``)."""
    t = translations(language)
    _ = t.gettext
    examples = "\n".join(f"• {q}" for q in EXAMPLE_QUESTIONS)
    changed = escape(last_changed) if last_changed else _("never")
    known = t.ngettext("I know {count} document.", "I know {count} documents.", document_count)
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": _("Dual-use assistant")}},
            section(
                _(
                    "I answer AI practitioners' dual-use questions from a curated corpus of programme materials, "
                    "codes of conduct and UN statements. Every answer cites its sources; if the corpus does not "
                    "cover a question, I say so instead of guessing."
                )
            ),
            section("*" + _("Try asking") + f"*\n{examples}"),
            section(_("Mention me in a channel, send me a direct message, or use `/dualuse QUESTION`.")),
            *watched,
            {"type": "divider"},
            context(
                known.format(count=f"*{document_count}*")
                + " "
                + _("The corpus last changed: {changed}.").format(changed=changed)
            ),
        ],
    }
