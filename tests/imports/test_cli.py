"""`locator import` end to end: each format from its fixture into a real PostGIS, through the CLI
as a person runs it: dry run, import, re-import, bad files, and formats meeting each other."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from locator.store import connection as db
from tests.conftest import ROOT, drop_database, fresh_database

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture()
def database() -> Iterator[str]:
    url = fresh_database("locator_test_import_cli")
    yield url
    drop_database(url)


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCATOR_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "locator", "import", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip


def value(url: str, sql: str) -> Any:
    async def go() -> Any:
        async with db.connect(url) as conn:
            return await conn.fetchval(sql)

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("arguments", "source"),
    [
        (["toiletmap", str(FIXTURES / "toiletmap-sample.json")], "toiletmap"),
        (["osm", str(FIXTURES / "overpass-sample.json")], "openstreetmap"),
        (
            ["council-csv", str(FIXTURES / "council-osgb36.csv"), "--source", "example-council"],
            "example-council",
        ),
    ],
    ids=["toiletmap", "osm-overpass", "council-csv"],
)
def test_dry_run_then_import_then_the_same_again(
    database: str, arguments: list[str], source: str
) -> None:
    dry = run(database, *arguments, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run, nothing written" in dry.stdout and "added (" in dry.stdout
    assert value(database, "SELECT count(*) FROM facilities") == 0
    done = run(database, *arguments)
    assert done.returncode == 0, done.stderr
    added = value(database, "SELECT count(*) FROM facilities")
    assert added > 0 and f"{added} added" in done.stdout
    again = run(database, *arguments)
    assert again.returncode == 0, again.stderr
    assert "0 added, 0 changed" in again.stdout, again.stdout
    assert value(database, "SELECT count(*) FROM facilities") == added
    assert value(database, f"SELECT count(*) FROM imports WHERE source = '{source}'") == 2


def test_a_council_file_needs_a_source_name(database: str) -> None:
    failed = run(database, "council-csv", str(FIXTURES / "council-wgs84.csv"))
    assert failed.returncode == 2
    assert "needs --source" in failed.stderr


def test_a_latin1_file_changes_nothing_and_says_how_to_read_it(database: str) -> None:
    path = str(FIXTURES / "council-latin1.csv")
    failed = run(database, "council-csv", path, "--source", "example")
    assert failed.returncode == 2
    assert "nothing was imported" in failed.stderr and "--encoding cp1252" in failed.stderr
    assert value(database, "SELECT count(*) FROM facilities") == 0
    done = run(database, "council-csv", path, "--source", "example", "--encoding", "cp1252")
    assert done.returncode == 0, done.stderr


def test_a_council_record_and_a_toilet_map_record_at_one_spot_are_listed_to_merge(
    database: str,
) -> None:
    council = ["council-csv", str(FIXTURES / "council-wgs84.csv"), "--source", "example"]
    assert run(database, *council).returncode == 0
    toiletmap = run(database, "toiletmap", str(FIXTURES / "toiletmap-sample.json"), "--dry-run")
    assert toiletmap.returncode == 0, toiletmap.stderr
    assert "doubtful, to merge by hand" in toiletmap.stdout or "matched as duplicates" in (
        toiletmap.stdout
    )
