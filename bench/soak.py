"""Soak: steady mixed Slack traffic against a real `dualuse serve --http` for a long time, its RSS and open files
sampled throughout.

The traffic, paced (not a load test: bench/slack_load.py floods), against the tests' Slack emulator:

- a question (a mention in one of 8 channels) every 2 s; every 10th is delivered a second time as a Slack retry;
- a feedback click on a recent answer every 5 s;
- a slash command every 15 s, `/dualuse sources` and a question in turn;
- an ingest every 3 minutes: a trainer shares a Markdown file in a DM, reviews it in the modal and adds it (the same
  document updated in turn, so the corpus does not grow with the run).

Sampled every 10 s: the bot's RSS, open file descriptors and threads. Checked at the end: every question answered
exactly once (or refused with a message, never silence), every shown answer in the answer log once, every click
recorded, no traceback in the bot's output, no payload Slack would reject. The exit status is 1 when any check fails.

    python bench/soak.py [--minutes 30] [--seed DATA_DIR] [--json FILE] [--no-write]

``--seed`` copies an already indexed data directory (the tests' shipped index) instead of indexing the corpus at
start-up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import _common

sys.path.insert(0, str(_common.ROOT))
from tests.slack.emulator import BOT_USER_ID, SlackEmulator  # noqa: E402 - the repository root is on the path now

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-1111-2222-soaktoken"
TRAINER = "U0SOAKTRAINER"
CHANNELS = 8
QUESTION_GAP = 2.0  # seconds between questions
RETRY_EVERY = 10  # every 10th question is delivered twice (a Slack retry)
FEEDBACK_GAP = 5.0
COMMAND_GAP = 15.0
SAMPLE_GAP = 10.0
QUESTIONS = tuple(
    json.loads(line)["question"]
    for name in ("practitioner", "programme", "codes", "un", "paraphrase")
    for line in (_common.ROOT / "corpus" / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
)
# What "flat" means, judged after the first fifth of the run (models, caches and pools fill up first): RSS grows by
# less than this, and the open files by at most FD_BOUND.
RSS_BOUND_MIB = 50.0
FD_BOUND = 5
JUDGED_MINUTES = 10.0  # a shorter run still loads models and fills caches: its RSS says nothing about leaks


@dataclass
class Sample:
    at: float  # seconds since the traffic started
    rss_mib: float
    fds: int
    threads: int


@dataclass
class Report:
    minutes: float
    questions: int = 0
    retries: int = 0
    answered: int = 0
    refused: int = 0  # told "too many questions" or another one-line problem, privately
    apologies: int = 0
    duplicates: int = 0
    lost: int = 0
    commands: int = 0
    command_answers: int = 0
    clicks: int = 0
    feedback_logged: int = 0
    ingests: int = 0
    ingests_done: int = 0
    logged: int = 0
    shown: int = 0
    logged_twice: int = 0
    non_200: int = 0
    tracebacks: int = 0
    rejected: int = 0
    samples: list[Sample] = field(default_factory=list)

    def errors(self) -> list[str]:
        problems = {
            "questions lost": self.lost,
            "answers duplicated": self.duplicates,
            "apologies": self.apologies,
            "non-200 acknowledgements": self.non_200,
            "tracebacks in the bot's output": self.tracebacks,
            "payloads Slack would reject": self.rejected,
            "answers logged twice": self.logged_twice,
            "shown answers missing from the log": max(0, self.shown - self.logged),
            "slash-command questions unanswered": self.commands - self.command_answers,
            "clicks not recorded": self.clicks - self.feedback_logged,
            "ingests that failed": self.ingests - self.ingests_done,
        }
        return [f"{count} {what}" for what, count in problems.items() if count]

    def growth(self) -> tuple[float, int]:
        """RSS (MiB) and open files gained from the end of the warm-up (a fifth of the run) to the end."""
        if not self.samples:
            return 0.0, 0
        end = self.samples[-1]
        base = next((s for s in self.samples if s.at >= end.at / 5), self.samples[0])
        return end.rss_mib - base.rss_mib, end.fds - base.fds

    def flat(self) -> bool | None:
        """None when the run is too short to judge: in a minute on a loaded machine the bot is still opening the
        files it keeps (models, index segments) after the first fifth. The CI smoke bounds open files itself."""
        if self.minutes < JUDGED_MINUTES:
            return None
        rss, fds = self.growth()
        return fds <= FD_BOUND and rss < RSS_BOUND_MIB


def signed_headers(body: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def post(url: str, body: str, content_type: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data=body.encode(), method="POST")
    for name, value in {"Content-Type": content_type, **signed_headers(body), **(headers or {})}.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def process_figures(pid: int) -> tuple[float, int, int]:
    """RSS in MiB, open file descriptors and threads of ``pid``."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    rss = int(status["VmRSS"].split()[0]) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd")), int(status["Threads"])


class Traffic:
    """The senders (one thread each kind of request) and what they sent."""

    def __init__(self, url: str, emulator: SlackEmulator, ingest_every: float) -> None:
        self.url, self.emulator, self.ingest_every = url, emulator, ingest_every
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.asked: dict[str, str] = {}  # question ts -> channel
        self.retries = 0
        self.commands: list[str] = []  # response_url paths of question commands
        self.clicked: set[str] = set()  # answer ids
        self.statuses: list[int] = []
        self.ingests = 0
        self.ingests_done = 0

    def send(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> None:
        status = post(f"{self.url}/slack/events", body, content_type, headers)
        with self.lock:
            self.statuses.append(status)

    def every(self, gap: float, job: Callable[[int], None], first: float = 0.0) -> Callable[[], None]:
        def loop() -> None:
            if self.stop.wait(first):
                return
            n = 0
            while not self.stop.is_set():
                started = time.monotonic()
                job(n)
                n += 1
                self.stop.wait(max(0.0, gap - (time.monotonic() - started)))

        return loop

    def question(self, n: int) -> None:
        ts, channel = f"{time.time():.6f}", f"CSOAK{n % CHANNELS:04d}"
        event = {
            "type": "app_mention",
            "user": f"U{n % 50:08d}",
            "channel": channel,
            "ts": ts,
            "event_ts": ts,
            "text": f"<@{BOT_USER_ID}> {QUESTIONS[n % len(QUESTIONS)]}",
        }
        body = json.dumps(envelope(event))
        with self.lock:
            self.asked[ts] = channel
        self.send(body, "application/json")
        if n % RETRY_EVERY == RETRY_EVERY - 1:  # Slack thought the first delivery timed out
            time.sleep(1.0)
            self.send(body, "application/json", {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
            with self.lock:
                self.retries += 1

    def command(self, n: int) -> None:
        path = f"/response/{uuid.uuid4().hex}"
        text = "sources" if n % 2 == 0 else QUESTIONS[-1 - n % len(QUESTIONS)]
        form = {
            "command": "/dualuse",
            "text": text,
            "user_id": f"U{n % 50:08d}",
            "channel_id": f"CSOAK{n % CHANNELS:04d}",
            "team_id": "T0000001",
            "trigger_id": f"t-{path[-8:]}",
            "response_url": self.emulator.response_url(path.rsplit("/", 1)[-1]),
        }
        if text != "sources":
            with self.lock:
                self.commands.append(path)
        self.send(urlencode(form), "application/x-www-form-urlencoded")

    def feedback(self, n: int) -> None:
        candidates = [a for a in answer_ids(self.emulator) if a not in self.clicked]
        if not candidates:
            return
        answer_id = candidates[-1]
        with self.lock:
            self.clicked.add(answer_id)
        kind = ("feedback_helpful", "feedback_not_helpful", "feedback_flag")[n % 3]
        self.send(
            urlencode({"payload": json.dumps(action(self.emulator, kind, answer_id, f"U{n % 50:08d}"))}),
            "application/x-www-form-urlencoded",
        )

    def ingest(self, n: int) -> None:
        with self.lock:
            self.ingests += 1
        try:
            if add_document(self, n):
                with self.lock:
                    self.ingests_done += 1
        except TimeoutError as exc:
            print(f"ingest {n} did not finish: {exc}", file=sys.stderr)

    def run(self) -> list[threading.Thread]:
        loops = [
            self.every(QUESTION_GAP, self.question),
            self.every(FEEDBACK_GAP, self.feedback, first=FEEDBACK_GAP),
            self.every(COMMAND_GAP, self.command, first=COMMAND_GAP / 3),
            self.every(self.ingest_every, self.ingest, first=min(30.0, self.ingest_every)),
        ]
        threads = [threading.Thread(target=loop, daemon=True) for loop in loops]
        for thread in threads:
            thread.start()
        return threads


def envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": "T0000001",
        "api_app_id": "A0000001",
        "event": event,
        "event_id": "Ev" + uuid.uuid4().hex[:16].upper(),
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0000001", "user_id": BOT_USER_ID, "is_bot": True}],
    }


def action(emulator: SlackEmulator, action_id: str, value: str, user: str, channel: str = "CSOAK0000") -> dict:
    return {
        "type": "block_actions",
        "team": {"id": "T0000001"},
        "user": {"id": user},
        "api_app_id": "A0000001",
        "container": {"type": "message", "message_ts": "1700000001.000100", "channel_id": channel},
        "channel": {"id": channel},
        "message": {"ts": "1700000001.000100", "text": "answer"},
        "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}",
        "response_url": emulator.response_url(),
        "actions": [{"type": "button", "action_id": action_id, "value": value, "action_ts": f"{time.time():.6f}"}],
    }


def buttons(blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [e for b in blocks or [] if b.get("type") == "actions" for e in b.get("elements", [])]


def answer_ids(emulator: SlackEmulator) -> list[str]:
    """The ids under the answers shown so far (their feedback buttons' value), oldest first."""
    ids = []
    for call in emulator.calls_to("chat.update"):
        ids += [b["value"] for b in buttons(call.params.get("blocks")) if b["action_id"] == "feedback_helpful"]
    return ids


def wait_for(what: str, predicate: Callable[[], Any], timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.2)
    return found


def add_document(traffic: Traffic, n: int) -> bool:
    """A trainer shares a Markdown file in a DM, reviews it and adds it; True when the bot says it was indexed."""
    emulator = traffic.emulator
    channel = "D" + uuid.uuid4().hex[:10].upper()
    text = (
        f"# Soak notes\n\nRevision {n} of the soak notes. A soak test runs steady traffic for a long time and "
        f"watches memory and open files. Marker word soakmarker{n}.\n"
    )
    file = emulator.add_file("soak-notes.md", text.encode(), "text/markdown")
    ts = f"{time.time():.6f}"
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": channel,
        "user": TRAINER,
        "text": "",
        "ts": ts,
        "files": [file],
    }
    traffic.send(json.dumps(envelope(event)), "application/json")
    prompt = wait_for("the review button", lambda: emulator.calls_to("chat.update", channel=channel))[0].params
    review = [b for b in buttons(prompt.get("blocks")) if b["action_id"] == "review_document"]
    if not review:
        print(f"ingest {n}: {prompt.get('text')}", file=sys.stderr)
        return False
    pressed = action(emulator, "review_document", review[0]["value"], TRAINER, channel)
    traffic.send(urlencode({"payload": json.dumps(pressed)}), "application/x-www-form-urlencoded")
    view = wait_for("the review modal", lambda: emulator.calls_to("views.open", trigger_id=pressed["trigger_id"]))
    view = view[0].params["view"]
    details = {"title": "Soak notes", "publisher": "Soak", "date": "2026-01", "url": ""}
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        name, element = block["block_id"], block["element"]
        if name == "kind":
            state[name] = {"value": {"type": "static_select", "selected_option": element["initial_option"]}}
        else:
            state[name] = {
                "value": {"type": "plain_text_input", "value": details.get(name, element.get("initial_value"))}
            }
    submission = {
        "type": "view_submission",
        "team": {"id": "T0000001"},
        "user": {"id": TRAINER},
        "api_app_id": "A0000001",
        "trigger_id": f"submit-{n}",
        "view": {**view, "id": f"VSOAK{n:04d}", "state": {"values": state}},
    }
    submitted = time.monotonic()
    traffic.send(urlencode({"payload": json.dumps(submission)}), "application/x-www-form-urlencoded")
    done = wait_for(
        "the indexing result",
        lambda: [
            c.params["text"]
            for c in emulator.calls_to("chat.update")
            if c.at > submitted and "Soak notes" in c.params.get("text", "") and "Indexing" not in c.params["text"]
        ],
    )
    return "Added" in done[-1] or "Updated" in done[-1]


def replies(emulator: SlackEmulator, asked: dict[str, str]) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Per question ts: answers shown (the progress message turned into an answer), one-line refusals, apologies."""
    placeholder_of = {
        c.response.get("ts"): c.params.get("thread_ts") for c in emulator.calls_to("chat.postMessage") if c.response
    }
    answers = {ts: 0 for ts in asked}
    refusals = {ts: 0 for ts in asked}
    apologies = {ts: 0 for ts in asked}
    for call in emulator.calls_to("chat.update"):
        ts = placeholder_of.get(call.params.get("ts"))
        if ts in answers and any(b["action_id"] == "feedback_helpful" for b in buttons(call.params.get("blocks"))):
            answers[ts] += 1
    for call in emulator.calls_to("chat.postEphemeral"):
        ts = call.params.get("thread_ts")
        if ts in asked:
            if "Sorry, something went wrong" in call.params.get("text", ""):
                apologies[ts] += 1
            else:
                refusals[ts] += 1
    return answers, refusals, apologies


def read_log(database: Path) -> tuple[int, int, int]:
    """Answers logged from Slack, of them logged twice (same question ts, impossible by id), feedback rows."""
    with sqlite3.connect(database) as db:
        logged = db.execute("SELECT count(*), count(DISTINCT id) FROM answers WHERE surface = 'slack'").fetchone()
        feedback = db.execute("SELECT count(*) FROM feedback").fetchone()[0]
    return logged[0], logged[0] - logged[1], feedback


def start_bot(data_dir: Path, emulator: SlackEmulator, port: int, log_path: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DUALUSE_", "SLACK_"))}
    env |= {
        "DUALUSE_DATA_DIR": str(data_dir),
        "SLACK_API_URL": emulator.api_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "DUALUSE_TRAINERS": TRAINER,
        "DUALUSE_LOG_LEVEL": "WARNING",
    }
    dualuse = str(Path(sys.executable).parent / "dualuse")
    with log_path.open("w") as log:
        return subprocess.Popen(
            [dualuse, "serve", "--http", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=data_dir,
        )


def soak(minutes: float, seed: Path | None, ingest_every: float, workdir: Path) -> Report:
    emulator = SlackEmulator(bot_token=TOKEN).start()
    data_dir = workdir / "data"
    if seed is not None:
        shutil.copytree(seed, data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _common.free_port()
    log_path = workdir / "serve.log"
    bot = start_bot(data_dir, emulator, port, log_path)
    base = f"http://127.0.0.1:{port}"
    report = Report(minutes=minutes)
    try:
        _common.wait_ready(base, bot, log_path, timeout=600)
        traffic = Traffic(base, emulator, ingest_every)
        started = time.monotonic()
        threads = traffic.run()
        while (elapsed := time.monotonic() - started) < minutes * 60:
            if bot.poll() is not None:
                raise SystemExit(f"dualuse serve exited during the soak:\n{log_path.read_text()[-3000:]}")
            report.samples.append(Sample(round(elapsed, 1), *process_figures(bot.pid)))
            time.sleep(min(SAMPLE_GAP, max(0.1, minutes * 60 - elapsed)))
        traffic.stop.set()
        for thread in threads:
            thread.join(timeout=300)
        # Let the questions in flight finish, then give a late duplicate the time to show.
        with traffic.lock:
            asked = dict(traffic.asked)
        try:
            wait_for("the last answers", lambda: all(sum(r[ts] for r in replies(emulator, asked)) for ts in asked))
        except TimeoutError:
            pass
        time.sleep(3.0)
        report.samples.append(Sample(round(time.monotonic() - started, 1), *process_figures(bot.pid)))
        answers, refusals, apologies = replies(emulator, asked)
        command_answers = {
            c.params["_path"]
            for c in emulator.calls_to("response_url")
            if c.params.get("replace_original") and c.params.get("blocks")
        }
        report.questions, report.retries = len(asked), traffic.retries
        report.answered = sum(1 for ts in asked if answers[ts])
        report.refused = sum(1 for ts in asked if refusals[ts] and not answers[ts])
        report.apologies = sum(apologies.values())
        report.duplicates = sum(max(0, answers[ts] + refusals[ts] - 1) for ts in asked)
        report.lost = sum(1 for ts in asked if not (answers[ts] or refusals[ts] or apologies[ts]))
        report.commands = len(traffic.commands)
        report.command_answers = sum(1 for p in traffic.commands if p in command_answers)
        report.clicks = len(traffic.clicked)
        report.ingests, report.ingests_done = traffic.ingests, traffic.ingests_done
        report.non_200 = sum(1 for s in traffic.statuses if s != 200)
        report.rejected = len(emulator.take_rejected())
        report.shown = sum(answers.values()) + report.command_answers
    finally:
        bot.terminate()
        try:
            bot.wait(timeout=60)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait()
        emulator.stop()
    report.logged, report.logged_twice, report.feedback_logged = read_log(data_dir / "dualuse.sqlite3")
    report.tracebacks = log_path.read_text(errors="replace").count("Traceback")
    return report


def summary(report: Report, command: str, load_before: str, load_after: str) -> str:
    samples = report.samples
    rss, fds = report.growth()
    first, last = samples[0], samples[-1]
    most = max(samples, key=lambda s: s.rss_mib)
    rows = [
        ["Questions (mentions) / of them delivered twice", f"{report.questions} / {report.retries}"],
        ["Answered / refused with a message / apologies", f"{report.answered} / {report.refused} / {report.apologies}"],
        ["Duplicate answers / lost questions", f"{report.duplicates} / {report.lost}"],
        ["Slash commands answered (questions)", f"{report.command_answers} of {report.commands}"],
        ["Feedback clicks recorded", f"{report.feedback_logged} of {report.clicks}"],
        ["Ingests (Slack upload, review, add)", f"{report.ingests_done} of {report.ingests}"],
        [
            "Answers shown / in the answer log / logged twice",
            f"{report.shown} / {report.logged} / {report.logged_twice}",
        ],
        [
            "Non-200 acknowledgements / tracebacks / rejected payloads",
            f"{report.non_200} / {report.tracebacks} / {report.rejected}",
        ],
        ["RSS start / end / max (MiB)", f"{first.rss_mib:.0f} / {last.rss_mib:.0f} / {most.rss_mib:.0f}"],
        ["Open files start / end / max", f"{first.fds} / {last.fds} / {max(s.fds for s in samples)}"],
        ["Threads start / end / max", f"{first.threads} / {last.threads} / {max(s.threads for s in samples)}"],
        [
            f"Growth after the first fifth (bound: RSS < {RSS_BOUND_MIB:.0f} MiB, files <= {FD_BOUND})",
            f"RSS {rss:+.1f} MiB, files {fds:+d}: {VERDICT[report.flat()]}",
        ],
    ]
    timeline = ", ".join(f"{s.at / 60:.0f} min {s.rss_mib:.0f} MiB/{s.fds}" for s in thin(samples, 7))
    return "\n".join(
        [
            f"Measured {_common.timestamp()} with `{command}`; load average before {load_before}, after {load_after} "
            "(2 shared cores, other jobs running). Extractive answers, SQLite answer log, embedded Chroma.",
            "",
            _common.markdown_table(["Measure", "Value"], rows),
            "",
            f"RSS and open files over time: {timeline}.",
        ]
    )


VERDICT = {True: "flat", False: "NOT flat", None: f"too short to judge RSS (under {JUDGED_MINUTES:g} minutes)"}


def thin(samples: list[Sample], count: int) -> list[Sample]:
    if len(samples) <= count:
        return samples
    step = (len(samples) - 1) / (count - 1)
    return [samples[round(i * step)] for i in range(count)]


def main() -> None:
    args = _common.parse_args(
        __doc__.splitlines()[0],
        [
            ("--minutes", {"type": float, "default": 30.0, "help": "How long the traffic runs (default 30)."}),
            ("--ingest-every", {"type": float, "default": 180.0, "help": "Seconds between ingests (default 180)."}),
            ("--seed", {"type": Path, "default": None, "help": "An indexed data directory to start from (copied)."}),
            ("--json", {"type": Path, "default": None, "help": "Also write the figures to this JSON file."}),
        ],
    )
    minutes = min(args.minutes, 1.0) if args.quick else args.minutes
    load_before = _common.load_average()
    with tempfile.TemporaryDirectory(prefix="dualuse-soak-") as tmp:
        report = soak(minutes, args.seed, args.ingest_every, Path(tmp))
    options = ["--minutes", f"{args.minutes:g}"] + (
        ["--ingest-every", f"{args.ingest_every:g}"] if args.ingest_every != 180.0 else []
    )
    body = summary(report, _common.command_line(options), load_before, _common.load_average())
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                asdict(report) | {"errors": report.errors(), "flat": report.flat(), "growth": report.growth()}, indent=1
            )
        )
    _common.publish("soak", body, args)
    problems = report.errors() + (["RSS or open files grew past the bound"] if report.flat() is False else [])
    if problems:
        raise SystemExit("failed: " + "; ".join(problems))


if __name__ == "__main__":
    main()
