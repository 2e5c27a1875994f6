"""/ogc: OGC API - Features documents, paging, filters and content negotiation."""

from __future__ import annotations

import httpx
import pytest

from locator.web.ogc import documents as ogc
from tests.conftest import KNOWN

ITEMS = "/ogc/collections/facilities/items"


def rels(document: dict) -> dict[str, dict]:
    return {(link["rel"], link["type"]): link for link in document["links"]}


def test_landing_page_links_what_clients_need(client: httpx.Client) -> None:
    response = client.get("/ogc", headers={"Accept": "*/*"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "Accept" in response.headers["vary"]  # caches keep the HTML and JSON apart
    links = rels(response.json())
    assert ("service-desc", "application/vnd.oai.openapi+json;version=3.0") in links
    assert ("service-doc", "text/html") in links
    assert ("conformance", "application/json") in links
    assert ("data", "application/json") in links
    assert ("self", "application/json") in links


def test_service_desc_is_openapi_30_describing_the_items(client: httpx.Client) -> None:
    href = rels(client.get("/ogc").json())[
        ("service-desc", "application/vnd.oai.openapi+json;version=3.0")
    ]["href"]
    document = client.get(href).json()
    assert document["openapi"].startswith("3.0")
    assert "/ogc/collections/facilities/items" in document["paths"]
    assert '"type": "null"' not in str(document).replace("'", '"')


def test_conformance_declares_core_geojson_oas30_and_html(client: httpx.Client) -> None:
    classes = client.get("/ogc/conformance").json()["conformsTo"]
    for part in ("core", "geojson", "oas30", "html"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{part}" in classes


def test_collection_has_extent_and_typed_links(client: httpx.Client) -> None:
    listed = client.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in listed] == ["facilities"]
    document = client.get("/ogc/collections/facilities").json()
    assert document["itemType"] == "feature"
    (bbox,) = document["extent"]["spatial"]["bbox"]
    lons = [f.lon for f in KNOWN]
    lats = [f.lat for f in KNOWN]
    assert bbox == pytest.approx([min(lons), min(lats), max(lons), max(lats)], abs=1e-6)
    links = rels(document)
    assert ("items", "application/geo+json") in links
    assert ("items", "text/html") in links
    assert (ogc.QUERYABLES_REL, "application/schema+json") in links
    assert ("describedby", "application/schema+json") in links


def test_queryables_is_a_json_schema_of_filterable_properties(client: httpx.Client) -> None:
    response = client.get("/ogc/collections/facilities/queryables")
    assert response.headers["content-type"] == "application/schema+json"
    schema = response.json()
    assert schema["type"] == "object"
    assert schema["properties"]["category"]["enum"][0] == "changing_places"
    assert schema["properties"]["registered"] == {
        "type": "boolean",
        "description": "On the national Changing Places register (null: not known).",
    }


def test_items_pages_with_links_and_counts(client: httpx.Client) -> None:
    seen: list[str] = []
    url: str | None = f"{ITEMS}?limit=3"
    while url:
        response = client.get(url)
        assert response.headers["content-type"] == "application/geo+json"
        page = response.json()
        assert page["numberMatched"] == len(KNOWN)
        assert page["numberReturned"] == len(page["features"]) <= 3
        seen += [f["id"] for f in page["features"]]
        url = rels(page).get(("next", "application/geo+json"), {}).get("href")
    assert seen == sorted(f.id for f in KNOWN)
    last = client.get(ITEMS, params={"limit": 3, "offset": 6}).json()
    assert ("prev", "application/geo+json") in rels(last)
    assert "offset=3" in rels(last)[("prev", "application/geo+json")]["href"]


def test_limit_above_the_maximum_is_clamped(client: httpx.Client) -> None:
    page = client.get(ITEMS, params={"limit": 5000}).json()
    assert page["numberReturned"] == len(KNOWN)
    assert "limit=1000" in rels(page)[("self", "application/geo+json")]["href"]


def test_bbox_and_property_filters_combine(client: httpx.Client) -> None:
    far = next(f for f in KNOWN if f.id == "t-far")
    box = f"{far.lon - 0.01},{far.lat - 0.01},{far.lon + 0.01},{far.lat + 0.01}"
    assert [f["id"] for f in client.get(ITEMS, params={"bbox": box}).json()["features"]] == [
        "t-far"
    ]
    page = client.get(ITEMS, params={"registered": "true", "access": "public"}).json()
    expected = sorted(f.id for f in KNOWN if f.registered is True and f.access == "public")
    assert [f["id"] for f in page["features"]] == expected
    assert page["numberMatched"] == len(expected)
    next_or_self = rels(page)[("self", "application/geo+json")]["href"]
    assert "registered=true" in next_or_self and "access=public" in next_or_self


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "castle"}, "category"),
        ({"registered": "maybe"}, "registered"),
        ({"colour": "red"}, "colour"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"limit": 0}, "limit"),
    ],
)
def test_bad_parameters_say_what_is_allowed(client: httpx.Client, params: dict, field: str) -> None:
    response = client.get(ITEMS, params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field
    assert body["allowed"]


def test_item_by_id_and_unknown_ids(client: httpx.Client) -> None:
    feature = client.get(f"{ITEMS}/t-ceiling-24h").json()
    assert feature["id"] == "t-ceiling-24h"
    assert feature["properties"]["hoist"] == "ceiling_track_full_room"
    assert ("collection", "application/json") in rels(feature)
    for missing in ("no-such-place", "NOT A SLUG", "x" * 500):
        assert client.get(f"{ITEMS}/{missing}").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/facilities", ITEMS,
     f"{ITEMS}/t-unknown"],
)  # fmt: skip
def test_browsers_get_accessible_html(client: httpx.Client, path: str) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for response in (client.get(path, headers={"Accept": browser}), client.get(f"{path}?f=html")):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert '<html lang="en-GB">' in html
        for landmark in ("<title>", "<h1>", "<header", "<nav", "<main", "<footer"):
            assert landmark in html
        assert 'href="http' in html


def test_items_html_lists_facilities_with_links_to_each(client: httpx.Client) -> None:
    html = client.get(ITEMS, params={"f": "html", "limit": 2}).text
    assert "Facilities 1 to 2 of 8" in html
    assert "/ogc/collections/facilities/items/t-broken-hoist?f=html" in html
    assert 'rel="next"' in html
