"""The confidentiality scanner: what it finds, what ordinary police messages must not trigger, masking, robustness."""

from __future__ import annotations

import itertools
import json
import re
from types import SimpleNamespace

import pytest
from django.utils import translation
from django.utils.functional import Promise
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from stdnum.be import bis as stdnum_bis
from stdnum.be import nn as stdnum_nn

from editorial.confidentiality import (
    KINDS,
    LABELS,
    NO_NOTES,
    NOTES_TERM,
    Finding,
    Notes,
    mask,
    notes_terms,
    phone_key,
    scan,
    scan_notes,
    scan_text,
    scan_variants,
)


def with_check_digits(first9: str, born_2000: bool = False) -> str:
    """The 11 digits of a national register / BIS number: 97 - (first 9 digits mod 97), with a '2' in front
    of the 9 digits for people born in 2000 or later."""
    base = int(("2" if born_2000 else "") + first9)
    return first9 + f"{97 - base % 97:02d}"


def dotted(number: str) -> str:
    return f"{number[:2]}.{number[2:4]}.{number[4:6]}-{number[6:9]}.{number[9:]}"


def wrong_check_digits(number: str) -> str:
    wrong = number[:9] + f"{(int(number[9:]) + 1) % 100:02d}"
    assert not stdnum_nn.is_valid(wrong) and not stdnum_bis.is_valid(wrong)
    return wrong


NN_1985 = with_check_digits("850730033")  # 85073003328, stdnum's own example
NN_1993 = with_check_digits("931231456")
NN_2005 = with_check_digits("050312124", born_2000=True)
NN_2017 = with_check_digits("170730033", born_2000=True)  # 17073003384
BIS_1998 = with_check_digits("984728997")  # 98.47.28-997.65: month 7 + 40
BIS_1985 = with_check_digits("852710123")  # month 7 + 20
BIS_2001 = with_check_digits("014907001", born_2000=True)  # 01.49.07-001.85


def disjoint(findings: list[Finding]) -> bool:
    return all(a.end <= b.start for a, b in itertools.pairwise(findings))


def test_the_generated_numbers_are_valid():
    assert NN_1985 == "85073003328"
    assert NN_2017 == "17073003384"
    assert BIS_1998 == "98472899765"
    for number in (NN_1985, NN_1993, NN_2005, NN_2017):
        assert stdnum_nn.is_valid(number), number
    for number in (BIS_1998, BIS_1985, BIS_2001):
        assert stdnum_bis.is_valid(number), number


# (text, kind, the text of the finding)
POSITIVE = [
    # National register numbers, in every usual spelling.
    (f"Suspect : RRN {dotted(NN_1985)}, domicilié à Mons.", "national_register", dotted(NN_1985)),
    ("Né le 30/07/1985, NN 850730-033-28.", "national_register", "850730-033-28"),
    (f"Numéro national {NN_1985}.", "national_register", NN_1985),
    ("Rijksregisternummer 85 07 30 033 28.", "national_register", "85 07 30 033 28"),
    (f"n°{NN_1993} (dossier)", "national_register", NN_1993),
    (f"Mineur né en 2005 : {dotted(NN_2005)}", "national_register", dotted(NN_2005)),
    (f"RRN: {dotted(NN_2017)}", "national_register", dotted(NN_2017)),
    ("RRN 85.07.30\u00a0-\u00a0033.28 (espace insécable)", "national_register", "85.07.30\u00a0-\u00a0033.28"),
    # BIS numbers.
    (f"Numéro BIS {dotted(BIS_1998)} du travailleur frontalier.", "bis_number", dotted(BIS_1998)),
    (f"BIS-nummer {BIS_1985}", "bis_number", BIS_1985),
    ("bis 01 49 07 001 85", "bis_number", "01 49 07 001 85"),
    # Licence plates.
    ("Véhicule 1-ABC-234 recherché.", "licence_plate", "1-ABC-234"),
    ("Voiture 2ABC345 en fuite.", "licence_plate", "2ABC345"),
    ("Camionnette 1 XYZ 987 garée en double file.", "licence_plate", "1 XYZ 987"),
    ("Moto 1.DEF.456 volée.", "licence_plate", "1.DEF.456"),
    ("Ancienne plaque ABC-123 retrouvée.", "licence_plate", "ABC-123"),
    ("Ancien modèle HKL.456 signalé.", "licence_plate", "HKL.456"),
    ("Immatriculée 123-ABC depuis 2009.", "licence_plate", "123-ABC"),
    ("plaque 1ABC234", "licence_plate", "1ABC234"),
    ("plaque 1abc234 (écrite en minuscules)", "licence_plate", "1abc234"),
    ("Kenteken ABC 123 werd gezien.", "licence_plate", "ABC 123"),
    ("nummerplaat 1-abc-234", "licence_plate", "1-abc-234"),
    # Phone numbers.
    ("Contactez M. Dupont au 065 12 34 56.", "phone", "065 12 34 56"),
    ("GSM du témoin : 0470/12.34.56", "phone", "0470/12.34.56"),
    ("Appelez le +32 470 12 34 56 !", "phone", "+32 470 12 34 56"),
    ("Tél. 0032 470 12 34 56", "phone", "0032 470 12 34 56"),
    ("Bureau : +32 (0)2 123 45 67", "phone", "+32 (0)2 123 45 67"),
    ("Fixe (065) 12.34.56", "phone", "(065) 12.34.56"),
    ("Brussel 02 123 45 67", "phone", "02 123 45 67"),
    ("GSM 0498123456 joignable 24h/24", "phone", "0498123456"),
    ("GSM 0470 12 34 56 24h/24", "phone", "0470 12 34 56"),
    ("Tél. 065\u00a012\u00a034\u00a056", "phone", "065\u00a012\u00a034\u00a056"),
    # E-mail addresses.
    ("Écrivez à jean.dupont@gmail.com.", "email", "jean.dupont@gmail.com"),
    ("Contact: Marie_Claes+police@telenet.be", "email", "Marie_Claes+police@telenet.be"),
    ("mail: a.b-c@sub.domaine.co.uk", "email", "a.b-c@sub.domaine.co.uk"),
    # IBANs.
    ("Versez 50 € sur BE68 5390 0754 7034 avant le 12 décembre.", "iban", "BE68 5390 0754 7034"),
    ("IBAN BE68539007547034", "iban", "BE68539007547034"),
    ("Compte be68 5390 0754 7034", "iban", "be68 5390 0754 7034"),
    ("Compte BE68 5390 0754 7034 12 décembre", "iban", "BE68 5390 0754 7034"),
    ("Rekening NL91 ABNA 0417 1643 00", "iban", "NL91 ABNA 0417 1643 00"),
    ("Compte FR14 2004 1010 0505 0001 3M02 606", "iban", "FR14 2004 1010 0505 0001 3M02 606"),
    ("Konto DE89 3704 0044 0532 0130 00", "iban", "DE89 3704 0044 0532 0130 00"),
    # Police report numbers.
    ("Voir PV MO.12.L1.012345/2024 pour le détail.", "pv_number", "MO.12.L1.012345/2024"),
    ("PV n° 012345/2024 transmis au parquet.", "pv_number", "012345/2024"),
    ("pro justitia 12345/2024", "pv_number", "12345/2024"),
    ("Référence PV MO.55.F1.001234/23.", "pv_number", "MO.55.F1.001234/23"),
    ("P.V. nr. 045678/2024", "pv_number", "045678/2024"),
    ("pv numéro 987654/24", "pv_number", "987654/24"),
    ("Proces-verbaal 2024/012345", "pv_number", "2024/012345"),
    ("Dossier BR.21.L5.123456/2025 en cours", "pv_number", "BR.21.L5.123456/2025"),
]


@pytest.mark.parametrize(("text", "kind", "found"), POSITIVE)
def test_finds(text, kind, found):
    assert [(f.kind, text[f.start : f.end]) for f in scan(text)] == [(kind, found)]


@pytest.mark.parametrize(
    "text",
    [
        f"RRN {dotted(wrong_check_digits(NN_1985))}",
        f"RRN {wrong_check_digits(NN_1993)}",
        f"RRN {dotted(wrong_check_digits(NN_2005))}",
        f"BIS {dotted(wrong_check_digits(BIS_1998))}",
        "Numéro 12345678901",
        "IBAN BE68 5390 0754 7035",
        "IBAN BE00 5390 0754 7034",
        "Compte NL91 ABNA 0417 1643 01",
        "Tél. 065 12 34 5",  # too short
        "GSM 0470 12 34 5",  # a mobile needs 9 digits after the 0
        "Tél. +33 1 23 45 6",  # a French number needs 9 digits after +33 (issue 15: +33 1 23 45 67 89 is found)
        "Tel. +31 6 1234",  # a Dutch one too
    ],
)
def test_invalid_numbers_are_not_findings(text):
    assert scan(text) == []


def test_the_zone_public_phone_numbers_are_allowed():
    zone = ["+32 65 41 22 00", "0800 12 345"]
    text = "Accueil : 065/41.22.00 ou 0032 65 41 22 00 ou 0800/12.345. Témoin : 0470 12 34 56."
    findings = scan(text, allowed_phones=zone)
    assert [(f.kind, text[f.start : f.end]) for f in findings] == [("phone", "0470 12 34 56")]
    assert len(scan(text)) == 4


def test_a_single_allowed_phone_string_is_accepted():
    assert scan("Accueil : 065 41 22 00", allowed_phones="065/41.22.00") == []


@pytest.mark.parametrize(
    ("number", "key"),
    [
        ("065 41 22 00", "65412200"),
        ("+32 65 41 22 00", "65412200"),
        ("0032 (0)65 41 22 00", "65412200"),
        ("32 470 12 34 56", "470123456"),
        ("+33 1 23 45 67 89", None),
        ("101", None),
        ("", None),
    ],
)
def test_phone_key(number, key):
    assert phone_key(number) == key


@pytest.mark.parametrize(
    "text",
    [
        "En cas d'urgence, formez le 101 ou le 112.",
        "Urgence : 112 / Police : 101",
        "Tél. 101, +32 101, 0101, 112 112",
    ],
)
def test_emergency_numbers_never_match(text):
    assert scan(text) == []


def test_the_zone_public_email_can_be_allowed():
    text = "Écrivez à info@police-boraine.be ou à jean.dupont@gmail.com"
    assert [f.kind for f in scan(text)] == ["email", "email"]
    findings = scan(text, allowed_emails=["Info@Police-Boraine.be"])
    assert [text[f.start : f.end] for f in findings] == ["jean.dupont@gmail.com"]


ORDINARY_MESSAGES = [
    "Contrôle de vitesse ce jeudi 28/11 entre 14h et 16h rue de Mons 125 à 7040 Quévy #controle #radar "
    "https://www.police.be/5323",
    "Travaux sur la N6 du 02.12.2026 au 06.12.2026, déviation par la R5",
    "Accident sur l'E19 à hauteur de la sortie 24 (Saint-Ghislain) : deux bandes fermées jusqu'à 18h30.",
    "Le marché de Noël se tiendra du 05/12/2026 au 24/12/2026 sur la Grand-Place. "
    "Stationnement interdit rue des Fossés 12 à 28.",
    "Fermeture de la rue de la Station 45-47 à 7000 Mons le 14.12.2026 de 07h00 à 19h00.",
    "Appelez le 101 en cas d'urgence ou le 112 depuis un GSM. Infos : police.be/5323/contact",
    "La zone a dressé 42 PV de stationnement ce week-end. Les panneaux PV de l'hôtel de police sont installés.",
    "Opération BOB du 01.12.2026 au 15.01.2027 : 1.250 conducteurs contrôlés, 37 positifs (3%).",
    "Vol de câbles sur la ligne 96 SNCB entre Jurbise et Soignies, 2e fois en 2026 ! #vol #SNCB",
    "Journée portes ouvertes le samedi 7 décembre de 10h à 17h, avenue de l'Europe 1, 7080 Frameries.",
    "Le commissariat de Quévy (rue Brunehault 2A) sera fermé le 25/12 et le 01/01. "
    "Suivez-nous sur https://www.facebook.com/ZPBoraine/posts/1234567890123",
    "Vitesse limitée à 30 km/h aux abords des écoles, 70 km/h sur la N50 entre les bornes 12.5 et 14.2.",
    "Les chiffres 2025 : 1 234 accidents, 2 345 blessés, 12 tués. Baisse de 5,3 % par rapport à 2024.",
    "Cours de prévention vol (20/01 à 19h30, salle 3) — inscriptions : "
    "https://www.police.be/5323/fr/formulaire?id=ABC-123&ref=1ABC234",
    "Un PV de 58 € pour 12 km/h de trop. Fermeture du tunnel de 22h00 à 06h00 du 04.12 au 06.12.",
    "Match RSCA-STVV à 18h30, 25.000 supporters attendus, parkings P1 à P5, bus 112 et 101 renforcés.",
    "La BMW 320 et la VW Golf GTI ont été retrouvées. Le TGV 9321 arrive en gare à 10h15.",
    "Heures d'affluence : 7h45-9h15 et 16h-18h30. Rappel : 0,5 g/l maximum au volant !",
    "Chantier rue de la Paix 2 bte 3 du 01/12 au 20/12, accès riverains par la rue Neuve 14-16.",
    "Fermeture de l'A7/E19 entre Mons (sortie 24) et Saint-Ghislain (sortie 25) du 02.12 à 20h au 03.12 à 5h.",
    "Notre numéro d'entreprise : BE 0456.789.123. TVA BE0456789123.",
    "#SécuritéRoutière #BOB2026 #Zone5323 @PoliceBoraine — Prudence sur la R50 et la N90 ce 24.11.2026 !",
    "Controle op de E42 tussen 22u en 02u, afrit 23 Kortrijk. Snelheid max. 120 km/u. #BOB",
    "Wegenwerken N9 van 03.12.2026 tot 20.12.2026, omleiding via de R4. Info: www.politie.be/5415",
    "Het onthaal is open van 8u30 tot 12u00 en van 13u30 tot 17u00 (Kerkstraat 12 bus 3, 9000 Gent).",
]


@pytest.mark.parametrize("text", ORDINARY_MESSAGES)
def test_ordinary_messages_give_no_finding(text):
    assert [(f.kind, text[f.start : f.end]) for f in scan(text)] == []


def test_a_plate_inside_a_url_is_ignored_but_not_next_to_it():
    text = "https://example.be/voitures/ABC-123 et la voiture ABC-123"
    assert [(f.kind, f.start) for f in scan(text)] == [("licence_plate", text.rindex("ABC-123"))]


def test_a_message_with_everything_is_sorted_and_without_overlaps():
    text = (
        f"PV MO.12.L1.012345/2024 : {dotted(NN_1985)} (BIS {BIS_1998}), véhicule 1-ABC-234, "
        "GSM 0470/12.34.56, jean.dupont@gmail.com, compte BE68 5390 0754 7034."
    )
    findings = scan(text)
    assert [f.kind for f in findings] == [
        "pv_number",
        "national_register",
        "bis_number",
        "licence_plate",
        "phone",
        "email",
        "iban",
    ]
    assert disjoint(findings)


# --- Masking ------------------------------------------------------------------------------------------------


def compact(value: str) -> str:
    return re.sub(r"[\W_]", "", value)


@pytest.mark.parametrize(("text", "kind", "found"), POSITIVE)
def test_the_secret_is_never_repeated(text, kind, found):
    (finding,) = scan(text)
    stored = json.dumps(finding.to_dict(), ensure_ascii=False)
    for secret in (found, compact(found)):
        assert secret not in finding.excerpt
        assert secret not in stored
    # All but the last two letters or digits are masked; separators stay, so the length is the match's.
    assert len(finding.excerpt) == len(found)
    assert compact(finding.excerpt.replace("•", "")) == compact(found)[-2:]
    assert finding.excerpt.endswith(found[-2:])


def test_excerpt_example():
    (finding,) = scan(f"RRN {dotted(NN_1985)}")
    assert finding.excerpt == "••.••.••-•••.28"


def test_mask():
    assert mask("85.07.30-033.28") == "••.••.••-•••.28"
    assert mask("jean@x.be") == "••••@•.be"
    assert mask("AB1") == "•••"  # too short to show anything
    assert mask("") == ""


def test_finding_to_dict_and_label():
    text = f"RRN {NN_1985}"
    (finding,) = scan(text)
    assert isinstance(finding, Finding)
    assert isinstance(finding.label, Promise)  # translated lazily
    with translation.override("en"):
        as_dict = finding.to_dict()
    assert as_dict == {
        "kind": "national_register",
        "label": "Belgian national register number",
        "start": 4,
        "end": 15,
        "excerpt": "•••••••••28",
    }
    json.dumps(finding.to_dict())
    with pytest.raises(AttributeError):
        finding.kind = "email"  # frozen


def test_every_kind_has_a_label():
    assert set(KINDS) == {
        "national_register",
        "bis_number",
        "licence_plate",
        "phone",
        "email",
        "iban",
        "pv_number",
    }
    assert all(str(LABELS[kind]) for kind in KINDS)


# --- Robustness ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00",
        "\u202e",
        "a" * 100_000,
        "1" * 100_000,
        "0 " * 50_000,
        "a." * 50_000,
        "x@" * 50_000,
        "BE68 " * 20_000,
        "PV 1/" * 20_000,
        "http://" * 15_000,
        "\x00\x01\x02\x1b[31m\x7f\r\n\t\x0b\x0c",
        "\ud800 lone surrogate \udfff",
        "🚓👮‍♀️🚨" * 10_000,
        "\u202eRRN 85.07.30-033.28\u202c \u200f+32 470 12 34 56\u200e",
        "مرحبا 0470 12 34 56 שלום",
        "85.07.30-033.28\x00" * 5_000,
        "\ufeff" * 1000 + "jean@x.be",
    ],
)
def test_odd_inputs_never_raise(text):
    findings = scan(text)
    assert all(0 <= f.start < f.end <= len(text) for f in findings)
    assert disjoint(findings)


def test_invisible_characters_do_not_hide_a_number():
    text = "RRN 85.07.\u200b30-03\u202e3.28 !"
    (finding,) = scan(text)
    assert finding.kind == "national_register"
    assert text[finding.start : finding.end] == "85.07.\u200b30-03\u202e3.28"
    assert finding.excerpt == "••.••.••-•••.28"  # no invisible character in what the reviewer sees


def test_non_text_input_is_tolerated():
    assert scan(None) == []
    assert [f.kind for f in scan(85073003328)] == ["national_register"]


INTERESTING = st.sampled_from(
    [*"0123456789 .-/+()@#:°\n\x00\u00a0\u200b\u202e", "BE", "PV", "n°", "+32", "0470", "ABC", "plaque ", "@x.be"]
)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(), st.lists(INTERESTING, max_size=40).map("".join)))
def test_scan_never_raises_and_findings_lie_within_the_text(text):
    findings = scan(text)
    assert findings == sorted(findings, key=lambda f: f.start)
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.kind in KINDS
        assert len(finding.excerpt) <= finding.end - finding.start
    assert disjoint(findings)


# --- The unit's confidentiality notes (issue 12) --------------------------------------------------------------

NOTES_FR = (
    "Ne jamais publier le nom du conducteur, Jean Dupont, ni la plaque 1-ABC-123 ; pas le nom de la rue des Alliés."
)
NOTES_NL = (
    "Nooit de naam van de bestuurder publiceren (Pieter Janssens), noch de nummerplaat 1-XYZ-987; "
    "de Kerkstraat niet vermelden."
)


def found_in(text: str, notes: str) -> list[str]:
    return [text[f.start : f.end] for f in scan_notes(text, Notes(notes))]


@pytest.mark.parametrize(
    ("notes", "terms"),
    [
        (NOTES_FR, {"Jean Dupont", "Jean", "Dupont", "1-ABC-123", "rue des Alliés", "Alliés"}),
        (NOTES_NL, {"Pieter Janssens", "Pieter", "Janssens", "1-XYZ-987", "Kerkstraat"}),
        (
            "Attention : le témoin Marc Lenoir habite à Ghlin, chaussée de Binche. Victime mineure.",
            {"Marc Lenoir", "Marc", "Lenoir", "Ghlin", "chaussée de Binche", "Binche"},
        ),
        (
            'Ne pas citer « Le Pélican » ni "Chez Marcel". Mme Van den Broeck habite rue d\'Havré.',
            {"Le Pélican", "Pélican", "Chez Marcel", "Marcel", "Van den Broeck", "Broeck", "rue d'Havré", "Havré"},
        ),
        (
            "Getuige woont in de Brugse steenweg. Slachtoffer: Marie-Claire D'Hondt, GSM 0470 12 34 56. "
            "Chassis VF1AB2C3D4E.",
            {
                "Brugse steenweg",
                "Brugse",
                "Marie-Claire D'Hondt",
                "Marie-Claire",
                "Hondt",
                "0470 12 34 56",
                "VF1AB2C3D4E",
            },
        ),
    ],
)
def test_the_terms_of_notes_in_french_and_dutch(notes, terms):
    assert set(notes_terms(notes)) == terms


@pytest.mark.parametrize(
    "notes",
    [
        "Ne jamais publier le nom de la victime. Pas de photo du véhicule. Aucune adresse.",
        "Uniquement les faits. Ne rien dire sur la famille ni sur l'enquête en cours. Merci !",
        "Attention : mineur. Pas de nom, pas de prénom, pas de plaque. Ne pas publier avant lundi 12/05 à 14h30.",
        "Nooit de naam van het slachtoffer publiceren. Geen foto's van het voertuig. Niet vermelden voor maandag.",
        "Opgelet: minderjarige. Geen namen, geen adres. Enkel de feiten, aub. Let op de privacy van de getuigen.",
        "NB : PV en cours, SVP discrétion. Le parquet et la Police judiciaire sont informés.",
    ],
)
def test_the_common_words_of_notes_are_no_terms(notes):
    assert notes_terms(notes) == []


@pytest.mark.parametrize("text", ORDINARY_MESSAGES)
def test_notes_without_names_raise_no_alarm_on_ordinary_messages(text):
    notes = (
        "Ne jamais publier le nom de la victime ni sa plaque. Pas de photo. Uniquement les faits, merci. "
        "Nooit de naam of het adres van de getuigen vermelden. Geen foto's."
    )
    assert found_in(text, notes) == []


def test_a_name_of_the_notes_is_found_whatever_its_case_and_accents():
    text = "Hier, JEAN DUPONT a été contrôlé rue des Allies. Dupont et jean étaient là."
    assert found_in(text, NOTES_FR) == ["JEAN DUPONT", "rue des Allies", "Dupont", "jean"]


def test_a_number_of_the_notes_is_found_whatever_its_separators():
    text = "Véhicules : 1abc123, 1 ABC 123 et 1.abc.123 ; pas 1-ABC-1234 ni 21-ABC-123."
    assert found_in(text, NOTES_FR) == ["1abc123", "1 ABC 123", "1.abc.123"]


def test_a_term_is_a_whole_word():
    assert found_in("Jeanne et Dupontel à Jemappes", NOTES_FR) == []
    assert found_in("Saint-Jean, Kerkstraatje, de Kerkstraat", NOTES_NL + " Jean") == ["Jean", "Kerkstraat"]


def test_the_longest_term_wins():
    findings = scan_notes("Jean Dupont est rentré.", Notes(NOTES_FR))
    assert [(f.start, f.end) for f in findings] == [(0, 11)]


def test_notes_findings_are_masked_and_labelled():
    (finding,) = scan_notes("Merci à Dupont.", Notes(NOTES_FR))
    assert finding.kind == NOTES_TERM
    assert finding.excerpt == "••••nt"
    with translation.override("en"):
        assert finding.to_dict()["label"] == "Named in the unit's confidentiality notes"
    with translation.override("fr"):
        assert str(finding.label)


def test_offsets_refer_to_the_original_text_despite_accents_and_invisible_characters():
    text = "Ça s'est passé rue des Al\u200blie\u0301s, à côté de Dupont."  # é written as e + combining accent
    findings = scan_notes(text, Notes(NOTES_FR))
    assert [text[f.start : f.end] for f in findings] == ["rue des Al\u200blie\u0301s", "Dupont"]
    assert "\u200b" not in findings[0].excerpt


def test_the_post_locality_is_no_finding():
    notes = "Ne pas dire que le témoin habite à Quévy ni à Ghlin."
    text = "Contrôle radar à Quévy et à Ghlin."
    assert found_in(text, notes) == ["Quévy", "Ghlin"]
    assert [text[f.start : f.end] for f in scan_notes(text, Notes(notes, allowed=("Quévy",)))] == ["Ghlin"]


def test_notes_of_a_post_and_of_an_item():
    locality = SimpleNamespace(name="Quévy")
    item = SimpleNamespace(confidentiality_notes=NOTES_FR, locality_id=1, locality=locality)
    post = SimpleNamespace(item_id=1, item=item, locality_id=1, locality=SimpleNamespace(name="Mons"))
    assert Notes.of(post=post) == Notes(NOTES_FR, allowed=("Mons",))
    assert Notes.of(item=item) == Notes(NOTES_FR, allowed=("Quévy",))
    assert Notes.of(post=SimpleNamespace(item_id=None, locality_id=None)) == NO_NOTES
    assert Notes.of(item=SimpleNamespace(confidentiality_notes="  ", locality_id=None)) == NO_NOTES
    assert Notes.of() == NO_NOTES


def zone_stub(phones: str = "", emails: str = ""):
    return SimpleNamespace(
        public_phone_list=lambda: [line for line in phones.splitlines() if line],
        public_email_list=lambda: [line for line in emails.splitlines() if line],
    )


def test_scan_text_adds_the_notes_to_the_scan_without_overlaps():
    # A surname alone is no finding of the scan's people rules (issue 15): only the notes name it here.
    text = "Dupont, plaque 1-ABC-123, GSM 0470 12 34 56, accueil 065 00 00 00."
    findings = scan_text(text, zone=zone_stub(phones="065 00 00 00"), notes=Notes(NOTES_FR))
    assert [(f.kind, text[f.start : f.end]) for f in findings] == [
        (NOTES_TERM, "Dupont"),
        ("licence_plate", "1-ABC-123"),  # the scan's own kind, not the notes' as well
        ("phone", "0470 12 34 56"),
    ]
    assert disjoint(findings)
    assert scan_text(text, zone=zone_stub(phones="065 00 00 00")) == findings[1:]
    # A first name and a surname are a finding of the scan itself (issue 15); the notes' label says more where they
    # name the person.
    named = "Jean Dupont, plaque 1-ABC-123."
    for notes, kind in ((Notes(NOTES_FR), NOTES_TERM), (NO_NOTES, "person_name")):
        assert [(f.kind, named[f.start : f.end]) for f in scan_text(named, zone=zone_stub(), notes=notes)] == [
            (kind, "Jean Dupont"),
            ("licence_plate", "1-ABC-123"),
        ]


def test_the_zone_name_is_no_finding():
    notes = "Ne pas publier avant l'accord du chef de corps de Mons-Quévy. Témoin : Marc Lenoir."
    text = "Merci à Marc Lenoir. Votre police Mons-Quévy"
    zone = zone_stub()
    zone.name = "Zone de police Mons-Quévy"
    assert [text[f.start : f.end] for f in scan_text(text, zone=zone, notes=Notes(notes))] == ["Marc Lenoir"]


def test_scan_variants_with_notes():
    variants = [SimpleNamespace(pk=1, text="Merci à Pieter !"), SimpleNamespace(pk=2, text="Merci à tous !")]
    found = scan_variants(variants, zone=zone_stub(), notes=Notes(NOTES_NL))
    assert [f.kind for f in found[1]] == [NOTES_TERM]
    assert found[2] == []
    assert scan_variants(variants, zone=zone_stub()) == {1: [], 2: []}


@pytest.mark.parametrize(
    "notes",
    ["", "   ", "\x00", "« »", '""', "a" * 100_000, "Jean " * 20_000, "1-ABC-123 " * 10_000, "(" * 5000, "\\" * 300],
)
def test_odd_notes_never_raise(notes):
    text = "Jean Dupont, 1-ABC-123 " * 100
    findings = scan_notes(text, Notes(notes))
    assert all(0 <= f.start < f.end <= len(text) for f in findings)
    assert disjoint(findings)


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(st.text(max_size=300), st.lists(INTERESTING, max_size=30).map("".join)),
    st.one_of(st.text(max_size=300), st.sampled_from([NOTES_FR, NOTES_NL])),
)
def test_scan_notes_never_raises_and_findings_lie_within_the_text(text, notes):
    findings = scan_notes(text, Notes(notes))
    assert findings == sorted(findings, key=lambda f: f.start)
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.kind == NOTES_TERM
    assert disjoint(findings)
