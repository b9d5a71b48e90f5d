"""Forms of monitoring with fixed fields (the report form itself is built from the plan's
actions and targets, see templates/plans/monitoring_edit.html)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..core.forms import Form
from .forms import CycleForm


class RoundFields(Form):
    """What a coordinator sets of a reporting round, when creating it and after."""

    name = StringField(_l("Round"), validators=[DataRequired(), Length(max=80)],
                       description=_l("For example 2026."))
    starts_on = DateField(_l("Period from"), validators=[DataRequired()],
                          description=_l("Actual values must be dated inside the period."))
    ends_on = DateField(_l("Period to"), validators=[DataRequired()])
    deadline = DateField(_l("Report deadline"), validators=[DataRequired()])
    reminder_days = CycleForm.reminder_days  # the same field as a cycle's


class RoundForm(RoundFields):
    cycle_id = SelectField(_l("Cycle"), coerce=int, validators=[DataRequired()])


class RoundEditForm(RoundFields):
    version = HiddenField()


class StartReportForm(Form):
    round_id = SelectField(_l("Reporting round"), coerce=int, validators=[DataRequired()])
