"""Trainer forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..i18n import _l


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CohortForm(FlaskForm):
    name = StringField(_l("Name of the session"), validators=[DataRequired(), Length(max=200)])
    session_date = DateField(_l("Date"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Length(max=200)])
    language = SelectField(_l("Language of delivery"), validate_choice=True)
    delivery_mode = SelectField(_l("Delivery mode"), validate_choice=True)
    contingents = MultiCheckboxField(_l("Contingents"), coerce=int, validate_choice=True)
    trainers = MultiCheckboxField(_l("Trainers"), coerce=int, validate_choice=True)


class RosterUploadForm(FlaskForm):
    file = FileField(_l("Roster file (CSV or XLSX)"), validators=[FileRequired()])


class SlideForm(FlaskForm):
    """The presenter moves to a slide (Next, Previous, a clicker's key)."""

    number = IntegerField(validators=[InputRequired(), NumberRange(min=1)])


class ClockForm(FlaskForm):
    """Start, pause, resume or reset the session clock."""

    action = SelectField(choices=["start", "pause", "resume", "reset"], validate_choice=True)


class BlankForm(FlaskForm):
    """Blank the projector (1) or show the slide again (0)."""

    blank = SelectField(choices=["1", "0"], validate_choice=True)


class PaperEntryForm(FlaskForm):
    """One learner's paper sheet typed in: the variant printed on it and a letter for each
    statement; the service checks both (the page explains what it refuses)."""

    variant = StringField(_l("Variant"), validators=[Length(max=10)])
    answers = StringField(_l("Answers, in the order of the sheet"),
                          validators=[Length(max=200)])
    sheet_language = SelectField(_l("Language of the sheet"), validate_choice=False)
    token = HiddenField()
