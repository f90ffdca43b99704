"""Forms that more than one audience uses: staff accounts (HQ and admins), a reason for a
change (revoking, reissuing, correcting), and a person's record (trainers and HQ)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .i18n import _l


class StaffAccountForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=80)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=128,
                             message=_l("Use at least 10 characters."))])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=5, max=500)],
                           render_kw={"rows": 3})


class PersonForm(FlaskForm):
    """A person's record as HQ or their trainer corrects it; the reason goes to the log."""

    name = StringField(_l("Full name"), validators=[DataRequired(), Length(min=2, max=200)])
    personnel_number = StringField(_l("Personnel number"),
                                   validators=[DataRequired(), Length(max=40)])
    category = SelectField(_l("Personnel category"), validate_choice=True)
    contingent = SelectField(_l("Contingent"), coerce=int, validate_choice=True)
    language = SelectField(_l("Preferred language"), validate_choice=True)
    reason = TextAreaField(_l("Reason for the correction"),
                           validators=[DataRequired(), Length(min=5, max=500)],
                           render_kw={"rows": 2})
