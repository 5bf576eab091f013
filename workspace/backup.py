"""Backup and restore: ``flask --app wsgi backup`` and ``flask --app wsgi restore PATH``.

A backup is one ``.tar.gz`` archive holding

- ``manifest.json``: format version, dialect, Alembic revision, creation time, a few row
  counts, the SHA-256 of the database copy and the number of uploaded files;
- the database copy: ``database.sqlite3`` (SQLite's online backup API, read from one
  snapshot so writers are never blocked for long, checked with ``PRAGMA integrity_check``)
  or ``database.pgdump`` (``pg_dump --format=custom``, from an exported snapshot that the
  counts in the manifest were read from too);
- ``uploads/``: the attached files (``instance/uploads``).

The archive is written to a temporary file in the target folder and renamed into place, so a
half-written backup never carries the final name. Restoring checks the whole archive before
touching anything, refuses a database that already holds data unless told ``--yes``, refuses
an archive made by newer code than this one, replaces the database and the uploads, and then
migrates up to the newest revision.
"""

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, Engine

from . import migrations, page_cache
from .attachments import _STORED_NAME
from .models import Base, DataVersion

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads"
COUNTED_TABLES = ("user_account", "pair", "thread", "post", "task", "attachment")
SQLITE_PAGES_PER_STEP = 1024  # pages copied per step of the online backup
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


def _now() -> datetime:
    return datetime.now(UTC)


def default_path(app: Flask) -> Path:
    stamp = _now().strftime("%Y%m%dT%H%M%SZ")
    return Path(app.instance_path) / "backups" / f"workspace-{stamp}.tar.gz"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _upload_folder(app: Flask) -> Path:
    return Path(app.instance_path) / UPLOADS


def _uploaded_files(app: Flask) -> list[Path]:
    """The stored files (random hex names); temporary files of uploads in flight are not."""
    folder = _upload_folder(app)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _STORED_NAME.fullmatch(p.name) and p.is_file())


def _code_head(app: Flask) -> str | None:
    return ScriptDirectory.from_config(migrations.alembic_config(app)).get_current_head()


# SQLite -----------------------------------------------------------------------------------


def _sqlite_integrity(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"The database copy is not a valid SQLite database: {error}") from error
    finally:
        conn.close()
    if rows != [("ok",)]:
        problems = "; ".join(str(r[0]) for r in rows[:5])
        raise BackupError(f"The database copy fails its integrity check: {problems}")


def _sqlite_facts(conn: sqlite3.Connection) -> tuple[str | None, dict[str, int]]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    revision = None
    if "alembic_version" in tables:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    counts = {
        t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608 (our names)
        for t in COUNTED_TABLES
        if t in tables
    }
    return revision, counts


def _sqlite_snapshot(engine: Engine, target: Path) -> tuple[str | None, dict[str, int]]:
    """Copy the live database to ``target`` with the online backup API.

    The source connection holds one read transaction for the whole copy: under WAL, writers
    go on committing meanwhile, and the copy is the database as it was when the copy began
    (without it, every commit by another connection would restart the copy)."""
    raw = engine.raw_connection()
    try:
        source: sqlite3.Connection = raw.driver_connection
        copy = sqlite3.connect(target)
        try:
            source.execute("BEGIN")
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()  # take the snapshot
            try:
                source.backup(copy, pages=SQLITE_PAGES_PER_STEP, sleep=0.001)
            finally:
                source.execute("COMMIT")
            # One self-contained file: no -wal beside it.
            copy.execute("PRAGMA journal_mode=DELETE").fetchone()
            facts = _sqlite_facts(copy)
        finally:
            copy.close()
    finally:
        raw.close()
    _sqlite_integrity(target)
    return facts


def _sqlite_restore(engine: Engine, copy: Path) -> None:
    """Replace the live database's content with ``copy``, in one write transaction."""
    engine.dispose()
    raw = engine.raw_connection()
    try:
        target: sqlite3.Connection = raw.driver_connection
        source = sqlite3.connect(copy)
        try:
            source.backup(target)  # all pages in one step: all or nothing
        finally:
            source.close()
        target.execute("PRAGMA journal_mode=WAL").fetchone()
    finally:
        raw.close()
    engine.dispose()


# PostgreSQL -------------------------------------------------------------------------------


@dataclass
class PgTarget:
    env: dict[str, str]
    dbname: str
    schema: str | None


_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([A-Za-z0-9_\"]+)")


def _pg_target(url: URL) -> PgTarget:
    """libpq settings from the SQLAlchemy URL; the password goes in PGPASSWORD only."""
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[key] = str(value)
    schema = None
    if options := url.query.get("options"):
        options = options if isinstance(options, str) else " ".join(options)
        env["PGOPTIONS"] = options
        if match := _SEARCH_PATH.search(options):
            schema = match.group(1).strip('"')
    if sslmode := url.query.get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    if not url.database:
        raise BackupError("The database URL names no database.")
    return PgTarget(env=env, dbname=url.database, schema=schema)


def _pg_tool(name: str) -> tuple[str, int]:
    """The path and major version of pg_dump or pg_restore."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools "
            f"(Debian: apt-get install postgresql-client) of the server's major version."
        )
    out = subprocess.run(  # noqa: S603 (a tool found on PATH, fixed arguments)
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"\)\s*(\d+)", out) or re.search(r"(\d+)\.\d+", out)
    if not match:
        raise BackupError(f"Cannot tell the version of {name} from {out!r}.")
    return path, int(match.group(1))


def _pg_server_major(conn) -> int:
    return int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000


def _pg_facts(conn) -> tuple[str | None, dict[str, int]]:
    inspector = sa.inspect(conn)
    tables = set(inspector.get_table_names())
    revision = None
    if "alembic_version" in tables:
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    counts = {
        t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar()  # noqa: S608 (our names)
        for t in COUNTED_TABLES
        if t in tables
    }
    return revision, counts


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what} failed (exit {result.returncode}): {detail}")


def _pg_snapshot(engine: Engine, target: Path) -> tuple[str | None, dict[str, int], dict]:
    pg_dump, client_major = _pg_tool("pg_dump")
    pg = _pg_target(engine.url)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            server_major = _pg_server_major(conn)
            if client_major < server_major:
                raise BackupError(
                    f"pg_dump is version {client_major} but the server runs PostgreSQL "
                    f"{server_major}: pg_dump cannot dump a newer server. Install "
                    f"postgresql-client-{server_major}."
                )
            # pg_dump reads the very snapshot the revision and counts were read from.
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            revision, counts = _pg_facts(conn)
            command = [
                pg_dump,
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ]
            if pg.schema:
                command.append(f"--schema={pg.schema}")
            command.append(pg.dbname)
            _run(command, pg.env, "pg_dump")
    versions = {"pg_dump": client_major, "server": server_major, "schema": pg.schema}
    return revision, counts, versions


def _pg_restore(engine: Engine, dump: Path, manifest: dict) -> None:
    pg_restore, client_major = _pg_tool("pg_restore")
    made_by = manifest.get("postgresql", {})
    if client_major < int(made_by.get("pg_dump", 0)):
        raise BackupError(
            f"The archive was written by pg_dump {made_by['pg_dump']}; this pg_restore is "
            f"version {client_major} and cannot read it. Install "
            f"postgresql-client-{made_by['pg_dump']}."
        )
    with engine.connect() as conn:
        server_major = _pg_server_major(conn)
    if server_major < int(made_by.get("server", 0)):
        raise BackupError(
            f"The archive comes from PostgreSQL {made_by['server']}; this server runs "
            f"PostgreSQL {server_major}. Restore into a server of the same or a newer version."
        )
    pg = _pg_target(engine.url)
    # --clean drops only what the archive holds: a table it doesn't (from a newer migration)
    # would survive and break the migrations afterwards, so refuse before touching anything.
    listing = subprocess.run(  # noqa: S603 (a tool found on PATH, our file)
        [pg_restore, "--list", str(dump)], capture_output=True, text=True
    )
    if listing.returncode != 0:
        raise BackupError(f"pg_restore cannot read the dump: {listing.stderr.strip()}")
    archived = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing.stdout, re.M))
    with engine.connect() as conn:
        extra = sorted(set(sa.inspect(conn).get_table_names()) - archived)
    if extra:
        raise BackupError(
            f"The database holds tables the archive does not ({', '.join(extra)}); "
            f"restoring would leave them behind. Empty the database first (e.g. dropdb and "
            f"createdb, or 'flask --app wsgi db downgrade base'), then restore."
        )
    engine.dispose()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",  # all or nothing
            "--exit-on-error",
            "--no-password",
            f"--dbname={pg.dbname}",
            str(dump),
        ],
        pg.env,
        "pg_restore",
    )
    engine.dispose()


# Backup -----------------------------------------------------------------------------------


def create_backup(app: Flask, output: Path | None = None) -> tuple[Path, dict]:
    """Write a backup archive; returns its path and its manifest."""
    engine: Engine = app.extensions["db_engine"]
    dialect = engine.dialect.name
    if dialect not in DATABASE_FILES:
        raise BackupError(f"Cannot back up a {dialect} database.")
    output = Path(output) if output else default_path(app)
    if output.is_dir():
        output = output / default_path(app).name
    output.parent.mkdir(parents=True, exist_ok=True)
    created_at = _now()
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        db_copy = Path(work) / DATABASE_FILES[dialect]
        extra = {}
        if dialect == "sqlite":
            try:
                revision, counts = _sqlite_snapshot(engine, db_copy)
            except sqlite3.Error as error:
                raise BackupError(f"The SQLite backup failed: {error}") from error
        else:
            revision, counts, extra["postgresql"] = _pg_snapshot(engine, db_copy)
        # Uploads after the database: every attachment in the copy has its file by now.
        uploads = _uploaded_files(app)
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(db_copy, arcname=db_copy.name)
            archived = 0
            for path in uploads:
                try:
                    tar.add(path, arcname=f"{UPLOADS}/{path.name}")
                except FileNotFoundError:  # deleted since it was listed
                    continue
                archived += 1
            manifest = {
                "format": FORMAT_VERSION,
                "dialect": dialect,
                "alembic_revision": revision,
                "created_at": created_at.isoformat(timespec="seconds"),
                "counts": counts,
                "database_file": db_copy.name,
                "database_sha256": _sha256(db_copy),
                "uploads": archived,
                **extra,
            }
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(created_at.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        os.chmod(partial, 0o600)  # it holds everyone's data
        os.replace(partial, output)
    folder = os.open(output.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)
    return output, manifest


# Restore ----------------------------------------------------------------------------------


def _read_archive(path: Path, into: Path) -> dict:
    """Unpack and check the whole archive into ``into``; returns its manifest.

    Only the expected names are accepted (no links, no paths out of ``into``)."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file.")
    manifest = None
    upload_dir = into / UPLOADS
    upload_dir.mkdir()
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = member.name
                if not member.isfile():
                    if member.isdir() and name.rstrip("/") == UPLOADS:
                        continue
                    raise BackupError(f"{path} holds an unexpected entry: {name!r}.")
                if name == MANIFEST:
                    try:
                        manifest = json.loads(tar.extractfile(member).read())
                    except ValueError as error:
                        raise BackupError(f"{path}: the manifest is not valid JSON.") from error
                    continue
                if name in DATABASE_FILES.values():
                    target = into / name
                elif name.startswith(UPLOADS + "/") and _STORED_NAME.fullmatch(
                    name.removeprefix(UPLOADS + "/")
                ):
                    target = upload_dir / name.removeprefix(UPLOADS + "/")
                else:
                    raise BackupError(f"{path} holds an unexpected entry: {name!r}.")
                with tar.extractfile(member) as src, target.open("wb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as error:
        raise BackupError(
            f"{path} is not a readable backup archive (damaged or truncated): {error}"
        ) from error
    if not isinstance(manifest, dict):
        raise BackupError(f"{path} has no manifest: it is not a workspace backup.")
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"{path} is in backup format {manifest.get('format')!r}; this code reads "
            f"format {FORMAT_VERSION}."
        )
    db_file = into / str(manifest.get("database_file"))
    if manifest.get("database_file") not in DATABASE_FILES.values() or not db_file.is_file():
        raise BackupError(f"{path} holds no database copy.")
    if _sha256(db_file) != manifest.get("database_sha256"):
        raise BackupError(f"{path}: the database copy does not match its checksum (damaged).")
    restored_uploads = len(list(upload_dir.iterdir()))
    if restored_uploads != manifest.get("uploads"):
        raise BackupError(
            f"{path} should hold {manifest.get('uploads')} uploaded files but holds "
            f"{restored_uploads}."
        )
    return manifest


def check_revision(app: Flask, revision: str | None) -> None:
    if revision is None:
        raise BackupError(
            "The archive's database has no migration revision (it was not made with "
            "'flask db upgrade'); it cannot be restored safely."
        )
    script = ScriptDirectory.from_config(migrations.alembic_config(app))
    try:
        known = script.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"The archive's database is at migration {revision}, which this code does not "
            f"know: it was made by a newer version of the workspace (this code's newest "
            f"migration is {script.get_current_head()}). Upgrade the code before restoring."
        )


def has_data(engine: Engine) -> bool:
    """Whether any of our models' tables holds a row. Only the models' tables: a freshly
    migrated database already has rows in others (SQLite FTS5 keeps its own bookkeeping)."""
    with engine.connect() as conn:
        existing = set(sa.inspect(conn).get_table_names())
        tables = [
            t.name
            for t in Base.metadata.sorted_tables
            if t.name in existing and t.name != DataVersion.__tablename__  # always one row
        ]
        return any(
            conn.exec_driver_sql(f'SELECT 1 FROM "{t}" LIMIT 1').first()  # noqa: S608 (inspected)
            is not None
            for t in tables
        )


def _replace_uploads(app: Flask, new: Path) -> None:
    folder = _upload_folder(app)
    old = folder.with_name(f".uploads-before-restore-{os.getpid()}")
    if folder.exists():
        if old.exists():
            shutil.rmtree(old)
        folder.rename(old)
    new.rename(folder)
    if old.exists():
        shutil.rmtree(old)


def restore_backup(app: Flask, path: Path, *, overwrite: bool = False) -> dict:
    """Replace the configured database and the uploads with an archive's content.

    Everything is checked before anything is touched: the archive (readable, checksums,
    integrity of a SQLite copy), its dialect, its migration revision, and whether the target
    already holds data (refused unless ``overwrite``). Migrates up to head afterwards."""
    engine: Engine = app.extensions["db_engine"]
    dialect = engine.dialect.name
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=instance, prefix=".restore-") as work:
        work = Path(work)
        manifest = _read_archive(Path(path), work)
        if manifest.get("dialect") != dialect:
            raise BackupError(
                f"The archive holds a {manifest.get('dialect')} database; the configured "
                f"database is {dialect}."
            )
        check_revision(app, manifest.get("alembic_revision"))
        db_copy = work / manifest["database_file"]
        if dialect == "sqlite":
            _sqlite_integrity(db_copy)
        if not overwrite and has_data(engine):
            raise BackupError(
                "The configured database already holds data; restoring would replace all "
                "of it. Run again with --yes to go ahead."
            )
        if dialect == "sqlite":
            try:
                _sqlite_restore(engine, db_copy)
            except sqlite3.Error as error:
                raise BackupError(f"The SQLite restore failed: {error}") from error
        else:
            _pg_restore(engine, db_copy, manifest)
        _replace_uploads(app, work / UPLOADS)
    migrations.upgrade(app)
    # The restore bypassed our connections: running workers must not take the restored
    # data version for the one their cached pages were rendered under.
    with engine.begin() as conn:
        page_cache.new_token(conn)
    engine.dispose()
    return manifest


# Commands ---------------------------------------------------------------------------------


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@click.command("backup")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=True),
    help="Archive to write (or a folder for it). "
    "Default: instance/backups/workspace-<UTC time>.tar.gz",
)
@with_appcontext
def backup_command(output: Path | None):
    """Back up the database and the uploaded files into one .tar.gz archive.

    \b
    The archive holds manifest.json (format version, dialect, migration revision,
    created_at, row counts, checksum), the database copy and uploads/:
    - SQLite: database.sqlite3, copied with the online backup API while the
      workspace keeps running, and checked with PRAGMA integrity_check;
    - PostgreSQL: database.pgdump, from pg_dump --format=custom (pg_dump of the
      server's major version or newer must be installed).
    The archive is written under a temporary name and renamed when complete.
    """
    try:
        path, manifest = create_backup(current_app, output)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    counts = ", ".join(f"{n} {t}" for t, n in manifest["counts"].items())
    click.echo(f"Backup written to {path} ({_size(path.stat().st_size)})")
    click.echo(
        f"{manifest['dialect']} at migration {manifest['alembic_revision']}; {counts}; "
        f"{manifest['uploads']} uploaded files"
    )


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(path: Path, yes: bool):
    """Restore the database and the uploaded files from a backup archive PATH.

    \b
    Stop the workspace first. The whole archive is checked before anything is
    touched. Refused when the database already holds data (unless --yes), when
    the archive comes from another kind of database, or from newer code than
    this. The database is then migrated up to the newest revision.
    PostgreSQL: pg_restore --clean --if-exists --no-owner, in one transaction.
    """
    try:
        manifest = restore_backup(current_app, path, overwrite=yes)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Restored {path} (made {manifest['created_at']}, migration "
        f"{manifest['alembic_revision']}; now at {_code_head(current_app)}), "
        f"{manifest['uploads']} uploaded files"
    )
