from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.forms import Form, select_choices
from .models import Kind


class PreferencesForm(Form):
    # Unticked boxes are not posted: an empty list turns every kind's mail off. The
    # service refuses a kind it does not know (with a message in our catalogue).
    email = SelectMultipleField(_l("Also send me an email when"),
                                choices=select_choices(Kind.choices()),
                                widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput(), validate_choice=False)
