"""facilities, equipment status and audit trail

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "facilities",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("venue_type", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("postcode", sa.Text(), nullable=True),
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
        sa.Column("location_accuracy_m", sa.Float(), nullable=True),
        sa.Column("location_in_venue", sa.Text(), nullable=True),
        sa.Column("floor_level", sa.Text(), nullable=True),
        sa.Column("opening_hours", sa.Text(), nullable=True),
        sa.Column("opening_hours_note", sa.Text(), nullable=True),
        sa.Column("access", sa.Text(), nullable=True),
        sa.Column("key_scheme", sa.Text(), nullable=True),
        sa.Column("key_holder", sa.Text(), nullable=True),
        sa.Column("entry_phone", sa.Text(), nullable=True),
        sa.Column("room_area_m2", sa.Float(), nullable=True),
        sa.Column("room_width_m", sa.Float(), nullable=True),
        sa.Column("room_length_m", sa.Float(), nullable=True),
        sa.Column("ceiling_height_m", sa.Float(), nullable=True),
        sa.Column("door_width_m", sa.Float(), nullable=True),
        sa.Column("hoist", sa.Text(), nullable=True),
        sa.Column("hoist_swl_kg", sa.Float(), nullable=True),
        sa.Column("bench", sa.Text(), nullable=True),
        sa.Column("bench_length_m", sa.Float(), nullable=True),
        sa.Column("toilet_layout", sa.Text(), nullable=True),
        sa.Column("transfer_left", sa.Boolean(), nullable=True),
        sa.Column("transfer_right", sa.Boolean(), nullable=True),
        sa.Column("washbasin_height_adjustable", sa.Boolean(), nullable=True),
        sa.Column("privacy_screen", sa.Boolean(), nullable=True),
        sa.Column("shower", sa.Boolean(), nullable=True),
        sa.Column("emergency_alarm", sa.Boolean(), nullable=True),
        sa.Column("wide_paper_roll", sa.Boolean(), nullable=True),
        sa.Column("large_bin", sa.Boolean(), nullable=True),
        sa.Column("non_slip_floor", sa.Boolean(), nullable=True),
        sa.Column("carer_space", sa.Boolean(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("report_url", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("status_note", sa.Text(), nullable=True),
        sa.Column(
            "sources", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("licence", sa.Text(), nullable=True),
        sa.Column("last_verified", sa.Date(), nullable=True),
        sa.Column("unverified", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "access IN ('public', 'customers', 'key', 'on_request')", name="access_allowed"
        ),
        sa.CheckConstraint(
            "bench IN ('height_adjustable_wall', 'height_adjustable_free_standing', 'height_adjustable', 'fixed', 'present', 'none')",
            name="bench_allowed",
        ),
        sa.CheckConstraint(
            "category IN ('changing_places', 'changing_places_undersized', 'space_to_change', 'accessible_toilet')",
            name="category_allowed",
        ),
        sa.CheckConstraint(
            "hoist IN ('ceiling_track_full_room', 'ceiling_track_partial', 'ceiling_track', 'mobile', 'present', 'none')",
            name="hoist_allowed",
        ),
        sa.CheckConstraint("key_scheme IN ('none', 'radar', 'other')", name="key_scheme_allowed"),
        sa.CheckConstraint(
            "status IN ('open', 'temporarily_closed', 'permanently_closed')", name="status_allowed"
        ),
        sa.CheckConstraint(
            "toilet_layout IN ('peninsular', 'corner')", name="toilet_layout_allowed"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "facilities_geog_gist", "facilities", ["geog"], unique=False, postgresql_using="gist"
    )
    op.create_index("facilities_postcode", "facilities", ["postcode"], unique=False)
    op.create_table(
        "facility_changes",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("facility_id", sa.Text(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("diff", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "facility_changes_facility", "facility_changes", ["facility_id", "changed_at"], unique=False
    )
    op.create_table(
        "equipment_status",
        sa.Column("facility_id", sa.String(length=120), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expected_fix", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "item IN ('hoist', 'bench', 'door', 'alarm', 'toilet', 'washbasin', 'shower', 'lighting')",
            name="item_allowed",
        ),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("facility_id", "item"),
    )


def downgrade() -> None:
    op.drop_table("equipment_status")
    op.drop_index("facility_changes_facility", table_name="facility_changes")
    op.drop_table("facility_changes")
    op.drop_index("facilities_postcode", table_name="facilities")
    op.drop_index("facilities_geog_gist", table_name="facilities", postgresql_using="gist")
    op.drop_table("facilities")
