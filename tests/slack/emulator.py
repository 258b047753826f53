"""A small Slack emulator for tests: the Web API over HTTP on 127.0.0.1 and a Socket Mode WebSocket server.

It records every call, keeps the messages posted so that ``conversations.replies`` can return a thread, and can be
told to fail a method (429 with Retry-After, or 500) for the next N calls. It also serves uploaded files at their
``url_private_download`` (only with ``Authorization: Bearer <bot token>``, like Slack), opens and updates views, and
lists user-group and channel members (``conversations.members``, paged). ``users.info`` answers every user, with the
``locale`` set in ``locales`` when asked ``include_locale`` (as Slack does).

Every message, view and response_url payload is checked against Slack's Block Kit limits (``blockkit.py``): what
Slack would reject is answered ``invalid_blocks`` and kept in ``rejected``, and the Slack tests fail when anything
lands there. Messages can be deleted (``delete``), ``chat.update`` of a deleted message answers
``message_not_found``, and ``revoke()`` makes every call answer ``invalid_auth`` until ``restore()``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from websockets.sync.server import ServerConnection, serve

from tests.slack.blockkit import message_problems, view_problems

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T0000001"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when the emulator received it


@dataclass
class Failure:
    status: int
    times: int
    retry_after: int = 1


@dataclass
class SlackEmulator:
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages
    failures: dict[str, Failure] = field(default_factory=dict)
    acks: list[dict[str, Any]] = field(default_factory=list)
    bot_token: str = ""  # the token file downloads require
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # file id -> (content, mimetype)
    usergroups: dict[str, list[str]] = field(default_factory=dict)  # group id -> member user ids
    members: dict[str, list[str]] = field(default_factory=dict)  # channel id -> member user ids (the bot is in it)
    locales: dict[str, str] = field(default_factory=dict)  # user id -> Slack locale ("fr-FR"); others have none
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)  # (method, problems) Slack would refuse
    revoked: bool = False  # every call answers invalid_auth, as after the token is revoked
    deletes: Callable[[str, dict[str, Any]], bool] | None = None  # (channel, message) -> a person deletes it at once
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _http: ThreadingHTTPServer | None = None
    _ws: Any = None
    _sockets: list[ServerConnection] = field(default_factory=list)

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> SlackEmulator:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path, _, query = self.path.partition("?")
                self._reply(path, dict(parse_qsl(query)))

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw))
                self._reply(self.path.partition("?")[0], params)

            def _reply(self, path: str, params: dict[str, Any]) -> None:
                status, payload, headers = owner._handle(path, params, dict(self.headers))
                body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                if "Content-Type" not in headers:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        self._ws = serve(self._on_socket, "127.0.0.1", 0)
        threading.Thread(target=self._ws.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        for connection in list(self._sockets):
            connection.close()
        if self._ws is not None:
            self._ws.shutdown()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()

    @property
    def api_url(self) -> str:
        assert self._http is not None
        return f"http://127.0.0.1:{self._http.server_address[1]}/api"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self._ws.socket.getsockname()[1]}/link/?ticket=test"

    def response_url(self, name: str = "") -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/response/{name or uuid.uuid4().hex}"

    # -- test controls -------------------------------------------------------------------------------------
    def fail(self, method: str, status: int, times: int = 1, retry_after: int = 1) -> None:
        with self._lock:
            self.failures[method] = Failure(status, times, retry_after)

    def add_file(self, name: str, data: bytes, mimetype: str, *, declared_size: int | None = None) -> dict[str, Any]:
        """Store a file and return the Slack file object an event carries (``declared_size`` can lie)."""
        file_id = "F" + uuid.uuid4().hex[:10].upper()
        with self._lock:
            self.files[file_id] = (data, mimetype)
        base = self.api_url.removesuffix("/api")
        return {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1],
            "size": len(data) if declared_size is None else declared_size,
            "url_private": f"{base}/files-pri/{TEAM_ID}-{file_id}/{name}",
            "url_private_download": f"{base}/files-pri/{TEAM_ID}-{file_id}/download/{name}",
        }

    def delete(self, channel: str, ts: str) -> None:
        """The message is gone, as when a person deletes it: later updates answer message_not_found."""
        with self._lock:
            self.messages[channel] = [m for m in self.messages.get(channel, []) if m["ts"] != ts]

    def revoke(self) -> None:
        self.revoked = True

    def restore(self) -> None:
        self.revoked = False

    def take_rejected(self) -> list[tuple[str, list[str]]]:
        with self._lock:
            rejected, self.rejected = self.rejected, []
        return rejected

    def seed(self, channel: str, message: dict[str, Any]) -> None:
        with self._lock:
            self.messages.setdefault(channel, []).append(message)

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.method == method and all(c.params.get(k) == v for k, v in match.items())]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s; calls: {[c.method for c in self.calls]}")

    def send_envelope(self, payload: dict[str, Any], kind: str = "events_api", retry_attempt: int = 0) -> str:
        """Push a Socket Mode envelope to every connected client; returns its envelope_id."""
        envelope_id = uuid.uuid4().hex
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
            "payload": payload,
        }
        for connection in list(self._sockets):
            connection.send(json.dumps(envelope))
        return envelope_id

    def wait_for_socket(self, timeout: float = 30.0) -> None:
        self.wait_for(lambda: self._sockets, timeout)

    # -- Socket Mode ---------------------------------------------------------------------------------------
    def _on_socket(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "emulator"}}))
        self._sockets.append(connection)
        try:
            for message in connection:
                data = json.loads(message)
                if "envelope_id" in data:
                    problems = message_problems((data.get("payload") or {}).get("blocks"))
                    with self._lock:
                        self.acks.append(data)
                        if problems:
                            self.rejected.append(("socket_mode_ack", problems))
        except Exception:  # the client went away
            pass
        finally:
            self._sockets.remove(connection)

    # -- Web API -------------------------------------------------------------------------------------------
    def _handle(self, path: str, params: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any, dict]:
        if path.startswith("/files-pri/"):
            return self._download(path, headers)
        if path.startswith("/response/"):
            problems = message_problems(params.get("blocks"))
            with self._lock:
                self.calls.append(Call("response_url", params | {"_path": path}, headers, 400 if problems else 200))
                if problems:
                    self.rejected.append(("response_url", problems))
            if problems:
                return 400, {"ok": False, "error": "invalid_blocks", "errors": problems}, {}
            return 200, b"ok", {}
        method = path.rsplit("/", 1)[-1]
        for key in ("blocks", "view", "prompts", "chunks", "loading_messages"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        problems = self._problems(method, params)
        with self._lock:
            if self.revoked:
                self.calls.append(Call(method, params, headers, 200, {"ok": False, "error": "invalid_auth"}))
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            if problems:
                self.rejected.append((method, problems))
                error = "invalid_arguments" if method.startswith("views.") else "invalid_blocks"
                response = {"ok": False, "error": error, "errors": problems}
                self.calls.append(Call(method, params, headers, 200, response))
                return 200, response, {}
            failure = self.failures.get(method)
            if failure is not None and failure.times > 0:
                failure.times -= 1
                self.calls.append(Call(method, params, headers, failure.status))
                if failure.status == 429:
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(failure.retry_after)}
                return failure.status, {"ok": False, "error": "internal_error"}, {}
            response = self._answer(method, params)
            self.calls.append(Call(method, params, headers, 200, response))
            return 200, response, {}

    @staticmethod
    def _problems(method: str, params: dict[str, Any]) -> list[str]:
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "chat.stopStream"):
            return message_problems(params.get("blocks"))
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            return view_problems(params.get("view"))
        return []

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel") or params.get("channel_id") or ""
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "team_id": TEAM_ID,
                "user": "dualuse",
                "team": "Test",
                "url": "https://test.slack.com/",
            }
        if method in ("chat.postMessage", "chat.startStream"):
            ts = self._next_ts()
            message = {
                "type": "message",
                "ts": ts,
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "text": params.get("text", ""),
                "blocks": params.get("blocks", []),
            }
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            if self.deletes is None or not self.deletes(channel, message):
                self.messages.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            found = [m for m in self.messages.get(channel, []) if m["ts"] == params.get("ts")]
            if not found:
                return {"ok": False, "error": "message_not_found"}
            found[0].update(text=params.get("text", ""), blocks=params.get("blocks", []))
            return {"ok": True, "channel": channel, "ts": params.get("ts"), "text": params.get("text", "")}
        if method == "chat.delete":
            before = len(self.messages.get(channel, []))
            self.messages[channel] = [m for m in self.messages.get(channel, []) if m["ts"] != params.get("ts")]
            if len(self.messages[channel]) == before:
                return {"ok": False, "error": "message_not_found"}
            return {"ok": True, "channel": channel, "ts": params.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.replies":
            thread = [
                m
                for m in self.messages.get(channel, [])
                if m["ts"] == params.get("ts") or m.get("thread_ts") == params.get("ts")
            ]
            return {"ok": True, "messages": sorted(thread, key=lambda m: float(m["ts"])), "has_more": False}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.ws_url}
        if method in ("chat.appendStream", "chat.stopStream"):
            return {"ok": True, "channel": channel, "ts": params.get("ts")}
        if method == "views.open":
            view_id = "V" + uuid.uuid4().hex[:10].upper()
            return {"ok": True, "view": {**params.get("view", {}), "id": view_id, "hash": f"{view_id}-1"}}
        if method == "views.update":
            view_id = params.get("view_id", "")
            return {"ok": True, "view": {**params.get("view", {}), "id": view_id, "hash": f"{view_id}-2"}}
        if method == "conversations.members":
            return self._members(channel, params)
        if method == "usergroups.users.list":
            if params.get("usergroup") not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[params["usergroup"]]}
        if method == "users.info":
            user: dict[str, Any] = {"id": params.get("user", ""), "team_id": TEAM_ID, "is_bot": False}
            locale = self.locales.get(user["id"])
            if locale and str(params.get("include_locale", "")).lower() in ("true", "1"):
                user["locale"] = locale
            return {"ok": True, "user": user}
        # views.publish, assistant.threads.setStatus / setSuggestedPrompts / setTitle, ...
        return {"ok": True}

    def _members(self, channel: str, params: dict[str, Any]) -> dict[str, Any]:
        """Slack's paging: ``limit`` members a page, ``response_metadata.next_cursor`` until it is empty; a channel
        the bot is not in answers channel_not_found."""
        if channel not in self.members:
            return {"ok": False, "error": "channel_not_found"}
        everyone = self.members[channel]
        limit = max(1, min(int(params.get("limit") or 100), 1000))
        start = int(params.get("cursor") or 0)
        page = everyone[start : start + limit]
        cursor = str(start + limit) if start + limit < len(everyone) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _download(self, path: str, headers: dict[str, str]) -> tuple[int, Any, dict]:
        file_id = path.split("/")[2].split("-", 1)[-1]
        authorised = bool(self.bot_token) and headers.get("Authorization") == f"Bearer {self.bot_token}"
        with self._lock:
            self.calls.append(Call("files.download", {"file": file_id, "authorised": authorised}, headers))
            stored = self.files.get(file_id)
        if not authorised:
            # What Slack does: a sign-in page with status 200, not an error.
            return 200, b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>", {"Content-Type": "text/html"}
        if stored is None:
            return 404, b"file not found", {"Content-Type": "text/plain"}
        return 200, stored[0], {"Content-Type": stored[1]}

    def _next_ts(self) -> str:
        return f"{1700000000 + next(self._ts)}.000100"
