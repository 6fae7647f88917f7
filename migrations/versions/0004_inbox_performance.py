"""Inbox performance at marketplace scale (measured with bench/): an index covering the
vendor inbox total, and PostgreSQL statistics on the polymorphic participant key.

Revision ID: 0004_inbox_performance
Revises: 0003_idempotency_keys
Create Date: 2026-11-25

"""
from alembic import op

revision = '0004_inbox_performance'
down_revision = '0003_idempotency_keys'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_vendor_type_status', ['vendor_id', 'conversation_type', 'status'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # participant_id values repeat across participant types (user 1 and customer 1);
        # without this the planner multiplies the two selectivities and misjudges a customer's rows.
        op.execute(
            'CREATE STATISTICS st_participants_principal (dependencies, mcv) '
            'ON participant_type, participant_id FROM conversation_participants'
        )
        # A long most-common-values list, so that a busy participant's rows are counted
        # exactly and a quiet one's are known to be few.
        op.execute('ALTER STATISTICS st_participants_principal SET STATISTICS 1000')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP STATISTICS IF EXISTS st_participants_principal')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_vendor_type_status')
