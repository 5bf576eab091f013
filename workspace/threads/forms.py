from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..attachments import AttachmentsField
from ..forms import CheckboxesField, language_options, options

BODY_MAX = 20_000


def _language_options(codes: list[str]):
    return language_options(codes)


class PostForm(FlaskForm):
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description=_l("Markdown: *italic*, **bold**, [link](https://…), > quote, - list."),
    )
    language = SelectField(_l("Language of the message"), validators=[DataRequired()])
    files = AttachmentsField()

    def __init__(self, languages: list[str], **kwargs):
        super().__init__(**kwargs)
        self.language.choices = _language_options(languages)


class ThreadForm(PostForm):
    title = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    open_to_network = BooleanField(
        _l("Open to the support network"),
        description=_l(
            "Support-network members of the pair can read and reply. "
            "Otherwise only the core team sees this thread."
        ),
    )


class ReplyForm(PostForm):
    reply_to = HiddenField(validators=[Optional()])


class EditForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=BODY_MAX)])
    files = AttachmentsField(_l("Attach more files"))


class ModerationForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("The author sees this reason."),
    )


class BulkModerationForm(ModerationForm):
    posts = CheckboxesField(_l("Posts"), coerce=int, validators=[DataRequired()])
    action = SelectField(
        _l("Action"),
        choices=options([("hide", _l("Hide")), ("restore", _l("Restore"))]),
        validators=[DataRequired()],
    )
