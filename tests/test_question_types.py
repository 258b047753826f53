"""What a question asks for: kinds and parts, decided from the text alone."""

from __future__ import annotations

import pytest

from bot.core.question_types import carries, shape, split_parts


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("list all ten Tianjin principles", {"list"}),
        ("what are the CCW's 11 guiding principles on LAWS, roughly?", {"list"}),
        ("who chairs the advisory body?", {"who"}),
        ("when did the ACM last update its code?", {"when"}),
        ("how many countries voted against it?", {"how_many"}),
        ("is the UNESCO recommendation binding?", {"yes_no"}),
        ("what's the difference between the CCW GGE and the UNGA process?", {"comparison"}),
        ("we ship open weights - what should we think about before release?", {"implications"}),
    ],
)
def test_kinds(question: str, kinds: set[str]) -> None:
    assert kinds <= shape(question).kinds


def test_a_question_about_one_principle_is_not_a_list_question() -> None:
    assert "list" not in shape("which of the tianjin principles is about publishing sensitive results?").kinds


def test_two_part_questions_are_split_into_parts_with_their_own_kinds() -> None:
    s = shape("who wrote the tianjin biosecurity guidelines and when did they come out?")
    assert [p.text for p in s.parts] == ["who wrote the tianjin biosecurity guidelines", "when did they come out"]
    assert "who" in s.parts[0].kinds and "when" in s.parts[1].kinds
    assert len(split_parts("was it voted on? who was behind it?")) == 2
    assert split_parts("what did the UN say about research and development?") == [
        "what did the UN say about research and development?"
    ]


def test_carriers_recognise_the_asked_for_content() -> None:
    assert carries("The code was adopted on 22 June 2018.", "when")
    assert not carries("The code covers harm.", "when")
    assert carries("The resolution passed with 152 votes.", "how_many")
    assert carries("It was drafted by the Johns Hopkins Center for Health Security.", "who")
