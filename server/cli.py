"""The commands of the command line, registered on the app by :func:`init_app`:
``hangdoi-server COMMAND`` (see :mod:`server.main`) or ``flask --app server COMMAND``.

init-db, upgrade, load-demo, prepare-demo, prepare-voice, voice-settings, create-user,
register-device, revoke-device, close-out, rebuild-reports, backup, serve, simulate.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sqlite3
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from server import config as configuration
from server import demo, migrate
from server.errors import DomainError
from server.extensions import db
from server.models import Site
from server.services import accounts, admin, queue
from server.services.actor import SYSTEM
from server.services.reports.record import rebuild as rebuild_reports
from server.services.simulation import accuracy, engine, history, scenarios
from server.services.voice import announce
from server.services.voice import settings as voice_settings


def _db():
    return db


def _site_by_code(code: str):
    site = _db().session.scalar(select(Site).where(Site.code == code))
    if site is None:
        raise click.ClickException(
            f"no site with code {code!r} (sites: {', '.join(_site_codes()) or 'none'})"
        )
    return site


def _site_codes() -> list[str]:
    return list(_db().session.scalars(select(Site.code).order_by(Site.code)))


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the schema in an empty database."""
    engine = _db().engine
    if migrate.current_revision(engine) is not None or inspect(engine).has_table("ticket"):
        raise click.ClickException(
            "the database is already initialised; run `hangdoi-server upgrade` to migrate it"
        )
    migrate.upgrade(engine)
    click.echo(f"Database created at revision {migrate.head_revision(engine)}.")


@click.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to reach.")
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Migrate the database schema (creates it when empty)."""
    engine = _db().engine
    before = migrate.current_revision(engine)
    migrate.upgrade(engine, revision)
    click.echo(f"Database at revision {migrate.current_revision(engine)} (was {before}).")


@click.command("load-demo")
@click.option(
    "--hours",
    type=click.Choice(["always", "real"]),
    default="always",
    show_default=True,
    help="'real': the demo centre keeps office hours; 'always': it is open around the clock.",
)
@with_appcontext
def load_demo_command(hours: str) -> None:
    """Load the demo provincial centre (once; a second run changes nothing)."""
    created = demo.load(
        _db().session, real_hours=hours == "real", instance_path=current_app.instance_path
    )
    click.echo("Demo centre loaded." if created else "The demo centre is already there.")


@click.command("prepare-demo")
@with_appcontext
def prepare_demo_command() -> None:
    """Migrate the database, load the demo centre if missing, print logins and addresses."""
    engine = _db().engine
    migrate.upgrade(engine)
    demo.load(_db().session, real_hours=False, instance_path=current_app.instance_path)
    _prepare_voice(force=False)
    click.echo(
        demo.describe(_db().session, current_app.instance_path, current_app.config["PUBLIC_URL"])
    )


def _prepare_voice(*, force: bool) -> None:
    voice = announce.state()
    if not voice.espeak:
        click.echo(
            "Voice: espeak-ng is missing (Debian package espeak-ng): calls ring the chime and "
            "displays show the text, unless a recorded pack has every word (README, Voice)."
        )
        return
    made = announce.prepare(_db().session, voice, force=force)
    folder = voice.instance / "voice" / "generated"
    click.echo(f"Voice: default pack in {folder} ({sum(made.values())} clips made now).")


@click.command("prepare-voice")
@click.option("--force", is_flag=True, help="Make every clip again (after an espeak-ng upgrade).")
@with_appcontext
def prepare_voice_command(force: bool) -> None:
    """Make the default voice pack with espeak-ng (both dialects, every site's wording)."""
    _prepare_voice(force=force)


@click.command("voice-settings")
@click.option("--site", "site_code", required=True)
@click.option("--template-vi", default=None, help="Wording with {number} and {counter}.")
@click.option("--template-en", default=None, help="English wording with {number} and {counter}.")
@click.option("--english/--no-english", default=None, help="A second announcement in English.")
@click.option("--dialect", type=click.Choice(["north", "south"]), default=None)
@click.option("--repeat", type=int, default=None, help="Times a display plays each call (1-5).")
@with_appcontext
def voice_settings_command(site_code: str, **changes: object) -> None:
    """Show or change a site's announcement settings (and make the clips they need)."""
    site = _site_by_code(site_code)
    given = {name: value for name, value in changes.items() if value is not None}
    if given:
        # The administration's own change (as PATCH /api/v1/admin/sites/<id> with "voice"):
        # checked the same way, an audit entry by the command line, catalog.changed to the
        # servers and their displays.
        try:
            admin.update_site(_db().session, SYSTEM, site.id, {"voice": given})
        except DomainError as error:
            raise click.ClickException(f"{error.message} / {error.message_en}") from error
        preparer = announce.state().preparer
        if preparer is not None:
            preparer.join()  # the change's clips, started in the background: wait for them
    for name, value in voice_settings.of_site(_db().session, site).public().items():
        click.echo(f"{name}: {value}")
    if given:
        _prepare_voice(force=False)  # the clips of a new wording or dialect


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--role", type=click.Choice(["officer", "manager", "admin"]), required=True)
@click.option(
    "--site",
    "site_code",
    default=None,
    help="Site code; omit for a province-wide manager or admin.",
)
@click.option("--password", default=None, help="Asked for when omitted.")
@with_appcontext
def create_user_command(
    username: str, full_name: str, role: str, site_code: str | None, password: str | None
) -> None:
    """Create an officer, manager or admin."""
    site_id = _site_by_code(site_code).id if site_code else None
    if password is None:
        password = getpass.getpass("Password: ")
    try:
        user = accounts.create_user(
            _db().session,
            username=username,
            password=password,
            full_name=full_name,
            role=role,
            site_id=site_id,
        )
    except DomainError as error:
        raise click.ClickException(f"{error.message} / {error.message_en}") from error
    click.echo(f"User {user.username} ({user.role}) created with id {user.id}.")


@click.command("register-device")
@click.option("--site", "site_code", required=True)
@click.option("--kind", type=click.Choice(["kiosk", "display"]), required=True)
@click.option("--name", required=True)
@click.option("--zone", default=None, help="Display zone (a display shows the calls of its zone).")
@with_appcontext
def register_device_command(site_code: str, kind: str, name: str, zone: str | None) -> None:
    """Register a kiosk or display and print its token (shown this once)."""
    device, token = accounts.register_device(
        _db().session, site_id=_site_by_code(site_code).id, kind=kind, name=name, zone=zone
    )
    click.echo(f"Device {device.id} ({kind}, {name}) registered. Its token:\n{token}")


@click.command("revoke-device")
@click.argument("device_id", type=int)
@with_appcontext
def revoke_device_command(device_id: int) -> None:
    """Revoke a device's token."""
    try:
        device = accounts.revoke_device(_db().session, device_id)
    except DomainError as error:
        raise click.ClickException(error.message_en) from error
    click.echo(f"Device {device.id} ({device.name}) revoked.")


NO_SETTINGS = (
    "close-out runs on the servers' database: give it the servers' settings (HANGDOI_DATABASE_URL, "
    "HANGDOI_INSTANCE or --instance, HANGDOI_SECRET_KEY ...), e.g. from the same environment file."
)


def _require_database_file() -> None:
    """Refuse, before the app is made (which would create the instance folder, its secret
    and, at the first query, an empty SQLite file), when the database is a SQLite file
    that does not exist: the command was run without the servers' settings."""
    # The instance folder create_app would use (its app is named "server" too): Flask
    # finds the default from the package.
    instance = os.environ.get("HANGDOI_INSTANCE") or Flask("server").instance_path
    url = make_url(configuration.database_url(instance))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).exists():
            raise click.ClickException(f"there is no database at {url.database}. {NO_SETTINGS}")


@click.command("close-out")
@click.option("--site", "site_code", default=None, help="One site; every site when omitted.")
@click.option(
    "--day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Close what is open of this business day and before (default: today).",
)
@click.pass_context
def close_out_command(ctx: click.Context, site_code: str | None, day: dt.datetime | None) -> None:
    """End the day: expire every open ticket, close every counter. Safe to run twice.

    Refuses (exit 1) a database without hangdoi's schema, or a SQLite file that is not
    there, rather than make one: it was run without the servers' settings."""
    _require_database_file()
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        engine = _db().engine
        if migrate.current_revision(engine) is None and not inspect(engine).has_table("ticket"):
            engine.dispose()  # closes SQLite's connection, which removes its -wal and -shm files
            raise click.ClickException(
                f"the database {engine.url.render_as_string(hide_password=True)} has no hangdoi schema. {NO_SETTINGS}"
            )
        site_id = _site_by_code(site_code).id if site_code else None
        result = queue.close_out(_db().session, site_id=site_id, day=day.date() if day else None)
    click.echo(
        f"Closed out: {result.tickets_expired} tickets expired, {result.counters_closed} counters closed, "
        f"{result.events_pruned} old events pruned."
    )


@click.command("rebuild-reports")
@click.option("--site", "site_code", default=None, help="One site; every site when omitted.")
@with_appcontext
def rebuild_reports_command(site_code: str | None) -> None:
    """Recompute the reports' rows from the tickets' event log, and their roll-up from
    those rows (after upgrading to the release that brought reports; safe to run again)."""
    site_id = _site_by_code(site_code).id if site_code else None
    written = rebuild_reports(_db().session, site_id=site_id)
    click.echo(f"Report rows rebuilt: {written} ticket steps, and their roll-up.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_appcontext
def backup_command(file: Path, force: bool) -> None:
    """Copy the SQLite database to FILE while the server runs (PostgreSQL: use pg_dump)."""
    engine = _db().engine
    if engine.dialect.name != "sqlite" or not engine.url.database:
        raise click.ClickException(
            f"backup copies a SQLite database; this one is {engine.dialect.name}: back it up with pg_dump "
            "(see README, Deployment)"
        )
    source_path = Path(engine.url.database)
    if not source_path.exists():
        raise click.ClickException(f"there is no database at {source_path}")
    file = file.resolve()
    if file == source_path.resolve():
        raise click.ClickException("FILE is the database itself")
    if file.exists() and not force:
        raise click.ClickException(f"{file} exists (--force replaces it)")
    pages = sqlite_backup(source_path, file)
    click.echo(f"Backed up {source_path} to {file} ({pages} pages).")


def sqlite_backup(source_path: Path, target: Path) -> int:
    """Copy a live SQLite database to `target` with SQLite's online backup API; return its pages.

    The copy is one consistent snapshot, taken in a single backup step: in WAL mode that
    is one read transaction, which the server's writers do not wait for (a step-wise copy
    would start again after every write of another connection, and might never end on a
    busy server). It is written beside `target`, made a single self-contained file
    (rollback journal instead of WAL), checked, synced, and only then renamed over
    `target`: an interrupted backup never leaves a half-written file under its name.
    """
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Read-only: the backup must not create the database or change it in any way.
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise click.ClickException(f"the copy fails its integrity check: {problems[:5]}")
            pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
        finally:
            copy.close()
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    os.replace(partial, target)
    # The rename is durable once the folder is synced.
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return pages


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Run the production server (gevent, one process; see README for several)."""
    # A fresh interpreter, so that gevent patches the standard library before anything
    # else is imported.
    instance = os.environ.get("HANGDOI_INSTANCE", "")
    args = [sys.executable, "-m", "server.serve", "--host", host, "--port", str(port)]
    if instance:
        args += ["--instance", instance]
    sys.stdout.flush()
    os.execv(sys.executable, args)


@click.command("simulate")
@click.option(
    "--scenario",
    type=click.Choice(sorted(scenarios.SCENARIOS)),
    default=None,
    help="A built-in scenario day (see README, 'Estimated wait').",
)
@click.option("--site", "site_code", default=None, help="Replay a recorded day of this site.")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="The day to replay.")
@click.option("--seed", default=1, show_default=True, type=int, help="Random draws of the day.")
@click.option("--updates/--no-updates", default=False, help="Also score the pushed estimates.")
@click.pass_context
def simulate_command(
    ctx: click.Context,
    scenario: str | None,
    site_code: str | None,
    day: dt.datetime | None,
    seed: int,
    updates: bool,
) -> None:
    """Simulate a day on the real queue services (a temporary database, a virtual clock)
    and print how the estimated waits compared with the real ones.

    Either --scenario NAME, or --site CODE --day YYYY-MM-DD to replay that recorded day
    of the servers' database (its visitors and its counters' hours; the waits it really
    had are printed next to the replay's)."""
    recorded: list[history.RecordedWait] = []
    if scenario is not None:
        profile = scenarios.SCENARIOS[scenario]()
    elif site_code is not None and day is not None:
        _require_database_file()
        app = ctx.ensure_object(ScriptInfo).load_app()
        with app.app_context():
            site = _site_by_code(site_code)
            profile, recorded = history.recorded_day(_db().session, site.id, day.date())
        if not recorded:
            raise click.ClickException(f"{site_code} issued no ticket on {day.date()}")
    else:
        raise click.UsageError("give --scenario NAME, or --site CODE and --day YYYY-MM-DD")
    result = engine.simulate(profile, seed=seed, record_updates=updates)
    click.echo(
        f"{profile.title_en}: {len(result.tickets)} tickets, {result.operations} queue "
        f"transactions in {result.wall_seconds:.1f} s ({result.tickets_per_second():.0f} tickets/s)"
    )
    click.echo(accuracy.describe(accuracy.score(result)))
    if recorded:
        pairs = [
            (r.wait, t.real_wait)
            for r, t in zip(recorded, result.tickets, strict=False)
            if r.wait is not None and t.real_wait is not None
        ]
        if pairs:
            diff = sum(abs(a - b) for a, b in pairs) / len(pairs)
            real = sum(a for a, _ in pairs) / len(pairs)
            replayed = sum(b for _, b in pairs) / len(pairs)
            click.echo(
                f"  replay: recorded mean wait {real:.1f} min, replayed {replayed:.1f} min, "
                f"mean absolute difference per ticket {diff:.1f} min"
            )


COMMANDS = (
    init_db_command,
    upgrade_command,
    load_demo_command,
    prepare_demo_command,
    prepare_voice_command,
    voice_settings_command,
    create_user_command,
    register_device_command,
    revoke_device_command,
    close_out_command,
    rebuild_reports_command,
    backup_command,
    serve_command,
    simulate_command,
)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
