"""Generation through any OpenAI-compatible chat server (OpenAI, vLLM, Ollama, llama.cpp) via LangChain."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import SecretStr

from ingest.language import language_name
from prompts import load_prompt

from .retrieval import Passage

logger = logging.getLogger(__name__)

I_DONT_KNOW = "i don't know"
# The prompt asks for the English words whatever the question's language; a model that translates them still declines.
_DECLINED = (I_DONT_KNOW, "je ne sais pas", "no lo sé", "не знаю", "لا أعرف", "我不知道")


def make_chat_model(model: str, base_url: str | None, api_key: str | None, timeout: float) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    # Local servers accept any key; the client library insists on one being set.
    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=SecretStr(api_key or "not-needed"),
        timeout=timeout,
        max_retries=1,
        temperature=0.0,
    )


def format_sources(passages: Sequence[Passage]) -> str:
    blocks = []
    for n, passage in enumerate(passages, start=1):
        where = " > ".join(p for p in (passage.document.title, passage.chunk.section) if p)
        if passage.chunk.page is not None:
            where += f", page {passage.chunk.page}"
        blocks.append(f"[{n}] {where}\n{passage.chunk.text}")
    return "\n\n".join(blocks)


class LLMAnswerer:
    def __init__(self, chat: BaseChatModel, model_name: str) -> None:
        self.chat = chat
        self.model_name = model_name

    def answer(self, question: str, passages: Sequence[Passage], language: str = "en") -> str:
        """The model's answer to ``question`` from the numbered ``passages``, written in ``language`` (ISO 639-1),
        with the citation markers [n] of the sources it used; or "I don't know." (always in English)."""
        context = load_prompt("context").format(sources=format_sources(passages), question=question)
        # The language by name ("French"), not "the user's language": a model reading English sources drifts back
        # to English when left to infer it.
        system = load_prompt("answer").format(language=language_name(language))
        reply = self.chat.invoke([SystemMessage(system), HumanMessage(context)])
        return str(reply.content).strip()

    def condense(self, history: Sequence[tuple[str, str]], question: str, language: str = "en") -> str:
        """A standalone version of a follow-up question, given (speaker, text) turns, written in ``language``."""
        transcript = "\n".join(f"{speaker}: {text}" for speaker, text in history)
        prompt = load_prompt("condense").format(history=transcript, question=question, language=language_name(language))
        reply = self.chat.invoke([HumanMessage(prompt)])
        return str(reply.content).strip().strip('"') or question

    def judge_misuse(self, request: str) -> bool:
        """The misuse guard's second opinion on a borderline request: True when the model says to refuse."""
        prompt = load_prompt("guard").format(request=request)
        try:
            reply = str(self.chat.invoke([HumanMessage(prompt)]).content)
        except Exception as exc:  # noqa: BLE001 - no opinion is not a refusal; the guard's own verdict stands
            logger.warning("the LLM second opinion failed (%s); keeping the guard's verdict", type(exc).__name__)
            return False
        return reply.strip().upper().startswith("REFUSE")

    @staticmethod
    def declined(text: str) -> bool:
        return text.strip().lower().rstrip(".").startswith(_DECLINED)
