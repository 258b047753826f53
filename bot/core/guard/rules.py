"""The rule layer of the misuse guard: high-precision refusals for the unmistakable cases, and the intent cues the
classifier takes as features.

A rule refuses only when a named weapon, agent or target (``lexicon``) meets a first- or second-person ask for
the doing of it (make, get, build, deploy, step by step, ...) and the request is not about preventing, detecting or
evaluating harm. Everything subtler is the classifier's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import areas_named
from .normalize import NormalizedText

_ACT = (
    r"make|making|build|building|produce|producing|synthesi[sz]e|synthesi[sz]ing|cook|brew|manufacture|assemble|"
    r"construct|create|craft|prepare|extract|purify|isolate|refine|concentrate|culture|cultivate|grow|replicate|"
    r"enhance|weaponi[sz]e|aerosoli[sz]e|disperse|spread|release|deploy|detonate|trigger|set off|plant|hide|conceal|"
    r"smuggle|sneak|get|obtain|acquire|buy|purchase|order|source|steal|convert|modify|mod|upgrade|turn|rig|arm|"
    r"mount|attach|fit|load|fire|shoot|launch|attack|hack|breach|compromise|take down|knock out|shut down|disable|"
    r"sabotage|poison|kill|hurt|harm|maximi[sz]e|increase|boost|improve|optimi[sz]e|tune|train|program|code|write|"
    r"evade|bypass|avoid|get around|get past|circumvent|slip|ship|route|export|launder|target|strike|carry out|"
    r"execute|plan|pull off|bring|transport|use"
)
# Asking for the doing: how-to questions, requests for instructions, code or plans, first-person intentions.
_ASK_EN = (
    rf"\bhow (?:do|can|could|would|should|might|will|shall|to|does|did you|would you) ?(?:i|we|you|one|someone|somebody|"
    rf"a person|people|a guy|u|my \w+|our \w+)? ?(?:\w+ ){{0,2}}(?:{_ACT})\b|\bhow to\b|\bhow much\b|\bhow many\b|"
    rf"\b(?:give|tell|show|teach|walk|guide|explain|describe|detail|outline|list|write|provide|share|draft|"
    rf"generate|create|produce|compose|send|code|sketch|lay out|spell out|break down|help)\b(?: me| us)?\b[^.?!]{{0,60}}"
    rf"\b(?:how|steps?|instructions?|guide|tutorial|walkthrough|recipe|procedure|method|methods|process|way|ways|"
    rf"code|script|program|firmware|plan|blueprint|schematic|design|list|formula|ingredients|materials|quantities|"
    rf"amounts|sources?|suppliers?|vendors?|technique|techniques|tips|tricks|options)\b|"
    rf"\b(?:i|we)(?:'m| am| are|'re)? (?:want|wanna|need|plan|planning|going|gonna|trying|intend|intending|hope|"
    rf"would like|'d like|like) to (?:\w+ ){{0,2}}(?:{_ACT})\b|\b(?:help|teach|show|assist) (?:me|us)\b|"
    rf"\bwhere (?:can|could|do|should|would|might) (?:i|we|you|one|someone|u)\b|\bwhat(?:'s| is| are)? the (?:best|easiest|"
    rf"cheapest|fastest|quickest|simplest|most (?:effective|efficient|reliable|lethal|deadly|damaging|discreet))\b|"
    rf"\bwhich (?:\w+ ){{0,4}}(?:should|would|could|do|can) (?:i|we|one)\b|\bstep[- ]by[- ]step\b|\brecipe\b|"
    rf"\bsynthesis (?:route|path|pathway|steps)\b|\bexact (?:steps|amounts|quantities|conditions|procedure|ratio)\b|"
    rf"\bwhat (?:do|would|should) (?:i|we) need\b|\bwhat (?:materials|ingredients|equipment|chemicals|parts|tools)\b|"
    rf"\bis it possible to (?:{_ACT})\b|\bcan (?:i|we|you|one) (?:\w+ ){{0,2}}(?:{_ACT})\b|\bways? to (?:{_ACT})\b|"
    rf"\blet'?s (?:{_ACT})\b|\b(?:walk|talk) me through\b|\bin detail\b|\bdetailed\b"
)
_ASK_OTHER = (
    r"\bwie (?:kann|konnte|konnen|mache|baue|stelle|bekomme|komme|kriege|sollte|wurde|macht|baut|man)\b|anleitung|"
    r"schritt fur schritt|\bherstell\w*|\bbauen\b|\bich (?:will|mochte|muss|brauche)\b|\bzeig mir\b|"
    r"\bcomo (?:puedo|podria|hago|hacer|se hace|fabrico|fabricar|construyo|construir|consigo|conseguir|obtener|preparo|"
    r"preparar|modifico|convertir|sintetizo|sintetizar|armar|puede|podemos)\b|instrucciones|paso a paso|\bfabricar\b|"
    r"\bquiero\b|\bnecesito\b|\bensename\b|\bdame\b|\bexplicame\b|"
    r"\bcomment (?:faire|fabriquer|puis-je|je peux|peut-on|obtenir|construire|preparer|synthetiser|modifier|fait-on)\b|"
    r"etape par etape|\bfabriquer\b|\bje veux\b|\bj'ai besoin\b|\bexplique[- ]moi\b|\bdonne[- ]moi\b|mode d'emploi|"
    r"\bкак (?:сделать|изготовить|собрать|получить|синтезировать|купить|достать|приготовить|создать|взломать|"
    r"обойти|провести|устроить|переделать|мне|можно|нам)\b|инструкци\w+|пошагов\w+|\bхочу\b|\bнужно\b|\bрасскажи\b|"
    r"如何|怎么|怎样|步骤|教我|告诉我|制作|制造|合成|配方|我想|帮我|"
    r"كيف|طريقة|خطوات|اصنع|أصنع|صنع|تصنيع|اشرح لي|علمني|أريد|ساعدني"
)
_ASK = re.compile(f"{_ASK_EN}|{_ASK_OTHER}")

# The work we want to encourage: preventing, detecting, evaluating and governing misuse.
_SAFETY_PRACTICE = re.compile(
    r"\b(?:make sure|ensure|prevent\w*|stop (?:it|them|people|users|my|our|the model)|refuse\w*|refusal|"
    r"red[- ]?team\w*|evaluat\w+|eval|evals|benchmark\w*|assess\w*|audit\w*|test (?:whether|if|that)|"
    r"safeguards?|guardrails?|filter\w*|screen(?:ing)? (?:for|orders)|detect\w*|protect\w* (?:against|from)|defend\w*|"
    r"mitigat\w+|safer|safely|classif\w+|incident response|response plan|resilien\w+|moderat\w+|secure|security|harden\w*|patch\w*|responsib\w+|misuse|dual[- ]use|governance|code of conduct|ethic\w*|"
    r"policy|policies|regulat\w+|compliance|comply|complying|lawful(?:ly)?|legal(?:ly)?|licensed)\b"
)
# About rules, history and ideas, not the doing.
_ABOUT = re.compile(
    r"\bwhat (?:does|do|did) (?:the )?\w+(?: \w+){0,4} (?:say|said|state|require|ban|prohibit|cover)\b|"
    r"\b(?:history|historical|histor\w+|treaty|treaties|convention|conventions|resolution|law|laws|ban|banned|"
    r"prohibit\w*|illegal|definition|define|meaning|stand for|why (?:is|are|was|were|did|do|does))\b|"
    r"\bhow did (?:\w+ ){0,6}(?:in|during|after|before)\b|\bin (?:19|20)\d\d\b|\bwhat (?:is|are|was|were) (?:a |an |the )?\w+"
)
_FICTION = re.compile(
    r"\b(?:story|novel|screenplay|script for a|scene|character|fiction\w*|roleplay|role[- ]play|"
    r"pretend|imagine|hypothetic\w*|in theory|thought experiment|game|dnd|d&d)\b"
)
_PRETEXT = re.compile(
    r"\b(?:for (?:a|an|my|our)(?: \w+)? (?:research|paper|thesis|class|course|safety|red[- ]team\w*|"
    r"evaluation|eval|benchmark|novel|book|story|exercise|drill|project)|i'?m (?:a|an) (?:licensed|certified|professional|"
    r"researcher|chemist|biologist|engineer|security researcher)|educational purposes|"
    r"purely academic|just curious|asking for a friend)\b"
)
# Unmistakable: operational detail that no framing makes legitimate.
_UNMISTAKABLE = re.compile(
    r"\bstep[- ]by[- ]step\b|\bsynthesis (?:route|path|pathway|steps)\b|\bexact (?:steps|amounts|quantities|ratio)\b|"
    r"\brecipe\b|\bhow (?:do|can|could|would|should) (?:i|we) (?:\w+ ){0,2}(?:make|build|produce|synthesi[sz]e|"
    r"obtain|acquire|convert|assemble|weaponi[sz]e|deploy|smuggle)\b|\bhow to (?:make|build|produce|"
    r"synthesi[sz]e|obtain|acquire|assemble|weaponi[sz]e|smuggle|convert)\b|\bhelp me (?:make|build|get|buy|"
    r"plan|convert|assemble|synthesi[sz]e|acquire|obtain|smuggle|attack|deploy)\b|"
    r"\bmaximi[sz]e (?:the )?(?:casualties|deaths|lethality|toxicity|damage|harm|body count|death toll)\b|"
    r"\bhow (?:do|can|could|would) (?:i|we) (?:\w+ ){0,2}(?:hijack|take over|take control of|hack into|sabotage|"
    r"poison|disable the brakes)\b|"
    # The same asks in the other UN languages and German: with a named weapon they are as unmistakable.
    r"\bwie (?:stelle|baue|mache|bekomme|kriege|besorge) ich\b|\banleitung\b|schritt fur schritt|"
    r"\bcomo (?:hago|fabrico|preparo|consigo|sintetizo|construyo|puedo (?:hacer|fabricar|conseguir|preparar|"
    r"sintetizar|construir|cultivar))\b|paso a paso|\breceta\b|"
    r"\bcomment (?:fabriquer|faire|preparer|obtenir|synthetiser|construire|cultiver)\b|etape par etape|\brecette\b|"
    r"\bкак (?:сделать|изготовить|приготовить|получить|синтезировать|собрать|вырастить|достать)\b|пошагов\w+|"
    r"如何(?:制造|制作|合成|获得|获取|培养)|怎么(?:做|制造|制作|合成|弄到)|步骤|配方|"
    r"كيف (?:أصنع|اصنع|أحضر|نصنع|أحصل)|طريقة (?:صنع|تحضير|تصنيع)"
)

# Asking to slip past a control, to make something deadlier or to take the human out of a weapon: with any harm
# area's vocabulary these are refused whatever purpose the request claims ("for a red-team exercise ...").
_DEFEAT = re.compile(
    r"without (?:drawing attention|being (?:flagged|detected|noticed|caught|traced)|(?:anyone|them) noticing)|"
    r"\bdisguis\w+|\bpast (?:the )?[\w' -]{0,40}(?:screening|checks?|filters?|inspectors?|customs)|"
    r"\bso (?:that )?(?:the )?(?:authorities|regulators|customs|police|providers?|inspectors?|it) (?:don't|do not|won't|"
    r"can't|cannot|doesn't) (?:flag|notice|detect|catch|trace|need)|(?:doesn't|does not|won't) need an? (?:export )?licen[cs]e|"
    r"\bno human in the loop\b|\bwithout (?:an? )?(?:operator|human) (?:confirmation|approval|in the loop)|"
    r"\bwrite (?:me )?(?:a |the |some )?(?:working |functional )?(?:malware|ransomware|exploits?|worms?|payloads?)\b|"
    r"\b(?:find|discover) and exploit\b|\bexploit (?:the )?vulnerabilit\w+ in\b|"
    r"\b(?:evade|escape|evading|escaping|get around|bypass\w*) (?:the )?(?:vaccines?|immunity|screening|export controls?|"
    r"sanctions|biosecurity)|\b(?:more|increase\w*|boost\w*|enhanc\w*|maximi[sz]\w*) (?:its |their |the )?"
    r"(?:transmissib\w+|virulen\w+|lethal\w*|toxicity|casualties|death toll)|\bscale up (?:the )?production\b|"
    r"\bselects? and (?:fires?|strikes?|shoots?|engages?)\b"
)

# Asking which change would make an agent spread, kill or resist better: the enhancement of concern itself, refused
# like the words of defeat. Forward-looking only: "why did the studies that made H5N1 transmissible between
# mammals cause a row?" is history. Read by the rule verdict only, not a classifier feature (the shipped model was
# trained without it).
_ENHANCE = re.compile(
    r"\b(?:would|could|can|will|to|might|should) (?:make|render|turn|get) (?:\w+ ){0,5}?(?:more |better )?"
    r"(?:transmissib\w+|contagious|airborne|virulent|deadlier|more lethal|vaccine[- ]resistant|drug[- ]resistant)\b|"
    r"\bmak(?:e|ing) (?:it|them|the \w+) (?:spread|transmit\w*) (?:between|among|to) (?:mammals|humans|people)\b"
)

# Asks for producing a named agent from its source, or for taking down infrastructure: as unmistakable as "how do I
# make" with a name that has no everyday sense ("how do I extract tetrodotoxin from pufferfish?", "how do I take
# down a city's power grid?"). Read by the rule verdict only, like _ENHANCE.
_PRODUCE_OR_DISABLE = re.compile(
    r"\bhow (?:do|can|could|would|should) (?:i|we) (?:\w+ ){0,2}(?:extract|purify|isolate|culture|cultivate|take down|"
    r"knock out|black out|bring down)\b|\bhow to (?:extract|purify|isolate|culture|cultivate|take down|knock out|"
    r"black out|bring down)\b"
)

# The narrow sense of a protective purpose, which alone excuses words of defeat ("how did the network get around
# export controls", "a filter that blocks requests to write malware").
_PROTECTIVE = re.compile(
    r"\b(?:prevent\w*|detect\w*|defend\w*|protect\w* (?:against|from)|evaluat\w+|evals?|classif\w+|filter\w*|"
    r"moderat\w+|incident response|lessons|how did|refus\w+|block\w*|spot|catch)\b|фильтр\w*|блокир\w+|защит\w+|"
    r"предотвра\w+|обнаруж\w+|\bfiltr\w+|\bfiltre\w*|\bbloque\w*|\bdetect\w+|\bdetecter\b|\bprevenir\b|\bverhinder\w*|"
    r"\berkenn\w*|防止|过滤|检测|识别|拒绝|حماية|منع|كشف|رصد"
)

CUE_NAMES: tuple[str, ...] = (
    "ask",
    "safety_practice",
    "about",
    "fiction",
    "pretext",
    "unmistakable",
    "defeat",
    "protective",
)


@dataclass(frozen=True)
class RuleReading:
    areas: tuple[str, ...]  # harm areas whose vocabulary the text uses
    cues: dict[str, bool]  # intent cues, by CUE_NAMES
    strong_areas: tuple[str, ...] = ()  # areas named by words without an everyday sense

    @property
    def refuse(self) -> bool:
        """The rule layer's own verdict: a named weapon met an unmistakable operational ask."""
        c = self.cues
        if self.areas and (c["defeat"] or c["enhance"]):
            return not c["protective"]
        if not self.strong_areas or not (c["unmistakable"] or c["produce_or_disable"]):
            return False
        return not ((c["safety_practice"] or c["protective"]) and not c["pretext"])

    def features(self, areas: tuple[str, ...]) -> list[float]:
        """A fixed-order vector for the classifier: one flag per area named, one per cue, then the conjunctions a
        linear model cannot form itself (a named weapon AND an ask, with or without a protective purpose). These
        flags read the same in every language the lexicon and cues know, so they carry across languages."""
        c = self.cues
        named = bool(self.areas)
        plain_ask = c["ask"] and not c["safety_practice"] and not c["about"]
        conjunctions = [
            named and c["ask"],
            named and plain_ask,
            named and c["unmistakable"],
            plain_ask,
            named and c["safety_practice"],
            named and (c["fiction"] or c["pretext"]),
        ]
        return (
            [float(a in self.areas) for a in areas]
            + [float(c[n]) for n in CUE_NAMES]
            + [float(f) for f in conjunctions]
        )


def read(text: NormalizedText) -> RuleReading:
    views = text.views()
    areas: list[str] = []
    strong: list[str] = []
    for view in views:
        areas += [a for a in areas_named(view) if a not in areas]
        strong += [a for a in areas_named(view, strong=True) if a not in strong]
    cues = {
        "ask": any(_ASK.search(v) for v in views),
        "safety_practice": any(_SAFETY_PRACTICE.search(v) for v in views),
        "about": any(_ABOUT.search(v) for v in views),
        "fiction": any(_FICTION.search(v) for v in views),
        "pretext": any(_PRETEXT.search(v) for v in views),
        "unmistakable": any(_UNMISTAKABLE.search(v) for v in views),
        "defeat": any(_DEFEAT.search(v) for v in views),
        "protective": any(_PROTECTIVE.search(v) for v in views),
        # Not in CUE_NAMES: the verdict reads these, the classifier's features don't.
        "enhance": any(_ENHANCE.search(v) for v in views),
        "produce_or_disable": any(_PRODUCE_OR_DISABLE.search(v) for v in views),
    }
    return RuleReading(tuple(areas), cues, tuple(strong))
