"""The external CRM's write-back outbox and the record of customers erased (issue 15 item 3).

- ``crm_outbox``: each wrap-up waiting to be written back to the external CRM, with its
  attempts and when it is next tried; kept until the CRM takes it;
- ``crm_erasures``: who erased which customer, and when.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "crm_outbox",
        sa.Column("id", BIG_KEY, nullable=False),
        sa.Column("interaction_id", BIG_KEY, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", UTC_TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name="fk_crm_outbox_interaction_id_interactions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_crm_outbox"),
    )
    op.create_index("ix_crm_outbox_interaction_id", "crm_outbox", ["interaction_id"])
    op.create_index("ix_crm_outbox_sent_at_next_attempt_at", "crm_outbox",
                    ["sent_at", "next_attempt_at"])  # fmt: skip
    op.create_table(
        "crm_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("erased_by", sa.String(64), nullable=False),
        sa.Column("erased_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("interactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_crm_erasures"),
    )
    op.create_index("ix_crm_erasures_customer_id", "crm_erasures", ["customer_id"])


def downgrade() -> None:
    op.drop_table("crm_erasures")
    op.drop_table("crm_outbox")
