"""Catalogue, course and lesson pages, quiz, progress, certificates, reports."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from ..core.cache import cached_page
from ..core.exports import table_response
from ..core.i18n import current_language
from ..core.permissions import AUTHENTICATED, PUBLIC, allow, authorize
from ..core.privacy import suppress
from ..core.sections import render_sections
from ..core.security import public_url
from ..core.views import act, get_or_404
from ..extensions import db
from . import bp, certificates_bp, services
from .certificate import certificate_pdf
from .labels import TOPIC_LABELS

OWNER_HEADER = "X-M4EG-User"


@bp.after_request
def _name_the_user(response):
    """Whose page this is (the user's id, empty for a visitor): the service worker refreshes
    a course page kept for offline reading only with a response for the same person
    (static/js/offline-sw.js)."""
    response.headers[OWNER_HEADER] = str(current_user.id) if current_user.is_authenticated else ""
    return response


@bp.route("/")
@cached_page
@allow(PUBLIC)
def index():
    topics = services.offered_topics()
    topic = request.args.get("topic", "")
    topic = topic if topic in topics else ""
    return render_template("courses/index.html", courses=services.courses(topic), topic=topic,
                           topics=topics)


@bp.route("/my-learning")
@allow(AUTHENTICATED)
def my_learning():
    # Sections other domains add (the workshops registrations), through core.sections.
    return render_template("courses/my_learning.html",
                           progress=services.my_learning(current_user),
                           sections=render_sections("my_learning", current_user))


@bp.route("/<slug>")
@cached_page
@allow(PUBLIC)
def show(slug):
    course = get_or_404(services.get_course(slug))
    enrolment = done = best = issued = None
    if current_user.is_authenticated:
        enrolment = services.enrolment(current_user, course.slug)
        if enrolment:
            done = services.done_lessons(current_user, course)
            best = services.best_attempt(current_user, course.slug)
            issued = services.certificate_for(current_user, course.slug)
    resume = None
    if enrolment and enrolment.completed_at is None:
        resume = services.Resume(course, services.next_lesson(course, done))
    return render_template("courses/show.html", course=course, enrolment=enrolment,
                           done=done or set(), best=best, topics=TOPIC_LABELS, resume=resume,
                           certificate=issued)


@bp.route("/<slug>/enrol", methods=["POST"])
@allow(AUTHENTICATED)
def enrol(slug):
    course = get_or_404(services.get_course(slug))
    return act(lambda: services.enrol(current_user, course),
               done=_("You are enrolled. Start with the first lesson."),
               then=url_for("courses.show", slug=course.slug))


def _back_to_enrol(course):
    flash(_("Enrol in the course to read its lessons."), "info")
    return redirect(url_for("courses.show", slug=course.slug))


def _enrolled_or_redirect(course):
    if services.enrolment(current_user, course.slug) is None:
        return _back_to_enrol(course)
    return None


@bp.route("/<slug>/<lesson_slug>")
@allow(AUTHENTICATED)
def lesson(slug, lesson_slug):
    course = get_or_404(services.get_course(slug))
    current = get_or_404(course.lesson(lesson_slug))
    done = services.progress_if_enrolled(current_user, course)
    if done is None:
        return _back_to_enrol(course)
    index = current.position - 1
    return render_template(
        "courses/lesson.html", course=course, lesson=current,
        previous=course.lessons[index - 1] if index > 0 else None,
        next=course.lessons[index + 1] if index + 1 < len(course.lessons) else None,
        done=done, lang=current_language(),
    )


@bp.route("/<slug>/<lesson_slug>/done", methods=["POST"])
@allow(AUTHENTICATED)
def mark_done(slug, lesson_slug):
    course = get_or_404(services.get_course(slug))
    following = course.lessons[get_or_404(course.lesson(lesson_slug)).position:]
    then = (url_for("courses.lesson", slug=course.slug, lesson_slug=following[0].slug)
            if following else url_for("courses.quiz", slug=course.slug))
    if _wants_json():
        return _mark_done_json(course, lesson_slug, then)
    return act(lambda: services.mark_done(current_user, course, lesson_slug), then=then,
               refused=url_for("courses.show", slug=course.slug))


def _wants_json() -> bool:
    # static/js/offline.js sends a "done" pressed offline once the connection is back, and
    # reads the answer rather than following a redirect.
    return request.accept_mimetypes.best == "application/json"


def _mark_done_json(course, lesson_slug, then):
    try:
        recorded = services.mark_done(current_user, course, lesson_slug)
    except services.CourseError as error:
        db.session.rollback()
        return jsonify(done=False, message=str(error.message)), 403
    db.session.commit()
    return jsonify(done=True, recorded=recorded, then=then)


@bp.route("/<slug>/quiz", methods=["GET", "POST"])
@allow(AUTHENTICATED)
def quiz(slug):
    course = get_or_404(services.get_course(slug))
    if (response := _enrolled_or_redirect(course)) is not None:
        return response
    if request.method == "POST":
        return _submit_quiz(course)
    try:
        paper = services.open_paper(current_user, course)
    except services.QuizClosed as error:
        return _quiz_page(course, closed=error.message)
    db.session.commit()  # the paper drawn stays the same on a reload
    return _quiz_page(course, paper=paper)


def _submit_quiz(course):
    answers = {key[2:]: request.form.getlist(key) for key in request.form if key.startswith("q-")}
    paper_id = request.form.get("paper", "")
    try:
        attempt = services.submit_quiz(current_user, course, paper_id, answers)
    except services.AlreadyGraded as error:
        db.session.rollback()
        flash(error.message, "info")
        return _quiz_page(course, review=services.review(current_user, course, error.attempt))
    except services.QuizInvalid as error:
        return _refused(course, answers, error.problems)
    except services.QuizClosed as error:
        return _quiz_page(course, closed=error.message, status=403)
    db.session.commit()
    return _quiz_page(course, review=services.review(current_user, course, attempt))


def _refused(course, answers, problems):
    """The same paper again (a new one if the form named none of the learner's), with the
    answers as typed and what was wrong with them."""
    try:
        paper = services.open_paper(current_user, course)
    except services.QuizClosed as error:
        return _quiz_page(course, closed=error.message, status=403)
    db.session.commit()
    return _quiz_page(course, paper=paper, answers=answers, problems=problems, status=400)


def _quiz_page(course, *, paper=None, answers=None, problems=None, review=None, closed=None,
               status=200):
    return render_template(
        "courses/quiz.html", course=course, answers=answers or {}, problems=problems or {},
        paper=paper, questions=services.paper_questions(course, paper) if paper else [],
        review=review, closed=closed, left=services.attempts_left(current_user, course),
        history=services.attempts(current_user, course.slug),
        complete=services.is_complete(current_user, course)), status


@bp.route("/<slug>/certificate")
@allow(AUTHENTICATED)
def certificate(slug):
    course = get_or_404(services.get_course(slug))
    try:
        issued = services.issue_certificate(current_user, course, current_language())
    except services.CourseError as error:
        return render_template("errors/error.html", code=403,
                               title=_("No certificate yet"), message=error.message), 403
    db.session.commit()
    return redirect(url_for("certificates.show", code=issued.code))


@bp.route("/reports")
@allow(action="courses.manage")
def reports():
    return render_template("courses/reports.html", report=services.report(),
                           courses={c.slug: c for c in services.courses()})


@bp.route("/reports.<any(csv, xlsx):fmt>")
@allow(action="courses.manage")
def export_reports(fmt):
    return table_response(services.report_rows(current_language()), fmt, "m4eg-ulc-results",
                          sheet_title="ULC")


@certificates_bp.route("/")
@allow(PUBLIC)
def find_certificate():
    """The verifier's form: the code typed off the paper, in any case, with or without dashes."""
    typed = request.args.get("code")
    if typed is None:
        return render_template("courses/certificate_find.html", typed="", problem=None)
    try:
        code = services.normalise_code(typed)
    except services.CourseError as error:
        return render_template("courses/certificate_find.html", typed=typed[:40],
                               problem=error.message), 400
    return redirect(url_for("certificates.show", code=code))


def _certificate_or_not_found(code):
    """The certificate, or the translated page saying no certificate has this code (404)."""
    issued = services.certificate_by_code(code)
    if issued is None:
        abort(make_response(render_template("courses/certificate_find.html", typed=code[:40],
                                            problem=None, unknown=True), 404))
    return issued


@certificates_bp.route("/<code>", endpoint="show")
@allow(PUBLIC)
def verify_certificate(code):
    issued = _certificate_or_not_found(code)
    if issued.code != code:  # typed in lower case or without dashes: one address per code
        return redirect(url_for("certificates.show", code=issued.code))
    return render_template("courses/certificate.html", certificate=issued,
                           reason_max=services.REVOKE_REASON_MAX)


@certificates_bp.route("/<code>/revoke", methods=["POST"])
@allow(action="certificates.revoke")
def revoke(code):
    issued = _certificate_or_not_found(code)
    try:
        services.revoke_certificate(issued, current_user, request.form.get("reason", ""),
                                    ip=request.remote_addr)
    except services.CourseError as error:
        db.session.rollback()
        return render_template("courses/certificate.html", certificate=issued,
                               reason_max=services.REVOKE_REASON_MAX, problem=error.message,
                               reason=request.form.get("reason", "")[:600]), 400
    db.session.commit()
    flash(_("The certificate is revoked."), "success")
    return redirect(url_for("certificates.show", code=issued.code))


@certificates_bp.route("/<code>.pdf")
@allow(AUTHENTICATED)
def pdf(code):
    issued = _certificate_or_not_found(code)
    authorize("certificates.download", issued)
    if issued.revoked:
        return render_template("errors/error.html", code=410, title=_("Certificate revoked"),
                               message=_("This certificate was revoked on %(date)s, so it "
                                         "cannot be downloaded. Reason: %(reason)s",
                                         date=format_date(issued.revoked_at, "long"),
                                         reason=issued.revoke_reason)), 410
    language = current_language()
    verify = public_url("certificates.show", code=issued.code, lang_code=language)
    return Response(certificate_pdf(issued, verify, language), mimetype="application/pdf",
                    headers={"Content-Disposition":
                             f'inline; filename="m4eg-certificate-{issued.code}-{language}.pdf"'})


def member_section(municipality):
    """The member page's ULC section (registered in ``init_app``): a small count of learners
    is never published exactly."""
    return render_template("courses/_member_section.html",
                           learners=suppress(services.count_learners(municipality.id)))
