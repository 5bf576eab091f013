"""The register of who can see which pair, and why: for the programme administrator.

Everyone who sees a pair sees it for one of three reasons: a membership (by role and side;
network members on the basis of their consent), consulting the pair's cluster, or being a
programme administrator. The pairs are paged by keyset on their id, and a page loads in a
fixed number of queries however many pairs there are.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import render_template as render_page
from flask import request
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload, selectinload

from .. import db
from ..models import Cluster, Consent, Membership, Organisation, Pair, Role, Side, User
from ..policy import programme_admin_required
from . import bp

# Members first, in the order of the pair's structure, then consultants, then admins.
_ROLE_ORDER = {Role.MENTOR: 0, Role.MENTEE: 1, Role.PARTNER: 2, Role.NETWORK: 3}
_SIDE_ORDER = {Side.MENTOR: 0, Side.MENTEE: 1}
REGISTER_PAGE = 10  # pairs a page: about 30 people each


@dataclass
class Viewer:
    """One person who can see a pair, and the reason."""

    user: User
    reason: str  # "member", "consultant" or "admin"
    membership: Membership | None = None
    consent: Consent | None = None

    @property
    def consent_given_at(self) -> datetime | None:
        return self.consent.given_at if self.consent else None


def pair_options() -> list[tuple[int, str]]:
    """Every pair as (id, name), for the filter."""
    mentor, mentee = aliased(Organisation), aliased(Organisation)
    rows = db.session.execute(
        select(Pair.id, mentor.name, mentee.name)
        .join(mentor, Pair.mentor_city_id == mentor.id)
        .join(mentee, Pair.mentee_city_id == mentee.id)
        .order_by(Pair.id)
    )
    return [(pair_id, f"{a} – {b}") for pair_id, a, b in rows]


def who_sees(
    pair_id: int | None = None, after: int | None = None
) -> tuple[list[tuple[Pair, list[Viewer]]], int | None]:
    """A page of pairs (or the one named), after the pair id ``after``, each with everyone who
    can see it, and the id to start the next page after (None on the last)."""
    query = (
        select(Pair)
        .options(
            joinedload(Pair.mentor_city),
            joinedload(Pair.mentee_city),
            joinedload(Pair.cluster).selectinload(Cluster.consultants),
            selectinload(Pair.memberships).options(
                joinedload(Membership.user), joinedload(Membership.organisation)
            ),
        )
        .order_by(Pair.id)
        .limit(REGISTER_PAGE + 1)
    )
    if pair_id is not None:
        query = query.where(Pair.id == pair_id)
    if after is not None:
        query = query.where(Pair.id > after)
    pairs = list(db.session.scalars(query).unique())
    next_after = pairs[REGISTER_PAGE - 1].id if len(pairs) > REGISTER_PAGE else None
    pairs = pairs[:REGISTER_PAGE]
    latest: dict[tuple[int, int], Consent] = {}
    consents = select(Consent).where(Consent.pair_id.in_([p.id for p in pairs]))
    for consent in db.session.scalars(consents.order_by(Consent.given_at, Consent.id)):
        latest[(consent.user_id, consent.pair_id)] = consent
    admins = list(
        db.session.scalars(
            select(User)
            .where(User.is_admin.is_(True), User.erased_at.is_(None))
            .order_by(User.name)
        )
    )

    register = []
    for pair in pairs:
        members = sorted(
            pair.memberships,
            key=lambda m: (_ROLE_ORDER[m.role], _SIDE_ORDER[m.side], m.user.name.casefold()),
        )
        viewers = [
            Viewer(
                user=m.user,
                reason="member",
                membership=m,
                consent=latest.get((m.user_id, pair.id)) if m.role is Role.NETWORK else None,
            )
            for m in members
        ]
        if pair.cluster is not None:
            viewers += [Viewer(user=u, reason="consultant") for u in pair.cluster.consultants]
        viewers += [Viewer(user=u, reason="admin") for u in admins]
        register.append((pair, viewers))
    return register, next_after


@bp.get("/admin/register")
@login_required
@programme_admin_required
def register():
    pair_id = request.args.get("pair", type=int)
    after = request.args.get("after", type=int)
    register, next_after = who_sees(pair_id, after)
    return render_page(
        "privacy/register.html",
        register=register,
        next_after=next_after,
        first_page=not after,
        options=pair_options(),
        selected=pair_id,
    )
