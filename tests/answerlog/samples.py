"""Hand-made answers for store tests: plain dataclasses, as the engine returns them."""

from __future__ import annotations

from bot.core.answers import Answer, Citation, RetrievedPassage


def passage(
    n: int, doc: str = "un-sg-lethal-autonomous-weapons", title: str = "UN Secretary-General on LAWS"
) -> RetrievedPassage:
    return RetrievedPassage(
        chunk_id=f"{doc}:{n}",
        doc_id=doc,
        title=title,
        section=f"Section {n}",
        page=n if n % 2 else None,
        text=f"Passage {n} says machines with the power to take lives without human involvement are unacceptable.",
        dense=0.8 - n / 10,
        lexical=0.5 - n / 20,
        fused=0.03 - n / 1000,
    )


def make_answer(
    question: str = "What does the UN say about autonomous weapons?",
    status: str = "answered",
    text: str = "The Secretary-General calls them politically unacceptable and morally repugnant. [1]",
    *,
    doc: str = "un-sg-lethal-autonomous-weapons",
    title: str = "UN Secretary-General on LAWS",
) -> Answer:
    passages = [passage(n, doc, title) for n in range(3)]
    citations = []
    if status == "answered":
        citations = [
            Citation(
                1,
                doc,
                title,
                "United Nations",
                "2023-07-20",
                "https://www.un.org/sg",
                "Section 0",
                None,
                "machines with the power to take lives",
                0.8,
                f"{doc}:0",
            )
        ]
    return Answer(
        question=question,
        status=status,
        text=text,
        citations=citations,
        mode="extractive",
        latency_ms=123.4,
        retrieval_ms=45.6,
        generation_ms=0.0,
        passages=passages if status != "refused" else [],
    )
