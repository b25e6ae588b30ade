"""Routing configuration and interval statistics (issue 4).

- ``queues.routing``: the ACD's full routing configuration for a queue (strategy, skill
  minimums, escalation, overflow…) as JSON, written when it is edited through the API;
- ``skills``: the skill catalogue;
- ``queue_intervals``: per-queue statistics per 15-minute interval.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
EPOCH = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("queues") as batch:
        batch.add_column(sa.Column("routing", JSON, nullable=True))
    op.create_table(
        "skills",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_skills"),
    )
    op.execute("INSERT INTO skills (name, description) SELECT DISTINCT skill, '' FROM agent_skills")
    op.create_table(
        "queue_intervals",
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("start", EPOCH, nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "offered",
                "answered",
                "answered_in_sl",
                "abandoned",
                "short_abandoned",
                "overflowed",
            )
        ),
        *(
            sa.Column(name, sa.Float(), nullable=False)
            for name in ("answer_wait_total", "handle_seconds", "busy_seconds", "staffed_seconds")
        ),
        sa.PrimaryKeyConstraint("queue", "start", name="pk_queue_intervals"),
    )


def downgrade() -> None:
    op.drop_table("queue_intervals")
    op.drop_table("skills")
    with op.batch_alter_table("queues") as batch:
        batch.drop_column("routing")
