from __future__ import annotations

from ingest.chunking import Chunker, ChunkingConfig, split_sentences
from ingest.documents import DocumentMeta, LoadedDocument, Section
from ingest.tokens import count_tokens


def _document(sections: list[Section]) -> LoadedDocument:
    return LoadedDocument(DocumentMeta("doc", "Doc"), sections, "0123456789abcdef")


def test_sentence_splitting_respects_abbreviations_and_lists() -> None:
    text = "Dr. Boulanin spoke on 5 Nov. 2018 in Paris. The U.N. agreed, e.g. on this.\n- First item\n- Second item"
    assert split_sentences(text) == [
        "Dr. Boulanin spoke on 5 Nov. 2018 in Paris.",
        "The U.N. agreed, e.g. on this.",
        "First item",
        "Second item",
    ]


def test_chunks_stay_under_the_token_budget_and_overlap() -> None:
    sentences = [
        f"Sentence number {i} talks about responsible innovation in artificial intelligence." for i in range(60)
    ]
    chunks = Chunker(ChunkingConfig(chunk_tokens=100, overlap_tokens=30)).chunk(
        _document([Section(" ".join(sentences))])
    )
    assert len(chunks) > 5
    assert all(count_tokens(c.text) <= 100 for c in chunks)
    for before, after in zip(chunks, chunks[1:], strict=False):
        # Whole-sentence overlap: the next chunk opens with the previous chunk's closing sentence(s).
        assert split_sentences(before.text)[-1] in after.text
        assert split_sentences(after.text)[0] in split_sentences(before.text)
    covered = " ".join(c.text for c in chunks)
    assert all(s in covered for s in sentences)


def test_chunks_keep_section_and_page_and_never_cross_sections() -> None:
    document = _document(
        [
            Section("Alpha text one. Alpha text two.", heading_path=("Part A", "Intro")),
            Section("Beta text.", page=3),
        ]
    )
    chunks = Chunker().chunk(document)
    assert [(c.section, c.page, c.text) for c in chunks] == [
        ("Part A > Intro", None, "Alpha text one. Alpha text two."),
        ("", 3, "Beta text."),
    ]
    assert chunks[0].chunk_id == "doc::0123456789ab::0000"


def test_a_sentence_longer_than_a_chunk_is_split_by_tokens() -> None:
    long_sentence = " ".join(["word"] * 600)
    chunks = Chunker(ChunkingConfig(chunk_tokens=120, overlap_tokens=20)).chunk(_document([Section(long_sentence)]))
    assert len(chunks) >= 5
    assert all(c.token_count <= 120 for c in chunks)
