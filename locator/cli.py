"""The `locator` command line: serve, migrate, load, export, synthesise, the dev database, and
stewardship (accounts, API tokens, purging reports, door signs)."""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import asyncpg
import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from locator.domain.errors import BadParameter, Conflict, NotAllowed, NotFound
from locator.domain.filters import CONFIRMED_POSITION_M, FilterParams
from locator.domain.reports import EMAIL_RE
from locator.domain.vocabulary import BenchNeed, HoistNeed, Role, Scope
from locator.services import areas, coverage, exporting, loading, postcodes
from locator.services.auth import check_scopes, hash_password, new_token
from locator.services.imports import engine
from locator.services.imports.candidates import Candidate, ImportFileError, Rejected
from locator.services.signs import door_sign, door_sign_urls
from locator.settings import get_settings
from locator.store import accounts, connection, devdb, exports, facilities, reports, synth
from locator.web.app import server_options

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
        **server_options(settings),
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
    overwrite_edits: Annotated[
        bool,
        typer.Option(
            "--overwrite-edits",
            help="Also replace facilities editors have changed (by default they are kept).",
        ),
    ] = False,
) -> None:
    """Validate the whole file, then add or update its facilities by id in one transaction.

    Facilities an editor has changed since are kept as the editor left them, unless
    --overwrite-edits; visitors' unconfirmed reports are always kept.
    """
    try:
        report = _with_connection(lambda conn: loading.load_file(conn, path, overwrite_edits))
    except loading.LoadError as exc:
        typer.echo(f"error: nothing was loaded.\n{exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{path}: {report.summary()}")
    kept = ("kept as editors left them", report.kept_edits)
    for label, ids in (("added", report.added), ("changed", report.changed), kept):
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
    """Stop the private cluster (and its replica); their data stays in .pgdata/."""
    devdb.stop()


@devdb_app.command("replica")
def devdb_replica(
    rebuild: Annotated[
        bool, typer.Option(help="Copy the cluster afresh (a replica stopped for long).")
    ] = False,
    stop: Annotated[bool, typer.Option(help="Stop the replica instead.")] = False,
) -> None:
    """Start a streaming read replica of the private cluster; print its URL.

    Made the first time with pg_basebackup into .pgdata/replica; serve with
    LOCATOR_READ_DATABASE_URL set to the printed URL to send reads to it.
    """
    if stop:
        devdb.stop_replica()
        return
    try:
        typer.echo(devdb.start_replica(rebuild=rebuild))
    except devdb.DevDbError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


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
    confirmed_position: Annotated[
        bool,
        typer.Option(
            help=f"Only facilities whose position is known to {CONFIRMED_POSITION_M:g} m "
            "(not guessed from an address or postcode)."
        ),
    ] = False,
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
            key_free=key_free, working=working, confirmed_position=confirmed_position,
            open_at=open_at, include_closed=include_closed, include_unknown=include_unknown,
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


# Stewardship: accounts, API tokens, report purging and door signs ---------------------------

users_app = typer.Typer(help="Editors' accounts (they sign in at /admin).", no_args_is_help=True)
app.add_typer(users_app, name="users")
tokens_app = typer.Typer(
    help="API tokens for apps that write (Bearer cpl_...).", no_args_is_help=True
)
app.add_typer(tokens_app, name="tokens")
reports_app = typer.Typer(help="Visitors' problem reports.", no_args_is_help=True)
app.add_typer(reports_app, name="reports")


def _refuse(message: str) -> NoReturn:
    """Say why on stderr and stop with status 2, as the other commands do."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _stamp(value: dt.datetime | None) -> str:
    """A time for a listing: UTC to the minute, or '-'."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="Their email address: how they sign in.")],
    role: Annotated[
        Role, typer.Option(help="editor: edit and moderate; admin: also delete facilities.")
    ] = Role.editor,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input (for scripts) "
            "instead of asking for it twice.",
        ),
    ] = False,
) -> None:
    """Add an account. The password is asked for twice, never echoed, and kept as a hash."""
    email = email.strip()
    if not EMAIL_RE.match(email):
        _refuse(f"{email!r} is not an email address")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        _refuse(str(exc))
    try:
        user_id = _with_connection(lambda conn: accounts.add_user(conn, email, hashed, role.value))
    except Conflict as exc:
        _refuse(exc.detail)
    typer.echo(f"added {role.value} #{user_id}: {email}")


@users_app.command("list")
def users_list() -> None:
    """Every account, oldest first (tab-separated)."""
    rows = _with_connection(accounts.users)
    typer.echo("id\temail\trole\tcreated (UTC)\tdisabled")
    for row in rows:
        disabled = _stamp(row["disabled_at"])
        typer.echo(
            f"{row['id']}\t{row['email']}\t{row['role']}\t{_stamp(row['created_at'])}\t{disabled}"
        )


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Option("--user", help="The email of the account it acts for.")],
    name: Annotated[str, typer.Option("--name", help="What it is for, e.g. 'council sync'.")],
    scopes: Annotated[
        str,
        typer.Option(
            "--scopes",
            help=f"Comma-separated, within the account's role: {', '.join(Scope.values())}.",
        ),
    ],
) -> None:
    """Make a token and print it once on standard output: only its hash is kept."""
    wanted = list(dict.fromkeys(s.strip() for s in scopes.split(",") if s.strip()))
    unknown = [s for s in wanted if s not in Scope.values()]
    if not wanted or unknown:
        said = f"unknown scope {', '.join(unknown)}; " if unknown else "no scopes given; "
        _refuse(f"{said}allowed: {', '.join(Scope.values())}")
    if not name.strip():
        _refuse("--name must say what the token is for")

    async def create(conn: asyncpg.Connection) -> tuple[int, str]:
        found = await accounts.user_by_email(conn, user)
        if found is None or found["disabled_at"] is not None:
            raise NotFound(f"No active account for {user}", field="user")
        check_scopes(found["role"], wanted)
        token, hashed = new_token()
        return await accounts.add_token(conn, found["id"], name.strip(), hashed, wanted), token

    try:
        token_id, token = _with_connection(create)
    except (NotFound, NotAllowed) as exc:
        _refuse(exc.detail)
    typer.echo(token)
    typer.echo(
        f"token #{token_id} '{name.strip()}' for {user} ({', '.join(wanted)}). It is shown only "
        "this once: keep it somewhere safe. `locator tokens revoke` stops it.",
        err=True,
    )


@tokens_app.command("list")
def tokens_list() -> None:
    """Every token with its account and scopes (never the token itself), tab-separated."""
    rows = _with_connection(accounts.tokens)
    typer.echo("id\tname\tuser\tscopes\tcreated (UTC)\tlast used\trevoked")
    for row in rows:
        times = "\t".join(_stamp(row[k]) for k in ("created_at", "last_used_at", "revoked_at"))
        typer.echo(
            f"{row['id']}\t{row['name']}\t{row['email']}\t{','.join(row['scopes'])}\t{times}"
        )


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's number (see `tokens list`).")],
) -> None:
    """Stop a token at once; its row stays for the record."""
    try:
        _with_connection(lambda conn: accounts.revoke_token(conn, token_id))
    except NotFound as exc:
        _refuse(exc.detail)
    typer.echo(f"revoked token #{token_id}")


@reports_app.command("purge")
def reports_purge(
    days: Annotated[
        int, typer.Option(min=0, help="Purge reports closed more than this many days ago.")
    ] = reports.PERSONAL_DATA_DAYS,
) -> None:
    """Delete reporters' emails and free text from reports closed more than DAYS ago.

    Meant for a daily cron job, e.g. `15 3 * * * locator reports purge`. Open reports are kept
    whole; closed ones keep their facts (what, when, the decision).
    """
    purged = _with_connection(lambda conn: reports.purge(conn, days))
    typer.echo(f"purged {purged} report{'' if purged == 1 else 's'} closed over {days} days ago")


class SignOutput(StrEnum):
    pdf = "pdf"
    png = "png"


@app.command("signs")
def signs_command(
    out: Annotated[
        Path,
        typer.Option(
            "--out", file_okay=False, help="Folder for the sign-ID.pdf|png files (made if missing)."
        ),
    ],
    ids: Annotated[list[str] | None, typer.Argument(help="Facility ids.")] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every real facility (not synthetic ones).")
    ] = False,
    format: Annotated[
        SignOutput, typer.Option("--format", help="pdf (an A5 page) or png (300 dpi).")
    ] = SignOutput.pdf,
) -> None:
    """Door signs: an A5 sheet per facility whose QR code opens its problem report form."""
    if bool(ids) == every:
        _refuse("give facility ids or --all (not both)")

    async def pick(conn: asyncpg.Connection) -> list[tuple[str, str]]:
        if every:
            return [(record.id, record.name) async for record in exports.records(conn)]
        wanted = list(dict.fromkeys(ids or []))
        names = {row["id"]: row["name"] for row in await facilities.by_ids(conn, wanted)}
        missing = [fid for fid in wanted if fid not in names]
        if missing:
            raise NotFound(f"no facility with id {', '.join(missing)}", field="ids")
        return [(fid, names[fid]) for fid in wanted]

    try:
        chosen = _with_connection(pick)
    except NotFound as exc:
        _refuse(f"{exc.detail}; nothing was written")
    out.mkdir(parents=True, exist_ok=True)
    public_url = get_settings().public_url
    for facility_id, name in chosen:
        report_url, short_url = door_sign_urls(public_url, facility_id)
        path = out / f"sign-{facility_id}.{format.value}"
        path.write_bytes(door_sign(name, report_url, short_url, format.value))
        typer.echo(str(path))
    typer.echo(f"{len(chosen)} door signs for {public_url}", err=True)
