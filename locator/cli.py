"""The `locator` command line: serve, migrate, load, export, synthesise and the dev database."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import asyncpg
import typer
import uvicorn
from sqlalchemy.ext.asyncio import AsyncConnection

from locator import db, devdb, export, loader, synth
from locator.settings import get_settings

app = typer.Typer(
    help="Changing Places toilet locator.", no_args_is_help=True, add_completion=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
devdb_app = typer.Typer(
    help="The project's private PostgreSQL + PostGIS cluster (.pgdata/).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(devdb_app, name="devdb")

T = TypeVar("T")


def _with_connection(work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = db.create_engine()
        try:
            async with engine.connect() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    return asyncio.run(run())


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default LOCATOR_HOST or 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default LOCATOR_PORT or 8000).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default LOCATOR_WORKERS or 1).")
    ] = None,
) -> None:
    """Serve the API (and pages) with uvicorn. Query strings are never logged."""
    settings = get_settings()
    uvicorn.run(
        "locator.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        access_log=False,  # uvicorn's access log prints query strings, which hold positions
        proxy_headers=True,
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "heads") -> None:
    """Apply the Alembic migrations (creates the PostGIS extension if allowed)."""
    db.upgrade(revision=revision)
    typer.echo(f"database upgraded to {revision}")


@app.command()
def load(
    path: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection of facilities.")],
) -> None:
    """Validate the whole file, then add or update its facilities by id in one transaction."""
    try:
        report = _with_connection(lambda conn: loader.load_file(conn, path))
    except loader.LoadError as exc:
        typer.echo(f"error: nothing was loaded.\n{exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{path}: {report.summary()}")
    for label, ids in (("added", report.added), ("changed", report.changed)):
        if ids:
            typer.echo(f"  {label}: {', '.join(ids)}")


class ExportFormat(StrEnum):
    geojson = "geojson"
    csv = "csv"


@app.command("export")
def export_command(
    format: Annotated[
        ExportFormat, typer.Option("--format", help="geojson (reloadable) or csv.")
    ] = ExportFormat.geojson,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: standard output)."),
    ] = None,
) -> None:
    """Write every real (non-synthetic) facility as GeoJSON or CSV."""

    async def write() -> None:
        conn = await asyncpg.connect(db.asyncpg_dsn())
        await db.init_connection(conn)
        stream = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            if format is ExportFormat.geojson:
                async for chunk in export.geojson_chunks(conn):
                    stream.write(chunk.decode())
            else:
                async for text_chunk in export.csv_chunks(conn):
                    stream.write(text_chunk)
        finally:
            await conn.close()
            if output:
                stream.close()

    asyncio.run(write())


@app.command("synth")
def synth_command(
    count: Annotated[
        int, typer.Option("--count", min=1, max=10_000_000, help="How many facilities to add.")
    ],
    force: Annotated[
        bool, typer.Option(help="Add them even if the database holds real facilities.")
    ] = False,
    seed: Annotated[
        float, typer.Option(min=-1, max=1, help="Random seed (-1 to 1) for repeatable data.")
    ] = 0.42,
) -> None:
    """Fill the database with synthetic facilities over Great Britain, for benchmarks."""
    try:
        total = _with_connection(lambda conn: synth.synthesise(conn, count, force=force, seed=seed))
    except synth.RealDataPresent as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"added {count} synthetic facilities ({total} synthetic in all)")


@devdb_app.command("start")
def devdb_start() -> None:
    """Create (first time) and start the private cluster; print its URL."""
    typer.echo(devdb.start())


@devdb_app.command("stop")
def devdb_stop() -> None:
    """Stop the private cluster; its data stays in .pgdata/."""
    devdb.stop()


@devdb_app.command("url")
def devdb_url(
    database: Annotated[str, typer.Argument(help="Database name.")] = devdb.DATABASE,
) -> None:
    """Print the URL of a database in the private cluster (creating it with PostGIS)."""
    typer.echo(devdb.create_database(database) if devdb.is_running() else devdb.url(database))
