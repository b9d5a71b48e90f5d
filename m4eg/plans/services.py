"""The plans domain's public face: other domains, the command line, scripts and the views
reach the plan rules through this module (the import contract forbids reaching the modules
below directly). The rules themselves live in focused modules:

- :mod:`.plan_templates` — template files and their versions, planning cycles and deadlines;
- :mod:`.drafting` — starting a plan, reading a block's form, saving a block, what is
  missing, the plan as text, budget totals;
- :mod:`.review` — the queue, the state machine, comments, history, revisions and diffs;
- :mod:`.notifications` — the mail of status changes and comments, deadline reminders;
- :mod:`.monitoring` — reporting rounds and monitoring reports of approved plans;
- :mod:`.checks` — the consistency checks a template version defines;
- :mod:`.progress` — targets, actions and budget as the accepted monitoring reports show them;
- :mod:`.blockform` — the block form's field names;
- :mod:`.openplans` — approved plans in public, withholding one; :mod:`.extensions` —
  requests for more time and the deadline in force; :mod:`.workbook` — the offline workbook.
"""

from __future__ import annotations

from .checks import blocking, plan_findings
from .drafting import (
    TEXT_MAX,
    as_text,
    budget_tables,
    complete_blocks,
    conflict_versions,
    is_year,
    missing,
    next_block,
    parse_block,
    progress,
    save_block,
    start_plan,
    totals,
)
from .errors import PlanConflict, PlanError
from .extensions import DueReport, due_reports, overdue_reports
from .models import EDITABLE, PlanAction, PlanStatus
from .monitoring import (
    NARRATIVE,
    SECTIONS,
    accept_report,
    add_report_comment,
    edit_round,
    funding_source_labels,
    get_report,
    get_report_comment,
    get_round,
    monitoring_figures,
    parse_report,
    plan_rows,
    report_as_text,
    report_comments,
    report_diff,
    report_findings,
    report_history,
    report_missing,
    report_revisions,
    reports_in_rounds,
    reports_of,
    resolve_report_comment,
    return_note,
    return_report,
    rounds,
    rounds_to_report,
    save_report,
    save_round,
    source_labels,
    start_report,
    start_report_review,
    submit_report,
)
from .monitoring_models import NEEDS_REASON, REPORT_EDITABLE, ActionProgress, ReportStatus
from .notifications import notify, plan_link, remind
from .openplans import OpenFilters, get_open_plan, open_plans, open_plans_of, public_record
from .plan_templates import (
    DATA,
    cycles,
    days_left,
    deadline_for,
    get_cycle,
    latest_template,
    load_template,
    save_cycle,
)
from .progress import plan_progress
from .review import (
    PERSONAL_TABLES,
    add_comment,
    approve,
    comments,
    diff,
    events,
    export_for_user,
    get_comment,
    get_plan,
    history,
    municipality_summary,
    network_summary,
    open_comment_counts,
    plan_figures,
    plans_of,
    queue,
    queue_count,
    request_changes,
    resolve_comment,
    reviewer_note,
    revision_counts,
    revisions,
    start_review,
    status_counts,
    status_for,
    steps,
    submit,
)
from .workflow import compare as compare_revisions

__all__ = [
    "DATA", "EDITABLE", "TEXT_MAX", "PlanAction", "PlanConflict", "PlanError", "PlanStatus",
    "add_comment", "approve", "as_text", "budget_tables", "comments", "complete_blocks",
    "PERSONAL_TABLES", "conflict_versions", "cycles", "days_left", "deadline_for", "diff",
    "events", "export_for_user",
    "get_comment", "get_cycle",
    "get_plan", "history", "is_year", "latest_template", "load_template", "missing",
    "municipality_summary", "network_summary",
    "next_block", "notify", "open_comment_counts", "parse_block", "plan_figures", "plan_link",
    "plans_of", "progress", "queue", "queue_count", "remind", "request_changes",
    "resolve_comment", "reviewer_note", "revision_counts", "revisions", "save_block",
    "save_cycle", "start_plan", "start_review", "status_counts", "status_for", "steps",
    "submit", "totals",
    # open plans (issue 21)
    "OpenFilters", "get_open_plan", "open_plans", "open_plans_of", "public_record",
    # monitoring (issue 21, part A)
    "NARRATIVE", "NEEDS_REASON", "REPORT_EDITABLE", "SECTIONS", "ActionProgress",
    "ReportStatus", "accept_report", "add_report_comment", "blocking", "funding_source_labels",
    "get_report",
    "get_report_comment", "get_round", "monitoring_figures", "plan_findings", "plan_progress",
    "plan_rows", "report_comments", "report_findings", "report_history", "report_missing",
    "report_revisions", "reports_in_rounds", "reports_of", "resolve_report_comment",
    "return_note", "return_report", "parse_report", "report_as_text", "report_diff",
    "rounds", "rounds_to_report", "save_report", "save_round", "source_labels", "start_report",
    "start_report_review", "submit_report",
    # deadlines of reporting rounds (issue 21)
    "DueReport", "compare_revisions", "due_reports", "edit_round", "overdue_reports",
]
