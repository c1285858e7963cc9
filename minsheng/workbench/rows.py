"""Fast HTML for the parts of the queue page that repeat: the 50 case rows and the filter selects.

Why not the template: with Django's template engine the rows cost ~1 ms each and the filter form's
select widgets (one template per option) another ~25 ms, which alone used most of the 150 ms budget
of a queue page (docs/performance.md, "Back office"). Here each row is one `format_html` call with
the per-request constants (labels, URL prefix) computed once. Escaping is `format_html`'s, so
nothing the citizen wrote reaches the page unescaped; the markup is the same as the template's was.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from minsheng.cases.models import Case, Priority, Status


class FastSelect(forms.Select):
    """A <select> rendered in Python: the same HTML as Django's Select for flat choices, without a
    template render per option (the category list has hundreds)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None,
               renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        selected = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{_e(key)}"{" selected" if key in selected else ""}>{_e(label)}</option>'
            for key, label in ((("" if v is None else str(v)), label) for v, label in self.choices))
        attr_html = "".join(f" {_e(k)}" if v is True else f' {_e(k)}="{_e(v)}"'
                            for k, v in final.items() if v is not None and v is not False)
        return mark_safe(f'<select name="{_e(name)}"{attr_html}>{options}</select>')  # noqa: S308 - every part escaped by _e


def _e(value: Any) -> str:
    """Escape for HTML text and attribute values, like django.utils.html.escape (which is lazy-aware
    and several times slower per call); strings already marked safe pass through."""
    if isinstance(value, SafeString):
        return value
    return html.escape(str(value), quote=True)


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def queue_rows(cases: Sequence[Case], *, can_bulk: bool) -> SafeString:
    """The <tr> rows of a queue page (cases carry `left`, `redline` and `supervision_overdue` set by
    the view)."""
    if not cases:
        return format_html('<tr><td colspan="{}" class="empty">{}</td></tr>', 10 if can_bulk else 9,
                           _("No cases here."))
    case_url = reverse("workbench:case", args=[0])[:-2]  # ".../cases/" + pk + "/"
    status_label = {value: _e(label) for value, label in Status.choices}
    priority_label = {value: _e(label) for value, label in Priority.choices}
    supervised = f' <span class="badge supervised">{_e(_("Supervised"))}</span>'
    supervision_overdue = f' <span class="badge supervised overdue">{_e(_("Supervision overdue"))}</span>'
    redo = f' <span class="badge redo">{_e(_("Redo"))}</span>'
    redline_badge = {
        "critical": f' <span class="badge redline critical">{_e(_("Unanswered 3 months"))}</span>',
        "flag": f' <span class="badge redline">{_e(_("Unanswered 2 months"))}</span>',
    }
    select_label = _("Select %(code)s")
    out = []
    for case in cases:
        url = f"{case_url}{case.pk}/"
        left = case.left  # type: ignore[attr-defined]
        redline = case.redline  # type: ignore[attr-defined]
        css = f"row-{left.css}" + (f" redline-{redline}" if redline else "")
        checkbox = (
            f'<td><input type="checkbox" name="case" value="{case.pk}:{case.version}" id="sel-{case.pk}" '
            f'aria-label="{_e(select_label % {"code": case.tracking_code})}"></td>'
        ) if can_bulk else ""
        if case.supervision_overdue:  # type: ignore[attr-defined]
            supervision_badge = supervision_overdue
        else:
            supervision_badge = supervised if case.is_supervised else ""
        badges = supervision_badge + (redo if case.redo_count else "") + redline_badge.get(redline, "")
        due_title = f' title="{_local(case.next_due_at)}"' if case.next_due_at else ""
        dept = _e(case.lead_department.name) if case.lead_department else "—"
        out.append(
            f'<tr data-href="{url}" class="{_e(css)}">{checkbox}\n'
            f'<td class="c-code"><a href="{url}">{_e(case.tracking_code)}</a></td>\n'
            f'<td class="c-title">{_e(case.title)}{badges}</td>\n'
            f'<td class="c-site">{_e(case.site.name)}</td><td class="c-channel">{_e(case.channel.name)}</td>'
            f'<td class="c-dept">{dept}</td>\n'
            f'<td class="c-status"><span class="status status-{_e(case.status)}">'
            f'{status_label.get(case.status) or _e(case.status)}</span></td>\n'
            f'<td class="c-prio prio prio-{_e(case.priority)}">'
            f'{priority_label.get(case.priority) or _e(case.priority)}</td>\n'
            f'<td class="c-when">{_local(case.submitted_at)}</td>\n'
            f'<td class="c-left"><span class="left {_e(left.css)}"{due_title}>{_e(left.label)}</span></td></tr>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 - every interpolated value is escaped by _e


def options_html(rows: Iterable[tuple[Any, Any]]) -> SafeString:
    """<option>s for a plain list of (value, label)."""
    return mark_safe("".join(f'<option value="{_e(v)}">{_e(label)}</option>' for v, label in rows))  # noqa: S308
