"""The workshop session form, in Baku wall-clock time."""

from __future__ import annotations

from datetime import UTC

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from ..core import time as clock
from ..core.forms import Form

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
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts (Baku time)"), format=_FORMAT,
                                   validators=[DataRequired(), _plausible_year])
    ends_at = DateTimeLocalField(_l("Ends (Baku time)"), format=_FORMAT,
                                 validators=[DataRequired(), _plausible_year])
    registration_deadline = DateTimeLocalField(_l("Registration closes (Baku time)"),
                                               format=_FORMAT,
                                               validators=[DataRequired(), _plausible_year])
    capacity = IntegerField(_l("Seats"), validators=[DataRequired(),
                                                     NumberRange(min=1, max=2000)])
    version = HiddenField()  # read by core.forms.form_version
