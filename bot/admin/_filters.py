"""Query parameters -> an AnswerFilter, shared by the HTML pages and the JSON API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import urlencode

from bot.app import AnswerFilter, AnswerLogError

FILTER_KEYS = ("status", "feedback", "review", "since", "until", "q", "surface", "area")


def _date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        raise AnswerLogError(f"'{name}' must be a date like 2025-03-31") from None


def parse_filters(params: Mapping[str, str]) -> AnswerFilter:
    """Raises AnswerLogError (shown to the admin) for a bad date or an unknown status/feedback/review value."""
    value = {key: (params.get(key) or "").strip() for key in FILTER_KEYS}
    return AnswerFilter(
        status=value["status"],
        feedback=value["feedback"],
        review=value["review"],
        since=_date(value["since"], "since"),
        until=_date(value["until"], "until"),
        text=value["q"][:200],
        surface=value["surface"],
        area=value["area"],
    )


def positive_int(value: str | None, default: int, *, name: str, maximum: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise AnswerLogError(f"'{name}' must be a whole number") from None
    if number < 0:
        raise AnswerLogError(f"'{name}' must not be negative")
    return min(number, maximum)


def query_string(params: Mapping[str, str], **changes: object) -> str:
    """The current filters with some values changed (for pagination links); empty values dropped."""
    merged = {key: params.get(key, "") for key in (*FILTER_KEYS, "page")}
    merged.update({key: str(value) for key, value in changes.items()})
    return urlencode({key: value for key, value in merged.items() if value})
