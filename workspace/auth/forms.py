from zoneinfo import available_timezones

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..forms import language_options, options
from ..labels import EMAIL_PREFERENCES, choices
from .services import password_problem

_TIMEZONES = sorted(available_timezones())


def language_choices() -> list:
    return language_options(current_app.config["LANGUAGES"])


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordMixin:
    """A new password, typed twice, refused when short or common."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1000)],
        description=_l("At least 12 characters. A few unrelated words work well."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

    def password_context(self) -> list[str]:
        return []

    def validate_password(self, field):
        if problem := password_problem(field.data, self.password_context()):
            raise ValidationError(problem)


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


def consent_field() -> BooleanField:
    """The explicit, unticked consent of a support-network member (workspace/privacy)."""
    return BooleanField(
        _l("I agree to be in this workspace as described in the privacy notice"),
        validators=[
            DataRequired(
                message=_l(
                    "Tick this box to give your consent. Without it you cannot join the pair "
                    "as a support network member."
                )
            )
        ],
    )


class ConsentForm(FlaskForm):
    """An existing account accepting a support-network invitation: the consent alone."""

    consent = consent_field()


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"))
    consent = consent_field()

    def __init__(self, email: str, needs_consent: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.email = email
        self.language.choices = language_choices()
        if not needs_consent:
            del self.consent  # only a support-network place rests on consent

    def password_context(self) -> list[str]:
        return [self.email, self.name.data]


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"))
    timezone = SelectField(_l("Time zone"), choices=options((tz, tz) for tz in _TIMEZONES))
    email_preference = SelectField(_l("E-mail notifications"), choices=choices(EMAIL_PREFERENCES))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.language.choices = language_choices()


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1000)]
    )

    def __init__(self, user, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def password_context(self) -> list[str]:
        return [self.user.email, self.user.name]
