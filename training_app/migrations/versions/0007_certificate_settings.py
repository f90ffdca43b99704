"""certificate settings of a mission: issuing unit, signatory, second language

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

COLUMNS = (
    ('certificate_unit', 200),
    ('certificate_signatory_name', 200),
    ('certificate_signatory_title', 200),
    ('certificate_second_language', 5),
)


def upgrade():
    # server_default fills the missions that exist already; new rows get the model's default
    with op.batch_alter_table('mission', schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False,
                                          server_default=''))


def downgrade():
    with op.batch_alter_table('mission', schema=None) as batch_op:
        for name, _length in reversed(COLUMNS):
            batch_op.drop_column(name)
