"""records HQ can trust: certificate states, session versions, claim and reset codes, shared
sign-in failure counts, and an audit log that reads as a record

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 08:00:00

"""
import base64
import json

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _token_name(token):
    """The holder's name as the certificate's signed token says it."""
    try:
        body = token.split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return str(payload.get("name") or "")[:200]
    except (IndexError, ValueError, AttributeError):
        return ""


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_status', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.drop_index('ix_person_matrix')
        batch_op.create_index('ix_person_matrix', ['mission_id', 'contingent_id', 'category',
                                                   'completed_at', 'created_at',
                                                   'certificate_status'], unique=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_name', sa.String(length=200), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_name', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('target_label', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cohort_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_person_id_person'), 'person',
                                    ['person_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_cohort_id_cohort'), 'cohort',
                                    ['cohort_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_audit_event_person_id'), ['person_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_cohort_id'), ['cohort_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_target'), ['target'], unique=False)

    op.create_table(
        'access_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                                name=op.f('fk_access_code_person_id_person')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_access_code_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_code')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_access_code_code_hash')),
    )
    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_code_person_id'), ['person_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_access_code_user_id'), ['user_id'], unique=False)
    op.create_table(
        'failed_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_attempt')),
    )
    with op.batch_alter_table('failed_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failed_attempt_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_failed_attempt_at'), ['at'], unique=False)

    _backfill()


def _backfill():
    conn = op.get_bind()
    # each person's certificate state: valid if any certificate stands, revoked if all fell
    conn.execute(sa.text(
        "UPDATE person SET certificate_status = CASE "
        "WHEN EXISTS (SELECT 1 FROM certificate c WHERE c.person_id = person.id "
        "AND c.revoked_at IS NULL) THEN 'valid' "
        "WHEN EXISTS (SELECT 1 FROM certificate c WHERE c.person_id = person.id) "
        "THEN 'revoked' END"))
    for cert_id, token, fallback in conn.execute(sa.text(
            "SELECT c.id, c.token, p.name FROM certificate c JOIN person p "
            "ON p.id = c.person_id")).all():
        conn.execute(sa.text("UPDATE certificate SET holder_name = :name WHERE id = :id"),
                     {"name": _token_name(token) or fallback, "id": cert_id})

    # one actor format and a name beside it; the person and cohort each event concerns
    staff = {str(i): (u, n) for i, u, n in conn.execute(sa.text(
        "SELECT id, username, name FROM user_account")).all()}
    by_username = {u: (i, n) for i, (u, n) in staff.items()}
    people = dict(conn.execute(sa.text("SELECT id, name FROM person")).all())
    cohorts = dict(conn.execute(sa.text("SELECT id, name FROM cohort")).all())
    certs = {code: (pid, name) for code, pid, name in conn.execute(sa.text(
        "SELECT c.code, c.person_id, c.holder_name FROM certificate c")).all()}
    missions = dict(conn.execute(sa.text("SELECT code, id FROM mission")).all())
    for event_id, actor, action, target, details in conn.execute(sa.text(
            "SELECT id, actor, action, target, details FROM audit_event")).all():
        kind, _sep, key = (actor or "").partition(":")
        actor_name = ""
        if kind == "user" and key in staff:
            actor, actor_name = f"staff:{key}", staff[key][1]
        elif kind == "user" and key in by_username:
            actor, actor_name = f"staff:{by_username[key][0]}", by_username[key][1]
        elif kind == "person" and key.isdigit():
            actor, actor_name = f"learner:{key}", people.get(int(key), "")
        elif kind not in ("staff", "learner", "system"):
            actor = f"system:{actor or 'unknown'}"[:120]
        person_id = cohort_id = None
        label = ""
        tkind, _sep, tkey = (target or "").partition(":")
        if action.startswith("certificate.") and target in certs:
            person_id, label = certs[target]
            target = f"certificate:{target}"
        elif tkind == "user":
            target = f"staff:{tkey}"
            label = staff.get(tkey, ("", ""))[1]
        elif tkind == "person" and tkey.isdigit():
            person_id = int(tkey)
            label = people.get(person_id, "")
        elif tkind == "cohort" and tkey.isdigit():
            cohort_id = int(tkey)
            label = cohorts.get(cohort_id, "")
        elif action == "demo.loaded" and target in missions:
            target = f"mission:{missions[target]}"
        if isinstance(details, str):
            try:
                details = json.loads(details)
            except ValueError:
                details = None
        if isinstance(details, dict) and str(details.get("cohort", "")).isdigit():
            cohort_id = int(details["cohort"])
        conn.execute(sa.text(
            "UPDATE audit_event SET actor = :actor, actor_name = :actor_name, target = :target, "
            "target_label = :label, person_id = :person_id, cohort_id = :cohort_id "
            "WHERE id = :id"),
            {"actor": actor, "actor_name": actor_name or "", "target": target or "",
             "label": (label or "")[:200], "person_id": person_id,
             "cohort_id": cohort_id if cohort_id in cohorts else None, "id": event_id})


def downgrade():
    with op.batch_alter_table('failed_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_failed_attempt_key'))
    op.drop_table('failed_attempt')
    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_code_user_id'))
        batch_op.drop_index(batch_op.f('ix_access_code_person_id'))
    op.drop_table('access_code')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_target'))
        batch_op.drop_index(batch_op.f('ix_audit_event_cohort_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_person_id'))
        batch_op.drop_constraint(batch_op.f('fk_audit_event_cohort_id_cohort'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_audit_event_person_id_person'),
                                 type_='foreignkey')
        batch_op.drop_column('cohort_id')
        batch_op.drop_column('person_id')
        batch_op.drop_column('target_label')
        batch_op.drop_column('actor_name')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('holder_name')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_matrix')
        batch_op.create_index('ix_person_matrix', ['mission_id', 'contingent_id', 'category',
                                                   'completed_at', 'created_at'], unique=False)
        batch_op.drop_column('session_version')
        batch_op.drop_column('certificate_status')
