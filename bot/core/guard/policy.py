"""The harm areas the misuse guard refuses operational help in, and what a refusal points to.

The written policy, with worked examples on both sides of the line, is ``docs/safety.md``; this module is its
machine-readable part. Guidance documents are corpus doc_ids: a refusal cites the ones the index holds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HarmArea:
    name: str
    label: str  # how a refusal names the area to the user
    guidance: tuple[str, ...]  # corpus doc_ids with responsible-practice guidance, most relevant first


HARM_AREAS: dict[str, HarmArea] = {
    area.name: area
    for area in (
        HarmArea(
            "chemical",
            "chemical weapons and poisons",
            ("hague-ethical-guidelines", "ieee-spectrum-2022-civilian-ai-misuse", "rip-handbook-2025"),
        ),
        HarmArea(
            "biological",
            "biological weapons and dangerous pathogens",
            ("tianjin-biosecurity-guidelines", "rip-handbook-2025", "sipri-responsible-research-innovation"),
        ),
        HarmArea(
            "radiological",
            "radiological weapons",
            ("sipri-responsible-research-innovation", "sg-agenda-for-disarmament-2018", "rip-handbook-2025"),
        ),
        HarmArea(
            "nuclear",
            "nuclear weapons",
            ("sipri-responsible-research-innovation", "sg-agenda-for-disarmament-2018", "rip-handbook-2025"),
        ),
        HarmArea(
            "explosives",
            "explosives and incendiary weapons",
            ("rip-handbook-2025", "sg-agenda-for-disarmament-2018", "acm-code-of-ethics"),
        ),
        HarmArea(
            "firearms",
            "firearms and other weapons",
            ("sg-agenda-for-disarmament-2018", "rip-handbook-2025", "acm-code-of-ethics"),
        ),
        HarmArea(
            "autonomous_weapons",
            "weaponised drones, robots and autonomous targeting",
            ("ccw-guiding-principles-laws", "sg-statements-laws", "unga-resolution-78-241"),
        ),
        HarmArea(
            "cyber_physical",
            "attacks on infrastructure and cyber weapons",
            ("acm-code-of-ethics", "rip-programme-overview", "new-agenda-for-peace-2023"),
        ),
        HarmArea(
            "mass_violence",
            "planning attacks on people",
            ("new-agenda-for-peace-2023", "rip-programme-overview", "rip-handbook-2025"),
        ),
        HarmArea(
            "controls_evasion",
            "evading export controls and sanctions",
            ("rip-handbook-2025", "tianjin-biosecurity-guidelines", "sipri-responsible-research-innovation"),
        ),
        HarmArea(
            "disinformation",
            "influence operations and disinformation campaigns",
            ("new-agenda-for-peace-2023", "ieee-spectrum-2024-ai-missteps", "rip-handbook-2025"),
        ),
    )
}

AREAS: tuple[str, ...] = tuple(HARM_AREAS)
BENIGN = "benign"
LABELS: tuple[str, ...] = (BENIGN, *AREAS)
GENERAL_GUIDANCE: tuple[str, ...] = ("rip-handbook-2025", "acm-code-of-ethics")


def refusal_text(area: str, citation_numbers: list[int]) -> str:
    """A short, respectful refusal that names the area and offers what the assistant can help with."""
    label = HARM_AREAS[area].label if area in HARM_AREAS else "weapons"
    text = (
        f"I can't help with this request: it asks for operational help in an area I don't assist with "
        f"({label}), because it could contribute to serious harm. "
        "I'm glad to help with the policy, law, history and ethics of the topic, with how to assess and reduce "
        "misuse risk in your own work, or with the codes of conduct that apply"
    )
    if citation_numbers:
        text += "; responsible-practice guidance: " + ", ".join(f"[{n}]" for n in citation_numbers) + "."
    else:
        text += "."
    return text
