"""The search documents hold what a case is about (its order number or SKU and label), so a
search for an order number is answered by the index instead of a scan of every conversation.

Revision ID: 0010_search_case_context
Revises: 0008_live_events
Create Date: 2026-11-26

"""
from alembic import op

revision = '0010_search_case_context'
down_revision = '0008_live_events'
branch_labels = None
depends_on = None

from messaging.services.search_index_v1 import install_search_index, remove_search_index  # noqa: E402


def _rebuild_search_index():
    # Triggers and documents are rebuilt from the statements of that index (see 0007).
    connection = op.get_bind()
    remove_search_index(connection)
    install_search_index(connection, backfill=True)


def upgrade():
    _rebuild_search_index()


def downgrade():
    # The tables and indexes of 0008 are the same; the rebuilt documents keep the case words,
    # which the search of that revision matched anyway (by a LIKE on the two columns).
    _rebuild_search_index()
