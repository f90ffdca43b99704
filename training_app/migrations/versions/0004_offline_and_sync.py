"""offline events from learners' devices, camp-to-HQ sync sources and imports, profile dates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'offline_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=60), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                                name=op.f('fk_offline_event_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_event')),
        sa.UniqueConstraint('person_id', 'event_id',
                            name=op.f('uq_offline_event_person_id_event_id')),
    )
    with op.batch_alter_table('offline_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offline_event_person_id'), ['person_id'],
                              unique=False)

    op.create_table(
        'sync_source',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('kid', sa.String(length=60), nullable=False),
        sa.Column('public_key', sa.String(length=100), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('added_by', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_source')),
        sa.UniqueConstraint('kid', name=op.f('uq_sync_source_kid')),
    )
    op.create_table(
        'sync_import',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bundle_id', sa.String(length=60), nullable=False),
        sa.Column('source', sa.String(length=120), nullable=False),
        sa.Column('kid', sa.String(length=60), nullable=False),
        sa.Column('mission_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('imported_by', sa.String(length=120), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['mission_id'], ['mission.id'],
                                name=op.f('fk_sync_import_mission_id_mission')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_import')),
        sa.UniqueConstraint('bundle_id', name=op.f('uq_sync_import_bundle_id')),
    )
    with op.batch_alter_table('sync_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_import_mission_id'), ['mission_id'],
                              unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE person SET updated_at = created_at")


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
    with op.batch_alter_table('sync_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_import_mission_id'))
    op.drop_table('sync_import')
    op.drop_table('sync_source')
    with op.batch_alter_table('offline_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offline_event_person_id'))
    op.drop_table('offline_event')
