"""Read a form out of a page as a browser would submit it: the fields and their values."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    """Collects the fields of the first POST form that posts to `action`; a form without an
    action attribute posts to the page's own URL, `here`."""

    def __init__(self, action: str, here: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.here = action, here
        self.inside = self.done = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done:
            posts = a.get("method", "get").lower() == "post"
            self.inside = posts and (a.get("action") or self.here) == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, _as_submitted("".join(self._text))))
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def _as_submitted(text: str) -> str:
    """A text area's content as a browser sends it: the parser reads line breaks as LF and
    drops one right after the tag; the form sends every line break as CRLF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\n")
    return text.replace("\n", "\r\n")


def form_fields(page: str, action: str, here: str) -> dict[str, list[str]]:
    """The fields of the form on the page at `here` that posts to `action`."""
    reader = _FormReader(action, here)
    reader.feed(page)
    assert reader.done, f"no form posting to {action} on the page"
    fields: dict[str, list[str]] = {}
    for name, value in reader.fields:
        fields.setdefault(name, []).append(value)
    return fields
