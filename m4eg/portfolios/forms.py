"""Forms for tracking portfolios. Every form keeps what was typed when it is refused."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..core.forms import Form, select_choices
from ..municipalities.services import TRACKS
from .models import ACTIVITY_KINDS, GRANT_PHASES, OPTION_STATUSES


def _required(length):
    return [DataRequired(), Length(max=length)]


def _optional(length):
    return [Optional(), Length(max=length)]


_MAX_PEOPLE = 10_000_000  # more than anyone reaches; keeps numbers within the INTEGER column


class PortfolioForm(Form):
    municipality_id = SelectField(_l("Municipality"), coerce=int, validators=[DataRequired()])
    slug = StringField(_l("Web address"), validators=[
        DataRequired(), Length(max=80),
        Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use a-z, 0-9 and hyphens only."))])
    track = SelectField(_l("Track"), choices=lambda: select_choices(TRACKS.items()),
                        validators=[DataRequired()])
    title_az = StringField(_l("Title in Azerbaijani"), validators=_required(200))
    title_en = StringField(_l("Title in English"), validators=_required(200))
    intent_az = TextAreaField(_l("Intent in Azerbaijani"), validators=_optional(4000))
    intent_en = TextAreaField(_l("Intent in English"), validators=_optional(4000))
    theme_az = StringField(_l("Theme in Azerbaijani"), validators=_optional(200))
    theme_en = StringField(_l("Theme in English"), validators=_optional(200))
    start_date = DateField(_l("Start date"), validators=[Optional()])
    sdgs = StringField(_l("SDGs"), validators=[
        Optional(), Regexp(r"^\s*\d{1,2}(\s*,\s*\d{1,2})*\s*$",
                           message=_l("List SDG numbers separated by commas, e.g. 8, 11."))],
        description=_l("Numbers from 1 to 17, separated by commas."))
    version = HiddenField()  # read by core.forms.form_version


class OptionForm(Form):
    title_az = StringField(_l("Title in Azerbaijani"), validators=_required(200))
    title_en = StringField(_l("Title in English"), validators=_required(200))
    description_az = TextAreaField(_l("Description in Azerbaijani"), validators=_optional(4000))
    description_en = TextAreaField(_l("Description in English"), validators=_optional(4000))
    responsible = StringField(_l("Responsible"), validators=_optional(200))
    budget_azn = DecimalField(_l("Budget (AZN)"), places=2,
                              validators=[Optional(), NumberRange(min=0, max=10**11)])
    grant_phase = SelectField(_l("Grant phase"),
                              choices=lambda: select_choices(GRANT_PHASES.items()),
                              validators=[Optional()])
    partners = StringField(_l("Partners"), validators=_optional(500))
    internal_notes = TextAreaField(_l("Internal notes (never shown publicly)"),
                                   validators=_optional(4000))
    version = HiddenField()  # read by core.forms.form_version


class StatusForm(Form):
    status = SelectField(_l("New status"), choices=lambda: select_choices(
        OPTION_STATUSES.items()), validators=[DataRequired()])
    on_date = DateField(_l("Date of the change"), validators=[Optional()])
    reason = StringField(_l("Reason (required to pause or drop)"), validators=_optional(500))
    version = HiddenField()  # read by core.forms.form_version


class MilestoneForm(Form):
    title_az = StringField(_l("Milestone in Azerbaijani"), validators=_required(200))
    title_en = StringField(_l("Milestone in English"), validators=_required(200))
    due_date = DateField(_l("Due date"), validators=[DataRequired()])


class ActivityForm(Form):
    kind = SelectField(_l("Kind"), choices=lambda: select_choices(ACTIVITY_KINDS.items()),
                       validators=[DataRequired()])
    title_az = StringField(_l("Title in Azerbaijani"), validators=_required(200))
    title_en = StringField(_l("Title in English"), validators=_required(200))
    on_date = DateField(_l("Date"), validators=[DataRequired()])
    place_az = StringField(_l("Place in Azerbaijani"), validators=_optional(200))
    place_en = StringField(_l("Place in English"), validators=_optional(200))
    description_az = TextAreaField(_l("Description in Azerbaijani"), validators=_optional(4000))
    description_en = TextAreaField(_l("Description in English"), validators=_optional(4000))
    women = IntegerField(_l("Women"), default=0,
                         validators=[Optional(), NumberRange(min=0, max=_MAX_PEOPLE)])
    men = IntegerField(_l("Men"), default=0,
                       validators=[Optional(), NumberRange(min=0, max=_MAX_PEOPLE)])
    not_stated = IntegerField(_l("Sex not stated"), default=0,
                              validators=[Optional(), NumberRange(min=0, max=_MAX_PEOPLE)])
    people_reached = IntegerField(_l("People reached"),
                                  validators=[Optional(), NumberRange(min=0, max=_MAX_PEOPLE)])


class SessionForm(Form):
    on_date = DateField(_l("Date"), validators=[DataRequired()])
    participants = StringField(_l("Participants"), validators=_optional(500))
    questions_az = TextAreaField(_l("Questions asked (Azerbaijani)"), validators=_optional(4000))
    questions_en = TextAreaField(_l("Questions asked (English)"), validators=_optional(4000))
    insights_az = TextAreaField(_l("Insights (Azerbaijani)"), validators=_optional(4000))
    insights_en = TextAreaField(_l("Insights (English)"), validators=_optional(4000))
    decisions_az = TextAreaField(_l("Decisions (Azerbaijani)"), validators=_optional(4000))
    decisions_en = TextAreaField(_l("Decisions (English)"), validators=_optional(4000))
    option_ids = SelectMultipleField(_l("Options concerned"), coerce=int,
                                     validators=[Optional()])


class StoryForm(Form):
    quote_az = TextAreaField(_l("Quote in Azerbaijani"), validators=_required(2000))
    quote_en = TextAreaField(_l("Quote in English"), validators=_required(2000))
    person_name = StringField(_l("Person's name"), validators=_required(120))
    person_role_az = StringField(_l("Role in Azerbaijani"), validators=_optional(200))
    person_role_en = StringField(_l("Role in English"), validators=_optional(200))
    is_public = BooleanField(_l("Public (shown on the public page)"), default=True)
