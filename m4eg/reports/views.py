"""The annual report of a period: the page, its PDF and Word file, the coordinators' texts
and the step that makes it final. A final report is public; until then only those who
write it (``reports.edit``) read it."""

from __future__ import annotations

from datetime import date

from flask import abort, make_response, render_template, request, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from ..core.i18n import current_language
from ..core.markdown import render_plan_text
from ..core.numbers import format_number
from ..core.permissions import PUBLIC, allow, can
from ..core.views import submit
from . import bp, services
from .docx import report_docx
from .forms import ReportTextsForm, texts
from .models import SECTIONS
from .pdf import report_pdf


def _opened():
    """The period asked for and its report (texts), or abort: 400 with the reason on the
    period form for a bad period, sign-in or 403 for a report that is not final yet."""
    try:
        period = services.parse_period(request.args)
    except services.ReportError as error:
        abort(make_response(render_template("reports/period.html", error=error.message,
                                            finals=services.final_reports()), 400))
    report = services.get_report(period)
    return period, report


def _readable(report) -> None:
    """A final report is for everyone; a draft for those who write it. Anyone else, signed
    in or not, is told that it is not final yet (403), not sent to a sign-in that would
    not open it either."""
    if services.is_public(report) or can(current_user, "reports.edit"):
        return
    abort(make_response(render_template("reports/not_final.html"), 403))


def render_helpers(lang: str) -> dict:
    """How the three renderings write the report's data in ``lang``."""
    return {"t": lambda texts_: services.pick(texts_, lang),
            "n": lambda value: services.count_text(value, format_number),
            "when": lambda event: services.event_date(event, format_date),
            "note": lambda report, section: services.pick(
                (report.notes or {}).get(section) if report else None, lang),
            "format_date": format_date, "lang": lang}


def _status(report, data: dict) -> str:
    if report is not None and report.is_final:
        return _("Final report, finalised on %(date)s by %(name)s.",
                 date=format_datetime(report.finalised_at, "d MMMM y, HH:mm"),
                 name=report.finalised_by_name)
    return _("Draft: counted from the records on %(date)s; it changes with them until it is "
             "marked final.", date=format_date(date.fromisoformat(data["generated_on"]),
                                               "d MMMM y"))


def _context(period, report) -> dict:
    data = services.content(period, report)
    title = _("Key highlights %(start)s – %(end)s, Azerbaijan",
              start=format_date(period.start, "LLLL y"),
              end=format_date(period.last_month, "LLLL y"))
    return {"period": period, "report": report, "data": data, "title": title,
            "status": _status(report, data), "sections": SECTIONS,
            "section_title": services.section_title, **render_helpers(current_language())}


@bp.route("/report")
@allow(PUBLIC)
def show():
    if not request.args.get("from") and not request.args.get("to"):
        return render_template("reports/period.html", error=None,
                               finals=services.final_reports())
    period, report = _opened()
    _readable(report)
    return render_template("reports/show.html", markdown=render_plan_text,
                           plans_line=services.plans_line, sessions_line=services.sessions_line,
                           disclaimer=services.disclaimer, quoted=services.quoted,
                           figure_value=services.figure_value,
                           attendance=services.attendance,
                           sorted_courses=services.sorted_courses,
                           status_caption=services.status_caption,
                           **_context(period, report))


def _download(body: bytes, mimetype: str, period, extension: str):
    response = make_response(body)
    response.mimetype = mimetype
    args = period.as_args()
    name = f"m4eg-report-{args['from']}-{args['to']}-{current_language()}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/report.pdf")
@allow(PUBLIC)
def pdf():
    period, report = _opened()
    _readable(report)
    return _download(report_pdf(_context(period, report)), "application/pdf", period, "pdf")


@bp.route("/report.docx")
@allow(PUBLIC)
def docx():
    period, report = _opened()
    _readable(report)
    mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return _download(report_docx(_context(period, report)), mimetype, period, "docx")


@bp.route("/report/edit", methods=["GET", "POST"])
@allow(action="reports.edit")
def edit():
    """The texts' form; its second button ("Save and mark final") saves what is typed and
    marks the report final, on the version the page was opened on."""
    period, report = _opened()
    form = ReportTextsForm(data=services.texts_of(report) if request.method == "GET" else None)

    def page():
        return render_template("reports/edit.html", form=form, period=period, report=report,
                               sections=SECTIONS, section_title=services.section_title)

    if report is not None and report.is_final and request.method == "GET":
        return page()
    if "finalise" in request.form:
        return submit(form, lambda version: services.save_and_finalise(
            period, texts(form), current_user, version=version), page=page,
            then=url_for("reports.show", **period.as_args()), versioned=True,
            done=_("The report is final: its figures and texts will no longer change, and "
                   "anyone may read it."))
    return submit(form, lambda version: services.save_texts(period, texts(form),
                                                            version=version),
                  page=page, then=url_for("reports.show", **period.as_args()),
                  done=_("The report's texts have been saved."), versioned=True)
