"""/ogc: OGC API - Features Part 1 so QGIS, GDAL, OWSLib and other GIS clients read the data.

JSON (GeoJSON for features) by default, also for `Accept: */*`; HTML for `f=html` or a browser's
`Accept: text/html`. The documents themselves are built in `locator.web.ogc.documents`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates

from locator.domain.errors import BadParameter, NotFound
from locator.domain.features import feature_collection
from locator.domain.filters import Filters, parse_bbox
from locator.domain.record import SLUG_RE
from locator.store import facilities as store
from locator.web.deps import BboxParam, ReadDb, Templates
from locator.web.http import prefers_html
from locator.web.ogc import documents as ogc
from locator.web.ogc.models import (
    HTML_ALTERNATIVE,
    CollectionOut,
    CollectionsOut,
    ConformanceOut,
    LandingPage,
    OgcFeatureCollectionOut,
    OgcFeatureOut,
)
from locator.web.responses import ERROR_RESPONSES, GeoJSONResponse, SchemaJSONResponse

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])

COLLECTION_PATH = f"/collections/{ogc.COLLECTION}"
ITEMS_PARAMS = {"f", "bbox", "limit", "offset", *ogc.QUERYABLES}

Format = Annotated[
    Literal["json", "html"] | None,
    Query(description="Output format; without it, the Accept header decides (JSON by default)."),
]


def _format(request: Request, f: str | None) -> str:
    """`json` or `html`: the `f` parameter, else the Accept header."""
    if f is not None:
        return f
    return "html" if prefers_html(request.headers.get("accept")) else "json"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _respond(
    request: Request,
    templates: Jinja2Templates,
    fmt: str,
    title: str,
    document: dict[str, Any],
    json_class: type[JSONResponse] = JSONResponse,
    **extra: Any,
) -> Response:
    """The document as JSON, or rendered as a page with its title, links and any extra parts.

    `Vary: Accept` because the Accept header may have chosen between the two.
    """
    if fmt == "html":
        context = {"title": title, "doc": document, "current_path": request.url.path, **extra}
        response: Response = templates.TemplateResponse(request, "ogc_page.html", context)
    else:
        response = json_class(document)
    response.headers["Vary"] = "Accept"
    return response


@router.get(
    "",
    response_model=LandingPage,
    responses=HTML_ALTERNATIVE,
    summary="OGC API - Features landing page",
)
async def landing(request: Request, templates: Templates, f: Format = None) -> Response:
    """Where the API definition, conformance and collections are, for clients to discover."""
    fmt = _format(request, f)
    document = ogc.landing(_base(request), fmt)
    return _respond(request, templates, fmt, ogc.TITLE, document)


@router.get(
    "/conformance",
    response_model=ConformanceOut,
    responses=HTML_ALTERNATIVE,
    summary="Conformance classes implemented",
)
async def conformance(request: Request, templates: Templates, f: Format = None) -> Response:
    """The parts of the standard this API implements, so clients know what they can ask."""
    return _respond(request, templates, _format(request, f), "Conformance", ogc.conformance())


@router.get(
    "/api",
    summary="The API definition as OpenAPI 3.0",
    response_class=Response,
    responses={
        200: {
            "description": "OpenAPI 3.0 document",
            "content": {ogc.OPENAPI_JSON: {"schema": {"type": "object"}}},
        }
    },
)
async def api_definition(request: Request) -> Response:
    """This API's OpenAPI document in the 3.0 dialect OGC clients expect."""
    document = ogc.openapi30(request.app.openapi())
    return JSONResponse(document, media_type=ogc.OPENAPI_JSON)


@router.get(
    "/collections",
    response_model=CollectionsOut,
    responses=HTML_ALTERNATIVE | {503: ERROR_RESPONSES[503]},
    summary="Feature collections",
)
async def collections(
    request: Request, pool: ReadDb, templates: Templates, f: Format = None
) -> Response:
    """The one collection, `facilities`, with its extent and links."""
    fmt = _format(request, f)
    document = ogc.collections(_base(request), await store.extent(pool), fmt)
    return _respond(request, templates, fmt, "Collections", document)


@router.get(
    COLLECTION_PATH,
    response_model=CollectionOut,
    responses=HTML_ALTERNATIVE | {503: ERROR_RESPONSES[503]},
    summary="The facilities collection",
)
async def collection(
    request: Request, pool: ReadDb, templates: Templates, f: Format = None
) -> Response:
    """What the collection holds, its extent in CRS84 and links to items and schemas."""
    fmt = _format(request, f)
    document = ogc.collection(_base(request), await store.extent(pool), fmt)
    return _respond(request, templates, fmt, ogc.TITLE, document)


@router.get(
    f"{COLLECTION_PATH}/queryables",
    response_class=SchemaJSONResponse,
    responses={200: {"content": {ogc.SCHEMA_JSON: {"schema": {"type": "object"}}}}},
    summary="Properties the items can be filtered on",
)
async def queryables(request: Request) -> Response:
    """A JSON Schema of the properties `items` accepts as `name=value` equality filters."""
    path = f"/ogc{COLLECTION_PATH}/queryables"
    title = "Facility properties to filter on"
    return SchemaJSONResponse(ogc.json_schema(_base(request), path, title, ogc.QUERYABLES))


@router.get(
    f"{COLLECTION_PATH}/schema",
    response_class=SchemaJSONResponse,
    responses={200: {"content": {ogc.SCHEMA_JSON: {"schema": {"type": "object"}}}}},
    summary="JSON Schema of an item",
)
async def item_schema(request: Request) -> Response:
    """Every property a facility has, with its type, so GIS clients can type their fields."""
    return SchemaJSONResponse(ogc.feature_schema(_base(request)))


QUERYABLE_PARAMETERS = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"Only facilities whose `{name}` equals this value.",
        "schema": {key: value for key, value in schema.items() if key != "description"},
    }
    for name, schema in ogc.QUERYABLES.items()
]


@router.get(
    f"{COLLECTION_PATH}/items",
    response_model=OgcFeatureCollectionOut,
    response_class=GeoJSONResponse,
    responses=HTML_ALTERNATIVE | ERROR_RESPONSES,
    summary="Facilities, a page at a time",
    openapi_extra={"parameters": QUERYABLE_PARAMETERS},
)
async def items(
    request: Request,
    pool: ReadDb,
    templates: Templates,
    f: Format = None,
    bbox: BboxParam = None,
    limit: Annotated[
        int,
        Query(
            ge=1,
            description=f"Page size; values above {ogc.MAX_LIMIT} are served as {ogc.MAX_LIMIT}.",
        ),
    ] = ogc.DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="How many to skip.")] = 0,
) -> Response:
    """Facilities in id order (closed ones too), with `next`/`prev` links and `numberMatched`.

    Any queryable property (see `/queryables`) may be given as `name=value` to keep only the
    facilities whose property equals that value; several are combined with AND.
    """
    unknown = sorted(set(request.query_params) - ITEMS_PARAMS)
    if unknown:
        raise BadParameter(
            f"Unknown parameter '{unknown[0]}'",
            field=unknown[0],
            allowed=", ".join(sorted(ITEMS_PARAMS)),
        )
    fmt = _format(request, f)
    limit = ogc.clamp_limit(limit)
    filters = Filters(
        include_closed=True,
        bbox=parse_bbox(bbox),
        equals=ogc.property_filters(request.query_params),
    )
    matched = await store.count(pool, filters)
    features = await store.listing(pool, filters, limit, offset)
    url = f"{_base(request)}/ogc{COLLECTION_PATH}/items"
    links = ogc.page_links(url, request.query_params, fmt, (limit, offset), len(features), matched)
    document = feature_collection(features, numberMatched=matched, links=links)
    page = {"offset": offset, "matched": matched}
    return _respond(
        request, templates, fmt, "Facilities", document, GeoJSONResponse,
        features=features, page=page,
    )  # fmt: skip


@router.get(
    f"{COLLECTION_PATH}/items/{{featureId}}",
    response_model=OgcFeatureOut,
    response_class=GeoJSONResponse,
    responses=HTML_ALTERNATIVE
    | {
        404: ERROR_RESPONSES[422] | {"description": "No facility has this id."},
        503: ERROR_RESPONSES[503],
    },
    summary="One facility",
)
async def item(
    request: Request,
    pool: ReadDb,
    templates: Templates,
    featureId: str,  # noqa: N803
    f: Format = None,
) -> Response:
    """One facility by its id, with links to itself and its collection."""
    feature = await store.facility(pool, featureId) if SLUG_RE.match(featureId) else None
    if feature is None:
        raise NotFound(f"No facility with id '{featureId}'", field="featureId")
    fmt = _format(request, f)
    url = f"{_base(request)}/ogc{COLLECTION_PATH}"
    feature["links"] = [
        *ogc.self_links(f"{url}/items/{featureId}", ogc.GEOJSON, fmt),
        ogc.link(url, "collection", ogc.JSON, "The facilities collection"),
    ]
    title = feature["properties"]["name"]
    return _respond(request, templates, fmt, title, feature, GeoJSONResponse, feature=feature)
