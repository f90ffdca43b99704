"""status lists and validity: each certificate's place in its mission's revocation list, and
how long a mission's certificates are valid

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_valid_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mission_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True))

    # Certificates issued before: their person's mission, and places 0, 1, 2, ... in the
    # order they were issued (new ones get a random free place).
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        'SELECT certificate.id, person.mission_id FROM certificate '
        'JOIN person ON person.id = certificate.person_id ORDER BY certificate.id')).fetchall()
    next_index = {}
    for certificate_id, mission_id in rows:
        index = next_index.get(mission_id, 0)
        next_index[mission_id] = index + 1
        bind.execute(sa.text('UPDATE certificate SET mission_id = :m, status_index = :i '
                             'WHERE id = :c'), {'m': mission_id, 'i': index, 'c': certificate_id})

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('mission_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('status_index', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_certificate_mission_id_mission', 'mission',
                                    ['mission_id'], ['id'])
        batch_op.create_unique_constraint('uq_certificate_mission_id_status_index',
                                          ['mission_id', 'status_index'])


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint('uq_certificate_mission_id_status_index', type_='unique')
        batch_op.drop_constraint('fk_certificate_mission_id_mission', type_='foreignkey')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('status_index')
        batch_op.drop_column('mission_id')
    # ALTER TABLE ... DROP COLUMN in place: rebuilding mission, which other tables point to,
    # would break their foreign keys on SQLite
    with op.batch_alter_table('mission', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('certificate_valid_days')
