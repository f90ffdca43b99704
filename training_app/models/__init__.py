"""SQLAlchemy 2.0 models, one file per aggregate."""

from .audit import AuditEvent
from .certificate import Certificate
from .cohort import Cohort, Enrolment
from .credentials import AccessCode, FailedAttempt
from .mission import Contingent, Mission
from .people import Person, User
from .progress import CaseStudyResponse, Completion, OfflineEvent, QuizAttempt, SlideView
from .sync import SyncImport, SyncRecipient, SyncSource

__all__ = [
    "AccessCode", "AuditEvent", "CaseStudyResponse", "Certificate", "Cohort", "Completion",
    "Contingent", "Enrolment", "FailedAttempt", "Mission", "OfflineEvent", "Person",
    "QuizAttempt", "SlideView", "SyncImport", "SyncRecipient", "SyncSource", "User",
]
