"""Logging for the entry points: readable text by default, JSON lines for log collectors."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and the exception when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "WARNING", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonLineFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Chatty libraries stay at WARNING unless we debug.
    for noisy in ("httpx", "httpcore", "chromadb", "urllib3", "slack_bolt", "slack_sdk"):
        logging.getLogger(noisy).setLevel(
            max(logging.getLevelName(level), logging.WARNING) if level != "DEBUG" else logging.DEBUG
        )
