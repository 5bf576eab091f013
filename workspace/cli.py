"""Command-line tools: ``flask --app wsgi db …`` and ``flask --app wsgi demo …``."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import migrations
from .attachments import attachments_cli
from .backup import backup_command, restore_command
from .benchmarks.content import content_cli

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
demo_cli = AppGroup("demo", help="Demonstration data.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str):
    """Migrate the database up to REVISION (default: the newest)."""
    migrations.upgrade(current_app, revision)


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str):
    """Migrate the database down to REVISION ("base" empties it)."""
    migrations.downgrade(current_app, revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str):
    """Write a new migration from the difference between models and database."""
    from alembic import command

    command.revision(migrations.alembic_config(current_app), message=message, autogenerate=True)


@demo_cli.command("load")
def demo_load():
    """Load the IncluCities demo network (safe to run again)."""
    from .demo import load

    summary = load()
    click.echo(summary)
    _reindex_search()


@demo_cli.command("synth")
@click.option("--pairs", default=200, show_default=True, help="Pairs (8 to a cluster).")
@click.option("--users", default=5000, show_default=True, help="Accounts, all roles.")
@click.option("--posts", default=300_000, show_default=True, help="Posts in threads.")
@click.option("--tasks", default=50_000, show_default=True, help="Tasks in task lists.")
@click.option(
    "--revisions", default=20_000, show_default=True, help="Action-plan section revisions."
)
@click.option("--seed", default=1, show_default=True, help="Same seed, same data.")
def demo_synth(pairs: int, users: int, posts: int, tasks: int, revisions: int, seed: int):
    """Make a synthetic programme at scale, for benchmarks (deterministic for a seed).

    Only into a database without pairs. Accounts are synth-1@example.org (the coordinator,
    an admin), synth-2… (consultants), then members; every one has the password
    "synthetic-programme-2026".
    """
    from .demo.synth import Sizes, SynthError, synthesize

    sizes = Sizes(
        pairs=pairs, users=users, posts=posts, tasks=tasks, revisions=revisions, seed=seed
    )
    try:
        synthesize(sizes, echo=click.echo)
    except SynthError as error:
        raise click.ClickException(str(error)) from error
    _reindex_search()


def _reindex_search():
    """Bulk loads fire no ORM events: rebuild the search index at their end."""
    from .search.routes import reindex

    counts = reindex()
    click.echo("Search index: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


notify_cli = AppGroup("notify", help="Notification e-mails.")


@notify_cli.command("digest")
def notify_digest():
    """Mail the daily digests (run once a day from cron)."""
    from .notifications.services import send_daily_digests

    # Links in the mails point at PUBLIC_URL: there is no request to take the host from.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        sent = send_daily_digests()
    click.echo(f"{sent} digests sent")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(content_cli)  # benchmarks and glossary: flask --app wsgi content load
    app.cli.add_command(attachments_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from .search.routes import search_cli

    app.cli.add_command(search_cli)  # flask --app wsgi search reindex
