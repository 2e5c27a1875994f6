"""stewardship: public reports, accounts and tokens, photos, tombstones, a change feed

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ITEMS = "'hoist', 'bench', 'door', 'alarm', 'toilet', 'washbasin', 'shower', 'lighting'"


def _now() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    """The tables of the stewardship loop; equipment states learn who reported them."""
    op.drop_constraint("item_allowed", "equipment_status", type_="check")
    op.create_check_constraint(
        "item_allowed", "equipment_status", f"item IN ({OLD_ITEMS}, 'entry', 'other')"
    )
    op.add_column(
        "equipment_status",
        sa.Column("confirmed", sa.Boolean(), server_default="true", nullable=False),
    )
    op.add_column("equipment_status", sa.Column("report_id", sa.Integer(), nullable=True))
    op.add_column("facilities", sa.Column("verified_by", sa.Text(), nullable=True))
    op.add_column("facilities", sa.Column("reopens_on", sa.Date(), nullable=True))
    # The change feed reads changes in commit order: the writing transaction's id (xid8).
    op.add_column("facility_changes", sa.Column("reason", sa.Text(), nullable=True))
    op.add_column("facility_changes", sa.Column("source", postgresql.JSONB(), nullable=True))
    op.execute(
        "ALTER TABLE facility_changes ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id()"
    )
    op.create_index("facility_changes_feed", "facility_changes", ["xid", "id"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("facility_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("item", sa.Text(), nullable=True),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        _now(),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), server_default="open", nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("previous", postgresql.JSONB(), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('equipment_not_working', 'closed_or_locked', 'information_wrong',"
            " 'all_fine')",
            name="kind_allowed",
        ),
        sa.CheckConstraint(
            "state IN ('open', 'accepted', 'rejected', 'duplicate', 'cleared')",
            name="state_allowed",
        ),
    )
    op.create_index("reports_facility", "reports", ["facility_id", "created_at"])
    op.create_index("reports_open", "reports", ["created_at"], postgresql_where="state = 'open'")
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        _now(),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('editor', 'admin')", name="role_allowed"),
    )
    op.execute("CREATE UNIQUE INDEX users_email ON users (lower(email))")
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False, unique=True),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        _now(),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("facility_id", sa.Text(), nullable=False),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), server_default="pending", nullable=False),
        sa.Column("uploaded_by", sa.Text(), nullable=False),
        _now(),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'approved', 'rejected')", name="state_allowed"),
        sa.CheckConstraint("subject IN ('room', 'way_in')", name="subject_allowed"),
        sa.CheckConstraint("length(alt_text) > 0", name="alt_text_required"),
    )
    op.create_index("photos_facility", "photos", ["facility_id", "state"])
    op.create_table(
        "facility_tombstones",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("deleted_by", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("record", postgresql.JSONB(), nullable=False),
    )
    # Secrets the app makes itself when none is configured (the session-signing key).
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        _now(),
    )


def downgrade() -> None:
    """Drop what upgrade made; reported states go with their columns."""
    for table in ("app_secrets", "facility_tombstones", "photos", "api_tokens", "users", "reports"):
        op.drop_table(table)
    op.drop_index("facility_changes_feed", table_name="facility_changes")
    for column in ("xid", "source", "reason"):
        op.drop_column("facility_changes", column)
    op.drop_column("facilities", "reopens_on")
    op.drop_column("facilities", "verified_by")
    op.execute("DELETE FROM equipment_status WHERE NOT confirmed OR item IN ('entry', 'other')")
    op.drop_column("equipment_status", "report_id")
    op.drop_column("equipment_status", "confirmed")
    op.drop_constraint("item_allowed", "equipment_status", type_="check")
    op.create_check_constraint("item_allowed", "equipment_status", f"item IN ({OLD_ITEMS})")
