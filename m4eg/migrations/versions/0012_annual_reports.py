"""The annual report of a period: coordinators' introduction and section notes (versioned),
and the snapshot of a final report.

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'annual_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_from', sa.String(length=7), nullable=False),
        sa.Column('period_to', sa.String(length=7), nullable=False),
        sa.Column('intro_az', sa.Text(), nullable=False),
        sa.Column('intro_en', sa.Text(), nullable=False),
        sa.Column('notes', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finalised_by_id', sa.Integer(), nullable=True),
        sa.Column('finalised_by_name', sa.String(length=120), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['finalised_by_id'], ['users.id'],
                                name=op.f('fk_annual_reports_finalised_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_reports')),
        sa.UniqueConstraint('period_from', 'period_to',
                            name=op.f('uq_annual_reports_period_from')),
    )


def downgrade():
    op.drop_table('annual_reports')
