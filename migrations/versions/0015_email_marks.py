"""A message's emails are marked on its recipients' participant rows, by the UPDATE that counts it
unread; the email worker turns the marks into outbox rows (messaging/notifications/outbox.py). A
send no longer writes outbox rows of its own. Outbox rows already queued are delivered as before.

Revision ID: 0015_email_marks
Revises: 0014_search_backlog
Create Date: 2026-11-27

"""
import sqlalchemy as sa
from alembic import op

revision = '0015_email_marks'
down_revision = '0014_search_backlog'
branch_labels = None
depends_on = None

PENDING = sa.text("email_pending_since IS NOT NULL")


def upgrade():
    # Plain ADD COLUMNs: a batch copy of the table would drop SQLite's search triggers on it.
    op.add_column('conversation_participants', sa.Column('email_pending_since', sa.DateTime(), nullable=True))
    op.add_column('conversation_participants', sa.Column('email_first_message_id', sa.BigInteger(), nullable=True))
    op.add_column('conversation_participants', sa.Column('email_last_message_id', sa.BigInteger(), nullable=True))
    op.add_column('conversation_participants', sa.Column('email_pending_count', sa.Integer(), nullable=False,
                                                         server_default='0'))
    op.create_index('ix_participants_email_pending', 'conversation_participants', ['email_pending_since'],
                    unique=False, sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade():
    # Marks not yet turned into outbox rows would be lost: queue them first, joining an email that waits.
    op.execute(
        "UPDATE notification_outbox SET "
        "last_message_id = (SELECT marked.email_last_message_id FROM conversation_participants AS marked "
        "WHERE marked.id = notification_outbox.participant_id), "
        "message_count = message_count + (SELECT marked.email_pending_count FROM conversation_participants AS marked "
        "WHERE marked.id = notification_outbox.participant_id) "
        "WHERE status = 'pending' AND participant_id IN (SELECT id FROM conversation_participants "
        "WHERE email_pending_since IS NOT NULL AND email_notifications)"
    )
    op.execute(
        "INSERT INTO notification_outbox (participant_id, conversation_id, status, first_message_id, "
        "last_message_id, message_count, created_at, due_at, attempts) "
        "SELECT id, conversation_id, 'pending', email_first_message_id, email_last_message_id, "
        "email_pending_count, email_pending_since, email_pending_since, 0 "
        "FROM conversation_participants WHERE email_pending_since IS NOT NULL AND email_notifications "
        "AND NOT EXISTS (SELECT 1 FROM notification_outbox AS waiting WHERE waiting.status = 'pending' "
        "AND waiting.participant_id = conversation_participants.id)"
    )
    op.drop_index('ix_participants_email_pending', table_name='conversation_participants',
                  sqlite_where=PENDING, postgresql_where=PENDING)
    for column in ('email_pending_count', 'email_last_message_id', 'email_first_message_id', 'email_pending_since'):
        op.drop_column('conversation_participants', column)
