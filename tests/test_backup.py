"""Backup and restore (``flask --app wsgi backup`` / ``restore``) on SQLite and PostgreSQL:
a backup taken while four threads keep writing restores into a fresh database as a working
workspace with every row committed before it began and the uploaded files; restore refuses a
database with data (without --yes), a damaged archive and one from newer code."""

import io
import json
import os
import secrets
import tarfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from conftest import DATABASES, PG_URL, build_world, make_test_app, postgres_schema
from workspace import attachments, backup, db, migrations
from workspace.models import Post, Thread, User
from workspace.threads import services

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@contextmanager
def postgres_database(schema_url: str):
    """A new, empty PostgreSQL database with the same search path as ``schema_url``, whose
    schema exists but is empty: a "fresh" target to restore a schema's dump into."""
    name = f"backup_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(schema_url).set(database=name)
    schema = url.query["options"].split("=", 1)[1]
    engine = sa.create_engine(url.set(query={}))
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated_app(url: str, instance: Path):
    app = make_test_app(url, instance)
    with app.app_context():
        migrations.upgrade(app)
        yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture(params=DATABASES)
def databases(request, tmp_path):
    """``(source_app, make_target)``: an app on a migrated database, and a factory of apps
    on fresh empty databases of the same kind (each with an instance folder of its own)."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            source_url = f"sqlite:///{tmp_path / 'source.db'}"
        else:
            source_url = stack.enter_context(postgres_schema("backup"))

        def make_target(name="target"):
            if request.param == "sqlite":
                url = f"sqlite:///{tmp_path / (name + '.db')}"
            else:
                url = stack.enter_context(postgres_database(source_url))
            app = make_test_app(url, tmp_path / f"{name}-instance")
            stack.callback(app.extensions["db_engine"].dispose)
            return app

        with migrated_app(source_url, tmp_path / "source-instance") as app:
            yield app, make_target


def world_with_upload():
    world = build_world()
    thread = services.start_thread(
        world.mentor, pair=world.pair, title="Study visit files", body="Hello", language="en"
    )
    db.session.flush()
    attachment = attachments.save(
        FileStorage(io.BytesIO(PDF), filename="minutes.pdf"),
        post=db.session.get(Post, thread.last_post_id),
        user=world.mentor,
    )
    db.session.commit()
    return world, thread, attachment


def post_ids() -> set[int]:
    return set(db.session.scalars(select(Post.id)))


def cli(app, *args):
    """Run a command against ``app`` (its own app context, not the one the test pushed)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def test_backup_under_load_restores_every_committed_row_and_the_uploads(
    databases, tmp_path, monkeypatch
):
    source, make_target = databases
    # SQLite: copy a few pages per step, so that writers commit between the steps.
    monkeypatch.setattr(backup, "SQLITE_PAGES_PER_STEP", 4)
    world, thread, attachment = world_with_upload()
    threads = [thread.id]
    for n in range(3):
        t = services.start_thread(
            world.mentor, pair=world.pair, title=f"Busy {n}", body="Start", language="en"
        )
        db.session.flush()
        threads.append(t.id)
    db.session.commit()
    mentor_id = world.mentor.id

    committed: list[tuple[float, int]] = []  # (when the commit returned, post id)
    errors: list[BaseException] = []
    stop = threading.Event()

    def write(thread_id: int):
        try:
            with source.app_context():
                n = 0
                while not stop.is_set():
                    t = db.session.get(Thread, thread_id)
                    author = db.session.get(User, mentor_id)
                    post = services.reply(t, author, f"Load {thread_id}-{n}", "en")
                    db.session.commit()
                    committed.append((time.monotonic(), post.id))
                    n += 1
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)

    writers = [threading.Thread(target=write, args=(t,)) for t in threads]
    for w in writers:
        w.start()
    time.sleep(0.7)
    archive = tmp_path / "backups" / "under-load.tar.gz"
    started = time.monotonic()
    result = cli(source, "backup", "--output", str(archive))
    time.sleep(1.3)
    stop.set()
    for w in writers:
        w.join()
    assert not errors, errors
    assert result.exit_code == 0, result.output
    assert str(archive) in result.output
    assert "KB" in result.output or "MB" in result.output
    before = {post_id for when, post_id in committed if when < started}
    after = {post_id for when, post_id in committed if when > started}
    assert len(before) >= 4 and after, "the writers were not busy around the backup"

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = tar.getnames()
    assert manifest["format"] == backup.FORMAT_VERSION
    assert manifest["dialect"] == db.session.get_bind().dialect.name
    assert manifest["alembic_revision"] == backup._code_head(source)
    assert manifest["uploads"] == 1 and f"uploads/{attachment.stored_name}" in names
    assert manifest["counts"]["post"] >= len(before) + 4

    target = make_target()
    with target.app_context():
        migrations.upgrade(target)  # a fresh, migrated, empty workspace
    result = cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    with target.app_context():
        restored = post_ids()
        assert before <= restored
        assert len(restored) == manifest["counts"]["post"]
        stored = Path(target.instance_path) / "uploads" / attachment.stored_name
        assert stored.read_bytes() == PDF
        # A working workspace: pages and downloads answer.
        client = target.test_client()
        with client.session_transaction() as s:
            s["_user_id"] = db.session.get(User, mentor_id).get_id()
            s["_fresh"] = True
        page = client.get(f"/threads/{thread.id}")
        assert page.status_code == 200, page.headers.get("Location")
        assert "Study visit files" in page.text
        download = client.get(f"/attachments/{attachment.id}/minutes.pdf")
        assert download.status_code == 200 and download.data == PDF
        with db.session.get_bind().connect() as conn:
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        assert version == backup._code_head(target)


def test_sqlite_copy_passes_the_integrity_check(tmp_path):
    with migrated_app(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "instance") as app:
        world_with_upload()
        path, manifest = backup.create_backup(app)
        assert path.parent == Path(app.instance_path) / "backups"
        assert path.name.startswith("workspace-") and path.name.endswith("Z.tar.gz")
        with tarfile.open(path) as tar:
            tar.extract("database.sqlite3", tmp_path / "out")
        backup._sqlite_integrity(tmp_path / "out" / "database.sqlite3")
        assert manifest["counts"]["user_account"] == db.session.scalar(select(func.count(User.id)))
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert not [p for p in path.parent.iterdir() if p.name.startswith(".backup-")]


def test_restore_refuses_a_database_with_data_without_yes(databases, tmp_path):
    source, _ = databases
    world, thread, attachment = world_with_upload()
    path, _ = backup.create_backup(source, tmp_path / "b.tar.gz")
    kept = post_ids()
    services.reply(thread, world.mentor, "After the backup", "en")
    db.session.commit()
    db.session.remove()

    result = cli(source, "restore", str(path))
    assert result.exit_code != 0
    assert "already holds data" in result.output and "--yes" in result.output
    assert len(post_ids()) == len(kept) + 1
    db.session.remove()

    result = cli(source, "restore", str(path), "--yes")
    assert result.exit_code == 0, result.output
    assert post_ids() == kept
    uploads = Path(source.instance_path) / "uploads"
    assert [p.name for p in uploads.iterdir()] == [attachment.stored_name]


def _damaged(path: Path, how: str) -> Path:
    data = bytearray(path.read_bytes())
    out = path.with_name(f"{how}.tar.gz")
    if how == "truncated":
        out.write_bytes(bytes(data[: len(data) // 2]))
    else:
        middle = len(data) // 2
        data[middle : middle + 16] = bytes(b ^ 0xFF for b in data[middle : middle + 16])
        out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("how", ["truncated", "flipped"])
def test_a_damaged_archive_is_refused_and_the_target_left_alone(databases, tmp_path, how):
    source, _ = databases
    world_with_upload()
    path, _ = backup.create_backup(source, tmp_path / "b.tar.gz")
    damaged = _damaged(path, how)
    db.session.execute(sa.text("DELETE FROM post_mention"))  # any change after the backup
    db.session.commit()
    before = post_ids()
    uploads = sorted(p.name for p in (Path(source.instance_path) / "uploads").iterdir())
    db.session.remove()

    result = cli(source, "restore", str(damaged), "--yes")
    assert result.exit_code != 0
    assert "damaged" in result.output
    assert "Traceback" not in result.output
    assert post_ids() == before
    assert sorted(p.name for p in (Path(source.instance_path) / "uploads").iterdir()) == uploads
    assert not [p for p in Path(source.instance_path).iterdir() if p.name.startswith(".restore")]


def _with_manifest(path: Path, out: Path, **changes) -> Path:
    with tarfile.open(path) as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), **changes}).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    return out


def test_an_archive_from_newer_code_is_refused(databases, tmp_path):
    source, make_target = databases
    world_with_upload()
    path, _ = backup.create_backup(source, tmp_path / "b.tar.gz")
    newer = _with_manifest(path, tmp_path / "newer.tar.gz", alembic_revision="ffffffffffff")
    target = make_target()
    result = cli(target, "restore", str(newer))
    assert result.exit_code != 0
    assert "newer version of the workspace" in result.output
    assert "ffffffffffff" in result.output
    with target.app_context():
        engine = target.extensions["db_engine"]
        assert "user_account" not in sa.inspect(engine).get_table_names()


def test_an_archive_of_the_other_dialect_is_refused(databases, tmp_path):
    source, _ = databases
    path, manifest = backup.create_backup(source, tmp_path / "b.tar.gz")
    other = "postgresql" if manifest["dialect"] == "sqlite" else "sqlite"
    wrong = _with_manifest(path, tmp_path / "wrong.tar.gz", dialect=other)
    result = cli(source, "restore", str(wrong), "--yes")
    assert result.exit_code != 0
    assert f"holds a {other} database" in result.output


def test_missing_postgres_tools_give_a_clear_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(backup.BackupError, match="pg_dump was not found.*postgresql-client"):
        backup._pg_tool("pg_dump")


def test_the_password_goes_in_the_environment_only():
    url = sa.make_url(
        "postgresql+psycopg://me:s3cret@db.example:6543/work?options=-csearch_path%3Dtenant"
    )
    target = backup._pg_target(url)
    assert target.env["PGPASSWORD"] == "s3cret"
    assert (target.env["PGHOST"], target.env["PGPORT"]) == ("db.example", "6543")
    assert (target.env["PGUSER"], target.dbname, target.schema) == ("me", "work", "tenant")


def test_an_older_archive_is_migrated_up_to_head(databases, tmp_path):
    source, make_target = databases
    world_with_upload()
    migrations.downgrade(source, "-1")
    path, manifest = backup.create_backup(source, tmp_path / "old.tar.gz")
    head = backup._code_head(source)
    assert manifest["alembic_revision"] not in (None, head)
    target = make_target()
    result = cli(target, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert f"now at {head}" in result.output
    with target.app_context():
        engine = target.extensions["db_engine"]
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head
        assert len(post_ids()) == manifest["counts"]["post"]


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL")
def test_pg_restore_refuses_tables_the_archive_lacks(tmp_path):
    with postgres_schema("backup") as url, migrated_app(url, tmp_path / "i") as app:
        world_with_upload()
        path, _ = backup.create_backup(app, tmp_path / "b.tar.gz")
        db.session.execute(sa.text("CREATE TABLE extra (id int)"))
        db.session.commit()
        db.session.remove()
        with pytest.raises(backup.BackupError, match=r"tables the archive does not \(extra\)"):
            backup.restore_backup(app, path, overwrite=True)


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL")
def test_pg_restore_failure_rolls_back(tmp_path):
    """pg_restore runs in one transaction: an archive it cannot apply leaves the target as it
    was (here: a view outside the archive depends on a table that --clean must drop)."""
    with postgres_schema("backup") as url, migrated_app(url, tmp_path / "i") as app:
        world_with_upload()
        path, _ = backup.create_backup(app, tmp_path / "b.tar.gz")
        db.session.execute(sa.text("CREATE VIEW extra AS SELECT 1 AS id FROM post LIMIT 1"))
        db.session.commit()
        before = db.session.scalar(select(func.count(Post.id)))
        db.session.remove()
        with pytest.raises(backup.BackupError, match="pg_restore failed"):
            backup.restore_backup(app, path, overwrite=True)
        assert db.session.scalar(select(func.count(Post.id))) == before
        assert db.session.execute(sa.text("SELECT id FROM extra")).scalar() == 1
