"""The shipped corpus: Markdown summaries of programme materials, codes of conduct and UN documents,
written in the project's own words, each with the original's title, publisher, date and address.

``documents/`` is what ``dualuse ask`` indexes on an empty data directory; ``eval/`` is the golden question set.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def documents_dir() -> Path:
    return Path(str(files(__name__) / "documents"))


def eval_dir() -> Path:
    return Path(str(files(__name__) / "eval"))


def safety_train_dir() -> Path:
    """Labelled requests the misuse guard is trained on."""
    return Path(str(files(__name__) / "safety" / "train"))


def safety_blind_dir() -> Path:
    """The misuse guard's blind test split: written without sight of the training data, never trained on."""
    return Path(str(files(__name__) / "safety" / "blind"))


def nudge_train_dir() -> Path:
    """Labelled workplace messages the nudge detector is trained on."""
    return Path(str(files(__name__) / "nudge" / "train"))


def nudge_blind_dir() -> Path:
    """The nudge detector's blind test split: written without sight of the training data, never trained on."""
    return Path(str(files(__name__) / "nudge" / "blind"))


def glossary_path() -> Path:
    """The shipped practitioner glossary (term, aliases, definition, source), see glossary.yml."""
    return Path(str(files(__name__) / "glossary.yml"))


def vectors_dir() -> Path:
    """Multilingual passage vectors of the shipped documents, so a first question in another language need not
    embed the whole corpus (see ingest/passage_vectors.py)."""
    return Path(str(files(__name__) / "vectors"))
