"""imports: provenance per source, the import history, and the public_toilet category

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CATEGORIES = (
    "'changing_places', 'changing_places_undersized', 'space_to_change', 'accessible_toilet'"
)


def upgrade() -> None:
    """Tables `imports` and `facility_sources`; `public_toilet` allowed as a category."""
    op.drop_constraint("category_allowed", "facilities", type_="check")
    op.create_check_constraint(
        "category_allowed", "facilities", f"category IN ({OLD_CATEGORIES}, 'public_toilet')"
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column(
            "imported_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("licence", sa.Text(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.Text(), nullable=False),
        sa.Column("counts", postgresql.JSONB(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
    )
    op.create_table(
        "facility_sources",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column(
            "facility_id",
            sa.String(120),
            sa.ForeignKey("facilities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("fields", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("import_id", sa.Integer(), sa.ForeignKey("imports.id"), nullable=True),
        sa.Column(
            "seen_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("source", "source_id"),
    )
    op.create_index("facility_sources_facility", "facility_sources", ["facility_id"])


def downgrade() -> None:
    """Drop the tables; facilities of the new category must go first."""
    op.drop_index("facility_sources_facility", table_name="facility_sources")
    op.drop_table("facility_sources")
    op.drop_table("imports")
    op.drop_constraint("category_allowed", "facilities", type_="check")
    op.create_check_constraint("category_allowed", "facilities", f"category IN ({OLD_CATEGORIES})")
