"""All models, imported here so that Alembic sees the whole metadata."""

from .activity import Activity, ActivityKind
from .attachments import Attachment
from .base import Base, utcnow
from .benchmarks import AssessmentRating, GlossaryTerm, KeyFactor, KeyFactorText, Priority, Rating
from .data_version import DataVersion
from .invitation import Invitation
from .membership import Membership, Role, Side, side_for
from .notification import Notification, NotificationKind
from .organisation import Organisation, OrganisationKind
from .pair import Cluster, MentoringTheme, Pair, PairStatus, Theme, cluster_consultant
from .plans import (
    ActionStatus,
    Plan,
    PlanAction,
    PlanReviewStep,
    PlanSection,
    PlanStatus,
    RevisionOrigin,
    SectionComment,
    SectionKind,
    SectionPresence,
    SectionRevision,
    SectionText,
    plan_action_key_factor,
)
from .privacy import AuditAction, AuditEntry, Consent
from .search import SearchDocument, SearchKind
from .tasks import Task, TaskList, TaskStatus, task_assignee
from .threads import (
    ModerationAction,
    ModerationKind,
    Post,
    PostMention,
    PostRevision,
    SubscriptionState,
    Thread,
    ThreadSubscription,
)
from .timeline import CalendarFeedToken, Event, EventKind, EventParticipant
from .user import EmailPreference, User

__all__ = [
    "Activity",
    "ActivityKind",
    "Attachment",
    "CalendarFeedToken",
    "Event",
    "EventKind",
    "EventParticipant",
    "Notification",
    "NotificationKind",
    "Base",
    "Cluster",
    "DataVersion",
    "EmailPreference",
    "Invitation",
    "Membership",
    "MentoringTheme",
    "Organisation",
    "OrganisationKind",
    "Pair",
    "PairStatus",
    "Role",
    "Side",
    "Theme",
    "User",
    # threads
    "ModerationAction",
    "ModerationKind",
    "Post",
    "PostMention",
    "PostRevision",
    "SubscriptionState",
    "Thread",
    "ThreadSubscription",
    # privacy
    "AuditAction",
    "AuditEntry",
    "Consent",
    # search
    "SearchDocument",
    "SearchKind",
    # tasks
    "Task",
    "TaskList",
    "TaskStatus",
    "task_assignee",
    # benchmarks
    "AssessmentRating",
    "GlossaryTerm",
    "KeyFactor",
    "KeyFactorText",
    "Priority",
    "Rating",
    # plans
    "ActionStatus",
    "Plan",
    "PlanAction",
    "PlanReviewStep",
    "PlanSection",
    "PlanStatus",
    "RevisionOrigin",
    "SectionComment",
    "SectionKind",
    "SectionPresence",
    "SectionRevision",
    "SectionText",
    "plan_action_key_factor",
    "cluster_consultant",
    "side_for",
    "utcnow",
]
