"""quiz time: extensions taken per attempt, a time multiplier per person

Revision ID: d7a3f5c2e916
Revises: e5b1c7d2a904
Create Date: 2026-12-07 23:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a3f5c2e916'
down_revision = 'e5b1c7d2a904'
branch_labels = None
depends_on = None


def upgrade():
    # Server defaults fill existing rows: no extension taken, 100 % of every time limit.
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('extensions_used', sa.Integer(), server_default='0', nullable=False)
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('quiz_time_percent', sa.Integer(), server_default='100', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('quiz_time_percent')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('extensions_used')
