"""Prometheus metrics for the long-running processes (bot and admin), each with its own registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.core.answers import Answer
from ingest.pipeline import IngestReport

CONTENT_TYPE = CONTENT_TYPE_LATEST
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.questions = Counter(
            "dualuse_questions",
            "Questions answered, by outcome and surface.",
            ["outcome", "surface"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "dualuse_answer_latency_seconds",
            "Time to produce an answer, by answer mode.",
            ["mode"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.ingested = Counter(
            "dualuse_ingest_documents",
            "Documents processed by ingest, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.slack_errors = Counter(
            "dualuse_slack_api_errors",
            "Slack Web API calls that failed, by method.",
            ["method"],
            registry=self.registry,
        )

    def observe_answer(self, answer: Answer, surface: str) -> None:
        self.questions.labels(answer.status, surface).inc()
        self.latency.labels(answer.mode).observe(answer.latency_ms / 1000)

    def observe_ingest(self, report: IngestReport) -> None:
        for result in report.results:
            self.ingested.labels(result.outcome).inc()

    def slack_api_error(self, method: str) -> None:
        self.slack_errors.labels(method).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
