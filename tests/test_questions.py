"""Open questions (a /start waiting for topics) stay bounded whatever a flood of callers does."""

from bot.questions import OpenQuestions


def test_any_message_ends_the_question_it_answers() -> None:
    questions: OpenQuestions[tuple[str, str]] = OpenQuestions()
    questions.ask(("T1", "U1"), "topics set")
    assert questions.answer(("T1", "U2")) is None
    assert questions.answer(("T1", "U1")) == "topics set"
    assert questions.answer(("T1", "U1")) is None  # answered once


def test_a_flood_of_unanswered_questions_forgets_the_oldest_not_the_newest() -> None:
    questions: OpenQuestions[int] = OpenQuestions(limit=100)
    questions.ask(0, "import")
    for key in range(1, 10_000):
        questions.ask(key, "topics set")
    questions.ask(9_950, "import")  # asked again: now the newest
    assert len(questions) == 100
    assert questions.answer(0) is None
    assert questions.answer(9_899) is None
    assert questions.answer(9_900) == "topics set"
    questions.ask(20_000, "topics set")
    assert questions.answer(9_950) == "import"
