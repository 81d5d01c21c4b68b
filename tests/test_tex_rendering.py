"""TeX in titles and authors as arXiv sends it, the bound on hostile input, and migration 0008."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from alembic import command
from sqlalchemy import text

from core.ingest.texify import MAX_TEX, texify
from storage import migrate
from storage.engine import make_engine

# strings from the shared arXiv days that the regex converter stored wrongly
SHARED_DAYS = [
    (r"Phase transition of \emph{descending} phase retrieval algorithms",
     "Phase transition of descending phase retrieval algorithms"),
    (r"\textsc{rfPG}: Robust Finite-Memory Policy Gradients", "rfPG: Robust Finite-Memory Policy Gradients"),
    (r"\textit{QuantMCP}: Grounding Large Language Models", "QuantMCP: Grounding Large Language Models"),
    (r"\texttt{Range-Arithmetic}: Verifiable Deep Learning", "Range-Arithmetic: Verifiable Deep Learning"),
    (r"An \tilde{O}ptimal Differentially Private Learner", "An Õptimal Differentially Private Learner"),
    (r"Nguy\~ên", "Nguyễn"),
    (r"MIMIC-\RNum{4}-Ext-22MCTS: A 22 Millions-Event", "MIMIC-IV-Ext-22MCTS: A 22 Millions-Event"),
    (r"Pr{é}diction optimale pour un mod{è}le ordinal {à} covariables",
     "Prédiction optimale pour un modèle ordinal à covariables"),
    (r"Detect \& Score: Privacy-Preserving", "Detect & Score: Privacy-Preserving"),
    (r"Beyond $\tilde{O}(\sqrt{T})$ Constraint Violation",
     r"Beyond $\tilde{O}(\sqrt{T})$ Constraint Violation"),
    (r"$\texttt{SPECS}$: Faster Test-Time Scaling", r"$\texttt{SPECS}$: Faster Test-Time Scaling"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "expected"), SHARED_DAYS)
def test_tex_from_the_shared_days_renders_as_a_reader_expects(raw: str, expected: str) -> None:
    assert texify(raw) == expected


def test_plain_text_characters_stay_literal_next_to_tex() -> None:
    raw = r"\emph{Up to} 50% of ~3x runs & more #1 at http://a.org/x?a=1&b=2, \$5"
    assert texify(raw) == "Up to 50% of ~3x runs & more #1 at http://a.org/x?a=1&b=2, $5"


@pytest.mark.parametrize(
    "hostile",
    ["\\(" * 50_000, "{" * 50_000 + "}" * 50_000, "\\(\\$" * 25_000, "{" * 60, "\\textbf{" * 41 + "x"],
)
def test_hostile_tex_is_returned_unconverted_instead_of_parsed(hostile: str) -> None:
    assert texify(hostile) == hostile


def test_text_just_under_the_bound_is_still_rendered() -> None:
    raw = r"\emph{a} " + "b" * (MAX_TEX - 20)
    assert texify(raw).startswith("a b")


def test_migration_0008_repairs_what_the_old_converter_stored(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    config = migrate.alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0008-1")  # the schema just before this migration
    rows = [
        ("2506.18275", r"Phase transition of \emphdescending phase retrieval", '["Nguy\\\\~ên", "A B"]'),
        ("2505.06581", r"An \tildeOptimal Learner with $\tilde{O}(\sqrt{T})$", '["C D"]'),
        ("2505.09518", r"\textscrfPG: Robust and 50% & more", "[]"),
    ]
    with engine.begin() as conn:
        for paper_id, title, authors in rows:
            conn.execute(
                text(
                    "INSERT INTO paper (id, version, title, authors, abstract, categories, primary_category,"
                    " announced_on, announce_type, updated_at) VALUES (:id, 1, :title, :authors, :abstract,"
                    " '[]', 'cs.LG', :day, 'new', :day)"
                ),
                {
                    "id": paper_id,
                    "title": title,
                    "authors": authors,
                    "abstract": title,
                    "day": dt.date(2025, 6, 3),
                },
            )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        stored = {
            r.id: (r.title, r.authors) for r in conn.execute(text("SELECT id, title, authors FROM paper"))
        }
    engine.dispose()
    assert stored["2506.18275"][0] == "Phase transition of descending phase retrieval"
    assert json.loads(stored["2506.18275"][1]) == ["Nguyễn", "A B"]
    assert stored["2505.06581"][0] == r"An Õptimal Learner with $\tilde{O}(\sqrt{T})$"
    assert stored["2505.09518"][0] == "rfPG: Robust and 50% & more"
