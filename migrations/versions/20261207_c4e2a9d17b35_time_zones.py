"""time zones of organisations and people

Revision ID: c4e2a9d17b35
Revises: c4e8a1d93b57
Create Date: 2026-12-07 22:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e2a9d17b35'
down_revision = 'c4e8a1d93b57'
branch_labels = None
depends_on = None


def upgrade():
    # Both nullable: None inherits (person -> organisation -> parent -> DEFAULT_TIME_ZONE).
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
