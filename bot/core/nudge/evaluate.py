"""Measure nudging on labelled workplace messages: precision, recall (overall and per consideration) and false
nudges per 1,000 everyday messages, with the mistakes listed for review."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..vector_cache import prefetched
from .data import LabelledMessage

# Gates on the blind split. Precision and false nudges hold the goals; recall holds today's measured figure
# (0.594) with a little headroom so that a regression fails CI. The goal is 0.7 (docs/nudges.md gives the gap).
NUDGE_THRESHOLDS: dict[str, tuple[str, float]] = {
    "nudge_precision": (">=", 0.9),
    "nudge_recall": (">=", 0.7),
    "nudge_false_per_1000": ("<=", 2.0),
}


@dataclass(frozen=True)
class Decision:
    nudged: bool
    score: float


@dataclass
class NudgeReport:
    metrics: dict[str, float]
    per_topic: dict[str, dict[str, float]]
    mistakes: list[dict[str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def evaluate_nudges(
    messages: Sequence[LabelledMessage],
    decide: Callable[[str], Decision],
    prefetch: Callable[[Sequence[str]], None] | None = None,
) -> NudgeReport:
    """``prefetch(texts)``, when given, embeds the next messages in one batch (``decide`` then finds them cached)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # per topic: [nudged, total] that should trigger
    true_nudges = false_nudges = everyday = 0
    mistakes: list[dict[str, str]] = []
    ahead = None if prefetch is None else lambda batch: prefetch([m.text for m in batch])
    for message in prefetched(messages, ahead):
        decision = decide(message.text)
        if message.nudge:
            counts[message.topic][1] += 1
            counts[message.topic][0] += decision.nudged
            true_nudges += decision.nudged
        else:
            everyday += 1
            false_nudges += decision.nudged
        if decision.nudged != message.nudge:
            mistakes.append(
                {
                    "kind": "missed" if message.nudge else "false nudge",
                    "topic": message.topic,
                    "text": message.text,
                    "score": f"{decision.score:.3f}",
                    "source": message.source,
                }
            )
    should = sum(c[1] for c in counts.values())
    nudged = true_nudges + false_nudges
    metrics = {
        "nudge_messages": float(len(messages)),
        "nudge_precision": true_nudges / nudged if nudged else 1.0,
        "nudge_recall": true_nudges / should if should else 1.0,
        "nudge_false_per_1000": 1000 * false_nudges / everyday if everyday else 0.0,
    }
    per_topic = {k: {"recall": c[0] / c[1], "messages": float(c[1])} for k, c in sorted(counts.items())}
    failures = [
        f"{name} = {metrics[name]:.3f}, needs {op} {bound}"
        for name, (op, bound) in NUDGE_THRESHOLDS.items()
        if (metrics[name] < bound if op == ">=" else metrics[name] > bound)
    ]
    return NudgeReport(metrics, per_topic, mistakes, failures)
