"""Account pages: thin handlers around accounts.services."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from ..core.forms import add_error, select_choices
from ..core.i18n import current_language
from ..core.params import to_int
from ..core.permissions import ANONYMOUS, AUTHENTICATED, PUBLIC, allow, can
from ..core.security import is_safe_next, public_url
from ..core.views import act, get_or_404, submit
from ..extensions import db, limiter
from ..municipalities import services as municipalities
from . import bp, services
from .forms import (
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
    ), done=lambda _user: _("Thank you. We have sent a message to %(email)s: log in with this "
                            "address and your password.",
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
        except services.InvalidCredentials as error:
            db.session.commit()  # keep the audit record of the failed attempt
            add_error(form, error)
        else:
            _sign_in(user)
            target = form.next.data if is_safe_next(form.next.data) else url_for("main.index")
            return redirect(target)
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(AUTHENTICATED)
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
@allow(AUTHENTICATED)
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
@allow(AUTHENTICATED)
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
@allow(AUTHENTICATED)
def end_other_sessions():
    user = current_user._get_current_object()
    return act(lambda: services.end_other_sessions(user, user.session_token,
                                                   ip=request.remote_addr),
               done=_("You have been signed out everywhere else."),
               then=url_for("accounts.profile"))


@bp.route("/sessions/end-all", methods=["POST"])
@allow(AUTHENTICATED)
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
