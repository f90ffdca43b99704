"""Forms of the learning path."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..i18n import _l
from .services import ANSWER_MAX_LENGTH, ANSWER_MIN_LENGTH


class CaseStudyAnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Your answer"),
        validators=[DataRequired(message=_l("Write your answer before you send it.")),
                    Length(min=ANSWER_MIN_LENGTH, max=ANSWER_MAX_LENGTH,
                           message=_l("Write between 10 and 5,000 characters."))],
        render_kw={"rows": 7})


class QuizForm(FlaskForm):
    """Carries the CSRF token; the answers are read per statement by the service."""


class JoinForm(FlaskForm):
    code = StringField(_l("Join code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocapitalize": "characters", "autocomplete": "off"})
