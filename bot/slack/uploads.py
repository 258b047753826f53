"""Download a file a trainer shared with the bot, with every check that can run before parsing.

In order: the type (extension, else Slack's mimetype), the size Slack declares, the download host (the bot token
is only ever sent to Slack), the size while streaming (a declared size can lie), and the bytes themselves (a PDF
must start like a PDF, a DOCX must be a Word package, text must not be binary). Parsing then happens in the
isolated parser, which bounds what a hostile file that passes these checks can do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import urlparse

import httpx

from bot.app import SUPPORTED_SUFFIXES, slugify, sniff_format
from ingest.errors import DocumentError, UnsupportedTypeError

MIMETYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
    "text/html": "html",
}
SUPPORTED = "PDF, DOCX, Markdown, text or HTML"
SLACK_FILE_HOSTS = ("slack.com", "slack-edge.com")


@dataclass(frozen=True)
class SharedFile:
    """The fields of a Slack file object that matter here."""

    id: str
    name: str
    size: int
    mimetype: str
    download_url: str

    @classmethod
    def from_event(cls, file: dict[str, Any]) -> SharedFile:
        return cls(
            id=str(file.get("id") or ""),
            name=str(file.get("name") or file.get("title") or file.get("id") or "file"),
            size=int(file.get("size") or 0),
            mimetype=str(file.get("mimetype") or ""),
            download_url=str(file.get("url_private_download") or file.get("url_private") or ""),
        )

    @property
    def default_id(self) -> str:
        return slugify(PurePath(self.name).stem)


def declared_format(file: SharedFile) -> str:
    """The format the file claims to be, from its extension (or, without one we know, its mimetype)."""
    fmt = SUPPORTED_SUFFIXES.get(PurePath(file.name).suffix.lower()) or MIMETYPES.get(file.mimetype.split(";")[0])
    if fmt is None:
        raise UnsupportedTypeError(file.name, f"is not a file type I can add; share a {SUPPORTED} file")
    return fmt


def check_size(file: SharedFile, max_bytes: int) -> None:
    if file.size > max_bytes:
        raise DocumentError(file.name, f"is {_mb(file.size)} MB, over the {_mb(max_bytes)} MB limit for uploads")


def download(file: SharedFile, token: str, *, max_bytes: int, timeout: float, api_url: str | None) -> bytes:
    """The file's bytes, fetched with the bot token; stops reading as soon as the limit is passed."""
    if not file.download_url:  # e.g. a Google Drive link shared as a file: Slack holds no copy to download
        raise DocumentError(file.name, "is not stored in Slack, so I cannot download it; share the file itself")
    if not _is_slack_address(file.download_url, api_url):
        # The token reads every file the bot can see: it must not travel to an address an event merely names.
        raise DocumentError(file.name, "has a download address outside Slack; not downloaded")
    headers = {"Authorization": f"Bearer {token}"}
    body = bytearray()
    try:
        # httpx drops the Authorization header on a redirect to another host, so following redirects is safe.
        with httpx.stream("GET", file.download_url, headers=headers, timeout=timeout, follow_redirects=True) as reply:
            if reply.status_code >= 400:
                raise DocumentError(file.name, f"could not be downloaded from Slack (HTTP {reply.status_code})")
            if "text/html" in reply.headers.get("content-type", "") and not file.name.lower().endswith(
                (".html", ".htm")
            ):
                # Slack answers a download without a valid token with its HTML sign-in page, not an error status.
                raise DocumentError(
                    file.name, "could not be downloaded: Slack sent a sign-in page (is files:read granted?)"
                )
            for block in reply.iter_bytes():
                body += block
                if len(body) > max_bytes:
                    raise DocumentError(file.name, f"is over the {_mb(max_bytes)} MB limit for uploads")
    except httpx.TimeoutException:
        raise DocumentError(file.name, f"could not be downloaded within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise DocumentError(file.name, f"could not be downloaded ({type(exc).__name__})") from None
    data = bytes(body)
    if not data.strip():
        raise DocumentError(file.name, "is empty")
    return data


def check_content(data: bytes, fmt: str, name: str) -> None:
    """The bytes must be what the name says: no PDF called .docx, no binary called .md."""
    sniffed = sniff_format(data, "", name)  # raises for binary content and non-Word zip archives
    if fmt in ("pdf", "docx") and sniffed != fmt:
        raise DocumentError(name, f"is not a {fmt.upper()} file although its name or type says so")
    if fmt not in ("pdf", "docx") and sniffed in ("pdf", "docx"):
        raise DocumentError(name, f"is a {sniffed.upper()} file named as {fmt}; rename it and share it again")


def _is_slack_address(url: str, api_url: str | None) -> bool:
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if parsed.scheme == "https" and any(host == h or host.endswith(f".{h}") for h in SLACK_FILE_HOSTS):
        return True
    if api_url:  # a Slack-compatible gateway (or the tests' emulator) serves the files as well
        api = urlparse(api_url)
        return (parsed.scheme, parsed.hostname, parsed.port) == (api.scheme, api.hostname, api.port)
    return False


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")
