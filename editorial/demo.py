"""The demo zone (Mons-Quévy) used by a local run, the page tests and anyone trying the desk.

`seed_demo` is idempotent: it creates what is missing and leaves every existing row as it is (a demo
password changed by hand stays changed).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts import permissions
from accounts.models import Membership, Role, TOTPDevice, User
from editorial import services
from editorial.audit import audit_record
from editorial.models import (
    Category,
    Channel,
    ChannelTarget,
    Language,
    Locality,
    PartnerAccount,
    Post,
    Unit,
    Value,
    Zone,
)

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

# The partner accounts the demo officer can mention (@ in a post text): public Belgian police, crisis and road-safety
# bodies and the zone's neighbours, marked "(démo)" in their names. The handles and page names were written from
# memory, without checking them on the networks: check each one before a real zone copies it.
# name, kind, X handle, Facebook page name
PARTNERS = [
    ("Police fédérale (démo)", PartnerAccount.Kind.FEDERAL_POLICE, "FedPol_Belgium", "Police fédérale"),
    ("Vias institute (démo)", PartnerAccount.Kind.ROAD_SAFETY, "Vias_institute", "Vias institute"),
    ("Centre de crise national (démo)", PartnerAccount.Kind.EMERGENCY, "CrisiscenterBE", "Centre de Crise National"),
    ("Zone de police Boraine (démo)", PartnerAccount.Kind.POLICE_ZONE, "", "Zone de police Boraine"),
    ("Zone de police La Louvière (démo)", PartnerAccount.Kind.POLICE_ZONE, "", "Zone de police La Louvière"),
    ("Ville de Mons (démo)", PartnerAccount.Kind.COMMUNE, "", "Ville de Mons"),
    ("Commune de Quévy (démo)", PartnerAccount.Kind.COMMUNE, "", "Commune de Quévy"),
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
    bilingual_zone: Zone | None = None


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

    # The plan's gaps (issue 14, point 3): at least one post a day on X, on weekdays.
    for channel in Channel.objects.filter(zone=zone, kind=Channel.Kind.X):
        _, created = ChannelTarget.objects.get_or_create(
            channel=channel, defaults={"zone": zone, "posts_per_day": 1, "weekdays_only": True}
        )
        if created:
            report.created.append(f"target {channel.handle}")

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

    seed_partner_accounts(zone, report)
    seed_category_channels(zone, report)
    seed_demo_items(zone, report)
    seed_templates(zone, report)
    seed_delegation(zone, report)

    if report.created:
        audit_record(action="editorial.demo.seed", zone=zone, obj=zone, data={"created": report.created})
    report.bilingual_zone = seed_bilingual_zone(report)
    report.created += seed_roads(report.bilingual_zone, BILINGUAL_ROADS)
    return report


def seed_partner_accounts(zone: Zone, report: SeedReport) -> None:
    """The demo zone's directory of partner accounts (PARTNERS), for @-mentions; existing rows are left as they are."""
    for name, kind, x_handle, facebook_name in PARTNERS:
        _, created = PartnerAccount.objects.get_or_create(
            zone=zone, name=name, defaults={"kind": kind, "x_handle": x_handle, "facebook_name": facebook_name}
        )
        if created:
            report.created.append(f"partner account {name}")


# --- The bilingual demo zone (issue 12) ---------------------------------------------------------------------------
# A zone that publishes in French and Dutch: one X account per language and one Facebook page that posts both in
# one message; its values in both languages, so that a director reading the desk in Dutch answers Dutch questions.
# Every name, handle and number is made up.

BILINGUAL_ZONE = {"slug": "bruxelles-ixelles", "name": "Zone de police Bruxelles-Ixelles / Politiezone Brussel-Elsene"}

# name, description, question; then the same in Dutch
BILINGUAL_VALUES = [
    (
        ("Proximité", *VALUES[0][1:]),
        (
            "Nabijheid",
            "Een politie dicht bij de burgers, die luistert en makkelijk bereikbaar is.",
            "Toont dit bericht een politie die dicht bij de burgers staat en naar hen luistert?",
        ),
    ),
    (
        ("Dynamisme", *VALUES[1][1:]),
        (
            "Dynamiek",
            "Een actieve, reactieve politie die naar oplossingen zoekt.",
            "Toont dit bericht een actieve, reactieve politie die nu van nut is?",
        ),
    ),
    (
        ("Sens du devoir envers chaque citoyen", *VALUES[2][1:]),
        (
            "Plichtsbesef tegenover elke burger",
            "Elke burger met respect dienen, zonder onderscheid, met respect voor de privacy.",
            "Respecteert dit bericht elke burger, zijn waardigheid en zijn privacy?",
        ),
    ),
]

BILINGUAL_UNITS = ["Circulation / Verkeer", "Proximité / Wijkwerking"]

BILINGUAL_CATEGORIES = [
    ("Travaux / Werken", "#travaux #werken"),
    ("Contrôle vitesse / Snelheidscontrole", "#radar #flitser"),
    ("Prévention / Preventie", "#prevention #preventie"),
]

BILINGUAL_LOCALITIES = [
    ("Bruxelles / Brussel", "#Brussels"),
    ("Ixelles / Elsene", "#Ixelles"),
    ("Laeken / Laken", "#Laeken"),
]

# kind, name, handle, language
BILINGUAL_CHANNELS = [
    (Channel.Kind.X, "Police Bruxelles-Ixelles", "@PolBxlIx_demo_fr", Language.FR),
    (Channel.Kind.X, "Politie Brussel-Elsene", "@PolBxlEl_demo_nl", Language.NL),
    (Channel.Kind.FACEBOOK, "Police Bruxelles-Ixelles / Politie Brussel-Elsene", "100000000000002", Language.BOTH),
]

# The demo logins of Mons-Quévy who work for this zone too (username, role).
BILINGUAL_MEMBERS = [("officier", Role.OFFICER), ("directeur", Role.DIRECTOR), ("admin", Role.ADMIN)]

BILINGUAL_POST = {
    "title": "Travaux avenue Louise / Werken Louizalaan",
    "fr": (
        "Travaux avenue Louise à Ixelles de lundi à vendredi : une seule bande ouverte vers le centre. Prévoyez plus "
        "de temps ou prenez les transports en commun. #travaux #Ixelles"
    ),
    "nl": (
        "Werken op de Louizalaan in Elsene van maandag tot vrijdag: slechts één rijstrook open richting centrum. "
        "Voorzie meer tijd of neem het openbaar vervoer. #werken #Elsene"
    ),
}


def seed_bilingual_zone(report: SeedReport) -> Zone:
    """The bilingual demo zone (BILINGUAL_*), the demo officer, director and administrator members of it, and one
    post in both languages waiting for the director's review. Like the rest of the demo, what exists is left as it
    is; its own audit event names what was created."""
    created: list[str] = []
    zone, new = Zone.objects.get_or_create(
        slug=BILINGUAL_ZONE["slug"],
        defaults={
            "name": BILINGUAL_ZONE["name"],
            "timezone": "Europe/Brussels",
            "languages": Language.BOTH,
            "public_phones": "02 000 00 00",
            "public_emails": "contact@bruxelles-ixelles.demo.invalid",
        },
    )
    if new:
        created.append(f"zone {zone.name}")

    for order, ((name, description, question), (name_nl, description_nl, question_nl)) in enumerate(
        BILINGUAL_VALUES, start=1
    ):
        _, new = Value.objects.get_or_create(
            zone=zone,
            name=name,
            defaults={
                "description": description,
                "question": question,
                "name_nl": name_nl,
                "description_nl": description_nl,
                "question_nl": question_nl,
                "order": order,
            },
        )
        if new:
            created.append(f"value {name}")
    for name in BILINGUAL_UNITS:
        if Unit.objects.get_or_create(zone=zone, name=name)[1]:
            created.append(f"unit {name}")
    for name, hashtags in BILINGUAL_CATEGORIES:
        if Category.objects.get_or_create(zone=zone, name=name, defaults={"default_hashtags": hashtags})[1]:
            created.append(f"category {name}")
    for name, hashtag in BILINGUAL_LOCALITIES:
        if Locality.objects.get_or_create(zone=zone, name=name, defaults={"hashtag": hashtag})[1]:
            created.append(f"locality {name}")
    for kind, name, handle, language in BILINGUAL_CHANNELS:
        _, new = Channel.objects.get_or_create(
            zone=zone, kind=kind, handle=handle, defaults={"name": name, "language": language}
        )
        if new:
            created.append(f"channel {kind} {handle}")
    for username, role in BILINGUAL_MEMBERS:
        user = User.objects.filter(username=username).first()
        if user is not None and Membership.objects.get_or_create(user=user, zone=zone, role=role, unit=None)[1]:
            created.append(f"membership {username} {role}")

    if created:
        audit_record(action="editorial.demo.seed", zone=zone, obj=zone, data={"created": created})
    created += _seed_bilingual_post(zone)
    report.created += created
    return zone


def _seed_bilingual_post(zone: Zone) -> list[str]:
    """A post written once in French and in Dutch, each channel following its main text, submitted for review:
    the director sees both languages side by side. Only when the zone has no post of that title yet."""
    if Post.objects.filter(zone=zone, title=BILINGUAL_POST["title"]).exists():
        return []
    officer = User.objects.filter(username="officier").first()
    if officer is None:
        return []
    channels = list(Channel.objects.filter(zone=zone, handle__in=[c[2] for c in BILINGUAL_CHANNELS]))
    main_texts = {Language.FR: BILINGUAL_POST["fr"], Language.NL: BILINGUAL_POST["nl"]}
    in_three_days = timezone.localdate() + dt.timedelta(days=3)
    post = services.post_create(
        actor=officer,
        zone=zone,
        title=BILINGUAL_POST["title"],
        texts={channel: "" for channel in channels},
        main_texts=main_texts,
        follows_main=channels,
        category=Category.objects.filter(zone=zone, name=BILINGUAL_CATEGORIES[0][0]).first(),
        locality=Locality.objects.filter(zone=zone, name=BILINGUAL_LOCALITIES[1][0]).first(),
        planned_at=dt.datetime.combine(in_three_days, dt.time(8, 0), tzinfo=zone.tzinfo),
    )
    services.post_submit(actor=officer, post=post)
    return [f"post {post.title}"]


# --- Compose once with the unit's material (issue 12) -------------------------------------------------------------
# Traffic jams are for X alone; the other categories tick the zone's channels (both ticked by default).
CATEGORY_CHANNELS = {"Bouchons": [Channel.Kind.X]}

# An item of the traffic unit with a photo and a link, waiting in the officer's inbox: taking it up opens a draft with
# both channels ticked and the photo offered; its confidentiality notes name a person and a plate, which the drafting
# page flags as soon as a text names them. title, facts, category, locality, links, confidentiality notes
DEMO_ITEMS = [
    (
        "Travaux rue de la Station à Quévy",
        "Du lundi au vendredi de 7 h à 17 h, réfection de la chaussée rue de la Station à Quévy-le-Grand. Circulation "
        "alternée par feux ; déviation des camions par la N6. Contact : inspecteur principal Renard, 065 00 00 00.",
        "Travaux",
        "Quévy-le-Grand",
        "https://www.quevy.be/travaux-rue-de-la-station",
        # Made up, like every name and number of the demo: a name and a plate for the live check to find.
        "Ne pas citer l'entreprise (marché contesté). Pas de nom de riverain : ni Mme Josiane Fictif, qui s'est "
        "plainte du bruit, ni la plaque de sa camionnette, 1-XYZ-987, garée devant le chantier.",
    ),
]


def seed_category_channels(zone: Zone, report: SeedReport) -> None:
    """The demo categories' default channels (CATEGORY_CHANNELS), set once: a category whose defaults an
    administrator changed, or emptied, is left as it is after the first seeding."""
    for name, kinds in CATEGORY_CHANNELS.items():
        category = Category.objects.filter(zone=zone, name=name).first()
        if category is None or f"category {name}" not in report.created:
            continue
        category.default_channels.set(Channel.objects.filter(zone=zone, kind__in=kinds))
        report.created.append(f"default channels of {name}")


def demo_photo() -> bytes:
    """A made-up photo of road works (drawn, no real place or person), as a JPEG."""
    import io

    from PIL import Image, ImageDraw

    width, height = 1200, 800
    image = Image.new("RGB", (width, height), "#9fc6e7")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 330, width, height], fill="#6d8f4e")
    draw.polygon([(520, 330), (680, 330), (1100, height), (100, height)], fill="#55595c")
    for y in range(360, height, 90):
        t = (y - 330) / (height - 330)
        draw.rectangle([600 - 6 - 10 * t, y, 600 + 6 + 10 * t, y + 40 * t + 10], fill="#f5f5f5")
    for x, base in ((330, 700), (470, 560), (560, 470)):
        size = (base - 330) / 3
        draw.polygon([(x, base - size), (x - size / 3, base), (x + size / 3, base)], fill="#f08a24")
        draw.rectangle([x - size / 4, base - size * 0.55, x + size / 4, base - size * 0.42], fill="#ffffff")
    draw.rectangle([720, 470, 1060, 560], fill="#d9342b")
    for k in range(6):
        draw.rectangle([730 + k * 56, 480, 758 + k * 56, 550], fill="#ffffff")
    draw.rectangle([760, 560, 775, 700], fill="#444444")
    draw.rectangle([1005, 560, 1020, 700], fill="#444444")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed_demo_items(zone: Zone, report: SeedReport) -> None:
    """DEMO_ITEMS, submitted by the demo head of the traffic unit with a photo and a link, when the zone has no item
    of that title yet."""
    from django.core.files.base import ContentFile

    from editorial.models import Item

    head = User.objects.filter(username="trafic").first()
    unit = Unit.objects.filter(zone=zone, name="Trafic").first()
    if head is None or unit is None:
        return
    for title, facts, category, locality, links, notes in DEMO_ITEMS:
        if Item.objects.filter(zone=zone, title=title).exists():
            continue
        start = timezone.localtime(timezone.now(), zone.tzinfo).replace(hour=7, minute=30, second=0, microsecond=0)
        start += dt.timedelta(days=2)
        services.item_submit(
            actor=head,
            zone=zone,
            unit=unit,
            title=title,
            facts=facts,
            category=Category.objects.filter(zone=zone, name=category).first(),
            locality=Locality.objects.filter(zone=zone, name=locality).first(),
            wanted_start=start,
            wanted_end=start + dt.timedelta(days=4, hours=10),
            confidentiality_notes=notes,
            attachments=[ContentFile(demo_photo(), name="travaux-rue-de-la-station.jpg")],
            links=links,
        )
        report.created.append(f"item {title}")


# Issue 13: a category that asks for the judicial head's sign-off before the director approves (multi-step review),
# and the traffic head's right to publish the traffic templates on X.
SIGNOFF_CATEGORIES = [("Appel à témoins", "#appelatemoins", "Judiciaire")]
TRAFFIC_GRANT = {
    "member": "trafic",
    "unit": "Trafic",
    "by": "admin",
    "channel_kinds": [Channel.Kind.X],
    "categories": ["Bouchons", "Travaux", "Déviation", "Contrôle vitesse", "Contrôle alcool"],
}


def seed_delegation(zone: Zone, report: SeedReport) -> None:
    """The judicial category and the traffic head's delegated right, when missing; a right withdrawn or changed by
    hand stays as it is (any right of that unit head, even withdrawn, counts as seeded)."""
    from accounts import grants
    from accounts.models import Grant

    for name, hashtags, unit_name in SIGNOFF_CATEGORIES:
        unit = Unit.objects.filter(zone=zone, name=unit_name).first()
        _, created = Category.objects.get_or_create(
            zone=zone, name=name, defaults={"default_hashtags": hashtags, "signoff_unit": unit}
        )
        if created:
            report.created.append(f"category {name} (sign-off by {unit_name})")

    membership = Membership.objects.filter(
        zone=zone, user__username=TRAFFIC_GRANT["member"], role=Role.UNIT_HEAD, unit__name=TRAFFIC_GRANT["unit"]
    ).first()
    granter = User.objects.filter(username=TRAFFIC_GRANT["by"]).first()
    if membership is None or granter is None or Grant.objects.filter(membership=membership).exists():
        return
    grants.grant_create(
        actor=granter,
        membership=membership,
        scope=Grant.Scope.TEMPLATES,
        channels=Channel.objects.filter(zone=zone, kind__in=TRAFFIC_GRANT["channel_kinds"]),
        categories=Category.objects.filter(zone=zone, name__in=TRAFFIC_GRANT["categories"]),
    )
    report.created.append(f"delegated right of {TRAFFIC_GRANT['member']}")


# --- Roads and approved templates (issue 13) ------------------------------------------------------------------------
# The roads a template's {road} picks from, and real-time templates the demo director approved with the checklist
# (through editorial.template_services, so reviews, value checks and the audit chain are those of a real approval).

ROADS = [
    ("N6", "#N6"),
    ("N90", "#N90"),
    ("N40", "#N40"),
    ("E19", "#E19"),
    ("E42", "#E42"),
    ("R5", "#R5"),
    ("chaussée de Binche", ""),
    ("route d'Obourg", ""),
    ("chaussée de Maubeuge", ""),
    ("boulevard Kennedy", ""),
]

BILINGUAL_ROADS = [
    ("avenue Louise / Louizalaan", ""),
    ("chaussée d'Ixelles / Elsensesteenweg", ""),
    ("boulevard du Jardin Botanique / Kruidtuinlaan", ""),
    ("petite ceinture / kleine ring", "#R20"),
]

# name, category, hashtags, {kind: text}, {kind: follow-up}, follow-up after (minutes), free placeholders
DEMO_TEMPLATES = [
    (
        "Contrôle radar",
        "Contrôle vitesse",
        "#controle #radar",
        {
            Channel.Kind.X: "Contrôle radar à {locality} le {date} de {from} à {until}. Levez le pied ! "
            "#controle #radar {locality_hashtag}",
            Channel.Kind.FACEBOOK: "Ce {date}, de {from} à {until}, nos équipes contrôlent la vitesse à {locality}. "
            "Pour la sécurité de toutes et tous, respectez les limitations.",
        },
        {},
        None,
        [],
    ),
    (
        "Contrôle alcool",
        "Contrôle alcool",
        "#controle #alcool",
        {
            Channel.Kind.X: "Contrôle d'alcoolémie à {locality} le {date} de {from} à {until}. Boire ou conduire, il "
            "faut choisir. #controle #alcool {locality_hashtag}",
            Channel.Kind.FACEBOOK: "Ce {date}, nos équipes organisent un contrôle d'alcoolémie à {locality} entre "
            "{from} et {until}. Vous buvez ? Désignez un Bob ou prenez les transports en commun.",
        },
        {},
        None,
        [],
    ),
    (
        "Route fermée",
        "Déviation",
        "#fermeture #mobilite",
        {
            Channel.Kind.X: "Circulation interrompue sur {road} à {locality} ({cause}). Déviation en place : évitez le "
            "secteur. #fermeture #mobilite {locality_hashtag}",
            Channel.Kind.FACEBOOK: "Circulation interrompue sur {road} à {locality} ({cause}). Une déviation est mise "
            "en place ; évitez le secteur si vous le pouvez. Nous vous dirons quand la route sera rouverte.",
        },
        {
            Channel.Kind.X: "Circulation rétablie sur {road} à {locality}. Merci pour votre patience. #mobilite "
            "{locality_hashtag}",
            Channel.Kind.FACEBOOK: "La circulation est rétablie sur {road} à {locality}. Merci pour votre patience.",
        },
        120,
        [{"name": "cause", "kind": "text", "label": "Cause (ex. accident, travaux)", "max_length": 40}],
    ),
    (
        "Bouchon",
        "Bouchons",
        "#bouchon #trafic",
        {
            Channel.Kind.X: "Circulation difficile sur {road} à hauteur de {locality}. Prévoyez plus de temps ou un "
            "autre itinéraire. #bouchon #trafic {locality_hashtag}",
            Channel.Kind.FACEBOOK: "Circulation difficile en ce moment sur {road} à hauteur de {locality}. Si vous le "
            "pouvez, prenez un autre itinéraire.",
        },
        {},
        None,
        [],
    ),
    (
        "Alerte inondation",
        "Inondation",
        "#inondation #meteo",
        {
            Channel.Kind.X: "Inondation à {locality} : {road} impraticable. Ne vous engagez pas dans l'eau et suivez "
            "les consignes. #inondation #meteo {locality_hashtag}",
            Channel.Kind.FACEBOOK: "Inondation à {locality} : {road} est impraticable. Ne vous engagez pas dans "
            "l'eau, même à pied, et suivez les consignes des services de secours.",
        },
        {
            Channel.Kind.X: "Fin de l'alerte à {locality} : {road} est à nouveau praticable. Restez prudents. "
            "#inondation {locality_hashtag}",
            Channel.Kind.FACEBOOK: "Fin de l'alerte à {locality} : {road} est à nouveau praticable. Restez prudents "
            "aux abords des zones touchées.",
        },
        240,
        [],
    ),
    (
        "Fête locale",
        "Fête locale",
        "#fete #evenement",
        {
            Channel.Kind.X: "{event} à {locality} le {date} : de {from} à {until}, circulation perturbée et "
            "stationnement interdit aux abords. #fete #evenement {locality_hashtag}",
            Channel.Kind.FACEBOOK: "Ce {date}, {event} à {locality} ! De {from} à {until}, la circulation sera "
            "perturbée et le stationnement interdit aux abords. Bonne fête à toutes et à tous.",
        },
        {},
        None,
        [{"name": "event", "kind": "text", "label": "Événement (ex. Braderie de Jemappes)", "max_length": 60}],
    ),
]


def seed_roads(zone: Zone, roads: list[tuple[str, str]]) -> list[str]:
    """The zone's roads, those missing created; existing rows are left as they are."""
    from editorial.models import Road

    created = []
    for name, hashtag in roads:
        if Road.objects.get_or_create(zone=zone, name=name, defaults={"hashtag": hashtag})[1]:
            created.append(f"road {name}")
    return created


def seed_templates(zone: Zone, report: SeedReport) -> None:
    """The roads (ROADS) and DEMO_TEMPLATES, written by the demo officer and approved by the demo director, each
    only when the zone has no template of that name (one retired or edited by hand is left as it is)."""
    from editorial import template_services
    from editorial.models import Template
    from editorial.services import ValueAnswer
    from editorial.templating import Placeholder

    report.created += seed_roads(zone, ROADS)
    officer = User.objects.filter(username="officier").first()
    director = User.objects.filter(username="directeur").first()
    if officer is None or director is None:
        return
    channels = {channel.kind: channel for channel in Channel.objects.filter(zone=zone).order_by("pk")}
    answers = {value.pk: ValueAnswer(True) for value in Value.objects.filter(zone=zone, is_active=True)}
    for name, category, hashtags, texts, follow_ups, after, free in DEMO_TEMPLATES:
        if Template.objects.filter(zone=zone, name=name).exists():
            continue
        template = template_services.template_create(
            actor=officer,
            zone=zone,
            name=name,
            category=Category.objects.filter(zone=zone, name=category).first(),
            hashtags=hashtags,
            texts={channels[kind]: text for kind, text in texts.items() if kind in channels},
            follow_up_texts={channels[kind]: text for kind, text in follow_ups.items() if kind in channels},
            follow_up_after_minutes=after,
            placeholders=[Placeholder.from_dict(p) for p in free],
        )
        template_services.template_submit(actor=officer, template=template)
        template.refresh_from_db()
        template_services.template_approve(
            actor=director,
            template=template,
            reviewed_fingerprint=template.current_version.fingerprint,
            answers=answers,
            confidentiality_confirmed=True,
            language=Language.FR,
        )
        report.created.append(f"template {name}")
