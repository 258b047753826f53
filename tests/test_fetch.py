"""URL ingestion against a real local HTTP server: fetch limits, format sniffing and the SSRF guard."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from ingest.errors import DocumentError
from ingest.fetch import FetchLimits, fetch
from tests.documents import pdf_bytes

PAGE = (
    b"<html><head><title>Falcon Guidance</title><script>track()</script></head><body><nav>Home | About</nav>"
    b"<main><h1>Falcon Guidance</h1><p>The Falcon Guidance asks labs to red-team releases of dual-use vision "
    b"models with an external panel.</p></main><footer>Contact us</footer></body></html>"
)


class _Site(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/slow":
            time.sleep(3)
        status, headers, body = self.routes.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    port = server.server_address[1]
    _Site.routes = {
        "/falcon": (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE),
        "/report": (200, {"Content-Type": "application/octet-stream"}, pdf_bytes(["Osprey report text."])),
        "/moved": (302, {"Location": "/falcon"}, b""),
        "/to-localhost": (302, {"Location": f"http://localhost:{port}/falcon"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/big": (200, {"Content-Type": "text/plain"}, b"word " * 400_000),
        "/archive": (200, {"Content-Type": "application/zip"}, b"PK\x03\x04" + b"\0" * 64),
        "/slow": (200, {"Content-Type": "text/plain"}, b"late"),
    }
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def _trusting(**overrides: object) -> FetchLimits:
    return FetchLimits(**{"private_hosts": frozenset({"127.0.0.1"}), "timeout": 1.0, **overrides})


def test_html_and_pdf_are_sniffed_and_redirects_followed(site: str) -> None:
    page = fetch(f"{site}/moved", _trusting())
    assert (page.fmt, page.url, page.default_id) == ("html", f"{site}/falcon", "127-0-0-1-falcon")
    assert fetch(f"{site}/report", _trusting()).fmt == "pdf"  # despite application/octet-stream


def test_loopback_and_private_addresses_are_refused_including_after_a_redirect(site: str) -> None:
    with pytest.raises(DocumentError, match=r"non-public address \(127\.0\.0\.1\).*DUALUSE_ALLOW_PRIVATE_URLS"):
        fetch(f"{site}/falcon", FetchLimits())
    # The first hop is trusted; the redirect to another internal name is checked again and refused.
    with pytest.raises(DocumentError, match="non-public address"):
        fetch(f"{site}/to-localhost", _trusting())
    for address in ("http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/"):
        with pytest.raises(DocumentError, match="non-public address"):
            fetch(address, FetchLimits())


@pytest.mark.parametrize(
    ("path", "limits", "message"),
    [
        ("/big", {"max_bytes": 1024 * 1024}, "over the 1 MB limit"),
        ("/archive", {}, "not a Word document"),
        ("/loop", {}, "redirects more than 5 times"),
        ("/missing", {}, "answered HTTP 404"),
        ("/slow", {"timeout": 0.5}, "did not finish within 0.5 s"),
    ],
)
def test_bad_responses_are_one_clear_line(site: str, path: str, limits: dict, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        fetch(f"{site}{path}", _trusting(**limits))


def test_cli_ingests_a_url_and_cites_it(
    site: str, shipped_index_dir: Path, isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    shutil.copytree(shipped_index_dir, isolated_environment / "index")
    runner = CliRunner()
    refused = runner.invoke(app, ["ingest", f"{site}/falcon"])
    assert refused.exit_code == 1 and "non-public address" in refused.stderr
    monkeypatch.setenv("DUALUSE_PRIVATE_URL_HOSTS", "127.0.0.1")
    added = runner.invoke(app, ["ingest", "--json", f"{site}/falcon"])
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["summary"]["added"] == 1
    answer = json.loads(
        runner.invoke(
            app, ["ask", "--json", "Which guidance asks labs to red-team vision model releases with an external panel?"]
        ).stdout
    )
    top = answer["citations"][0]
    assert (top["doc_id"], top["title"], top["url"]) == ("127-0-0-1-falcon", "Falcon Guidance", f"{site}/falcon")
    assert "Contact us" not in answer["answer"] and "track()" not in answer["answer"]
