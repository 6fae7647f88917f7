"""Marketplace cases (decisions §7): what a conversation is about, escalation to the marketplace,
the customers-can-start setting, and the history of messaging settings changed by admins.

Revision ID: 0009_marketplace_cases
Revises: 0004_inbox_performance
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

revision = '0009_marketplace_cases'
down_revision = '0006_notification_outbox'
branch_labels = None
depends_on = None

EVER_ESCALATED = 'escalated_at IS NOT NULL'

settings = sa.table(
    'platform_settings',
    sa.column('key', sa.String), sa.column('value', sa.Text), sa.column('category', sa.String),
    sa.column('description', sa.Text), sa.column('updated_at', sa.DateTime),
)


def upgrade():
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('context_ref', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('context_label', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_by_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('escalated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('escalation_reason', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_conversations_context', ['context_type', 'context_ref'], unique=False)
        batch_op.create_index('ix_conversations_creator', ['created_by_type', 'created_by_id', 'created_at'], unique=False)
        batch_op.create_index('ix_conversations_escalated', ['conversation_type', 'last_message_at', 'id'], unique=False,
                              sqlite_where=sa.text(EVER_ESCALATED), postgresql_where=sa.text(EVER_ESCALATED))

    op.create_table('platform_setting_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('setting_key', sa.String(length=100), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_platform_setting_changes_changed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_setting_changes'))
    )
    with op.batch_alter_table('platform_setting_changes', schema=None) as batch_op:
        batch_op.create_index('ix_platform_setting_changes_changed_at', ['changed_at', 'id'], unique=False)

    op.bulk_insert(settings, [{
        'key': 'messaging_customers_can_start', 'value': 'false', 'category': 'messaging',
        'description': 'Customers may start conversations with their shop.', 'updated_at': None,
    }])


def downgrade():
    op.execute(settings.delete().where(settings.c.key == 'messaging_customers_can_start'))
    with op.batch_alter_table('platform_setting_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_platform_setting_changes_changed_at')
    op.drop_table('platform_setting_changes')

    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_escalated', sqlite_where=sa.text(EVER_ESCALATED),
                            postgresql_where=sa.text(EVER_ESCALATED))
        batch_op.drop_index('ix_conversations_creator')
        batch_op.drop_index('ix_conversations_context')
        batch_op.drop_column('resolved_by_id')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('escalation_reason')
        batch_op.drop_column('escalated_by_id')
        batch_op.drop_column('escalated_by_type')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('context_label')
        batch_op.drop_column('context_ref')
        batch_op.drop_column('context_type')
