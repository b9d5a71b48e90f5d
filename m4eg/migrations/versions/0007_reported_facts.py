"""Facts as the report gives them: portfolio_stories.person_name becomes person_name_en and
gains person_name_az (a quoted person's name in each language's spelling);
municipalities.type_confirmed (False where the sources do not settle a member's type).

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('portfolio_stories', schema=None) as batch_op:
        batch_op.alter_column('person_name', new_column_name='person_name_en',
                              existing_type=sa.String(length=120), existing_nullable=False)
        batch_op.add_column(sa.Column('person_name_az', sa.String(length=120), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('municipalities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('type_confirmed', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    # The one member whose type the sources leave open (municipalities/data/type_unconfirmed.csv).
    op.execute(sa.text("UPDATE municipalities SET type_confirmed = :no WHERE slug = 'icherisheher'")
               .bindparams(no=False))


def downgrade():
    with op.batch_alter_table('municipalities', schema=None) as batch_op:
        batch_op.drop_column('type_confirmed')
    # A name given only in its Azerbaijani spelling is kept as the one name.
    op.execute("UPDATE portfolio_stories SET person_name_en = person_name_az "
               "WHERE person_name_en = ''")
    with op.batch_alter_table('portfolio_stories', schema=None) as batch_op:
        batch_op.drop_column('person_name_az')
        batch_op.alter_column('person_name_en', new_column_name='person_name',
                              existing_type=sa.String(length=120), existing_nullable=False)
