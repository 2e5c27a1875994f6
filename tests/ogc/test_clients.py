"""Real GIS clients read /ogc: GDAL's OAPIF driver (ogrinfo, ogr2ogr) and OWSLib's Features."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from owslib.ogcapi.features import Features

from tests.conftest import CENTRE, KNOWN, ServerThread

# The tests must fail, not skip, when GDAL is missing: `make setup` installs gdal-bin.
GDAL_MISSING = "ogrinfo not found: install Debian's gdal-bin (make system-packages)"


def gdal(*args: str) -> str:
    """Run a GDAL utility and return its standard output; its errors fail the test."""
    assert shutil.which(args[0]), GDAL_MISSING
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "ERROR" not in done.stderr, done.stderr
    return done.stdout


def test_ogrinfo_summarises_every_facility_with_typed_fields(server: ServerThread) -> None:
    out = gdal("ogrinfo", "-ro", "-al", "-so", f"OAPIF:{server.url}/ogc", "facilities")
    assert "Layer name: facilities" in out
    assert "Geometry: Point" in out
    assert f"Feature Count: {len(KNOWN)}" in out
    fields = dict(re.findall(r"^(\w+): (\S+)", out, flags=re.MULTILINE))
    assert fields["id"] == "String"
    assert fields["registered"] == "Integer(Boolean)"
    assert fields["carer_space"] == "Integer(Boolean)"
    assert fields["room_area_m2"] == "Real"
    assert fields["hoist_swl_kg"] == "Real"
    assert fields["last_verified"] == "Date"
    assert fields["unverified"] == "StringList"


def test_ogr2ogr_pages_through_every_facility(server: ServerThread, tmp_path: Path) -> None:
    target = tmp_path / "facilities.geojson"
    gdal(
        "ogr2ogr", "-f", "GeoJSON", str(target), "-oo", "PAGE_SIZE=3",
        f"OAPIF:{server.url}/ogc", "facilities",
    )  # fmt: skip
    features = json.loads(target.read_text())["features"]
    assert sorted(f["properties"]["id"] for f in features) == sorted(f.id for f in KNOWN)
    by_id = {f["properties"]["id"]: f for f in features}
    ceiling = next(f for f in KNOWN if f.id == "t-ceiling-24h")
    assert by_id["t-ceiling-24h"]["geometry"]["coordinates"] == pytest.approx(
        [ceiling.lon, ceiling.lat], abs=1e-6
    )
    assert by_id["t-ceiling-24h"]["properties"]["room_area_m2"] == 12.5
    assert by_id["t-ceiling-24h"]["properties"]["registered"] is True


def test_ogrinfo_spatial_filter_is_sent_as_bbox(server: ServerThread) -> None:
    lat, lon = CENTRE
    box = [str(v) for v in (lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05)]
    out = gdal(
        "ogrinfo", "-ro", "-al", "-q", "-spat", *box, f"OAPIF:{server.url}/ogc", "facilities"
    )
    found = set(re.findall(r"^  id \(String\) = (\S+)", out, flags=re.MULTILINE))
    assert found == {f.id for f in KNOWN if f.id != "t-far"}


def test_owslib_lists_the_collection_and_reads_items_by_bbox(server: ServerThread) -> None:
    api = Features(f"{server.url}/ogc")
    assert api.feature_collections() == ["facilities"]
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in (api.conformance()["conformsTo"])
    )
    assert api.collection("facilities")["itemType"] == "feature"
    assert api.api()["openapi"].startswith("3.0")
    assert "registered" in api.collection_queryables("facilities")["properties"]
    far = next(f for f in KNOWN if f.id == "t-far")
    page = api.collection_items(
        "facilities", bbox=[far.lon - 0.01, far.lat - 0.01, far.lon + 0.01, far.lat + 0.01]
    )
    assert [f["id"] for f in page["features"]] == ["t-far"]
    assert page["numberMatched"] == 1
    everything = api.collection_items("facilities", limit=100)
    assert everything["numberReturned"] == len(KNOWN)
    assert api.collection_item("facilities", "t-far")["properties"]["name"] == "T Far"
