"""Forms of the offline workbook, the open plans and the deadline extensions (issue 21)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.forms import Form
from .forms import CycleForm

REASON_MAX = 2000


class WorkbookUploadForm(Form):
    file = FileField(_l("Filled-in workbook (XLSX, at most 5 MB)"),
                     validators=[FileRequired(message=_l("Choose the workbook to upload."))])


class WorkbookApplyForm(Form):
    token = HiddenField(validators=[DataRequired(), Length(max=64)])


class WithholdForm(Form):
    reason = TextAreaField(_l("Why is this plan kept off the public pages?"),
                           description=_l("Kept on record with your name; the public does "
                                          "not see it."),
                           validators=[DataRequired(), Length(max=REASON_MAX)])


class WithholdReportForm(Form):
    reason = TextAreaField(_l("Why is this monitoring report kept off the public pages?"),
                           description=_l("Kept on record with your name; the public does "
                                          "not see it. The plan and its other reports stay "
                                          "public."),
                           validators=[DataRequired(), Length(max=REASON_MAX)])


class ExtensionRequestForm(Form):
    reason = TextAreaField(_l("Why does your municipality need more time?"),
                           validators=[DataRequired(), Length(max=REASON_MAX)])


class GrantForm(Form):
    new_deadline = DateField(_l("New deadline"), validators=[DataRequired()])
    note = TextAreaField(_l("Note to the municipality (optional)"),
                         validators=[Optional(), Length(max=REASON_MAX)])


class RefuseForm(Form):
    note = TextAreaField(_l("Why is the request refused?"),
                         validators=[DataRequired(), Length(max=REASON_MAX)])


class CycleEditForm(CycleForm):
    version = HiddenField()
