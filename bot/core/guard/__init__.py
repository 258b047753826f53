"""The misuse guard: refuse operational weapons and mass-violence help in any phrasing, answer everything else.

``MisuseGuard.assess`` judges a request (with its conversation) before retrieval; ``operational_sentences`` checks an
answer before it is shown. The policy is ``docs/safety.md``; the areas and their guidance live in ``policy``.
"""

from .guard import GuardVerdict, MisuseGuard
from .model import GuardModel, GuardModelError, load_model
from .output import OutputFinding, operational_sentences
from .policy import AREAS, BENIGN, GENERAL_GUIDANCE, HARM_AREAS, LABELS, refusal_text

__all__ = [
    "AREAS",
    "BENIGN",
    "GENERAL_GUIDANCE",
    "HARM_AREAS",
    "LABELS",
    "GuardModel",
    "GuardModelError",
    "GuardVerdict",
    "MisuseGuard",
    "OutputFinding",
    "load_model",
    "operational_sentences",
    "refusal_text",
]
