"""re-render the TeX of stored papers with the pylatexenc converter

Only rendered text is stored (the raw TeX was never kept), so this repairs what the earlier
converter left recognisable: commands it glued to their argument (`\\emphdescending`,
`\\tildeOptimal`, `\\RNum4`) and accents it did not know (`Nguy\\~ên`). Rows without a
backslash are not touched; math is kept verbatim. Downgrade keeps the repaired text.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.ingest.texify import rerender_stored

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PAPER = sa.table(
    "paper",
    sa.column("id", sa.String),
    sa.column("title", sa.String),
    sa.column("abstract", sa.String),
    sa.column("comment", sa.String),
    sa.column("authors", sa.JSON),
)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_PAPER).where(
            sa.or_(
                _PAPER.c.title.contains("\\", autoescape=True),
                _PAPER.c.abstract.contains("\\", autoescape=True),
                _PAPER.c.comment.contains("\\", autoescape=True),
                sa.cast(_PAPER.c.authors, sa.Text).contains("\\", autoescape=True),
            )
        )
    ).all()
    for row in rows:
        changes = {
            "title": rerender_stored(row.title),
            "abstract": rerender_stored(row.abstract),
            "comment": rerender_stored(row.comment),
            "authors": [rerender_stored(a) for a in row.authors or []],
        }
        conn.execute(sa.update(_PAPER).where(_PAPER.c.id == row.id).values(**changes))


def downgrade() -> None:
    """Nothing to undo: the repaired text is what the papers say."""
