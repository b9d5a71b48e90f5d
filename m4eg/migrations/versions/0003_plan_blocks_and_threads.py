"""Plan blocks with their own versions (plans.content moves into plan_blocks, one row per
block) and comment threads (replies, resolved).

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_plans = sa.table('plans', sa.column('id', sa.Integer), sa.column('content', sa.JSON),
                  sa.column('template_id', sa.Integer),
                  sa.column('updated_at', sa.DateTime(timezone=True)))
_templates = sa.table('plan_templates', sa.column('id', sa.Integer),
                      sa.column('definition', sa.JSON))
_blocks = sa.table('plan_blocks', sa.column('plan_id', sa.Integer),
                   sa.column('block_key', sa.String), sa.column('content', sa.JSON),
                   sa.column('version', sa.Integer),
                   sa.column('updated_at', sa.DateTime(timezone=True)))


def upgrade():
    op.create_table('plan_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('block_key', sa.String(length=40), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_blocks_plan_id_plans')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_plan_blocks_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_blocks')),
    sa.UniqueConstraint('plan_id', 'block_key', name=op.f('uq_plan_blocks_plan_id'))
    )
    with op.batch_alter_table('plan_blocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_blocks_plan_id'), ['plan_id'], unique=False)

    op.create_table('form_stashes',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_form_stashes'))
    )
    with op.batch_alter_table('form_stashes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_stashes_created_at'), ['created_at'], unique=False)

    # Every block of every plan gets its row (an unwritten block has empty content), so that
    # a save is always a conditional UPDATE of an existing row.
    connection = op.get_bind()
    keys = {template_id: [block['key'] for block in definition['blocks']]
            for template_id, definition in connection.execute(
                sa.select(_templates.c.id, _templates.c.definition))}
    result = connection.execute(sa.select(_plans.c.id, _plans.c.content, _plans.c.template_id,
                                          _plans.c.updated_at))
    while chunk := result.fetchmany(1000):
        rows = [{'plan_id': plan_id, 'block_key': key, 'content': (content or {}).get(key) or {},
                 'version': 1, 'updated_at': updated_at}
                for plan_id, content, template_id, updated_at in chunk
                for key in dict.fromkeys([*keys.get(template_id, []), *(content or {})])]
        if rows:
            connection.execute(_blocks.insert(), rows)

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('content')

    with op.batch_alter_table('plan_comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_comments_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_comments_parent_id_plan_comments'), 'plan_comments', ['parent_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_plan_comments_resolved_by_id_users'), 'users', ['resolved_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('plan_comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_comments_resolved_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_plan_comments_parent_id_plan_comments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_comments_parent_id'))
        batch_op.drop_column('resolved_by_id')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))
    connection = op.get_bind()
    contents = {}
    for plan_id, key, values in connection.execute(
            sa.select(_blocks.c.plan_id, _blocks.c.block_key, _blocks.c.content)):
        contents.setdefault(plan_id, {})[key] = values
    for plan_id, content in contents.items():
        connection.execute(_plans.update().where(_plans.c.id == plan_id)
                           .values(content=content))
    connection.execute(_plans.update().where(_plans.c.content.is_(None)).values(content={}))
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.alter_column('content', existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table('plan_blocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_blocks_plan_id'))
    op.drop_table('plan_blocks')
    with op.batch_alter_table('form_stashes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_stashes_created_at'))
    op.drop_table('form_stashes')
