"""Every change to a person is kept as a version (who, when, how, old -> new per field),
whatever path made it, and only staff read it, audited like the person's page."""

from __future__ import annotations

import json

from sqlalchemy import bindparam, select, update

from roster.models import (
    AuditEvent,
    ChangePath,
    Mobility,
    Registrant,
    RegistrantVersion,
    changes_by,
)

from .test_audit import edit_data
from .test_import_batches import changed_row, export, imported, undo

REGISTRANTS = Registrant.__table__


def versions(db, person) -> list[RegistrantVersion]:
    db.expire_all()
    query = select(RegistrantVersion).where(RegistrantVersion.registrant_id == person.id)
    return list(db.scalars(query.order_by(RegistrantVersion.id)))


def test_an_edit_on_the_form_is_a_version_with_who_and_old_and_new(client, auth, db, world):
    auth.login("t_staff")
    person = world["consenting"]
    old_phone = person.phone
    data = edit_data(person, phone="042-555-0101", mobility="bedridden")
    assert client.post(f"/registrants/{person.id}/edit", data=data).status_code == 302
    [version] = versions(db, person)
    assert version.path is ChangePath.FORM
    assert version.changed_by_id == world["users"]["staff"].id
    assert version.changes["phone"] == [old_phone, "042-555-0101"]
    assert version.changes["mobility"] == ["wheelchair", "bedridden"]
    assert "phone_key" not in version.changes and "version" not in version.changes


def test_an_edit_is_one_version_of_its_net_change_however_many_flushes_it_took(
    client, auth, db, world, factory
):
    """The form clears a point it did not pin and the address places it again, with a flush
    between: the version holds only what the edit changed."""
    from roster.models import LocationPrecision

    district = world["districts"][0]
    person = factory.registrant(district, latitude=district.latitude,
                                longitude=district.longitude,
                                location_precision=LocationPrecision.DISTRICT)
    auth.login("t_staff")
    data = edit_data(person, latitude="", longitude="", language_note="ベトナム語")
    assert client.post(f"/registrants/{person.id}/edit", data=data).status_code == 302
    [version] = versions(db, person)
    assert version.changes == {"language_note": [None, "ベトナム語"]}


def test_a_form_saved_with_nothing_changed_adds_no_version(client, auth, db, world):
    auth.login("t_staff")
    person = world["consenting"]
    assert client.post(f"/registrants/{person.id}/edit", data=edit_data(person)).status_code == 302
    assert versions(db, person) == []


def test_an_import_and_its_undo_are_versions_of_their_own(runner, db, world, tmp_path):
    person = world["consenting"]
    old_address = person.address
    batch = imported(runner, db, export(tmp_path, changed_row(person)))
    assert undo(runner, batch.id).exit_code == 0
    kept = versions(db, person)
    paths = [v.path for v in kept]
    assert ChangePath.IMPORT in paths and ChangePath.IMPORT_UNDO in paths
    by_path = {v.path: v for v in kept}
    new_address = "東京都テスト市テスト町B5-5-5"
    assert by_path[ChangePath.IMPORT].changes["address"] == [old_address, new_address]
    assert by_path[ChangePath.IMPORT_UNDO].changes["address"] == [new_address, old_address]
    assert by_path[ChangePath.IMPORT].actor_name == "cli"


def test_placing_people_from_their_address_is_a_version(db, world, factory):
    from roster.geocoding.operations import geocode_people
    from roster.models import LocationPrecision

    person = factory.registrant(world["districts"][0], latitude=35.0, longitude=139.0,
                                location_precision=LocationPrecision.CHOME)
    geocode_people(db, ids=[person.id], actor=world["users"]["staff"])
    [version] = versions(db, person)
    assert version.path is ChangePath.GEOCODING
    assert version.changes["latitude"] == [35.0, world["districts"][0].latitude]
    assert version.changes["location_precision"] == ["chome", "district"]


def test_every_shape_of_write_keeps_a_version_even_unnamed(db, world):
    """The hooks, not the callers, keep versions: an ORM flush, a Core UPDATE with a WHERE,
    a per-person bulk UPDATE and an ORM UPDATE all leave one, named or not."""
    person, other = world["consenting"], world["refusing"]
    person.household = person.household  # unchanged: no version
    person.language_note = "ベトナム語"
    db.flush()
    db.execute(update(REGISTRANTS).where(REGISTRANTS.c.id == person.id).values(fax="042-1"))
    db.execute(
        update(REGISTRANTS).where(REGISTRANTS.c.id == bindparam("b_id")).values(
            postal_code=bindparam("b_postal")
        ),
        [{"b_id": person.id, "b_postal": "188-0001"}, {"b_id": other.id, "b_postal": "1"}],
    )
    db.execute(update(Registrant).where(Registrant.id == person.id).values(email="a@b.jp"))
    kept = versions(db, person)
    assert [list(v.changes) for v in kept] == [
        ["language_note"], ["fax"], ["postal_code"], ["email"]
    ]
    assert {v.path for v in kept} == {ChangePath.OTHER}
    assert [list(v.changes) for v in versions(db, other)] == [["postal_code"]]


def test_a_named_path_is_kept_and_derived_columns_are_no_change(db, world):
    person = world["consenting"]
    staff = world["users"]["staff"]
    with changes_by(db, staff, ChangePath.FORM):
        person.mobility = Mobility.BEDRIDDEN
    db.execute(update(REGISTRANTS).where(REGISTRANTS.c.id == person.id).values(
        consent_scope=7, version=REGISTRANTS.c.version + 1, name_key="X"))
    [version] = versions(db, person)
    assert (version.path, version.changed_by_id, version.actor_name) == (
        ChangePath.FORM, staff.id, staff.username
    )


def test_staff_read_the_history_with_labels_and_values_as_the_pages_show_them(
    client, auth, db, world
):
    auth.login("t_staff")
    person = world["consenting"]
    data = edit_data(person, mobility="bedridden", phone="042-555-0101")
    client.post(f"/registrants/{person.id}/edit", data=data)
    for url in (f"/registrants/{person.id}/history", f"/registrants/{person.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "変更履歴" in html
        assert "移動" in html and "車椅子" in html and "寝たきり" in html
        assert "042-555-0101" in html and "編集画面" in html
        assert ">bedridden<" not in html and ">wheelchair<" not in html
    client.post("/locale", data={"locale": "en", "next": "/"})
    html = client.get(f"/registrants/{person.id}/history").get_data(as_text=True)
    assert "Change history" in html and "Mobility" in html and "Bedridden" in html


def test_reading_the_history_is_audited_like_the_persons_page(client, auth, db, world):
    auth.login("t_staff")
    person = world["consenting"]
    assert client.get(f"/registrants/{person.id}/history").status_code == 200
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "registrant.view")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.object_id == str(person.id) and json.loads(event.detail)["page"] == "history"


def test_partners_and_planners_never_see_the_history(client, auth, world):
    person = world["consenting"]
    for user in ("t_partner", "t_planner"):
        auth.login(user)
        assert client.get(f"/registrants/{person.id}/history").status_code == 403, user
        assert "変更履歴" not in client.get(f"/registrants/{person.id}").get_data(as_text=True)
        auth.logout()


def test_every_path_has_a_label_in_both_languages(app):
    from flask_babel import force_locale

    from roster.registrants.history import PATH_LABELS

    assert set(PATH_LABELS) == set(ChangePath)
    with app.test_request_context(), force_locale("ja"):
        shown = {str(label) for label in PATH_LABELS.values()}
        assert all(not text.isascii() for text in shown), shown


def test_hand_written_sql_that_writes_people_is_refused(db, world):
    """The hooks see statements, not SQL text: a write in text would change a person with no
    version, so it is refused."""
    import pytest
    from sqlalchemy import text

    from roster.models.registrant_hooks import UnversionedWriteError

    with pytest.raises(UnversionedWriteError):
        db.execute(text("UPDATE registrants SET fax = '1' WHERE id = :i"),
                   {"i": world["consenting"].id})
    assert db.execute(text("SELECT count(*) FROM registrants")).scalar() >= 1


def test_a_bulk_status_change_is_a_version_of_each_person(db, world):
    from roster.models import RegistrantStatus
    from roster.registrants.bulk import change_statuses
    from roster.viewer import viewer_of

    people = [world["consenting"], world["refusing"]]
    staff = world["users"]["staff"]
    seen = {p.id: p.version for p in people}
    assert change_statuses(db, viewer_of(staff), seen, RegistrantStatus.MOVED_OUT) == 2
    for person in people:
        [version] = versions(db, person)
        assert (version.path, version.changed_by_id) == (ChangePath.BULK, staff.id)
        assert version.changes == {"status": ["active", "moved_out"]}
