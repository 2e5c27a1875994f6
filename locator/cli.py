"""The `locator` command line: serve, migrate, load, export, synthesise and the dev database."""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import asyncpg
import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from locator.domain.errors import BadParameter
from locator.domain.filters import FilterParams
from locator.domain.vocabulary import BenchNeed, HoistNeed
from locator.services import areas, coverage, exporting, loading, postcodes
from locator.services.imports import engine
from locator.services.imports.candidates import Candidate, ImportFileError, Rejected
from locator.settings import get_settings
from locator.store import connection, devdb, synth

app = typer.Typer(
    help="Changing Places toilet locator.", no_args_is_help=True, add_completion=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
devdb_app = typer.Typer(
    help="The project's private PostgreSQL + PostGIS cluster (.pgdata/).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(devdb_app, name="devdb")
areas_app = typer.Typer(
    help="Areas whose residents coverage analysis counts.", no_args_is_help=True
)
app.add_typer(areas_app, name="areas")
STDERR = Console(stderr=True)
postcodes_app = typer.Typer(help="Postcode directory for offline geocoding.", no_args_is_help=True)
app.add_typer(postcodes_app, name="postcodes")

T = TypeVar("T")
# How many ids a summary names before it says "and N more".
LISTED = 50


@contextmanager
def _progress_bar() -> Iterator[tuple[Progress, Callable[[str, int, int], None]]]:
    """A progress bar on stderr, and the (stage, done, total) callback that moves it."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=STDERR
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        yield bar, progress


def _with_connection(work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run `work` on one database connection (the configured database)."""

    async def run() -> T:
        async with connection.connect() as conn:
            return await work(conn)

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
        "locator.web.app:create_app",
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
    connection.upgrade(revision=revision)
    typer.echo(f"database upgraded to {revision}")


@app.command()
def load(
    path: Annotated[
        Path,
        typer.Argument(
            help="Facilities as a GeoJSON FeatureCollection (.geojson, .json) "
            "or CSV (.csv, as `export` writes)."
        ),
    ],
) -> None:
    """Validate the whole file, then add or update its facilities by id in one transaction."""
    try:
        report = _with_connection(lambda conn: loading.load_file(conn, path))
    except loading.LoadError as exc:
        typer.echo(f"error: nothing was loaded.\n{exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{path}: {report.summary()}")
    for label, ids in (("added", report.added), ("changed", report.changed)):
        if ids:
            more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
            typer.echo(f"  {label}: {', '.join(ids[:LISTED])}{more}")


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

    async def write(conn: asyncpg.Connection) -> None:
        stream = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            if format is ExportFormat.geojson:
                async for chunk in exporting.geojson_chunks(conn):
                    stream.write(chunk.decode())
            else:
                async for text_chunk in exporting.csv_chunks(conn):
                    stream.write(text_chunk)
        finally:
            if output:
                stream.close()

    _with_connection(write)


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


@postcodes_app.command("import")
def postcodes_import(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="OS Code-Point Open CSV file.")
    ],
) -> None:
    """Check every row, then load all postcodes in one transaction (or none if any is bad)."""
    try:
        report = _with_connection(
            lambda conn: postcodes.import_file(conn, path, lambda step: typer.echo(step, err=True))
        )
    except postcodes.PostcodeFileError as exc:
        typer.echo(f"error: nothing was imported.\n{exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{path}: {report.summary()}")


@areas_app.command("import")
def areas_import(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="GeoJSON FeatureCollection of Point, Polygon or MultiPolygon areas "
            "(WGS84). Default: Coventry's 18 wards with mid-2015 population estimates.",
        ),
    ] = areas.DEFAULT_PATH,
    code_field: Annotated[str, typer.Option(help="Property with the area's code.")] = "code",
    name_field: Annotated[str, typer.Option(help="Property with the area's name.")] = "name",
    population_field: Annotated[
        str, typer.Option(help="Property with the population (a whole number).")
    ] = "population",
    year_field: Annotated[
        str, typer.Option(help="Property with the population's year, if any.")
    ] = "population_year",
    lat_field: Annotated[
        str | None,
        typer.Option(help="Property with a population-weighted latitude for polygons."),
    ] = None,
    lon_field: Annotated[
        str | None,
        typer.Option(help="Property with a population-weighted longitude for polygons."),
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Where the data comes from (default: the file name).")
    ] = None,
    make_valid: Annotated[
        bool,
        typer.Option(
            help="Repair invalid polygons (e.g. self-intersecting ones, as ONS boundary files "
            "hold) with shapely and list them, instead of refusing the file."
        ),
    ] = False,
) -> None:
    """Check every feature, then replace all areas with the file's, in one transaction."""
    fields = areas.Fields(
        code_field, name_field, population_field, year_field, lat_field, lon_field
    )
    with _progress_bar() as (bar, progress):
        try:
            records = _with_connection(
                lambda conn: areas.import_file(conn, path, fields, source, progress, make_valid)
            )
        except areas.AreaImportError as exc:
            bar.stop()
            typer.echo(f"error: nothing was imported.\n{exc}", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"{path}: {len(records)} areas imported (they replace the areas held before)")
    for record in records:
        if record.repaired:
            typer.echo(f"  repaired {record.code} ({record.name}): {record.repaired}")


class ImportFormat(StrEnum):
    osm = "osm"
    council_csv = "council-csv"
    toiletmap = "toiletmap"


# Each format's reader, default source name and licence.
IMPORT_DEFAULTS = {
    ImportFormat.osm: ("openstreetmap", "ODbL 1.0, © OpenStreetMap contributors"),
    ImportFormat.toiletmap: ("toiletmap", "CC BY 4.0, The Great British Public Toilet Map"),
    ImportFormat.council_csv: (None, "Open Government Licence v3.0"),
}


@app.command("import")
def import_command(
    format: Annotated[ImportFormat, typer.Argument(help="osm, council-csv or toiletmap.")],
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            help="osm: .osm.pbf or Overpass JSON; council-csv: the LGA PublicToilets CSV; "
            "toiletmap: the Toilet Map's JSON export.",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would change and write nothing.")
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(
            help="Who publishes the data; re-imports of the same source must use the same name "
            "(default: openstreetmap, toiletmap; council-csv needs one, e.g. coventry-council)."
        ),
    ] = None,
    licence: Annotated[
        str | None, typer.Option(help="The data's licence (default: the format's usual one).")
    ] = None,
    keep_all: Annotated[
        bool,
        typer.Option(
            "--all", help="Also keep toilets not known to be accessible (accessibility unknown)."
        ),
    ] = False,
    encoding: Annotated[
        str, typer.Option(help="council-csv: the file's text encoding, e.g. cp1252.")
    ] = "utf-8",
) -> None:
    """Match a source's records to ours and apply them in one transaction (or --dry-run)."""
    default_source, default_licence = IMPORT_DEFAULTS[format]
    source = source or default_source
    if source is None:
        typer.echo("error: council-csv needs --source NAME (who publishes the file)", err=True)
        raise typer.Exit(2)
    licence = licence or default_licence
    with _progress_bar() as (bar, progress):

        async def run(conn: asyncpg.Connection) -> engine.Report:
            candidates = _read(format, path, encoding)
            async with conn.transaction():
                report, plan = await engine.plan_import(
                    conn, candidates, source, licence, keep_all=keep_all, progress=progress
                )
                if not dry_run:
                    await engine.apply_import(
                        conn, plan, report, fmt=format.value, source=source,
                        licence=licence, path=path, actor=f"cli:{getpass.getuser()}",
                    )  # fmt: skip
            return report

        try:
            report = _with_connection(run)
        except ImportFileError as exc:
            bar.stop()
            typer.echo(f"error: nothing was imported.\n{exc}", err=True)
            raise typer.Exit(2) from None
    if dry_run:
        typer.echo(f"{path}: dry run, nothing written. Would be: {report.summary()}")
        for line in report.details():
            typer.echo(line)
    else:
        typer.echo(f"{path}: {report.summary()}")


def _read(format: ImportFormat, path: Path, encoding: str) -> Iterable[Candidate | Rejected]:
    """The reader for the format: each knows its file shape and nothing else."""
    if format is ImportFormat.osm:
        from locator.services.imports import osm

        return osm.read(path)
    if format is ImportFormat.toiletmap:
        from locator.services.imports import toiletmap

        return toiletmap.read(path)
    from locator.services.imports import council_csv

    return council_csv.read(path, encoding)


class CoverageOutput(StrEnum):
    table = "table"
    csv = "csv"
    markdown = "markdown"


@app.command("coverage")
def coverage_command(
    thresholds: Annotated[
        str, typer.Option(help="Comma-separated distances in metres (1 to 5 of them).")
    ] = "1000,2000,5000",
    category: Annotated[str | None, typer.Option(help="Comma-separated categories.")] = None,
    registered: Annotated[
        bool | None, typer.Option("--registered/--any-registration", help="Registered only.")
    ] = None,
    hoist: Annotated[HoistNeed | None, typer.Option(help="Hoist needed.")] = None,
    bench: Annotated[BenchNeed | None, typer.Option(help="Bench needed.")] = None,
    access: Annotated[str | None, typer.Option(help="Comma-separated access kinds.")] = None,
    key_free: Annotated[bool, typer.Option(help="Only facilities needing no key.")] = False,
    working: Annotated[bool, typer.Option(help="Leave out broken hoists/benches.")] = False,
    open_at: Annotated[
        dt.datetime | None,
        typer.Option(
            help="Only facilities open at this time (Europe/London); unknown hours don't count."
        ),
    ] = None,
    include_closed: Annotated[bool, typer.Option(help="Count closed facilities too.")] = False,
    include_unknown: Annotated[
        bool, typer.Option(help="A filter also keeps facilities where it is not known.")
    ] = False,
    format: Annotated[
        CoverageOutput, typer.Option("--format", help="table, csv or markdown.")
    ] = CoverageOutput.table,
) -> None:
    """Who is far from a facility: each area's nearest, worst first, and people within reach."""

    try:
        filters = FilterParams(
            category=category, registered=registered, hoist=hoist, bench=bench, access=access,
            key_free=key_free, working=working, open_at=open_at,
            include_closed=include_closed, include_unknown=include_unknown,
        ).filters()  # fmt: skip
        wanted = coverage.parse_thresholds(thresholds)
        result = _with_connection(lambda conn: coverage.coverage(conn, filters, wanted))
    except BadParameter as exc:
        typer.echo(f"error: {exc.detail} (--{(exc.field or '').replace('_', '-')}: "
                   f"{exc.allowed})", err=True)  # fmt: skip
        raise typer.Exit(2) from None
    if format is CoverageOutput.csv:
        typer.echo(coverage.as_csv(result), nl=False)
    elif format is CoverageOutput.markdown:
        typer.echo(coverage.as_markdown(result), nl=False)
    else:
        _print_coverage(result)


# What fits a terminal; csv and markdown carry every column.
TERMINAL_COLUMNS = {"within", "population", "share", "areas", "rank", "name", "nearest_name",
                    "distance_m"}  # fmt: skip


def _print_coverage(result: coverage.Coverage) -> None:
    """Rich tables for a terminal: totals, then areas worst-served first."""
    console = Console()
    for title, rows in (
        (f"People within reach of {result.facilities} qualifying facilities",
         coverage.band_rows(result)),
        ("Areas, worst-served first", coverage.area_rows(result)),
    ):  # fmt: skip
        columns = [c for c in (rows[0] if rows else {}) if c in TERMINAL_COLUMNS]
        table = Table(*columns, title=title)
        for row in rows:
            table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
        console.print(table)
