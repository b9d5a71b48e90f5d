"""Readiness as the paper's instrument: method settings, a fixed reference, village clusters
and official classes.

Revision ID: 0017
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'readiness_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=12), nullable=False),
        sa.Column('base_year', sa.Integer(), nullable=True),
        sa.Column('cuts', sa.String(length=16), nullable=False),
        sa.Column('thresholds', sa.JSON(), nullable=False),
        sa.Column('include_metro', sa.Boolean(), nullable=False),
        sa.Column('reference_fixed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_readiness_settings')),
    )
    op.create_table(
        'readiness_reference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('origin', sa.String(length=12), nullable=False),
        sa.Column('area_kind', sa.String(length=12), nullable=False),
        sa.Column('indicator', sa.Integer(), nullable=False),
        sa.Column('low', sa.Float(), nullable=False),
        sa.Column('high', sa.Float(), nullable=False),
        sa.Column('median', sa.Float(), nullable=True),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_readiness_reference')),
        sa.UniqueConstraint('origin', 'area_kind', 'indicator',
                            name=op.f('uq_readiness_reference_origin')),
    )
    op.create_table(
        'readiness_clusters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name_az', sa.String(length=120), nullable=False),
        sa.Column('name_en', sa.String(length=120), nullable=False),
        sa.Column('area_kind', sa.String(length=12), nullable=False),
        sa.Column('areas', sa.JSON(), nullable=False),
        sa.Column('is_demo', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_readiness_clusters')),
        sa.UniqueConstraint('code', name=op.f('uq_readiness_clusters_code')),
    )
    op.create_table(
        'readiness_official_classes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('area_kind', sa.String(length=12), nullable=False),
        sa.Column('area_code', sa.String(length=40), nullable=False),
        sa.Column('klass', sa.String(length=20), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_readiness_official_classes')),
        sa.UniqueConstraint('area_kind', 'area_code',
                            name=op.f('uq_readiness_official_classes_area_kind')),
    )


def downgrade():
    op.drop_table('readiness_official_classes')
    op.drop_table('readiness_clusters')
    op.drop_table('readiness_reference')
    op.drop_table('readiness_settings')
