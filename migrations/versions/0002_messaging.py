"""Messaging tables: conversations, participants, messages, attachments; seeds the attachment size setting.

Revision ID: 0002_messaging
Revises: 0001_platform
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

revision = '0002_messaging'
down_revision = '0001_platform'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_type', sa.Enum('admin_vendor', 'vendor_customer', 'admin_customer', name='conversation_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='conversation_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=True),
    sa.Column('created_by_type', sa.Enum('admin', 'vendor', 'customer', name='created_by_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.Column('last_message_preview', sa.String(length=200), nullable=False),
    sa.Column('message_count', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendors.id'], name=op.f('fk_conversations_vendor_id_vendors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_activity', ['last_message_at', 'id'], unique=False)
        batch_op.create_index('ix_conversations_type_status', ['conversation_type', 'status'], unique=False)
        batch_op.create_index('ix_conversations_vendor_activity', ['vendor_id', 'last_message_at', 'id'], unique=False)

    op.create_table('conversation_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('participant_type', sa.Enum('admin', 'vendor', 'customer', name='participant_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('unread_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_read_at', sa.DateTime(), nullable=True),
    sa.Column('email_notifications', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_participants_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_participants')),
    sa.UniqueConstraint('conversation_id', 'participant_type', 'participant_id', name=op.f('uq_conversation_participants_conversation_id_participant_type_participant_id'))
    )
    with op.batch_alter_table('conversation_participants', schema=None) as batch_op:
        batch_op.create_index('ix_participants_principal', ['participant_type', 'participant_id', 'conversation_id'], unique=False)
        batch_op.create_index('ix_participants_unread', ['participant_type', 'participant_id', 'conversation_id', 'unread_count'], unique=False, sqlite_where=sa.text('unread_count > 0'), postgresql_where=sa.text('unread_count > 0'))

    op.create_table('messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('sender_type', sa.Enum('admin', 'vendor', 'customer', name='sender_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('is_system_message', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_conversation_id_id', ['conversation_id', 'id'], unique=False)

    op.create_table('message_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('storage_path', sa.String(length=500), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('is_image', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_attachments_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_attachments')),
    sa.UniqueConstraint('storage_path', name=op.f('uq_message_attachments_storage_path'))
    )
    with op.batch_alter_table('message_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_attachments_message_id'), ['message_id'], unique=False)

    settings = sa.table(
        "platform_settings",
        sa.column("key", sa.String),
        sa.column("value", sa.Text),
        sa.column("category", sa.String),
        sa.column("description", sa.Text),
    )
    op.bulk_insert(
        settings,
        [
            {
                "key": "message_attachment_max_size_mb",
                "value": "10",
                "category": "messaging",
                "description": "Largest file, in MB, that a message may carry.",
            }
        ],
    )


def downgrade():
    op.execute("DELETE FROM platform_settings WHERE key = 'message_attachment_max_size_mb'")
    with op.batch_alter_table('message_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_attachments_message_id'))

    op.drop_table('message_attachments')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_conversation_id_id')

    op.drop_table('messages')
    with op.batch_alter_table('conversation_participants', schema=None) as batch_op:
        batch_op.drop_index('ix_participants_unread', sqlite_where=sa.text('unread_count > 0'), postgresql_where=sa.text('unread_count > 0'))
        batch_op.drop_index('ix_participants_principal')

    op.drop_table('conversation_participants')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_vendor_activity')
        batch_op.drop_index('ix_conversations_type_status')
        batch_op.drop_index('ix_conversations_activity')

    op.drop_table('conversations')
