"""The dialer's tables: campaigns, leads, the DNC lists and the attempts (the compliance record).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dialer_campaigns",
        sa.Column("id", BIG_KEY, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("spec", JSON, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("started_at", UTC_TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dialer_campaigns"),
        sa.UniqueConstraint("name", name="uq_dialer_campaigns_name"),
    )
    op.create_table(
        "dialer_dnc",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("added_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("phone", "source", name="pk_dialer_dnc"),
    )
    op.create_table(
        "dialer_leads",
        sa.Column("id", BIG_KEY, autoincrement=True, nullable=False),
        sa.Column("campaign_id", BIG_KEY, nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("zones", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("callback_agent", sa.String(length=64), nullable=True),
        sa.Column("disposition", sa.String(length=64), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["dialer_campaigns.id"],
            name="fk_dialer_leads_campaign_id_dialer_campaigns",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_dialer_leads"),
        sa.UniqueConstraint("campaign_id", "phone", name="uq_dialer_leads_campaign_id_phone"),
    )
    op.create_index("ix_dialer_leads_campaign_id", "dialer_leads", ["campaign_id"], unique=False)
    op.create_index("ix_dialer_leads_status", "dialer_leads", ["status"], unique=False)
    op.create_table(
        "dialer_attempts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", BIG_KEY, nullable=False),
        sa.Column("lead_id", BIG_KEY, nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("dialled_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("ringing_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("answered_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("connected_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("ended_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("ring_seconds", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("amd_verdict", sa.String(length=16), nullable=True),
        sa.Column("agent_id", sa.String(length=64), nullable=True),
        sa.Column("seconds_to_agent", sa.Float(), nullable=True),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("disposition", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["dialer_campaigns.id"],
            name="fk_dialer_attempts_campaign_id_dialer_campaigns",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["dialer_leads.id"], name="fk_dialer_attempts_lead_id_dialer_leads"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_dialer_attempts"),
    )
    op.create_index(
        "ix_dialer_attempts_campaign_id", "dialer_attempts", ["campaign_id"], unique=False
    )
    op.create_index(
        "ix_dialer_attempts_dialled_at", "dialer_attempts", ["dialled_at"], unique=False
    )
    op.create_index("ix_dialer_attempts_lead_id", "dialer_attempts", ["lead_id"], unique=False)
    op.create_index("ix_dialer_attempts_phone", "dialer_attempts", ["phone"], unique=False)


def downgrade() -> None:

    op.drop_index("ix_dialer_attempts_phone", table_name="dialer_attempts")
    op.drop_index("ix_dialer_attempts_lead_id", table_name="dialer_attempts")
    op.drop_index("ix_dialer_attempts_dialled_at", table_name="dialer_attempts")
    op.drop_index("ix_dialer_attempts_campaign_id", table_name="dialer_attempts")
    op.drop_table("dialer_attempts")
    op.drop_index("ix_dialer_leads_status", table_name="dialer_leads")
    op.drop_index("ix_dialer_leads_campaign_id", table_name="dialer_leads")
    op.drop_table("dialer_leads")
    op.drop_table("dialer_dnc")
    op.drop_table("dialer_campaigns")
