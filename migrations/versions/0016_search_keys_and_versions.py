"""search by given name, phone number and any part of a name, reading or address (keys and
their two-character pieces), and a version of every change to a person

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 21:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from roster.text import bigrams, given_part, phone_key, search_key

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ('given_key', 'given_kana_key', 'phone_key', 'mobile_key')
LENGTHS = {'given_key': 100, 'given_kana_key': 100, 'phone_key': 20, 'mobile_key': 20}
PATHS = ('form', 'import', 'import_undo', 'geocoding', 'bulk', 'other')


def _key_type(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length=length).with_variant(sa.String(length=length, collation='C'),
                                                 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('registrants', schema=None) as batch_op:
        for name in KEYS:
            batch_op.add_column(sa.Column(name, _key_type(LENGTHS[name]), nullable=False,
                                          server_default=''))
    _fill_keys()
    with op.batch_alter_table('registrants', schema=None) as batch_op:
        for name in KEYS:
            column = name.removesuffix('_key')
            batch_op.create_index(batch_op.f(f'ix_registrants_{column}_search'),
                                  [name, 'status', 'kana_key'], unique=False)
    op.create_table('registrant_grams',
    sa.Column('gram', _key_type(2), nullable=False),
    sa.Column('registrant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'],
                            name=op.f('fk_registrant_grams_registrant_id_registrants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('gram', 'registrant_id', name=op.f('pk_registrant_grams')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('registrant_grams', schema=None) as batch_op:
        batch_op.create_index('ix_registrant_grams_registrant', ['registrant_id'], unique=False)
    _fill_grams()
    op.create_table('registrant_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registrant_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('path', sa.Enum(*PATHS, name='changepath', native_enum=False,
                              create_constraint=True, length=24), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'],
                            name=op.f('fk_registrant_versions_changed_by_id_users')),
    sa.ForeignKeyConstraint(['registrant_id'], ['registrants.id'],
                            name=op.f('fk_registrant_versions_registrant_id_registrants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrant_versions'))
    )
    with op.batch_alter_table('registrant_versions', schema=None) as batch_op:
        batch_op.create_index('ix_registrant_versions_person', ['registrant_id', 'id'],
                              unique=False)


def _fill_keys() -> None:
    """The new keys of everyone already on the register."""
    bind = op.get_bind()
    people = sa.table('registrants', sa.column('id', sa.Integer),
                      sa.column('name', sa.String), sa.column('name_kana', sa.String),
                      sa.column('phone', sa.String), sa.column('mobile_phone', sa.String),
                      *(sa.column(k, sa.String) for k in KEYS))
    rows = bind.execute(sa.select(people.c.id, people.c.name, people.c.name_kana,
                                  people.c.phone, people.c.mobile_phone)).all()
    changes = [
        {'b_id': r.id, 'b_given': search_key(given_part(r.name)),
         'b_given_kana': search_key(given_part(r.name_kana)),
         'b_phone': phone_key(r.phone), 'b_mobile': phone_key(r.mobile_phone)}
        for r in rows
    ]
    if changes:
        bind.execute(
            people.update().where(people.c.id == sa.bindparam('b_id')).values(
                given_key=sa.bindparam('b_given'), given_kana_key=sa.bindparam('b_given_kana'),
                phone_key=sa.bindparam('b_phone'), mobile_key=sa.bindparam('b_mobile')),
            changes,
        )


def _fill_grams() -> None:
    """The pieces of everyone's name, reading and address keys."""
    bind = op.get_bind()
    people = sa.table('registrants', sa.column('id', sa.Integer), sa.column('name_key', sa.String),
                      sa.column('kana_key', sa.String), sa.column('address_key', sa.String))
    grams = sa.table('registrant_grams', sa.column('gram', sa.String),
                     sa.column('registrant_id', sa.Integer))
    rows = bind.execute(sa.select(people.c.id, people.c.name_key, people.c.kana_key,
                                  people.c.address_key)).all()
    values = [{'gram': g, 'registrant_id': r.id} for r in rows
              for g in bigrams(r.name_key or '', r.kana_key or '', r.address_key or '')]
    for start in range(0, len(values), 10000):
        bind.execute(grams.insert(), values[start:start + 10000])


def downgrade() -> None:
    with op.batch_alter_table('registrant_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_registrant_versions_person')
    op.drop_table('registrant_versions')
    with op.batch_alter_table('registrant_grams', schema=None) as batch_op:
        batch_op.drop_index('ix_registrant_grams_registrant')
    op.drop_table('registrant_grams')
    with op.batch_alter_table('registrants', schema=None) as batch_op:
        for name in KEYS:
            column = name.removesuffix('_key')
            batch_op.drop_index(batch_op.f(f'ix_registrants_{column}_search'))
        for name in KEYS:
            batch_op.drop_column(name)
