"""What the assistant said: only what it recommended by name becomes a memory (users ask about
it later: "which painters did you recommend to me?"), in English and Chinese; the rest is
skipped with the reason."""

from __future__ import annotations

import pytest

from memories.extraction.offline import NOT_THE_USER, read_messages


def reply(text: str):
    return read_messages(
        [{"role": "user", "content": "Any ideas?"}, {"role": "assistant", "content": text}]
    )


@pytest.mark.parametrize(
    ("said", "fact"),
    [
        (
            "Some Renaissance painters can give you inspiration, such as Leonardo da Vinci, "
            "Michelangelo, and Raphael. Their works are highly skilled.",
            "Assistant recommended: Some Renaissance painters can give you inspiration, such as "
            "Leonardo da Vinci, Michelangelo, and Raphael",
        ),
        (
            'I suggest you try history games like "Civilization".',
            'Assistant recommended: I suggest you try history games like "Civilization"',
        ),
        (
            "我听说周边的峨眉山、黄山、泰山都是不错的选择，你可以去那里试试。",  # noqa: RUF001
            "助手推荐：我听说周边的峨眉山、黄山、泰山都是不错的选择，你可以去那里试试",  # noqa: RUF001
        ),
        (
            "你还可以试试下载一些世界历史相关的游戏比如《文明》。",
            "助手推荐：你还可以试试下载一些世界历史相关的游戏比如《文明》",  # noqa: RUF001
        ),
    ],
)
def test_what_the_assistant_recommended_by_name_is_kept(said, fact):
    reading = reply(said)

    assert [f.text for f in reading.facts] == [fact]
    assert reading.facts[0].message == 1
    assert all(skip.reason != NOT_THE_USER for skip in reading.skipped)


@pytest.mark.parametrize(
    "said",
    [
        "I suggest you relax more and drink water.",  # advice that names nothing
        "I will remember that you are vegetarian.",
        "Leonardo da Vinci, Michelangelo, and Raphael were Italian.",  # names, no recommending
        "我建议你多休息。",
        "我会记住您的饮食偏好",
    ],
)
def test_the_rest_of_what_the_assistant_said_is_skipped_with_the_reason(said):
    reading = reply(said)

    assert reading.facts == []
    assert [skip.reason for skip in reading.skipped if skip.message == 1] == [NOT_THE_USER]
