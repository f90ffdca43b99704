"""Sign-in, registration, claim and reset forms."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from ..i18n import _l


def _personnel_number():
    return StringField(_l("Personnel number"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "username", "autocapitalize": "characters"})


def _new_secret(label, minimum: int, message):
    return PasswordField(
        label, validators=[DataRequired(), Length(min=minimum, max=128, message=message)],
        render_kw={"autocomplete": "new-password"})


def _repeat(field: str):
    return PasswordField(_l("Repeat it"), validators=[
        DataRequired(), EqualTo(field, message=_l("The two entries differ."))],
        render_kw={"autocomplete": "new-password"})


class LearnerLoginForm(FlaskForm):
    mission = SelectField(_l("Mission"), coerce=int, validate_choice=True)
    personnel_number = _personnel_number()
    pin = PasswordField(_l("PIN or password"), validators=[DataRequired(), Length(max=128)],
                        render_kw={"autocomplete": "current-password"})


class StaffLoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})


class RegistrationForm(FlaskForm):
    mission = SelectField(_l("Mission"), coerce=int, validate_choice=True)
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(min=2, max=200)],
                       render_kw={"autocomplete": "name"})
    personnel_number = StringField(
        _l("Personnel number"),
        validators=[DataRequired(), Length(min=2, max=40),
                    Regexp(r"^[A-Za-z0-9][A-Za-z0-9 /.\-]*$",
                           message=_l("Use letters, digits, spaces, '/', '.' or '-' only."))])
    category = SelectField(_l("Personnel category"), validators=[DataRequired(
        message=_l("Choose a personnel category from the list."))], validate_choice=True)
    contingent = SelectField(_l("Contingent"), coerce=int, validate_choice=True)
    pin = _new_secret(_l("Choose a PIN or password"), 6, _l("Use at least 6 characters."))
    pin_again = _repeat("pin")


class ClaimForm(FlaskForm):
    """A learner sets their PIN with the code on the slip their trainer handed them."""

    mission = SelectField(_l("Mission"), coerce=int, validate_choice=True)
    personnel_number = _personnel_number()
    code = StringField(_l("Code from your trainer"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters",
                                  "spellcheck": "false"})
    pin = _new_secret(_l("Choose a PIN or password"), 6, _l("Use at least 6 characters."))
    pin_again = _repeat("pin")


class StaffResetForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    code = StringField(_l("Reset code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters",
                                  "spellcheck": "false"})
    password = _new_secret(_l("New password"), 10, _l("Use at least 10 characters."))
    password_again = _repeat("password")
