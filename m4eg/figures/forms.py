"""The communications reach form and the event definition form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..core.forms import Form, select_choices
from ..core.numbers import NumberInputError, number_examples, parse_number
from .models import Channel


class ReachForm(Form):
    channel = SelectField(_l("Channel"), choices=select_choices(Channel.choices()),
                          validators=[DataRequired()])
    reach = StringField(_l("People reached"), validators=[DataRequired(), Length(max=20)])
    starts_on = DateField(_l("From (day)"), validators=[DataRequired()])
    ends_on = DateField(_l("To (day, inclusive)"), validators=[DataRequired()])
    source = StringField(_l("Source"), validators=[DataRequired(), Length(max=300)])
    note = StringField(_l("Note"), validators=[Length(max=2000)])
    version = HiddenField()  # read by core.forms.form_version

    def validate_reach(self, field):
        """Read as the page's language writes numbers (``30.000`` in az, ``30,000`` in en)."""
        try:
            value = parse_number(field.data, integer=True)
        except NumberInputError as error:
            if error.ambiguous:
                raise ValidationError(_l("“%(value)s” can be read in two ways. Write it like "
                                         "%(examples)s.", value=field.data[:20],
                                         examples=number_examples(True))) from error
            raise ValidationError(_l("“%(value)s” is not a whole number. Write it like "
                                     "%(examples)s.", value=field.data[:20],
                                     examples=number_examples(True))) from error
        if value is not None and value < 0:
            raise ValidationError(_l("The number of people reached cannot be negative."))
        self.reach_value = value


class EventKindsForm(Form):
    # The service refuses an unknown kind with its own (translated) message.
    counting = SelectMultipleField(_l("Kinds that count as events"), validate_choice=False)
