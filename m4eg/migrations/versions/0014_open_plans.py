"""Open plans and deadline extensions: coordinators' decisions to withhold an approved plan
from the public pages (with the reason), requests for more time on a cycle's deadline with
their decisions, and a version on cycles (their deadline can be edited after creation).

Revision ID: 0014
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_deadline_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('previous_deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('new_deadline', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['plan_cycles.id'], name=op.f('fk_plan_deadline_extensions_cycle_id_plan_cycles')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_plan_deadline_extensions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_plan_deadline_extensions_municipality_id_municipalities')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_plan_deadline_extensions_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_deadline_extensions')),
    sa.UniqueConstraint('cycle_id', 'municipality_id', name=op.f('uq_plan_deadline_extensions_cycle_id'))
    )
    with op.batch_alter_table('plan_deadline_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_deadline_extensions_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_deadline_extensions_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_deadline_extensions_status'), ['status'], unique=False)

    op.create_table('plan_withholdings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('withheld_by_id', sa.Integer(), nullable=True),
    sa.Column('withheld_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_withholdings_plan_id_plans')),
    sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], name=op.f('fk_plan_withholdings_released_by_id_users')),
    sa.ForeignKeyConstraint(['withheld_by_id'], ['users.id'], name=op.f('fk_plan_withholdings_withheld_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_withholdings'))
    )
    with op.batch_alter_table('plan_withholdings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_withholdings_plan_id'), ['plan_id'], unique=False)

    with op.batch_alter_table('plan_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))



def downgrade():
    with op.batch_alter_table('plan_cycles', schema=None) as batch_op:
        batch_op.drop_column('version')

    with op.batch_alter_table('plan_withholdings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_withholdings_plan_id'))

    op.drop_table('plan_withholdings')
    with op.batch_alter_table('plan_deadline_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_deadline_extensions_status'))
        batch_op.drop_index(batch_op.f('ix_plan_deadline_extensions_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_plan_deadline_extensions_cycle_id'))

    op.drop_table('plan_deadline_extensions')
