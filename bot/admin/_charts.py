"""Dashboard charts as inline SVG, drawn on the server (no JavaScript, no external assets).

Every label goes through ``escape``: document titles and the like are data, not markup.
"""

from __future__ import annotations

from datetime import date
from html import escape

from markupsafe import Markup

from bot.app import FEEDBACK_KINDS, HARM_AREAS, ChannelNudges

COLOURS = {"answered": "#2f7d4f", "no_answer": "#c98a12", "refused": "#b3363a"}
FEEDBACK_COLOURS = {"helpful": "#2f7d4f", "not_helpful": "#c98a12", "flag": "#b3363a"}
FEEDBACK_LABELS = {"helpful": "Helpful", "not_helpful": "Not helpful", "flag": "Flagged"}


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(label)}" class="chart">'
    )
    return Markup(head + "".join(body) + "</svg>")


def questions_per_day(days: list[tuple[date, dict[str, int]]], width: int = 760, height: int = 240) -> Markup:
    """Stacked bars: one per day, coloured by outcome."""
    left, bottom, top = 36, 28, 12
    plot_h = height - bottom - top
    most = max((sum(c.values()) for _, c in days), default=0) or 1
    step = (width - left - 8) / max(len(days), 1)
    bar = max(step * 0.75, 1.0)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 4}" y2="{top + plot_h}" stroke="#888"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="axis">{most}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" class="axis">0</text>',
    ]
    for i, (day, counts) in enumerate(days):
        x = left + i * step + (step - bar) / 2
        y: float = top + plot_h
        for status in ("answered", "no_answer", "refused"):
            n = counts.get(status, 0)
            if not n:
                continue
            h = plot_h * n / most
            y -= h
            tip = f"{day.isoformat()}: {n} {status.replace('_', ' ')}"
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{COLOURS[status]}">'
                f"<title>{escape(tip)}</title></rect>"
            )
    if days:
        body.append(f'<text x="{left}" y="{height - 8}" class="axis">{escape(days[0][0].isoformat())}</text>')
        body.append(
            f'<text x="{width - 4}" y="{height - 8}" text-anchor="end" class="axis">'
            f"{escape(days[-1][0].isoformat())}</text>"
        )
    return _svg(width, height, "Questions per day by outcome", body)


def feedback_ratio(feedback: dict[str, int], width: int = 760, height: int = 56) -> Markup:
    """One bar split into helpful / not helpful / flagged."""
    total = sum(feedback.values())
    if not total:
        body = [f'<text x="4" y="{height / 2 + 4}" class="axis">No feedback yet.</text>']
        return _svg(width, height, "Feedback ratio", body)
    body, x = [], 0.0
    for kind in FEEDBACK_KINDS:
        n = feedback.get(kind, 0)
        if not n:
            continue
        w = width * n / total
        label = f"{FEEDBACK_LABELS[kind]} {n} ({100 * n / total:.0f}%)"
        body.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="32" fill="{FEEDBACK_COLOURS[kind]}">'
            f"<title>{escape(label)}</title></rect>"
        )
        if w > 90:
            body.append(f'<text x="{x + 6:.1f}" y="21" class="inbar">{escape(label)}</text>')
        x += w
    return _svg(width, height, "Feedback ratio", body)


def _horizontal_bars(
    rows: list[tuple[str, str, int]], label: str, empty: str, colour: str, width: int, row: int
) -> Markup:
    """One bar per (key, name, count), longest first as given; the name on the left, the count at the bar's end."""
    if not rows:
        return _svg(width, row + 8, label, [f'<text x="4" y="{row - 6}" class="axis">{escape(empty)}</text>'])
    label_w, most = 320, max(n for _, _, n in rows) or 1
    body = []
    for i, (key, title, n) in enumerate(rows):
        y = i * row
        name = title if len(title) <= 46 else title[:45] + "…"
        w = (width - label_w - 48) * n / most
        body.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" class="axis">{escape(name)}</text>')
        body.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{colour}">'
            f"<title>{escape(f'{title} ({key}): {n}')}</title></rect>"
        )
        body.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" class="axis">{n}</text>')
    return _svg(width, row * len(rows) + 4, label, body)


def top_documents(documents: list[tuple[str, str, int]], width: int = 760, row: int = 26) -> Markup:
    """Horizontal bars: how often each document was cited."""
    return _horizontal_bars(documents, "Most-cited documents", "No citations yet.", "#3b6ea8", width, row)


def refusals_by_area(areas: list[tuple[str, int]], width: int = 760, row: int = 26) -> Markup:
    """Horizontal bars: how many requests the misuse guard refused in each harm area."""
    rows = [(area, HARM_AREAS[area].label if area in HARM_AREAS else area or "unknown", n) for area, n in areas]
    return _horizontal_bars(
        rows, "Refusals by harm area", "No refusals in this period.", COLOURS["refused"], width, row
    )


NUDGE_COLOURS = {"useful": "#2f7d4f", "not_now": "#c98a12", "dont_nudge": "#b3363a", "none": "#9aa5b1"}
NUDGE_LABELS = {"useful": "useful", "not_now": "not now", "dont_nudge": "don't nudge", "none": "no feedback"}


def nudges_by_channel(channels: list[ChannelNudges], width: int = 760, row: int = 26) -> Markup:
    """One bar per channel, as long as its nudges, split by what people said (useful first); the share marked
    useful at the bar's end."""
    label = "Nudges per channel and their usefulness"
    if not channels:
        return _svg(width, row + 8, label, [f'<text x="4" y="{row - 6}" class="axis">No nudges in this period.</text>'])
    label_w, most = 160, max(c.nudges for c in channels) or 1
    body = []
    for i, c in enumerate(channels):
        y, x = i * row, float(label_w)
        body.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" class="axis">{escape(c.channel)}</text>')
        answered = c.useful + c.not_now + c.dont_nudge
        parts = {
            "useful": c.useful,
            "not_now": c.not_now,
            "dont_nudge": c.dont_nudge,
            "none": max(0, c.nudges - answered),
        }
        scale = (width - label_w - 110) / max(most, answered, 1)
        for kind, n in parts.items():
            if not n:
                continue
            w = scale * n
            tip = f"{c.channel}: {n} {NUDGE_LABELS[kind]}"
            body.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{NUDGE_COLOURS[kind]}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            x += w
        share = f"{c.nudges} · {round(100 * c.useful / answered)}% useful" if answered else f"{c.nudges}"
        body.append(f'<text x="{x + 6:.1f}" y="{y + 17}" class="axis">{escape(share)}</text>')
    return _svg(width, row * len(channels) + 4, label, body)
