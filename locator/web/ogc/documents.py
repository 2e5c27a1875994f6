"""OGC API - Features Part 1 for the `facilities` collection: documents, schemas, queryables.

Plain functions the router calls: they build the JSON documents the standard defines, derive the
item schema and the queryables from the feature model, and write the paging links. Items are the
same features `/api/v1` serves (`locator.store.facilities`), so both APIs always agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from locator.domain.errors import BadParameter
from locator.domain.features import FacilityFeature, FacilityPropertiesOut

COLLECTION = "facilities"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
SCHEMA_JSON = "application/schema+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]

TITLE = "Changing Places and accessible toilets"
DESCRIPTION = (
    "Changing Places toilets and other accessible toilets with their equipment, opening hours, "
    "access and live equipment status. A property that is null is not known (never 'no')."
)

# Properties clients may filter on by equality: the categorical and yes/no ones, and places.
QUERYABLE_TEXT = ("locality", "postcode", "operator", "venue_type")


def _simple(node: dict[str, Any], defs: dict[str, Any], deep: bool = False) -> dict[str, Any]:
    """A JSON Schema from the models in the plain form GIS clients type their fields from:
    references resolved, `X or null` as X, objects as `object` (with their properties if deep)."""
    if "$ref" in node:
        return _simple(defs[node["$ref"].rsplit("/", 1)[-1]], defs, deep)
    choices = [c for c in node.get("anyOf", []) if c != {"type": "null"}]
    if choices:
        return _simple(choices[0], defs, deep)
    if "const" in node:
        return {"type": "string", "enum": [node["const"]]}
    if "enum" in node:
        return {"type": "string", "enum": list(node["enum"])}
    kind = node.get("type", "string")
    if kind == "array":
        items = node.get("items") or (node.get("prefixItems") or [{}])[0]
        return {"type": "array", "items": _simple(items, defs)}
    if kind == "object" and deep:
        members = node.get("properties", {}).items()
        return {"type": "object", "properties": {k: _simple(v, defs) for k, v in members}}
    out: dict[str, Any] = {"type": kind}
    if "format" in node:
        out["format"] = node["format"]
    return out


def property_schemas() -> dict[str, dict[str, Any]]:
    """Every feature property with its plain JSON Schema and description (from the model)."""
    model = FacilityPropertiesOut.model_json_schema()
    out = {}
    for name, node in model["properties"].items():
        if name == "distance_m":  # nearest only
            continue
        schema = _simple(node, model["$defs"])
        if node.get("description"):
            schema["description"] = node["description"]
        out[name] = schema
    return out


PROPERTIES = property_schemas()
QUERYABLES = {
    name: schema
    for name, schema in PROPERTIES.items()
    if "enum" in schema or schema["type"] == "boolean" or name in QUERYABLE_TEXT
}
QUERYABLES.pop("grade")  # derived in Python, not a column
QUERYABLES.pop("open")


def json_schema(base: str, path: str, title: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema document of an object with these properties."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}{path}",
        "type": "object",
        "title": title,
        "properties": properties,
        "additionalProperties": False,
    }


def feature_schema(base: str) -> dict[str, Any]:
    """A JSON Schema of one item (a GeoJSON Feature), so GIS clients can type their fields."""
    model = FacilityFeature.model_json_schema()
    members = {
        name: _simple(node, model["$defs"], deep=name == "geometry")
        for name, node in model["properties"].items()
        if name != "bbox"
    }
    members["properties"] = {"type": "object", "properties": PROPERTIES}
    return json_schema(
        base, f"/ogc/collections/{COLLECTION}/schema", "A facility as a GeoJSON Feature", members
    ) | {"required": ["type", "id", "geometry", "properties"], "additionalProperties": True}


def link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
    """One link object as the standard defines it."""
    return {"href": href, "rel": rel, "type": type_, "title": title}


def self_links(url: str, json_type: str, fmt: str) -> list[dict[str, str]]:
    """`self` and `alternate` links for a resource served as JSON and HTML."""
    json_url, html_url = f"{url}?f=json", f"{url}?f=html"
    if fmt == "html":
        return [
            link(html_url, "self", HTML, "This page"),
            link(json_url, "alternate", json_type, "This document as JSON"),
        ]
    return [
        link(json_url, "self", json_type, "This document"),
        link(html_url, "alternate", HTML, "This document as HTML"),
    ]


def landing(base: str, fmt: str) -> dict[str, Any]:
    """The landing page: what the service is and where everything else is."""
    root = f"{base}/ogc"
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            *self_links(root, JSON, fmt),
            link(f"{root}/api", "service-desc", OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
            link(f"{base}/docs", "service-doc", HTML, "The API documentation"),
            link(f"{root}/conformance", "conformance", JSON, "Conformance classes implemented"),
            link(f"{root}/collections", "data", JSON, "The feature collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    """The conformance classes this API implements."""
    return {"conformsTo": CONFORMANCE}


def collection(base: str, bbox: Sequence[float], fmt: str) -> dict[str, Any]:
    """The `facilities` collection: extent, CRS and links to its items and schemas."""
    url = f"{base}/ogc/collections/{COLLECTION}"
    return {
        "id": COLLECTION,
        "title": TITLE,
        "description": DESCRIPTION,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [list(bbox)], "crs": CRS84}},
        "links": [
            *self_links(url, JSON, fmt),
            link(f"{url}/items?f=json", "items", GEOJSON, "The facilities as GeoJSON"),
            link(f"{url}/items?f=html", "items", HTML, "The facilities as a web page"),
            link(f"{url}/queryables", QUERYABLES_REL, SCHEMA_JSON, "Properties to filter on"),
            link(f"{url}/schema", "describedby", SCHEMA_JSON, "Schema of an item"),
            # The same relation (names are case-insensitive), spelled the way GDAL 3.6 matches it.
            link(f"{url}/schema", "describedBy", SCHEMA_JSON, "Schema of an item"),
        ],
    }


def collections(base: str, bbox: Sequence[float], fmt: str) -> dict[str, Any]:
    """The list of collections (there is one)."""
    return {
        "links": self_links(f"{base}/ogc/collections", JSON, fmt),
        "collections": [collection(base, bbox, "json")],
    }


def property_filters(query: Mapping[str, str]) -> list[tuple[str, str | bool]]:
    """Equality filters from query parameters named after queryables, checked against them."""
    out: list[tuple[str, str | bool]] = []
    for name, raw in query.items():
        schema = QUERYABLES.get(name)
        if schema is None:
            continue
        if schema["type"] == "boolean":
            if raw not in ("true", "false"):
                raise BadParameter(
                    f"{name} must be true or false", field=name, allowed="true, false"
                )
            out.append((name, raw == "true"))
        elif "enum" in schema and raw not in schema["enum"]:
            raise BadParameter(
                f"Unknown {name} '{raw}'", field=name, allowed="one of " + ", ".join(schema["enum"])
            )
        else:
            out.append((name, raw))
    return out


def clamp_limit(limit: int) -> int:
    """Larger limits are served as the maximum, as the standard allows."""
    return min(limit, MAX_LIMIT)


def page_links(
    url: str,
    query: Mapping[str, str],
    fmt: str,
    page: tuple[int, int],
    returned: int,
    matched: int,
) -> list[dict[str, str]]:
    """`self`, `alternate`, `next` and `prev` links that keep the client's other parameters."""
    limit, offset = page
    kept = {k: v for k, v in query.items() if k not in ("limit", "offset", "f")}
    kind = {"json": GEOJSON, "html": HTML}
    other = "html" if fmt == "json" else "json"

    def at(start: int, as_: str) -> str:
        return f"{url}?{urlencode({**kept, 'limit': limit, 'offset': start, 'f': as_})}"

    out = [
        link(at(offset, fmt), "self", kind[fmt], "This page"),
        link(at(offset, other), "alternate", kind[other], f"This page as {other.upper()}"),
    ]
    if offset + returned < matched:
        out.append(link(at(offset + limit, fmt), "next", kind[fmt], "Next page"))
    if offset > 0:
        out.append(link(at(max(offset - limit, 0), fmt), "prev", kind[fmt], "Previous page"))
    return out


def openapi30(document: dict[str, Any]) -> dict[str, Any]:
    """The app's OpenAPI 3.1 document in the 3.0 dialect that OGC clients (`oas30`) read."""
    converted: dict[str, Any] = _to_oas30(document)
    converted["openapi"] = "3.0.3"
    return converted


def _to_oas30(node: Any) -> Any:
    """Rewrite the JSON Schema 2020-12 keywords 3.0 lacks: null types, const, examples lists."""
    if isinstance(node, list):
        return [_to_oas30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _to_oas30(schema) for name, schema in value.items()}
        else:
            out[key] = _to_oas30(value)
    for key in ("anyOf", "oneOf"):
        choices = out.get(key)
        if isinstance(choices, list) and {"type": "null"} in choices:
            rest = [c for c in choices if c != {"type": "null"}]
            del out[key]
            out["nullable"] = True
            if len(rest) == 1 and "$ref" in rest[0]:
                out["allOf"] = rest
            elif len(rest) == 1:
                out.update({k: v for k, v in rest[0].items() if k not in out})
            else:
                out[key] = rest
    if isinstance(out.get("type"), list):
        kinds = [kind for kind in out["type"] if kind != "null"]
        if len(kinds) < len(out["type"]):
            out["nullable"] = True
        out["type"] = kinds[0] if kinds else "string"
    if isinstance(out.get("prefixItems"), list):  # 3.0 has no tuples: an array of the first
        out["items"] = out.pop("prefixItems")[0]
    if "const" in out and not isinstance(out["const"], dict):
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("examples"), list):
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    for bound, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), int | float) and not isinstance(out[bound], bool):
            out[inclusive] = out[bound]
            out[bound] = True
    return out
