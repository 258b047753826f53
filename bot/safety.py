"""Recognise requests for operational weapons uplift, as opposed to questions *about* weapons, risks and policy.

The check is deliberately conservative about refusing: a request is refused only when it names a weapons-relevant
harm AND asks for the doing of it (how to make, enhance, deploy, write, evade, step by step ...). Questions about
what rules, codes or the UN say, or about risks in general, are answered normally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FLAGS = re.IGNORECASE

# Each harm area names the responsible-practice documents to point to when a request is refused.
HARM_AREAS: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {
    "chemical": (
        re.compile(
            r"nerve[- ]?agents?|chemical warfare|warfare agents?|sarin|\bvx\b|tabun|soman|novichok|mustard gas|phosgene|chlorine gas|"
            r"chemical weapons?|toxic (?:compounds?|molecules?|agents?|chemicals?)|most toxic|lethal dose|"
            r"\btoxins?\b|ricin|botulinum|precursors?",
            _FLAGS,
        ),
        ("hague-ethical-guidelines", "ieee-spectrum-2022-civilian-ai-misuse", "rip-handbook-2025"),
    ),
    "biological": (
        re.compile(
            r"pathogens?|\bvirus(?:es)?\b|viral|bacteri(?:a|um)|anthrax|smallpox|plague|ebola|influenza|h5n1|"
            r"bio-?weapons?|biological weapons?|transmissib\w*|virulen\w*|gain[- ]of[- ]function|"
            r"(?:evade|escape|evasion of|evading|escaping) (?:vaccines?|immunity|the immune)|immune evasion|"
            r"dna synthesis screening|biosecurity screening|select agents?",
            _FLAGS,
        ),
        ("tianjin-biosecurity-guidelines", "rip-podcast", "rip-handbook-2025"),
    ),
    "autonomous_weapons": (
        re.compile(
            r"(?:strike|strikes|kill|kills|attack|shoot|engage|target)s? (?:people|humans|persons|targets|"
            r"individuals|civilians|soldiers|combatants)|without (?:an? )?(?:operator|human)(?: confirmation| approval| in the loop| oversight)?|"
            r"weaponi[sz]\w* (?:a |my |our |the )?drones?|armed drones?|kill (?:chain|list)|target (?:selection|acquisition)|"
            r"autonomous(?:ly)? (?:select|selects|selecting|strike|strikes|kill|target|engage|fire)|"
            r"(?:strikes?|shoots?|fires? at|attacks?|kills?) (?:them|it)\b|turrets?|"
            r"(?:identif\w+|picks? out|detect\w*|select\w*|recogni[sz]\w*) (?:people|humans|persons|faces|targets)|"
            r"releases? (?:the |a |its )?payload|no human in the loop|without (?:the |an? )?(?:operator|human)s?\b",
            _FLAGS,
        ),
        ("ccw-guiding-principles-laws", "sg-statements-laws", "acm-code-of-ethics"),
    ),
    "cyber": (
        re.compile(
            r"malware|ransomware|\bworms?\b|trojan|botnets?|rootkit|keylogger|zero[- ]day|\bexploits?\b|"
            r"\bddos\b|denial[- ]of[- ]service|scada|power grid|water (?:treatment|supply)|"
            r"critical infrastructure|cyber[- ]?(?:weapons?|attacks?)|hack(?:ing)? into|phishing kit",
            _FLAGS,
        ),
        ("acm-code-of-ethics", "ieee-code-of-ethics", "rip-handbook-2025"),
    ),
    "explosives": (
        re.compile(r"explosives?|\bbombs?\b|\bied\b|detonat\w*|warheads?", _FLAGS),
        ("rip-handbook-2025", "acm-code-of-ethics"),
    ),
    "evasion": (
        re.compile(
            r"(?:evade|evading|bypass|bypassing|get around|circumvent\w*|avoid)\s+(?:the\s+)?"
            r"(?:export controls?|sanctions|screening|detection|biosecurity|know[- ]your[- ]customer|kyc)|"
            r"export[- ]controlled|shell compan\w+|disguis\w+|export licen[cs]e|"
            r"(?:don't|do not|doesn't|won't|wouldn't) (?:get )?(?:flag|flagged|notice|detect)\w*|"
            r"without (?:drawing attention|being (?:flagged|detected|noticed))|past (?:the )?[\w' -]{0,40}screening",
            _FLAGS,
        ),
        ("tianjin-biosecurity-guidelines", "rip-handbook-2025"),
    ),
    "disinformation": (
        re.compile(
            r"disinformation campaign|influence operation|propaganda campaign|fake (?:accounts|personas|news)|"
            r"sock ?puppets?|astroturf\w*|bot (?:network|army)|deepfakes? of",
            _FLAGS,
        ),
        ("ieee-spectrum-2024-ai-missteps", "rip-handbook-2025", "acm-code-of-ethics"),
    ),
}

# Asking for the doing: instructions, recipes, code, optimisation, or a first-person plan to act.
_OPERATIONAL = re.compile(
    r"step[- ]by[- ]step|\bsteps? (?:to|for)\b|instructions?|what wording|should i use|\bcoded?\b (?:for|to)|"
    r"(?:python|the|working) code|recipe|protocol for|synthesi[sz]\w*|synthesis route|"
    r"\bhow (?:do|can|could|would|should|might) (?:i|we|one|you|someone)\b|\bhow to\b|"
    r"\b(?:help|teach|show) (?:me|us)\b|\b(?:give|send|list|write|generate|produce|provide|draft) (?:me |us )?"
    r"(?:the |a |an |some |working )?(?:code|script|list|steps|recipe|payload|program|plan|instructions|details|"
    r"quantities|sequences?|compounds?|agents?|molecules?)|"
    r"\b(?:make|making|build|building|create|creating|design|designing|modify|modifying|enhance|enhancing|increase|"
    r"increasing|boost|boosting|optimi[sz]e|optimi[sz]ing|weaponi[sz]e|weaponi[sz]ing|deploy|deploying|spread|"
    r"spreading|culture|grow|aerosoli[sz]e|disperse|launch|launching|train|training|tune|tuning|evade|"
    r"bypass|get around|extract|purify|scale up|route|outline)\b[^?.!]{0,60}\b(?:more|less|it|them|my|our|a|an|the|that|this|so|to|into|without)\b",
    _FLAGS,
)

# Questions about rules, risks and responsibility: these frame even weapons words as a policy question.
_ABOUT = re.compile(
    r"\bwhat (?:does|do|did|is|are|was|were) (?:the )?(?:un|united nations|secretary|sg|ccw|unga|oecd|unesco|ieee|acm|"
    r"neurips|code|codes|guideline|guidelines|law|treaty|convention|resolution|rules?|polic\w+|principles?|handbook|"
    r"programme|program|sipri|unoda|eu|states?|governments?)|"
    r"\bsays? (?:anything|about|on)\b|\bmention\w*\b|according to|\bper the\b|\bthe un\b|united nations|"
    r"\b(?:polic(?:y|ies)|govern\w*|treaty|treaties|conventions?|resolutions?|codes? of (?:conduct|ethics)|"
    r"guidelines?|principles?|ethic\w*|responsib\w+|accountab\w+|norms?|ban|banned|prohibit\w*|law|legal|"
    r"worried|worry|concern\w*|risks?|threats?|misuse|dual[- ]use|history|examples? of|case stud\w+)\b",
    _FLAGS,
)

# Unmistakable operational asks that no policy framing excuses.
_HARD_OPERATIONAL = re.compile(
    r"step[- ]by[- ]step|(?:exact|detailed|precise) (?:steps|quantities|conditions|procedure)|synthesis route|"
    r"scale up (?:the )?production|maximi[sz]e (?:the )?(?:lethality|toxicity|transmissibility|casualties|damage)|"
    r"take (?:it|them|the [\w ]{1,30}) offline|without drawing attention|disguis\w+|shell compan\w+|"
    r"so (?:the )?(?:authorities|regulators|customs|providers?) (?:don't|do not|won't|can't) |past (?:the )?[\w' -]{0,40}screening|"
    r"(?:strikes?|fires? at|shoots?|kills?) (?:them|it|targets|people)[\w ,]{0,40}(?:on its own|automatically|autonomously|with no human|without)|"
    r"(?:picks? out|identif\w+|select\w+) (?:people|humans|targets)[\w ,]{0,60}(?:strikes?|fires?|shoots?|releases?|attacks?)|"
    r"no human in the loop|synthesi[sz]e (?:it|them|the|a|an|this|these)|how (?:do|can|would) (?:i|we) "
    r"(?:make|produce|synthesi[sz]e|build|weaponi[sz]e|enhance|culture|aerosoli[sz]e)|"
    r"(?:more|increase\w*|boost\w*|enhanc\w*) (?:its |their |the )?(?:transmissib\w+|virulen\w+|lethal\w*|toxic\w*)|"
    r"(?:evade|escape|evading|escaping) (?:vaccines?|immunity|screening|export controls?)|"
    r"without (?:an? )?(?:operator|human) confirmation|write (?:me )?(?:a |the |some )?(?:working )?(?:malware|ransomware|exploits?|worms?|payload)",
    _FLAGS,
)


@dataclass(frozen=True)
class SafetyVerdict:
    refuse: bool
    areas: tuple[str, ...] = ()
    guidance_doc_ids: tuple[str, ...] = ()


def assess(question: str) -> SafetyVerdict:
    """Refuse when the question asks for operational help towards weapons; otherwise let it through."""
    areas = tuple(name for name, (pattern, _) in HARM_AREAS.items() if pattern.search(question))
    if not areas:
        return SafetyVerdict(False)
    hard = bool(_HARD_OPERATIONAL.search(question))
    operational = hard or bool(_OPERATIONAL.search(question))
    framed_as_policy = bool(_ABOUT.search(question))
    if not (hard or (operational and not framed_as_policy)):
        return SafetyVerdict(False, areas)
    guidance: list[str] = []
    for area in areas:
        for doc_id in HARM_AREAS[area][1]:
            if doc_id not in guidance:
                guidance.append(doc_id)
    return SafetyVerdict(True, areas, tuple(guidance))
