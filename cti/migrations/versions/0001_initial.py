"""The initial schema: customers and phones, the call log, agents with skills, queues.

Written by hand to read as documentation of the tables; ``tests/test_db.py`` checks that it
matches ``cti.crm.models`` on SQLite and on PostgreSQL. Constraint names follow the naming
convention in ``cti.crm.models.NAMING_CONVENTION`` so later batch migrations can find them.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    _create_customers()
    _create_customer_phones()
    _create_interactions()
    _create_agents()
    _create_agent_skills()
    _create_queues()


def downgrade() -> None:
    for table in (
        "queues",
        "agent_skills",
        "agents",
        "interactions",
        "customer_phones",
        "customers",
    ):
        op.drop_table(table)


def _create_customers() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("account_number", sa.String(32), nullable=True),
        sa.Column("segment", sa.String(32), nullable=True),
        sa.Column("tier", sa.String(16), server_default=sa.text("'standard'"), nullable=False),
        sa.Column(
            "lifetime_value",
            sa.Numeric(12, 2, asdecimal=False),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("churn_risk", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "consent_marketing_calls", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("consent_recording", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("customer_since", sa.Date(), nullable=True),
        sa.Column("owner_agent", sa.String(64), nullable=True),
        sa.Column("open_complaints", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("account_number", name="uq_customers_account_number"),
        sa.CheckConstraint("tier IN ('standard', 'gold', 'vip')", name="ck_customers_tier"),
        sa.CheckConstraint("churn_risk >= 0 AND churn_risk <= 1", name="ck_customers_churn_risk"),
        sa.CheckConstraint("lifetime_value >= 0", name="ck_customers_lifetime_value"),
        sa.CheckConstraint("open_complaints >= 0", name="ck_customers_open_complaints"),
    )
    op.create_index("ix_customers_name", "customers", ["name"])
    op.create_index("ix_customers_owner_agent", "customers", ["owner_agent"])


def _create_customer_phones() -> None:
    op.create_table(
        "customer_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("e164", sa.String(20), nullable=False),
        sa.Column("label", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_customer_phones"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_customer_phones_customer_id_customers",
            ondelete="CASCADE",
        ),
        # Not unique on e164 alone: two customers may share one line.
        sa.UniqueConstraint("customer_id", "e164", name="uq_customer_phones_customer_id_e164"),
    )
    op.create_index("ix_customer_phones_e164", "customer_phones", ["e164"])


def _create_interactions() -> None:
    op.create_table(
        "interactions",
        sa.Column("id", BIG_KEY, nullable=False),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("leg", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("caller_number", sa.String(64), nullable=True),
        sa.Column("dialled_number", sa.String(64), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("agent_login", sa.String(64), nullable=True),
        sa.Column("offered_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("ringing_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("answered_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("ended_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("talk_seconds", sa.Float(), nullable=True),
        sa.Column("wrap_seconds", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("disposition", sa.String(64), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=True),
        sa.Column("ivr_data", JSON, nullable=False),
        sa.Column("rang_agents", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_interactions"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_interactions_customer_id_customers",
            ondelete="SET NULL",
        ),
        # One row per queue leg, so recording the same leg twice is an update.
        sa.UniqueConstraint("call_id", "leg", name="uq_interactions_call_id_leg"),
        sa.CheckConstraint(
            "direction IN ('inbound', 'outbound')", name="ck_interactions_direction"
        ),
        sa.CheckConstraint("leg >= 0", name="ck_interactions_leg"),
    )
    op.create_index(
        "ix_interactions_customer_id_offered_at", "interactions", ["customer_id", "offered_at"]
    )
    op.create_index("ix_interactions_agent_login", "interactions", ["agent_login"])
    op.create_index("ix_interactions_offered_at", "interactions", ["offered_at"])


def _create_agents() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), server_default=sa.text("'agent'"), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agents"),
        sa.UniqueConstraint("login", name="uq_agents_login"),
        sa.CheckConstraint("role IN ('agent', 'supervisor', 'admin')", name="ck_agents_role"),
    )


def _create_agent_skills() -> None:
    op.create_table(
        "agent_skills",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agent_id", "skill", name="pk_agent_skills"),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name="fk_agent_skills_agent_id_agents",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("level >= 1 AND level <= 5", name="ck_agent_skills_level"),
    )


def _create_queues() -> None:
    op.create_table(
        "queues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("label", sa.String(128), nullable=False),
        sa.Column("required_skills", JSON, nullable=False),
        sa.Column("service_level_seconds", sa.Integer(), nullable=False),
        sa.Column("wrapup_seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_queues"),
        sa.UniqueConstraint("name", name="uq_queues_name"),
        sa.CheckConstraint("service_level_seconds > 0", name="ck_queues_service_level_seconds"),
        sa.CheckConstraint("wrapup_seconds >= 0", name="ck_queues_wrapup_seconds"),
    )
