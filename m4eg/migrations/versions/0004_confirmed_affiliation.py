"""A person's municipality is confirmed by its focal point or a coordinator before they read
its plans: users.municipality_confirmed_at and _by_id. Focal points (appointed by a
coordinator) and demo accounts count as confirmed; everyone else waits for a confirmation.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('municipality_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('municipality_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_municipality_confirmed_by_id_users'), 'users', ['municipality_confirmed_by_id'], ['id'])
    op.execute("UPDATE users SET municipality_confirmed_at = created_at WHERE municipality_id "
               "IS NOT NULL AND (role = 'focal_point' OR is_demo)")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_municipality_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('municipality_confirmed_by_id')
        batch_op.drop_column('municipality_confirmed_at')
