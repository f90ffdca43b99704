"""Administrator forms."""

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import StaffAccountForm
from ..i18n import _l


class AdminStaffForm(StaffAccountForm):
    role = SelectField(_l("Role"), validate_choice=True)
    mission = SelectField(_l("Mission"), coerce=int, validate_choice=True)


class TrustForm(FlaskForm):
    """Trust a camp server for one mission: its bundles may touch that mission's people only."""

    mission = SelectField(_l("Mission whose people its bundles may change"), coerce=int,
                          validate_choice=True)
    document = TextAreaField(_l("Key document (the output of “flask sync key” on that server)"),
                             validators=[DataRequired(), Length(max=2000)])


class SendToForm(FlaskForm):
    """On a camp server: the mission HQ a mission's bundles are sealed to."""

    mission = SelectField(_l("Mission"), coerce=int, validate_choice=True)
    document = TextAreaField(_l("Mission HQ’s key document (the output of “flask sync key” on "
                                "HQ’s server)"),
                             validators=[DataRequired(), Length(max=2000)])
