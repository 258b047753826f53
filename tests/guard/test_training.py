"""The guard's model is a build artefact of the labelled data: reproducible, checked against its manifest and data,
and refused with one line when damaged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.guard.data import data_hash, load_requests
from bot.core.guard.model import MANIFEST_FILE, MODEL_DIR, WEIGHTS_FILE, GuardModelError, content_hash, load_model
from bot.core.guard.train import train
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
