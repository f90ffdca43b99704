"""Forms of the learning path."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..i18n import _l


class CaseStudyAnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Your answer"),
        validators=[DataRequired(message=_l("Write your answer before you send it.")),
                    Length(min=10, max=5000,
                           message=_l("Write between 10 and 5,000 characters."))],
        render_kw={"rows": 7})


class QuizForm(FlaskForm):
    """Carries the CSRF token; the answers are read per statement by the service."""
