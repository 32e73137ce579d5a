"""search keys forgiving accents and case (users, editions, certificates)

Revision ID: c4e8a1d93b57
Revises: b3c1e0a7f2d4
Create Date: 2026-12-07 22:45:00

"""
import sqlalchemy as sa
from alembic import op

from app.search import key_of


# revision identifiers, used by Alembic.
revision = 'c4e8a1d93b57'
down_revision = 'b3c1e0a7f2d4'
branch_labels = None
depends_on = None

#: table: the columns its search key is made of (app/search.py).
KEYED = {
    'users': ('name', 'email'),
    'editions': ('title', 'summary'),
    'certificates': ('holder_name',),
}
BATCH = 1000


def _backfill(table: str, columns: tuple[str, ...]) -> None:
    """Keys for existing rows, a thousand at a time by id: a large table is never loaded."""
    bind = op.get_bind()
    rows_of = sa.table(table, sa.column('id'), sa.column('search_key'), *map(sa.column, columns))
    read = sa.select(rows_of.c.id, *(rows_of.c[c] for c in columns)).order_by(rows_of.c.id)
    write = (
        sa.update(rows_of)
        .where(rows_of.c.id == sa.bindparam('row_id'))
        .values(search_key=sa.bindparam('key'))
    )
    after = 0
    while True:
        rows = bind.execute(read.where(rows_of.c.id > after).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(write, [{'row_id': row[0], 'key': key_of(*row[1:])} for row in rows])
        after = rows[-1][0]


def _index(batch_op, name: str) -> None:
    batch_op.create_index(
        name,
        ['search_key'],
        unique=False,
        postgresql_using='gin',
        postgresql_ops={'search_key': 'gin_trgm_ops'},
    )


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # Trigram GIN indexes make "LIKE '%word%'" an index search (PostgreSQL contrib).
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for table, columns in KEYED.items():
        # The index comes before the backfill: built after it, over the updated rows' HOT
        # chains, PostgreSQL would leave it unused by transactions older than the build.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('search_key', sa.Text(), nullable=True))
            _index(batch_op, f'ix_{table}_search_key')
        _backfill(table, columns)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('search_key', existing_type=sa.Text(), nullable=False)


def downgrade():
    # The extension stays: other objects may use it, and it holds no data.
    for table in reversed(KEYED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_search_key')
            batch_op.drop_column('search_key')
