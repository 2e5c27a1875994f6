"""areas for coverage analysis

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("code", sa.String(length=120), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column(
            "point",
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
        sa.Column("point_kind", sa.Text(), nullable=False),
        sa.Column(
            "polygon",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("population >= 0", name="population_not_negative"),
        sa.CheckConstraint(
            "point_kind IN ('given', 'point_on_surface')", name="point_kind_allowed"
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("areas_point_gist", "areas", ["point"], postgresql_using="gist")
    op.create_index("areas_polygon_gist", "areas", ["polygon"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_index("areas_polygon_gist", table_name="areas", postgresql_using="gist")
    op.drop_index("areas_point_gist", table_name="areas", postgresql_using="gist")
    op.drop_table("areas")
