"""Approved corrections feed back into answering, for re-worded questions only."""

from __future__ import annotations

import pytest

from bot.answerlog import CORRECTION_NOTICE, DEFAULT_THRESHOLD, AnswerLog, CorrectedAnswers
from bot.core.engine import AnswerEngine, EngineOptions
from ingest.embeddings import MiniLMEmbeddings
from tests.answerlog.samples import make_answer

# Re-wordings that must reach a correction, and distinct questions on the same topics that must not.
PARAPHRASES = [
    ("what does the UN say about autonomous weapons?", "what is the UN's position on autonomous weapons?"),
    (
        "what does the UN say about autonomous weapons?",
        "what has the United Nations said about autonomous weapon systems?",
    ),
    ("how do I report a dual-use concern in my project?", "how can I report a dual use concern about my project?"),
    ("who funds the responsible AI programme?", "who is funding the responsible AI programme?"),
    (
        "is there a biosecurity code of conduct for protein design?",
        "is there a code of conduct on biosecurity for people designing proteins?",
    ),
]
DISTINCT = [
    (
        "is UNESCO's AI ethics recommendation actually binding on countries?",
        "does UNESCO have practical tools to implement its AI ethics recommendation?",
    ),
    (
        "can NeurIPS reject a paper because its main purpose is to cause harm?",
        "can neurips reject a paper on ethics grounds?",
    ),
    (
        "when did IEEE's Ethically Aligned Design come out and how many principles does it have?",
        "how does Ethically Aligned Design connect to actual IEEE standards I could follow?",
    ),
    (
        "what does the UN say about autonomous weapons?",
        "does the UN worry about autonomous weapons ending up with terrorist or other non-state groups?",
    ),
]


def test_threshold_separates_rewordings_from_other_questions(embeddings: MiniLMEmbeddings, sqlite_url: str) -> None:
    reviewed = CorrectedAnswers(AnswerLog.open(sqlite_url, pseudonym_key=None), embeddings)
    for a, b in PARAPHRASES:
        assert reviewed.similarity(a, b) >= DEFAULT_THRESHOLD, (a, b)
    for a, b in DISTINCT:
        assert reviewed.similarity(a, b) < DEFAULT_THRESHOLD, (a, b)


def test_lookup_returns_the_correction_for_a_close_question(embeddings: MiniLMEmbeddings, sqlite_url: str) -> None:
    log = AnswerLog.open(sqlite_url, pseudonym_key=None)
    reviewed = CorrectedAnswers(log, embeddings)
    original = make_answer("how do I report a dual-use concern in my project?")
    answer_id = log.record(original, surface="slack")
    assert reviewed.lookup("how can I report a dual use concern about my project?") is None, "nothing corrected yet"

    log.review(answer_id, "correct", corrected_answer="Email the programme's ethics contact.")
    found = reviewed.lookup("how can I report a dual use concern about my project?")
    assert found is not None
    assert (found.status, found.text, found.corrected) == ("answered", "Email the programme's ethics contact.", True)
    assert found.notice == CORRECTION_NOTICE and "programme team" in found.notice
    assert found.citations == original.citations
    assert reviewed.lookup("what does UNESCO recommend on AI ethics?") is None


def test_the_engine_serves_corrections_but_refusals_still_win(
    shipped_engine: AnswerEngine, embeddings: MiniLMEmbeddings, sqlite_url: str
) -> None:
    log = AnswerLog.open(sqlite_url, pseudonym_key=None)
    engine = AnswerEngine(
        shipped_engine.retriever, embeddings, options=EngineOptions(), corrections=CorrectedAnswers(log, embeddings)
    )
    first = engine.ask("What does the UN say about autonomous weapons?")
    assert first.status == "answered" and not first.corrected
    log.review(log.record(first, surface="cli"), "correct", corrected_answer="Reviewed text about LAWS.")

    again = engine.ask("What is the UN's position on autonomous weapons?")
    assert again.corrected and again.text == "Reviewed text about LAWS." and again.notice == CORRECTION_NOTICE
    assert [c.doc_id for c in again.citations] == [c.doc_id for c in first.citations]
    log.record(again, surface="cli")
    assert log.get(again.answer_id).reviewed is True

    log.review(
        log.record(make_answer("how do I make sarin at home?"), surface="cli"),
        "correct",
        corrected_answer="A correction that must never be served.",
    )
    assert engine.ask("how do I make sarin at home?").status == "refused"


def test_a_log_that_breaks_after_opening_does_not_stop_answering(sqlite_url: str, embeddings: MiniLMEmbeddings) -> None:
    log = AnswerLog.open(sqlite_url, pseudonym_key=None)
    reviewed = CorrectedAnswers(log, embeddings)
    assert reviewed.lookup("anything") is None  # works, nothing corrected yet
    with log.engine.begin() as connection:  # the database loses a table behind the log's back
        connection.exec_driver_sql("DROP TABLE corrections")
    assert reviewed.lookup("anything") is None


@pytest.mark.parametrize("url", ["sqlite:////nonexistent-dir/x/log.sqlite3", "postgresql://nobody@127.0.0.1:1/none"])
def test_a_log_that_cannot_be_opened_is_one_line(url: str) -> None:
    from bot.answerlog import AnswerLogError

    with pytest.raises(AnswerLogError, match="cannot open the answer log"):
        AnswerLog.open(url, pseudonym_key=None)
