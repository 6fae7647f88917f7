"""Full-text search of conversations: FTS5 on SQLite, tsvector GIN indexes on PostgreSQL,
kept in step by triggers and filled from the existing rows (messaging/services/search.py).

Revision ID: 0007_message_search
Revises: 0004_inbox_performance
Create Date: 2026-11-25

"""
from alembic import op

revision = '0007_message_search'
down_revision = '0009_marketplace_cases'
branch_labels = None
depends_on = None

# The index of this revision, kept as it was (0011 replaced it with messaging/services/search.py's).
from messaging.services.search_index_v1 import install_search_index, remove_search_index  # noqa: E402


def upgrade():
    install_search_index(op.get_bind(), backfill=True)


def downgrade():
    remove_search_index(op.get_bind())
