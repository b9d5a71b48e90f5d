"""The workshop session form, in Baku wall-clock time."""

from __future__ import annotations

from datetime import UTC

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..accounts.services import Sex
from ..core import time as clock
from ..core.forms import Form, select_choices
from .models import DatePrecision

_FORMAT = "%Y-%m-%dT%H:%M"


def to_utc(local):
    """A naive Baku (``M4EG_TIMEZONE``) wall-clock time from the form, as aware UTC."""
    return local.replace(tzinfo=clock.zone()).astimezone(UTC)


def to_local(moment):
    """An aware (or naive UTC, from SQLite) datetime as naive Baku wall-clock time."""
    return clock.as_utc(moment).astimezone(clock.zone()).replace(tzinfo=None)


def _plausible_year(form, field):
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between the years 2000 and 2100."))


class WorkshopForm(Form):
    course_slug = SelectField(_l("Course"), validators=[DataRequired()])
    city_az = StringField(_l("City in Azerbaijani"), validators=[DataRequired(), Length(max=120)])
    city_en = StringField(_l("City in English"), validators=[DataRequired(), Length(max=120)])
    # Optional: a session recorded from a report that names no venue.
    venue = StringField(_l("Venue"), validators=[Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts (Baku time)"), format=_FORMAT,
                                   validators=[DataRequired(), _plausible_year])
    ends_at = DateTimeLocalField(_l("Ends (Baku time)"), format=_FORMAT,
                                 validators=[DataRequired(), _plausible_year])
    # Optional: a session recorded after it took place has no registration to close.
    registration_deadline = DateTimeLocalField(_l("Registration closes (Baku time)"),
                                               format=_FORMAT, description=_l(
                                                   "Leave empty for a session recorded after "
                                                   "it took place."),
                                               validators=[Optional(), _plausible_year])
    date_precision = SelectField(
        _l("How exactly the date is known"), default=DatePrecision.DAY.value,
        choices=select_choices([(DatePrecision.DAY.value, _l("the day and the time")),
                                (DatePrecision.MONTH.value,
                                 _l("only the month (the source gives no day)"))]))
    capacity = IntegerField(_l("Seats"), validators=[DataRequired(),
                                                     NumberRange(min=1, max=2000)])
    version = HiddenField()  # read by core.forms.form_version


class ParticipantForm(Form):
    """A person with an account who came, found by the email address of their account."""

    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])


class GuestForm(Form):
    """A person without an account, recorded at the door."""

    name = StringField(_l("Name"), validators=[Length(max=120)])
    organisation = StringField(_l("Organisation"), validators=[Length(max=200)])
    # The service checks the municipality exists (the list is long and changes).
    municipality_id = SelectField(_l("Municipality, if any"), validate_choice=False,
                                  coerce=lambda value: int(value) if value else None)
    sex = SelectField(_l("Sex"), validators=[DataRequired()], default=Sex.NOT_STATED.value)
