"""Every text box has a length limit, checked on the server and shown to the browser."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

from sqlalchemy import func, select
from wtforms import Form, HiddenField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

import roster
from roster.models import MailingRound

ROOT = Path(__file__).resolve().parent.parent
#: Kinds of <input> a person cannot type free text into.
NOT_TYPED = {"hidden", "checkbox", "radio", "submit", "button", "file", "number", "date",
             "color", "range", "image", "reset"}


def form_classes() -> list[type[Form]]:
    """Every form class defined anywhere in roster."""
    found: dict[str, type[Form]] = {}
    for module_info in pkgutil.walk_packages(roster.__path__, "roster."):
        if module_info.name == "roster.wsgi":
            continue  # builds a production app; it defines no form
        module = importlib.import_module(module_info.name)
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, Form) and obj.__module__ == module.__name__:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return list(found.values())


def text_fields(form: type[Form]) -> list[tuple[str, UnboundField]]:
    """The fields of the class a person types text into (hidden fields carry versions)."""
    return [
        (name, field) for name in dir(form)
        if isinstance(field := getattr(form, name, None), UnboundField)
        and issubclass(field.field_class, StringField)
        and not issubclass(field.field_class, HiddenField)
    ]


def has_max_length(field: UnboundField) -> bool:
    validators = field.kwargs.get("validators") or (field.args[1] if len(field.args) > 1 else [])
    return any(isinstance(v, Length) and v.max is not None and v.max > 0 for v in validators)


def test_the_walk_finds_the_forms_of_every_feature():
    names = {f.__name__ for f in form_classes()}
    assert {"NewRoundForm", "ReplyForm", "ConsentForm", "RegistrantForm", "ContactForm",
            "AgreementForm", "PlanForm", "ShelterForm", "LoginForm"} <= names
    assert len(names) > 40


def test_every_text_field_of_every_form_has_a_length_limit():
    missing = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in form_classes()
        for name, field in text_fields(form)
        if not has_max_length(field)
    ]
    assert not missing, "add Length(max=…) to:\n" + "\n".join(missing)


def test_a_field_without_a_limit_is_caught():
    class Careless(Form):
        title = StringField("t")
        kept = StringField("k", validators=[Length(max=10)])

    assert [name for name, f in text_fields(Careless) if not has_max_length(f)] == ["title"]


def test_every_typed_input_written_in_a_template_has_a_maxlength():
    missing = []
    for path in (ROOT / "templates").rglob("*.html"):
        for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", path.read_text(encoding="utf-8")):
            kind = re.search(r'type="([a-z]+)"', tag)
            if (kind and kind.group(1) in NOT_TYPED) or "readonly" in tag:
                continue
            if "maxlength" not in tag:
                missing.append(f"{path.relative_to(ROOT)}: {tag}")
    assert not missing, "\n".join(missing)


def test_the_browser_is_told_the_limit(client, auth, world):
    auth.login("t_staff")
    page = client.get("/rounds/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*maxlength="120"[^>]*name="title"', page)
    reply = client.get("/rounds/reply").get_data(as_text=True)
    assert re.search(r'<input[^>]*maxlength="100"[^>]*name="proxy_name"', reply)


def test_a_3000_character_title_is_refused_and_creates_nothing(client, auth, db, world):
    auth.login("t_staff")
    response = client.post("/rounds/new", data={
        "title": "あ" * 3000, "target": "unanswered", "district_id": "0", "language": "ja",
        "confirm": "1"})
    assert response.status_code == 422
    assert db.scalar(select(func.count(MailingRound.id))) == 0
