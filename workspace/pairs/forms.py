from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Email, Length

from .. import db
from ..auth.forms import language_choices
from ..forms import options
from ..labels import ROLES, SIDES
from ..models import Organisation, Role, Side


def position_code(role: Role, side: Side) -> str:
    return f"{role.value}:{side.value}"


def parse_position(code: str) -> tuple[Role, Side]:
    role, _sep, side = code.partition(":")
    return Role(role), Side(side)


def organisation_choices() -> list[tuple[str, str]]:
    names = db.session.execute(
        select(Organisation.id, Organisation.name).order_by(Organisation.name)
    )
    return [("", _l("— none —"))] + [(str(id_), name) for id_, name in names]


class PositionForm(FlaskForm):
    """Someone (by e-mail address) in one of the positions the current user may offer."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    position = SelectField(_l("Role in the pair"), validators=[DataRequired()])
    organisation = SelectField(_l("Organisation"), default="")

    def __init__(self, positions: list[tuple[Role, Side]], **kwargs):
        super().__init__(**kwargs)
        self.position.choices = options(
            (position_code(role, side), f"{ROLES[role]} · {SIDES[side]}")
            for role, side in positions
        )
        self.organisation.choices = organisation_choices()

    @property
    def organisation_id(self) -> int | None:
        return int(self.organisation.data) if self.organisation.data else None


class InviteForm(PositionForm):
    language = SelectField(_l("Language of the invitation"))

    def __init__(self, positions: list[tuple[Role, Side]], **kwargs):
        super().__init__(positions, **kwargs)
        self.language.choices = language_choices()
