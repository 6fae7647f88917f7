"""On SQLite, a send no longer indexes its message for search inside its transaction: the send
of every SEARCH_INDEX_BATCH-th message indexes the batch after it commits, and search reads the
few not yet indexed from the messages themselves (services/search.py, "the backlog";
services/search_backlog.py). PostgreSQL: nothing changes.

Revision ID: 0014_search_backlog
Revises: 0013_search_merges
Create Date: 2026-11-27

"""
from alembic import op

revision = '0014_search_backlog'
down_revision = '0013_search_merges'
branch_labels = None
depends_on = None

from messaging.services import search  # noqa: E402


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        search.use_backlog(connection)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        search.index_every_insert(connection)
