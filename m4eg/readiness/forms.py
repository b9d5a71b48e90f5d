"""Readiness forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DecimalField, HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from ..core.forms import Form


class ImportForm(Form):
    file = FileField(_l("Indicator values (CSV or XLSX, at most 5 MB)"),
                     validators=[FileRequired(message=_l("Choose a file to import."))])


class ConfirmForm(Form):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[a-f0-9]{64}$")])


def _weight(label):
    return DecimalField(label, default=1, places=2,
                        validators=[InputRequired(message=_l("Give a weight (0 or more).")),
                                    NumberRange(min=0, max=100)])


class WeightSetForm(Form):
    name = StringField(_l("Name of the weight set"), validators=[DataRequired(), Length(max=80)])
    economic_sources = _weight(_l("Economic sources for local development"))
    infrastructure_services = _weight(_l("Infrastructure and services"))
    human_capital = _weight(_l("Human capital"))
    economic_potential = _weight(_l("Economic potential (SME)"))
    governance = _weight(_l("Governance"))
