"""Deadlines of reporting rounds: a request for more time may be about a round's monitoring
report instead of a cycle's plan (exactly one of the two), and rounds gain reminder days and
a version (they can be edited after creation).

Revision ID: 0018
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('monitoring_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_days', sa.Integer(), server_default='14',
                                      nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1',
                                      nullable=False))
    with op.batch_alter_table('plan_deadline_extensions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.alter_column('cycle_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_plan_deadline_extensions_round_id'), ['round_id'],
                              unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_plan_deadline_extensions_round_id_monitoring_rounds'),
            'monitoring_rounds', ['round_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_plan_deadline_extensions_round_id'),
                                          ['round_id', 'municipality_id'])
        batch_op.create_check_constraint(
            'cycle_or_round', '(cycle_id IS NULL) <> (round_id IS NULL)')


def downgrade():
    # Requests about a round have no place in the older schema.
    op.execute('DELETE FROM plan_deadline_extensions WHERE round_id IS NOT NULL')
    with op.batch_alter_table('plan_deadline_extensions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_plan_deadline_extensions_cycle_or_round'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('uq_plan_deadline_extensions_round_id'),
                                 type_='unique')
        batch_op.drop_constraint(
            batch_op.f('fk_plan_deadline_extensions_round_id_monitoring_rounds'),
            type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_deadline_extensions_round_id'))
        batch_op.alter_column('cycle_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('round_id')
    with op.batch_alter_table('monitoring_rounds', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('reminder_days')
