"""A coordinator may withhold one accepted monitoring report from the public pages: a
withholding decision names the report it keeps off (none: the whole plan).

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_withholdings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_withholdings_report_id'), ['report_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_withholdings_report_id_monitoring_reports'), 'monitoring_reports', ['report_id'], ['id'])


def downgrade():
    # A report's decisions mean nothing without the column: they go with it (a plan's stay).
    op.execute("DELETE FROM plan_withholdings WHERE report_id IS NOT NULL")
    with op.batch_alter_table('plan_withholdings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_withholdings_report_id_monitoring_reports'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_withholdings_report_id'))
        batch_op.drop_column('report_id')
