"""A data file loaded again must not undo editors' work or hide visitors' reports."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import httpx

from locator.services import loading
from locator.store import connection as db
from tests.stewardship.conftest import Tokens, bearer, new_facility, run_sql

SOURCE = {"title": "Phoned the venue", "date": dt.date.today().isoformat()}


def _as_file(api: httpx.Client, fid: str, path: Path, **changed: object) -> Path:
    """The facility as a data file would hold it, with some values changed."""
    feature = api.get(f"/api/v1/facilities/{fid}").json()
    props = {
        k: v
        for k, v in feature["properties"].items()
        if k not in ("grade", "open", "directions", "version", "equipment_status")
    }
    lon, lat = feature["geometry"]["coordinates"]
    geometry = {"type": "Point", "coordinates": [lon, lat]}
    record = {"type": "Feature", "id": fid, "geometry": geometry, "properties": props | changed}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [record]}))
    return path


def _load(url: str, path: Path, overwrite: bool = False) -> loading.LoadReport:
    async def go() -> loading.LoadReport:
        async with db.connect(url) as conn:
            return await loading.load_file(conn, path, overwrite)

    return asyncio.run(go())


def test_a_load_keeps_what_editors_changed_unless_told(
    api: httpx.Client, tokens: Tokens, steward_db: str, tmp_path: Path
) -> None:
    fid = new_facility(steward_db, phone="024 7600 0000")
    data = _as_file(api, fid, tmp_path / "seed.geojson", phone="024 7600 0000")
    etag = api.get(f"/api/v1/facilities/{fid}").headers["etag"]
    edited = api.patch(
        f"/api/v1/facilities/{fid}",
        json={"set": {"phone": "024 7600 1111"}, "source": SOURCE},
        headers=bearer(tokens.editor) | {"If-Match": etag},
    )
    assert edited.status_code == 200
    report = _load(steward_db, data)
    assert report.kept_edits == [fid]
    assert api.get(f"/api/v1/facilities/{fid}").json()["properties"]["phone"] == "024 7600 1111"
    forced = _load(steward_db, data, overwrite=True)
    assert forced.changed == [fid]
    assert api.get(f"/api/v1/facilities/{fid}").json()["properties"]["phone"] == "024 7600 0000"


def test_a_load_keeps_visitors_unconfirmed_reports(
    api: httpx.Client, steward_db: str, tmp_path: Path
) -> None:
    fid = new_facility(steward_db, hoist="mobile")
    sent = api.post(
        f"/api/v1/facilities/{fid}/reports", json={"kind": "equipment_not_working", "item": "hoist"}
    )
    assert sent.status_code == 201
    data = _as_file(api, fid, tmp_path / "seed.geojson", notes="Updated note")
    report = _load(steward_db, data)
    assert report.changed == [fid]
    states = run_sql(
        steward_db,
        "SELECT item, working, confirmed FROM equipment_status WHERE facility_id = $1",
        fid,
    )
    assert [(s["item"], s["working"], s["confirmed"]) for s in states] == [("hoist", False, False)]
