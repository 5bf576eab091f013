"""The form of one plan action. CSRF is checked for every POST by CSRFProtect.

The choices are the server's: key factors of the pair's theme only, and a lead among the
pair's organisations only; anything else is "not a valid choice"."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import CheckboxesField, options
from ..labels import ACTION_STATUSES
from ..models import ActionStatus, KeyFactor, Organisation

TEXT_MAX = 5000
# Fields that hold the action's attribute of the same name as it is.
SAME_NAMES = ("title", "description", "partners", "starts_on", "ends_on", "resources", "indicators")


def _optional_id(value) -> int | None:
    """A select's value: an id, or None for the empty choice."""
    return None if value in (None, "", "None") else int(value)


class ActionForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks the request before the view runs

    title = StringField(_l("Action"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=TEXT_MAX)])
    key_factors = CheckboxesField(
        _l("Key factors addressed"),
        coerce=int,
        validators=[Optional()],
        description=_l("The key factors of the benchmark this action improves."),
    )
    lead_organisation = SelectField(_l("Lead organisation"), coerce=_optional_id)
    partners = TextAreaField(
        _l("Partners"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        description=_l("Who else takes part: departments, NGOs, migrant associations …"),
    )
    starts_on = DateField(_l("Start date"), validators=[Optional()])
    ends_on = DateField(_l("End date"), validators=[Optional()])
    resources = TextAreaField(_l("Resources"), validators=[Optional(), Length(max=TEXT_MAX)])
    indicators = TextAreaField(
        _l("Indicators"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        description=_l("How you will know it worked."),
    )
    status = SelectField(_l("Status"), validators=[DataRequired()])

    def __init__(
        self,
        factors: list[KeyFactor],
        organisations: list[Organisation],
        language: str,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.key_factors.choices = options((f.id, f.text(language).title) for f in factors)
        self.lead_organisation.choices = options(
            [("", _l("No lead yet"))] + [(o.id, o.name) for o in organisations]
        )
        self.status.choices = options((s.value, label) for s, label in ACTION_STATUSES.items())
        self.factors = {f.id: f for f in factors}
        self.organisations = {o.id: o for o in organisations}

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end cannot be before the start."))

    def values(self) -> dict:
        """The validated fields, as the action's attributes."""
        return {
            "title": self.title.data.strip(),
            "description": (self.description.data or "").strip(),
            "key_factors": [self.factors[i] for i in self.key_factors.data or []],
            "lead_organisation": self.organisations.get(self.lead_organisation.data),
            "partners": (self.partners.data or "").strip(),
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "resources": (self.resources.data or "").strip(),
            "indicators": (self.indicators.data or "").strip(),
            "status": ActionStatus(self.status.data),
        }

    def fill(self, action) -> None:
        """Show an existing action (a GET, without form data)."""
        for name in SAME_NAMES:
            getattr(self, name).data = getattr(action, name)
        self.key_factors.data = [f.id for f in action.key_factors]
        self.lead_organisation.data = action.lead_organisation_id
        self.status.data = action.status.value
