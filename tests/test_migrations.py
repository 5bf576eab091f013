"""Schema changes only through Alembic: up from empty, down to base, and no drift."""

from contextlib import ExitStack

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from conftest import DATABASES, make_test_app, postgres_schema
from workspace import migrations
from workspace.models import Base
from workspace.models.search import include_name


@pytest.fixture(params=DATABASES)
def empty_app(request, tmp_path):
    """An app on an empty database: a new SQLite file, or a new PostgreSQL schema."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'empty.db'}"
        else:
            url = stack.enter_context(postgres_schema("migrations"))
        app = make_test_app(url, tmp_path / "instance")
        with app.app_context():
            yield app
        app.extensions["db_engine"].dispose()


def _tables(app) -> set[str]:
    return set(sa.inspect(app.extensions["db_engine"]).get_table_names())


def test_upgrade_from_empty_matches_the_models(empty_app):
    migrations.upgrade(empty_app)
    assert {t.name for t in Base.metadata.sorted_tables} <= _tables(empty_app)
    with empty_app.extensions["db_engine"].connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], "models and migrations have drifted apart: write a migration"


def test_downgrade_to_base_and_up_again(empty_app):
    migrations.upgrade(empty_app)
    migrations.downgrade(empty_app, "base")
    assert _tables(empty_app) <= {"alembic_version"}
    migrations.upgrade(empty_app)
    assert "membership" in _tables(empty_app)
