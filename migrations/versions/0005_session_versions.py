"""Session versions: signing out, a password change or deactivation ends every session and token.

Each account carries a counter; sessions and API tokens remember the value they were
issued under and stop working once it moves on.

Revision ID: 0005_session_versions
Revises: 0004_inbox_performance
Create Date: 2026-11-25

"""
import sqlalchemy as sa
from alembic import op

revision = '0005_session_versions'
down_revision = '0004_inbox_performance'
branch_labels = None
depends_on = None

TABLES = ('users', 'customers')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('session_version')
