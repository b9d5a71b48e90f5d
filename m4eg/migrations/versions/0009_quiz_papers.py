"""Quiz papers: each attempt's drawn questions and option order, kept from its start until
it is graded (quiz_papers).

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quiz_papers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('layout', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id'],
                            name=op.f('fk_quiz_papers_attempt_id_quiz_attempts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_quiz_papers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_papers')),
    sa.UniqueConstraint('attempt_id', name=op.f('uq_quiz_papers_attempt_id'))
    )
    with op.batch_alter_table('quiz_papers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_papers_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('quiz_papers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_papers_user_id'))

    op.drop_table('quiz_papers')
