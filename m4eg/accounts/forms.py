"""Account forms. Labels are lazy so that they follow the page's language."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from ..core.forms import Form, select_choices
from .models import SEX_LABELS, Sex
from .services import PASSWORD_MAX

LANGUAGES = (("az", "Azərbaycanca"), ("en", "English"))


def _language_choices():
    return select_choices(LANGUAGES)


def _sex_choices():
    return select_choices(SEX_LABELS.items())


class PasswordFields:
    """Mixin: a new password typed twice."""

    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        description=_l("At least 8 characters. A phrase of several words is easy to remember "
                       "and hard to guess."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileFields:
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    municipality_id = SelectField(_l("Municipality"), coerce=int,
                                  validators=[DataRequired(message=_l("Choose a municipality."))])
    position = StringField(_l("Position"), validators=[DataRequired(), Length(max=120)],
                           render_kw={"autocomplete": "organization-title"})
    sex = SelectField(
        _l("Sex"), choices=_sex_choices, validators=[DataRequired()], default=Sex.NOT_STATED,
        description=_l("Used only to report participation by sex, never shown to others."),
    )
    preferred_language = SelectField(_l("Preferred language"), choices=_language_choices,
                                     validators=[DataRequired()])


class RegisterForm(ProfileFields, PasswordFields, Form):
    email = EmailField(_l("Email address"),
                       validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})


class LoginForm(Form):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField(validators=[Optional(), Length(max=2000)])


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email address"),
                       validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})


class ResetPasswordForm(PasswordFields, Form):
    pass


class ChangePasswordForm(PasswordFields, Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


def _version_field():
    return HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])


class ProfileForm(ProfileFields, Form):
    version = HiddenField()  # read by core.forms.form_version


class RoleForm(Form):
    role = SelectField(_l("Role"), validators=[DataRequired()])
    version = _version_field()


class AccountActionForm(Form):
    """The confirmation page of deactivating, reactivating or erasing an account: the
    account's version when the page was opened (a change meanwhile is not overwritten)."""

    version = _version_field()


class AuditFilterForm(Form):
    """The audit viewer's filters (a GET form: nothing to protect from forgery)."""

    class Meta:
        csrf = False

    person = StringField(_l("Person (name or email)"), validators=[Optional(), Length(max=120)])
    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=False)
    object = SelectField(_l("Object"), validators=[Optional()], validate_choice=False)
    object_id = IntegerField(_l("Object number"),
                             validators=[Optional(), NumberRange(min=1, max=2_147_483_647)])
    start = DateField(_l("From (day)"), validators=[Optional()])
    end = DateField(_l("To (day, inclusive)"), validators=[Optional()])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date must not be before the start date."))
