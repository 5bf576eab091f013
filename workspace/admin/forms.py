from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from .. import db
from ..auth.forms import language_choices
from ..forms import CheckboxesField, options
from ..i18n import language_name_here
from ..labels import (
    MENTORING_THEMES,
    ORGANISATION_KINDS,
    PAIR_STATUSES,
    THEMES,
    choices,
)
from ..models import Cluster, Organisation, OrganisationKind
from ..pairs.forms import organisation_choices

# Content may be written in languages beyond the four of the interface.
CONTENT_LANGUAGES = ("en", "fr", "nl", "it", "de", "es", "el", "lv", "pt", "pl", "ro", "ar")


def country_choices() -> list:
    territories = Locale.parse(str(get_locale())).territories
    return options(
        sorted(
            (
                (code, name)
                for code, name in territories.items()
                if len(code) == 2 and code.isalpha()
            ),
            key=lambda c: c[1],
        )
    )


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(ORGANISATION_KINDS))
    country = SelectField(_l("Country"))

    def __init__(self, current: Organisation | None = None, **kwargs):
        super().__init__(obj=current, **kwargs)
        self.current = current
        self.country.choices = country_choices()

    def validate_name(self, field):
        other = db.session.scalar(select(Organisation).where(Organisation.name == field.data))
        if other is not None and other is not self.current:
            raise ValidationError(_l("An organisation with this name exists already."))


def _organisations_of(kind: OrganisationKind) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind == kind)
        .order_by(Organisation.name)
    )
    return [(str(id_), name) for id_, name in rows]  # (value, label), see options()


class PairForm(FlaskForm):
    mentor_city = SelectField(_l("Mentor city"), coerce=int)
    mentor_association = SelectField(_l("Mentor city's association"))
    mentee_city = SelectField(_l("Mentee city"), coerce=int)
    mentee_association = SelectField(_l("Mentee city's association"))
    mentoring_theme = SelectField(_l("Mentoring theme"), choices=choices(MENTORING_THEMES))
    themes = CheckboxesField(_l("Programme themes"), choices=choices(THEMES))
    focus = TextAreaField(_l("Focus"), validators=[Length(max=2000)])
    focus_language = SelectField(_l("Language of the focus text"))
    working_languages = CheckboxesField(_l("Working languages"), validators=[DataRequired()])
    cluster = SelectField(_l("Cluster"))
    status = SelectField(_l("Status"), choices=choices(PAIR_STATUSES))
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        cities = _organisations_of(OrganisationKind.CITY)
        self.mentor_city.choices = options((int(i), n) for i, n in cities)
        self.mentee_city.choices = options((int(i), n) for i, n in cities)
        none = [("", _l("— none —"))]
        associations = none + _organisations_of(OrganisationKind.ASSOCIATION)
        self.mentor_association.choices = options(associations)
        self.mentee_association.choices = options(associations)
        languages = [(code, language_name_here(code)) for code in CONTENT_LANGUAGES]
        self.working_languages.choices = options(languages)
        self.focus_language.choices = options(languages)
        clusters = db.session.execute(select(Cluster.id, Cluster.name).order_by(Cluster.name))
        self.cluster.choices = options(none + [(str(i), n) for i, n in clusters])

    def validate_mentee_city(self, field):
        if field.data == self.mentor_city.data:
            raise ValidationError(_l("A city cannot mentor itself."))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end comes before the start."))


class ClusterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    pairs = CheckboxesField(_l("Pairs in this cluster"), coerce=int)

    def __init__(self, current: Cluster | None = None, pair_choices=(), **kwargs):
        super().__init__(obj=current, **kwargs)
        self.current = current
        self.pairs.choices = options(pair_choices)
        if current is not None and not self.is_submitted():
            self.pairs.data = [p.id for p in current.pairs]

    def validate_name(self, field):
        other = db.session.scalar(select(Cluster).where(Cluster.name == field.data))
        if other is not None and other is not self.current:
            raise ValidationError(_l("A cluster with this name exists already."))


class EmailForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])


class ProgrammeInvitationForm(FlaskForm):
    """Invite a consultant for a cluster, or another administrator."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    offer = SelectField(_l("Invite as"))
    organisation = SelectField(_l("Organisation"), default="")
    language = SelectField(_l("Language of the invitation"))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        clusters = db.session.execute(select(Cluster.id, Cluster.name).order_by(Cluster.name))
        self.offer.choices = options(
            [
                (f"cluster:{id_}", _l("Consultant of %(cluster)s", cluster=name))
                for id_, name in clusters
            ]
            + [("admin", _l("Programme administrator"))]
        )
        self.organisation.choices = organisation_choices()
        self.language.choices = language_choices()
