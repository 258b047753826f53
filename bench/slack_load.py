"""Slack under load: a real `dualuse serve --http` against the tests' Slack emulator, flooded with signed requests.

20 concurrent senders deliver 200 events (mentions, each a new question in its own thread) with slash-command
questions, `/dualuse sources`, button clicks and duplicate deliveries (Slack retries) interleaved. Measured: the
acknowledgement time per kind of request (what Slack's 3-second clock sees), answer latency (delivery of the event
to the answer replacing "looking this up"), answers per second, the most answers in flight at once, the bot's peak
RSS, and whether every event was answered exactly once. The emulator checks every payload against Slack's Block Kit
limits; a rejected payload fails the run.

    python bench/slack_load.py [--quick] [--workers N] [--rate EVENTS_PER_SECOND]

``--rate`` paces the senders (together) to that many events a second instead of as fast as acknowledgements come
back, so the number of answers in flight stays near rate x answer latency: issue 13's goal is stated for 20 in flight.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import _common

sys.path.insert(0, str(_common.ROOT))
from tests.slack.emulator import BOT_USER_ID, SlackEmulator  # noqa: E402 - the repository root is on the path now

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-1111-2222-benchtoken"
SENDERS = 20
QUESTIONS = tuple(
    json.loads(line)["question"]
    for name in ("practitioner", "programme", "codes", "un", "paraphrase")
    for line in (_common.ROOT / "corpus" / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
)  # every event a different question from the golden set: nothing is answered from a cache


def signed_post(url: str, body: str, content_type: str, headers: dict[str, str] | None = None) -> tuple[int, float]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(url, data=body.encode(), method="POST")
    for name, value in {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
        **(headers or {}),
    }.items():
        request.add_header(name, value)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


class Load:
    """One sender's share of the traffic, recorded into shared lists."""

    def __init__(self, url: str, response_base: str, events_per_sender: int, rate: float = 0.0) -> None:
        self.url, self.response_base, self.events_per_sender = url, response_base, events_per_sender
        self.gap = SENDERS / rate if rate > 0 else 0.0  # seconds between one sender's events
        self.acks: dict[str, list[float]] = defaultdict(list)
        self.statuses: list[int] = []
        self.sent: dict[str, float] = {}  # thread ts -> when its event was delivered (monotonic)
        self.commands: dict[str, float] = {}  # response_url path -> when the command was delivered
        self.lock = threading.Lock()

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.acks[kind].append(seconds)
            self.statuses.append(status)

    def sender(self, n: int) -> None:
        channel = f"C{n:08d}"
        last_event: tuple[dict, str] | None = None
        if self.gap:
            time.sleep(self.gap * n / SENDERS)  # staggered starts: the senders' events interleave evenly
        for i in range(self.events_per_sender):
            if self.gap and i:
                time.sleep(self.gap)
            ts = f"{time.time():.6f}{n:02d}{i:02d}"
            event = {
                "type": "app_mention",
                "user": f"U{n:08d}",
                "channel": channel,
                "ts": ts,
                "event_ts": ts,
                "text": f"<@{BOT_USER_ID}> {QUESTIONS[(n * self.events_per_sender + i) % len(QUESTIONS)]}",
            }
            body = {
                "type": "event_callback",
                "team_id": "T0000001",
                "api_app_id": "A0000001",
                "event": event,
                "event_id": "Ev" + uuid.uuid4().hex[:16].upper(),
                "event_time": int(time.time()),
            }
            with self.lock:
                self.sent[ts] = time.monotonic()
            self.record("event", *signed_post(self.url, json.dumps(body), "application/json"))
            last_event = (body, ts)
            if i % 3 == 1:
                self.command(n, QUESTIONS[-1 - (n * self.events_per_sender + i) % len(QUESTIONS)])
            if i % 3 == 2:
                self.click(n)
            if i % 5 == 4 and last_event is not None:  # Slack re-delivers an event it thinks timed out
                retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
                self.record("retry", *signed_post(self.url, json.dumps(last_event[0]), "application/json", retry))
        self.command(n, "sources")

    def command(self, n: int, text: str) -> None:
        name = uuid.uuid4().hex
        form = {
            "command": "/dualuse",
            "text": text,
            "user_id": f"U{n:08d}",
            "channel_id": f"C{n:08d}",
            "team_id": "T0000001",
            "trigger_id": f"t-{name[:8]}",
            "response_url": f"{self.response_base}/{name}",
        }
        if text != "sources":
            with self.lock:
                self.commands[f"/response/{name}"] = time.monotonic()
        self.record("command", *signed_post(self.url, urlencode(form), "application/x-www-form-urlencoded"))

    def click(self, n: int) -> None:
        payload = {
            "type": "block_actions",
            "team": {"id": "T0000001"},
            "user": {"id": f"U{n:08d}"},
            "api_app_id": "A0000001",
            "trigger_id": f"t-{uuid.uuid4().hex[:8]}",
            "container": {"type": "message", "message_ts": "1.1", "channel_id": f"C{n:08d}"},
            "channel": {"id": f"C{n:08d}"},
            "response_url": f"{self.response_base}/{uuid.uuid4().hex}",
            "actions": [{"type": "button", "action_id": "sources_page_next", "value": "2", "action_ts": "1"}],
        }
        form = urlencode({"payload": json.dumps(payload)})
        self.record("button", *signed_post(self.url, form, "application/x-www-form-urlencoded"))


def send_all(url: str, response_base: str, events_per_sender: int, rate: float) -> Load:
    """All senders' traffic, from a process of its own: the emulator's threads must not slow the senders' clocks."""
    load = Load(url, response_base, events_per_sender, rate)
    with ThreadPoolExecutor(SENDERS) as pool:
        list(pool.map(load.sender, range(SENDERS)))
    load.lock = None  # type: ignore[assignment] - locks do not pickle; the results go back to the parent
    return load


def answered(emulator: SlackEmulator) -> dict[str, list[float]]:
    """Thread ts -> when each answer replaced its progress message (monotonic)."""
    placeholders = {c.response.get("ts"): c.params.get("thread_ts") for c in emulator.calls_to("chat.postMessage")}
    answers: dict[str, list[float]] = defaultdict(list)
    for call in emulator.calls_to("chat.update"):
        if any(b.get("type") == "actions" for b in call.params.get("blocks") or []):
            answers[placeholders.get(call.params.get("ts"), "")].append(call.at)
    return answers


def busy(emulator: SlackEmulator) -> int:
    """Questions refused because the answer queue was full (told so privately)."""
    return sum("too many questions" in c.params.get("text", "") for c in emulator.calls_to("chat.postEphemeral"))


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    args = _common.parse_args(
        __doc__.splitlines()[0],
        [
            (
                "--workers",
                {"type": int, "default": 0, "help": "DUALUSE_SLACK_WORKERS for the bot (default 0: one per core)."},
            ),
            (
                "--threads",
                {"type": int, "default": 0, "help": "DUALUSE_EMBEDDING_THREADS for the bot (default 0: serve's 1)."},
            ),
            (
                "--rate",
                {"type": float, "default": 0.0, "help": "Events a second from all senders (default 0: unpaced)."},
            ),
        ],
    )
    events_per_sender = 2 if args.quick else 10
    emulator = SlackEmulator(bot_token=TOKEN).start()
    with tempfile.TemporaryDirectory(prefix="dualuse-slack-load-") as tmp:
        port = _common.free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DUALUSE_", "SLACK_"))}
        env |= {
            "DUALUSE_DATA_DIR": str(Path(tmp) / "data"),
            "SLACK_API_URL": emulator.api_url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "DUALUSE_SLACK_WORKERS": str(args.workers),
            "DUALUSE_EMBEDDING_THREADS": str(args.threads),
            "DUALUSE_LOG_LEVEL": "WARNING",
        }
        dualuse = str(Path(sys.executable).parent / "dualuse")
        log = (Path(tmp) / "serve.log").open("w")
        bot = subprocess.Popen(
            [dualuse, "serve", "--http", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _common.wait_ready(base, bot, Path(tmp) / "serve.log", timeout=300)
            in_flight_peak, stop, sending = [0], threading.Event(), [0.0]

            def watch() -> None:
                while not stop.is_set():
                    if sending[0]:  # events go out at about the rate acknowledgements come back
                        in_flight_peak[0] = max(
                            in_flight_peak[0], len(emulator.calls_to("chat.postMessage")) - len(answered(emulator))
                        )
                    time.sleep(1.0)  # scanning the emulator's calls takes this process's GIL from its servers

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            load_before = _common.load_average()
            started = sending[0] = time.monotonic()
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(1, mp_context=spawn) as senders:
                load = senders.submit(
                    send_all,
                    f"{base}/slack/events",
                    emulator.response_url("x").rsplit("/", 1)[0],
                    events_per_sender,
                    args.rate,
                ).result()
            expected = len(load.sent)
            deadline = time.monotonic() + 600
            while len(answered(emulator)) + busy(emulator) < expected and time.monotonic() < deadline:
                if bot.poll() is not None:
                    raise SystemExit(f"dualuse serve exited:\n{(Path(tmp) / 'serve.log').read_text()[-3000:]}")
                time.sleep(0.5)
            time.sleep(2.0)  # late duplicates would show up now
            done = answered(emulator)
            command_answers = {
                c.params["_path"]: c.at
                for c in emulator.calls_to("response_url")
                if c.params.get("replace_original") and c.params.get("blocks")
            }
            stop.set()
            rss = peak_rss_mib(bot.pid)
        finally:
            bot.terminate()
            bot.wait(timeout=60)
            emulator.stop()
    finished = max([t for times in done.values() for t in times] + [started])
    latencies = [done[ts][0] - sent for ts, sent in load.sent.items() if done.get(ts)]
    command_latencies = [command_answers[p] - t for p, t in load.commands.items() if p in command_answers]
    duplicates = sum(len(times) - 1 for times in done.values() if len(times) > 1)
    lost = sum(1 for ts in load.sent if not done.get(ts))
    rejected = emulator.take_rejected()
    refused = busy(emulator)
    rows = [
        [
            kind,
            len(values),
            f"{_common.percentile(values, 50) * 1000:.0f}",
            f"{_common.percentile(values, 99) * 1000:.0f}",
            f"{max(values) * 1000:.0f}",
        ]
        for kind, values in sorted(load.acks.items())
    ]
    workers = args.workers or os.cpu_count()
    options = ["--workers", str(args.workers), "--threads", str(args.threads)]
    command = _common.command_line(options + (["--rate", str(args.rate)] if args.rate else []))
    body = "\n".join(
        [
            f"Measured {_common.timestamp()} with `{command}`; load "
            f"average before the run: {load_before}. {SENDERS} concurrent senders, {expected} events, "
            f"{len(load.acks['command'])} slash commands, {len(load.acks['button'])} button clicks and "
            f"{len(load.acks['retry'])} duplicate deliveries; extractive answers on {workers} answer workers; "
            + (f"senders paced to {args.rate:g} events a second." if args.rate else "senders unpaced."),
            "",
            "Acknowledgement (what Slack's 3-second clock sees), in ms:",
            "",
            _common.markdown_table(["Kind", "Requests", "p50", "p99", "max"], rows),
            "",
            _common.markdown_table(
                ["Measure", "Value"],
                [
                    [
                        "Answer latency p50 / p95 (event to answer)",
                        spread(latencies),
                    ],
                    [
                        "Slash-command answer latency p50 / p95",
                        spread(command_latencies),
                    ],
                    ["Answers per second", f"{(len(latencies) + len(command_latencies)) / (finished - started):.2f}"],
                    ["Most answers in flight (queued or being written)", str(in_flight_peak[0])],
                    ["Peak RSS of the bot", f"{rss:.0f} MiB"],
                    ["Events answered exactly once", f"{len(latencies) - duplicates} of {expected}"],
                    ["Duplicate answers / lost answers", f"{duplicates} / {lost}"],
                    ["Questions refused because the queue was full", str(refused)],
                    ["Non-200 acknowledgements", str(sum(1 for s in load.statuses if s != 200))],
                    ["Payloads Slack would reject", str(len(rejected))],
                ],
            ),
        ]
    )
    _common.publish("slack_load_paced" if args.rate else "slack_load", body, args)
    if duplicates or lost or rejected or any(s != 200 for s in load.statuses):
        raise SystemExit(f"failed: {duplicates} duplicates, {lost} lost, {len(rejected)} rejected payloads")


def spread(seconds: list[float]) -> str:
    return f"{_common.percentile(seconds, 50):.1f} s / {_common.percentile(seconds, 95):.1f} s"


if __name__ == "__main__":
    main()
