"""Loads the IncluCities network of DESIGN §1 with one fictional person per role.

Safe to run again: what exists (by its natural key) is left as it is.
"""

from datetime import date

from sqlalchemy import select

from .. import db
from ..auth.services import hash_password
from ..models import (
    Cluster,
    Consent,
    EmailPreference,
    Membership,
    MentoringTheme,
    Organisation,
    OrganisationKind,
    Pair,
    PairStatus,
    Role,
    Side,
    Theme,
    User,
)
from ..privacy.notices import PRIVACY_NOTICE_VERSION
from . import benchmarks, plans, tasks, threads, timeline

DEMO_PASSWORD = "inclusive-cities-demo"  # noqa: S105  (public: the README lists it)
DEMO_DOMAIN = "demo.example.org"

COORDINATOR = ("Council of European Municipalities and Regions (CEMR)", "BE")
CONSULTANCY = ("Cityscope Consulting", "BE")

# (mentor city, country, association), (mentee city, country, association), theme, programme
# themes, focus language, focus, working languages, and the people on each side.
PAIRS = [
    {
        "mentor": ("City of Brussels", "BE", "Brulocalis"),
        "mentee": ("Saint-Jean-de-la-Ruelle", "FR", "AFCCRE"),
        "theme": MentoringTheme.NEEDS_ASSESSMENT,
        "themes": [Theme.BASIC_SERVICES, Theme.PARTICIPATION],
        "focus": (
            "fr",
            "Évaluer de façon stratégique et sensible au genre les besoins des habitantes et "
            "habitants issus de la migration, avec une maison des femmes comme premier projet.",
        ),
        "languages": ["fr"],
        "people": {
            "brussels": {
                "mentor": ("Amélie Verhoeven", "fr"),
                "partner": ("Youssef El Idrissi", "fr"),
                "network": ("Fatou Diallo", "fr", "Collectif Accueil Bruxelles"),
            },
            "saint-jean": {
                "mentee": ("Claire Dumont", "fr"),
                "partner": ("Hélène Marchand", "fr"),
                "network": ("Karim Benali", "fr", "Association Solidarité Femmes de la Ruelle"),
            },
        },
    },
    {
        "mentor": ("Mechelen", "BE", "VVSG"),
        "mentee": ("Capaci", "IT", "AICCRE"),
        "theme": MentoringTheme.CITY_FOR_ALL,
        "themes": [Theme.HOUSING, Theme.PARTICIPATION],
        "focus": (
            "en",
            "Building a shared vision of a city for all, where newcomers and long-standing "
            "residents shape local services together.",
        ),
        "languages": ["nl", "it", "en"],
        "people": {
            "mechelen": {
                "mentor": ("Pieter Janssens", "nl"),
                "partner": ("Els De Smet", "nl"),
                "network": ("Samira Haddou", "nl", "Samen Mechelen vzw"),
            },
            "capaci": {
                "mentee": ("Giulia Russo", "it"),
                "partner": ("Marco Lombardi", "it"),
                "network": ("Salvatore Greco", "it", "Associazione Accoglienza Capaci"),
            },
        },
    },
    {
        "mentor": ("Fuenlabrada", "ES", "FEMP"),
        "mentee": ("Livadia", "GR", "KEDE"),
        "theme": MentoringTheme.EMPLOYMENT,
        "themes": [Theme.EDUCATION, Theme.PARTICIPATION],
        "focus": (
            "en",
            "Mobilising citizens, employers and unions so that migrant residents find decent "
            "work or start their own business.",
        ),
        "languages": ["en", "es", "el"],
        "people": {
            "fuenlabrada": {
                "mentor": ("Lucía Martín", "en"),
                "partner": ("Javier Ortega", "en"),
                "network": ("Ana Moreno", "en", "Empleo Diverso Fuenlabrada"),
            },
            "livadia": {
                "mentee": ("Eleni Papadopoulou", "en"),
                "partner": ("Nikos Georgiou", "en"),
                "network": ("Dimitra Kosta", "en", "Livadia Migrant Support Centre"),
            },
        },
    },
    {
        "mentor": ("Schaerbeek", "BE", "Brulocalis"),
        "mentee": ("Jelgava", "LV", "LPS"),
        "theme": MentoringTheme.LANGUAGE_LEARNING,
        "themes": [Theme.EDUCATION, Theme.BASIC_SERVICES],
        "focus": (
            "en",
            "Language learning in formal and non-formal settings, from evening classes to "
            "conversation tables in libraries and sports clubs.",
        ),
        "languages": ["en", "fr", "lv"],
        "people": {
            "schaerbeek": {
                "mentor": ("Nadia Ait Ali", "fr"),
                "partner": ("Thomas Lambert", "fr"),
                "network": ("Olivier Kabongo", "fr", "Ateliers de langue de Schaerbeek"),
            },
            "jelgava": {
                "mentee": ("Laura Bērziņa", "en"),
                "partner": ("Jānis Kalniņš", "en"),
                "network": ("Inese Ozola", "en", "Jelgava Language Learning Society"),
            },
        },
    },
]

ASSOCIATIONS = {
    "Brulocalis": "BE",
    "AFCCRE": "FR",
    "VVSG": "BE",
    "AICCRE": "IT",
    "FEMP": "ES",
    "KEDE": "GR",
    "LPS": "LV",
}


class _Loader:
    def __init__(self):
        self.created = {"organisations": 0, "users": 0, "pairs": 0, "memberships": 0}
        self.password_hash = hash_password(DEMO_PASSWORD)

    def organisation(self, name: str, kind: OrganisationKind, country: str) -> Organisation:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = Organisation(name=name, kind=kind, country=country)
            db.session.add(org)
            self.created["organisations"] += 1
        return org

    def user(self, key: str, name: str, locale: str, org: Organisation, **extra) -> User:
        email = f"{key}@{DEMO_DOMAIN}"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email,
                name=name,
                password_hash=self.password_hash,
                locale=locale,
                timezone="Europe/Brussels",
                email_preference=EmailPreference.OFF,
                organisation=org,
                **extra,
            )
            db.session.add(user)
            self.created["users"] += 1
        return user

    def member(self, pair: Pair, user: User, role: Role, side: Side, org: Organisation):
        db.session.flush()
        exists = db.session.scalar(
            select(Membership.id).where(
                Membership.pair_id == pair.id, Membership.user_id == user.id
            )
        )
        if exists is None:
            db.session.add(Membership(pair=pair, user=user, role=role, side=side, organisation=org))
            self.created["memberships"] += 1
            if role is Role.NETWORK:  # as if they had accepted an invitation: consent on record
                db.session.add(
                    Consent(
                        user=user,
                        pair=pair,
                        notice_version=PRIVACY_NOTICE_VERSION,
                        locale=user.locale or "en",
                    )
                )

    def pair(self, spec: dict, cluster: Cluster) -> Pair:
        mentor = self.organisation(spec["mentor"][0], OrganisationKind.CITY, spec["mentor"][1])
        mentee = self.organisation(spec["mentee"][0], OrganisationKind.CITY, spec["mentee"][1])
        db.session.flush()
        pair = db.session.scalar(
            select(Pair).where(Pair.mentor_city_id == mentor.id, Pair.mentee_city_id == mentee.id)
        )
        if pair is None:
            focus_language, focus = spec["focus"]
            pair = Pair(
                mentor_city=mentor,
                mentee_city=mentee,
                mentor_association=self.association(spec["mentor"][2]),
                mentee_association=self.association(spec["mentee"][2]),
                cluster=cluster,
                mentoring_theme=spec["theme"],
                themes=[t.value for t in spec["themes"]],
                focus=focus,
                focus_language=focus_language,
                working_languages=spec["languages"],
                status=PairStatus.COMPLETED,
                starts_on=date(2021, 1, 15),
                ends_on=date(2022, 12, 8),
            )
            db.session.add(pair)
            self.created["pairs"] += 1
        return pair

    def association(self, name: str) -> Organisation:
        return self.organisation(name, OrganisationKind.ASSOCIATION, ASSOCIATIONS[name])

    def people(self, spec: dict, pair: Pair) -> None:
        for (city_key, roles), side in zip(spec["people"].items(), Side, strict=True):
            city = pair.mentor_city if side is Side.MENTOR else pair.mentee_city
            association = self.association(spec[side.value][2])
            for role_name, person in roles.items():
                role = Role(role_name)
                if role is Role.NETWORK:
                    name, locale, org_name = person
                    org = self.organisation(org_name, OrganisationKind.SUPPORT, city.country)
                else:
                    name, locale = person
                    org = association if role is Role.PARTNER else city
                user = self.user(f"{role_name}-{city_key}", name, locale, org)
                self.member(pair, user, role, side, org)


def load() -> str:
    loader = _Loader()
    coordinator = loader.organisation(COORDINATOR[0], OrganisationKind.COORDINATOR, "BE")
    consultancy = loader.organisation(CONSULTANCY[0], OrganisationKind.CONSULTANCY, "BE")
    loader.user("admin", "Martine Claes", "en", coordinator, is_admin=True)
    consultant = loader.user("consultant", "Sofia Lindqvist", "en", consultancy)

    cluster = db.session.scalar(select(Cluster).where(Cluster.name == "IncluCities"))
    if cluster is None:
        cluster = Cluster(name="IncluCities")
        db.session.add(cluster)
    if consultant not in cluster.consultants:
        cluster.consultants.append(consultant)

    pairs = []
    for spec in PAIRS:
        pair = loader.pair(spec, cluster)
        loader.people(spec, pair)
        pairs.append(pair)
    db.session.flush()
    # What the pairs worked on: each area adds its own content, also idempotently.
    for name, area in (
        ("timeline entries", timeline),
        ("threads", threads),
        ("tasks", tasks),
        # the benchmarks and glossary first: plan actions address key factors
        ("assessment ratings", benchmarks),
        ("action plans", plans),
    ):
        loader.created[name] = area.load(pairs)
    db.session.commit()
    return ", ".join(f"{count} {what}" for what, count in loader.created.items()) + " created"
