"""The records behind the key figures that no other domain keeps: communications_reach
(people reached per channel and date range) and activity_kinds (which activity kinds count
toward the key figure "events", seeded with the programme's definition from seed 004:
meetings and study tours count; fairs, workshops, sensemaking sessions and forums do not).

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The kinds of portfolios.models.ActivityKind and whether seed 004 counts them as events.
KINDS = {'study_tour': True, 'workshop': False, 'forum': False, 'sensemaking': False,
         'fair': False, 'meeting': True, 'other': False}


def upgrade():
    op.create_table(
        'communications_reach',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('reach', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('is_demo', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint('reach >= 0', name=op.f('ck_communications_reach_reach_not_negative')),
        sa.CheckConstraint('ends_on >= starts_on',
                           name=op.f('ck_communications_reach_range_in_order')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_communications_reach')),
    )
    with op.batch_alter_table('communications_reach', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communications_reach_ends_on'), ['ends_on'],
                              unique=False)
    kinds = op.create_table(
        'activity_kinds',
        sa.Column('key', sa.String(length=16), nullable=False),
        sa.Column('counts_as_event', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_activity_kinds')),
    )
    op.bulk_insert(kinds, [{'key': key, 'counts_as_event': counts}
                           for key, counts in KINDS.items()])


def downgrade():
    op.drop_table('activity_kinds')
    with op.batch_alter_table('communications_reach', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communications_reach_ends_on'))
    op.drop_table('communications_reach')
