"""Forms of the register of members."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from ..core.forms import Form, select_choices
from .models import MunicipalityType, Track


def _types():
    return select_choices(MunicipalityType.choices())


def _tracks():
    return select_choices([("", _l("Not a deep demonstrator")), *Track.choices()])


class MunicipalityForm(Form):
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=20),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]*$",
               message=_l("Use letters, digits and hyphens only."))],
        description=_l("The member's code in the roster, e.g. AZ-012."))
    name_az = StringField(_l("Name in Azerbaijani"), validators=[DataRequired(), Length(max=160)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=160)])
    slug = StringField(_l("Web address"), validators=[
        Optional(), Length(max=80),
        Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use a-z, 0-9 and hyphens only."))],
        description=_l("Part of the page's address. Left empty, it is made from the English "
                       "name."))
    type = SelectField(_l("Type"), choices=_types, validators=[DataRequired()])
    rayon_id = SelectField(_l("Rayon"), coerce=int,
                           validators=[DataRequired(message=_l("Choose a rayon."))])
    joined_year = IntegerField(_l("Year joined"),
                               validators=[Optional(), NumberRange(min=1990, max=2100)])
    demonstrator_track = SelectField(_l("Deep demonstrator track"), choices=_tracks,
                                     validators=[Optional()])
    is_demo = BooleanField(_l("Demo record (placeholder until the official roster is "
                              "imported)"))
    email = EmailField(_l("Public email"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Public phone"), validators=[Optional(), Length(max=40)])
    website = StringField(_l("Website"), validators=[Optional(), URL(), Length(max=200)])
    version = HiddenField()  # read by core.forms.form_version


class StatusForm(Form):
    status = HiddenField(validators=[DataRequired()])
    version = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])


class ImportForm(Form):
    file = FileField(_l("Roster file (CSV or XLSX, at most 2 MB)"),
                     validators=[FileRequired(message=_l("Choose a file to import."))])


class ConfirmImportForm(Form):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[a-f0-9]{64}$")])
