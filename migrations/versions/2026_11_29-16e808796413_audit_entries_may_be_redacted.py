"""audit entries may be redacted

The audit log stays append-only, with one exception the database itself checks: when a
resident erases their account, their name and email may leave an entry's words (reason,
before, after), and only if `redacted_at` moves on while the ids, action and time stay.

Revision ID: 16e808796413
Revises: e2982da54c75
Create Date: 2026-11-29 12:47:02.096061
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "16e808796413"
down_revision: str | None = "e2982da54c75"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEPT = ("id", "at", "actor_id", "action", "subject_type", "subject_id", "neighbourhood_id")


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        kept = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _KEPT)
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION audit_entry_refuse() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NEW.redacted_at IS NOT NULL
                   AND (OLD.redacted_at IS NULL OR NEW.redacted_at > OLD.redacted_at)
                   AND {kept} THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'the audit log is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
    else:
        kept = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _KEPT)
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute(
            "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
            "WHEN NOT (NEW.redacted_at IS NOT NULL "
            "AND (OLD.redacted_at IS NULL OR NEW.redacted_at > OLD.redacted_at) "
            f"AND {kept}) "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION audit_entry_refuse() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the audit log is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("redacted_at")
    if op.get_bind().dialect.name != "postgresql":
        # Copying the table to drop a column drops its triggers too: put both back.
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS audit_entry_no_{event.lower()} BEFORE {event} "
                "ON audit_entry BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
