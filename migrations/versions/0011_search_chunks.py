"""On SQLite, search indexes each conversation in chunks of messages instead of one document, so a
new message re-indexes one small chunk rather than its whole conversation
(messaging/services/search.py). PostgreSQL keeps its index: nothing changes there.

Revision ID: 0011_search_chunks
Revises: 0010_search_case_context
Create Date: 2026-11-26

"""
from alembic import op

revision = '0011_search_chunks'
down_revision = '0010_search_case_context'
branch_labels = None
depends_on = None

from messaging.services import search, search_index_v1  # noqa: E402


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        search_index_v1.remove_search_index(connection)
        search.install_search_index(connection, backfill=True)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        search.remove_search_index(connection)
        search_index_v1.install_search_index(connection, backfill=True)
