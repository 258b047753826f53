"""Issue 16 in llm mode, over real HTTP to the local OpenAI-compatible server: the prompt names the question's
language, the answer comes back in it with its markers on the English passages, and each translated claim is
verified against its English source (multilingual-e5 across languages; exactly as before within one language)."""

from __future__ import annotations

import pytest

from bot.core.citations import split_answer_sentences
from bot.core.crosslingual import CrossLingualSearch
from bot.core.engine import AnswerEngine, EngineOptions
from bot.core.llm import LLMAnswerer, make_chat_model
from bot.core.retrieval import HybridRetriever
from bot.core.spaces import multilingual_e5_space
from bot.core.vector_cache import VectorCache
from bot.core.verification import key_terms_across, verify
from corpus import vectors_dir
from ingest.embeddings import MiniLMEmbeddings, MultilingualE5Embeddings
from ingest.index import CorpusIndex
from ingest.passage_vectors import SHIPPED_FILE, PassageVectors
from tests.openai_server import FakeOpenAI, Script
from tests.test_llm_mode import QUESTION, _find, _sources

QUESTION_FR = "Qui finance le programme UNODA/SIPRI sur l'innovation responsable en IA pour la paix et la sécurité ?"
FUNDED = (
    "Le programme UNODA/SIPRI est financé par l'Union européenne au titre de la décision (PESC) 2022/2269 du "
    "18 novembre 2022."
)
PREDECESSOR = (
    "Le projet de 2022 financé par la Corée a précédé le programme « Responsible Innovation in AI for Peace and "
    "Security » financé par l'UE, que l'UNODA et le SIPRI ont lancé début 2023."
)
# Cited to the funding passage, which says nothing of the kind.
INVENTED = "Le programme forme aussi les pilotes de drones de combat des armées européennes."


@pytest.fixture(scope="session")
def multilingual(multilingual_model: MultilingualE5Embeddings) -> VectorCache:
    return VectorCache(multilingual_model.embed_queries)


def _engine(
    server: FakeOpenAI,
    index: CorpusIndex,
    embeddings: MiniLMEmbeddings,
    multilingual: VectorCache,
    model: MultilingualE5Embeddings,
) -> AnswerEngine:
    """Wired as the application wires it: a French question is searched and answered across languages."""
    llm = LLMAnswerer(make_chat_model("test-model", server.base_url, None, 5.0), "test-model")
    passages = PassageVectors(model.embed_array, None, shipped_file=vectors_dir() / SHIPPED_FILE)
    return AnswerEngine(
        HybridRetriever(index, embeddings, crosslingual=CrossLingualSearch(passages)),
        embeddings,
        llm=llm,
        options=EngineOptions(mode="llm"),
        multilingual=multilingual_e5_space(multilingual, passages.vectors),
        claim_vectors=multilingual,
    )


def _french_reply(messages: list[dict]) -> str:
    if messages[0]["role"] != "system":  # the follow-up's condensation
        return QUESTION_FR
    sources = _sources(messages)
    n_fund, _ = _find(sources, "is paid for by the European Union")
    n_before, _ = _find(sources, "Korea-funded project came before")
    return f"{FUNDED} [{n_fund}] {PREDECESSOR} [{n_before}] {INVENTED} [{n_fund}]"


def _system_prompts(server: FakeOpenAI) -> list[str]:
    return [
        r["body"]["messages"][0]["content"] for r in server.requests if r["body"]["messages"][0]["role"] == "system"
    ]


def test_a_french_question_gets_a_french_answer_citing_the_english_passages(
    fake_openai: FakeOpenAI,
    shipped_index: CorpusIndex,
    embeddings: MiniLMEmbeddings,
    multilingual: VectorCache,
    multilingual_model: MultilingualE5Embeddings,
) -> None:
    fake_openai.script = Script(reply=_french_reply)
    answer = _engine(fake_openai, shipped_index, embeddings, multilingual, multilingual_model).ask(QUESTION_FR)
    assert answer.status == "answered" and answer.mode == "llm" and answer.language == "fr", answer.as_dict()
    # The prompt names the language, and still asks for the markers and the English "I don't know".
    (system,) = _system_prompts(fake_openai)
    assert "Write the answer in French" in system and "{language}" not in system
    assert "like [1] or [2][3]" in system and "I don't know" in system
    # Both French claims hold against their English sources and keep their (renumbered) markers.
    assert answer.text == f"{FUNDED} [1] {PREDECESSOR} [2]"
    assert [c.n for c in answer.citations] == [1, 2]
    assert "paid for by the European Union" in answer.citations[0].quote
    assert "Korea-funded project came before" in answer.citations[1].quote
    for citation in answer.citations:
        assert citation.quote in shipped_index.get_chunks([citation.chunk_id])[0].text
    assert [s.text for s in answer.sentences] == [FUNDED, PREDECESSOR]
    # The claim its source does not support is not shown; the answer log keeps it.
    assert answer.unsupported == [INVENTED] and INVENTED not in answer.text


def test_a_french_claim_with_a_number_its_source_lacks_is_removed(
    fake_openai: FakeOpenAI,
    shipped_index: CorpusIndex,
    embeddings: MiniLMEmbeddings,
    multilingual: VectorCache,
    multilingual_model: MultilingualE5Embeddings,
) -> None:
    wrong_year = FUNDED.replace("18 novembre 2022", "18 novembre 2031")

    def reply(messages: list[dict]) -> str:
        sources = _sources(messages)
        n_fund, _ = _find(sources, "is paid for by the European Union")
        n_before, _ = _find(sources, "Korea-funded project came before")
        return f"{PREDECESSOR} [{n_before}] {wrong_year} [{n_fund}] {PREDECESSOR} [{n_before}]"

    fake_openai.script = Script(reply=reply)
    answer = _engine(fake_openai, shipped_index, embeddings, multilingual, multilingual_model).ask(QUESTION_FR)
    assert answer.mode == "llm" and answer.unsupported == [wrong_year], answer.as_dict()
    assert "2031" not in answer.text


def test_a_follow_up_is_condensed_and_answered_in_its_own_language(
    fake_openai: FakeOpenAI,
    shipped_index: CorpusIndex,
    embeddings: MiniLMEmbeddings,
    multilingual: VectorCache,
    multilingual_model: MultilingualE5Embeddings,
) -> None:
    fake_openai.script = Script(reply=_french_reply)
    history = [("user", QUESTION), ("assistant", "The European Union funds it [1].")]
    answer = _engine(fake_openai, shipped_index, embeddings, multilingual, multilingual_model).ask(
        "Et qui mène ce programme avec le SIPRI ?", history=history
    )
    assert answer.language == "fr" and answer.mode == "llm", answer.as_dict()
    condense = next(r for r in fake_openai.requests if r["body"]["messages"][0]["role"] != "system")
    assert "write the question in French" in condense["body"]["messages"][0]["content"]
    assert "Write the answer in French" in _system_prompts(fake_openai)[0]


def test_an_english_answer_is_verified_as_before(
    fake_openai: FakeOpenAI,
    shipped_index: CorpusIndex,
    embeddings: MiniLMEmbeddings,
    multilingual: VectorCache,
    multilingual_model: MultilingualE5Embeddings,
) -> None:
    """The same English reply, with and without the multilingual encoder: the same answer, sentence for sentence."""

    def reply(messages: list[dict]) -> str:
        sources = _sources(messages)
        n_fund, fund = _find(sources, "2022/2269")
        wrong = next(n for n in sources if n != n_fund and not any("2022/2269" in x for x in sources[n]))
        return (
            f"{fund} [{n_fund}] {sources[wrong][0]} [{wrong}] "
            f"The European Union gave the programme 99 million euros in 2031 [{n_fund}]. {fund} [{wrong}]"
        )

    fake_openai.script = Script(reply=reply)
    with_encoder = _engine(fake_openai, shipped_index, embeddings, multilingual, multilingual_model).ask(QUESTION)
    without = AnswerEngine(
        HybridRetriever(shipped_index, embeddings),
        embeddings,
        llm=LLMAnswerer(make_chat_model("test-model", fake_openai.base_url, None, 5.0), "test-model"),
        options=EngineOptions(mode="llm"),
    ).ask(QUESTION)
    assert with_encoder.language == "en" and with_encoder.mode == "llm"
    assert with_encoder.text == without.text and with_encoder.unsupported == without.unsupported
    assert [s.as_dict() for s in with_encoder.sentences] == [s.as_dict() for s in without.sentences]
    assert all("Write the answer in English" in system for system in _system_prompts(fake_openai))


@pytest.mark.parametrize(
    ("claim", "required"),
    [
        # Latin letters inside another script: a name left untranslated, acronyms included.
        ("古特雷斯（Guterres）秘书长在2018年呼吁禁止这类武器。", ["2018", "Guterres"]),
        ("ACM理事会于2018年6月22日通过了该准则。", ["2018", "22", "ACM"]),  # 6月 is June in the source
        ("اعتمد المجلس القرار ٢٠٢٢/٢٢٦٩ في 18 نوفمبر.", ["2022", "2269", "18"]),  # Arabic-Indic digits
        ("Un budget de 1 000,5 millions en 2023.", ["1", "000", "5", "2023"]),
        ("Генеральный секретарь ООН и SIPRI говорят об этом.", ["SIPRI"]),
        # French and Spanish translate capitalised words and short acronyms; long acronyms stay.
        ("Le Secrétaire général des Nations unies a parlé à l'ONU en 2019.", ["2019"]),
        ("El programa de UNODA y SIPRI sobre la IA.", ["UNODA", "SIPRI"]),
    ],
)
def test_only_untranslated_names_and_numbers_must_occur_across_languages(claim: str, required: list[str]) -> None:
    assert key_terms_across(claim) == required


def test_i_dont_know_in_the_question_s_language_is_still_no_answer(
    fake_openai: FakeOpenAI,
    shipped_index: CorpusIndex,
    embeddings: MiniLMEmbeddings,
    multilingual: VectorCache,
    multilingual_model: MultilingualE5Embeddings,
) -> None:
    fake_openai.script = Script(reply=lambda m: "Je ne sais pas.")
    answer = _engine(fake_openai, shipped_index, embeddings, multilingual, multilingual_model).ask(QUESTION_FR)
    assert answer.status == "no_answer" and answer.mode == "llm" and answer.language == "fr"


REPUGNANT_RU = (
    "Генеральный секретарь ООН Антониу Гутерриш (António Guterres) с 2018 года неоднократно называл машины, "
    "способные отнимать человеческие жизни без контроля человека, «политически неприемлемыми» и «морально "
    "отвратительными»."
)


def test_claims_in_other_scripts_are_checked_for_meaning_numbers_and_latin_names(
    shipped_index: CorpusIndex,
    embeddings: MiniLMEmbeddings,
    multilingual: VectorCache,
    multilingual_model: MultilingualE5Embeddings,
) -> None:
    passages = (
        HybridRetriever(shipped_index, embeddings)
        .retrieve("What is the core position of Secretary-General Guterres on lethal autonomous weapons?")
        .passages
    )
    n = next(i for i, p in enumerate(passages, start=1) if "has said repeatedly since 2018" in p.chunk.text)
    wrong_name = REPUGNANT_RU.replace("António Guterres", "Izumi Nakamitsu")
    wrong_year = REPUGNANT_RU.replace("2018", "2009")
    # Arabic: "the Secretary-General proposed a new agency to license AI models" (no passage says so).
    unsupported_ar = "اقترح الأمين العام إنشاء وكالة جديدة لترخيص نماذج الذكاء الاصطناعي."
    text = f"{REPUGNANT_RU} [{n}] {wrong_name} [{n}] {wrong_year} [{n}] {unsupported_ar} [{n}]"
    checked = verify(text, passages, embeddings, language="ru", multilingual=multilingual)
    assert checked.text == f"{REPUGNANT_RU} [1]"
    assert "morally repugnant" in checked.sentences[0].citations[0][1]
    assert checked.unsupported == [wrong_name, wrong_year, unsupported_ar]
    # Without the multilingual encoder the English model cannot tell: the supported claim is lost too.
    assert verify(text, passages, embeddings, language="ru").text == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("该计划由欧盟资助[1]。第一次对话于2023年举行[2]。", ["该计划由欧盟资助[1]。", "第一次对话于2023年举行[2]。"]),
        (
            "البرنامج ممول من الاتحاد الأوروبي [1]. وقد عقد أول حوار في 2023 [2].",
            ["البرنامج ممول من الاتحاد الأوروبي [1].", "وقد عقد أول حوار في 2023 [2]."],
        ),
        (
            "Программа финансируется ЕС [1]. Первый диалог прошёл в 2023 году [2].",
            ["Программа финансируется ЕС [1].", "Первый диалог прошёл в 2023 году [2]."],
        ),
        (
            "The UN funds it [1]. SIPRI runs it, e.g. at 3.5 sites [2].",
            ["The UN funds it [1].", "SIPRI runs it, e.g. at 3.5 sites [2]."],
        ),
    ],
)
def test_a_generated_answer_is_split_into_sentences_in_every_script(text: str, expected: list[str]) -> None:
    # Each sentence is verified on its own: a Chinese answer read as one sentence would stand or fall whole.
    assert split_answer_sentences(text) == expected
