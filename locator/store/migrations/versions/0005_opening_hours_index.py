"""index facilities.opening_hours, so the hours filter reads the distinct expressions quickly

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A btree index: one probe per distinct expression (locator.store.filters)."""
    op.create_index("facilities_opening_hours", "facilities", ["opening_hours"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("facilities_opening_hours", table_name="facilities")
