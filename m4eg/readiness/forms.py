"""Readiness forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DecimalField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from ..core.forms import Form, select_choices
from ..core.numbers import NumberInputError, parse_number
from ..core.params import to_int


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


class LocaleNumberField(StringField):
    """A number typed as the page's language writes it (``0,75`` on an Azerbaijani page)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.number = None
        if self.data and self.data.strip():
            try:
                self.number = float(parse_number(self.data))
            except NumberInputError:
                raise ValueError(_l("Type a number, e.g. 0,75 or 0.75 as this page writes it.")
                                 ) from None


REFERENCE_CHOICES = select_choices((
    ("none", _l("None: relative to the areas computed together")),
    ("base_year", _l("The platform's areas in the base year")),
    ("national", _l("Imported national bounds")),
))
CUT_CHOICES = select_choices((
    ("equal_width", _l("Five equal-width bands of the index")),
    ("fixed", _l("Four fixed thresholds")),
    ("quintiles", _l("Quintiles of the areas computed together")),
))


class SettingsForm(Form):
    reference = SelectField(_l("Reference the scores are scaled against"),
                            choices=REFERENCE_CHOICES)
    base_year = SelectField(_l("Base year"), description=_l(
        "The year progress is counted from; with the base-year reference, also the year whose "
        "values fix the reference."))
    cuts = SelectField(_l("Class cuts"), choices=CUT_CHOICES)
    amplify = LocaleNumberField(_l("Lowest index of Amplify"))
    accelerate_high = LocaleNumberField(_l("Lowest index of Accelerate-high"))
    accelerate_medium = LocaleNumberField(_l("Lowest index of Accelerate-medium"))
    accelerate_low = LocaleNumberField(_l("Lowest index of Accelerate-low"))
    include_metro = BooleanField(_l(
        "Include Baku and its metropolitan area in the rayon ranking (the platform's reading "
        "of the paper's “Baku and its surrounding metropolitan area”, para. 40: the 12 Baku "
        "districts, Absheron, Sumgayit)"))
    version = HiddenField()  # read by core.forms.form_version

    THRESHOLDS = ("amplify", "accelerate_high", "accelerate_medium", "accelerate_low")

    def data_for_service(self) -> dict:
        """What the settings service reads: the choices and, with fixed cuts, the four
        thresholds as numbers."""
        year = to_int(self.base_year.data)
        thresholds = [self[name].number for name in self.THRESHOLDS]
        return {"reference": self.reference.data, "base_year": year, "cuts": self.cuts.data,
                "thresholds": [t for t in thresholds if t is not None]
                if self.cuts.data == "fixed" else [],
                "include_metro": self.include_metro.data}


class TableImportForm(Form):
    file = FileField(_l("File (CSV or XLSX, at most 5 MB)"),
                     validators=[FileRequired(message=_l("Choose a file to import."))])
