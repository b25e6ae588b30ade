"""IVR flows with versions, and one row per call through a flow (issue 6).

- ``ivr_flows``: a flow's name and its active version;
- ``ivr_flow_versions``: every version as stored (definition JSON, valid, errors, who, when
  created, when last activated);
- ``ivr_sessions``: how each call went through its flow, for containment, drop-off and
  time-in-IVR reports.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ivr_flows",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("active_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_ivr_flows"),
    )
    op.create_table(
        "ivr_flow_versions",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("errors", JSON, nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("activated_at", UTC_TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["name"], ["ivr_flows.name"], name="fk_ivr_flow_versions_name_ivr_flows"
        ),
        sa.PrimaryKeyConstraint("name", "version", name="pk_ivr_flow_versions"),
    )
    op.create_table(
        "ivr_sessions",
        sa.Column("id", BIG_KEY, autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("flow", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("ended_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("target", sa.String(64), nullable=True),
        sa.Column("last_node", sa.String(140), nullable=False),
        sa.Column("path", JSON, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ivr_sessions"),
    )
    op.create_index("ix_ivr_sessions_call_id", "ivr_sessions", ["call_id"])
    op.create_index("ix_ivr_sessions_started_at", "ivr_sessions", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_ivr_sessions_started_at", table_name="ivr_sessions")
    op.drop_index("ix_ivr_sessions_call_id", table_name="ivr_sessions")
    op.drop_table("ivr_sessions")
    op.drop_table("ivr_flow_versions")
    op.drop_table("ivr_flows")
