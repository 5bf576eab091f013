"""One row that changes whenever anything in the database does (workspace/page_cache.py)."""

import secrets

from sqlalchemy import BigInteger, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class DataVersion(Base):
    """``token`` is set to a new random number by every transaction that writes, as it
    commits; a page rendered under one token is valid for as long as the token stays."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[int] = mapped_column(BigInteger)


@event.listens_for(DataVersion.__table__, "after_create")
def _first_row(table, connection, **_kw) -> None:
    # Random from the start too: two databases never share a token (a shared Redis cache).
    connection.execute(insert(table).values(id=1, token=secrets.randbits(62)))
