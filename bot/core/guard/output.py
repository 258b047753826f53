"""The output check: an answer about to be shown must not carry operational weapons detail, whether it came from
a document a trainer ingested or from an LLM's own knowledge.

A sentence counts as operational when it uses a harm area's vocabulary (a named agent, explosive, weapon part,
control system ...) together with the marks of a procedure: amounts with units, process conditions, numbered steps
or an instruction that starts with a lab or workshop verb. Policy and history sentences ("sarin was used in the
1995 Tokyo attack") have the vocabulary but not the procedure, so they pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.chunking import split_sentences

from .lexicon import areas_named
from .normalize import normalize

_AMOUNT = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:mg|g|kg|grams?|kilograms?|ml|millilit\w+|l|lit(?:re|er)s?|mol|mmol|moles?|equivalents?|"
    r"°\s?[cf]|degrees?(?: celsius| fahrenheit| c| f)?|celsius|fahrenheit|psi|bar|kpa|atm|rpm|ppm|% (?:solution|w/v|v/v)|"
    r"percent (?:solution|concentration)|minutes? at|hours? at|grains?|mm|cm|inch(?:es)?|volts?|mah|khz|mhz|ghz)(?![\w])"
)
_STEP = re.compile(
    r"(?:^|\s)(?:step\s*\d+|\d+[.)]\s+(?:mix|add|heat|take|combine|dissolve|place|attach|connect|"
    r"drill|fill|pack|insert|wire|run|send|flash|set)|first,|next,|then,|finally,)",
    re.IGNORECASE,
)
_PROCEDURE_VERB = re.compile(
    r"^(?:mix|combine|add|heat|boil|reflux|dissolve|stir|filter|distil+|evaporate|cool|chill|pour|grind|crush|pack|"
    r"seal|wire|connect|attach|solder|drill|mill|machine|thread|inoculate|incubate|culture|centrifuge|purify|extract|"
    r"precipitate|titrate|neutrali[sz]e|flash|compile|upload|inject|overwrite|spoof|replace|remove|insert|fill|"
    r"place|slowly|carefully|gently|then|next|first)\b"
)


@dataclass(frozen=True)
class OutputFinding:
    area: str
    sentence: str


def operational_sentences(texts: Iterable[str]) -> list[OutputFinding]:
    """Every sentence of ``texts`` that reads as operational weapons detail, with its harm area."""
    findings: list[OutputFinding] = []
    for text in texts:
        for sentence in split_sentences(text) or [text]:
            normalized = normalize(sentence)
            areas = areas_named(normalized.decoded)
            if not areas:
                continue
            body = normalized.decoded.lstrip("-*•0123456789.) ")
            procedural = bool(_AMOUNT.search(body)) + bool(_STEP.search(sentence)) + bool(_PROCEDURE_VERB.match(body))
            if procedural:
                findings.append(OutputFinding(areas[0], sentence))
    return findings
