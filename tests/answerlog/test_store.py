"""The answer log on SQLite and PostgreSQL: what is recorded, how it is filtered, reviewed, exported and purged."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.answerlog import AnswerFilter, AnswerLog, AnswerLogError
from bot.answerlog._secrets import load_or_create_secret
from bot.answerlog._store import utcnow
from tests.answerlog.samples import make_answer


def test_records_everything_shown_and_retrieved(log: AnswerLog) -> None:
    answer = make_answer()
    answer.standalone_question = "What does the UN say about autonomous weapons in general?"
    answer_id = log.record(answer, surface="slack", channel="C0123", user="U0456")
    assert answer.answer_id == answer_id and len(answer_id) == 32

    record = log.get(answer_id)
    assert (record.surface, record.status, record.mode) == ("slack", "answered", "extractive")
    assert record.question == answer.question and record.answer == answer.text
    assert record.standalone_question == answer.standalone_question
    assert [p.chunk_id for p in record.passages] == [p.chunk_id for p in answer.passages]
    assert record.passages[1].dense == pytest.approx(answer.passages[1].dense)
    assert record.passages[1].fused == pytest.approx(answer.passages[1].fused)
    assert record.citations == answer.citations
    assert record.question_tokens > 5 and record.answer_tokens > 5 and record.context_tokens > 30
    assert record.latency_ms == pytest.approx(123.4) and record.retrieval_ms == pytest.approx(45.6)
    assert record.review_state == "unreviewed" and record.reviewed is False


def test_user_and_channel_ids_are_pseudonymised_by_default(database_url: str) -> None:
    hashed = AnswerLog.open(database_url, pseudonym_key=b"k1")
    first = hashed.get(hashed.record(make_answer(), surface="slack", channel="C1", user="U1"))
    second = hashed.get(hashed.record(make_answer(), surface="slack", channel="C1", user="U1"))
    assert first.user.startswith("p_") and "U1" not in first.user and first.channel != "C1"
    assert first.user == second.user, "the same user keeps the same pseudonym"
    hashed.record_feedback(first.id, "helpful", user="U1")
    assert hashed.get(first.id).feedback[0].user == first.user

    raw = AnswerLog(hashed.engine, pseudonym_key=None)  # DUALUSE_LOG_RAW_USERS=true
    kept = raw.get(raw.record(make_answer(), surface="slack", channel="C1", user="U1"))
    assert (kept.user, kept.channel) == ("U1", "C1")
    hashed.close()


def test_filters_and_pagination(log: AnswerLog) -> None:
    now = utcnow()
    ids = {}
    ids["old"] = log.record(make_answer("Old question about Tianjin"), surface="cli", at=now - timedelta(days=10))
    ids["gap"] = log.record(make_answer("What is the capital of Peru?", "no_answer", "Not covered."), surface="slack")
    ids["refused"] = log.record(make_answer("How do I make sarin?", "refused", "I can't help."), surface="slack")
    ids["pct"] = log.record(make_answer("Is 100% safety possible?"), surface="cli")

    assert {a.id for a in log.list(AnswerFilter(status="no_answer")).items} == {ids["gap"]}
    assert {a.id for a in log.list(AnswerFilter(text="PERU")).items} == {ids["gap"]}
    assert {a.id for a in log.list(AnswerFilter(text="100%")).items} == {ids["pct"]}, "% is matched literally"
    assert {a.id for a in log.list(AnswerFilter(surface="cli")).items} == {ids["old"], ids["pct"]}
    recent = log.list(AnswerFilter(since=(now - timedelta(days=1)).date()))
    assert ids["old"] not in {a.id for a in recent.items} and recent.total == 3
    assert {a.id for a in log.list(AnswerFilter(until=(now - timedelta(days=5)).date())).items} == {ids["old"]}

    log.record_feedback(ids["gap"], "not_helpful", "U1")
    log.record_feedback(ids["pct"], "helpful", "U2")
    log.record_feedback(ids["pct"], "flag", "U3")
    assert {a.id for a in log.list(AnswerFilter(feedback="helpful")).items} == {ids["pct"]}
    assert {a.id for a in log.list(AnswerFilter(feedback="flag")).items} == {ids["pct"]}
    assert {a.id for a in log.list(AnswerFilter(feedback="any")).items} == {ids["gap"], ids["pct"]}
    assert {a.id for a in log.list(AnswerFilter(feedback="none")).items} == {ids["old"], ids["refused"]}
    summary = next(a for a in log.list().items if a.id == ids["pct"])
    assert (summary.helpful, summary.not_helpful, summary.flags) == (1, 0, 1)

    log.review(ids["refused"], "approve")
    assert {a.id for a in log.list(AnswerFilter(review="approved")).items} == {ids["refused"]}
    assert log.list(AnswerFilter(review="unreviewed")).total == 3

    first, second = log.list(limit=3), log.list(limit=3, offset=3)
    assert first.total == 4 and len(first.items) == 3 and [a.id for a in second.items] == [ids["old"]]
    assert [a.created_at for a in first.items] == sorted((a.created_at for a in first.items), reverse=True)

    with pytest.raises(AnswerLogError, match="unknown status 'bogus'; use one of: answered, no_answer, refused"):
        log.list(AnswerFilter(status="bogus"))


def test_feedback_is_checked(log: AnswerLog) -> None:
    answer_id = log.record(make_answer(), surface="slack")
    with pytest.raises(AnswerLogError, match="no logged answer has the id 'nope'"):
        log.record_feedback("nope", "helpful", "U1")
    with pytest.raises(AnswerLogError, match="unknown feedback 'love'"):
        log.record_feedback(answer_id, "love", "U1")
    for user, kind in (("U1", "helpful"), ("U2", "not_helpful"), ("U3", "flag")):
        log.record_feedback(answer_id, kind, user)
    assert [f.kind for f in log.get(answer_id).feedback] == ["helpful", "not_helpful", "flag"]


def test_a_second_click_changes_the_feedback_and_a_reason_can_follow(log: AnswerLog) -> None:
    answer_id = log.record(make_answer(), surface="slack")
    log.record_feedback(answer_id, "helpful", "U1")
    log.record_feedback(answer_id, "not_helpful", "U1")
    log.record_feedback(answer_id, "not_helpful", "U1", reason="cites the wrong year")
    log.record_feedback(answer_id, "flag", "")  # anonymous feedback is never merged
    log.record_feedback(answer_id, "flag", "")
    feedback = log.get(answer_id).feedback
    assert [(f.kind, f.reason) for f in feedback] == [
        ("not_helpful", "cites the wrong year"),
        ("flag", ""),
        ("flag", ""),
    ]
    log.record_feedback(answer_id, "flag", "U1")  # a new kind clears the earlier kind's reason
    assert [(f.kind, f.reason) for f in log.get(answer_id).feedback][0] == ("flag", "")


def test_review_actions_and_corrections(log: AnswerLog) -> None:
    answer_id = log.record(make_answer(), surface="cli")
    log.review(answer_id, "flag", note="cites the wrong speech")
    assert log.get(answer_id).review_state == "flagged"
    log.review(answer_id, "note", note="asked the programme team")
    assert log.get(answer_id).review_state == "flagged", "a note does not change the state"

    log.review(answer_id, "correct", corrected_answer="First correction.")
    log.review(
        answer_id, "correct", corrected_answer="Better correction.", source_chunks=["un-sg-lethal-autonomous-weapons:2"]
    )
    record = log.get(answer_id)
    assert record.review_state == "corrected"
    assert [r.action for r in record.reviews] == ["flag", "note", "correct", "correct"]
    assert record.reviews[0].note == "cites the wrong speech"
    assert record.reviews[3].corrected_answer == "Better correction."
    assert record.correction is not None and record.correction.answer == "Better correction."
    source = record.correction.sources[0]
    assert (source.n, source.chunk_id, source.section) == (1, "un-sg-lethal-autonomous-weapons:2", "Section 2")
    assert source.quote.startswith("Passage 2 says")

    corrections = log.active_corrections()
    assert [c.answer for c in corrections] == ["Better correction."], "a newer correction replaces the older one"
    assert corrections[0].question == "What does the UN say about autonomous weapons?"

    with pytest.raises(AnswerLogError, match="needs the corrected answer text"):
        log.review(answer_id, "correct", corrected_answer="  ")
    with pytest.raises(AnswerLogError, match="were not retrieved for the answer: made-up:1"):
        log.review(answer_id, "correct", corrected_answer="x", source_chunks=["made-up:1"])
    with pytest.raises(AnswerLogError, match="unknown review action 'delete'"):
        log.review(answer_id, "delete")


def test_default_correction_sources_are_the_answer_citations(log: AnswerLog) -> None:
    answer = make_answer()
    answer_id = log.record(answer, surface="cli")
    log.review(answer_id, "correct", corrected_answer="Corrected.")
    assert log.active_corrections()[0].sources == answer.citations


def test_get_accepts_a_unique_prefix(log: AnswerLog) -> None:
    a = log.record(make_answer(), surface="cli", answer_id="abcdef0000000000000000000000000a")
    log.record(make_answer(), surface="cli", answer_id="abcdef0000000000000000000000000b")
    assert log.get("abcdef0000000000000000000000000a").id == a
    with pytest.raises(AnswerLogError, match="matches several answers"):
        log.get("abcdef")
    with pytest.raises(AnswerLogError, match="no logged answer has the id 'zzzzzz'"):
        log.get("zzzzzz")


def test_purge_removes_old_answers_and_everything_about_them(log: AnswerLog) -> None:
    old = log.record(make_answer(), surface="cli", at=utcnow() - timedelta(days=40))
    log.record_feedback(old, "flag", "U1")
    log.review(old, "correct", corrected_answer="Corrected.")
    new = log.record(make_answer(), surface="cli")
    assert log.purge(30) == 1
    assert [a.id for a in log.list().items] == [new]
    assert log.active_corrections() == []
    with pytest.raises(AnswerLogError):
        log.get(old)
    assert log.purge(30) == 0


def test_export_streams_full_records_oldest_first(log: AnswerLog) -> None:
    start = utcnow() - timedelta(hours=1)
    ids = [log.record(make_answer(f"question {i}"), surface="cli", at=start + timedelta(minutes=i)) for i in range(5)]
    exported = list(log.export(batch=2))
    assert [r.id for r in exported] == ids
    assert all(len(r.passages) == 3 for r in exported)
    assert [r.id for r in log.export(AnswerFilter(text="question 3"))] == [ids[3]]


def test_corpus_gaps_group_unanswered_questions_by_nearest_document(log: AnswerLog) -> None:
    for question in ("What is the capital of Peru?", "what is the capital of peru", "Who won the 2022 World Cup?"):
        log.record(
            make_answer(question, "no_answer", "Not covered.", doc="rip-handbook-2025", title="Handbook"),
            surface="slack",
        )
    log.record(
        make_answer("Best LoRA rank?", "no_answer", "Not covered.", doc="pai", title="PAI guidance"), surface="cli"
    )
    log.record(make_answer("Covered question"), surface="cli")
    groups = log.corpus_gaps()
    assert [(g.topic, g.count) for g in groups] == [("Handbook", 3), ("PAI guidance", 1)]
    assert [(q.count, q.corrected) for q in groups[0].questions] == [(1, False), (2, False)]


def test_stats_for_the_dashboard(log: AnswerLog) -> None:
    a = log.record(make_answer(), surface="cli")
    log.record(make_answer("q2", "no_answer", "Not covered."), surface="cli")
    log.record(make_answer(), surface="cli", at=utcnow() - timedelta(days=2))
    log.record_feedback(a, "helpful")
    log.record_feedback(a, "flag")
    stats = log.stats(7)
    assert len(stats.days) == 7 and stats.days[-1][0] == utcnow().date()
    assert stats.days[-1][1] == {"answered": 1, "no_answer": 1} and stats.days[-3][1] == {"answered": 1}
    assert stats.total == 3
    assert stats.feedback == {"helpful": 1, "not_helpful": 0, "flag": 1}
    assert stats.top_documents == [("un-sg-lethal-autonomous-weapons", "UN Secretary-General on LAWS", 2)]


def test_the_log_survives_reopening(database_url: str) -> None:
    first = AnswerLog.open(database_url, pseudonym_key=b"k")
    answer_id = first.record(make_answer(), surface="cli")
    first.close()
    second = AnswerLog.open(database_url, pseudonym_key=b"k")  # migrations are a no-op the second time
    assert second.get(answer_id).question == make_answer().question
    second.close()


def test_created_at_is_naive_utc(log: AnswerLog) -> None:
    before = utcnow()
    record = log.get(log.record(make_answer(), surface="cli"))
    assert record.created_at.tzinfo is None and abs(record.created_at - before) < timedelta(minutes=1)


def test_a_configured_secret_wins_and_otherwise_one_is_kept_in_the_data_dir(tmp_path: Path) -> None:
    path = tmp_path / "data" / "some.key"
    assert load_or_create_secret(path, SecretStr("from-settings")) == "from-settings"
    assert not path.exists()
    created = load_or_create_secret(path, SecretStr(""))  # empty counts as not configured
    assert len(created) == 64 and path.read_text(encoding="utf-8").strip() == created
    assert load_or_create_secret(path) == created
    assert path.stat().st_mode & 0o777 == 0o600


def test_migration_0003_keeps_each_persons_latest_feedback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text as sql

    from bot.answerlog._db import MIGRATIONS_DIR, VERSION_TABLE, make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    log = AnswerLog.open(url, pseudonym_key=None)
    answer_id = log.record(make_answer(), surface="slack")
    log.close()
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_table", VERSION_TABLE)
    with engine.begin() as connection:  # back to 0002, where every click added a row
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    with engine.begin() as connection:
        for kind, user in (("helpful", "U1"), ("flag", "U1"), ("helpful", "U2"), ("flag", ""), ("flag", "")):
            connection.execute(
                sql("INSERT INTO feedback (answer_id, kind, user_id, created_at) VALUES (:a, :k, :u, '2026-01-01')"),
                {"a": answer_id, "k": kind, "u": user},
            )
    upgrade(engine)
    engine.dispose()
    log = AnswerLog.open(url, pseudonym_key=None)
    try:
        assert sorted((f.user, f.kind) for f in log.get(answer_id).feedback) == [
            ("", "flag"),
            ("", "flag"),
            ("U1", "flag"),
            ("U2", "helpful"),
        ]
    finally:
        log.close()
