"""The vector space a question is answered in: MiniLM for English, multilingual-e5 for the other languages.

Every score downstream (the sentence scorer, the relevance gate, the composer's ratios and its redundancy test)
was calibrated on MiniLM cosines. Multilingual-e5 squeezes its cosines into a narrow band (unrelated sentences
about 0.78, a good answer about 0.86), so a space carries an affine map that puts its question-to-sentence cosines
on MiniLM's scale, plus its own redundancy threshold for sentence-to-sentence cosines and its own relevance gate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Encode = Callable[[Sequence[str]], np.ndarray]

# Matched on the 10th and 90th percentiles of question-to-sentence cosines over the shipped corpus, French questions
# (e5) against their English originals (MiniLM): 0.748 -> 0.053 and 0.817 -> 0.449.
E5_COSINE_SCALE = 5.74
E5_COSINE_OFFSET = -4.24
# MiniLM's 0.8 sits at the 99.7th percentile of sentence pairs of the shipped corpus; e5's 99.7th is 0.92.
E5_REDUNDANT_COSINE = 0.92
# The relevance gate for questions in other languages, on the calibrated scale. Chosen on the French and Chinese
# golden questions (Spanish, Russian and Arabic held out): 0.34 abstains on 64% of their off-topic questions and
# wrongly on 6% of the answerable ones; 0.38 would abstain on 78% but wrongly on 12% (docs/benchmarks.md).
E5_MIN_RELEVANCE = 0.34


@dataclass(frozen=True)
class VectorSpace:
    queries: Encode  # questions (or question parts) -> L2-normalised rows
    sentences: Encode  # passage sentences -> L2-normalised rows
    scale: float = 1.0
    offset: float = 0.0
    redundant_cosine: float = 0.8
    min_relevance: float | None = None  # None: the engine's calibrated default

    def calibrated(self, cosines: np.ndarray) -> np.ndarray:
        """Question-to-sentence cosines of this space on MiniLM's scale."""
        if self.scale == 1.0 and self.offset == 0.0:
            return cosines
        return self.scale * cosines + self.offset


def multilingual_e5_space(queries: Encode, sentences: Encode) -> VectorSpace:
    """The space of multilingual-e5-small: ``queries`` embeds with its query prefix, ``sentences`` as passages."""
    return VectorSpace(
        queries=queries,
        sentences=sentences,
        scale=E5_COSINE_SCALE,
        offset=E5_COSINE_OFFSET,
        redundant_cosine=E5_REDUNDANT_COSINE,
        min_relevance=E5_MIN_RELEVANCE,
    )
