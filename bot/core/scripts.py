"""Lexical terms of words in the UN languages other than English: French and Spanish (Latin script with accents),
Russian (Cyrillic), Arabic and Chinese.

What it guarantees:

- A word is turned into terms by its script alone, so a question and a passage in the same language always agree,
  whether or not anyone told the tokeniser which language it is.
- Chinese, which has no spaces, becomes overlapping character bigrams (the usual CJK indexing of Lucene and
  Elasticsearch's ``cjk_bigram``): "自主武器" gives 自主, 主武, 武器. A lone character between particles is kept as a
  unigram. Japanese kana are treated the same way.
- Arabic is normalised before it is compared: diacritics (harakat) and tatweel go, the alef forms (أ إ آ ٱ) become
  ا, alef maksura ى becomes ي and teh marbuta ة becomes ه; then the article (ال, وال, بال, ...) and three plural
  endings are cut (a light stemmer in the manner of Larkey's Light10).
- Cyrillic is lower-cased, ё read as е, and the commonest case endings cut, so "оружие" and "оружия" meet.
- Accented Latin words are folded to ASCII ("sécurité" -> "securite") and then go through the English pipeline.

The stop lists are small and written for this corpus's questions: function words that would match every passage
of their language. None of them touches English text: the Arabic, Cyrillic and Chinese lists only see their own
scripts, and the French and Spanish ASCII words are only dropped when the caller says the text is French or Spanish
(their accented ones, "à", "été", "más", can never be English and are always dropped).
"""

from __future__ import annotations

import unicodedata

HAN = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana, CJK ideographs and their extensions
# Arabic letters, the marks that sit on them and tatweel; presentation forms too (normalised by NFKC first).
ARABIC = "\u0621-\u065f\u066e-\u06d3\u06d5\u06fa-\u06fc\u0670\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc"
CYRILLIC = "\u0400-\u04ff"

# Arabic-Indic and Eastern Arabic-Indic digits read as the digits of the English documents ("٢٠١٨" is 2018).
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_FRENCH = """le la les un une des du de au aux et ou mais donc car ni que qui quoi dont ce cet cette ces son sa ses
    leur leurs mon ma mes ton ta tes notre nos votre vos il ils elle elles on nous vous je tu se sur sous dans par pour
    avec sans entre vers chez est sont etait ont avait sera seront etre avoir fait faire peut plus moins tres aussi
    ne pas comme si quand comment quel quelle quels quelles lui eux meme tout tous toute toutes autre autres""".split()
_SPANISH = """el la los las un una unos unas de del al y o u pero que quien quienes cual cuales cuando como donde
    este esta estos estas ese esa esos esas su sus mi mis tu tus nuestro nuestra se le les lo en con por para sin
    sobre entre hacia es son era fue han ha ser estar hay muy mas tambien no ni si cada otro otra otros otras todo
    todos toda todas""".split()
STOP_WORDS_BY_LANGUAGE: dict[str, frozenset[str]] = {"fr": frozenset(_FRENCH), "es": frozenset(_SPANISH)}
# Folded forms of the accented function words ("à" -> "a" is one letter and goes anyway).
ACCENTED_STOP_WORDS = frozenset(
    "etait etaient ete deja ou tres apres meme memes quelle esta estan mas tambien asi aqui ademas segun que como "
    "cual donde quien cuando".split()
)

RUSSIAN_STOP_WORDS = frozenset(
    """и в во не на что с со по к ко как а из для это от о об же или то его ее их при также быть был была были
    было будет может который которая которое которые этот эта эти этого этой тот та те того он она они оно мы вы я
    ты но да нет ли бы уже еще только все всё весь вся так там тут где когда чем чтобы если до после над под без
    между через про у""".split()
)
ARABIC_STOP_WORDS = frozenset(
    """في من على الى عن ان او ثم حتى مع هذا هذه ذلك تلك هولاء الذي التي الذين اللذان اللتان كان كانت يكون تكون
    قد لقد لا لم لن ما ماذا هل كيف متى اين اي كل بعض غير بين عند عندما لان لكن بل هو هي هم هن انا نحن انت انتم
    له لها لهم به بها فيه فيها منه منها عليه عليها وهو وهي ولا وقد وفي ومن وعلى""".split()
)
# Chinese: particles the bigrams are cut at, and bigrams of function words.
CHINESE_PARTICLES = frozenset("的了着吗呢吧啊呀么")
CHINESE_STOP_TERMS = frozenset(
    """我们 你们 他们 她们 它们 这些 那些 这个 那个 一个 以及 因为 所以 但是 如果 可以 没有 什么 怎么 如何 哪些
    进行 已经 还是 或者 就是 不是 而且 关于 对于 其中 之间 为了 由于 虽然 是否 有何 有关 是 在 和 与 及 或 也 都
    就 而 之 其 这 那 对 为 把 被 由 从 有 我 你 他 她 它 将 会 能 要 中 上 下""".split()
)

_ARABIC_MARKS = dict.fromkeys([*range(0x064B, 0x0660), 0x0670, 0x0640])  # harakat, superscript alef, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ی": "ي", "ک": "ك"})
_ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_ARABIC_SUFFIXES = ("ات", "ون", "ين")
_RUSSIAN_ENDINGS = sorted(
    """ами ями ого его ому ему ыми ими ией иями ии ия ие ью ах ях ов ев ей ой ий ый ая яя ое ее ые ие ую юю ам ям ом ем
    а я о е ы и у ю ь""".split(),
    key=len,
    reverse=True,
)
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def fold_latin(word: str) -> str:
    """A lower-case Latin word without its accents: "sécurité" -> "securite", "cœur" -> "coeur"."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def strip_elision(word: str) -> str:
    """French elided articles and pronouns: "l'arme" -> "arme", "qu'il" -> "il", "jusqu'au" -> "au"."""
    head, apostrophe, rest = word.partition("'")
    if apostrophe and rest and head in ("l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu"):
        return rest
    return word


def arabic_terms(word: str) -> list[str]:
    normal = unicodedata.normalize("NFKC", word).translate(_ARABIC_MARKS).translate(_ARABIC_LETTERS)
    if len(normal) < 2 or normal in ARABIC_STOP_WORDS:
        return []
    for prefix in _ARABIC_PREFIXES:
        if normal.startswith(prefix) and len(normal) - len(prefix) >= 2:
            normal = normal[len(prefix) :]
            break
    else:
        if normal.startswith("و") and len(normal) >= 4:  # the conjunction "and", written onto the next word
            normal = normal[1:]
    for suffix in _ARABIC_SUFFIXES:
        if normal.endswith(suffix) and len(normal) - len(suffix) >= 3:
            normal = normal[: -len(suffix)]
            break
    return [] if normal in ARABIC_STOP_WORDS else [normal]


def cyrillic_terms(word: str) -> list[str]:
    word = word.lower().replace("ё", "е")
    if len(word) < 2 or word in RUSSIAN_STOP_WORDS:
        return []
    if len(word) > 5:
        for ending in _RUSSIAN_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 4:
                return [word[: -len(ending)]]
    return [word]


def han_terms(run: str) -> list[str]:
    """Overlapping bigrams of a run of Chinese characters, cut at particles; a lone character as itself."""
    terms: list[str] = []
    segment = ""
    for character in [*run, "的"]:  # a particle at the end flushes the last segment
        if character not in CHINESE_PARTICLES:
            segment += character
            continue
        if len(segment) == 1:
            terms.append(segment)
        terms.extend(segment[i : i + 2] for i in range(len(segment) - 1))
        segment = ""
    return [t for t in terms if t not in CHINESE_STOP_TERMS]
