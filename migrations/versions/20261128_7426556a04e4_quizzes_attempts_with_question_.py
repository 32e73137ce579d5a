"""quizzes: attempts with question snapshots, responses

Each attempt stores the questions as asked (answers included, server-side only) so later
edits never change a past result; responses keep the grade of each answer.

Revision ID: 7426556a04e4
Revises: 1a5485003f81
Create Date: 2026-11-28 05:37:08.204492

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7426556a04e4'
down_revision = '1a5485003f81'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quiz_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('quiz_key', sa.String(length=20), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_quiz_attempts_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempts')),
    sa.UniqueConstraint('enrolment_id', 'quiz_key', 'number', name=op.f('uq_quiz_attempts_enrolment_id'))
    )
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempts_enrolment_id'), ['enrolment_id'], unique=False)

    op.create_table('quiz_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('fraction', sa.Double(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id'], name=op.f('fk_quiz_responses_attempt_id_quiz_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_responses')),
    sa.UniqueConstraint('attempt_id', 'position', name=op.f('uq_quiz_responses_attempt_id'))
    )
    with op.batch_alter_table('quiz_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_responses_attempt_id'), ['attempt_id'], unique=False)



def downgrade():
    with op.batch_alter_table('quiz_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_responses_attempt_id'))

    op.drop_table('quiz_responses')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempts_enrolment_id'))

    op.drop_table('quiz_attempts')
