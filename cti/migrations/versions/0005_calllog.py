"""The call log's leg identity: ``interactions.leg_key``, unique (issue 11 item 7, issue 13
item 2).

Until now a leg was found by ``(call_id, leg)``, so a call offered again (queued again after
an IVR) started again at leg 0 and its second conversation overwrote the first. A leg is now
found by its key (call id, leg and offer time as reported); ``(call_id, leg)`` stays unique,
and a new conversation on a known call id is numbered after its last leg.

Rows written before this revision get the key ``row:<id>``, which no report produces: they
keep their data, and are never matched by a new write.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("leg_key", sa.String(128), nullable=True))
    op.execute("UPDATE interactions SET leg_key = 'row:' || id")
    with op.batch_alter_table("interactions") as batch:
        batch.alter_column("leg_key", existing_type=sa.String(128), nullable=False)
        batch.create_unique_constraint("uq_interactions_leg_key", ["leg_key"])


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_constraint("uq_interactions_leg_key", type_="unique")
        batch.drop_column("leg_key")
