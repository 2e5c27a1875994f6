"""index facilities by their position as lon/lat geometry, for exact bounding-box filters

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A GiST index on geog::geometry: a lon/lat box is a box there, whatever its size."""
    op.execute("CREATE INDEX facilities_geom_gist ON facilities USING gist ((geog::geometry))")


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("facilities_geom_gist", table_name="facilities")
