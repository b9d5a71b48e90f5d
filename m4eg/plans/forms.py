"""Plan forms with fixed fields (block forms are built from the template)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from ..core.forms import Form


class CycleForm(Form):
    name = StringField(_l("Cycle"), validators=[DataRequired(), Length(max=80)],
                       description=_l("For example 2025–2027."))
    deadline = DateField(_l("Submission deadline"), validators=[DataRequired()])
    reminder_days = IntegerField(_l("Remind focal points this many days before"), default=14,
                                 validators=[DataRequired(), NumberRange(min=1, max=120)])


class StartForm(Form):
    cycle_id = SelectField(_l("Cycle"), coerce=int, validators=[DataRequired()])


class CommentForm(Form):
    block = StringField(validators=[DataRequired(), Length(max=40)])
    parent = StringField(validators=[Length(max=12)])
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)])


class ChangesForm(Form):
    note = TextAreaField(_l("What should the municipality change?"),
                         validators=[DataRequired(), Length(max=5000)])

