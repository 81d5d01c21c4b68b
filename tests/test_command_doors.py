"""The command core's typed doors: a vote and a named command reach the same handlers, checks
and replies as the chat text a person would type, without any adapter composing that text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.compose import App
from core.commands.core import Caller
from core.models import Direction, Identity, Vote
from storage.tables import Rating
from tests.conftest import DAY

ANN = Caller(Identity(platform="telegram", platform_id="42", display_name="Ann"))


@pytest.fixture
def loaded(app: App, listing_path: Path) -> App:
    app.ingestor.ingest_file(listing_path, day=DAY)
    assert app.commands.handle(ANN, "/start").ok
    return app


def votes(app: App) -> dict[str, int]:
    with app.sessions() as session:
        return {r.paper_id: r.value for r in session.exec(select(Rating))}


def test_a_vote_is_recorded_as_up_and_down_would_be(loaded: App, records: list[dict[str, Any]]) -> None:
    liked, disliked = records[3], records[4]
    first = loaded.commands.rate(ANN, Vote(liked["id"], Direction.UP))
    assert first.ok and first.text == f"👍 {liked['title']}"
    again = loaded.commands.rate(ANN, Vote(f"arXiv:{liked['id']}v2", Direction.UP))
    assert (
        again.text
        == loaded.commands.handle(ANN, f"/up {liked['id']}").text
        == f"👍 {liked['title']} (unchanged)"
    )
    assert loaded.commands.rate(ANN, Vote(disliked["id"], Direction.DOWN)).text.startswith("👎 ")
    assert votes(loaded) == {liked["id"]: 1, disliked["id"]: -1}
    flipped = loaded.commands.rate(ANN, Vote(liked["id"], Direction.DOWN))
    assert flipped.ok and votes(loaded)[liked["id"]] == -1


def test_a_vote_is_refused_exactly_where_the_text_command_is(
    loaded: App, records: list[dict[str, Any]]
) -> None:
    missing = loaded.commands.rate(ANN, Vote("2506.99999", Direction.UP))
    assert not missing.ok and missing.text == loaded.commands.handle(ANN, "/up 2506.99999").text
    assert "not in the database" in missing.text
    group = Identity(platform="telegram", platform_id="-100", kind="group")
    assert loaded.commands.handle(Caller(group), "/start").ok
    member = Caller(group, may_edit=False)
    by_door = loaded.commands.rate(member, Vote(records[3]["id"], Direction.UP))
    assert not by_door.ok and by_door.text == loaded.commands.handle(member, f"/up {records[3]['id']}").text
    assert "Only an admin" in by_door.text and votes(loaded) == {}
    stranger = Caller(Identity(platform="telegram", platform_id="77"))  # no profile: a first contact
    first = loaded.commands.rate(stranger, Vote(records[3]["id"], Direction.UP))
    assert first.ok and votes(loaded) == {records[3]["id"]: 1}


def test_a_vote_is_a_thumb_up_or_down() -> None:
    assert Vote("2506.01928", Direction.UP).thumb == "👍" and Vote("2506.01928", Direction.DOWN).thumb == "👎"
    with pytest.raises(ValueError):
        Direction("sideways")


def test_a_named_command_runs_like_its_text(loaded: App) -> None:
    named = loaded.commands.invoke(ANN, "top", "3")
    assert named.ok and loaded.commands.handle(ANN, "/top").text == "Your digest shows at most 3 papers."
    assert loaded.commands.invoke(ANN, "/top", "4").ok
    assert loaded.commands.handle(ANN, "/top").text == "Your digest shows at most 4 papers."
    unknown = loaded.commands.invoke(ANN, "frobnicate")
    assert not unknown.ok and unknown.text == loaded.commands.handle(ANN, "/frobnicate").text
    huge = loaded.commands.invoke(ANN, "topics", "set " + "x" * 10_000)
    assert not huge.ok and "too long" in huge.text
