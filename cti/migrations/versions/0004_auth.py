"""Accounts that can be disabled and have their tokens revoked, and the login throttle.

- ``agents.enabled``: a disabled account cannot log in and its tokens stop working;
- ``agents.token_version``: every token carries the version it was issued at; bumping it
  (logout, a new password, a new role, disabling) revokes them all;
- ``login_failures``: failed logins per account and per source address, for the throttle
  when there is no Redis.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(
            sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(
            sa.Column("token_version", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_login_failures"),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("token_version")
        batch.drop_column("enabled")
