"""Each participant row carries its conversation's shop, so a staff member's header badge sums
their unread rows from one index instead of looking up each row's conversation
(messaging/services/conversations/queries.py, unread_total_statement).

Revision ID: 0012_participant_vendor
Revises: 0011_search_chunks
Create Date: 2026-11-26

"""
import sqlalchemy as sa
from alembic import op

revision = '0012_participant_vendor'
down_revision = '0011_search_chunks'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: a batch copy of the table would drop SQLite's search triggers on it.
    op.add_column('conversation_participants', sa.Column('vendor_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE conversation_participants SET vendor_id = (SELECT conversations.vendor_id FROM conversations "
        "WHERE conversations.id = conversation_participants.conversation_id)"
    )
    op.create_index('ix_participants_unread_by_vendor', 'conversation_participants',
                    ['participant_id', 'vendor_id', 'unread_count'], unique=False,
                    sqlite_where=sa.text("participant_type = 'vendor' AND unread_count > 0"),
                    postgresql_where=sa.text("participant_type = 'vendor' AND unread_count > 0"))


def downgrade():
    op.drop_index('ix_participants_unread_by_vendor', table_name='conversation_participants',
                  sqlite_where=sa.text("participant_type = 'vendor' AND unread_count > 0"),
                  postgresql_where=sa.text("participant_type = 'vendor' AND unread_count > 0"))
    op.drop_column('conversation_participants', 'vendor_id')
