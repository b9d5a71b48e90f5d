"""Monitoring of approved plans: reporting rounds, monitoring reports and their frozen
revisions; comments and history events may belong to a report of the plan.

Revision ID: 0013
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monitoring_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['plan_cycles.id'], name=op.f('fk_monitoring_rounds_cycle_id_plan_cycles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_rounds')),
    sa.UniqueConstraint('cycle_id', 'name', name=op.f('uq_monitoring_rounds_cycle_id'))
    )
    with op.batch_alter_table('monitoring_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_rounds_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('monitoring_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_monitoring_reports_plan_id_plans')),
    sa.ForeignKeyConstraint(['revision_id'], ['plan_revisions.id'], name=op.f('fk_monitoring_reports_revision_id_plan_revisions')),
    sa.ForeignKeyConstraint(['round_id'], ['monitoring_rounds.id'], name=op.f('fk_monitoring_reports_round_id_monitoring_rounds')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_monitoring_reports_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_reports')),
    sa.UniqueConstraint('plan_id', 'round_id', name=op.f('uq_monitoring_reports_plan_id'))
    )
    with op.batch_alter_table('monitoring_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_reports_accepted_at'), ['accepted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_monitoring_reports_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_monitoring_reports_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_monitoring_reports_status'), ['status'], unique=False)

    op.create_table('monitoring_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['monitoring_reports.id'], name=op.f('fk_monitoring_revisions_report_id_monitoring_reports')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_monitoring_revisions_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_revisions')),
    sa.UniqueConstraint('report_id', 'number', name=op.f('uq_monitoring_revisions_report_id'))
    )
    with op.batch_alter_table('monitoring_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_revisions_report_id'), ['report_id'], unique=False)

    with op.batch_alter_table('plan_comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_comments_report_id'), ['report_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_comments_report_id_monitoring_reports'), 'monitoring_reports', ['report_id'], ['id'])

    with op.batch_alter_table('plan_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_events_report_id'), ['report_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_events_report_id_monitoring_reports'), 'monitoring_reports', ['report_id'], ['id'])



def downgrade():
    with op.batch_alter_table('plan_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_events_report_id_monitoring_reports'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_events_report_id'))
        batch_op.drop_column('report_id')

    with op.batch_alter_table('plan_comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_comments_report_id_monitoring_reports'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_comments_report_id'))
        batch_op.drop_column('report_id')

    with op.batch_alter_table('monitoring_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_revisions_report_id'))

    op.drop_table('monitoring_revisions')
    with op.batch_alter_table('monitoring_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_reports_status'))
        batch_op.drop_index(batch_op.f('ix_monitoring_reports_round_id'))
        batch_op.drop_index(batch_op.f('ix_monitoring_reports_plan_id'))
        batch_op.drop_index(batch_op.f('ix_monitoring_reports_accepted_at'))

    op.drop_table('monitoring_reports')
    with op.batch_alter_table('monitoring_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_rounds_cycle_id'))

    op.drop_table('monitoring_rounds')
