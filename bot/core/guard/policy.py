"""The harm areas the misuse guard refuses operational help in, and what a refusal points to.

The written policy, with worked examples on both sides of the line, is ``docs/safety.md``; this module is its
machine-readable part. Guidance documents are corpus doc_ids: a refusal cites the ones the index holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, translations


@dataclass(frozen=True)
class HarmArea:
    name: str
    label: str  # how a refusal names the area to the user (English; translated when the refusal is written)
    guidance: tuple[str, ...]  # corpus doc_ids with responsible-practice guidance, most relevant first


HARM_AREAS: dict[str, HarmArea] = {
    area.name: area
    for area in (
        HarmArea(
            "chemical",
            N_("chemical weapons and poisons"),
            ("hague-ethical-guidelines", "ieee-spectrum-2022-civilian-ai-misuse", "rip-handbook-2025"),
        ),
        HarmArea(
            "biological",
            N_("biological weapons and dangerous pathogens"),
            ("tianjin-biosecurity-guidelines", "rip-handbook-2025", "sipri-responsible-research-innovation"),
        ),
        HarmArea(
            "radiological",
            N_("radiological weapons"),
            ("sipri-responsible-research-innovation", "sg-agenda-for-disarmament-2018", "rip-handbook-2025"),
        ),
        HarmArea(
            "nuclear",
            N_("nuclear weapons"),
            ("sipri-responsible-research-innovation", "sg-agenda-for-disarmament-2018", "rip-handbook-2025"),
        ),
        HarmArea(
            "explosives",
            N_("explosives and incendiary weapons"),
            ("rip-handbook-2025", "sg-agenda-for-disarmament-2018", "acm-code-of-ethics"),
        ),
        HarmArea(
            "firearms",
            N_("firearms and other weapons"),
            ("sg-agenda-for-disarmament-2018", "rip-handbook-2025", "acm-code-of-ethics"),
        ),
        HarmArea(
            "autonomous_weapons",
            N_("weaponised drones, robots and autonomous targeting"),
            ("ccw-guiding-principles-laws", "sg-statements-laws", "unga-resolution-78-241"),
        ),
        HarmArea(
            "cyber_physical",
            N_("attacks on infrastructure and cyber weapons"),
            ("acm-code-of-ethics", "rip-programme-overview", "new-agenda-for-peace-2023"),
        ),
        HarmArea(
            "mass_violence",
            N_("planning attacks on people"),
            ("new-agenda-for-peace-2023", "rip-programme-overview", "rip-handbook-2025"),
        ),
        HarmArea(
            "controls_evasion",
            N_("evading export controls and sanctions"),
            ("rip-handbook-2025", "tianjin-biosecurity-guidelines", "sipri-responsible-research-innovation"),
        ),
        HarmArea(
            "disinformation",
            N_("influence operations and disinformation campaigns"),
            ("new-agenda-for-peace-2023", "ieee-spectrum-2024-ai-missteps", "rip-handbook-2025"),
        ),
    )
}

AREAS: tuple[str, ...] = tuple(HARM_AREAS)
BENIGN = "benign"
LABELS: tuple[str, ...] = (BENIGN, *AREAS)
GENERAL_GUIDANCE: tuple[str, ...] = ("rip-handbook-2025", "acm-code-of-ethics")


def refusal_text(area: str, citation_numbers: list[int], language: str = "en") -> str:
    """A short, respectful refusal that names the area and offers what the assistant can help with, in ``language``
    (English when there is no catalogue for it)."""
    t = translations(language)
    label = t.gettext(HARM_AREAS[area].label if area in HARM_AREAS else N_("weapons"))
    text = t.gettext(
        "I can't help with this request: it asks for operational help in an area I don't assist with "
        "({label}), because it could contribute to serious harm."
    ).format(label=label)
    text += " "
    if citation_numbers:
        text += t.gettext(
            "I'm glad to help with the policy, law, history and ethics of the topic, with how to assess and reduce "
            "misuse risk in your own work, or with the codes of conduct that apply; responsible-practice guidance: "
            "{citations}."
        ).format(citations=t.isolate(", ".join(f"[{n}]" for n in citation_numbers)))
    else:
        text += t.gettext(
            "I'm glad to help with the policy, law, history and ethics of the topic, with how to assess and reduce "
            "misuse risk in your own work, or with the codes of conduct that apply."
        )
    return text
