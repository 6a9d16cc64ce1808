"""Every action the audit trail records has a label, and the trail's page shows words:
action labels, the object in words, details as labelled lines, no setting or command names."""

from __future__ import annotations

import ast
import pathlib
import re

from roster.labels import ACTION_LABELS
from roster.models import ProvisionFormat

ROOT = pathlib.Path(__file__).resolve().parent.parent / "roster"
SHAPE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
#: The functions that write an event, and the position of their action argument.
WRITERS = {"record_event": 1, "record_disclosure": 2}
#: Actions whose code is built from a value (an f-string) rather than written out.
BUILT = {f"provision.{f.value}" for f in ProvisionFormat} | {
    f"agreement.{a}" for a in ("create", "update", "activate", "suspend", "resume", "terminate")
}


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _trees() -> list[ast.Module]:
    return [ast.parse(p.read_text(encoding="utf-8")) for p in sorted(ROOT.rglob("*.py"))]


def _wrappers(trees: list[ast.Module]) -> dict[str, set[int]]:
    """The writers, and every function that passes one of its parameters on as the action
    of a writer (or of another such function): name -> positions of that parameter."""
    found: dict[str, set[int]] = {k: {v} for k, v in WRITERS.items()}
    changed = True
    while changed:
        changed = False
        for tree in trees:
            for func in ast.walk(tree):
                if not isinstance(func, ast.FunctionDef):
                    continue
                params = [a.arg for a in func.args.args]
                for call in (n for n in ast.walk(func) if isinstance(n, ast.Call)):
                    for arg in _action_args(call, found):
                        if isinstance(arg, ast.Name) and arg.id in params:
                            index = params.index(arg.id)
                            if index not in found.setdefault(func.name, set()):
                                found[func.name].add(index)
                                changed = True
    return found


def _action_args(call: ast.Call, wrappers: dict[str, set[int]]) -> list[ast.expr]:
    args = [call.args[i] for i in wrappers.get(_name(call), ()) if i < len(call.args)]
    return args + [k.value for k in call.keywords if k.arg in ("action", "denied")]


def _strings(node: ast.expr, names: dict[str, list[str]]) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name):
        return names.get(node.id, [])
    if isinstance(node, ast.IfExp):
        return _strings(node.body, names) + _strings(node.orelse, names)
    return []


def _assigned(body: ast.AST, names: dict[str, list[str]]) -> dict[str, list[str]]:
    """The strings assigned to each plain name in a module or function."""
    found = dict(names)
    for node in ast.walk(body):
        if isinstance(node, ast.Assign):
            for target in (t for t in node.targets if isinstance(t, ast.Name)):
                found[target.id] = found.get(target.id, []) + _strings(node.value, names)
    return found


def recorded_actions() -> set[str]:
    """Every action code written in roster/ as the action of an audit event."""
    trees = _trees()
    wrappers = _wrappers(trees)
    actions: set[str] = set()
    for tree in trees:
        module = _assigned(ast.Module(body=[n for n in tree.body if isinstance(n, ast.Assign)],
                                      type_ignores=[]), {})
        for func in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            names = _assigned(func, module)
            for node in ast.walk(func):
                if isinstance(node, ast.Call):
                    for arg in _action_args(node, wrappers):
                        actions.update(_strings(arg, names))
                elif isinstance(node, ast.Dict):
                    for key, value in zip(node.keys, node.values, strict=True):
                        if isinstance(key, ast.Constant) and key.value == "action":
                            actions.update(_strings(value, names))
    return {a for a in actions if SHAPE.match(a)} | BUILT


def test_the_search_for_recorded_actions_finds_those_written_through_helpers():
    actions = recorded_actions()
    for known in ("registrant.bulk_status", "registrant.export", "round.add_members",
                  "password.reset", "plan.denied", "portal.map", "login.failed"):
        assert known in actions, known


def test_every_recorded_action_has_a_label():
    missing = sorted(recorded_actions() - set(ACTION_LABELS))
    assert missing == [], missing


def test_the_audit_page_shows_words_not_codes_settings_or_commands(client, auth, world, db):
    from roster.audit.operations import record_event

    person = world["consenting"]
    record_event(db, "registrant.bulk_status", actor=world["users"]["staff"],
                 object_type="registrant", object_id=person.id,
                 detail={"ids": list(range(1, 14)), "count": 1611, "status": "institutionalised",
                         "pseudonymous": True, "fields": ["status"], "page": "detail"})
    db.commit()
    auth.login("t_admin")
    html = client.get("/admin/audit/").get_data(as_text=True)
    table = html[html.index("<tbody>"):html.index("</tbody>")]
    assert "registrant.bulk_status" not in table and '"ids"' not in table
    assert "複数の人の状態を変更" in table
    assert f"対象者 {person.id}" in table
    assert "整理番号: 1、2、3、4、5、6、7、8、9、10 ほか 3 件" in table
    assert "件数: 1,611" in table and "状態: 施設入所" in table and "氏名なし: はい" in table
    assert "項目: 状態" in table and "ページ: 個人の詳細画面" in table
    assert "Asia/Tokyo" not in html and "verify-audit" not in html
