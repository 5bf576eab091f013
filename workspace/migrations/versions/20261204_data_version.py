"""data version: one row whose token changes with every committed write (the page cache)

Revision ID: 8c3e1f0b6a27
Revises: 5d2a9c7e41f3
Create Date: 2026-12-04 18:40:00.000000
"""

import secrets

import sqlalchemy as sa
from alembic import op


revision = '8c3e1f0b6a27'
down_revision = '5d2a9c7e41f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('token', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    # Random from the start: two databases never share a token (a shared Redis cache).
    op.bulk_insert(table, [{'id': 1, 'token': secrets.randbits(62)}])


def downgrade() -> None:
    op.drop_table('data_version')
