"""People in a post's text: names, home addresses, dates of birth and ages, in French and Dutch (issue 15).

`find(text)` returns ``(start, end, kind)`` spans of ``text`` for:

- ``person_name``: a first name and a surname ("Els Vermeulen", "Jean-Pierre DUPONT", "DUPONT Jean"), a first name and
  an initial ("Lucas M."), an initial and a surname ("J. Dupont"), a title and a name ("M. Dupont", "Mme Dubois",
  "dhr. Janssens", "mevr. Peeters"), a name after an officer's rank ("l'inspecteur Dubois", "wijkagent Jan Peeters",
  "le porte-parole Marc Lenoir"), after a role ("le conducteur, Dupont", "het slachtoffer Vermeulen", "le nommé X"),
  or next to an age ("Dupont, 34 ans", "Lucas (15)", "de 17-jarige Kevin");
- ``home_address``: a street and a house number ("rue des Alliés 14", "14, rue des Alliés", "Kerkstraat 12 bus 3"),
  with its postcode and commune when they follow ("..., 7000 Mons"), unless the sentence is about a public place or the
  road (works, a closure, a control, a market, the police station's desk) and says nothing of anyone living there;
- ``birth_date``: "né(e) le 03/11/2007", "geboren op 3 november 2007", "°03.11.2007", "date de naissance : ...";
- ``age``: the age of a person the text names ("Lucas, 15 ans": the name and the age are both reported).

What is not a person: a name inside a street or a building's name ("rue Jean Jaurès", "école Saint-Joseph",
"Pieter de Coninckplein"), a public office holder named in that office ("le bourgmestre ...", "de minister ..."), a
first name alone ("Merci à Pieter"), a hashtag or a handle. A street without a number is a place, not a home; so is a
range of numbers ("rue Neuve 14-16", "nos 12 à 28"). The zone's own names and addresses (``allowed_names``,
``allowed_addresses``) are never reported.

Pure rules over the text, no model: docs/security.md ("People in a post") has the measurement that chose them. Every
pattern is bounded (no nested repetition), so the time per text grows with its length only.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from editorial.confidentiality_names import FIRST_NAMES

PERSON_NAME = "person_name"
HOME_ADDRESS = "home_address"
BIRTH_DATE = "birth_date"
AGE = "age"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@functools.lru_cache(maxsize=8192)
def fold(word: str) -> str:
    """Lower case, no accents, typographic apostrophes made plain: "Alliés" -> "allies"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    return out.replace("\u2019", "'").replace("\u02bc", "'").replace("\u2018", "'")


# Titles before a name. "M" and "Me" count only with their dot ("M. Dupont", "Me Dubois" is too rare to risk).
_TITLES = _words(
    "mr mme mmes mlle monsieur madame mademoiselle dhr mevr mevrouw meneer mijnheer heer dr docteur dokter mw"
)
# Officers of the zone: a post never names them unless the zone allows it.
_RANKS = _words(
    """
    inspecteur inspectrice inspecteurs commissaire commissaires agent agente policier policiere inp inpp cp cdp
    aspirant aspirante hoofdinspecteur hoofdinspectrice commissaris hoofdcommissaris wijkagent wijkagente
    wijkinspecteur wijkinspectrice politieagent politieagente politieman politievrouw porte-parole woordvoerder
    woordvoerster korpschef inspecteur-principal hinp
    """
)
# Words that may stand between a rank and the name: "l'inspecteur principal Dubois", "le chef de corps Dupont".
_RANK_QUALIFIERS = _words(
    "principal principale divisionnaire en chef de corps du quartier proximite la police van politie hoofd eerste "
    "premier premiere notre onze votre uw"
)
# People involved in a case.
_ROLES = _words(
    """
    conducteur conductrice chauffeur chauffeuse automobiliste motard motarde motocycliste cycliste pieton pietonne
    passager passagere victime suspect suspecte auteur autrice temoin prevenu prevenue detenu detenue individu homme
    femme garcon fille fillette adolescent adolescente mineur mineure enfant jeune dame nomme nommee denomme denommee
    proprietaire locataire habitant habitante riverain riveraine voisin voisine pere mere fils epouse epoux mari
    compagne compagnon disparu disparue fugueur fugueuse chauffard chauffarde certain certaine sexagenaire
    septuagenaire octogenaire quadragenaire quinquagenaire trentenaire vingtenaire
    bestuurder bestuurster automobilist fietser fietsster voetganger motorrijder passagier slachtoffer verdachte
    dader getuige jongeman jongen meisje vrouw man minderjarige tiener kind genaamd genaamde eigenaar eigenares
    bewoner bewoonster buurman buurvrouw vader moeder zoon dochter echtgenoot echtgenote vermiste weggelopen
    """
)
# A person named in a public office is named on purpose.
_PUBLIC_OFFICES = _words(
    """
    bourgmestre ministre gouverneur echevin echevine president presidente roi reine prince princesse depute deputee
    senateur senatrice procureur procureure juge ambassadeur burgemeester minister schepen voorzitter voorzitster
    koning koningin prins prinses gedeputeerde senator parlementslid rechter ambassadeur premier eerste-minister
    """
)
# A person's name inside the name of a place, a street or a building ("école Marie Curie", "rue Jean Jaurès").
_STREET_WORDS = _words(
    """
    rue ruelle avenue av boulevard bd chaussee chee chemin place allee impasse quai route rte square dreve sentier
    clos cite venelle residence hameau esplanade parvis galerie passage rempart voie faubourg cour thier tienne ry
    pave rond-point carrefour promenade grand-place grand-rue
    straat laan steenweg plein lei dreef kaai singel gracht kade markt weg pad baan hof vest dijk wal ring
    plantsoen
    """
)
_INSTITUTION_WORDS = _words(
    """
    ecole athenee lycee college institut institution universite hopital clinique chu chr stade salle centre
    complexe parc pont tunnel gare musee bibliotheque home foyer fondation espace hall piscine theatre cinema eglise
    basilique cathedrale chapelle caserne prison prix trophee memorial monument statue rue avenue
    school basisschool atheneum lyceum instituut universiteit ziekenhuis kliniek az uz stadion sporthal zaal
    centrum park brug station museum bibliotheek kerk kazerne gevangenis prijs standbeeld campus
    saint sainte st ste sint notre onze lieve royal royale koninklijk
    """
)
_NOT_A_PERSON_BEFORE = _STREET_WORDS | _INSTITUTION_WORDS | _PUBLIC_OFFICES
# Prepositions before a single capitalised word: "un habitant de Quévy, 34 ans" names a place, not a person.
_PLACE_PREPOSITIONS = _words("de d du des a au aux en van uit in te op sur vers pres bij naar vanuit nabij a-t-il")
# Lower-case words inside a name: "Pieter van den Broeck", "Jean de la Fontaine", "Ahmed el Amrani".
_PARTICLES = _words("van von der den de du des la le di da del della dos ter ten el al ben bin vanden vander t")
# Capitalised words that are no surname: they start sentences, are capitalised in headlines, or name things.
_STOP = _words(
    """
    a au aux avec ce ces cet cette chez comme dans de des du elle elles en et il ils je la le les leur lui ma mais me
    mes mon ne ni nos notre nous on ou par pas plus pour que qui sa sans se ses si son sous sur ta te tes ton tu un
    une vos votre vous y ici puis alors aussi tres tout tous toute toutes merci bravo bonjour bonsoir salut attention
    info infos important urgent rappel prudence vigilance alerte avis appel aide conseil conseils astuce
    police polices zone zones permanence commissariat commissariats service services unite equipe brigade section
    accueil antenne bureau intervention interventions controle controles radar radars operation operations action
    actions arrestation interpellation plainte plaintes enquete parquet justice tribunal federal federale locale
    local ville commune communes province region etat gouvernement spf spw sncb tec stib mivb infrabel bpost
    belgique belgie belgium wallonie flandre vlaanderen bruxelles brussel europe france nederland luxembourg
    allemagne duitsland
    lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier mars avril mai juin juillet aout septembre
    octobre novembre decembre noel paques toussaint nouvel an
    maandag dinsdag woensdag donderdag vrijdag zaterdag zondag januari februari maart april mei juni juli augustus
    oktober december kerstmis pasen
    de het een en of niet geen wel ook maar want dus dan als dat die dit deze wie wat waar wanneer hoe van voor met
    zonder door op in aan bij naar uit over onder tussen tegen tot om te ter ten zijn is was worden wordt werd
    heeft hebben moet mag kan zal wij we jij je u hij zij ze ik er hier daar alle elke dank bedankt opgelet let
    politie politiezone dienst eenheid ploeg commissariaat onthaal permanentie wijkkantoor controle controles
    flitscontrole snelheidscontrole verkeer verkeersinfo actie acties arrestatie klacht onderzoek parket gerecht
    stad gemeente provincie gewest overheid fod
    rue avenue boulevard chaussee chemin place route straat laan steenweg plein markt weg grand grande petit petite
    nord sud est ouest noord zuid oost west centre centrum gare station parking ring autoroute snelweg
    bmw audi renault peugeot citroen volkswagen vw opel ford mercedes toyota fiat tesla volvo skoda seat kia
    hyundai nissan dacia mini porsche jeep suzuki mazda honda lexus smart heijn delhaize colruyt carrefour aldi lidl
    facebook twitter instagram whatsapp tiktok youtube google apple android iphone messenger snapchat
    bob go pv nn rrn gsm sms tva btw iban bic asbl vzw sa nv sprl bv srl tel fax mail email
    madame monsieur mademoiselle mme mr dhr mevr mevrouw meneer heer docteur dokter
    i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx xxi xxiii ier er
    """
)

_LETTER = r"[^\W\d_]"
_WORD_RE = re.compile(rf"{_LETTER}+(?:['\u2019\-]{_LETTER}+)*")
_ELISION_RE = re.compile(r"^[dlDL]['\u2019](?=[^\W\d_])")


class _Token:
    __slots__ = ("after", "bare", "before", "end", "key", "start", "text", "title_case", "upper")

    def __init__(self, text: str, match: re.Match[str]) -> None:
        self.start, self.end = match.span()
        self.text = match.group()
        elision = _ELISION_RE.match(self.text)
        self.bare = self.text[elision.end() :] if elision else self.text  # "l'inspecteur" -> "inspecteur"
        self.key = fold(self.bare)
        self.before = ""  # the characters between the previous token and this one
        self.after = ""
        bare = self.bare
        self.title_case = bare[:1].isupper() and not bare.isupper()  # "Dupont", "D'Hondt", "McLean"
        self.upper = bare.isupper() and len(bare) >= 2  # "DUPONT"


def _tokens(text: str) -> list[_Token]:
    tokens = [_Token(text, match) for match in _WORD_RE.finditer(text)]
    previous_end = 0
    for index, token in enumerate(tokens):
        token.before = text[previous_end : token.start]
        previous_end = token.end
        if index:
            tokens[index - 1].after = token.before
    if tokens:
        tokens[-1].after = text[tokens[-1].end :]
    return tokens


def _is_first_name(token: _Token) -> bool:
    if not token.title_case or token.before.endswith(("#", "@", "_")) or token.after.startswith(("_", "@")):
        return False
    return all(part in FIRST_NAMES for part in token.key.split("-"))


def _is_name_word(token: _Token) -> bool:
    """A word that may be (part of) a surname: capitalised, no common word, not a hashtag."""
    if token.before.endswith(("#", "@", "_", "/", ".")) and not token.before.endswith(". "):
        return False
    if token.after.startswith(("@", "_")) or token.after[:1].isdigit():
        return False
    if not (token.title_case or (token.upper and len(token.bare) >= 3)):
        return False
    parts = token.key.split("-")
    return token.key not in _STOP and parts[0] not in _STOP and not _ends_like_a_street(token.key)


_STREET_SUFFIX_RE = re.compile(
    r"(?:straat|straatje|steenweg|laan|plein|pleintje|lei|dreef|kaai|singel|gracht|kade|markt|weg|pad|baan|dijk|vest"
    r"|plantsoen|wal)$"
)


# Buildings named after a person: "Jan Breydelstadion", "Sint-Jozefschool", "Koning Boudewijnstadion".
_BUILDING_SUFFIX_RE = re.compile(
    r"(?:stadion|school|zaal|sporthal|centrum|museum|ziekenhuis|instituut|kliniek|kazerne|bibliotheek|kerk)$"
)


def _ends_like_a_street(key: str) -> bool:
    """A street's or a building's name in one word ("Kerkstraat", "Breydelstadion")."""
    return len(key) > 5 and (_STREET_SUFFIX_RE.search(key) is not None or _BUILDING_SUFFIX_RE.search(key) is not None)


def _joined(left: _Token, right: _Token) -> bool:
    """Two tokens of one name: separated by spaces only."""
    return right.before != "" and right.before.strip(" \u00a0\u202f") == "" and len(right.before) <= 2


def _name_run(tokens: list[_Token], index: int, limit: int = 4, *, particle_first: bool = False) -> int:
    """The index after the last name word of the name that starts at ``tokens[index]`` (``index`` if none): name words
    and the particles inside a name ("van den", "de la"), joined by spaces. A name starts with a particle only if it is
    capitalised ("Van den Broeck") or ``particle_first`` (after a first name: "Pieter van den Broeck")."""
    end = index
    position = index
    count = 0
    while position < len(tokens) and count < limit:
        token = tokens[position]
        if position > index and not _joined(tokens[position - 1], token):
            break
        if (
            token.key in _PARTICLES
            and position + 1 < len(tokens)
            and (position > index or particle_first or token.bare[:1].isupper())
        ):
            position += 1
            continue
        if not _is_name_word(token):
            break
        if count and _is_first_name(token) and not _is_first_name(tokens[position - 1]):
            break  # "Jean Dupont Marie Martin": a new name starts
        count += 1
        position += 1
        end = position
    return end


def _initial_after(text: str, token: _Token) -> int | None:
    """The end of an initial written after ``token`` ("Lucas M.", "Jean-Pierre D."), or None."""
    match = re.match(r"[ \u00a0]([A-Z])\.(?![\w.])", text[token.end : token.end + 4])
    return token.end + match.end() if match else None


def _preceded_by(tokens: list[_Token], index: int, words: frozenset[str], reach: int = 3) -> bool:
    """Whether one of ``words`` comes shortly before ``tokens[index]``, with only particles, titles, first names
    or capitalised words between ("rue du Général Jean Leman", "école communale Marie Curie")."""
    position = index - 1
    while position >= 0 and index - position <= reach:
        token = tokens[position]
        if token.key in words or token.key.split("-")[0] in words:
            return True
        if not (token.key in _PARTICLES or token.title_case or token.key in _RANK_QUALIFIERS) or (
            token.after.strip(" \u00a0'\u2019") not in ("",)
        ):
            return False
        position -= 1
    return False


_AGE_AFTER_RE = re.compile(
    r"[ \u00a0]?(?:,[ \u00a0]?|\([ \u00a0]?|[ \u00a0]-[ \u00a0])?"
    r"(?:(?:[âa]g[ée]e?s?|leeftijd)[ \u00a0]?(?:de|:)?[ \u00a0]?)?"
    r"(?P<age>1[01][0-9]|[1-9]?[0-9])(?:[ \u00a0]?(?P<unit>ans|an|jaar|j)\b\.?\)?|\)|(?P<unit2>-jarige)\b)",
    re.IGNORECASE,
)
_AGE_BEFORE_RE = re.compile(r"(?P<age>1[01][0-9]|[1-9]?[0-9])-jarige[ \u00a0]$", re.IGNORECASE)


def _names(text: str, tokens: list[_Token]) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []

    def add(start: int, end: int, kind: str = PERSON_NAME) -> None:
        spans.append((start, end, kind))

    def age_after(end: int, *, explicit: bool = False) -> tuple[int, int] | None:
        """The age written just after a name: "Dupont, 34 ans", "Lucas (15)"; ``explicit``: with its unit."""
        match = _AGE_AFTER_RE.match(text, end, min(len(text), end + 30))
        if match is None or (explicit and not (match.group("unit") or match.group("unit2"))):
            return None
        end = match.end()
        while text[end - 1] in ").":  # "(34)", "34 j.": the age, not its punctuation
            end -= 1
        return match.start("age"), end

    def add_with_age(start: int, end: int) -> None:
        add(start, end)
        age = age_after(end)
        if age:
            add(*age, AGE)

    count = len(tokens)
    index = 0
    while index < count:
        token = tokens[index]
        key = token.key
        excluded = _preceded_by(tokens, index, _NOT_A_PERSON_BEFORE)

        # A title: "M. Dupont", "Mme Dubois", "dhr. Janssens", "de heer Peeters".
        has_dot = token.after.startswith(".")
        if (
            (key in _TITLES and (key != "heer" or (index and tokens[index - 1].key == "de")))
            or (token.bare == "M" and has_dot)
        ) and not excluded:
            following = index + 1
            if following < count and _joined_loose(tokens[following - 1], tokens[following]):
                end_index = _name_run(tokens, following)
                if end_index > following:
                    end = tokens[end_index - 1].end
                    end = _initial_after(text, tokens[end_index - 1]) or end
                    add_with_age(token.start, end)
                    index = end_index
                    continue

        # An officer's rank, a role or a public office, then a name: "l'inspecteur principal Dubois", "le conducteur,
        # Jean Dupont", "het slachtoffer Els Vermeulen". An office holder is skipped: named on purpose.
        if (
            key in _RANKS
            or key in _ROLES
            or key in _PUBLIC_OFFICES
            or (key == "chef" and _next_key(tokens, index) == "de")
        ):
            following = index + 1
            while following < count and tokens[following].key in _RANK_QUALIFIERS and not tokens[following].title_case:
                following += 1
            if following < count and tokens[following].before.strip(" \u00a0,:") == "":
                start_index = following
                if tokens[following].key in _TITLES or tokens[following].bare == "M":
                    index = following  # the title's rule takes it
                    continue
                end_index = _name_run(tokens, start_index)
                if end_index > start_index and not excluded:
                    if key not in _PUBLIC_OFFICES:
                        end = _initial_after(text, tokens[end_index - 1]) or tokens[end_index - 1].end
                        add_with_age(tokens[start_index].start, end)
                    index = end_index
                    continue

        # "de 17-jarige Kevin": an age, then a name.
        age_before = _AGE_BEFORE_RE.search(text, max(0, token.start - 12), token.start)
        if age_before and _is_name_word(token):
            end_index = _name_run(tokens, index)
            if end_index > index:
                add(age_before.start("age"), age_before.end() - 1, AGE)
                add(token.start, tokens[end_index - 1].end)
                index = end_index
                continue

        if not excluded and not token.before.endswith(("#", "@")):
            # A first name, then a surname or an initial: "Els Vermeulen", "Jean-Pierre D.", "Pieter van den Broeck".
            if _is_first_name(token):
                end_index = index + 1
                while (
                    end_index < count
                    and _is_first_name(tokens[end_index])
                    and _joined(tokens[end_index - 1], tokens[end_index])
                ):
                    end_index += 1  # "Jean Pierre Marie Dupont"
                initial = _initial_after(text, tokens[end_index - 1])
                surname_end = (
                    _name_run(tokens, end_index, particle_first=True)
                    if end_index < count and _joined(tokens[end_index - 1], tokens[end_index])
                    else end_index
                )
                if initial:
                    add_with_age(token.start, initial)
                    index = end_index
                    continue
                if surname_end > end_index or end_index > index + 1:
                    add_with_age(token.start, tokens[max(surname_end, end_index) - 1].end)
                    index = max(surname_end, end_index)
                    continue
                if age_after(token.end):  # "Lucas, 15 ans"
                    add_with_age(token.start, token.end)
                    index += 1
                    continue
            # "DUPONT Jean": a surname in capitals, then a first name.
            if token.upper and _is_name_word(token) and index + 1 < count:
                following = tokens[index + 1]
                if _is_first_name(following) and _joined(token, following):
                    add_with_age(token.start, following.end)
                    index += 2
                    continue
            # "J. Dupont", "J.-P. Dupont": initials, then a surname.
            if _is_name_word(token) and index and _initial_before(text, token.start) is not None:
                end_index = _name_run(tokens, index)
                if end_index > index:
                    add_with_age(_initial_before(text, token.start), tokens[end_index - 1].end)
                    index = end_index
                    continue
            # "Dupont, 34 ans", "Vermeulen (34)": a capitalised word next to an age, not a place ("de Quévy, 34 ans").
            if (
                _is_name_word(token)
                and age_after(token.end, explicit=True)
                and not (index and tokens[index - 1].key in _PLACE_PREPOSITIONS and _joined(tokens[index - 1], token))
            ):
                start_index = index
                while (
                    start_index
                    and _is_name_word(tokens[start_index - 1])
                    and _joined(tokens[start_index - 1], tokens[start_index])
                ):
                    start_index -= 1
                add_with_age(tokens[start_index].start, token.end)
                index += 1
                continue
        index += 1
    return spans


def _next_key(tokens: list[_Token], index: int) -> str:
    return tokens[index + 1].key if index + 1 < len(tokens) else ""


def _joined_loose(left: _Token, right: _Token) -> bool:
    """A title and the name after it: "M. Dupont", "Mme Dubois", "dhr. Janssens"."""
    return right.before.strip(" \u00a0.") == "" and 1 <= len(right.before) <= 3


_INITIAL_BEFORE_RE = re.compile(
    r"(?<![\w.\-])(?:[A-Z]\.[ \u00a0]?-?){1,3}[ \u00a0]?$|(?<![\w.])(?:Ph|Ch|Th)\.[ \u00a0]?$"
)


def _initial_before(text: str, start: int) -> int | None:
    match = _INITIAL_BEFORE_RE.search(text, max(0, start - 10), start)
    if match is None or not match.group().strip():
        return None
    # "sortie 24. Dupont" or "A. Dupont" at a sentence's start after a number: only a real initial counts.
    return match.start()


# --- Home addresses ------------------------------------------------------------------------------------------

_FR_STREET = (
    r"rue|ruelle|avenue|av\.|boulevard|bd|chauss[ée]e|chemin|place|all[ée]e|impasse|quai|route|square|dr[èe]ve|sentier"
    r"|clos|cit[ée]|venelle|r[ée]sidence|hameau|esplanade|parvis|galerie|passage|rempart|voie|faubourg|thier|tienne"
    r"|promenade"
)
_NL_SUFFIX = (
    r"straat|straatje|steenweg|laan|plein|pleintje|lei|dreef|kaai|singel|gracht|kade|markt|weg|pad|baan|hof|vest|dijk"
    r"|wal|ring|plantsoen|berg|veld|hoek|kouter|heide|meers|gaarde|akker|weide|dries|hofje"
)
_NAME_WORD = r"[^\W\d_][\w'\u2019\-]*"
_HOUSE_NUMBER = (
    r"(?P<number>(?:n[°ºo]\.?|nr\.?|num[ée]ro)?[ \u00a0]?[1-9][0-9]{0,3}(?:[ \u00a0]?[a-gA-G](?![\w]))?)"
    r"(?P<box>[ \u00a0]?(?:,[ \u00a0]?)?(?:bte|bo[îi]te|bus|b\.)[ \u00a0]?[0-9A-Za-z]{1,4}\b|/[0-9]{1,3}\b)?"
)
# After the number: not a time, an amount, a range or a date ("rue X 14h", "12 à 28", "14-16", "12/05").
_NOT_A_HOUSE_NUMBER_AFTER = re.compile(
    r"[0-9]|[ \u00a0]?(?:h\b|h[0-9]|u[0-9]|u\b|km|m\b|%|€|eur|ans\b|jaar\b|min\b|[.,:/\-][0-9]"
    r"|(?:janv|f[ée]vr|mars|avril|mai\b|juin|juil|ao[ûu]t|sept|oct|nov|d[ée]c|jan|feb|maart|apr|mei\b|jun|jul|aug|okt)"
    r"|(?:e|er|ère|ème|de|ste)\b"
    r"|(?:-|à|a|au|tot|t/m|en|et)[ \u00a0]?(?:n[°o]s?[ \u00a0]?)?[0-9])",
    re.IGNORECASE,
)
_POSTCODE_AFTER = re.compile(
    r"(?:,[ \u00a0]?|[ \u00a0]|[ \u00a0]-[ \u00a0])(?:[ \u00a0]?à[ \u00a0]|[ \u00a0]?te[ \u00a0])?"
    r"[1-9][0-9]{3}[ \u00a0]+[A-ZÀ-Ý][\w'\u2019\-]*(?:[ \u00a0][A-ZÀ-Ý][\w'\u2019\-]*)?"
)
_ADDRESS_RES = (
    # "rue des Alliés 14", "chaussée de Binche n°12 bte 3", "Grand-Place 1".
    re.compile(
        rf"(?<![\w\-])(?P<street>(?i:{_FR_STREET})(?:[ \u00a0]{_NAME_WORD}){{1,6}}"
        r"|Grand-(?:Place|Rue)|Grote[ \u00a0]Markt)"
        rf"[ \u00a0]?,?[ \u00a0]?{_HOUSE_NUMBER}"
    ),
    # "Kerkstraat 12 bus 3", "Brugse steenweg 12", "Koning Albert II-laan 20".
    re.compile(
        rf"(?<![\w\-])(?P<street>(?:[A-ZÀ-Ý][\w'\u2019]*[ \u00a0\-]){{0,3}}(?:[A-ZÀ-Ý][\w'\u2019\-]*?(?:{_NL_SUFFIX})"
        rf"|[A-ZÀ-Ý][\w'\u2019\-]*[ \u00a0](?:{_NL_SUFFIX})))[ \u00a0]?,?[ \u00a0]?{_HOUSE_NUMBER}"
    ),
)
# "14, rue des Alliés", "au 14 rue de la Station".
_NUMBER_FIRST_RE = re.compile(
    rf"(?<![\w.,/:\-])(?P<number>(?:n[°ºo][ \u00a0]?)?[1-9][0-9]{{0,3}}[a-gA-G]?)[ \u00a0]?,?"
    rf"(?:[ \u00a0](?:de[ \u00a0]la|de[ \u00a0]l'|du|de))?[ \u00a0](?P<street>(?:{_FR_STREET})"
    rf"(?:[ \u00a0]{_NAME_WORD}){{1,6}})",
    re.IGNORECASE,
)

# A sentence ends at a full stop after a word of two letters or more: "M. Dupont" and "J. Mathieu" go on.
_SENTENCE_END_RE = re.compile(r"(?<=[^\W_][^\W_])[.!?](?:[ \u00a0\n]|$)|[!?](?:[ \u00a0\n]|$)|[\n•]")
_HOME_CUES = re.compile(
    r"domicil|habit|demeur|r[ée]sid|logement|\bvit\b|\bchez\b|appartement|maison|cambriol|perquisition|"
    r"woon|wonend|verblijf|thuis|\bhuis\b|inbra|ingebroken|huiszoeking|\bwoning",
    re.IGNORECASE,
)
_PUBLIC_CUES = re.compile(
    r"travaux|chantier|fermetur|ferm[ée]e?s?\b|d[ée]viation|d[ée]vi[ée]|contr[ôo]l|radar|stationnement|stationner"
    r"|km/h|circulation|circuler|acc[èe]s|march[ée]|ducasse|braderie|brocante|festivit|\bf[êe]te|manifestation|cort[èe]ge"
    r"|course|jogging|portes[ \u00a0]ouvertes|commissariat|h[ôo]tel[ \u00a0]de[ \u00a0](?:police|ville)|accueil"
    r"|permanence|antenne|bureau|guichet|maison[ \u00a0]communale|administration|[ée]cole|parking|\barr[êe]t\b"
    r"|barr[ée]|interdit|riverains|signalisation|embouteillage|bouchon|inondation|canalisation|fuite[ \u00a0]d"
    r"|imp[ée]trants"
    r"|[ée]gouttage|asphalt|rendez-vous|point[ \u00a0]de[ \u00a0]contact|sortie|hauteur|"
    r"werken|werf|afgesloten|afsluiting|omleiding|omgeleid|controle|flits|parkeer|parkeren|verkeer|toegang|markt"
    r"|kermis|braderij|rommelmarkt|jaarmarkt|stoet|wedstrijd|opendeur|commissariaat|politiehuis|politiekantoor"
    r"|wijkkantoor|onthaal|permanentie|loket|gemeentehuis|stadhuis|school|halte|verboden|buurtbewoners|signalisatie"
    r"|\bfile\b|overstroming|gaslek|riolering|asfalt|afspraak|hoogte|afrit",
    re.IGNORECASE,
)


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]`` (bounded to 300 characters either side)."""
    low = max(0, start - 300)
    begin = low
    for match in _SENTENCE_END_RE.finditer(text, low, start):
        begin = match.end()
    found = _SENTENCE_END_RE.search(text, end, min(len(text), end + 300))
    return begin, found.start() if found else min(len(text), end + 300)


def _key_words(value: str) -> tuple[str, ...]:
    return tuple(fold(word) for word in re.findall(r"[^\W_]+", value))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    if not needle or len(needle) > len(haystack):
        return False
    return any(haystack[i : i + len(needle)] == needle for i in range(len(haystack) - len(needle) + 1))


def _addresses(
    text: str, names: list[tuple[int, int, str]], allowed: list[tuple[str, ...]]
) -> list[tuple[int, int, str]]:
    spans = []
    candidates: list[tuple[int, int]] = []
    for pattern in _ADDRESS_RES:
        for match in pattern.finditer(text):
            street = match.group("street")
            if _street_name_length(street) != len(street):
                continue  # "rue de Mons le 14": what stands before the number is no street's name
            candidates.append((match.start(), match.end("box") if match.group("box") else match.end("number")))
    for match in _NUMBER_FIRST_RE.finditer(text):
        length = _street_name_length(match.group("street"))
        if length:
            candidates.append((match.start(), match.start("street") + length))
    for start, end in candidates:
        if _NOT_A_HOUSE_NUMBER_AFTER.match(text, end, end + 12) or _number_range_before(text, start):
            continue
        postcode = _POSTCODE_AFTER.match(text, end)
        if postcode:
            end = postcode.end()
        begin, finish = _sentence(text, start, end)
        sentence = text[begin:finish]
        names_near = any(s < finish and begin < e for s, e, kind in names if kind == PERSON_NAME)
        home = names_near or _HOME_CUES.search(sentence) is not None
        if not home and _PUBLIC_CUES.search(sentence):
            continue
        words = _key_words(text[start:end])
        if any(_contains(entry, _street_and_number(words)) or _contains(words, entry) for entry in allowed):
            continue
        spans.append((start, end, HOME_ADDRESS))
    return spans


_STREET_NAME_WORD_RE = re.compile(rf"[ \u00a0]({_NAME_WORD})")


def _street_name_length(street: str) -> int:
    """How much of ``street`` is a street and its name: the street word, then particles and capitalised words, ending
    with a capitalised one ("rue de la Station", "avenue de l'Europe"; "place de parking" is none: 0). A Dutch street
    ("Kerkstraat", "Brugse steenweg") is whole."""
    first = re.match(rf"{_NAME_WORD}\.?", street)
    if first is None:
        return 0
    if _ends_like_a_street(fold(first.group().rstrip("."))) or re.search(rf"(?:{_NL_SUFFIX})$", street):
        return len(street)
    if "-" in first.group() and fold(first.group()) in ("grand-place", "grand-rue"):
        return len(street)
    position, end = first.end(), 0
    for _count in range(6):
        match = _STREET_NAME_WORD_RE.match(street, position)
        if match is None:
            break
        word = match.group(1)
        bare = _ELISION_RE.sub("", word)
        if bare[:1].isupper() or bare[:1].isdigit():
            end = match.end()
        elif fold(word) not in _PARTICLES and fold(word) not in ("aux", "au", "l", "d"):
            break
        position = match.end()
    if end == 0 and fold(street[: first.end()]) in ("grote", "grand-place", "grand-rue"):
        return len(street)
    return end


def _street_and_number(words: tuple[str, ...]) -> tuple[str, ...]:
    """The street and its number, without the postcode and commune: what a zone's address is compared on."""
    for index, word in enumerate(words):
        if re.fullmatch(r"[1-9][0-9]{3}", word) and index >= 2:
            return words[:index]
    return words


def _number_range_before(text: str, start: int) -> bool:
    """ "du 12 au 28, rue ..." and "nos 12 à 28 de la rue" speak of a stretch of street."""
    return re.search(r"[0-9][ \u00a0]?(?:-|à|a|au|tot)[ \u00a0]?$", text[max(0, start - 8) : start]) is not None


# --- Dates of birth -------------------------------------------------------------------------------------------

_MONTHS = (
    r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre"
    r"|januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    r"|janv?\.?|f[ée]vr?\.?|avr\.?|juil\.?|sept?\.?|oct\.?|nov\.?|d[ée]c\.?|jan\.?|feb\.?|mrt\.?|aug\.?|okt\.?"
)
_DATE = (
    rf"(?:[0-3]?[0-9][./\-][01]?[0-9][./\-](?:19|20)?[0-9]{{2}}"
    rf"|(?:1er|[0-3]?[0-9])[ \u00a0](?:{_MONTHS})[ \u00a0](?:19|20)[0-9]{{2}})"
)
_BIRTH_RE = re.compile(
    rf"(?<!\w)(?:n[ée]e?s?(?:\(e\))?[ \u00a0]+le|geboren[ \u00a0]+(?:op|de)?|date[ \u00a0]de[ \u00a0]naissance"
    rf"[ \u00a0]?:?|geboortedatum[ \u00a0]?:?|dob[ \u00a0]?:?)[ \u00a0]*{_DATE}(?![0-9])"
    rf"|°[ \u00a0]?(?:{_DATE}|(?:19|20)[0-9]{{2}})(?![0-9])",
    re.IGNORECASE,
)


def _birth_dates(text: str) -> list[tuple[int, int, str]]:
    return [(match.start(), match.end(), BIRTH_DATE) for match in _BIRTH_RE.finditer(text)]


# --- Entry point ---------------------------------------------------------------------------------------------


def _allowed_name_keys(allowed_names: Iterable[str]) -> list[frozenset[str]]:
    keys = []
    for name in allowed_names:
        words = frozenset(
            key for key in _key_words(str(name)) if key not in _TITLES and key not in _RANKS and key not in _PARTICLES
        )
        if words:
            keys.append(words)
    return keys


def find(
    text: str, *, allowed_names: Iterable[str] = (), allowed_addresses: Iterable[str] = ()
) -> list[tuple[int, int, str]]:
    """The people in ``text``: ``(start, end, kind)`` spans, possibly overlapping (the caller keeps the longest).
    ``allowed_names`` (a name is allowed when all its words are words of one of them: "Dupont" and "commissaire
    Dupont" are allowed by "Marc Dupont") and ``allowed_addresses`` (compared on street and number) are not
    reported."""
    if not text:
        return []
    tokens = _tokens(text)
    names = _names(text, tokens)
    name_keys = _allowed_name_keys(allowed_names)
    if name_keys:
        kept = []
        allowed_spans = []
        for start, end, kind in names:
            if kind == PERSON_NAME:
                words = frozenset(
                    key for key in _key_words(text[start:end]) if key not in _TITLES and key not in _RANKS
                ) - {"m"}
                if any(words and words <= allowed for allowed in name_keys):
                    allowed_spans.append((start, end))
                    continue
            kept.append((start, end, kind))
        # The age of an allowed person is theirs to give.
        names = [
            span for span in kept if span[2] != AGE or not any(0 <= span[0] - end <= 30 for _s, end in allowed_spans)
        ]
    address_keys = [_street_and_number(_key_words(str(address))) for address in allowed_addresses]
    return [*names, *_addresses(text, names, [key for key in address_keys if key]), *_birth_dates(text)]
