"""Network scale: users.ulc_registered_at (first ULC enrolment, filled from the enrolments)
and indexes on the plan dates the key figures and the review queue filter on.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ulc_registered_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_users_ulc_registered',
                              ['ulc_registered_at', 'sex', 'municipality_id'], unique=False)
    # One pass over the enrolments (UPDATE … FROM: PostgreSQL, and SQLite since 3.33).
    op.execute("UPDATE users SET ulc_registered_at = first.enrolled_at FROM (SELECT user_id, "
               "MIN(enrolled_at) AS enrolled_at FROM enrolments GROUP BY user_id) AS first "
               "WHERE users.id = first.user_id")
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index('ix_plans_submitted_at_id', ['submitted_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_approved_at'), ['approved_at'], unique=False)


def downgrade():
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_approved_at'))
        batch_op.drop_index('ix_plans_submitted_at_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_ulc_registered')
        batch_op.drop_column('ulc_registered_at')
