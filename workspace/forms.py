"""Form pieces shared by several areas."""

from collections.abc import Iterable

from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget


def options(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def language_options(codes: Iterable[str]) -> list[SelectChoice]:
    """Languages to choose from, each named in itself ("Nederlands") and marked with its
    ``lang`` so that screen readers pronounce the name right (WCAG 3.1.2)."""
    from .i18n import language_name

    return [SelectChoice(code, language_name(code), render_kw={"lang": code}) for code in codes]


class CheckboxesField(SelectMultipleField):
    """Several choices shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
