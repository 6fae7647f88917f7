"""Live events: the ordered, durable record that live streams replay after Last-Event-ID.

Revision ID: 0008_live_events
Revises: 0004_inbox_performance
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

revision = '0008_live_events'
down_revision = '0007_message_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('live_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('audience', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_live_events_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_events')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('live_events', schema=None) as batch_op:
        batch_op.create_index('ix_live_events_audience_id', ['audience', 'id'], unique=False)
        batch_op.create_index('ix_live_events_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('live_events', schema=None) as batch_op:
        batch_op.drop_index('ix_live_events_created_at')
        batch_op.drop_index('ix_live_events_audience_id')

    op.drop_table('live_events')
