"""Document metadata from YAML front matter (Markdown) or a sidecar file (``report.pdf.meta.yml``)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from ..documents import DOCUMENT_KINDS
from ..language import LANGUAGE_NAMES

ALLOWED_KEYS = ("id", "title", "kind", "publisher", "date", "url", "author", "tags", "language")
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,119}$")
_DATE_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_FENCE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class FrontMatterError(ValueError):
    """The metadata block is malformed; the message says how."""


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return (metadata, body). A file that opens with '---' but never closes it is an error."""
    if not text.startswith("---"):
        return {}, text
    match = _FENCE.match(text)
    if match is None:
        raise FrontMatterError("front matter opens with '---' but has no closing '---' line")
    return parse_metadata_block(match.group(1)), text[match.end() :]


def parse_metadata_block(block: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise FrontMatterError(f"front matter is not valid YAML{where}") from None
    except ValueError as exc:  # YAML's own date parsing rejects e.g. 2023-13-45 with a plain ValueError
        raise FrontMatterError(f"front matter contains a date that is not a real date ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError("front matter must be a mapping of 'key: value' lines")
    return validate_metadata(data)


def validate_metadata(data: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(str(k) for k in data if k not in ALLOWED_KEYS)
    if unknown:
        raise FrontMatterError(f"unknown front matter key(s) {', '.join(unknown)}; allowed: {', '.join(ALLOWED_KEYS)}")
    clean: dict[str, Any] = {}
    for key in ("id", "title", "kind", "publisher", "url", "author", "language"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str | int | float):
            raise FrontMatterError(f"front matter '{key}' must be text")
        clean[key] = str(value).strip()
    if "id" in clean and not _ID_PATTERN.match(clean["id"]):
        raise FrontMatterError(
            f"front matter id '{clean['id']}' must be lower-case letters, digits, '.', '_' or '-' (max 120)"
        )
    if "language" in clean:
        clean["language"] = _language_code(clean["language"])
    if "kind" in clean and clean["kind"] not in DOCUMENT_KINDS:
        raise FrontMatterError(f"front matter kind '{clean['kind']}' must be one of {', '.join(DOCUMENT_KINDS)}")
    if "date" in data and data["date"] is not None:
        clean["date"] = _normalise_date(data["date"])
    if clean.get("url") and not clean["url"].startswith(("http://", "https://")):
        raise FrontMatterError(f"front matter url '{clean['url']}' must start with http:// or https://")
    if "title" in data and not clean.get("title"):
        raise FrontMatterError("front matter title is empty")
    return clean


def _language_code(value: str) -> str:
    # A regional tag names its language ("fr-CA", "zh_Hans" -> fr, zh); case does not matter.
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    if code not in LANGUAGE_NAMES:
        raise FrontMatterError(
            f"front matter language '{value}' is not a language code we know; use one of {', '.join(LANGUAGE_NAMES)} "
            "(ISO 639-1), or leave it out to have the language detected"
        )
    return code


def _normalise_date(value: Any) -> str:
    # YAML turns an unquoted 2023-09-25 into a date object; accept both that and text.
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return ""  # unknown date
    if not _DATE_PATTERN.match(text):
        raise FrontMatterError(f"front matter date '{text}' must look like YYYY, YYYY-MM or YYYY-MM-DD")
    parts = [int(p) for p in text.split("-")]
    try:
        if len(parts) == 3:
            dt.date(*parts)
        elif len(parts) == 2 and not 1 <= parts[1] <= 12:
            raise ValueError
    except ValueError:
        raise FrontMatterError(f"front matter date '{text}' is not a real date") from None
    return text


def sidecar_path(path: Path) -> Path | None:
    for suffix in (".meta.yml", ".meta.yaml"):
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file():
            return candidate
    return None


def is_sidecar(path: Path) -> bool:
    return path.name.endswith((".meta.yml", ".meta.yaml"))


def read_sidecar(path: Path) -> dict[str, Any]:
    sidecar = sidecar_path(path)
    if sidecar is None:
        return {}
    try:
        return parse_metadata_block(sidecar.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise FrontMatterError(f"metadata file {sidecar.name} is not UTF-8 text") from None
    except FrontMatterError as exc:
        raise FrontMatterError(f"in {sidecar.name}: {exc}") from None
