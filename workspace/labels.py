"""Translated names for the codes stored in the database."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p

from .forms import options
from .models import (
    ActionStatus,
    AuditAction,
    EmailPreference,
    MentoringTheme,
    OrganisationKind,
    PairStatus,
    PlanStatus,
    Role,
    Side,
    Theme,
)

ROLES = {
    Role.MENTOR: _l("Mentor city official"),
    Role.MENTEE: _l("Mentee city official"),
    Role.PARTNER: _l("Association partner"),
    Role.NETWORK: _l("Support network member"),
}
ROLES_PLURAL = {
    Role.MENTOR: _l("Mentor city officials"),
    Role.MENTEE: _l("Mentee city officials"),
    Role.PARTNER: _l("Association partners"),
    Role.NETWORK: _l("Support network members"),
}
SIDES = {Side.MENTOR: _l("Mentor side"), Side.MENTEE: _l("Mentee side")}
THEMES = {
    Theme.EDUCATION: _l("Education and training"),
    Theme.HOUSING: _l("Housing"),
    Theme.BASIC_SERVICES: _l("Access to basic services"),
    Theme.PARTICIPATION: _l("Active participation and social inclusion"),
}
MENTORING_THEMES = {
    MentoringTheme.NEEDS_ASSESSMENT: _l("Gender-sensitive assessment of needs"),
    MentoringTheme.CITY_FOR_ALL: _l("A city for all"),
    MentoringTheme.EMPLOYMENT: _l("Decent employment and entrepreneurship"),
    MentoringTheme.LANGUAGE_LEARNING: _l("Language learning"),
}
PAIR_STATUSES = {
    PairStatus.PLANNED: _l("Planned"),
    PairStatus.ACTIVE: _l("Active"),
    PairStatus.COMPLETED: _l("Completed"),
}
ORGANISATION_KINDS = {
    OrganisationKind.CITY: _l("City"),
    OrganisationKind.ASSOCIATION: _l("Association of local governments"),
    OrganisationKind.CONSULTANCY: _l("Consultancy"),
    OrganisationKind.COORDINATOR: _l("Programme coordinator"),
    OrganisationKind.SUPPORT: _l("Local support organisation"),
}
# Action plans: the review workflow's statuses (plans/review.py).
PLAN_STATUSES = {
    PlanStatus.DRAFT: _l("Draft"),
    PlanStatus.IN_REVIEW: _l("In review"),
    PlanStatus.APPROVED: _l("Approved"),
    PlanStatus.ADOPTED: _l("Adopted"),
}
# An action is feminine in French and Italian where a pair is not: its own context.
ACTION_STATUSES = {
    ActionStatus.PLANNED: _p("plan action", "Planned"),
    ActionStatus.IN_PROGRESS: _p("plan action", "In progress"),
    ActionStatus.DONE: _p("plan action", "Done"),
    ActionStatus.DROPPED: _p("plan action", "Dropped"),
}
EMAIL_PREFERENCES = {
    EmailPreference.OFF: _l("No e-mail, only in the workspace"),
    EmailPreference.IMMEDIATE: _l("An e-mail for each notification"),
    EmailPreference.DAILY: _l("One daily digest"),
}
# The audit log's kinds of entry (admin/audit.py).
AUDIT_ACTIONS = {
    AuditAction.MODERATION: _l("Moderation"),
    AuditAction.MEMBERSHIP_ADDED: _l("Member added"),
    AuditAction.MEMBERSHIP_CHANGED: _l("Member's role changed"),
    AuditAction.MEMBERSHIP_REMOVED: _l("Member removed"),
    AuditAction.ADMIN_GRANTED: _l("Administrator rights granted"),
    AuditAction.ADMIN_REVOKED: _l("Administrator rights withdrawn"),
    AuditAction.CONSULTANT_ADDED: _l("Consultant added to a cluster"),
    AuditAction.CONSULTANT_REMOVED: _l("Consultant removed from a cluster"),
    AuditAction.INVITATION_SENT: _l("Invitation sent"),
    AuditAction.INVITATION_ACCEPTED: _l("Invitation accepted"),
    AuditAction.INVITATION_REVOKED: _l("Invitation withdrawn"),
    AuditAction.DATA_EXPORTED: _l("Personal data exported"),
    AuditAction.ACCOUNT_ERASED: _l("Account erased"),
    AuditAction.CONSENT_GIVEN: _l("Consent given"),
    AuditAction.CONSENT_WITHDRAWN: _l("Consent withdrawn"),
}


def choices(mapping: dict) -> list:
    return options((code.value, label) for code, label in mapping.items())


TEMPLATE_LABELS = {
    "roles": ROLES,
    "roles_plural": ROLES_PLURAL,
    "sides": SIDES,
    "themes": THEMES,
    "mentoring_themes": MENTORING_THEMES,
    "pair_statuses": PAIR_STATUSES,
    "organisation_kinds": ORGANISATION_KINDS,
    "plan_statuses": PLAN_STATUSES,
}
