"""Fetch a web page or document for ingestion, safely.

Addresses that resolve to loopback, private, link-local or otherwise internal networks are refused (server-side
request forgery) unless explicitly allowed; every redirect hop is checked again. IPv6 forms that carry an IPv4
address (IPv4-mapped and -compatible, NAT64, 6to4, Teredo) are judged by the IPv4 address inside, and multicast is
refused. Downloads are bounded in size and in time: ``timeout`` bounds the whole fetch (every redirect, every read),
not each read, so a server dripping a byte at a time cannot hold it open. The format is sniffed from the bytes, not
trusted from the extension or header alone.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import zipfile
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import urljoin, urlparse

import httpx

from .documents import slugify
from .errors import DocumentError

MAX_REDIRECTS = 5
USER_AGENT = "dualuse-assistant/0.1 (+corpus ingestion)"


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = 50 * 1024 * 1024
    timeout: float = 20.0
    allow_private: bool = False
    private_hosts: frozenset[str] = frozenset()  # internal hosts that may be fetched although not public


@dataclass(frozen=True)
class Fetched:
    url: str  # the final address, after redirects: the citation link
    data: bytes
    fmt: str  # 'pdf', 'docx', 'html', 'markdown' or 'text'
    default_id: str


# IPv6 ranges that carry an IPv4 address in their low 32 bits (RFC 6052 NAT64, RFC 8215 local-use NAT64, RFC 4291).
_EMBEDDING_IPV4 = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("::/96"),
)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address (the server's is public by construction)
    if any(address in network for network in _EMBEDDING_IPV4) and int(address) & 0xFFFFFFFF:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why fetching from ``address`` could reach an internal service ('' when it is a public unicast address)."""
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            problem = address_problem(inner)
            return f"an IPv6 form of {inner}" if problem else ""
    if not address.is_global or address.is_reserved or address.is_unspecified:
        return "non-public"
    return ""


def _check_address(url: str, limits: FetchLimits) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise DocumentError(url, "is not an http(s) address")
    if limits.allow_private or parsed.hostname.lower() in limits.private_hosts:
        return
    try:
        infos = socket.getaddrinfo(parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80))
    except socket.gaierror:
        raise DocumentError(url, f"host '{parsed.hostname}' could not be resolved") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        problem = address_problem(address)
        if problem:
            detail = "" if problem == "non-public" else f", {problem}"
            raise DocumentError(
                url,
                f"resolves to a non-public address ({address}{detail}); refused to protect internal services "
                "(list the host in DUALUSE_PRIVATE_URL_HOSTS, or set DUALUSE_ALLOW_PRIVATE_URLS=true)",
            )


def sniff_format(data: bytes, content_type: str, url: str) -> str:
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as package:
                if "word/document.xml" in package.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        raise DocumentError(
            url, "is a zip archive but not a Word document; only PDF, DOCX, HTML and text are supported"
        )
    lowered = head.lower()
    if b"<html" in lowered or b"<!doctype html" in lowered or "html" in content_type:
        return "html"
    if b"\x00" in head:
        raise DocumentError(url, f"is binary content ({content_type or 'unknown type'}) that cannot be ingested")
    path = urlparse(url).path.lower()
    if "markdown" in content_type or path.endswith((".md", ".markdown")):
        return "markdown"
    return "text"


def fetch(url: str, limits: FetchLimits | None = None) -> Fetched:
    limits = limits or FetchLimits()
    current = url
    deadline = time.monotonic() + limits.timeout
    too_slow = DocumentError(url, f"did not finish within {limits.timeout:g} s")

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise too_slow
        return left

    with httpx.Client(follow_redirects=False, headers={"User-Agent": USER_AGENT}) as client:
        for _ in range(MAX_REDIRECTS + 1):
            _check_address(current, limits)
            try:
                # Each hop gets what is left of the budget, and the body loop checks the clock after every read.
                with client.stream("GET", current, timeout=remaining()) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise DocumentError(url, "redirects without a Location header")
                        current = urljoin(current, location)
                        continue
                    if response.status_code >= 400:
                        raise DocumentError(url, f"answered HTTP {response.status_code}")
                    declared = int(response.headers.get("content-length") or 0)
                    if declared > limits.max_bytes:
                        raise DocumentError(
                            url,
                            f"is {declared / (1024 * 1024):.1f} MB, over the "
                            f"{limits.max_bytes / (1024 * 1024):g} MB limit",
                        )
                    body = bytearray()
                    for block in response.iter_bytes():
                        remaining()
                        body += block
                        if len(body) > limits.max_bytes:
                            raise DocumentError(url, f"is over the {limits.max_bytes / (1024 * 1024):g} MB limit")
                    content_type = response.headers.get("content-type", "").lower()
            except httpx.TimeoutException:
                raise too_slow from None
            except httpx.HTTPError as exc:
                raise DocumentError(url, f"could not be fetched ({type(exc).__name__})") from None
            data = bytes(body)
            if not data.strip():
                raise DocumentError(url, "is empty")
            parsed = urlparse(current)
            return Fetched(
                current, data, sniff_format(data, content_type, current), slugify(f"{parsed.hostname}{parsed.path}")
            )
    raise DocumentError(url, f"redirects more than {MAX_REDIRECTS} times")
