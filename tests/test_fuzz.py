"""Fuzzing (hypothesis): loaders, front matter, the SSRF address check, mrkdwn escaping, link and terminal cleaning.

Each property says what must hold for *any* input: a loader returns a document or raises DocumentError (one line,
never another exception); the address check never lets a loopback, private, link-local or multicast address
through, in any IPv6 disguise; Slack text never carries a control sequence except the links we build. CI runs a
small budget (profile "ci"); ``python bench/fuzz.py`` runs the same properties far longer (profile "long").
"""

from __future__ import annotations

import ipaddress
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.output import clean, one_line
from bot.core.links import restrict_links
from bot.slack.mrkdwn import escape, to_mrkdwn
from ingest.errors import DocumentError
from ingest.fetch import address_problem
from ingest.loaders import load_bytes
from ingest.loaders.frontmatter import FrontMatterError, split_front_matter

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("long", max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("DUALUSE_FUZZ_PROFILE", "ci"))

TEXTY = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)
MARKUP = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<div hidden>",
            "</div>",
            '<span style="display:none">',
            "</span>",
            "<style>.a{display:none}",
            "</style>",
            "<h1>",
            "</h1>",
            "<main>",
            "---\n",
            "id: x\n",
            "title: [",
            "# ",
            "\n",
            "&amp;",
            "\x1b[2J",
            "\xff\xfe",
            "<!--",
            "-->",
            "```",
            "word ",
            "Labs review risks. ",
        ]
    ),
    max_size=60,
).map("".join)


def _loads_or_refuses(data: bytes, fmt: str) -> None:
    try:
        document = load_bytes(data, fmt=fmt, source="fuzz", default_id="fuzz")
    except DocumentError as exc:
        assert "\n" not in str(exc).strip(), str(exc)
        return
    for section in document.sections:
        assert section.text.strip()
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e]", section.text + document.meta.title)


@given(st.binary(max_size=600), st.sampled_from(["markdown", "text", "html", "pdf", "docx"]))
def test_any_bytes_load_or_are_refused_with_one_line(data: bytes, fmt: str) -> None:
    _loads_or_refuses(data, fmt)


@given(MARKUP, st.sampled_from(["markdown", "text", "html"]))
def test_markup_like_input_loads_or_is_refused_with_one_line(text: str, fmt: str) -> None:
    _loads_or_refuses(text.encode("utf-8", "surrogatepass"), fmt)


@given(st.one_of(TEXTY, MARKUP.map(lambda s: "---\n" + s)))
def test_front_matter_parses_or_raises_its_own_error(text: str) -> None:
    try:
        front, body = split_front_matter(text)
    except FrontMatterError:
        return
    assert isinstance(front, dict) and isinstance(body, str)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in front.items())


_INTERNAL_V4 = [
    ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "0.0.0.0/8",
        "224.0.0.0/4",
    )
]


def _v6_disguises(v4: ipaddress.IPv4Address) -> list[ipaddress.IPv6Address]:
    n = int(v4)
    return [
        ipaddress.IPv6Address((0xFFFF << 32) | n),  # ::ffff:a.b.c.d
        ipaddress.IPv6Address(n),  # ::a.b.c.d
        ipaddress.IPv6Address((0x0064FF9B << 96) | n),  # 64:ff9b::a.b.c.d
        ipaddress.IPv6Address((0x2002 << 112) | (n << 80)),  # 6to4
        ipaddress.IPv6Address((0x20010000 << 96) | (0xFFFFFFFF ^ n)),  # Teredo client
    ]


@given(st.sampled_from(_INTERNAL_V4), st.integers(min_value=0, max_value=2**32 - 1))
def test_internal_ipv4_is_refused_in_every_disguise(network: ipaddress.IPv4Network, offset: int) -> None:
    v4 = network[offset % network.num_addresses]
    assert address_problem(v4)
    for disguised in _v6_disguises(v4):
        if int(v4) == 0 and disguised == ipaddress.IPv6Address(0):
            continue
        assert address_problem(disguised), disguised


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_any_ipv6_address_gets_an_answer_and_non_global_ones_are_refused(number: int) -> None:
    address = ipaddress.IPv6Address(number)
    problem = address_problem(address)
    if not address.is_global or address.is_multicast:
        assert problem, address


@given(st.one_of(TEXTY, MARKUP))
def test_slack_text_never_carries_a_control_sequence(text: str) -> None:
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    rendered = to_mrkdwn(text)
    for match in re.finditer("<", rendered):
        assert rendered.startswith(("<http://", "<https://"), match.start()), rendered


@given(st.one_of(TEXTY, MARKUP), st.sets(st.sampled_from(["https://a.example/x", "https://b.example"]), max_size=2))
def test_links_survive_only_to_allowed_addresses(text: str, allowed: set[str]) -> None:
    out = restrict_links(text + " [x](https://evil.example/p)", allowed)
    for url in re.findall(r"\]\((\S+?)\)", out):
        assert url.rstrip("/").lower() in {a.rstrip("/").lower() for a in allowed}, out
    assert "](https://evil.example/p)" not in out


@given(TEXTY)
def test_terminal_output_has_no_raw_controls(text: str) -> None:
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", clean(text))
    assert "\n" not in one_line(text)
