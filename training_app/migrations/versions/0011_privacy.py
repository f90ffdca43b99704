"""personal data: a retention period per mission; people erased or pruned

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_months', sa.Integer(), nullable=True))
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pruned_at', sa.DateTime(timezone=True), nullable=True))
        # a keyed fingerprint of the personnel number a removed person had: lets a camp's
        # bundle be recognised and refused without keeping the number itself
        batch_op.add_column(sa.Column('removed_key', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_person_removed_key', ['mission_id', 'removed_key'],
                              unique=False)


def downgrade():
    # ALTER TABLE ... DROP COLUMN in place: rebuilding person or mission, which other tables
    # point to, would break their foreign keys on SQLite
    with op.batch_alter_table('person', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_person_removed_key')
        batch_op.drop_column('removed_key')
        batch_op.drop_column('pruned_at')
        batch_op.drop_column('erased_at')
    with op.batch_alter_table('mission', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('retention_months')
