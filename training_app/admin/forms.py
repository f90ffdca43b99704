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
    document = TextAreaField(_l("Key document (the output of “flask sync key” on that server)"),
                             validators=[DataRequired(), Length(max=2000)])
