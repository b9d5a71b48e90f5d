"""Sign-in sessions end on the server after an idle and an absolute lifetime, and the
profile lists them: user_sessions.last_seen_at (indexed, for the purge), ip, user_agent.
Existing sessions count as last seen when they started.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ip', sa.String(length=45), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('user_agent', sa.String(length=255), nullable=False, server_default=''))
    op.execute("UPDATE user_sessions SET last_seen_at = created_at")
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('ip', server_default=None)
        batch_op.alter_column('user_agent', server_default=None)
        batch_op.create_index(batch_op.f('ix_user_sessions_last_seen_at'), ['last_seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_last_seen_at'))
        batch_op.drop_column('user_agent')
        batch_op.drop_column('ip')
        batch_op.drop_column('last_seen_at')
