"""All models, imported here so that Alembic sees the whole metadata."""

from .base import Base, utcnow
from .invitation import Invitation
from .membership import Membership, Role, Side, side_for
from .organisation import Organisation, OrganisationKind
from .pair import Cluster, MentoringTheme, Pair, PairStatus, Theme, cluster_consultant
from .user import EmailPreference, User

__all__ = [
    "Base",
    "Cluster",
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
    "cluster_consultant",
    "side_for",
    "utcnow",
]
