"""the classroom: the session clock and a blanked projector, per cohort

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # server defaults fill the cohorts that exist already: a stopped clock, a lit projector
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('projector_blank', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('clock_run_ms', sa.BigInteger(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('clock_running_since', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('clock_running_since')
        batch_op.drop_column('clock_run_ms')
        batch_op.drop_column('projector_blank')
