"""Forms for plans and section texts. CSRF is checked for every POST by CSRFProtect."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from ..models import RevisionOrigin
from ..safety import DB_INT_MAX

BODY_MAX = 100_000


class _Form(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks the request before the view runs


class PlanForm(_Form):
    title = StringField(_l("Title of the plan"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(
        _l("Language the plan is written in"),
        description=_l("The pair's other working languages get translations."),
    )

    def __init__(self, languages: list, **kwargs):
        super().__init__(**kwargs)
        self.language.choices = languages  # workspace.forms.language_options


class SectionTitleForm(_Form):
    title = StringField(
        _l("Title of the new section"), validators=[DataRequired(), Length(max=200)]
    )


class SectionForm(_Form):
    """One section text as edited: the revision it started from travels with it."""

    title = StringField(_l("Section title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(
        _l("Text"),
        description=_l(
            "Markdown: a blank line starts a new paragraph, **bold**, *italic*, "
            "- for lists, # for headings."
        ),
        validators=[Optional(), Length(max=BODY_MAX)],
    )
    base_revision_id = IntegerField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=DB_INT_MAX)]
    )
    resolve = HiddenField()  # "1" when saving the resolution of a conflict


ORIGINS = {
    RevisionOrigin.CREATED: _l("created"),
    RevisionOrigin.EDIT: _l("edited"),
    RevisionOrigin.MERGE: _l("edited, merged with a simultaneous edit"),
    RevisionOrigin.RESOLVE: _l("edited, resolving a conflict"),
    RevisionOrigin.RESTORE: _l("restored an earlier revision"),
}
