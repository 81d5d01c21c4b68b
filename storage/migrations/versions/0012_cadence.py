"""cadence: a profile's digest daily, or weekly on a weekday

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "cadence", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default="daily"
            )
        )
        batch_op.add_column(sa.Column("weekday", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.drop_column("weekday")
        batch_op.drop_column("cadence")
