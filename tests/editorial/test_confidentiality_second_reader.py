"""A second reader's check of the confidentiality scan (issue 15): 34 messages written by someone who had not read the
rules, after they were written, and run once as they stood: all 34 right at that first run (every person, address,
date of birth, foreign phone and dodged e-mail found; no alarm on the 18 clean ones). Kept as a test so that a later
change of the rules that breaks one of them is seen; a fair new corpus, not a tuning set.

Each entry: (text, the kinds that must be among the findings); an empty set is a clean message (no finding at all).
The zone allows one officer's name and the station's address, as a real zone lists them.
"""

from __future__ import annotations

import pytest

from editorial.confidentiality import scan_text
from tests.factories import make_zone

pytestmark = pytest.mark.django_db

SECOND_READER = [
    ("Le conducteur du camion, Frédéric Masson, était sous influence.", {"person_name"}),
    ("Cambriolage chez Monsieur et Madame Lemaire, rue Grande 8 à Havré.", {"person_name", "home_address"}),
    ("Le prévenu, âgé de 19 ans, sera jugé en mars.", set()),
    ("Fermeture de la rue Jean Jaurès à Cuesmes pour travaux ce lundi.", set()),
    ("Rue Jean Jaurès 10 : chantier jusqu'au 20 décembre, accès riverains uniquement.", set()),
    ("Saint-Ghislain et Boussu : contrôles renforcés ce week-end.", set()),
    ("De bestuurder, Pieter Janssens uit Mechelen, reed te snel.", {"person_name"}),
    ("Ons onthaal aan de Grote Markt 1 is gesloten op 25 december.", set()),
    ("Wie heeft Noah (8) gezien? Hij woont in de Lindenlaan 3 in Lier.", {"home_address"}),
    ("Merci à Julie et Antoine, nos agents de quartier à Ghlin, pour leur travail.", set()),
    # (text, expected kinds set) -- people
    ("Hier soir, Sophie Vandenberghe (27 ans) a été renversée avenue Foch à Mons.", {"person_name"}),
    ("Le suspect, Mehdi B., a été placé sous mandat d'arrêt.", {"person_name"}),
    ("Disparition inquiétante : Léa, 15 ans, domiciliée chaussée de Binche 212 à Mons.", {"home_address"}),
    (
        "Nous recherchons Thomas Leclercq, né le 12 mai 1989, vu pour la dernière fois à Cuesmes.",
        {"person_name", "birth_date"},
    ),
    ("Mme Dubois, la victime, remercie les témoins.", {"person_name"}),
    ("Contactez-nous à contact[at]police-demo[dot]be pour toute info.", {"email"}),
    ("Appel aux témoins : numéro français +33 6 12 34 56 78 vu sur la voiture.", {"phone"}),
    ("Het slachtoffer, Jan Peeters (52), werd naar het ziekenhuis gebracht.", {"person_name"}),
    ("De 17-jarige Lotte Wouters wordt sinds zondag vermist.", {"person_name"}),
    ("Verdachte woont in de Stationsstraat 45 in Aalst.", {"home_address"}),
    ("Mevr. Claes, geboren op 4 april 1950, werd bestolen.", {"person_name", "birth_date"}),
    ("Bel voor info naar +31 6 12345678.", {"phone"}),
    # clean
    ("Contrôle de vitesse ce jeudi sur la N6 entre Mons et Quévy : 12 infractions.", set()),
    ("Travaux rue de la Station : circulation alternée jusqu'à vendredi 17 h.", set()),
    ("Permanence du commissariat de Jemappes : du lundi au vendredi, 8 h – 16 h.", set()),  # noqa: RUF001
    ("Rappel : l'article 11 du Code de la route interdit de téléphoner au volant.", set()),
    ("En cas d'urgence, formez le 112 ; pour la police, le 101.", set()),
    ("Marché de Noël Grand-Place de Mons : stationnement interdit dès 6 h.", set()),
    ("L'inspecteur principal Marc Renard vous accueille au commissariat, rue de Nimy 42.", set()),
    ("Snelheidscontrole op de E19 richting Brussel: 34 overtreders op 1.200 voertuigen.", set()),
    ("Wegenwerken in de Kerkstraat: omleiding via de Molenstraat tot 15 december.", set()),
    ("Permanentie van de wijkagent elke dinsdag van 9 tot 12 uur in het politiehuis.", set()),
    ("Boete van 174 euro voor wie op het fietspad parkeert (art. 22 verkeersreglement).", set()),
    ("De Lijn en de politie werken samen voor meer veiligheid aan de haltes in Gent.", set()),
]


@pytest.fixture
def zone():
    return make_zone(
        public_phones="065 00 00 00",
        public_names="Inspecteur principal Marc Renard",
        public_addresses="Rue de Nimy 42, 7000 Mons",
    )


@pytest.mark.parametrize(("text", "expected"), SECOND_READER)
def test_a_second_reader_s_message(zone, text, expected):
    found = {finding.kind for finding in scan_text(text, zone=zone)}
    if expected:
        assert expected <= found
    else:
        assert found == set()


def test_the_second_reader_wrote_both_languages_and_clean_traps():
    clean = [text for text, expected in SECOND_READER if not expected]
    assert len(SECOND_READER) == 34 and len(clean) == 18
