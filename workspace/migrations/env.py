from alembic import context

from workspace.models import Base
from workspace.models.search import include_name
from workspace.page_cache import unwatched

config = context.config
engine = config.attributes["engine"]

# Migrations change the schema, data_version's table included: no data version is set.
with engine.connect() as connection, unwatched(connection):
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying
        compare_type=True,
        include_name=include_name,  # not the search index's FTS5 tables
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
