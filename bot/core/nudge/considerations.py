"""The considerations a nudge can name: one plain-words line each, the search that finds its guidance in the
corpus, and the documents whose guidance fits it best (corpus doc_ids, most relevant first).

The labelled data's topics map onto these keys (``ALIASES``); an unknown topic falls back to the general one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Consideration:
    key: str
    line: str  # what the nudge says, in plain words, before it cites the guidance
    search: str  # what the guidance is looked up with, beside the message itself
    guidance: tuple[str, ...]  # corpus doc_ids preferred for the citation


CONSIDERATIONS: dict[str, Consideration] = {
    c.key: c
    for c in (
        Consideration(
            "release",
            "Releasing a capable model or its weights is hard to undo: it may be worth weighing who could misuse it "
            "and how the release is staged.",
            "responsible publication and release of AI models, staged release, weighing misuse before publishing",
            ("pai-responsible-publication", "rip-handbook-2025", "neurips-code-of-ethics"),
        ),
        Consideration(
            "chem_bio_design",
            "Tools that design molecules, proteins or sequences can be turned to toxins or pathogens as easily as to "
            "medicines.",
            "AI drug and protein design misused to generate toxic molecules, biosecurity responsibilities of "
            "scientists",
            ("ieee-spectrum-2022-civilian-ai-misuse", "tianjin-biosecurity-guidelines", "hague-ethical-guidelines"),
        ),
        Consideration(
            "labauto",
            "Automating lab work or synthesis orders lowers the skill needed to make dangerous agents, so screening "
            "and oversight matter.",
            "laboratory automation, synthesis and biosecurity oversight, screening orders, responsible conduct",
            ("tianjin-biosecurity-guidelines", "hague-ethical-guidelines", "rip-handbook-2025"),
        ),
        Consideration(
            "pathogen",
            "Pathogen, toxin or gain-of-function data is dual-use research of concern: access and publication "
            "deserve a second look.",
            "dual-use research of concern, pathogens, biosecurity guidelines for scientists, sharing data",
            ("tianjin-biosecurity-guidelines", "rip-handbook-2025", "sipri-responsible-research-innovation"),
        ),
        Consideration(
            "autonomy",
            "Autonomous navigation, detection or targeting can end up in weapons; meaningful human control is the "
            "line states are debating.",
            "autonomous weapons systems, human control over the use of force, targeting",
            ("ccw-guiding-principles-laws", "sg-statements-laws", "unga-resolution-78-241"),
        ),
        Consideration(
            "faces",
            "Face recognition on people who have not consented can enable surveillance and targeting of individuals.",
            "facial recognition, mass surveillance, privacy and human rights",
            ("unesco-ai-ethics-recommendation", "oecd-ai-principles", "acm-code-of-ethics"),
        ),
        Consideration(
            "surveillance",
            "Tracking or profiling people at scale can harm privacy and human rights, whoever the customer is.",
            "surveillance, tracking and profiling people, privacy, human rights, misuse by states",
            ("unesco-ai-ethics-recommendation", "acm-code-of-ethics", "hlab-governing-ai-for-humanity"),
        ),
        Consideration(
            "cyber",
            "Tools that find or exploit vulnerabilities are useful to attackers too: think about who gets them and "
            "what guards are in place.",
            "cyber attacks, malicious use of AI, offensive cyber capabilities, security of systems",
            ("acm-code-of-ethics", "rip-handbook-2025", "new-agenda-for-peace-2023"),
        ),
        Consideration(
            "synthetic_media",
            "Cloned voices and synthetic media can be used to deceive; consent and provenance are worth settling "
            "first.",
            "deepfakes, synthetic media and disinformation, deception, consent",
            ("rip-handbook-2025", "unesco-ai-ethics-recommendation", "new-agenda-for-peace-2023"),
        ),
        Consideration(
            "influence",
            "Generating or targeting persuasive content at scale is the machinery of disinformation campaigns.",
            "disinformation and influence operations using AI, information integrity",
            ("new-agenda-for-peace-2023", "rip-handbook-2025", "hlab-governing-ai-for-humanity"),
        ),
        Consideration(
            "military",
            "Selling or adapting AI for military or security customers raises questions of export controls and "
            "end use.",
            "military applications of AI, export controls, responsibility of the technology sector, end use",
            ("rip-handbook-2025", "sipri-responsible-research-innovation", "sg-agenda-for-disarmament-2018"),
        ),
        Consideration(
            "general",
            "This work may have dual-use potential: it could be worth a look at how it might be misused.",
            "dual-use risks of civilian AI research and responsible innovation by practitioners",
            ("rip-handbook-2025", "sipri-responsible-research-innovation", "rip-programme-overview"),
        ),
    )
}

# The labelled data's topic names that are another name for a consideration.
ALIASES = {
    "protein": "chem_bio_design",
    "molecules": "chem_bio_design",
    "targeting": "autonomy",
    "military_sales": "military",
    "other": "general",
}
TOPICS = tuple(CONSIDERATIONS)


def consideration_for(topic: str) -> Consideration:
    return CONSIDERATIONS.get(ALIASES.get(topic, topic), CONSIDERATIONS["general"])
