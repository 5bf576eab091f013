from functools import lru_cache
from zoneinfo import available_timezones

from flask import current_app
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..attachments import AttachmentsField
from ..forms import CheckboxesField, options
from ..i18n import language_name_here
from ..labels import SIDES
from ..models import ActivityKind, EventKind
from ..models.timeline import is_web_url

_TIMEZONES = sorted(available_timezones())

EVENT_KINDS = {
    EventKind.STUDY_VISIT_ONSITE: _l("Study visit on site"),
    EventKind.STUDY_VISIT_VIRTUAL: _l("Virtual study visit"),
    EventKind.WORKSHOP: _l("Workshop"),
    EventKind.TRAINING: _l("Training"),
    EventKind.MEETING: _l("Meeting"),
    EventKind.DEADLINE: _l("Deadline"),
}
ACTIVITY_KINDS = {
    ActivityKind.THREAD_STARTED: _l("New threads"),
    ActivityKind.POST_REPLIED: _l("Replies"),
    ActivityKind.TASK_CREATED: _l("New tasks"),
    ActivityKind.TASK_ASSIGNED: _l("Task assignments"),
    ActivityKind.TASK_DONE: _l("Completed tasks"),
    ActivityKind.EVENT_CREATED: _l("New events"),
    ActivityKind.EVENT_CHANGED: _l("Changed events"),
    ActivityKind.MEMBER_JOINED: _l("New members"),
}


FILTERS = (
    [("", _l("Everything")), ("events", _l("All events"))]
    + [(kind.value, label) for kind, label in EVENT_KINDS.items()]
    + [("activity", _l("All activity"))]
    + [(kind.value, label) for kind, label in ACTIVITY_KINDS.items()]
)


def filter_choices() -> list:
    return options(FILTERS)


def filter_options() -> list[tuple[str, str]]:
    """(value, label) of the filter's options in this request's language, for the timeline's
    own loop (the select widget would look each label up twice, on every page)."""
    return _filter_options(get_translations())


@lru_cache(maxsize=16)
def _filter_options(catalogue) -> list[tuple[str, str]]:
    del catalogue  # the cache key: str() translates into the request's language
    return [(value, str(label)) for value, label in FILTERS]


class FilterForm(FlaskForm):
    """The timeline's kind filter, sent with GET (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Show"), default="", validate_choice=False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.kind.choices = filter_choices()


LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class EventForm(FlaskForm):
    kind = SelectField(
        _l("Kind of event"), choices=options((k.value, v) for k, v in EVENT_KINDS.items())
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=20000)],
        description=_l("Plain text; line breaks are kept."),
    )
    language = SelectField(_l("Language of the description"))
    timezone = SelectField(
        _l("Time zone where it takes place"), choices=options((tz, tz) for tz in _TIMEZONES)
    )
    starts_at = DateTimeLocalField(
        _l("Starts"),
        format=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S"],
        validators=[DataRequired(_l("Enter a valid date and time."))],
        description=_l("Local time in the time zone above."),
    )
    ends_at = DateTimeLocalField(
        _l("Ends"),
        format=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S"],
        validators=[DataRequired(_l("Enter a valid date and time."))],
    )
    place = StringField(_l("Place"), validators=[Length(max=300)])
    online_url = URLField(
        _l("Online link"),
        validators=[Optional(), Length(max=500)],
        description=_l("An address starting with https:// or http://"),
    )
    files = AttachmentsField()

    def __init__(self, languages: list[str], **kwargs):
        super().__init__(**kwargs)
        codes = list(dict.fromkeys([*languages, *current_app.config["LANGUAGES"]]))
        self.language.choices = options((code, language_name_here(code)) for code in codes)

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must come after the start."))

    def validate_online_url(self, field):
        if field.data and not is_web_url(field.data.strip()):
            raise ValidationError(_l("Enter an address starting with https:// or http://"))


class VisitRecordForm(FlaskForm):
    agenda = TextAreaField(_l("Agenda"), validators=[Length(max=20000)])
    what_was_seen = TextAreaField(_l("What was seen"), validators=[Length(max=20000)])
    findings = TextAreaField(_l("Findings"), validators=[Length(max=20000)])


class ParticipantsForm(FlaskForm):
    people = CheckboxesField(_l("People"), coerce=int)
    organisations = CheckboxesField(_l("Organisations"), coerce=int)

    def __init__(self, members, organisations, **kwargs):
        super().__init__(**kwargs)
        self.people.choices = options(
            (m.user_id, f"{m.user.name} · {SIDES[m.side]}") for m in members
        )
        self.organisations.choices = options(
            (org.id, f"{org.name} · {SIDES[side]}") for org, side in organisations
        )


class FollowUpForm(FlaskForm):
    title = StringField(_l("Follow-up task"), validators=[DataRequired(), Length(max=200)])
