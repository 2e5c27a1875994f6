"""postcode directory for offline geocoding

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "postcodes",
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column(
            "geog",
            geoalchemy2.types.Geography(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeogFromText",
                name="geography",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("district_code", sa.Text(), nullable=True),
        sa.Column("ward_code", sa.Text(), nullable=True),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("quality IN (10, 20, 30, 40, 50, 60)", name="quality_allowed"),
        sa.PrimaryKeyConstraint("postcode"),
    )


def downgrade() -> None:
    op.drop_table("postcodes")
