"""camp servers trusted per mission; the HQ a camp seals its bundles to

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # On a server of one mission, a source trusted before was trusted for that mission; on a
    # server of several, it keeps no mission: it still verifies certificates, but its bundles
    # are refused until an administrator trusts it for a mission.
    with op.batch_alter_table('sync_source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mission_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_sync_source_kid', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_sync_source_kid_mission_id'),
                                          ['kid', 'mission_id'])
        batch_op.create_index(batch_op.f('ix_sync_source_mission_id'), ['mission_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_sync_source_mission_id_mission'),
                                    'mission', ['mission_id'], ['id'])
    op.execute("UPDATE sync_source SET mission_id = (SELECT MIN(id) FROM mission) "
               "WHERE (SELECT COUNT(*) FROM mission) = 1")
    op.create_table(
        'sync_recipient',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mission_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('kid', sa.String(length=60), nullable=False),
        sa.Column('public_key', sa.String(length=100), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('added_by', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['mission_id'], ['mission.id'],
                                name=op.f('fk_sync_recipient_mission_id_mission')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_recipient')),
        sa.UniqueConstraint('mission_id', name=op.f('uq_sync_recipient_mission_id')),
    )


def downgrade():
    op.drop_table('sync_recipient')
    # a key trusted for several missions becomes one globally trusted key again
    op.execute("DELETE FROM sync_source WHERE id NOT IN "
               "(SELECT MIN(id) FROM sync_source GROUP BY kid)")
    with op.batch_alter_table('sync_source', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sync_source_mission_id_mission'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sync_source_mission_id'))
        batch_op.drop_constraint(batch_op.f('uq_sync_source_kid_mission_id'), type_='unique')
        batch_op.create_unique_constraint('uq_sync_source_kid', ['kid'])
        batch_op.drop_column('mission_id')
