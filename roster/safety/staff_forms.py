"""The forms of the staff pages of an operation: starting one (with its preview step),
ending it, handing a person on, and choosing who an export is for."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..consent.forms import CheckboxesField
from ..formtext import strip
from ..models import HazardKind, HazardLayer
from ..models.safety import HandoffKind
from ..registrants.forms import REQUIRED, add_error

NONE = 0
NO_AREA = _l("Choose at least one district, or a hazard layer's areas.")
NO_RANK = _l("Choose the lowest flood depth taken into the operation.")
LAYER_KIND = _l("Only flood and landslide layers can set an operation's area.")


class StartForm(FlaskForm):
    """An operation's name, disaster and area. The page first shows how many people the area
    holds; the start button counts only when the area is the one that was counted
    (`counted` carries the area the preview was made for)."""

    name = StringField(
        _l("Name of the operation"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=120)],
    )
    disaster = StringField(
        _l("Disaster"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    districts = CheckboxesField(_l("Districts"), coerce=int)
    hazard_layer = SelectField(_l("Hazard layer"), coerce=int, default=NONE)
    min_flood_rank = SelectField(_l("Lowest flood depth"), coerce=int, default=NONE)
    release = SelectField(_l("Disaster-time release"), coerce=int, default=NONE)
    counted = HiddenField()

    def __init__(self, *args: Any, layers: list[HazardLayer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.layers = {layer.id: layer for layer in layers}

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        layer = self.layer()
        if layer is not None and layer.kind is HazardKind.OTHER:
            add_error(self.hazard_layer, LAYER_KIND)
            return False
        if layer is not None and layer.kind is HazardKind.FLOOD and not self.min_flood_rank.data:
            add_error(self.min_flood_rank, NO_RANK)
            return False
        if not self.districts.data and layer is None:
            add_error(self.districts, NO_AREA)
            return False
        return valid

    def layer(self) -> HazardLayer | None:
        return self.layers.get(self.hazard_layer.data or NONE)

    def flood_rank(self) -> int | None:
        layer = self.layer()
        if layer is None or layer.kind is not HazardKind.FLOOD:
            return None
        return self.min_flood_rank.data or None

    def area_key(self) -> str:
        """The area and release as chosen, to tell whether the counted area is still the one."""
        layer = self.layer()
        return "d{}|h{}|r{}|v{}".format(
            ",".join(str(d) for d in sorted(self.districts.data or [])),
            layer.id if layer is not None else NONE,
            self.flood_rank() or NONE,
            self.release.data or NONE,
        )


class EndForm(FlaskForm):
    """Ending an operation: the version the page showed, and a tick that says it is meant."""

    version = HiddenField()
    confirm = BooleanField(
        _l("I confirm that the operation ends now: no more reports are taken"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class HandoffForm(FlaskForm):
    """Handing a person not reached to a team, the fire service or the police."""

    to_kind = RadioField(
        _l("Hand to"),
        choices=[
            (HandoffKind.TEAM.value, _l("A team")),
            (HandoffKind.FIRE.value, _l("The fire service")),
            (HandoffKind.POLICE.value, _l("The police")),
        ],
        validators=[DataRequired(_l("Choose who takes the person on."))],
    )
    to_name = StringField(
        _l("Team, station or unit"), filters=[strip], validators=[Optional(), Length(max=120)]
    )
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Length(max=1000)])

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.to_kind.data == HandoffKind.TEAM.value and not self.to_name.data:
            add_error(self.to_name, _l("Name the team."))
            return False
        return valid


#: The export's destination that is no partner: the municipality's own 被災者台帳.
INTERNAL = "internal"


class ExportForm(FlaskForm):
    """Who a copy of the statuses is for: an organisation of the fire service or the police
    with an agreement in force (a copy in its ledger), or the internal 被災者台帳."""

    destination = SelectField(
        _l("Who the copy is for"), validators=[DataRequired(_l("Choose who the copy is for."))]
    )
