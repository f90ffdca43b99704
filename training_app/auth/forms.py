"""Sign-in and registration forms."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from ..i18n import _l


class LearnerLoginForm(FlaskForm):
    mission = SelectField(_l("Mission"), coerce=int, validate_choice=True)
    personnel_number = StringField(
        _l("Personnel number"), validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "username", "autocapitalize": "characters"})
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
    category = SelectField(_l("Personnel category"), validate_choice=True)
    contingent = SelectField(_l("Contingent"), coerce=int, validate_choice=True)
    pin = PasswordField(
        _l("Choose a PIN or password"),
        validators=[DataRequired(), Length(min=6, max=128,
                                           message=_l("Use at least 6 characters."))],
        render_kw={"autocomplete": "new-password", "inputmode": "text"})
    pin_again = PasswordField(
        _l("Repeat it"),
        validators=[DataRequired(), EqualTo("pin", message=_l("The two entries differ."))],
        render_kw={"autocomplete": "new-password"})
