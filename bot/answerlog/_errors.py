"""Errors of the answer log, written for the person at the terminal or on the admin page."""

from __future__ import annotations

from ingest.errors import DualuseError


class AnswerLogError(DualuseError):
    """The answer log cannot be opened, or a request to it is invalid (unknown id, bad filter)."""


class AnswerLogUnavailable(AnswerLogError):
    """The log's database server cannot be reached right now (trying again later may work)."""
