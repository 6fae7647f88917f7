"""Email notifications: the outbox, each account's default for new conversations, and the
Message-IDs of replies received by email.

Revision ID: 0006_notification_outbox
Revises: 0004_inbox_performance
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

revision = '0006_notification_outbox'
down_revision = '0005_session_versions'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('notification_outbox',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('first_message_id', sa.BigInteger(), nullable=False),
    sa.Column('last_message_id', sa.BigInteger(), nullable=False),
    sa.Column('message_count', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_notification_outbox_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['conversation_participants.id'], name=op.f('fk_notification_outbox_participant_id_conversation_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_outbox'))
    )
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_notification_outbox_conversation_id', ['conversation_id'], unique=False)
        batch_op.create_index('ix_notification_outbox_status_due_at', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_notification_outbox_participant_claimed_at', ['participant_id', 'claimed_at'], unique=False)
        batch_op.create_index('uq_notification_outbox_pending_participant', ['participant_id'], unique=True,
                              sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('notification_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_type', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('email_new_conversations', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('participant_type', 'account_id', name=op.f('uq_notification_preferences_participant_type_account_id'))
    )

    op.create_table('inbound_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_emails')),
    sa.UniqueConstraint('message_key', name=op.f('uq_inbound_emails_message_key'))
    )


def downgrade():
    op.drop_table('inbound_emails')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index('uq_notification_outbox_pending_participant')
        batch_op.drop_index('ix_notification_outbox_participant_claimed_at')
        batch_op.drop_index('ix_notification_outbox_status_due_at')
        batch_op.drop_index('ix_notification_outbox_conversation_id')
    op.drop_table('notification_outbox')
