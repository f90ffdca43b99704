"""HQ forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..i18n import _, _l


class MatrixFilterForm(FlaskForm):
    """Filters arrive by GET, so the form has no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    cohort = SelectField(_l("Cohort"), coerce=int, validators=[Optional()], validate_choice=True)
    language = SelectField(_l("Language"), validators=[Optional()], validate_choice=True)
    group = SelectField(_l("Personnel group"), validators=[Optional()], validate_choice=True)


class MissionSettingsForm(FlaskForm):
    name = StringField(_l("Mission name"), validators=[DataRequired(), Length(max=200)])
    focal_point_name = StringField(_l("Focal Point for sexual exploitation and abuse: name"),
                                   validators=[Length(max=200)])
    focal_point_contact = StringField(_l("Focal Point: contact"), validators=[Length(max=200)])
    alternate_name = StringField(_l("Alternate Focal Point: name"), validators=[Length(max=200)])
    alternate_contact = StringField(_l("Alternate: contact"), validators=[Length(max=200)])
    offlimits_directive = StringField(_l("Reference of the mission's Off-Limits directive"),
                                      validators=[Length(max=200)])
    certificate_unit = StringField(_l("Issuing unit on certificates (for example, Conduct and "
                                      "Discipline Unit)"), validators=[Length(max=200)])
    certificate_signatory_name = StringField(_l("Name of the person who signs certificates"),
                                             validators=[Length(max=200)])
    certificate_signatory_title = StringField(_l("Title of the person who signs certificates"),
                                              validators=[Length(max=200)])
    certificate_second_language = SelectField(_l("Second language on certificates"),
                                              validate_choice=True)
    certificate_valid_days = IntegerField(
        _l("Days a new certificate stays valid (leave empty for no end date)"),
        validators=[Optional(), NumberRange(min=1, max=3650,
                                            message=_l("Between 1 and 3650 days."))])
    retention_months = IntegerField(
        _l("Keep personal data for this many months after a person's last activity (leave "
           "empty to keep it until the mission deletes it)"),
        validators=[Optional(), NumberRange(min=1, max=240)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.certificate_second_language.choices = [
            ("", _("None: the holder's language only")), ("en", _("English")),
            ("fr", _("French"))]


class ContingentForm(FlaskForm):
    country = SelectField(_l("Country (ISO 3166)"), validators=[DataRequired()],
                          validate_choice=True)
    unit = StringField(_l("Unit designation"), validators=[DataRequired(), Length(max=120)])


class AuditFilterForm(FlaskForm):
    """By GET: it only narrows what is shown."""

    class Meta:
        csrf = False

    person = StringField(_l("Person (name or personnel number)"), validators=[Length(max=100)])
    certificate = StringField(_l("Certificate code"), validators=[Length(max=20)])
    cohort = SelectField(_l("Cohort"), coerce=int, validators=[Optional()], validate_choice=True)


class BundleForm(FlaskForm):
    file = FileField(_l("Bundle file (.sgtm1sync)"), validators=[FileRequired()])


class ExportForm(FlaskForm):
    """By GET: it writes nothing but the audit line, so it carries no CSRF token."""

    class Meta:
        csrf = False

    since = DateField(_l("Changes since (leave empty for everything)"), validators=[Optional()])


class EraseForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the erasure (do not write the person's name or "
                              "personnel number)"),
                           validators=[DataRequired(), Length(min=5, max=500)])
    confirm = BooleanField(_l("I understand that this cannot be undone"),
                           validators=[InputRequired()])


class ExportOptionsForm(FlaskForm):
    """By GET: it only shapes a download."""

    class Meta:
        csrf = False

    table = SelectField(_l("What to export"), validate_choice=True)
    fmt = SelectField(_l("Format"), validate_choice=True)
    suppress_small = BooleanField(_l("Show counts below 5 as “<5”"), default=True)
    omit_names = BooleanField(_l("Leave out names and personnel numbers"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.table.choices = [("matrix", _("Completion by contingent and personnel category")),
                              ("people", _("List of people"))]
        self.fmt.choices = [("csv", "CSV"), ("xlsx", "XLSX")]
