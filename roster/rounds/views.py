"""Round pages: list, create, print, mark sent, remind, and the reply screen."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..access.fetch import Person, people
from ..access.roles import can_run_rounds
from ..access.rule import visible_districts, visible_registrants
from ..audit.operations import record_event
from ..consent.catalog import load_forms, reference_key
from ..decorators import require
from ..disclosures import record_disclosure
from ..extensions import db
from ..i18n import local_today
from ..labels import form_version_label
from ..models import MailingRound, Registrant, RoundMember
from ..viewer import current_viewer
from ..web import arg_int, get_or_404, municipality
from .choosing import PREFERRED, preview_round
from .forms import DeleteRoundForm, NewRoundForm, ReplyForm, SentForm
from .operations import (
    Reply,
    RoundGone,
    RoundInUse,
    VisitPage,
    create_reminder,
    create_round,
    deletable,
    delete_round,
    find_member,
    mark_sent,
    member_form,
    presume_consent,
    presumption_due,
    record_reply,
    reminder_due,
    target_query,
    visit_pages,
)

bp = Blueprint("rounds", __name__, url_prefix="/rounds")

#: `{{ code|form_version }}`: a consent form version in words, on every page that names one.
bp.add_app_template_filter(form_version_label, "form_version")


def _key() -> bytes:
    return reference_key(current_app.config["SECRET_KEY"])


@bp.get("/")
@require(can_run_rounds)
def index() -> ResponseReturnValue:
    """Every round with how many forms went out and came back."""
    rows = db.session.execute(
        select(MailingRound, func.count(RoundMember.id), func.count(RoundMember.returned_on))
        .join(RoundMember, isouter=True)
        .group_by(MailingRound.id)
        .order_by(MailingRound.id.desc())
    ).all()
    return render_template("rounds/index.html", rows=rows, forms=_forms_by_round())


def _forms_by_round() -> dict[int, list[str]]:
    """Each round's form versions with how many people got each, counted in the database."""
    version = func.coalesce(RoundMember.form_version, MailingRound.form_version)
    counted = db.session.execute(
        select(RoundMember.round_id, version, func.count())
        .join(MailingRound, MailingRound.id == RoundMember.round_id)
        .group_by(RoundMember.round_id, version)
        .order_by(RoundMember.round_id, version)
    ).all()
    forms: dict[int, list[str]] = {}
    for round_id, form, n in counted:
        forms.setdefault(round_id, []).append(_form_count(form, n))
    return forms


def _form_count(version: str, n: int) -> str:
    return _("%(form)s: %(n)s people", form=form_version_label(version), n=f"{n:,}")


@bp.route("/new", methods=["GET", "POST"])
@require(can_run_rounds)
def new() -> ResponseReturnValue:
    """Choose whom to send forms to and see how many people that is (the preview); the
    preview's button creates the round with a code per person. A choice or register that
    changed since the preview is shown again, never created unseen."""
    districts = visible_districts(db.session, current_viewer())
    form = NewRoundForm(district_choices=[(d.id, d.name) for d in districts])
    preview = None
    if form.validate_on_submit():
        ids, matched, awaiting = _targets(form)
        if not ids:
            flash(_nobody(awaiting), "error")
        elif request.form.get("create") and form.confirm.data == form.key(len(ids)):
            mailing = _create(form, ids)
            db.session.commit()
            flash(_("The round was created with %(n)s people.", n=f"{len(ids):,}"), "info")
            return redirect(url_for("rounds.detail", round_id=mailing.id))
        else:
            language = form.language.data or ""
            preview = preview_round(db.session, ids, matched, language, awaiting)
            form.confirm.data = form.key(len(ids))
    status = 422 if form.errors else 200
    return render_template("rounds/new.html", form=form, preview=preview), status


def _create(form: NewRoundForm, ids: list[int]) -> MailingRound:
    """The round the form describes, for these people."""
    language, title = form.language.data or PREFERRED, form.title.data or ""
    return create_round(db.session, current_user, title, language, ids, local_today(), _key())


def _nobody(awaiting: int) -> str:
    """Why a round finds no one: no one fits the choice, or everyone who does still has a
    form out with no reply."""
    if awaiting:
        return _(
            "No round was created: %(n)d people fit this choice, but every one of them already "
            "has a form out in a round not yet closed (no reply yet). Record their replies, or "
            "send a reminder from that round.",
            n=awaiting,
        )
    return (
        _("No one matches: the round was not created.")
        + " "
        + _("No active person on the register fits this choice of people and district.")
    )


def _targets(form: NewRoundForm) -> tuple[list[int], int, int]:
    """The IDs the form's choice names, at most ROUND_MAX_MEMBERS of them; how many matched
    in all; and how many more fit the choice but have a form out with no reply yet."""
    choice = (
        current_user,
        form.target.data or "",
        form.district(),
        local_today(),
        current_app.config["REVERIFY_MONTHS"],
    )
    query = target_query(*choice)
    matched = _count(query)
    awaiting = _count(target_query(*choice, with_awaiting=True)) - matched
    limit = current_app.config["ROUND_MAX_MEMBERS"]
    return list(db.session.scalars(query.limit(limit))), matched, max(0, awaiting)


def _count(query: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


@bp.route("/<id:round_id>/delete", methods=["GET", "POST"])
@require(can_run_rounds)
def delete(round_id: int) -> ResponseReturnValue:
    """Delete a round made by mistake, before its forms were sent: the page names the count,
    its button deletes. A round sent or answered stays; a count that changed is asked again."""
    mailing = get_or_404(MailingRound, round_id)
    if not deletable(mailing):
        flash(_("A round whose forms were sent or answered cannot be deleted."), "error")
        return redirect(url_for("rounds.detail", round_id=round_id))
    form = DeleteRoundForm(data={"count": str(len(mailing.members))})
    if form.validate_on_submit() and form.count.data == str(len(mailing.members)):
        try:
            count = delete_round(db.session, current_user, mailing)
        except (RoundInUse, RoundGone):
            db.session.rollback()
            abort(409)
        db.session.commit()
        flash(_("The round was deleted (%(n)s people).", n=f"{count:,}"), "info")
        return redirect(url_for("rounds.index"))
    return render_template("rounds/delete.html", mailing=mailing, form=form)


@bp.get("/<id:round_id>")
@require(can_run_rounds)
def detail(round_id: int) -> ResponseReturnValue:
    """A round: who is in it, who replied, and what can be done next."""
    mailing = get_or_404(MailingRound, round_id)
    members = _visible_members(mailing)
    _log_members(mailing, members)
    return render_template(
        "rounds/detail.html",
        mailing=mailing,
        members=members,
        returned=sum(1 for m in mailing.members if m.returned_on),
        reminder_due=reminder_due(
            mailing, local_today(), current_app.config["REMINDER_AFTER_DAYS"]
        ),
        sent_form=SentForm(data={"sent_on": local_today()}),
        presumable=len(_presumable(mailing)),
        deletable=deletable(mailing),
        forms=_form_counts(mailing),
    )


def _form_counts(mailing: MailingRound) -> list[str]:
    """Each form version printed in the round, with how many people get it."""
    counts = Counter(member_form(m) for m in mailing.members) or Counter({mailing.form_version: 0})
    return [_form_count(version, n) for version, n in sorted(counts.items())]


@bp.get("/<id:round_id>/print")
@require(can_run_rounds)
def print_round(round_id: int) -> ResponseReturnValue:
    """Every form of the round, one A4 page each, ready for window envelopes. Audited as an
    export: the pages carry the people's details."""
    mailing = get_or_404(MailingRound, round_id)
    forms = load_forms()
    items = [
        {"form": forms[member_form(m)], "reference": m.reference, "person": person}
        for m, person in _visible_members(mailing)
    ]
    record_event(
        db.session,
        "round.print",
        actor=current_user,
        object_type="round",
        object_id=mailing.id,
        detail={"pages": len(items)},
    )
    db.session.commit()
    return render_template("consent/printed_form.html", items=items, office=_office())


def _visible_members(mailing: MailingRound) -> list[tuple[RoundMember, Person]]:
    """The round's members the viewer may see, each with the person as roster.access.fetch
    loads them, like every other page."""
    viewer = current_viewer()
    query = visible_registrants(viewer).where(
        Registrant.id.in_([m.registrant_id for m in mailing.members])
    )
    found = {p.registrant_id: p for p in people(db.session, viewer, query)}
    return [(m, found[m.registrant_id]) for m in mailing.members if m.registrant_id in found]


def _log_members(mailing: MailingRound, members: list[tuple[RoundMember, Person]]) -> None:
    """The round's people shown, in the disclosure log as a list."""
    record_disclosure(
        db.session,
        current_viewer(),
        "registrant.list",
        [person for _m, person in members],
        detail={"ids": [m.registrant_id for m, _person in members], "round": mailing.id},
    )
    db.session.commit()


def _office() -> dict[str, Any]:
    city = municipality()
    office = dict(current_app.config["OFFICE"])
    office.setdefault("department", "")
    office.setdefault("phone", "")
    office["name"] = city.name if city else ""
    return office


@bp.post("/<id:round_id>/sent")
@require(can_run_rounds)
def sent(round_id: int) -> ResponseReturnValue:
    """Record the day the forms went into the post. Once recorded it stays: a second save,
    from a page opened before the first, is refused with 409."""
    mailing = get_or_404(MailingRound, round_id)
    form = SentForm()
    if form.validate_on_submit() and form.sent_on.data:
        if mailing.sent_on is not None:
            abort(409)
        mark_sent(db.session, current_user, mailing, form.sent_on.data)
        db.session.commit()
        flash(_("Marked as sent."), "info")
    else:
        flash(_("Give the date the forms were sent."), "error")
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.post("/<id:round_id>/reminder")
@require(can_run_rounds)
def reminder(round_id: int) -> ResponseReturnValue:
    """A new round for everyone who has not replied, once enough days have passed."""
    mailing = get_or_404(MailingRound, round_id)
    if not reminder_due(mailing, local_today(), current_app.config["REMINDER_AFTER_DAYS"]):
        flash(_("A reminder is not due yet."), "error")
        return redirect(url_for("rounds.detail", round_id=round_id))
    follow_up = create_reminder(db.session, current_user, mailing, local_today(), _key())
    db.session.commit()
    flash(_("The reminder round was created."), "info")
    return redirect(url_for("rounds.detail", round_id=follow_up.id))


@bp.post("/<id:round_id>/presume")
@require(can_run_rounds)
def presume(round_id: int) -> ResponseReturnValue:
    """Under the presumed_after_no_reply ordinance, record 推定同意 for those who stayed silent."""
    mailing = get_or_404(MailingRound, round_id)
    members = _presumable(mailing)
    basis = (request.form.get("basis") or "").strip()[:300]
    if not members or not basis:
        flash(_("Consent cannot be presumed for this round now, or the basis is missing."), "error")
        return redirect(url_for("rounds.detail", round_id=round_id))
    count = presume_consent(db.session, current_user, members, local_today(), basis)
    db.session.commit()
    flash(_("Presumed consent was recorded for %(n)s people.", n=f"{count:,}"), "info")
    return redirect(url_for("rounds.detail", round_id=round_id))


def _presumable(mailing: MailingRound) -> list[RoundMember]:
    config = current_app.config
    return presumption_due(
        mailing, local_today(), config["CONSENT_RULE"], config["PRESUMED_AFTER_DAYS"]
    )


@bp.get("/visits")
@require(can_run_rounds)
def visits() -> ResponseReturnValue:
    """A printable visit list per district for 民生委員: people not asked yet or due for
    review, with space to note each visit. Audited as an export."""
    districts = visible_districts(db.session, current_viewer())
    chosen = arg_int("district")
    if chosen is None:
        return render_template("rounds/visits_choose.html", districts=districts)
    pages = visit_pages(
        db.session,
        current_viewer(),
        [d for d in districts if d.id == chosen],
        local_today(),
        current_app.config["REVERIFY_MONTHS"],
    )
    _audit_visits(chosen, pages)
    return render_template("rounds/visits.html", pages=pages, today=local_today())


def _audit_visits(district_id: int, pages: list[VisitPage]) -> None:
    """The visit list in the trail, as an export: the district and the people's IDs."""
    record_event(
        db.session,
        "visits.print",
        actor=current_user,
        object_type="district",
        object_id=district_id,
        detail={"ids": [p.id for page in pages for p in page.people]},
    )
    db.session.commit()


@bp.route("/reply", methods=["GET", "POST"])
@require(can_run_rounds)
def reply() -> ResponseReturnValue:
    """Record returned forms one after another: code, answer, ticks, Enter."""
    form = ReplyForm()
    if form.validate_on_submit():
        member = find_member(db.session, form.reference.data or "", _key())
        if member is None:
            form.reference.errors = [_("No form has this code. Check it and type it again.")]
        elif member.returned_on is not None:
            form.reference.errors = [
                _("This form was already recorded on %(day)s.", day=member.returned_on.isoformat())
            ]
        elif _saved(member, form):
            _flash_recorded(member)
            return redirect(url_for("rounds.reply"))
        else:
            form.reference.errors = [_("No form has this code. Check it and type it again.")]
    return render_template("rounds/reply.html", form=form), 422 if form.errors else 200


def _flash_recorded(member: RoundMember) -> None:
    """Whose form was recorded, so the clerk can check it against the paper."""
    flash(
        _(
            "Recorded: %(name)s (%(code)s).",
            name=member.registrant.name,
            code=member.reference,
        ),
        "info",
    )


def _saved(member: RoundMember, form: ReplyForm) -> bool:
    """Record the reply; False when its round was deleted meanwhile (nothing recorded)."""
    try:
        _save_reply(member, form)
    except RoundGone:
        db.session.rollback()
        return False
    db.session.commit()
    return True


def _save_reply(member: RoundMember, form: ReplyForm) -> None:
    today = local_today()
    record_reply(
        db.session,
        current_user,
        member,
        Reply(
            agrees=form.answer.data == "agree",
            scope=form.chosen_scope(),
            plan_making=bool(form.plan_making.data),
            plan_sharing=bool(form.plan_sharing.data),
            decided_on=form.decided_on.data or today,
            proxy_name=form.proxy_name.data or None,
            proxy_relation=form.proxy_relation.data or None,
        ),
        today,
    )
