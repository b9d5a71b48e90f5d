"""The base form: Flask-WTF with WTForms' own messages translated through our catalogue.

WTForms ships no Azerbaijani catalogue, so its messages are listed below for extraction into
translations/ and looked up in our catalogue at validation time.
"""

from __future__ import annotations

from flask_babel import get_translations, lazy_gettext, lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField

from .params import to_int

STALE_FORM = lazy_gettext("This form is out of date. Reload the page and try again.")


class _CatalogueTranslations:
    def gettext(self, string):
        return get_translations().gettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ngettext(singular, plural, n)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _CatalogueTranslations()

    def process(self, *args, **kwargs):
        """A text field left out of a submitted form reads as empty text, never None (the
        columns behind optional text are NOT NULL; a hand-made POST must not cause a 500)."""
        super().process(*args, **kwargs)
        for field in self:
            if isinstance(field, StringField) and field.data is None:
                field.data = ""


# WTForms' built-in messages, here only so that `make translations-update` extracts them.
WTFORMS_MESSAGES = (
    lazy_gettext("This field is required."),
    lazy_gettext("Invalid input."),
    lazy_gettext("Invalid email address."),
    lazy_gettext("Not a valid choice."),
    lazy_gettext("Invalid Choice: could not coerce."),
    lazy_gettext("Field must be equal to %(other_name)s."),
    lazy_gettext("Field must be between %(min)d and %(max)d characters long."),
    lazy_ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    ),
    lazy_ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    ),
    lazy_gettext("Number must be at least %(min)s."),
    lazy_gettext("Number must be at most %(max)s."),
    lazy_gettext("Number must be between %(min)s and %(max)s."),
    lazy_gettext("Not a valid integer value."),
    lazy_gettext("Not a valid decimal value."),
    lazy_gettext("Not a valid date value."),
    lazy_gettext("Invalid URL."),
)


def add_error(form, error) -> None:
    """Show a service's refusal on the form: on its field when it names one, else on top."""
    field = getattr(form, error.field, None) if getattr(error, "field", None) else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def form_version(form) -> int | None:
    """The version a form was opened at, from its hidden ``version`` field. When the field is
    missing, empty or was edited by hand (" ", "abc", a number no column holds) the form gets
    the translated "out of date" message on top and None is returned: the view answers 409
    and saves nothing (services refuse a None version too: never a blind overwrite)."""
    version = to_int(str(form.version.data or ""))
    if version is None:
        form.form_errors.append(STALE_FORM)
    return version


def select_choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms select options."""
    return [SelectChoice(value, label) for value, label in pairs]
