"""The database-specific parts of the search index live with the model (so that
``create_all`` makes them too); this module names them for the migration and Alembic."""

from ..models.search import FTS_TABLE, include_name, install, uninstall

__all__ = ["FTS_TABLE", "include_name", "install", "uninstall"]
