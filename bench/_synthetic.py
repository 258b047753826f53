"""Synthetic corpus text for the scale benchmarks: plausible sentences from a word-level Markov chain.

The chain (order 2) is trained on the shipped corpus, so synthetic chunks use the same vocabulary as the real ones
(query terms hit them in BM25, and their vectors land in the same region as the real chunks'), which makes them
hard distractors rather than noise. Sentences that come out identical to a corpus sentence are dropped, so a
synthetic chunk never repeats a real passage word for word.

Scaling past what the embedding model can encode in minutes on two cores: ``variant`` derives further chunks from a
base chunk by shuffling its sentences and swapping a few words, and ``perturb`` derives their vectors from the base
vector with small Gaussian noise (cosine to the base about 0.95).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from ingest.chunking import split_sentences

_END = "\x00"


class MarkovText:
    def __init__(self, texts: Iterable[str], seed: int = 7) -> None:
        self._next: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._starts: list[tuple[str, str]] = []
        self._known: set[str] = set()
        vocabulary: set[str] = set()
        for text in texts:
            for sentence in split_sentences(text):
                words = sentence.split()
                if len(words) < 4 or sentence.startswith("|"):
                    continue
                self._known.add(sentence)
                vocabulary.update(w for w in words if w.isalpha() and len(w) > 3)
                self._starts.append((words[0], words[1]))
                for a, b, c in zip(words, words[1:], [*words[2:], _END], strict=False):
                    self._next[(a, b)].append(c)
        self.vocabulary = sorted(vocabulary)
        self._random = random.Random(seed)

    def sentence(self, max_words: int = 40) -> str:
        for _ in range(20):
            a, b = self._random.choice(self._starts)
            words = [a, b]
            while len(words) < max_words:
                options = self._next.get((words[-2], words[-1]))
                if not options:
                    break
                word = self._random.choice(options)
                if word == _END:
                    break
                words.append(word)
            text = " ".join(words)
            if text not in self._known and len(words) >= 6:
                return text if text[-1] in ".!?" else text + "."
        return text + "."

    def passage(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def title(self) -> str:
        words = self._random.sample(self.vocabulary, 4)
        return "Synthetic report on " + " ".join(words).lower()

    def variant(self, text: str, seed: int, swaps: int = 4) -> str:
        """The same sentences in another order with a few words replaced: a near duplicate, not a copy."""
        rng = random.Random(seed)
        sentences = split_sentences(text)
        rng.shuffle(sentences)
        words = " ".join(sentences).split()
        for _ in range(swaps):
            words[rng.randrange(len(words))] = rng.choice(self.vocabulary)
        return " ".join(words)


def perturb(vectors: np.ndarray, seed: int, scale: float = 0.016) -> np.ndarray:
    """Unit vectors near ``vectors``: per-dimension noise of ``scale`` gives cosine ~1/sqrt(1 + 384 scale^2)."""
    rng = np.random.default_rng(seed)
    noisy = vectors + rng.normal(0.0, scale, size=vectors.shape).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
