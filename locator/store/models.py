"""Tables, declared with SQLAlchemy 2 and GeoAlchemy2; Alembic migrations are written from these.

`facility_changes` is the audit trail every writer (load, import, editor, token, public report)
adds to, and the change feed reads in commit order; `equipment_status` holds one row per item so
a report can say "hoist out of order since Tuesday" without touching the facility record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geography, Geometry
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from locator.domain import vocabulary
from locator.domain.vocabulary import Term


class XID8(UserDefinedType[Any]):
    """PostgreSQL's 64-bit transaction id type."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


class Base(DeclarativeBase):
    """Declarative base for all tables."""


def _one_of(column: str, enum: type[Term]) -> CheckConstraint:
    values = ", ".join(f"'{value}'" for value in enum.values())
    return CheckConstraint(f"{column} IN ({values})", name=f"{column}_allowed")


class FacilityTable(Base):
    """One toilet facility. Nullable columns mean "not known"."""

    __tablename__ = "facilities"
    __table_args__ = (
        _one_of("category", vocabulary.Category),
        _one_of("access", vocabulary.Access),
        _one_of("key_scheme", vocabulary.KeyScheme),
        _one_of("hoist", vocabulary.Hoist),
        _one_of("bench", vocabulary.Bench),
        _one_of("toilet_layout", vocabulary.ToiletLayout),
        _one_of("status", vocabulary.Status),
        Index("facilities_geog_gist", "geog", postgresql_using="gist"),
        Index("facilities_postcode", "postcode"),
        # The hours filter reads the distinct expressions through it (locator.store.filters).
        Index("facilities_opening_hours", "opening_hours"),
        # Bounding-box filters compare lon/lat as geometry (locator.store.filters).
        Index("facilities_geom_gist", text("(geog::geometry)"), postgresql_using="gist"),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    operator: Mapped[str | None] = mapped_column(Text)
    venue_type: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text)
    registered: Mapped[bool | None] = mapped_column(Boolean)
    address: Mapped[str | None] = mapped_column(Text)
    locality: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(Text)
    geog: Mapped[Any] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), nullable=False
    )
    location_accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_in_venue: Mapped[str | None] = mapped_column(Text)
    floor_level: Mapped[str | None] = mapped_column(Text)
    opening_hours: Mapped[str | None] = mapped_column(Text)
    opening_hours_note: Mapped[str | None] = mapped_column(Text)
    access: Mapped[str | None] = mapped_column(Text)
    key_scheme: Mapped[str | None] = mapped_column(Text)
    key_holder: Mapped[str | None] = mapped_column(Text)
    entry_phone: Mapped[str | None] = mapped_column(Text)
    room_area_m2: Mapped[float | None] = mapped_column(Float)
    room_width_m: Mapped[float | None] = mapped_column(Float)
    room_length_m: Mapped[float | None] = mapped_column(Float)
    ceiling_height_m: Mapped[float | None] = mapped_column(Float)
    door_width_m: Mapped[float | None] = mapped_column(Float)
    hoist: Mapped[str | None] = mapped_column(Text)
    hoist_swl_kg: Mapped[float | None] = mapped_column(Float)
    bench: Mapped[str | None] = mapped_column(Text)
    bench_length_m: Mapped[float | None] = mapped_column(Float)
    toilet_layout: Mapped[str | None] = mapped_column(Text)
    transfer_left: Mapped[bool | None] = mapped_column(Boolean)
    transfer_right: Mapped[bool | None] = mapped_column(Boolean)
    washbasin_height_adjustable: Mapped[bool | None] = mapped_column(Boolean)
    privacy_screen: Mapped[bool | None] = mapped_column(Boolean)
    shower: Mapped[bool | None] = mapped_column(Boolean)
    emergency_alarm: Mapped[bool | None] = mapped_column(Boolean)
    wide_paper_roll: Mapped[bool | None] = mapped_column(Boolean)
    large_bin: Mapped[bool | None] = mapped_column(Boolean)
    non_slip_floor: Mapped[bool | None] = mapped_column(Boolean)
    carer_space: Mapped[bool | None] = mapped_column(Boolean)
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)
    report_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(Text)
    status_note: Mapped[str | None] = mapped_column(Text)
    reopens_on: Mapped[dt.date | None] = mapped_column(Date)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    licence: Mapped[str | None] = mapped_column(Text)
    last_verified: Mapped[dt.date | None] = mapped_column(Date)
    verified_by: Mapped[str | None] = mapped_column(Text)
    unverified: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    notes: Mapped[str | None] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(Boolean, server_default="false")
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class EquipmentStatusTable(Base):
    """Latest known state of one item of one facility."""

    __tablename__ = "equipment_status"
    __table_args__ = (_one_of("item", vocabulary.EquipmentItem),)

    facility_id: Mapped[str] = mapped_column(
        ForeignKey("facilities.id", ondelete="CASCADE"), primary_key=True
    )
    item: Mapped[str] = mapped_column(Text, primary_key=True)
    working: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    expected_fix: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    # false: a visitor's report, shown at once, that no editor has confirmed yet.
    confirmed: Mapped[bool] = mapped_column(Boolean, server_default="true")
    report_id: Mapped[int | None] = mapped_column(Integer)


class FacilityChangeTable(Base):
    """Audit trail: who changed which facility, when, through what, and the fields' old/new."""

    __tablename__ = "facility_changes"
    __table_args__ = (
        Index("facility_changes_facility", "facility_id", "changed_at"),
        Index("facility_changes_feed", "xid", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    facility_id: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    diff: Mapped[dict[str, Any]] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # The writing transaction: the change feed returns changes once every earlier one committed.
    xid: Mapped[Any] = mapped_column(XID8, server_default=text("pg_current_xact_id()"))


class ReportTable(Base):
    """A public problem report: shown at once, decided by an editor, personal data purged later.

    `previous` is the equipment state the report replaced, put back if the report is rejected.
    """

    __tablename__ = "reports"
    __table_args__ = (
        _one_of("kind", vocabulary.ReportKind),
        _one_of("state", vocabulary.ReportState),
        Index("reports_facility", "facility_id", "created_at"),
        Index("reports_open", "created_at", postgresql_where=text("state = 'open'")),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    facility_id: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    item: Mapped[str | None] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(Text)
    correction: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    email: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text, server_default="open")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class UserTable(Base):
    """An editor or admin account (unique by lower-case email)."""

    __tablename__ = "users"
    __table_args__ = (
        _one_of("role", vocabulary.Role),
        Index("users_email", text("lower(email)"), unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ApiTokenTable(Base):
    """A partner's API token: only its SHA-256 is kept; revoked tokens stay for the record."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PhotoTable(Base):
    """A photo of a room or its way in; the files are named by `digest` in the photo folder."""

    __tablename__ = "photos"
    __table_args__ = (
        _one_of("state", vocabulary.PhotoState),
        _one_of("subject", vocabulary.PhotoSubject),
        CheckConstraint("length(alt_text) > 0", name="alt_text_required"),
        Index("photos_facility", "facility_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    facility_id: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(Text)
    alt_text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text, server_default="pending")
    uploaded_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    decided_by: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class FacilityTombstoneTable(Base):
    """A deleted facility: its last record, who deleted it and why (deletes are never silent)."""

    __tablename__ = "facility_tombstones"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    deleted_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    deleted_by: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    record: Mapped[dict[str, Any]] = mapped_column(JSONB)


class AppSecretTable(Base):
    """Secrets the app makes itself when none is configured, shared by every worker."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class AreaTable(Base):
    """A place whose residents coverage counts, all at one point (population-weighted if known)."""

    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint("population >= 0", name="population_not_negative"),
        CheckConstraint("point_kind IN ('given', 'point_on_surface')", name="point_kind_allowed"),
        Index("areas_point_gist", "point", postgresql_using="gist"),
        Index("areas_polygon_gist", "polygon", postgresql_using="gist"),
    )

    code: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    population: Mapped[int] = mapped_column(Integer)
    point: Mapped[Any] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), nullable=False
    )
    point_kind: Mapped[str] = mapped_column(Text)
    polygon: Mapped[Any | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)
    )
    year: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class PostcodeTable(Base):
    """A postcode unit's point from a postcode directory (Code-Point Open), for geocoding."""

    __tablename__ = "postcodes"
    __table_args__ = (
        CheckConstraint("quality IN (10, 20, 30, 40, 50, 60)", name="quality_allowed"),
    )

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    quality: Mapped[int] = mapped_column(Integer)
    geog: Mapped[Any] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), nullable=False
    )
    district_code: Mapped[str | None] = mapped_column(Text)
    ward_code: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ImportTable(Base):
    """One run of `locator import`: which file from which source, its licence, what it did."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    format: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    licence: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(Text)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    actor: Mapped[str] = mapped_column(Text)


class FacilitySourceTable(Base):
    """Provenance: which facility a source's record is, and the values that source last set.

    An import owns only the fields it set itself (`fields`); a field someone else set (a data
    file, later an editor) is never overwritten by it, only proposed.
    """

    __tablename__ = "facility_sources"
    __table_args__ = (Index("facility_sources_facility", "facility_id"),)

    source: Mapped[str] = mapped_column(Text, primary_key=True)
    source_id: Mapped[str] = mapped_column(Text, primary_key=True)
    facility_id: Mapped[str] = mapped_column(
        String(120), ForeignKey("facilities.id", ondelete="CASCADE")
    )
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
