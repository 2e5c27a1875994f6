"""The smallest FastAPI + asyncpg endpoint doing the raw KNN query: the framework's ceiling.

The nearest benchmark serves it beside the real app so both are measured in one run. It is a
yardstick only: it returns ids and distances, validates two parameters and nothing else.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import orjson
from fastapi import FastAPI, Query
from fastapi.responses import Response

SQL = (
    "SELECT id, ST_Distance(geog, ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography) AS distance_m"
    " FROM facilities ORDER BY geog <-> ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography LIMIT 5"
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["MINIMAL_DSN"], min_size=2, max_size=20)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/api/v1/nearest")
async def nearest(
    lat: float = Query(ge=-90, le=90), lon: float = Query(ge=-180, le=180)
) -> Response:
    rows = await app.state.pool.fetch(SQL, lat, lon)
    return Response(orjson.dumps([dict(row) for row in rows]), media_type="application/json")
