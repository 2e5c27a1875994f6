"""The OGC API - Features documents (Part 1: Core) as /ogc serves them, for OpenAPI."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from locator.domain.features import FacilityCollection, FacilityFeature


class Link(BaseModel):
    href: str = Field(description="Absolute URL.")
    rel: str = Field(description="Relation, e.g. `self`, `next`, `items`.", examples=["next"])
    type: str | None = Field(default=None, description="Media type of the target.")
    title: str | None = None


class LandingPage(BaseModel):
    title: str
    description: str
    links: list[Link]


class ConformanceOut(BaseModel):
    conformsTo: list[str] = Field(description="URIs of the conformance classes implemented.")


class SpatialExtent(BaseModel):
    bbox: list[list[float]] = Field(
        description="[[minLon, minLat, maxLon, maxLat]] in CRS84.",
        examples=[[[-1.62, 52.36, -1.4, 52.46]]],
    )
    crs: str


class Extent(BaseModel):
    spatial: SpatialExtent


class CollectionOut(BaseModel):
    id: str = Field(examples=["facilities"])
    title: str
    description: str
    itemType: Literal["feature"]
    crs: list[str]
    extent: Extent
    links: list[Link]


class CollectionsOut(BaseModel):
    links: list[Link]
    collections: list[CollectionOut]


class OgcFeatureOut(FacilityFeature):
    links: list[Link] = Field(description="`self`, `alternate` and `collection`.")


class OgcFeatureCollectionOut(FacilityCollection):
    numberMatched: int = Field(ge=0, description="How many features match, on every page.")
    links: list[Link] = Field(description="`self`, `alternate`, and `next`/`prev` when there are.")


HTML_ALTERNATIVE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}},
}
