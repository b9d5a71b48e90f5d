"""A monitoring report as an offline workbook, both ways: the report is one more
:class:`.workbook.Subject` of the plan workbook's code (writing, checking, reading, the dry
run and the conflicts are all :mod:`.workbook`'s); this module only says what the report's
workbook holds and writes an accepted upload through :func:`.monitoring.save_report`.

The report form's parts are the sections: "actions" and "targets" as a grid (one fixed row
per action and per target of the plan as approved, the cells being the report form's own
inputs: ``a-<row>-status``, ``a-<row>-spent-<source>``, ``t-<row>-actual`` …), "narrative"
as three plain fields. The subject's content is the report's content flattened to those
inputs, so a change or a conflict is named input by input, and the upload is read with the
report form's reader (:func:`.monitoring.parse_report`) as if the form had been sent.
"""

from __future__ import annotations

from flask_babel import force_locale, get_locale, pgettext
from flask_babel import gettext as _

from ..core.audit import record
from ..core.numbers import format_number
from .errors import PlanError
from .monitoring import (
    NARRATIVE,
    NARRATIVE_MAX,
    NOTE_MAX,
    SECTIONS,
    parse_report,
    plan_rows,
    save_report,
    source_labels,
)
from .monitoring_models import REPORT_EDITABLE, ActionProgress, MonitoringReport
from .workbook import (
    LANGUAGES,
    Preview,
    Subject,
    WorkbookError,
    build,
    compare,
    number_text,
    read,
)

KIND = "report"


def _both(make) -> dict[str, str]:
    """A text in each workbook language: ``make()`` called under each locale."""
    texts = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            texts[lang] = str(make())
    return texts


def _statuses() -> list[dict]:
    return [{"key": status.value, "label": _both(lambda s=status: s.label)}
            for status in ActionProgress]


def _number_text(value, lang: str) -> str:
    return "—" if value is None else format_number(value, locale=lang)


def _planned(action: dict, labels: dict[str, dict[str, str]]) -> dict[str, str]:
    """The action's planned budget and, by funding source, what each source brings (what
    the form shows as "Planned" beside each source's input)."""
    texts = {}
    for lang in LANGUAGES:
        parts = [f"{labels[lang].get(source, source)}: {_number_text(amount, lang)}"
                 for source, amount in action["sources"].items()]
        texts[lang] = _number_text(action["budget"], lang) + (
            "\n" + "\n".join(parts) if parts else "")
    return texts


def _actions_section(actions: list[dict], labels: dict[str, dict[str, str]]) -> dict:
    sources = [key for key in labels["en"] if any(key in a["sources"] for a in actions)]
    statuses = _statuses()
    fields, rows = [], []
    for number, action in enumerate(actions, start=1):
        prefix, name = f"a-{action['row']}", f"{number}. {action['name']}"

        def label(make, name=name):
            return _both(lambda: f"{name} — {make()}")

        mine = [{"key": f"{prefix}-status", "type": "choice", "choices": statuses,
                 "label": label(lambda: _("Status"))},
                {"key": f"{prefix}-reason", "type": "text", "max": NOTE_MAX,
                 "label": label(lambda: _("Reason"))},
                {"key": f"{prefix}-done", "type": "number", "min": 0, "max": 100,
                 "label": label(lambda: _("Share done") + " (%)")}]
        spent = {}
        for source in sources:
            if source in action["sources"]:
                spent[source] = {"key": f"{prefix}-spent-{source}", "type": "number",
                                 "min": 0, "max": 100_000_000_000,
                                 "label": label(lambda s=source: _(
                                     "Spent from: %(source)s",
                                     source=_source_label(labels, s)))}
        note = {"key": f"{prefix}-note", "type": "text", "max": NOTE_MAX,
                "label": label(lambda: _("Note"))}
        fields += [*mine, *spent.values(), note]
        rows.append({"key": str(action["row"]), "cells": [
            {"text": name}, {"text": _planned(action, labels)},
            *({"field": item["key"]} for item in mine),
            *({"field": spent[s]["key"]} if s in spent else None for s in sources),
            {"field": note["key"]}]})
    columns = [{"label": _both(lambda: pgettext("an action of a P4EG plan", "Action")),
                "width": 40},
               {"label": _both(lambda: _("Planned budget (AZN)")), "width": 30},
               {"label": _both(lambda: _("Status") + " *"), "width": 18},
               {"label": _both(lambda: _("Reason (when postponed or cancelled)")),
                "width": 30},
               {"label": _both(lambda: _("Share done") + " (%)"), "width": 12},
               *({"label": _both(lambda s=s: _("Spent from: %(source)s",
                                               source=_source_label(labels, s)) + " (AZN)"),
                  "width": 16} for s in sources),
               {"label": _both(lambda: _("Note")), "width": 40}]
    return {"key": "actions", "title": _both(lambda: SECTIONS["actions"]),
            "intro": _both(lambda: _("For each action of the approved plan: its status, how "
                                     "much of it is done, the money spent in this round by "
                                     "funding source, and a note.")),
            "fields": fields, "grid": {"columns": columns, "rows": rows}}


def _source_label(labels: dict[str, dict[str, str]], source: str) -> str:
    """A funding source's label in the current language (its key when unknown)."""
    return labels.get(str(get_locale() or "az"), {}).get(source, source)


def _targets_section(targets: list[dict]) -> dict:
    fields, rows = [], []
    for number, target in enumerate(targets, start=1):
        prefix, name = f"t-{target['row']}", f"{number}. {target['name']}"
        actual = {"key": f"{prefix}-actual", "type": "number",
                  "label": _both(lambda name=name: f"{name} — {_('Actual value')}")}
        day = {"key": f"{prefix}-date", "type": "date",
               "label": _both(lambda name=name: f"{name} — {_('Date of the actual value')}")}
        fields += [actual, day]

        def with_year(value, year):
            return {lang: _number_text(value, lang) + (f" ({year})" if year else "")
                    for lang in LANGUAGES}

        rows.append({"key": str(target["row"]), "cells": [
            {"text": name}, {"text": target["unit"] or "—"},
            {"text": with_year(target["baseline"], target["baseline_year"])},
            {"text": with_year(target["target_value"], target["year"])},
            {"field": actual["key"]}, {"field": day["key"]}]})
    columns = [{"label": _both(lambda: _("Indicator")), "width": 40},
               {"label": _both(lambda: _("Unit")), "width": 12},
               {"label": _both(lambda: _("Baseline")), "width": 14},
               {"label": _both(lambda: _("Target")), "width": 14},
               {"label": _both(lambda: _("Actual value")), "width": 16},
               {"label": _both(lambda: _("Date of the actual value")), "width": 16}]
    return {"key": "targets", "title": _both(lambda: SECTIONS["targets"]),
            "intro": _both(lambda: _("For each target: the actual value and the day it was "
                                     "measured, inside the round's period.")),
            "fields": fields, "grid": {"columns": columns, "rows": rows}}


def _narrative_section() -> dict:
    return {"key": "narrative", "title": _both(lambda: SECTIONS["narrative"]),
            "fields": [{"key": f"n-{key}", "type": "text", "max": NARRATIVE_MAX,
                        "required": key == "changed", "label": _both(lambda label=label: label)}
                       for key, label in NARRATIVE]}


def report_sections(report: MonitoringReport) -> list[dict]:
    """The report form's parts as workbook sections (labels in both languages)."""
    actions, targets = plan_rows(report)
    labels = {lang: source_labels(report.plan, lang) for lang in LANGUAGES}
    return [_actions_section(actions, labels), _targets_section(targets),
            _narrative_section()]


def flat_content(report: MonitoringReport, content: dict | None) -> dict[str, dict]:
    """A report's content by part, each as the form's inputs → stored value."""
    content = content or {}
    actions, targets = plan_rows(report)
    entries = {e["row"]: e for e in content.get("actions") or []}
    actuals = {e["row"]: e for e in content.get("targets") or []}
    flat = {"actions": {}, "targets": {}, "narrative": {}}
    for action in actions:
        entry, prefix = entries.get(action["row"], {}), f"a-{action['row']}"
        flat["actions"].update({f"{prefix}-status": entry.get("status"),
                                f"{prefix}-reason": entry.get("reason") or "",
                                f"{prefix}-done": entry.get("done_pct"),
                                f"{prefix}-note": entry.get("note") or ""})
        for source in action["sources"]:
            flat["actions"][f"{prefix}-spent-{source}"] = (entry.get("spent") or {}).get(source)
    for target in targets:
        entry, prefix = actuals.get(target["row"], {}), f"t-{target['row']}"
        flat["targets"].update({f"{prefix}-actual": entry.get("actual"),
                                f"{prefix}-date": entry.get("date")})
    narrative = content.get("narrative") or {}
    flat["narrative"] = {f"n-{key}": narrative.get(key) or "" for key, _label in NARRATIVE}
    return flat


def report_subject(report: MonitoringReport, lang: str) -> Subject:
    """A monitoring report as a workbook's subject (titles in ``lang``)."""
    plan = report.plan
    with force_locale(lang):
        title = (_("Monitoring report %(round)s", round=report.round.name)
                 + f": {plan.municipality.name}")
        subtitle = f"{plan.template.title} · {plan.cycle.name}"

    def parse(section: dict, values: dict, page_lang: str) -> tuple[dict, dict]:
        content, problems = parse_report(report, values, page_lang)
        keys = {item["key"] for item in section["fields"]}
        return (flat_content(report, content)[section["key"]],
                {key: found for key, found in problems.items() if key in keys})

    return Subject(kind=KIND, id=report.id, template_code=plan.template.code,
                   template_version=plan.template.version, title=title, subtitle=subtitle,
                   sections=report_sections(report),
                   content=flat_content(report, report.content),
                   versions={KIND: report.version}, parse=parse,
                   field_name=lambda key: key)  # the cells are the form's own inputs


def build_for_report(report: MonitoringReport, lang: str) -> bytes:
    """The report's workbook with prompts in ``lang``, as XLSX bytes."""
    return build(report_subject(report, lang), lang)


def read_for_report(report: MonitoringReport, filename: str, content: bytes,
                    lang: str) -> Preview:
    """The dry run of an uploaded workbook of ``report`` for a reader of ``lang`` (nothing
    is written). A report that can no longer be edited is refused as a whole."""
    if report.status not in REPORT_EDITABLE:
        raise WorkbookError(_("This monitoring report is %(status)s and cannot be edited now.",
                              status=report.status_label))
    subject = report_subject(report, lang)
    return compare(subject, read(subject, filename, content, lang), lang)


def _form_text(value, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return number_text(value, lang)
    return str(value)


def apply_to_report(report: MonitoringReport, preview: Preview, user) -> list[str]:
    """Write the changes of a dry run without errors into the report's draft: the report as
    it is now with the workbook's changes, saved through the report form's rules
    (:func:`.monitoring.save_report`: a new version, an entry in the history) on the version
    the dry run compared with. Conflicting fields keep the report's value. Returns the
    parts written."""
    if preview.problems:
        raise PlanError(_("Nothing was written: correct the errors in the workbook first."))
    if not preview.changes:
        raise PlanError(_("Nothing to write: the workbook holds no change to this monitoring "
                          "report."))
    values = {}
    for part in flat_content(report, report.content).values():
        values.update(part)
    for change in preview.changes:
        values[change.field] = change.value
    with force_locale(preview.lang):
        save_report(report, {key: _form_text(value, preview.lang)
                             for key, value in values.items()},
                    user, version=preview.versions.get(KIND, 0), lang=preview.lang)
    written = preview.changed_sections()
    record("plans.report_workbook_applied", actor=user, target=report,
           after={"sections": written,
                  "fields": [c.field for c in preview.changes],
                  "conflicts_kept": [c.field for c in preview.conflicts]})
    return written
