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
from .models import ActivityKind, GrantPhase, OptionStatus


def _required(length):
    return [DataRequired(), Length(max=length)]


def _optional(length):
    return [Optional(), Length(max=length)]


def _in_both(field, label_az, label_en, validators):
    """The Azerbaijani and the English field of one bilingual text."""
    return field(label_az, validators=validators), field(label_en, validators=validators)


_MAX_PEOPLE = 10_000_000  # more than anyone reaches; keeps numbers within the INTEGER column


class PortfolioForm(Form):
    municipality_id = SelectField(_l("Municipality"), coerce=int, validators=[DataRequired()])
    slug = StringField(_l("Web address"), validators=[
        DataRequired(), Length(max=80),
        Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use a-z, 0-9 and hyphens only."))])
    track = SelectField(_l("Track"), choices=lambda: select_choices(TRACKS.items()),
                        validators=[DataRequired()])
    title_az, title_en = _in_both(StringField, _l("Title in Azerbaijani"),
                                    _l("Title in English"), _required(200))
    intent_az, intent_en = _in_both(TextAreaField, _l("Intent in Azerbaijani"),
                                    _l("Intent in English"), _optional(4000))
    theme_az, theme_en = _in_both(StringField, _l("Theme in Azerbaijani"),
                                    _l("Theme in English"), _optional(200))
    start_date = DateField(_l("Start date"), validators=[Optional()])
    sdgs = StringField(_l("SDGs"), validators=[
        Optional(), Regexp(r"^\s*\d{1,2}(\s*,\s*\d{1,2})*\s*$",
                           message=_l("List SDG numbers separated by commas, e.g. 8, 11."))],
        description=_l("Numbers from 1 to 17, separated by commas."))
    version = HiddenField()  # read by core.forms.form_version


class OptionForm(Form):
    title_az, title_en = _in_both(StringField, _l("Title in Azerbaijani"),
                                    _l("Title in English"), _required(200))
    description_az, description_en = _in_both(TextAreaField, _l("Description in Azerbaijani"),
                                    _l("Description in English"), _optional(4000))
    responsible = StringField(_l("Responsible"), validators=_optional(200))
    budget_azn = DecimalField(_l("Budget (AZN)"), places=2,
                              validators=[Optional(), NumberRange(min=0, max=10**11)])
    grant_phase = SelectField(_l("Grant phase"),
                              choices=lambda: select_choices(GrantPhase.choices()),
                              validators=[Optional()])
    partners = StringField(_l("Partners"), validators=_optional(500))
    internal_notes = TextAreaField(_l("Internal notes (never shown publicly)"),
                                   validators=_optional(4000))
    version = HiddenField()  # read by core.forms.form_version


class StatusForm(Form):
    status = SelectField(_l("New status"), choices=lambda: select_choices(
        OptionStatus.choices()), validators=[DataRequired()])
    on_date = DateField(_l("Date of the change"), validators=[Optional()])
    reason = StringField(_l("Reason (required to pause or drop)"), validators=_optional(500))
    version = HiddenField()  # read by core.forms.form_version


class MilestoneForm(Form):
    title_az, title_en = _in_both(StringField, _l("Milestone in Azerbaijani"),
                                    _l("Milestone in English"), _required(200))
    due_date = DateField(_l("Due date"), validators=[DataRequired()])


class ActivityForm(Form):
    kind = SelectField(_l("Kind"), choices=lambda: select_choices(ActivityKind.choices()),
                       validators=[DataRequired()])
    title_az, title_en = _in_both(StringField, _l("Title in Azerbaijani"),
                                    _l("Title in English"), _required(200))
    on_date = DateField(_l("Date"), validators=[DataRequired()])
    place_az, place_en = _in_both(StringField, _l("Place in Azerbaijani"),
                                    _l("Place in English"), _optional(200))
    description_az, description_en = _in_both(TextAreaField, _l("Description in Azerbaijani"),
                                    _l("Description in English"), _optional(4000))
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
    questions_az, questions_en = _in_both(TextAreaField, _l("Questions asked (Azerbaijani)"),
                                    _l("Questions asked (English)"), _optional(4000))
    insights_az, insights_en = _in_both(TextAreaField, _l("Insights (Azerbaijani)"),
                                    _l("Insights (English)"), _optional(4000))
    decisions_az, decisions_en = _in_both(TextAreaField, _l("Decisions (Azerbaijani)"),
                                    _l("Decisions (English)"), _optional(4000))
    option_ids = SelectMultipleField(_l("Options concerned"), coerce=int,
                                     validators=[Optional()])


class StoryForm(Form):
    quote_az, quote_en = _in_both(TextAreaField, _l("Quote in Azerbaijani"),
                                    _l("Quote in English"), _required(2000))
    person_name_az, person_name_en = _in_both(StringField, _l("Name in Azerbaijani"),
                                              _l("Name in English"), _optional(120))
    person_role_az, person_role_en = _in_both(StringField, _l("Role in Azerbaijani"),
                                    _l("Role in English"), _optional(200))
    is_public = BooleanField(_l("Public (shown on the public page)"), default=True)
