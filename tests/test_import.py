"""`/import` end to end: a library's papers become what the user likes, fetched from the (fake)
arXiv API when not stored, matched by title when the export has no id, all or nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.compose import App
from bot.console import chat, console_caller
from bot.settings import Settings
from core.learning.model import IMPORTED, LIBRARY_HALF, LIBRARY_WEIGHT, library_weight
from core.learning.ratings import with_library
from core.library.fetch import ArxivLookup
from core.models import Identity
from storage import library as library_store
from storage import papers as paper_store
from storage import profiles
from tests.conftest import DAY, FIXTURES
from tests.fakes.arxiv_server import FakeArxiv, Scripted
from tests.test_learning import days, mean_rank, ranking, say

__all__ = ["days"]  # the fixture, shared with the learning tests
ALICE = console_caller("alice")


def record(paper_id: str, title: str) -> dict[str, Any]:
    return {
        "id": paper_id, "title": title, "authors": ["Ada Lovelace"], "abstract": f"About {title.lower()}.",
        "categories": ["cs.LG"], "primary_category": "cs.LG", "comment": None,
    }  # fmt: skip


@pytest.fixture
def stored(app: App, listing_path: Path, fake_arxiv: FakeArxiv) -> App:
    """The fixture day stored; the fake API knows two more papers."""
    app.ingestor.ingest_file(listing_path, day=DAY)
    app.commands.handle(ALICE, "/start")
    fake_arxiv.papers["2405.01234"] = (record("2405.01234", "Sparse Autoencoders at Scale"), 2)
    fake_arxiv.papers["2301.00007"] = (
        record("2301.00007", "Deep Residual Learning for Image Recognition"),
        1,
    )
    return app


def library(app: App, name: str = "alice") -> list[str]:
    with app.sessions() as session:
        profile = profiles.find(session, Identity.console(name))
        return [] if profile is None else sorted(library_store.library_ids(session, profile.id))


def api_calls(fake: FakeArxiv) -> list[dict[str, list[str]]]:
    return [query for path, query in fake.requests if path == "/api/query"]


BIBTEX = r"""@article{known, title={Modality Equilibrium Matters}, journal={arXiv preprint arXiv:2506.00030}}
@misc{fetched, title = {Sparse {Autoencoders} at Scale}, eprint = {2405.01234v2}, archivePrefix = {arXiv}}
@article{missing, title={Not there}, url={https://arxiv.org/abs/2501.99999}}
@article{doi, title={Geo-Sign}, doi={10.48550/arXiv.2506.00129}}
"""


def test_bibtex_with_arxiv_ids_imports_stored_papers_and_fetches_unknown_ones(
    stored: App, fake_arxiv: FakeArxiv
) -> None:
    reply = stored.commands.handle(ALICE, "/import " + BIBTEX)
    assert reply.ok
    assert reply.text == "Imported 3 papers (1 fetched from arXiv); 1 id arXiv does not know: 2501.99999."
    assert library(stored) == ["2405.01234", "2506.00030", "2506.00129"]
    assert [q["id_list"] for q in api_calls(fake_arxiv)] == [["2405.01234,2501.99999"]]  # one batch
    with stored.sessions() as session:
        paper = paper_store.get_papers(session, ["2405.01234"])["2405.01234"]
    assert (paper.title, paper.version, paper.authors) == (
        "Sparse Autoencoders at Scale",
        2,
        ("Ada Lovelace",),
    )


def test_importing_twice_adds_nothing_and_asks_arxiv_nothing(stored: App, fake_arxiv: FakeArxiv) -> None:
    stored.commands.handle(ALICE, "/import " + BIBTEX)
    calls = len(api_calls(fake_arxiv))
    again = stored.commands.handle(ALICE, "/import " + BIBTEX)
    assert again.text == "Imported 0 papers; 3 already in your library; 1 id arXiv does not know: 2501.99999."
    assert library(stored) == ["2405.01234", "2506.00030", "2506.00129"]
    assert len(api_calls(fake_arxiv)) == calls + 1  # only the id arXiv did not know is asked again


DOIS_ONLY = r"""@inproceedings{he2016deep,
  title={Deep {R}esidual Learning for Image Recognition},
  doi={10.1109/CVPR.2016.90}
}
@article{smith2020, title={A paper arXiv never had}, doi={10.1000/xyz}}
@article{untitled, doi={10.1000/abc}}
"""


def test_entries_with_dois_only_are_matched_by_title_or_reported(stored: App, fake_arxiv: FakeArxiv) -> None:
    reply = stored.commands.handle(ALICE, "/import " + DOIS_ONLY)
    assert reply.text == (
        "Imported 1 paper (1 fetched from arXiv); "
        "2 entries without an arXiv id not found: smith2020, untitled."
    )
    assert library(stored) == ["2301.00007"]
    (query,) = api_calls(fake_arxiv)
    assert query["search_query"] == [
        'ti:"deep residual learning for image recognition" OR ti:"a paper arxiv never had"'
    ]


def test_garbage_is_one_line_and_imports_nothing(stored: App, fake_arxiv: FakeArxiv) -> None:
    for data in (
        b"2506.00030\nthis is my shopping list\n",
        b"@article{x, title={Unclosed, eprint={2506.00030}\n",
        b"\x89PNG\r\n\x1a\n\x00\x00",
    ):
        reply = stored.commands.import_file(ALICE, data)
        assert not reply.ok and "\n" not in reply.text
    assert "line 2: not an arXiv id or link" in stored.commands.import_file(ALICE, b"2506.00030\nxyz\n").text
    assert library(stored) == [] and api_calls(fake_arxiv) == []


def test_a_failing_fetch_leaves_nothing_imported(stored: App, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.api = [Scripted(503, b"busy")] * 3  # every try of the one batch (ARXIV_RETRIES=2)
    reply = stored.commands.handle(ALICE, "/import " + BIBTEX)
    assert not reply.ok and reply.text.startswith("The arXiv API is not answering")
    assert library(stored) == []  # not even the stored papers of the file
    with stored.sessions() as session:
        assert paper_store.get_papers(session, ["2405.01234"]) == {}


def test_a_recorded_arxiv_answer_is_read_by_the_real_client(stored: App, fake_arxiv: FakeArxiv) -> None:
    body = (FIXTURES / "api-id_list-1707.08567.xml").read_bytes()
    fake_arxiv.recorded[frozenset({"0808.05394", "1707.08567"})] = body
    reply = stored.commands.import_file(ALICE, b"https://arxiv.org/abs/0808.05394\narXiv:1707.08567v1\n")
    assert reply.text == "Imported 1 paper (1 fetched from arXiv); 1 id arXiv does not know: 0808.05394."
    with stored.sessions() as session:
        paper = paper_store.get_papers(session, ["1707.08567"])["1707.08567"]
    assert paper.title.startswith("Proceedings of Workshop AEW10") and paper.primary_category == "cs.IT"


def test_ids_are_fetched_in_batches_at_a_polite_pace(fake_arxiv: FakeArxiv) -> None:
    for n in range(5):
        fake_arxiv.papers[f"2405.0000{n}"] = (record(f"2405.0000{n}", f"Paper {n}"), 1)
    waits: list[float] = []
    lookup = ArxivLookup(
        api_url=f"{fake_arxiv.base}/api/query", delay_seconds=3.0, batch_size=2, sleep=waits.append
    )
    found = lookup.by_ids([f"2405.0000{n}" for n in range(5)])
    assert sorted(found) == [f"2405.0000{n}" for n in range(5)]
    assert [q["id_list"][0].count(",") + 1 for q in api_calls(fake_arxiv)] == [2, 2, 1]
    assert len(waits) == 2 and all(2.5 < w <= 3.0 for w in waits)  # one request per 3 s


def test_saved_lists_imported_papers_beside_liked_ones(stored: App) -> None:
    stored.commands.handle(ALICE, "/up 2506.00131")
    stored.commands.import_file(ALICE, b"2506.00030\n2506.00039\n")
    stored.commands.handle(ALICE, "/down 2506.00039")  # a 👎 later wins over the import
    text = stored.commands.handle(ALICE, "/saved").text
    assert text.startswith("Your 👍 papers:\n1. Adapting Offline Reinforcement Learning with Online Delays")
    assert "Imported from your library (1):\n1. Modality Equilibrium Matters" in text
    assert "geometry of R" not in text


def test_import_alone_asks_and_the_next_message_is_the_library(stored: App) -> None:
    out = io.StringIO()
    chat(stored.commands, "alice", ["/import", "https://arxiv.org/pdf/2506.00030v1"], out)
    asked, answered = out.getvalue().splitlines()[-2:]
    assert "Send your library" in asked and answered == "Imported 1 paper."
    assert library(stored) == ["2506.00030"]


def test_cli_import(
    env: Settings, capsys: pytest.CaptureFixture[str], listing_path: Path, tmp_path: Path
) -> None:
    assert main(["ingest", "--file", str(listing_path), "--date", "2025-06-03"]) == 0
    assert main(["user", "add", "alice", "--topics-file", str(FIXTURES / "criteria.md")]) == 0
    capsys.readouterr()
    good, bad = tmp_path / "library.bib", tmp_path / "bad.txt"
    good.write_text(BIBTEX.split("\n@misc{fetched")[0] + "\n")
    bad.write_text("2506.00030\n\nnot an id\n")
    assert main(["import", "--user", "alice", str(good)]) == 0
    assert capsys.readouterr().out == "Imported 1 paper.\n"
    assert main(["import", "--user", "alice", str(bad)]) == 2
    assert capsys.readouterr().err == "paperbot: error: line 3: not an arXiv id or link: 'not an id'\n"
    assert main(["import", "--user", "bob", str(good)]) == 2
    assert "unknown user 'bob'" in capsys.readouterr().err
    assert main(["import", "--user", "alice", str(tmp_path / "none.bib")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_an_imported_library_moves_the_ranking_toward_it(days: App) -> None:
    """Broad criteria that rank vision last; a library of day 1's vision papers, no thumbs."""
    broad = "/topics set graph neural networks, image classification and speech audio models"
    for name in ("importer", "cold"):
        say(days, name, "/start", broad, "/threshold 1 1")
    vision = "\n".join(f"2506.11{n:03d}" for n in range(8)).encode()
    assert days.commands.import_file(console_caller("importer"), vision).text == "Imported 8 papers."
    importer, cold = ranking(days, "importer"), ranking(days, "cold")
    assert mean_rank(cold, "vision") == 19.5
    assert mean_rank(importer, "vision") < mean_rank(cold, "vision") - 6  # 11 of 24 places


def test_a_thumb_on_an_imported_paper_wins_and_a_library_earns_its_weight(stored: App) -> None:
    stored.commands.import_file(ALICE, b"2506.00030\n2506.00039\n")
    stored.commands.handle(ALICE, "/down 2506.00039")
    stored.commands.handle(ALICE, "/up 2506.00131")
    with stored.sessions() as session:
        profile = profiles.find(session, Identity.console("alice"))
        assert profile is not None and profile.id is not None
        ratings = with_library(session, profile.id)
    assert ratings == {"2506.00030": IMPORTED, "2506.00039": -1, "2506.00131": 1}
    imported = sum(v == IMPORTED for v in ratings.values())
    assert library_weight(0.2, imported) == pytest.approx(LIBRARY_WEIGHT / (1 + LIBRARY_HALF))
    assert library_weight(2.0, imported) == 2.0  # thumbs that earned more keep it
    assert library_weight(0.2, 0) == 0.2  # no library, no change
    assert "deletes your 2 ratings and 2 imported papers" in stored.commands.handle(ALICE, "/forget").text
    assert stored.commands.handle(ALICE, "/forget yes").text.startswith(
        "Forgot 2 ratings and 2 imported papers"
    )
    assert library(stored) == []
    assert library_weight(0.0, 30) == pytest.approx(2.25)


def test_an_import_and_an_ingest_share_one_pace_towards_arxiv(
    settings: Settings, fake_arxiv: FakeArxiv
) -> None:
    """arXiv asks for one request per few seconds from a client, not per feature: an /import
    right after the ingest's API call waits its turn."""
    from bot.compose import build_app

    app = build_app(settings.model_copy(update={"arxiv_delay_seconds": 0.5}))
    try:
        app.ingestor._source.lookup(["2506.00030"])  # type: ignore[union-attr]
        assert app.commands.library is not None
        app.commands.library.by_ids(["2506.00039"])
    finally:
        app.engine.dispose()
    assert len(fake_arxiv.arrivals) == 2
    assert fake_arxiv.arrivals[1] - fake_arxiv.arrivals[0] >= 0.45
