"""The demo zone (Mons-Quévy) used by a local run, the page tests and anyone trying the desk.

`seed_demo` is idempotent: it creates what is missing and leaves every existing row as it is (a demo
password changed by hand stays changed).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.db import transaction

from accounts import permissions
from accounts.models import Membership, Role, TOTPDevice, User
from editorial.audit import audit_record
from editorial.models import Category, Channel, Language, Locality, Unit, Value, Zone

DEMO_PASSWORD = "demo-zone-2026"

ZONE = {"slug": "mons-quevy", "name": "Zone de police Mons-Quévy"}

VALUES = [
    (
        "Proximité",
        "Une police proche des citoyens, à leur écoute et facile à joindre.",
        "Ce message montre-t-il une police proche des citoyens et à leur écoute ?",
    ),
    (
        "Dynamisme",
        "Une police active, réactive et tournée vers les solutions.",
        "Ce message montre-t-il une police active, réactive et utile maintenant ?",
    ),
    (
        "Sens du devoir envers chaque citoyen",
        "Servir chaque citoyen avec respect, sans distinction, dans le respect de la vie privée.",
        "Ce message respecte-t-il chaque citoyen, sa dignité et sa vie privée ?",
    ),
]

UNITS = ["Trafic", "Proximité", "Judiciaire"]

CATEGORIES = [
    ("Bouchons", "#bouchon #trafic"),
    ("Travaux", "#travaux #mobilite"),
    ("Déviation", "#deviation #mobilite"),
    ("Fête locale", "#fete #evenement"),
    ("Contrôle vitesse", "#controle #radar"),
    ("Contrôle alcool", "#controle #alcool"),
    ("Inondation", "#inondation #meteo"),
    ("Prévention", "#prevention"),
    ("Recrutement", "#recrutement #jobpolice"),
]

LOCALITIES = [
    ("Mons", "#Mons"),
    ("Jemappes", "#Jemappes"),
    ("Cuesmes", "#Cuesmes"),
    ("Ghlin", "#Ghlin"),
    ("Nimy", "#Nimy"),
    ("Havré", "#Havre"),
    ("Saint-Symphorien", "#SaintSymphorien"),
    ("Quévy", "#Quevy"),
    ("Quévy-le-Grand", "#QuevyLeGrand"),
    ("Givry", "#Givry"),
    ("Blaregnies", "#Blaregnies"),
]

CHANNELS = [
    (Channel.Kind.X, "Police Mons-Quévy", "@PoliceMonsQuevy_demo"),
    (Channel.Kind.FACEBOOK, "Police Mons-Quévy", "100000000000001"),
]

# username, first name, last name, role, unit name
USERS = [
    ("officier", "Camille", "Dubois", Role.OFFICER, None),
    ("directeur", "Marc", "Lambert", Role.DIRECTOR, None),
    ("admin", "Sophie", "Martin", Role.ADMIN, None),
    ("trafic", "Luc", "Peeters", Role.UNIT_HEAD, "Trafic"),
    ("proximite", "Nadia", "Benali", Role.UNIT_HEAD, "Proximité"),
    ("judiciaire", "Jean", "Lefèvre", Role.UNIT_HEAD, "Judiciaire"),
]


@dataclass
class SeedReport:
    zone: Zone
    created: list[str] = field(default_factory=list)
    logins: list[tuple[str, str, str, bool]] = field(default_factory=list)  # username, role, unit, new


@transaction.atomic
def seed_demo() -> SeedReport:
    zone, created = Zone.objects.get_or_create(
        slug=ZONE["slug"],
        defaults={
            "name": ZONE["name"],
            "timezone": "Europe/Brussels",
            "languages": Language.FR,
            # Made-up contact details, given in posts on purpose: the confidentiality scan leaves them alone.
            "public_phones": "065 00 00 00",
            "public_emails": "contact@mons-quevy.demo.invalid",
        },
    )
    report = SeedReport(zone=zone)
    if created:
        report.created.append(f"zone {zone.name}")

    for order, (name, description, question) in enumerate(VALUES, start=1):
        _, created = Value.objects.get_or_create(
            zone=zone, name=name, defaults={"description": description, "question": question, "order": order}
        )
        if created:
            report.created.append(f"value {name}")

    units = {}
    for name in UNITS:
        units[name], created = Unit.objects.get_or_create(zone=zone, name=name)
        if created:
            report.created.append(f"unit {name}")

    for name, hashtags in CATEGORIES:
        _, created = Category.objects.get_or_create(zone=zone, name=name, defaults={"default_hashtags": hashtags})
        if created:
            report.created.append(f"category {name}")

    for name, hashtag in LOCALITIES:
        _, created = Locality.objects.get_or_create(zone=zone, name=name, defaults={"hashtag": hashtag})
        if created:
            report.created.append(f"locality {name}")

    for kind, name, handle in CHANNELS:
        _, created = Channel.objects.get_or_create(
            zone=zone, kind=kind, handle=handle, defaults={"name": name, "language": Language.FR}
        )
        if created:
            report.created.append(f"channel {kind} {handle}")

    for username, first_name, last_name, role, unit_name in USERS:
        user, user_created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@demo.invalid",
                # The administrator reaches the Django admin (set-up data), scoped to the zone.
                "is_staff": role == Role.ADMIN,
            },
        )
        if user_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            report.created.append(f"user {username}")
        # The unit is part of what is looked up: a unit head may head other units too.
        _, created = Membership.objects.get_or_create(
            user=user, zone=zone, role=role, unit=units[unit_name] if unit_name else None
        )
        if created:
            report.created.append(f"membership {username} {role}")
        report.logins.append((username, str(Role(role).label), unit_name or "", user_created))
        if permissions.mfa_required(user) and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            # The demo roles that need a second factor get an authenticator with a random secret; on a local
            # run `manage.py mfa_code <login>` shows its current code (or add the key to a real app).
            TOTPDevice.objects.create(user=user, name="demo", confirmed=True, secret=secrets.token_hex(20))
            report.created.append(f"authenticator {username}")

    if report.created:
        audit_record(action="editorial.demo.seed", zone=zone, obj=zone, data={"created": report.created})
    return report
