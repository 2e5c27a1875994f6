"""The OpenStreetMap reader: what a user would see come in from a PBF extract or Overpass JSON.

Every fixture is made up here (tiny files written with `osmium.SimpleWriter` or by hand), never
copied from real OpenStreetMap data.
"""

from __future__ import annotations

import json
from pathlib import Path

import osmium
import pytest
from osmium.osm.mutable import Node, Way

from locator.domain.record import FacilityProperties
from locator.services.imports import osm
from locator.services.imports.candidates import Candidate, ImportFileError, Rejected

FIXTURES = Path(__file__).parent / "fixtures"
OVERPASS = FIXTURES / "overpass-sample.json"

# A small square building in Coventry: corners 0.0002 degrees of longitude by 0.0001 of latitude.
CORNERS = [(-1.5100, 52.4000), (-1.5098, 52.4000), (-1.5098, 52.4001), (-1.5100, 52.4001)]


def write_pbf(path: Path, nodes: list[Node], ways: list[Way] | None = None) -> Path:
    """A tiny `.osm.pbf` file of these nodes, then these ways."""
    with osmium.SimpleWriter(str(path)) as writer:
        for node in nodes:
            writer.add_node(node)
        for way in ways or []:
            writer.add_way(way)
    return path


def toilet(node_id: int, lon: float = -1.51, lat: float = 52.41, **tags: str) -> Node:
    """An `amenity=toilets` node; tag keys with `__` for `:` (changing_table__adult)."""
    keys = {key.replace("__", ":"): value for key, value in tags.items()}
    return Node(id=node_id, location=(lon, lat), tags={"amenity": "toilets", **keys})


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    """Toilets of every kind, a toilet block mapped as a closed way, and some wrong data."""
    corners = [Node(id=100 + i, location=point) for i, point in enumerate(CORNERS)]
    nodes = [
        toilet(1, name="Market toilets", wheelchair="yes", centralkey="radar"),
        toilet(2, name="Library", changing_table__adult="yes", opening_hours="9am til 5ish"),
        toilet(3, changing_table="yes", wheelchair="no"),
        toilet(4, wheelchair="yes", opening_hours="Mo-Fr 09:00-17:00", check_date="2024-03-05"),
        toilet(5, lon=52.41, lat=-1.51, wheelchair="yes"),  # latitude and longitude swapped
        toilet(6, lon=2.35, lat=48.86, wheelchair="yes"),  # Paris
        toilet(7, wheelchair="yes", access="private"),
        toilet(8, operator="Example Rail", description="Hoist and adult changing bench"),
        toilet(9, wheelchair="yes", description="Accessible toilet, no hoist"),
        Node(id=10, location=(-1.51, 52.41), tags={"amenity": "cafe", "wheelchair": "yes"}),
        toilet(11, name="Space to Change toilet", wheelchair="yes"),
        toilet(12, wheelchair="yes", description="No RADAR key needed"),
        toilet(13, centralkey="yes"),  # no wheelchair tag: a RADAR key still makes it relevant
        *corners,
    ]
    ways = [
        Way(
            id=50, nodes=[100, 101, 102, 103, 100], tags={"amenity": "toilets", "wheelchair": "yes"}
        ),
        Way(id=51, nodes=[900, 901, 902], tags={"amenity": "toilets"}),  # nodes not in the file
        Way(id=52, nodes=[100, 101], tags={"highway": "footway"}),
    ]
    return write_pbf(tmp_path / "sample.osm.pbf", nodes, ways)


def by_id(items: list[Candidate | Rejected]) -> dict[str, Candidate | Rejected]:
    """Each item by its OSM id, taken from `where` (`file: node/1` -> `node/1`)."""
    return {item.where.rsplit(": ", 1)[1]: item for item in items}


def candidate(items: dict[str, Candidate | Rejected], osm_id: str) -> Candidate:
    item = items[osm_id]
    assert isinstance(item, Candidate), str(item)
    return item


def rejected(items: dict[str, Candidate | Rejected], osm_id: str) -> Rejected:
    item = items[osm_id]
    assert isinstance(item, Rejected), item
    return item


def test_pbf_toilets_come_in_as_a_user_expects(extract: Path) -> None:
    items = by_id(list(osm.read(extract)))
    assert "node/10" not in items and "way/52" not in items  # a cafe, a footway: not toilets

    market = candidate(items, "node/1")  # an ordinary toilet with wheelchair=yes
    assert market.fields["category"] == "accessible_toilet"
    assert market.fields["name"] == "Market toilets"
    assert (market.fields["key_scheme"], market.fields["access"]) == ("radar", "key")
    assert market.relevant and market.source_id == "node/1"
    assert market.where == f"{extract}: node/1"

    library = candidate(items, "node/2")  # changing_table:adult=yes
    assert library.fields["category"] == "changing_places"
    assert library.fields["bench"] == "present"
    assert library.relevant

    baby = candidate(items, "node/3")  # changing_table=yes is a baby changing table only
    assert baby.fields["category"] == "public_toilet"
    assert "baby changing" in baby.fields["notes"]
    assert "bench" not in baby.fields and not baby.relevant
    assert baby.fields["name"] == "Toilets"

    private = candidate(items, "node/7")
    assert not private.relevant and "access=private" in private.fields["notes"]

    hoist = candidate(items, "node/8")  # said in the description
    assert hoist.fields["category"] == "changing_places"
    assert hoist.fields["name"] == "Toilets (Example Rail)"
    assert candidate(items, "node/9").fields["category"] == "accessible_toilet"  # "no hoist"
    assert candidate(items, "node/11").fields["category"] == "space_to_change"
    assert "key_scheme" not in candidate(items, "node/12").fields
    radar = candidate(items, "node/13")
    assert (radar.fields["category"], radar.fields["key_scheme"]) == ("public_toilet", "radar")
    assert radar.relevant


def test_a_closed_way_becomes_its_centroid(extract: Path) -> None:
    items = by_id(list(osm.read(extract)))
    block = candidate(items, "way/50")
    assert block.source_id == "way/50"
    assert block.fields["category"] == "accessible_toilet"
    assert block.lon == pytest.approx(-1.5099, abs=1e-7)
    assert block.lat == pytest.approx(52.40005, abs=1e-7)
    assert block.fields["sources"] == [
        {"title": "OpenStreetMap contributors", "url": "https://www.openstreetmap.org/way/50"}
    ]
    lost = rejected(items, "way/51")
    assert lost.field == "location" and "nodes" in lost.reason


def test_a_way_written_before_its_nodes_still_gets_its_centre(tmp_path: Path) -> None:
    path = tmp_path / "unsorted.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        writer.add_way(Way(id=7, nodes=[1, 2, 3, 4, 1], tags={"amenity": "toilets"}))
        for i, point in enumerate(CORNERS, start=1):
            writer.add_node(Node(id=i, location=point))
    (block,) = osm.read(path)
    assert isinstance(block, Candidate)
    assert (block.lat, block.lon) == pytest.approx((52.40005, -1.5099), abs=1e-7)


def test_bad_hours_are_kept_as_a_note_with_a_warning(extract: Path) -> None:
    items = by_id(list(osm.read(extract)))
    library = candidate(items, "node/2")
    assert "opening_hours" not in library.fields
    assert library.fields["opening_hours_note"] == "9am til 5ish"
    assert any("9am til 5ish" in warning for warning in library.warnings)
    checked = candidate(items, "node/4")
    assert checked.fields["opening_hours"] == "Mo-Fr 09:00-17:00" and not checked.warnings


def test_an_osm_check_date_is_the_source_date_not_our_visit(extract: Path) -> None:
    checked = candidate(by_id(list(osm.read(extract))), "node/4")
    assert str(checked.source_date) == "2024-03-05"
    assert "last_verified" not in checked.fields


def test_swapped_or_foreign_coordinates_are_rejected_naming_the_element(extract: Path) -> None:
    items = by_id(list(osm.read(extract)))
    flipped = rejected(items, "node/5")
    assert flipped.field == "location" and "swapped" in flipped.reason
    assert str(flipped).startswith(f"{extract}: node/5: field 'location'")
    paris = rejected(items, "node/6")
    assert paris.field == "location" and "outside Great Britain" in paris.reason


def test_every_record_keeps_the_odbl_attribution_and_is_a_valid_record(extract: Path) -> None:
    candidates = [item for item in osm.read(extract) if isinstance(item, Candidate)]
    assert len(candidates) == 11
    for item in candidates:
        assert item.fields["licence"] == osm.LICENCE
        assert "ODbL" in item.fields["licence"]
        assert item.fields["sources"][0]["title"] == "OpenStreetMap contributors"
        FacilityProperties.model_validate(item.fields)  # the engine will accept every field


def test_overpass_json_reads_nodes_and_way_centres() -> None:
    items = by_id(list(osm.read(OVERPASS)))
    assert "node/9000009" not in items  # a cafe
    broadgate = candidate(items, "node/9000001")
    assert broadgate.fields["category"] == "accessible_toilet"
    assert broadgate.fields["key_scheme"] == "radar"
    assert broadgate.fields["address"] == "12 Broadgate"
    assert broadgate.fields["locality"] == "Coventry"
    assert broadgate.fields["postcode"] == "CV1 1FY"
    assert broadgate.fields["website"] == "https://example.org/toilets"
    assert str(broadgate.source_date) == "2025-06-14"
    assert (broadgate.lat, broadgate.lon) == (52.4081, -1.5106)

    library = candidate(items, "way/9000002")
    assert (library.lat, library.lon) == (52.4069, -1.5088)
    assert library.fields["category"] == "changing_places"
    assert library.fields["location_in_venue"] == "Ground floor, next to the lifts"
    assert library.fields["floor_level"] == "0"
    assert library.fields["opening_hours_note"] == "open when the library is"

    paid = candidate(items, "node/9000003")
    assert "a fee is charged (20p)" in paid.fields["notes"]
    limited = candidate(items, "node/9000007")
    assert limited.fields["category"] == "accessible_toilet" and limited.relevant
    assert "wheelchair access limited (as OpenStreetMap says)" in limited.fields["notes"]
    assert limited.fields["access"] == "customers"
    assert not candidate(items, "node/9000008").relevant  # access=private

    assert "swapped" in rejected(items, "node/9000004").reason
    centreless = rejected(items, "way/9000010")
    assert centreless.field == "location" and "out center" in centreless.reason
    for item in items.values():
        if isinstance(item, Candidate):
            FacilityProperties.model_validate(item.fields)


def test_unstorable_text_is_rejected_naming_the_field() -> None:
    items = by_id(list(osm.read(OVERPASS)))
    nul = rejected(items, "node/9000005")
    assert nul.field == "name" and "NUL" in nul.reason
    surrogate = rejected(items, "node/9000006")
    assert surrogate.field == "notes" and "`description`" in surrogate.reason


def test_text_that_is_not_utf8_in_an_osm_file_is_rejected_naming_the_field(
    tmp_path: Path,
) -> None:
    # OPL escapes `%d800%` as the bytes of a lone surrogate, which pyosmium cannot decode.
    path = tmp_path / "broken.opl"
    path.write_text(
        "n1 v1 dV c0 t2026-01-01T00:00:00Z i0 u Tamenity=toilets,name=Bad%d800%name,"
        "wheelchair=yes x-1.51 y52.41\n"
        "n2 v2 dD c0 t2026-01-01T00:00:00Z i0 u Tamenity=toilets,wheelchair=yes x-1.51 y52.41\n"
    )
    (item,) = osm.read(path)  # node 2 is deleted: skipped
    assert isinstance(item, Rejected)
    assert (item.where, item.field) == (f"{path}: node/1", "name")
    assert "UTF-8" in item.reason


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("garbage.osm.pbf", b"this is not a PBF file\n", "not a readable OpenStreetMap file"),
        ("broken.json", b'{"elements": [\n  {"type": "node",\n', "line 3: not valid JSON"),
        ("latin1.json", b'{"elements": [\n{"tags": {"name": "caf\xe9"}}]}', "line 2: not UTF-8"),
        ("not-overpass.json", b'{"type": "FeatureCollection"}', 'no "elements" list'),
        ("empty.osm.pbf", b"", "empty"),
    ],
)
def test_an_unreadable_file_raises_naming_the_file(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message) as raised:
        list(osm.read(path))
    assert str(path) in str(raised.value)


def test_a_missing_or_truncated_file_raises(tmp_path: Path, extract: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        list(osm.read(tmp_path / "missing.osm.pbf"))
    truncated = tmp_path / "truncated.osm.pbf"
    truncated.write_bytes(extract.read_bytes()[:-40])
    with pytest.raises(ImportFileError, match="not a readable OpenStreetMap file"):
        list(osm.read(truncated))


def test_an_overpass_answer_that_timed_out_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "timeout.json"
    remark = 'runtime error: Query timed out in "query" at line 3 after 26 seconds.'
    path.write_text(json.dumps({"elements": [], "remark": remark}))
    with pytest.raises(ImportFileError, match="incomplete"):
        list(osm.read(path))


def test_a_change_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "changes.osc"
    path.write_text(
        '<?xml version="1.0"?>\n<osmChange version="0.6"><delete>'
        '<node id="1" version="2" lat="52.41" lon="-1.51"/></delete></osmChange>\n'
    )
    with pytest.raises(ImportFileError, match="history or change file"):
        list(osm.read(path))
