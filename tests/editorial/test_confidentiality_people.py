"""The confidentiality scan's second generation (issue 15): people (names, home addresses, dates of birth, ages),
neighbouring countries' phones, every zone's PV numbers and e-mail addresses written to dodge filters, in French and
Dutch; the zone's own names and addresses; the same findings while typing and at review."""

from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from editorial import services
from editorial.confidentiality import (
    LABELS,
    PEOPLE_KINDS,
    scan,
    scan_all,
    scan_people,
    scan_text,
    scan_variants,
)
from editorial.models import PostVariant, Review
from tests.factories import make_post

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def found(text: str, **allowed) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in scan_all(text, **allowed)]


# (text, the findings: kind and text)
PEOPLE = [
    # Names: first name and surname, initials, titles, ranks, roles, next to an age.
    ("Accident à Jemappes : le conducteur, Kevin Lambert, est blessé.", [("person_name", "Kevin Lambert")]),
    ("Het slachtoffer Els Vermeulen werd overgebracht.", [("person_name", "Els Vermeulen")]),
    ("Lucas M. a été retrouvé.", [("person_name", "Lucas M.")]),
    ("Merci à M. Dupont et à Mme Dubois.", [("person_name", "M. Dupont"), ("person_name", "Mme Dubois")]),
    ("Inbraak bij dhr. Peeters en mevr. Maes.", [("person_name", "dhr. Peeters"), ("person_name", "mevr. Maes")]),
    ("Merci à l'inspecteur principal Dubois.", [("person_name", "Dubois")]),
    ("Wijkagent Jan Wouters houdt spreekuur.", [("person_name", "Jan Wouters")]),
    ("Le nommé Vandenberghe est recherché.", [("person_name", "Vandenberghe")]),
    ("Het slachtoffer, Marieke Van den Broeck, is gered.", [("person_name", "Marieke Van den Broeck")]),
    ("Merci à Pieter van den Broeck.", [("person_name", "Pieter van den Broeck")]),
    ("Interpellation de DUPONT Jean.", [("person_name", "DUPONT Jean")]),
    ("Le témoin, J. Mathieu, est prié de nous contacter.", [("person_name", "J. Mathieu")]),
    # Ages of people the text names, minors especially.
    ("Jean-Pierre D., 34 ans, est en aveux.", [("person_name", "Jean-Pierre D."), ("age", "34 ans")]),
    ("Dupont, 42 ans, était recherché.", [("person_name", "Dupont"), ("age", "42 ans")]),
    ("Vermist: Lotte De Smet (14).", [("person_name", "Lotte De Smet"), ("age", "14")]),
    ("Mathis, 12 ans, a fugué.", [("person_name", "Mathis"), ("age", "12 ans")]),
    ("De 17-jarige Kevin werd opgehaald.", [("age", "17-jarige"), ("person_name", "Kevin")]),
    ("Femke, 15 jaar, is weggelopen.", [("person_name", "Femke"), ("age", "15 jaar")]),
    # Home addresses: a street and a house number, with the postcode and commune that follow.
    ("Il est domicilié rue des Alliés 14 à Mons.", [("home_address", "rue des Alliés 14")]),
    ("Cambriolage au 14, rue de la Station.", [("home_address", "14, rue de la Station")]),
    (
        "Elle habite chaussée de Binche 201 bte 3, 7000 Mons.",
        [("home_address", "chaussée de Binche 201 bte 3, 7000 Mons")],
    ),
    ("Hij woont in de Kerkstraat 88 in Aalst.", [("home_address", "Kerkstraat 88")]),
    ("Overval in de woning aan de Brugse steenweg 45.", [("home_address", "Brugse steenweg 45")]),
    ("De verdachte woont Molenstraat 3 bus 2, 2440 Geel.", [("home_address", "Molenstraat 3 bus 2, 2440 Geel")]),
    # Dates of birth.
    ("La jeune fille, née le 03/11/2007, est rentrée.", [("birth_date", "née le 03/11/2007")]),
    ("Un homme né le 12 mars 1981 a été arrêté.", [("birth_date", "né le 12 mars 1981")]),
    ("Het meisje, geboren op 14 juni 2010, is terecht.", [("birth_date", "geboren op 14 juni 2010")]),
    ("Élodie (°2009) est rentrée.", [("birth_date", "°2009")]),
]


@pytest.mark.parametrize(("text", "expected"), PEOPLE)
def test_people_are_found_in_french_and_dutch(text, expected):
    assert found(text) == expected


NOT_PEOPLE = [
    # A street without a number is a place; a range of numbers is a stretch of street; road works are public.
    "Inondation rue du Moulin à Dour : la rue est fermée.",
    "Stationnement interdit rue des Fossés 12 à 28.",
    "Travaux rue de Nimy du n°12 au n°40.",
    "Fermeture de la rue de la Station 45-47 à 7000 Mons.",
    "Afsluiting van de Sint-Pietersnieuwstraat tussen nummers 20 en 40.",
    "Flitscontrole in de Kortrijksesteenweg 120 deze namiddag.",
    "Contrôle de vitesse rue de Mons 125 à 7040 Quévy.",
    # Names inside a street's or a building's name, public office holders, a first name alone, hashtags.
    "Chantier avenue Jean Jaurès à Cuesmes.",
    "Zone 30 aux abords de l'école Marie Curie.",
    "Het Jan Breydelstadion is volzet.",
    "Le bourgmestre Nicolas Martin a inauguré le commissariat.",
    "De burgemeester Mathias De Clercq opende het wijkkantoor.",
    "Koning Filip bracht een bezoek aan de zone.",
    "Merci à Pieter !",
    "#Lucas #Mons #controle",
    "Saint-Nicolas passera au commissariat le 6 décembre.",
    # An age without a name, road numbers, postcodes, times, amounts, law, public bodies.
    "Un conducteur de 34 ans a été contrôlé à 92 km/h.",
    "Een minderjarige van 15 jaar werd betrapt.",
    "Travaux sur la N6 et l'E19, 7000 Mons, de 14h à 18h, amende de 174 €, art. 8.4 du Code de la route.",
    "Police : Permanence au commissariat. Le SPF Intérieur et la police fédérale.",
    "Urgence : 101 ou 112.",
    "Mercedes Classe A et Ford Focus retrouvées.",
]


@pytest.mark.parametrize("text", NOT_PEOPLE)
def test_places_offices_and_ordinary_words_are_not_people(text):
    assert found(text) == []


NUMBERS = [
    # Phones of the neighbouring countries, and French or Dutch mobiles written the national way.
    ("Infos au +33 6 12 34 56 78.", "phone", "+33 6 12 34 56 78"),
    ("Tel. 0031 6 12345678", "phone", "0031 6 12345678"),
    ("Conducteur allemand (+49 171 2345678).", "phone", "+49 171 2345678"),
    ("GSM +352 621 123 456", "phone", "+352 621 123 456"),
    ("Bel 06-12345678", "phone", "06-12345678"),
    ("Appelez le 06 12 34 56 78", "phone", "06 12 34 56 78"),
    # Every zone's structured PV number.
    ("Référence PV BR.41.LB.012345/2024.", "pv_number", "BR.41.LB.012345/2024"),
    ("Dossier GE-55-L3-012345/24", "pv_number", "GE-55-L3-012345/24"),
    ("PV-nummer AN.55.L7.059532/2022", "pv_number", "AN.55.L7.059532/2022"),
    ("Dossier CH.43.LL.006453/2013 en cours", "pv_number", "CH.43.LL.006453/2013"),
    # E-mail addresses written to dodge filters.
    ("Écrivez à jean.dupont[at]gmail[dot]com.", "email", "jean.dupont[at]gmail[dot]com"),
    ("Contact : marc.lenoir (at) skynet.be", "email", "marc.lenoir (at) skynet.be"),
    ("Mail: els.vermeulen(at)gmail.com", "email", "els.vermeulen(at)gmail.com"),
    ("mail jan{at}telenet{dot}be", "email", "jan{at}telenet{dot}be"),
]


@pytest.mark.parametrize(("text", "kind", "excerpt"), NUMBERS)
def test_the_new_identifiers_are_found_by_scan(text, kind, excerpt):
    assert [(f.kind, text[f.start : f.end]) for f in scan(text)] == [(kind, excerpt)]


@pytest.mark.parametrize(
    "text",
    [
        "On se voit (at) home. Merci !",  # "(at)" in a sentence, no address after it
        "Tél. +33 1 23 45 6",  # too short for France
        "Le match de 20h (at) Mons",
        "Vitesse : 06 km/h",
    ],
)
def test_words_like_at_and_short_foreign_numbers_are_not_findings(text):
    assert scan(text) == []


# --- The zone's own words -----------------------------------------------------------------------------------


def test_the_zone_names_and_addresses_are_not_reported():
    allowed = {
        "allowed_names": ["Commissaire divisionnaire Philippe Delvaux", "Nathalie Gérard"],
        "allowed_addresses": ["Rue Brunehault 2A, 7040 Quévy"],
    }
    text = (
        "Notre chef de corps, le commissaire divisionnaire Philippe Delvaux, et notre porte-parole Nathalie Gérard "
        "vous accueillent au commissariat qui se trouve rue Brunehault 2A, 7040 Quévy, où habite aussi le gardien."
    )
    assert found(text, **allowed) == []
    # Without the zone's lists, each is a finding.
    assert [kind for kind, _text in found(text)] == ["person_name", "person_name", "home_address"]
    # Another person or address is still found.
    other = "Le commissaire Philippe Lenoir habite rue Brunehault 9."
    assert found(other, **allowed) == [("person_name", "Philippe Lenoir"), ("home_address", "rue Brunehault 9")]


def test_a_surname_alone_of_an_allowed_name_is_allowed_and_its_age_too():
    allowed = {"allowed_names": ["Philippe Delvaux"]}
    assert found("Le commissaire Delvaux, 58 ans, part à la retraite.", **allowed) == []
    assert found("Le commissaire Dufour, 58 ans, part à la retraite.", **allowed) == [
        ("person_name", "Dufour"),
        ("age", "58 ans"),
    ]


def zone_stub(**lines: str):
    def reader(name):
        return lambda: [line for line in lines.get(name, "").splitlines() if line]

    return SimpleNamespace(
        name="Zone de police Mons-Quévy",
        public_phone_list=reader("phones"),
        public_email_list=reader("emails"),
        public_name_list=reader("names"),
        public_address_list=reader("addresses"),
    )


def test_scan_text_and_scan_variants_use_the_zone_lists():
    zone = zone_stub(names="Nathalie Gérard", addresses="Kerkstraat 12, 9000 Gent")
    text = "Nathalie Gérard et Els Vermeulen, Kerkstraat 12 et Kerkstraat 14, où elles habitent."
    expected = [("person_name", "Els Vermeulen"), ("home_address", "Kerkstraat 14")]
    assert [(f.kind, text[f.start : f.end]) for f in scan_text(text, zone=zone)] == expected
    (findings,) = scan_variants([SimpleNamespace(pk=7, text=text)], zone=zone).values()
    assert [(f.kind, text[f.start : f.end]) for f in findings] == expected
    # A zone object of an older shape (no names or addresses) is still scanned.
    old = SimpleNamespace(public_phone_list=lambda: [], public_email_list=lambda: [])
    assert len(scan_text(text, zone=old)) == 4


def test_scan_people_finds_people_only_and_scan_identifiers_only():
    text = "Els Vermeulen, GSM 0470 12 34 56."
    assert [f.kind for f in scan_people(text)] == ["person_name"]
    assert [f.kind for f in scan(text)] == ["phone"]
    assert [f.kind for f in scan_all(text)] == ["person_name", "phone"]


# --- Labels and masking -------------------------------------------------------------------------------------


def test_every_new_kind_has_a_translatable_label():
    for kind in PEOPLE_KINDS:
        assert isinstance(LABELS[kind], Promise)
        with translation.override("en"):
            english = str(LABELS[kind])
        assert english
    with translation.override("en"):
        assert str(LABELS["person_name"]) == "Name of a person (not one of the names the zone allows)"


@pytest.mark.parametrize(("text", "expected"), PEOPLE)
def test_people_are_masked(text, expected):
    for finding in scan_all(text):
        secret = text[finding.start : finding.end]
        stored = json.dumps(finding.to_dict(), ensure_ascii=False)
        assert len(finding.excerpt) == len(secret)
        # At most the last two letters or digits are shown (none when it is too short to show anything safely).
        clear = "".join(char for char in finding.excerpt if char.isalnum())
        assert len(clear) <= 2 and re.sub(r"[\W_]", "", secret).endswith(clear)
        letters = re.sub(r"[\W_]", "", secret)
        if len(letters) >= 6:
            assert secret not in stored and letters not in re.sub(r"[\W_]", "", finding.excerpt)


def test_masking_example():
    (finding,) = scan_all("Merci à Els Vermeulen.")
    assert finding.excerpt == "••• •••••••en"


def test_zero_width_characters_do_not_hide_a_name_or_an_address():
    text = "Het slachtoffer El\u200bs Vermeu\u200dlen woont Kerk\u00adstraat 8\u200b8."
    findings = scan_all(text)
    assert [(f.kind, text[f.start : f.end]) for f in findings] == [
        ("person_name", "El\u200bs Vermeu\u200dlen"),
        ("home_address", "Kerk\u00adstraat 8\u200b8"),
    ]
    assert all("\u200b" not in f.excerpt and "\u00ad" not in f.excerpt for f in findings)


# --- The same findings while typing and at review ------------------------------------------------------------

TEXT = "Jean-Pierre D., 34 ans, domicilié rue des Alliés 14 à Mons, né le 03/11/1990. Infos : +33 6 12 34 56 78."
KINDS_IN_TEXT = ["person_name", "age", "home_address", "birth_date", "phone"]


def test_the_live_check_answers_the_people_findings(client, zone_users):
    cache.clear()
    client.force_login(zone_users.officer)
    url = reverse("editorial:confidentiality_check", args=[zone_users.zone.slug])
    answer = client.post(url, {"text": TEXT}, **EN).json()
    assert [finding["kind"] for finding in answer["findings"]] == KINDS_IN_TEXT
    assert answer["findings"][0]["label"] == "Name of a person (not one of the names the zone allows)"
    assert "Jean-Pierre" not in json.dumps(answer) and "Alliés 14" not in json.dumps(answer, ensure_ascii=False)
    # The zone's own names are allowed while typing too.
    zone = zone_users.zone
    zone.public_names = "Jean-Pierre Dubois"
    zone.public_addresses = "Rue des Alliés 14, 7000 Mons"
    zone.save()
    answer = client.post(url, {"text": TEXT}, **EN).json()
    # An initial is not the allowed surname: "Jean-Pierre D." may be someone else.
    assert [finding["kind"] for finding in answer["findings"]] == ["person_name", "age", "birth_date", "phone"]
    zone.public_names = "Jean-Pierre D."
    zone.save()
    answer = client.post(url, {"text": TEXT}, **EN).json()
    assert [finding["kind"] for finding in answer["findings"]] == ["birth_date", "phone"]


def test_the_review_shows_the_same_findings_and_needs_an_override_reason(client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + dt.timedelta(days=2))
    PostVariant.objects.filter(post=post).update(text=TEXT)
    variants = list(PostVariant.objects.filter(post=post))
    by_variant = scan_variants(variants, zone=zone_users.zone)
    assert all([f.kind for f in findings] == KINDS_IN_TEXT for findings in by_variant.values())
    assert [f.kind for f in scan_text(TEXT, zone=zone_users.zone)] == KINDS_IN_TEXT

    services.post_submit(actor=zone_users.officer, post=post)
    client.force_login(zone_users.director)
    review_url = reverse("editorial:review_post", args=[zone_users.zone.slug, post.pk])
    page = client.get(review_url, **EN).content.decode()
    for label in ("Name of a person", "Home address", "Date of birth", "Age of a person the text names"):
        assert label in page
    assert 'name="override_reason"' in page
    assert "rue des Alliés 14" not in page.split('name="override_reason"')[0].split("Confidentiality")[-1]

    page = client.get(review_url).content.decode()
    data = {"reviewed_fingerprint": re.search(r'name="reviewed_fingerprint" value="([0-9a-f]{64})"', page).group(1)}
    for name in re.findall(r'name="(value_\d+)"', page):
        data[name] = "on"
    data["confidentiality_confirmed"] = "on"
    data["override_reason"] = "Avis de recherche diffusé à la demande du parquet"
    assert client.post(review_url, data).status_code == 302
    review = Review.objects.get(post=post)
    kinds = {finding["kind"] for finding in review.confidentiality_findings}
    assert {"person_name", "home_address", "birth_date", "age"} <= kinds
    assert "Jean-Pierre" not in json.dumps(review.confidentiality_findings)


def test_the_zone_admin_edits_the_names_and_addresses_beside_the_public_phones(client, zone_users):
    client.force_login(zone_users.admin)
    url = reverse("admin:editorial_zone_change", args=[zone_users.zone.pk])
    page = client.get(url, **EN).content.decode()
    # The model's order puts them right after the public phones and e-mails, which is where the admin shows them.
    positions = [page.index(f'name="{field}"') for field in ("public_phones", "public_emails", "public_names")]
    positions.append(page.index('name="public_addresses"'))
    assert positions == sorted(positions)
    assert "People a post may name" in page
