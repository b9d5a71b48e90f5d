"""Account pages: thin handlers around accounts.services."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from ..core import audit
from ..core.exports import csv_response
from ..core.forms import add_error, select_choices
from ..core.i18n import current_language
from ..core.params import to_int
from ..core.permissions import ANONYMOUS, AUTHENTICATED, PUBLIC, allow, can
from ..core.security import is_safe_next, public_url
from ..core.views import act, get_or_404, submit
from ..extensions import db, limiter
from ..municipalities import services as municipalities
from . import bp, lifecycle, services
from .forms import (
    AccountActionForm,
    AuditFilterForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    RoleForm,
)
from .models import ROLE_LABELS
from .roles import assignable_roles


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))


def _signed_in_key() -> str:
    return f"password-change:{current_user.id}"


def _user_agent() -> str:
    return request.headers.get("User-Agent", "")


def lifetimes() -> services.SessionLifetimes:
    config = current_app.config
    return services.SessionLifetimes(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                                     absolute=timedelta(hours=config["SESSION_MAX_HOURS"]))


def load_user(token):
    """Flask-Login's user loader: the live session's user. It runs at the start of every
    request (the permission hook asks for ``current_user``), before any other write, so it
    commits the end of an expired session or the once-a-minute "last seen" on its own."""
    user = services.user_for_session(token, lifetimes())
    if db.session.dirty or db.session.deleted:
        db.session.commit()
    return user


def _sign_in(user) -> None:
    """Start a fresh session for ``user``: the old cookie's content is dropped."""
    session.clear()
    services.purge_sessions(lifetimes())
    services.start_session(user, ip=request.remote_addr, user_agent=_user_agent())
    db.session.commit()
    login_user(user)


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return ngettext("Try again in %(num)d second.", "Try again in %(num)d seconds.",
                        seconds)
    minutes = -(-seconds // 60)
    return ngettext("Try again in %(num)d minute.", "Try again in %(num)d minutes.", minutes)


def _with_municipalities(form):
    form.municipality_id.choices = select_choices(
        [(0, _("Choose your municipality")), *municipalities.choices(current_language())]
    )
    return form


@bp.route("/register", methods=["GET", "POST"])
@allow(ANONYMOUS)
@limiter.limit("20 per hour", methods=["POST"])
def register():
    form = _with_municipalities(RegisterForm())
    if request.method == "GET":
        form.preferred_language.data = current_language()
    # The same answer whether the address was new or already had an account.
    return submit(form, lambda: services.register_user(
        email=form.email.data, password=form.password.data, name=form.name.data,
        municipality_id=form.municipality_id.data, position=form.position.data,
        sex=form.sex.data, preferred_language=form.preferred_language.data,
        login_link=lambda lang: url_for("accounts.login", lang_code=lang, _external=True),
        forgot_link=lambda lang: url_for("accounts.forgot_password", lang_code=lang,
                                         _external=True),
        confirm_link=_confirm_link,
        confirm_hours=current_app.config["EMAIL_CONFIRMATION_HOURS"],
    ), done=lambda _user: _("Thank you. We have sent a message to %(email)s: open its link to "
                            "confirm your address, then log in with it and your password.",
                            email=services.normalise_email(form.email.data)),
        then=url_for("accounts.login"),
        page=lambda: render_template("accounts/register.html", form=form))


@bp.route("/login", methods=["GET", "POST"])
@allow(ANONYMOUS)
@limiter.limit("30 per minute", methods=["POST"])
def login():
    # The per-account limit lives in services.authenticate (counted before the password
    # check, see accounts.throttle).
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data,
                                         ip=request.remote_addr)
        except services.LoginThrottled as error:
            db.session.commit()  # keep the audit record of the warning
            form.form_errors.append(f"{error.message} {_wait_text(error.wait)}")
            page = render_template("accounts/login.html", form=form)
            return page, 429, {"Retry-After": str(error.wait)}
        except (services.InvalidCredentials, services.AccountDeactivated) as error:
            db.session.commit()  # keep the audit record of the failed attempt
            add_error(form, error)
            return render_template("accounts/login.html", form=form), (
                403 if isinstance(error, services.AccountDeactivated) else 200)
        else:
            _sign_in(user)
            target = form.next.data if is_safe_next(form.next.data) else url_for("main.index")
            return redirect(target)
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(AUTHENTICATED, unconfirmed=True)
def logout():
    return act(lambda: _signed_out(services.end_session(current_user.session_token)),
               done=_("You have logged out."), then=url_for("main.index"))


def _signed_out(_result=None) -> None:
    """Forget this browser's sign-in (the cookie's content), once its session has ended."""
    logout_user()
    session.clear()


@bp.route("/password/forgot", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("10 per 15 minutes", methods=["POST"])
@limiter.limit("3 per hour", key_func=_account_key, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    return submit(form, lambda: services.request_password_reset(
        form.email.data,
        lambda token, lang: public_url("accounts.reset_password", token=token, lang_code=lang),
        max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
    ), done=_("If an account uses this address, we have sent it a link to choose a new "
              "password. Check your inbox."), then=url_for("accounts.login"),
        page=lambda: render_template("accounts/forgot_password.html", form=form))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("20 per 15 minutes", methods=["POST"])
def reset_password(token):
    try:
        services.check_reset_token(token)
    except services.InvalidResetToken as error:
        return render_template("accounts/reset_invalid.html", message=error.message), 410
    form = ResetPasswordForm()
    return submit(form, lambda: _signed_out(services.reset_password(
        token, form.password.data, ip=request.remote_addr)),
        done=_("Your password has been changed. Log in with the new one."),
        then=url_for("accounts.login"),
        page=lambda: render_template("accounts/reset_password.html", form=form))


@bp.route("/password", methods=["GET", "POST"])
@allow(AUTHENTICATED, unconfirmed=True)
@limiter.limit("20 per hour", methods=["POST"])
@limiter.limit("10 per hour", key_func=_signed_in_key, methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()

    def change():
        services.change_password(user, form.current_password.data, form.password.data,
                                 ip=request.remote_addr, user_agent=_user_agent())
        session.clear()  # this browser goes on in the new session the service opened
        login_user(user)

    return submit(form, change, then=url_for("accounts.profile"),
                  done=_("Your password has been changed. Other devices have been logged out."),
                  page=lambda: render_template("accounts/change_password.html", form=form))


@bp.route("/profile", methods=["GET", "POST"])
@allow(AUTHENTICATED, unconfirmed=True)
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user if request.method == "GET" else None)
    if can(user, "profile.network_wide"):
        del form.municipality_id
    else:
        _with_municipalities(form)
    return submit(form, lambda version: services.update_profile(user, version=version, **{
        name: form[name].data for name in services.PROFILE_FIELDS if name in form}),
        versioned=True, done=_("Your profile has been saved."),
        then=lambda saved: url_for("accounts.profile", lang_code=saved.preferred_language),
        page=lambda: render_template(
            "accounts/profile.html", form=form, user=user,
            sessions=services.list_sessions(user, lifetimes()),
            is_this_device=lambda record: services.is_session_of(record, user.session_token),
            browser_label=services.browser_label))


@bp.route("/sessions/end-others", methods=["POST"])
@allow(AUTHENTICATED, unconfirmed=True)
def end_other_sessions():
    user = current_user._get_current_object()
    return act(lambda: services.end_other_sessions(user, user.session_token,
                                                   ip=request.remote_addr),
               done=_("You have been signed out everywhere else."),
               then=url_for("accounts.profile"))


@bp.route("/sessions/end-all", methods=["POST"])
@allow(AUTHENTICATED, unconfirmed=True)
def end_all_sessions():
    return act(lambda: _signed_out(services.end_other_sessions(
        current_user._get_current_object(), None, ip=request.remote_addr)),
        done=_("You have been signed out everywhere, including this browser."),
        then=url_for("accounts.login"))


@bp.route("/users/")
@allow(action="users.manage")
def users():
    role = request.args.get("role", "")
    role = role if role in ROLE_LABELS else ""
    page = to_int(request.args.get("page"), default=1, minimum=1, maximum=100_000)
    pagination = services.list_users(q=request.args.get("q", "")[:100], role=role,
                                     page=max(page, 1))
    forms = {
        user.id: _role_form(user) for user in pagination.items
        if can(current_user, "users.set_role", user)
    }
    return render_template("accounts/users.html", pagination=pagination, forms=forms,
                           role=role, q=request.args.get("q", ""), roles=ROLE_LABELS)


def _role_form(user, formdata=None, *, csrf=True):
    # The confirmation page is asked with GET: no token there, the POST it makes carries one.
    form = RoleForm(formdata=formdata, prefix=f"u{user.id}", **({} if csrf else {
        "meta": {"csrf": False}}))
    assignable = assignable_roles(current_user)
    form.role.choices = select_choices(
        (key, label) for key, label in ROLE_LABELS.items() if key in assignable
    )
    if formdata is None:
        form.role.data = user.role
        form.version.data = str(user.version)
    return form


@bp.route("/users/<int:user_id>/role", methods=["GET", "POST"])
@allow(action="users.set_role")
def set_role(user_id):
    """The user list's Save asks first on a page of its own (GET, the chosen role in the
    address); the confirmation posts the change."""
    target = get_or_404(services.get_user(user_id), "users.set_role")
    asking = request.method == "GET"
    form = _role_form(target, formdata=request.args if asking else request.form,
                      csrf=not asking)
    if not form.validate():
        flash(_("Choose a role from the list."), "error")
        return redirect(url_for("accounts.users"))
    if asking:
        return render_template("accounts/confirm_role.html", form=form, target=target,
                               role_label=ROLE_LABELS[form.role.data])
    return act(lambda: services.set_role(current_user, target, form.role.data,
                                         version=int(form.version.data),
                                         ip=request.remote_addr),
               done=lambda changed: _("%(name)s is now: %(role)s.", name=changed.name,
                                      role=changed.role_label),
               then=url_for("accounts.users", q=target.email) + f"#user-{target.id}")


@bp.route("/affiliations")
@allow(action="users.review_affiliations")
def affiliations():
    """People who chose a municipality and wait for it to confirm them."""
    scope = None if can(current_user, "users.manage") else current_user.municipality_id
    return render_template("accounts/affiliations.html",
                           people=services.pending_affiliations(scope))


@bp.route("/users/<int:user_id>/confirm", methods=["POST"])
@allow(action="users.confirm_affiliation")
def confirm_affiliation(user_id):
    target = get_or_404(services.get_user(user_id), "users.confirm_affiliation")
    return act(lambda: services.confirm_affiliation(current_user, target),
               done=lambda confirmed: _("%(name)s is confirmed as working for "
                                        "%(municipality)s.", name=confirmed.name,
                                        municipality=confirmed.municipality.name),
               then=url_for("accounts.affiliations"))


# ---------------------------------------------------------------- confirming the address


def _confirm_link(token: str, lang: str) -> str:
    return public_url("accounts.confirm_email", token=token, lang_code=lang)


def _resend_key() -> str:
    return f"confirm-resend:{current_user.id}"


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("20 per 15 minutes", methods=["POST"])
def confirm_email(token):
    """The link of the confirmation mail: a page with one button (a mail scanner that
    follows links must not spend it), which confirms the address."""
    try:
        services.check_confirmation(token)
    except services.InvalidConfirmation as error:
        return render_template("accounts/confirm_invalid.html", message=error.message), 410
    if request.method == "POST":
        try:
            services.confirm_email(token, ip=request.remote_addr)
        except services.InvalidConfirmation as error:
            db.session.rollback()
            return render_template("accounts/confirm_invalid.html", message=error.message), 410
        db.session.commit()
        flash(_("Thank you: your email address is confirmed."), "success")
        return redirect(url_for("accounts.profile" if current_user.is_authenticated
                                else "accounts.login"))
    return render_template("accounts/confirm_email.html")


@bp.route("/confirm/resend", methods=["POST"])
@allow(AUTHENTICATED, unconfirmed=True)
@limiter.limit("3 per hour", key_func=_resend_key, methods=["POST"])
def resend_confirmation():
    user = current_user._get_current_object()
    return act(lambda: services.resend_confirmation(
        user, _confirm_link, hours=current_app.config["EMAIL_CONFIRMATION_HOURS"]),
        done=_("We have sent a new link to %(email)s. Earlier links no longer work.",
               email=user.email),
        then=url_for("accounts.profile", _anchor="confirm-address"))


# ---------------------------------------------------------------- account administration


def _account_or_404(user_id):
    return get_or_404(lifecycle.account(user_id), "users.administer")


@bp.route("/users/<int:user_id>")
@allow(action="users.administer")
def account(user_id):
    """One account as its administrators see it, with what they may do to it."""
    target = _account_or_404(user_id)
    return render_template("accounts/account.html", target=target,
                           form=_action_form(target))


def _action_form(target, formdata=None):
    form = AccountActionForm(formdata=formdata)
    if formdata is None:
        form.version.data = str(target.version)
    return form


def _account_action(user_id, operation, *, template, done):
    """The confirmation page of an account action (GET) and the action itself (POST)."""
    target = _account_or_404(user_id)
    if request.method == "GET":
        return render_template(template, target=target, form=_action_form(target))
    form = _action_form(target, formdata=request.form)
    return submit(form, lambda version: operation(current_user._get_current_object(), target,
                                                  version=version, ip=request.remote_addr),
                  versioned=True, done=done,
                  then=url_for("accounts.account", user_id=target.id),
                  page=lambda: render_template(template, target=target, form=form),
                  status=400)


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@allow(action="users.administer")
def deactivate(user_id):
    return _account_action(user_id, lifecycle.deactivate_user,
                           template="accounts/deactivate.html",
                           done=lambda user: _("%(name)s's account is deactivated and signed "
                                               "out everywhere.", name=user.name))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@allow(action="users.administer")
def reactivate(user_id):
    return _account_action(user_id, lifecycle.reactivate_user,
                           template="accounts/account.html",
                           done=lambda user: _("%(name)s can log in again.", name=user.name))


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@allow(action="users.administer")
def erase(user_id):
    return _account_action(user_id, lifecycle.erase_user, template="accounts/erase.html",
                           done=lambda user: _("The account's personal data has been erased; "
                                               "it is now %(pseudonym)s.",
                                               pseudonym=user.name))


# ---------------------------------------------------------------- one's own data


@bp.route("/users/<int:user_id>/data.zip")
@allow(action="users.export_data", unconfirmed=True)
def export_data(user_id):
    """Everything the platform holds about the reader, as a ZIP of JSON and CSV files."""
    user = get_or_404(services.get_user(user_id), "users.export_data")
    archive = lifecycle.personal_data_zip(user)
    db.session.commit()  # the audit record of the download
    return Response(archive, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="m4eg-my-data-{user.id}.zip"'})


# ---------------------------------------------------------------- the audit log


def _audit_filter():
    """The filter form on the query string and the filter it gives (None when invalid)."""
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = select_choices(
        [("", _("All actions")), *((action, lifecycle.action_label(action))
                                   for action in audit.actions())])
    form.object.choices = select_choices(
        [("", _("All objects")), *((kind, lifecycle.object_label(kind))
                                   for kind in audit.target_types())])
    if not form.validate():
        return form, None
    return form, lifecycle.AuditFilter(
        person=(form.person.data or "").strip(), action=form.action.data or "",
        target_type=form.object.data or "", target_id=form.object_id.data,
        start=form.start.data, end=form.end.data)


@bp.route("/audit")
@allow(action="audit.read")
def audit_log():
    form, selection = _audit_filter()
    if selection is None:
        return render_template("accounts/audit.html", form=form, pagination=None, people={},
                               args={}), 400
    page = to_int(request.args.get("page"), default=1, minimum=1, maximum=100_000)
    pagination, people = lifecycle.audit_page(selection, page)
    return render_template("accounts/audit.html", form=form, pagination=pagination,
                           people=people, args=selection.as_args(),
                           action_label=lifecycle.action_label,
                           object_label=lifecycle.object_label)


@bp.route("/audit.csv")
@allow(action="audit.read")
def export_audit_log():
    form, selection = _audit_filter()
    if selection is None:
        return render_template("accounts/audit.html", form=form, pagination=None, people={},
                               args={}), 400
    headers = [_("When (UTC)"), _("Who"), _("Action"), _("Object"), _("Object number"),
               _("Before"), _("After"), _("IP address")]
    return csv_response(lifecycle.audit_rows(selection, headers), "audit-log.csv")
