"""The cross-language support threshold of citation verification, calibrated and then checked on held-out pairs.

``corpus/eval/verification/crosslingual_support.jsonl``: claims written in French, Spanish, Russian, Arabic and
Chinese, each paired with an English sentence of the shipped corpus and labelled by hand: does the sentence support
the claim?
Each supported claim also appears against a sibling sentence of the same document (same topic, another fact) as a
hard negative. The pairs are split by English sentence (every third held out), so no held-out sentence was seen
while choosing the threshold. Both sides are embedded with multilingual-e5-small's ``query:`` prefix (e5's advice
for symmetric similarity; it also separated the labels best of query/query, query/passage, passage/passage).

The threshold is the calibration split's best F0.5 (precision counts twice: a claim shown without support is worse
than a supported claim removed), the midpoint between the neighbouring scores. Compare it with
``bot.core.verification.MIN_CROSS_LANGUAGE_SUPPORT``.

    python bench/crosslingual_support.py [--quick] [--no-write]
"""

from __future__ import annotations

import json

import _common
import numpy as np

from corpus import eval_dir
from ingest.embeddings import MiniLMEmbeddings, MultilingualE5Embeddings

DATA = eval_dir() / "verification" / "crosslingual_support.jsonl"  # beside the golden set, not in it
BETA = 0.5


def precision_recall(scores: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[float, float]:
    passed = scores >= threshold
    true = int((passed & labels).sum())
    return (true / int(passed.sum()) if passed.any() else 1.0), true / max(int(labels.sum()), 1)


def f_beta(precision: float, recall: float) -> float:
    if precision + recall == 0:
        return 0.0
    return (1 + BETA**2) * precision * recall / (BETA**2 * precision + recall)


def calibrate(scores: np.ndarray, labels: np.ndarray) -> float:
    """The midpoint threshold with the best F0.5; the higher one when two tie."""
    values = np.unique(scores)
    candidates = [(a + b) / 2 for a, b in zip(values[:-1], values[1:], strict=True)]
    best = max(candidates, key=lambda t: (f_beta(*precision_recall(scores, labels, t)), t))
    return round(float(best), 3)


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    claims, passages = [r["claim"] for r in rows], [r["passage"] for r in rows]
    labels = np.array([r["supports"] for r in rows])
    held_out = np.array([r["split"] == "held-out" for r in rows])
    e5 = MultilingualE5Embeddings()
    scores = (e5.embed_queries(claims) * e5.embed_queries(passages)).sum(axis=1)
    threshold = calibrate(scores[~held_out], labels[~held_out])
    table_rows = []
    for name, part in (("calibration", ~held_out), ("held-out", held_out)):
        precision, recall = precision_recall(scores[part], labels[part], threshold)
        positives, negatives = int(labels[part].sum()), int((~labels[part]).sum())
        table_rows.append([name, positives, negatives, f"{precision:.3f}", f"{recall:.3f}"])
    languages = np.array([r["language"] for r in rows])
    for language in sorted(set(languages)):  # both splits: too few pairs per language to hold any out
        precision, recall = precision_recall(scores[languages == language], labels[languages == language], threshold)
        part = labels[languages == language]
        table_rows.append(
            [f"{language}, both splits", int(part.sum()), int((~part).sum()), f"{precision:.3f}", f"{recall:.3f}"]
        )
    if not args.quick:  # the English model on the same pairs: why the cross-language path needs its own encoder
        minilm = MiniLMEmbeddings()
        english = (minilm.embed_array(claims) * minilm.embed_array(passages)).sum(axis=1)
        table_rows.append(["MiniLM at 0.45, all pairs", int(labels.sum()), int((~labels).sum()), "", ""])
        precision, recall = precision_recall(english, labels, 0.45)
        table_rows[-1][3:] = [f"{precision:.3f}", f"{recall:.3f}"]
    table = _common.markdown_table(["split", "supported", "not supported", "precision", "recall"], table_rows)
    body = (
        f"{_common.timestamp()} · `{_common.command_line()}` · {len(rows)} hand-labelled pairs (claim in fr/es/ru/"
        f"ar/zh, English corpus sentence); multilingual-e5-small cosine threshold chosen on the calibration "
        f"split: **{threshold}**.\n\n{table}\n"
    )
    _common.publish("crosslingual_support", body, args)


if __name__ == "__main__":
    main()
