"""The audit log, for the programme administrator: browse and filter, newest first.

Access is the admin blueprint's (``policy.programme_admin_required`` on every request).
The page runs a fixed number of queries whatever the log holds: the pairs for the filter
(and for the names shown), then one page of entries with both people joined in.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import render_template as render_page
from flask import request
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from .. import db
from ..forms import options
from ..labels import AUDIT_ACTIONS
from ..models import AuditAction, AuditEntry, Pair, User
from .routes import bp

PER_PAGE = 50
# Dates outside these years are typing mistakes, and would overflow a time-zone shift.
EARLIEST, LATEST = date(1970, 1, 1), date(9000, 12, 31)


class DayField(DateField):
    """A date typed as year-month-day, with an error that says how to write it."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(
                _l("Enter a real date as year-month-day, such as 2022-03-15.")
            ) from None

    def pre_validate(self, form):
        if self.data is not None and not EARLIEST <= self.data <= LATEST:
            raise ValidationError(_l("Enter a real date as year-month-day, such as 2022-03-15."))


class AuditFilterForm(FlaskForm):
    """Sent with GET: it changes nothing, so it has no CSRF token."""

    class Meta:
        csrf = False

    action = SelectField(_l("Kind of entry"), default="")
    pair = SelectField(_l("Pair"), default="")
    person = StringField(
        _l("Person"),
        validators=[Optional(), Length(max=120)],
        description=_l("Part of a name or e-mail address: who acted, or whom it concerned."),
    )
    date_from = DayField(_l("From (date)"), validators=[Optional()])
    date_to = DayField(_l("To (date)"), validators=[Optional()])

    def __init__(self, pair_choices: list[tuple[str, str]], **kwargs):
        super().__init__(**kwargs)
        self.action.choices = options(
            [("", _l("All kinds"))] + [(a.value, label) for a, label in AUDIT_ACTIONS.items()]
        )
        self.pair.choices = options([("", _l("All pairs")), *pair_choices])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("This date is before the “From” date."))


def _pair_names() -> dict[int, str]:
    rows = db.session.scalars(
        select(Pair)
        .options(joinedload(Pair.mentor_city), joinedload(Pair.mentee_city))
        .order_by(Pair.id)
    )
    return {pair.id: pair.name for pair in rows}


def _start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in the reader's time zone."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(str(get_timezone())))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def entries(form: AuditFilterForm, before: int | None) -> tuple[list[AuditEntry], int | None]:
    """One page of entries matching a validated form, newest first, and the id to pass as
    ``before`` for the next (older) page, if there is one."""
    query = select(AuditEntry).options(
        joinedload(AuditEntry.actor), joinedload(AuditEntry.subject_user)
    )
    if form.action.data:
        query = query.where(AuditEntry.action == AuditAction(form.action.data))
    if form.pair.data:
        query = query.where(AuditEntry.pair_id == int(form.pair.data))
    person = (form.person.data or "").strip()
    if person:
        pattern = _like(person.lower())
        people = select(User.id).where(
            or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
        query = query.where(
            or_(AuditEntry.actor_id.in_(people), AuditEntry.subject_user_id.in_(people))
        )
    if form.date_from.data:
        query = query.where(AuditEntry.created_at >= _start_of(form.date_from.data))
    if form.date_to.data:
        query = query.where(
            AuditEntry.created_at < _start_of(form.date_to.data + timedelta(days=1))
        )
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(
        db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(PER_PAGE + 1)).unique()
    )
    if len(rows) > PER_PAGE:
        return rows[:PER_PAGE], rows[PER_PAGE - 1].id
    return rows, None


@bp.get("/audit")
def audit():
    pair_names = _pair_names()
    form = AuditFilterForm(
        [(str(pair_id), name) for pair_id, name in pair_names.items()],
        formdata=request.args,
    )
    before = request.args.get("before", type=int)
    rows, next_before, valid = [], None, form.validate()
    if valid:
        rows, next_before = entries(form, before)
    filters = {
        name: request.args.get(name)
        for name in ("action", "pair", "person", "date_from", "date_to")
        if request.args.get(name)
    }
    return render_page(
        "admin/audit.html",
        form=form,
        valid=valid,
        entries=rows,
        before=before,
        next_before=next_before,
        filters=filters,
        pair_names=pair_names,
        action_labels=AUDIT_ACTIONS,
    )
