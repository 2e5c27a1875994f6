"""Synthetic facilities spread over Great Britain, for benchmarks (never mixed with real data)."""

from __future__ import annotations

import asyncpg

# A coarse outline of mainland Great Britain (lon, lat), good enough to keep points off the sea.
GB_OUTLINE = [
    (-5.72, 50.05),
    (-4.20, 50.33),
    (-3.40, 50.60),
    (-1.90, 50.58),
    (0.35, 50.75),
    (1.40, 51.15),
    (1.45, 51.40),
    (0.90, 51.78),
    (1.75, 52.50),
    (1.60, 52.95),
    (0.40, 52.95),
    (0.20, 53.50),
    (-0.20, 54.10),
    (-1.20, 54.62),
    (-1.60, 55.60),
    (-2.10, 55.95),
    (-1.85, 57.60),
    (-3.10, 57.70),
    (-4.00, 57.60),
    (-3.10, 58.60),
    (-5.00, 58.60),
    (-5.70, 57.30),
    (-5.60, 56.30),
    (-4.90, 55.70),
    (-5.10, 54.85),
    (-3.60, 54.90),
    (-3.40, 54.40),
    (-3.00, 53.90),
    (-3.10, 53.40),
    (-4.60, 53.30),
    (-4.10, 52.90),
    (-4.20, 52.30),
    (-5.20, 51.85),
    (-4.30, 51.55),
    (-3.20, 51.40),
    (-4.20, 51.20),
    (-5.72, 50.05),
]
OUTLINE_WKT = "POLYGON((" + ", ".join(f"{lon} {lat}" for lon, lat in GB_OUTLINE) + "))"

HOURS = [
    "24/7",
    "Mo-Sa 09:00-17:30; Su 10:00-16:00",
    "Mo-Fr 08:00-18:00",
    "Mo-Su 07:00-22:00",
    None,
]

SYNTH_SQL = f"""
WITH gb AS (SELECT ST_GeomFromText('{OUTLINE_WKT}', 4326) AS outline),
candidates AS (
    SELECT ST_SetSRID(ST_MakePoint(-5.72 + random() * 7.47, 50.05 + random() * 8.55), 4326) AS pt
    FROM generate_series(1, $1)
),
points AS (
    SELECT pt, row_number() OVER () + $2 AS n
    FROM candidates, gb WHERE ST_Intersects(pt, gb.outline) LIMIT $3
)
INSERT INTO facilities (id, name, category, registered, geog, location_accuracy_m, opening_hours,
                        access, key_scheme, hoist, bench, room_area_m2, status, synthetic, sources)
SELECT 'synth-' || lpad(n::text, 7, '0'),
       'Synthetic facility ' || n,
       (ARRAY['changing_places', 'changing_places', 'space_to_change',
              'accessible_toilet'])[1 + n % 4],
       n % 3 <> 0,
       pt::geography,
       25,
       (ARRAY[{", ".join("NULL" if h is None else repr(h) for h in HOURS)}])[1 + n % {len(HOURS)}],
       (ARRAY['public', 'customers', 'key', 'on_request'])[1 + n % 4],
       (ARRAY['none', 'radar', 'none'])[1 + n % 3],
       (ARRAY['ceiling_track_full_room', 'mobile', 'present', NULL])[1 + n % 4],
       (ARRAY['height_adjustable_wall', 'fixed', NULL])[1 + n % 3],
       8 + (n % 9),
       CASE WHEN n % 50 = 0 THEN 'temporarily_closed' ELSE 'open' END,
       true,
       '[{{"title": "synthetic benchmark data"}}]'::jsonb
FROM points
"""


class RealDataPresent(RuntimeError):
    """The database holds real facilities and `force` was not given."""


async def synthesise(
    conn: asyncpg.Connection, count: int, *, force: bool = False, seed: float = 0.42
) -> int:
    """Add `count` synthetic facilities in one transaction; returns how many exist afterwards."""
    async with conn.transaction():
        # A batch of 200,000 rows takes several seconds (more on a busy machine): the statement
        # timeout is there for requests, not for this command.
        await conn.execute("SET LOCAL statement_timeout = 0")
        real = await conn.fetchval("SELECT count(*) FROM facilities WHERE NOT synthetic")
        if real and not force:
            raise RealDataPresent(
                f"the database holds {real} real facilities; use a separate database, or --force"
            )
        await conn.execute("SELECT setseed($1)", seed)
        start = int(await conn.fetchval("SELECT count(*) FROM facilities WHERE synthetic"))
        made = 0
        while made < count:
            want = min(count - made, 200_000)
            status = await conn.execute(SYNTH_SQL, int(want * 2.6) + 100, start + made, want)
            made += int(status.split()[-1])  # "INSERT 0 <rows>"
        await conn.execute("ANALYZE facilities")
        return start + made
