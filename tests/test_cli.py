"""The `locator` command line, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, drop_database, fresh_database

LOCATOR = [sys.executable, "-m", "locator"]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    url = fresh_database("locator_test_cli")
    yield url
    drop_database(url)


def run(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCATOR_DATABASE_URL": database}
    return subprocess.run(
        [*LOCATOR, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["db", "upgrade"],
        ["load"],
        ["export"],
        ["synth"],
        ["devdb", "start"],
        ["devdb", "stop"],
        ["devdb", "url"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = subprocess.run(
        [*LOCATOR, *command, "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_load_export_and_reload_round_trip(database: str, tmp_path: Path) -> None:
    loaded = run(database, "load", "data/coventry.geojson")
    assert loaded.returncode == 0, loaded.stderr
    assert "21 added" in loaded.stdout
    exported = tmp_path / "export.geojson"
    result = run(database, "export", "--format", "geojson", "--output", str(exported))
    assert result.returncode == 0, result.stderr
    assert len(json.loads(exported.read_text())["features"]) == 21
    reloaded = run(database, "load", str(exported))
    assert "0 added, 0 changed, 21 left unchanged" in reloaded.stdout


def test_csv_export_has_a_header_and_a_row_per_facility(database: str) -> None:
    run(database, "load", "data/coventry.geojson")
    result = run(database, "export", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("id,lat,lon,name,")
    assert (
        len(
            [
                line
                for line in lines[1:]
                if line.split(",")[0].endswith(("-park", "-library", "-station"))
            ]
        )
        >= 3
    )


def test_load_of_a_bad_file_says_where_and_loads_nothing(database: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "id": "x",
                        "geometry": {"type": "Point", "coordinates": [0, 95]},
                        "properties": {"name": "X", "category": "changing_places"},
                    }
                ],
            }
        )
    )
    result = run(database, "load", str(bad))
    assert result.returncode == 2
    assert "nothing was loaded" in result.stderr
    assert f"{bad}:1: feature 0 (id 'x'): field 'geometry.coordinates[1]'" in result.stderr


def test_synth_refuses_to_mix_with_real_data_unless_forced(database: str) -> None:
    run(database, "load", "data/coventry.geojson")
    refused = run(database, "synth", "--count", "10")
    assert refused.returncode == 2
    assert "real facilities" in refused.stderr
    forced = run(database, "synth", "--count", "10", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "added 10 synthetic facilities" in forced.stdout
