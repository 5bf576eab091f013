"""The form that rates one key factor. CSRF is checked for every POST by CSRFProtect."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import language_options, options
from ..models import Priority, Rating
from .services import PRIORITIES, RATINGS

EVIDENCE_MAX = 5000


class RatingForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks the request before the view runs

    rating = SelectField(_l("Current rating"), validators=[DataRequired()])
    target = SelectField(_l("Target"), validators=[DataRequired()])
    priority = SelectField(_l("Priority"), validators=[DataRequired()])
    evidence = TextAreaField(
        _l("Evidence"),
        validators=[Optional(), Length(max=EVIDENCE_MAX)],
        description=_l("What shows it: documents, services, figures, what partners said."),
    )
    language = SelectField(_l("Language of the evidence"), validators=[DataRequired()])

    def __init__(self, languages: list[str], **kwargs):
        super().__init__(**kwargs)
        scale = options((r.value, label) for r, label in RATINGS.items())
        self.rating.choices = scale
        self.target.choices = list(scale)
        self.priority.choices = options((p.value, label) for p, label in PRIORITIES.items())
        self.language.choices = language_options(languages)

    def validate_target(self, field):
        if field.errors or self.rating.errors or not self.rating.data:
            return  # the choices are checked already
        rating, target = Rating(self.rating.data), Rating(field.data)
        if (rating.score is None) != (target.score is None):
            raise ValidationError(
                _l("Mark both the rating and the target as not applicable, or neither.")
            )
        if rating.score is not None and target.score < rating.score:
            raise ValidationError(_l("The target cannot be below the current rating."))

    def values(self) -> dict:
        return {
            "rating": Rating(self.rating.data),
            "target": Rating(self.target.data),
            "priority": Priority(self.priority.data),
            "evidence": self.evidence.data or "",
            "language": self.language.data,
        }
