"""Command-line tools: ``flask --app wsgi db …`` and ``flask --app wsgi demo …``."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import migrations
from .attachments import attachments_cli
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
