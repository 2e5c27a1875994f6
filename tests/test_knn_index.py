"""The nearest query's plan: the GiST index does the KNN ordering (no sort of the whole table)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest

from locator.domain.filters import Filters
from locator.store import connection as db
from locator.store import nearest, synth
from tests.conftest import drop_database, fresh_database


class Recorder:
    """Passes queries to a real connection and keeps the last one for EXPLAIN."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.sql = ""
        self.args: tuple[Any, ...] = ()

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        self.sql, self.args = sql, args
        return await self.conn.fetch(sql, *args)


@pytest.fixture(scope="module")
def synthetic_db() -> Iterator[str]:
    url = fresh_database("locator_test_knn")

    async def fill() -> None:
        async with db.connect(url) as conn:
            await synth.synthesise(conn, 20_000)

    asyncio.run(fill())
    yield url
    drop_database(url)


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(hoist="ceiling_track", registered=True),
        Filters(open_at=None, key_free=True),
    ],
)
def test_nearest_orders_by_the_gist_index(synthetic_db: str, filters: Filters) -> None:
    async def explain() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(db.asyncpg_dsn(synthetic_db))
        await db.init_connection(conn)
        recorder = Recorder(conn)
        found = await nearest.nearest(recorder, 52.4, -1.5, filters, 5)  # type: ignore[arg-type]
        assert len(found) == 5
        result = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {recorder.sql}", *recorder.args)
        await conn.close()
        return list(plan_nodes(result[0]["Plan"]))

    nodes = asyncio.run(explain())
    knn = [n for n in nodes if n.get("Index Name") == "facilities_geog_gist"]
    assert knn, [n["Node Type"] for n in nodes]
    assert "<->" in knn[0]["Order By"]
    assert not any(
        n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "facilities" for n in nodes
    )


def test_synthetic_facilities_lie_in_great_britain(synthetic_db: str) -> None:
    async def bounds() -> asyncpg.Record:
        conn = await asyncpg.connect(db.asyncpg_dsn(synthetic_db))
        row = await conn.fetchrow(
            "SELECT count(*) AS n, min(ST_Y(geog::geometry)) AS s,"
            " max(ST_Y(geog::geometry)) AS n_lat, min(ST_X(geog::geometry)) AS w,"
            " max(ST_X(geog::geometry)) AS e FROM facilities WHERE synthetic"
        )
        await conn.close()
        return row

    row = asyncio.run(bounds())
    assert row["n"] == 20_000
    assert 49.9 < row["s"] and row["n_lat"] < 58.7 and -5.8 < row["w"] and row["e"] < 1.8
