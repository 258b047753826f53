"""The guard's model is a build artefact of the labelled data: reproducible, checked against its manifest and data,
and refused with one line when damaged."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.extractive import SentenceVectors
from bot.core.guard.data import data_hash, load_requests
from bot.core.guard.features import dense, hashed
from bot.core.guard.guard import MisuseGuard
from bot.core.guard.model import (
    MANIFEST_FILE,
    MODEL_DIR,
    NEIGHBOURS_FILE,
    WEIGHTS_FILE,
    GuardModelError,
    load_model,
)
from bot.core.guard.normalize import normalize
from bot.core.guard.rules import read
from bot.core.guard.train import train
from bot.core.linear_heads import content_hash
from bot.core.neighbours import Neighbours, combined_score, quantised, unit_rows
from corpus import safety_train_dir
from ingest.embeddings import MiniLMEmbeddings

runner = CliRunner()


def test_the_shipped_model_was_trained_on_the_labelled_data_as_it_is_now() -> None:
    result = runner.invoke(app, ["guard", "check"])
    assert result.exit_code == 0, result.output
    assert load_model().manifest["data_sha256"] == data_hash([safety_train_dir()])


def test_training_is_reproducible(embeddings: MiniLMEmbeddings) -> None:
    requests = load_requests([safety_train_dir()])[::12]  # every 12th request: a few hundred, seconds to train
    vectors = embeddings.embed_array(
        [r.text for r in requests] + [" ".join((*r.history[-2:], r.text)) for r in requests if r.history]
    )
    cache = dict(
        zip(
            [r.text for r in requests] + [" ".join((*r.history[-2:], r.text)) for r in requests if r.history],
            vectors,
            strict=True,
        )
    )

    def embed(texts: list[str]) -> np.ndarray:
        return np.vstack([cache[t] for t in texts])

    first, report = train(requests, embed, embedding_id="minilm-l6-int8", data_sha256="x")
    second, _ = train(requests, embed, embedding_id="minilm-l6-int8", data_sha256="x")
    arrays = ("dense_coef", "sparse_cols", "sparse_coef", "intercept")
    assert content_hash({a: getattr(first, a) for a in arrays}) == content_hash({a: getattr(second, a) for a in arrays})
    assert 0.3 <= report.threshold <= 0.99 and report.harmful == sum(r.harmful for r in requests)
    # The figures per language of the data add up to the whole: a trainer sees where to write more.
    by_language = report.by_language
    assert set(by_language) == {r.lang for r in requests} and {"ar", "en", "ru", "zh"} <= set(by_language)
    assert sum(f.harmful for f in by_language.values()) == report.harmful
    caught = sum(f.recall * f.harmful for f in by_language.values())
    assert caught == pytest.approx(report.oof_recall * report.harmful)


def test_a_damaged_model_is_refused_with_one_line(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(MODEL_DIR, copy)
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    manifest["weights_sha256"] = "0" * 64
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(GuardModelError, match="do not match their manifest"):
        load_model(copy)
    (copy / WEIGHTS_FILE).write_bytes(b"not a numpy archive")
    with pytest.raises(GuardModelError, match="cannot be read"):
        load_model(copy)


def test_a_bad_labelled_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hello", "label": "weather"}\n', encoding="utf-8")
    result = runner.invoke(app, ["guard", "eval", "--set", str(bad)])
    assert result.exit_code == 1
    assert "bad.jsonl:1: label 'weather' is not one of" in result.stderr


def test_the_nearest_labelled_request_moves_the_score() -> None:
    vectors = unit_rows(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.6, 0.8, 0.0]]))
    neighbours = Neighbours(quantised(vectors), np.array([True, False, False]), weight=60.0)
    near_harmful, near_benign = unit_rows(np.array([[0.9, 0.1, 0.1]])), unit_rows(np.array([[0.1, 0.9, 0.1]]))
    assert neighbours.shift(near_harmful) > 0 > neighbours.shift(near_benign)
    assert (
        combined_score(0.5, neighbours.shift(near_harmful)) > 0.5 > combined_score(0.5, neighbours.shift(near_benign))
    )
    with pytest.raises(ValueError, match="both positive and negative"):
        Neighbours(quantised(vectors), np.array([True, True, True]), weight=60.0)


def test_the_shipped_model_reads_its_neighbours_and_they_count(embeddings: MiniLMEmbeddings) -> None:
    guard, model = MisuseGuard(SentenceVectors(embeddings)), load_model()
    assert model.neighbours is not None and len(model.neighbours.vectors) == model.manifest["examples"]
    request = next(r for r in load_requests([safety_train_dir()]) if r.harmful and not r.history)
    vector = guard.embed([request.text])[0]
    logits = model.logits(dense(vector, read(normalize(request.text))), hashed(normalize(request.text)))
    # A harmful training request is its own nearest neighbour: the margin can only raise its score.
    assert model.harm_score(logits, vector) > replace(model, neighbours=None).harm_score(logits, vector)


def test_damaged_neighbours_are_refused_with_one_line(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(MODEL_DIR, copy)
    (copy / NEIGHBOURS_FILE).write_bytes(b"PK\x03\x04 damaged")
    with pytest.raises(GuardModelError, match="neighbours .* cannot be read"):
        load_model(copy)
    shutil.copy(MODEL_DIR / NEIGHBOURS_FILE, copy / NEIGHBOURS_FILE)
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    manifest["neighbours"]["sha256"] = "0" * 64
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(GuardModelError, match="neighbours .* do not match their manifest"):
        load_model(copy)
