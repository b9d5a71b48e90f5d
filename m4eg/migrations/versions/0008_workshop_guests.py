"""Workshops as run: workshop_guests (people without an account recorded at the door) and
workshops.date_precision (a session whose day the source does not give: "November 2023").

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('workshop_guests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('sex', sa.String(length=12), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_workshop_guests_municipality_id_municipalities')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_workshop_guests_workshop_id_workshops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_guests'))
    )
    with op.batch_alter_table('workshop_guests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_guests_workshop_id'), ['workshop_id'], unique=False)
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_precision', sa.String(length=8), nullable=False,
                                      server_default='day'))


def downgrade():
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_column('date_precision')
    with op.batch_alter_table('workshop_guests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_guests_workshop_id'))
    op.drop_table('workshop_guests')
