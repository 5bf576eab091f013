"""keyset indexes: a pair's activity by time, a list's tasks by position

Revision ID: 5d2a9c7e41f3
Revises: fb50353c6c6b
Create Date: 2026-12-04 04:20:00.000000
"""

from alembic import op


revision = '5d2a9c7e41f3'
down_revision = 'fb50353c6c6b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index('ix_activity_pair_created', ['pair_id', 'created_at', 'id'], unique=False)
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_list_position', ['list_id', 'position', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_list_position')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_pair_created')
