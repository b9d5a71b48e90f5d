"""The form of the report's texts: an introduction and a note per section, in each
language (Markdown)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField

from ..core.forms import Form
from ..core.i18n import LANGUAGES
from .models import SECTIONS
from .services import SECTION_TITLES

LANGUAGE_NAMES = {"az": _l("in Azerbaijani"), "en": _l("in English")}


class ReportTextsForm(Form):
    version = HiddenField()


for _lang in LANGUAGES:
    setattr(ReportTextsForm, f"intro_{_lang}", TextAreaField(
        _l("Introduction, %(language)s", language=LANGUAGE_NAMES[_lang])))
for _section in SECTIONS:
    for _lang in LANGUAGES:
        setattr(ReportTextsForm, f"note_{_section}_{_lang}", TextAreaField(
            _l("Note on «%(section)s», %(language)s", section=SECTION_TITLES[_section],
               language=LANGUAGE_NAMES[_lang])))


def texts(form: ReportTextsForm) -> dict:
    """What the form holds, by field name (as ``services.texts_of`` names them)."""
    return {name: field.data for name, field in form._fields.items()
            if name.startswith(("intro_", "note_"))}
