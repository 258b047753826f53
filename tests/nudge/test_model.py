"""The nudge model is a build artefact of the labelled messages: reproducible, checked against its manifest and data,
refused with one line when damaged, and held to the issue's goals on the blind split it never saw."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.app.nudge_model import measure_nudges
from bot.cli import app
from bot.core.extractive import SentenceVectors
from bot.core.guard import MisuseGuard
from bot.core.linear_heads import WEIGHT_ARRAYS, content_hash
from bot.core.nudge.data import data_hash, load_messages
from bot.core.nudge.evaluate import Decision, evaluate_nudges
from bot.core.nudge.model import MANIFEST_FILE, MODEL_DIR, NEIGHBOURS_FILE, WEIGHTS_FILE, NudgeModelError, load_model
from bot.core.nudge.train import train
from bot.core.vector_cache import VectorCache
from corpus import nudge_blind_dir, nudge_train_dir
from ingest.embeddings import MiniLMEmbeddings, MultilingualE5Embeddings

runner = CliRunner()


def test_the_shipped_model_was_trained_on_the_labelled_messages_as_they_are_now() -> None:
    result = runner.invoke(app, ["nudge", "check"])
    assert result.exit_code == 0, result.output
    assert load_model().manifest["data_sha256"] == data_hash([nudge_train_dir()])


def test_training_is_reproducible_and_learns_every_consideration(embeddings: MiniLMEmbeddings) -> None:
    messages = load_messages([nudge_train_dir()])[::4]
    vectors = dict(zip([m.text for m in messages], embeddings.embed_array([m.text for m in messages]), strict=True))

    def embed(texts: list[str]) -> np.ndarray:
        return np.vstack([vectors[t] for t in texts])

    first, report = train(messages, embed, embedding_id="minilm-l6-int8", data_sha256="x")
    second, _ = train(messages, embed, embedding_id="minilm-l6-int8", data_sha256="x")
    hashes = [content_hash({a: getattr(m, a) for a in WEIGHT_ARRAYS}) for m in (first, second)]
    assert hashes[0] == hashes[1]
    assert report.nudges == sum(m.nudge for m in messages)
    assert set(first.considerations) == {m.consideration for m in messages if m.nudge}
    # The threshold keeps out-of-fold false nudges within the goal's budget on the data it was chosen on.
    assert report.oof_false_nudges_per_1000 <= 1000 * first.manifest["max_false_nudges"] + 1e-9


def test_damaged_neighbours_are_refused_with_one_line(tmp_path: Path) -> None:
    assert load_model().neighbours is not None
    copy = tmp_path / "model"
    shutil.copytree(MODEL_DIR, copy)
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    manifest["neighbours"]["sha256"] = "0" * 64
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(NudgeModelError, match="neighbours .* do not match their manifest"):
        load_model(copy)
    (copy / NEIGHBOURS_FILE).write_bytes(b"PK\x03\x04 damaged")
    with pytest.raises(NudgeModelError, match="neighbours .* cannot be read"):
        load_model(copy)


def test_a_damaged_model_is_refused_with_one_line(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(MODEL_DIR, copy)
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    manifest["weights_sha256"] = "0" * 64
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(NudgeModelError, match="do not match their manifest"):
        load_model(copy)
    (copy / WEIGHTS_FILE).write_bytes(b"not a numpy archive")
    with pytest.raises(NudgeModelError, match="cannot be read"):
        load_model(copy)


def test_a_bad_labelled_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "we ship friday", "label": "maybe"}\n', encoding="utf-8")
    result = runner.invoke(app, ["nudge", "eval", "--set", str(bad)])
    assert result.exit_code == 1
    assert "bad.jsonl:1: label 'maybe' is not one of nudge, everyday" in result.stderr
    missing = runner.invoke(app, ["nudge", "eval", "--set", str(tmp_path / "nowhere.jsonl")])
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_the_classifier_meets_the_goals_on_the_blind_split() -> None:
    report = measure_nudges([nudge_blind_dir()])
    assert report.metrics["nudge_messages"] == 1160
    assert report.passed, report.failures


def test_the_evaluation_embeds_messages_in_batches_and_decides_the_same(
    embeddings: MiniLMEmbeddings, multilingual_model: MultilingualE5Embeddings
) -> None:
    messages = load_messages([nudge_train_dir()])[:70]
    calls: list[int] = []

    def counted(texts: Sequence[str]) -> np.ndarray:
        calls.append(len(texts))
        return multilingual_model.embed_queries(texts)

    guard = MisuseGuard(SentenceVectors(embeddings), multilingual=VectorCache(counted))
    model = load_model()

    def decide(text: str) -> Decision:
        judgement = model.judge(text, guard.embed([text])[0])
        return Decision(judgement.score >= model.threshold, judgement.score)

    batched = evaluate_nudges(messages, decide, lambda texts: guard.prefetch([(t, ()) for t in texts]))
    assert len(calls) == 2  # 64 messages, then the last 6: no message embedded on its own
    calls.clear()
    one_by_one = evaluate_nudges(messages, decide)  # cached now: the same vectors, the same decisions
    assert calls == [] and batched.metrics == one_by_one.metrics
