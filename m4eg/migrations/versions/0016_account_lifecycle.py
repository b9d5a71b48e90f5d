"""The account's life: a confirmed email address (users.email_confirmed_at and the single-use
links of email_confirmation_tokens), deactivation (deactivated_at, deactivated_by_id) and
erasure on request (erased_at). Accounts that exist already, demo accounts among them, count
as confirmed. The ULC index covers the membership confirmation, which the key figures now
require.

Revision ID: 0016
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deactivated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_deactivated_by_id_users'), 'users', ['deactivated_by_id'], ['id'])
        batch_op.drop_index('ix_users_ulc_registered')
        batch_op.create_index('ix_users_ulc_registered',
                              ['ulc_registered_at', 'sex', 'municipality_id',
                               'municipality_confirmed_at'], unique=False)
    op.execute("UPDATE users SET email_confirmed_at = created_at")
    op.create_table('email_confirmation_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_confirmation_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_confirmation_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_email_confirmation_tokens_token_hash'))
    )
    with op.batch_alter_table('email_confirmation_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_confirmation_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('email_confirmation_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_confirmation_tokens_user_id'))
    op.drop_table('email_confirmation_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_ulc_registered')
        batch_op.create_index('ix_users_ulc_registered',
                              ['ulc_registered_at', 'sex', 'municipality_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_users_deactivated_by_id_users'), type_='foreignkey')
        batch_op.drop_column('erased_at')
        batch_op.drop_column('deactivated_by_id')
        batch_op.drop_column('deactivated_at')
        batch_op.drop_column('email_confirmed_at')
