from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import db
from ..models import Cluster, Invitation, Membership, Pair, User, cluster_consultant, utcnow

_PAIR_HEADER = (
    joinedload(Pair.mentor_city),
    joinedload(Pair.mentee_city),
    joinedload(Pair.mentor_association),
    joinedload(Pair.mentee_association),
)


def pairs_of(user: User) -> list[tuple[Pair, Membership | None, bool]]:
    """The pairs the user sees, each with the user's membership and whether they consult it."""
    query = (
        select(Pair, Membership, cluster_consultant.c.user_id.is_not(None))
        .outerjoin(Membership, (Membership.pair_id == Pair.id) & (Membership.user_id == user.id))
        .outerjoin(
            cluster_consultant,
            (cluster_consultant.c.cluster_id == Pair.cluster_id)
            & (cluster_consultant.c.user_id == user.id),
        )
        .options(*_PAIR_HEADER)
        .order_by(Pair.id)
    )
    if not user.is_admin:
        query = query.where(
            or_(Membership.id.is_not(None), cluster_consultant.c.user_id.is_not(None))
        )
    return [tuple(row) for row in db.session.execute(query).unique()]


def pair_with_people(pair_id: int) -> Pair | None:
    """The pair with what its overview shows: organisations, cluster and consultants, and
    the members with their organisations (three queries)."""
    return db.session.scalar(
        select(Pair)
        .where(Pair.id == pair_id)
        .options(
            *_PAIR_HEADER,
            joinedload(Pair.cluster).selectinload(Cluster.consultants),
            selectinload(Pair.memberships).joinedload(Membership.user),
            selectinload(Pair.memberships).joinedload(Membership.organisation),
        )
    )


def pending_invitations(pair: Pair) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.pair_id == pair.id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def members_by_side(pair: Pair) -> dict:
    """{side: {role: [membership, …]}} in a stable order for the overview."""
    grouped: dict = {}
    for m in sorted(pair.memberships, key=lambda m: (m.side, m.role, m.user.name.lower())):
        grouped.setdefault(m.side, {}).setdefault(m.role, []).append(m)
    return grouped
