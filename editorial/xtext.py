"""X's weighted character count: the authoritative server-side check of a post's length.

X does not count characters, it weighs them, following its twitter-text library, configuration v3:

- the text is first normalised to NFC (a decomposed "é" is one character, as X stores it);
- a character weighs 1 when it lies in U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F or U+2032-U+2037
  (Latin, accents, Greek, Cyrillic, Arabic, Hebrew, common punctuation), and 2 otherwise (CJK, kana, Hangul,
  "€", "…", anything outside the Basic Multilingual Plane);
- every URL weighs 23 whatever its length, because X shortens it to a t.co link: a URL is what twitter-text's
  extractor recognises, with http(s):// or as a bare domain ending in a known top-level domain ("police.be",
  "t.co/abc"), never inside an e-mail address;
- an emoji weighs 2 however many code points it is made of: ZWJ sequences (family, "police officer: woman,
  medium skin tone"), skin-tone modifiers, flags (a pair of regional indicators), keycaps, tag sequences
  (England's flag) and variation selectors;
- a post is valid when it weighs between 1 and 280 and holds none of U+FFFE, U+FEFF, U+FFFF. Direction marks
  (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are allowed: they weigh 2 each but do not invalidate a post;
  the conformance cases of twitter-text v3 say so ("Tweet text containing directional characters should be
  considered valid"), although older versions of the library rejected U+202A-U+202E.

static/js/xcount.js is the same algorithm for the live counter in the browser; the two agree case for case
(tests/editorial/test_xtext.py runs both over the same cases). Change them together.

Indices follow twitter-text, hence JavaScript: they count UTF-16 code units of the text as given (before NFC),
so they agree with the browser's textarea; an emoji outside the BMP counts 2 units there, unlike a Python index.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

MAX_WEIGHTED_LENGTH = 280
# Weights are in hundredths of a character so that a configuration could give fractional weights.
SCALE = 100
DEFAULT_WEIGHT = 200
TRANSFORMED_URL_LENGTH = 23
# (first, last, weight) in code units; everything else weighs DEFAULT_WEIGHT.
WEIGHT_RANGES: tuple[tuple[int, int, int], ...] = (
    (0x0000, 0x10FF, 100),
    (0x2000, 0x200D, 100),
    (0x2010, 0x201F, 100),
    (0x2032, 0x2037, 100),
)
# twitter-text v3's invalid characters; the direction marks were dropped from this list in v3.
INVALID_CHARACTERS = frozenset({0xFFFE, 0xFEFF, 0xFFFF})

# twitter-text's own limits on a URL it accepts as such.
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40
_MAX_DOMAIN_LABEL_LENGTH = 63
_DEFAULT_PROTOCOL = "https://"


@dataclass(frozen=True, slots=True)
class XCount:
    """The verdict on one text.

    weighted_length: the weight X gives the text (0 for an empty text).
    permillage: weighted_length in thousandths of MAX_WEIGHTED_LENGTH, rounded down (1000 = exactly full).
    is_valid: X accepts the text: weight 1..280 and no invalid character.
    valid_range_end: index of the last UTF-16 code unit of the longest valid prefix (inclusive; 0 when there is
        none), in the text as given: what the browser would highlight as overflow starts after it.
    """

    weighted_length: int
    permillage: int
    is_valid: bool
    valid_range_end: int


# --- Top-level domains ---------------------------------------------------------------------------------------
# The gTLD and ccTLD lists of twitter-text v3 (js/src/regexp/validGTLD.js and validCCTLD.js, Apache-2.0),
# merged and sorted alphabetically. A bare domain is a URL only when it ends in one of these. static/js/xcount.js
# holds the same list between the same markers, and a test checks that the two are identical.
# TLD-LIST-START
_TLD_TEXT = """
    aaa aarp abarth abb abbott abbvie abc able abogado abudhabi ac academy accenture accountant accountants aco
    active actor ad adac ads adult ae aeg aero aetna af afamilycompany afl africa ag agakhan agency ai aig aigo
    airbus airforce airtel akdn al alfaromeo alibaba alipay allfinanz allstate ally alsace alstom am
    americanexpress americanfamily amex amfam amica amsterdam an analytics android anquan anz ao aol apartments
    app apple aq aquarelle ar arab aramco archi army arpa art arte as asda asia associates at athleta attorney
    au auction audi audible audio auspost author auto autos avianca aw aws ax axa az azure ba baby baidu banamex
    bananarepublic band bank bar barcelona barclaycard barclays barefoot bargains baseball basketball bauhaus
    bayern bb bbc bbt bbva bcg bcn bd be beats beauty beer bentley berlin best bestbuy bet bf bg bh bharti bi
    bible bid bike bing bingo bio biz bj bl black blackfriday blanco blockbuster blog bloomberg blue bm bms bmw
    bn bnl bnpparibas bo boats boehringer bofa bom bond boo book booking boots bosch bostik boston bot boutique
    box bq br bradesco bridgestone broadway broker brother brussels bs bt budapest bugatti build builders
    business buy buzz bv bw by bz bzh ca cab cafe cal call calvinklein cam camera camp cancerresearch canon
    capetown capital capitalone car caravan cards care career careers cars cartier casa case caseih cash casino
    cat catering catholic cba cbn cbre cbs cc cd ceb center ceo cern cf cfa cfd cg ch chanel channel charity
    chase chat cheap chintai chloe christmas chrome chrysler church ci cipriani circle cisco citadel citi citic
    city cityeats ck cl claims cleaning click clinic clinique clothing cloud club clubmed cm cn co coach codes
    coffee college cologne com comcast commbank community company compare computer comsec condos construction
    consulting contact contractors cooking cookingchannel cool coop corsica country coupon coupons courses cpa
    cr credit creditcard creditunion cricket crown crs cruise cruises csc cu cuisinella cv cw cx cy cymru cyou
    cz dabur dad dance data date dating datsun day dclk dds de deal dealer deals degree delivery dell deloitte
    delta democrat dental dentist desi design dev dhl diamonds diet digital direct directory discount discover
    dish diy dj dk dm dnp do docs doctor dodge dog doha domains doosan dot download drive dtv dubai duck dunlop
    duns dupont durban dvag dvr dz earth eat ec eco edeka edu education ee eg eh email emerck energy engineer
    engineering enterprises epost epson equipment er ericsson erni es esq estate esurance et etisalat eu
    eurovision eus events everbank exchange expert exposed express extraspace fage fail fairwinds faith family
    fan fans farm farmers fashion fast fedex feedback ferrari ferrero fi fiat fidelity fido film final finance
    financial fire firestone firmdale fish fishing fit fitness fj fk flickr flights flir florist flowers
    flsmidth fly fm fo foo food foodnetwork football ford forex forsale forum foundation fox fr free fresenius
    frl frogans frontdoor frontier ftr fujitsu fujixerox fun fund furniture futbol fyi ga gal gallery gallo
    gallup game games gap garden gay gb gbiz gd gdn ge gea gent genting george gf gg ggee gh gi gift gifts gives
    giving gl glade glass gle global globo gm gmail gmbh gmo gmx gn godaddy gold goldpoint golf goo goodhands
    goodyear goog google gop got gov gp gq gr grainger graphics gratis green gripe grocery group gs gt gu
    guardian gucci guge guide guitars guru gw gy hair hamburg hangout haus hbo hdfc hdfcbank health healthcare
    help helsinki here hermes hgtv hiphop hisamitsu hitachi hiv hk hkt hm hn hockey holdings holiday homedepot
    homegoods homes homesense honda honeywell horse hospital host hosting hot hoteles hotels hotmail house how
    hr hsbc ht htc hu hughes hyatt hyundai ibm icbc ice icu id ie ieee ifm iinet ikano il im imamat imdb immo
    immobilien in inc industries infiniti info ing ink institute insurance insure int intel international intuit
    investments io ipiranga iq ir irish is iselect ismaili ist istanbul it itau itv iveco iwc jaguar java jcb
    jcp je jeep jetzt jewelry jio jlc jll jm jmp jnj jo jobs joburg jot joy jp jpmorgan jprs juegos juniper
    kaufen kddi ke kerryhotels kerrylogistics kerryproperties kfh kg kh ki kia kim kinder kindle kitchen kiwi km
    kn koeln komatsu kosher kp kpmg kpn kr krd kred kuokgroup kw ky kyoto kz la lacaixa ladbrokes lamborghini
    lamer lancaster lancia lancome land landrover lanxess lasalle lat latino latrobe law lawyer lb lc lds lease
    leclerc lefrak legal lego lexus lgbt li liaison lidl life lifeinsurance lifestyle lighting like lilly
    limited limo lincoln linde link lipsy live living lixil lk llc llp loan loans locker locus loft lol london
    lotte lotto love lpl lplfinancial lr ls lt ltd ltda lu lundbeck lupin luxe luxury lv ly ma macys madrid maif
    maison makeup man management mango map market marketing markets marriott marshalls maserati mattel mba mc
    mcd mcdonalds mckinsey md me med media meet melbourne meme memorial men menu meo merckmsd metlife mf mg mh
    miami microsoft mil mini mint mit mitsubishi mk ml mlb mls mm mma mn mo mobi mobile mobily moda moe moi mom
    monash money monster montblanc mopar mormon mortgage moscow moto motorcycles mov movie movistar mp mq mr ms
    msd mt mtn mtpc mtr mu museum mutual mutuelle mv mw mx my mz na nab nadex nagoya name nationwide natura navy
    nba nc ne nec net netbank netflix network neustar new newholland news next nextdirect nexus nf nfl ng ngo
    nhk ni nico nike nikon ninja nissan nissay nl no nokia northwesternmutual norton now nowruz nowtv np nr nra
    nrw ntt nu nyc nz obi observer off office okinawa olayan olayangroup oldnavy ollo om omega one ong onion onl
    online onyourside ooo open oracle orange org organic orientexpress origins osaka otsuka ott ovh pa page
    pamperedchef panasonic panerai paris pars partners parts party passagens pay pccw pe pet pf pfizer pg ph
    pharmacy phd philips phone photo photography photos physio piaget pics pictet pictures pid pin ping pink
    pioneer pizza pk pl place play playstation plumbing plus pm pn pnc pohl poker politie porn post pr pramerica
    praxi press prime pro prod productions prof progressive promo properties property protection pru prudential
    ps pt pub pw pwc py qa qpon quebec quest qvc racing radio raid re read realestate realtor realty recipes red
    redstone redumbrella rehab reise reisen reit reliance ren rent rentals repair report republican rest
    restaurant review reviews rexroth rich richardli ricoh rightathome ril rio rip rmit ro rocher rocks rodeo
    rogers room rs rsvp ru rugby ruhr run rw rwe ryukyu sa saarland safe safety sakura sale salon samsclub
    samsung sandvik sandvikcoromant sanofi sap sapo sarl sas save saxo sb sbi sbs sc sca scb schaeffler schmidt
    scholarships school schule schwarz science scjohnson scor scot sd se search seat secure security seek select
    sener services ses seven sew sex sexy sfr sg sh shangrila sharp shaw shell shia shiksha shoes shop shopping
    shouji show showtime shriram si silk sina singles site sj sk ski skin sky skype sl sling sm smart smile sn
    sncf so soccer social softbank software sohu solar solutions song sony soy space spiegel sport spot
    spreadbetting sr srl srt ss st stada staples star starhub statebank statefarm statoil stc stcgroup stockholm
    storage store stream studio study style su sucks supplies supply support surf surgery suzuki sv swatch
    swiftcover swiss sx sy sydney symantec systems sz tab taipei talk taobao target tatamotors tatar tattoo tax
    taxi tc tci td tdk team tech technology tel telecity telefonica temasek tennis teva tf tg th thd theater
    theatre tiaa tickets tienda tiffany tips tires tirol tj tjmaxx tjx tk tkmaxx tl tm tmall tn to today tokyo
    tools top toray toshiba total tours town toyota toys tp tr trade trading training travel travelchannel
    travelers travelersinsurance trust trv tt tube tui tunes tushu tv tvs tw tz ua ubank ubs uconnect ug uk um
    unicom university uno uol ups us uy uz va vacations vana vanguard vc ve vegas ventures verisign
    vermögensberater vermögensberatung versicherung vet vg vi viajes video vig viking villas vin vip virgin visa
    vision vista vistaprint viva vivo vlaanderen vn vodka volkswagen volvo vote voting voto voyage vu vuelos
    wales walmart walter wang wanggou warman watch watches weather weatherchannel webcam weber website wed
    wedding weibo weir wf whoswho wien wiki williamhill win windows wine winners wme wolterskluwer woodside work
    works world wow ws wtc wtf xbox xerox xfinity xihuan xin xperia xxx xyz yachts yahoo yamaxun yandex ye
    yodobashi yoga yokohama you youtube yt yun za zappos zara zero zip zippo zm zone zuerich zw ελ ευ бг бел
    дети ею католик ком мкд мон москва онлайн орг рус рф сайт срб укр қаз հայ קום ابوظبي اتصالات ارامكو الاردن
    البحرين الجزائر السعودية العليان المغرب امارات ایران بارت بازار بيتك بھارت تونس سودان سورية شبكة عراق عرب
    عمان فلسطين قطر كاثوليك كوم مصر مليسيا موبايلي موريتانيا موقع همراه پاکستان ڀارت कॉम नेट भारत भारतम् भारोत
    संगठन বাংলা ভারত ভাৰত ਭਾਰਤ ભારત ଭାରତ இந்தியா இலங்கை சிங்கப்பூர் భారత్ ಭಾರತ ഭാരതം ලංකා คอม ไทย ລາວ გე みんな
    クラウド グーグル コム ストア セール ファッション ポイント 世界 中信 中国 中國 中文网 企业 佛山 信息 健康
    八卦 公司 公益 台湾 台灣 商城 商店 商标 嘉里 嘉里大酒店 在线 大众汽车 大拿 天主教 娱乐 家電 工行 广东 微博
    慈善 我爱你 手机 手表 招聘 政务 政府 新加坡 新闻 时尚 書籍 机构 淡马锡 游戏 澳門 点看 珠宝 移动 组织机构
    网址 网店 网站 网络 联通 诺基亚 谷歌 购物 通販 集团 電訊盈科 飞利浦 食品 餐厅 香格里拉 香港 닷넷 닷컴 삼성
    한국
"""  # noqa: RUF001 (Cyrillic, Greek and Arabic TLDs are meant)
# TLD-LIST-END
TLDS: tuple[str, ...] = tuple(_TLD_TEXT.split())

# --- Extended_Pictographic -----------------------------------------------------------------------------------
# Python's unicodedata has no emoji properties, so here are the ranges of Unicode 17.0's Extended_Pictographic
# (hex, "first-last" or a single code point). The browser uses the regex property \p{Extended_Pictographic}
# itself; a test compares this table with Node's. To regenerate (in Node):
#   node -e 'const r=/\p{Extended_Pictographic}/u,o=[];let s=-1;for(let c=0;c<=0x110000;c++){const m=c<0x110000&&
#   r.test(String.fromCodePoint(c));if(m&&s<0)s=c;if(!m&&s>=0){o.push(s==c-1?s.toString(16):s.toString(16)+"-"+
#   (c-1).toString(16));s=-1}}console.log(o.join(" "))'
EXTENDED_PICTOGRAPHIC_UNICODE_VERSION = "17.0"
_EXTENDED_PICTOGRAPHIC_TEXT = """
    a9 ae 203c 2049 2122 2139 2194-2199 21a9-21aa 231a-231b 2328 23cf 23e9-23f3 23f8-23fa 24c2 25aa-25ab 25b6
    25c0 25fb-25fe 2600-2604 260e 2611 2614-2615 2618 261d 2620 2622-2623 2626 262a 262e-262f 2638-263a 2640
    2642 2648-2653 265f-2660 2663 2665-2666 2668 267b 267e-267f 2692-2697 2699 269b-269c 26a0-26a1 26a7
    26aa-26ab 26b0-26b1 26bd-26be 26c4-26c5 26c8 26ce-26cf 26d1 26d3-26d4 26e9-26ea 26f0-26f5 26f7-26fa 26fd
    2702 2705 2708-270d 270f 2712 2714 2716 271d 2721 2728 2733-2734 2744 2747 274c 274e 2753-2755 2757
    2763-2764 2795-2797 27a1 27b0 27bf 2934-2935 2b05-2b07 2b1b-2b1c 2b50 2b55 3030 303d 3297 3299 1f004
    1f02c-1f02f 1f094-1f09f 1f0af-1f0b0 1f0c0 1f0cf-1f0d0 1f0f6-1f0ff 1f170-1f171 1f17e-1f17f 1f18e 1f191-1f19a
    1f1ae-1f1e5 1f201-1f20f 1f21a 1f22f 1f232-1f23a 1f23c-1f23f 1f249-1f25f 1f266-1f321 1f324-1f393 1f396-1f397
    1f399-1f39b 1f39e-1f3f0 1f3f3-1f3f5 1f3f7-1f3fa 1f400-1f4fd 1f4ff-1f53d 1f549-1f54e 1f550-1f567 1f56f-1f570
    1f573-1f57a 1f587 1f58a-1f58d 1f590 1f595-1f596 1f5a4-1f5a5 1f5a8 1f5b1-1f5b2 1f5bc 1f5c2-1f5c4 1f5d1-1f5d3
    1f5dc-1f5de 1f5e1 1f5e3 1f5e8 1f5ef 1f5f3 1f5fa-1f64f 1f680-1f6c5 1f6cb-1f6d2 1f6d5-1f6e5 1f6e9 1f6eb-1f6f0
    1f6f3-1f6ff 1f7da-1f7ff 1f80c-1f80f 1f848-1f84f 1f85a-1f85f 1f888-1f88f 1f8ae-1f8af 1f8bc-1f8bf 1f8c2-1f8cf
    1f8d9-1f8ff 1f90c-1f93a 1f93c-1f945 1f947-1f9ff 1fa58-1fa5f 1fa6e-1faff 1fc00-1fffd
"""
EXTENDED_PICTOGRAPHIC: tuple[str, ...] = tuple(_EXTENDED_PICTOGRAPHIC_TEXT.split())


def _class_from_ranges(ranges: tuple[str, ...]) -> str:
    parts = []
    for item in ranges:
        first, _, last = item.partition("-")
        parts.append(f"\\U{int(first, 16):08x}" + (f"-\\U{int(last, 16):08x}" if last else ""))
    return "[" + "".join(parts) + "]"


def _any_case(word: str) -> str:
    """`word` as a case-sensitive pattern that matches it in any letter case.

    twitter-text compiles its URL pattern case-insensitively; spelling the cases out instead ([cC][oO][mM]) keeps
    Python and JavaScript identical, where their case-insensitive modes differ on a few letters (the long s,
    the Kelvin sign, the dotless i).
    """
    out = []
    for ch in word:
        upper = ch.upper()
        out.append(f"[{ch}{upper}]" if len(upper) == 1 and upper != ch else re.escape(ch))
    return "".join(out)


# --- URL pattern: twitter-text's extractUrl, part for part ---------------------------------------------------
_DIRECTIONAL_MARKS = r"\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"
_SPACES = r"\t-\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INVALID = r"\ufffe\ufeff\uffff"
# twitter-text's punctuation set; '"' and '`' are not in it, so they may be part of a domain, as there.
_PUNCT = r"!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$"
_LATIN_ACCENTS = (
    r"\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263\u0268\u026f\u0272"
    r"\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = r"\u0400-\u04ff"

# Not after a letter, a digit, an at sign or a hash sign (ASCII or full-width): not inside a word, an e-mail, a tag.
_PRECEDING = r"(?:[^A-Za-z0-9@\uff20$#\uff03" + _INVALID + r"]|^)"
_DOMAIN_CHAR = "[^" + _PUNCT + _SPACES + _INVALID + _DIRECTIONAL_MARKS + "]"
_SUBDOMAIN = f"(?:(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.)"
_DOMAIN_NAME = f"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\.)"


def _tld_pattern(tlds: tuple[str, ...]) -> str:
    """The TLDs as a trie-shaped pattern: twitter-text's alternation of 1,574 words, made cheap to try.

    A plain alternation costs 1,574 tries at every point where the matcher backtracks. Greedy optional tails try
    the longest TLD first, as twitter-text's longest-first order does: "嘉里大酒店" before "嘉里", whose next
    character the look-ahead would accept too.
    """
    trie: dict[str, dict] = {}
    for tld in tlds:
        node = trie
        for ch in tld:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [_any_case(ch) + emit(child) for ch, child in node.items() if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


_TLD = f"(?:{_tld_pattern(TLDS)}(?=[^0-9a-zA-Z@+-]|$))"
_PUNYCODE_TLD = r"(?:[xX][nN]--[\-0-9a-zA-Z]+)"
_DOMAIN = f"(?:{_SUBDOMAIN}*{_DOMAIN_NAME}(?:{_TLD}|{_PUNYCODE_TLD}))"

_PATH_CHAR = "[a-zA-Z" + _CYRILLIC + r"0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&" + _LATIN_ACCENTS + "]"
# Up to two nested levels of balanced parentheses: /wiki/Primer_(film), /track/We_Up_(Album_Version_(Edited))/.
_BALANCED_PARENS = f"\\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\\({_PATH_CHAR}+\\){_PATH_CHAR}*))\\)"
# A path does not end in "." or "," etc., so "see police.be/x." leaves the full stop out of the URL.
_PATH_END = "(?:[+\\-a-zA-Z" + _CYRILLIC + "0-9=_#/" + _LATIN_ACCENTS + f"]|{_BALANCED_PARENS})"
_PATH = f"(?:(?:{_PATH_CHAR}*(?:{_BALANCED_PARENS}{_PATH_CHAR}*)*{_PATH_END})|(?:@{_PATH_CHAR}+/))"
_QUERY_CHAR = r"[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
_QUERY_END = r"[a-zA-Z0-9\-_&=#/]"

_PROTOCOL_RE = re.compile(f"{_any_case('http')}[sS]?://")
_PRECEDING_CHAR_RE = re.compile(_PRECEDING.removesuffix("|^)") + ")")
_DOMAIN_CHAR_RE = re.compile(_DOMAIN_CHAR)
_URL_RE = re.compile(
    f"(?P<before>{_PRECEDING})"
    "(?P<url>"
    f"(?P<protocol>{_PROTOCOL_RE.pattern})?"
    f"(?P<domain>{_DOMAIN})"
    "(?::[0-9]+)?"
    f"(?P<path>/{_PATH}*)?"
    f"(?:\\?{_QUERY_CHAR}*{_QUERY_END})?"
    ")"
)
_ASCII_DOMAIN_RE = re.compile(f"(?:[\\-a-zA-Z0-9{_LATIN_ACCENTS}]+\\.)+(?:{_TLD}|{_PUNYCODE_TLD})")
_TCO_RE = re.compile(f"{_any_case('http')}[sS]?://[tT]\\.[cC][oO]/([a-zA-Z0-9]+)(?:\\?{_QUERY_CHAR}*{_QUERY_END})?")
# The characters punycode.js treats as label separators.
_LABEL_SEPARATORS_RE = re.compile("[.\u3002\uff0e\uff61]")

# --- Emoji pattern -------------------------------------------------------------------------------------------
# twitter-text finds emoji with twemoji-parser's list; this grammar (after Unicode TS #51) gives the same
# weight for every sequence in that list and keeps up with new emoji without a list to maintain. It is more
# generous only with what the list lacks: a ZWJ chain no vendor draws, or a pair of regional indicators that
# names no country, counts 2 here where twemoji counts each part. The only pictographs that weigh 1 on their
# own, (c) and (r), are emoji only with U+FE0F, as in twemoji.
_PICTOGRAPH = _class_from_ranges(EXTENDED_PICTOGRAPHIC)
_MODIFIER = r"[\U0001f3fb-\U0001f3ff]"
_REGIONAL_INDICATOR = r"[\U0001f1e6-\U0001f1ff]"
_TAG_SUFFIX = r"(?:[\U000e0020-\U000e007e]+\U000e007f)"
_EMOJI_ELEMENT = f"(?:[\\xa9\\xae]\\ufe0f|(?![\\xa9\\xae]){_PICTOGRAPH}(?:\\ufe0f|{_MODIFIER})?){_TAG_SUFFIX}?"
_EMOJI_RE = re.compile(
    f"{_REGIONAL_INDICATOR}{_REGIONAL_INDICATOR}|[#*0-9]\\ufe0f?\\u20e3|{_EMOJI_ELEMENT}(?:\\u200d{_EMOJI_ELEMENT})*"
)


def _utf16_units(text: str) -> list[int]:
    units: list[int] = []
    for ch in text:
        cp = ord(ch)
        if cp > 0xFFFF:
            cp -= 0x10000
            units += (0xD800 | (cp >> 10), 0xDC00 | (cp & 0x3FF))
        else:
            units.append(cp)
    return units


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _punycode_length(label: str) -> int:
    """Length of punycode.js's toASCII(label), which twitter-text checks against the DNS limit of 63."""
    parts = _LABEL_SEPARATORS_RE.split(label)
    encoded = (len(part) if part.isascii() else 4 + len(part.encode("punycode")) for part in parts)
    return sum(encoded) + len(parts) - 1


def _is_valid_url(url: str, protocol: str, domain: str) -> bool:
    if domain.startswith("xn--") and not _ASCII_DOMAIN_RE.search(domain):
        return False
    if any(not 1 <= _punycode_length(label) <= _MAX_DOMAIN_LABEL_LENGTH for label in domain.split(".")):
        return False
    return len(protocol) + _utf16_len(url) <= _MAX_URL_LENGTH


def _is_domain_char(ch: str) -> bool:
    return _DOMAIN_CHAR_RE.match(ch) is not None


def _may_start_domain_elsewhere(text: str, index: int) -> bool:
    """A domain starting at `index` that cannot be derived from an earlier one: it follows "http://"."""
    return text[index] in "hH" and _PROTOCOL_RE.match(text, index) is not None


def _url_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of _URL_RE.finditer(text), without its quadratic cost on long runs of domain characters.

    After a failed attempt, finditer tries the next position, and the next, each attempt reading to the end of the
    run of labels ahead (CJK or emoji text without spaces, "a.a.a..."): a 10,000-character text took seconds.
    When the attempt that read the domain starting at s failed, a domain starting further on in the same chain of
    labels fails too, as long as only domain characters, hyphens and single dots (between domain characters) lie
    between, and "http://" does not start there: a match from there would give one from s, by putting back in front
    of it the labels and characters skipped. Those positions are not tried; a test compares the result with
    finditer's. (An underscore stops the skipping: "b.com" matches where "a_b.com" does not.)
    """
    end = len(text)
    position = 0
    while position < end:
        match = _URL_RE.match(text, position)
        if match is not None:
            yield match
            position = match.end()
            continue
        start = position + 1
        # The attempt read a domain from `start` only if text[position] may precede a URL.
        if _PRECEDING_CHAR_RE.match(text, position) is None or start >= end or not _is_domain_char(text[start]):
            position = start
            continue
        index = start
        while index + 1 < end:
            ch = text[index + 1]
            if ch == "-" or (_is_domain_char(ch) and not _may_start_domain_elsewhere(text, index + 1)):
                index += 1
            elif (
                ch == "."
                and _is_domain_char(text[index])
                and index + 2 < end
                and _is_domain_char(text[index + 2])
                and not _may_start_domain_elsewhere(text, index + 2)
            ):
                index += 2
            else:
                break
        # The attempts at position + 1 .. index - 1 read domains from start + 1 .. index: all fail.
        position = index


def _extract_urls(text: str) -> list[tuple[int, str]]:
    """The URLs twitter-text's extractUrlsWithIndices finds: (start index in code points, URL text).

    The URL text is what twitter-text reports, which for a bare domain followed by a path can be shorter than the
    span it starts (it keeps only the last ASCII part of the domain); the count advances by its length, as X does.
    """
    if "." not in text:
        return []
    urls: list[tuple[int, str]] = []
    for match in _url_matches(text):
        before, url, protocol, domain, path = match.group("before", "url", "protocol", "domain", "path")
        start = match.start("url")
        if not _is_valid_url(url, protocol or _DEFAULT_PROTOCOL, domain):
            continue
        if protocol:
            # A t.co link ends with its slug: what follows is not part of it.
            tco = _TCO_RE.match(url)
            if tco:
                if len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                    continue
                url = tco.group()
            urls.append((start, url))
            continue
        # Without a scheme: not after "-", "_", "." or "/" (the tail of a longer word or of an e-mail's domain),
        # and only the ASCII domains inside the match count.
        if before and before in "-_./":
            continue
        found: list[tuple[int, str]] = []
        ascii_end = 0
        for ascii_match in _ASCII_DOMAIN_RE.finditer(domain):
            ascii_domain = ascii_match.group()
            ascii_start = domain.find(ascii_domain, ascii_end)
            ascii_end = ascii_start + len(ascii_domain)
            found.append((start + ascii_start, ascii_domain))
        if not found:
            continue
        if path:
            last_start, last_domain = found[-1]
            found[-1] = (last_start, url.replace(domain, last_domain, 1))
        urls.extend(found)
    return urls


def _unit_weight(unit: int) -> int:
    for first, last, weight in WEIGHT_RANGES:
        if first <= unit <= last:
            return weight
    return DEFAULT_WEIGHT


def parse_tweet(text: str) -> XCount:
    """Weigh `text` as X does (twitter-text v3 parseTweet) and say whether X accepts it.

    Counts the text exactly as it will be sent: normalise line breaks ("\\r\\n" from a browser form) before
    calling, since each "\\r" weighs 1 too.
    """
    normalized = unicodedata.normalize("NFC", text)
    units = _utf16_units(normalized)
    # Code-point index -> UTF-16 index, to place the entities found by the regexes.
    offsets = [0] * (len(normalized) + 1)
    for index, ch in enumerate(normalized):
        offsets[index + 1] = offsets[index] + (2 if ord(ch) > 0xFFFF else 1)
    # Several entities starting at one index: the last one wins, as in twitter-text.
    url_spans = {offsets[start]: _utf16_len(url) for start, url in _extract_urls(normalized)}
    emoji_spans = {offsets[m.start()]: offsets[m.end()] - offsets[m.start()] for m in _EMOJI_RE.finditer(normalized)}

    weight = 0
    valid = True
    valid_end = 0
    max_weight = MAX_WEIGHTED_LENGTH * SCALE
    index = 0
    # Walk code units like twitter-text, so that every index below is the one JavaScript would compute.
    while index < len(units):
        if index in url_spans:
            weight += TRANSFORMED_URL_LENGTH * SCALE
            index += url_spans[index] - 1
        elif index in emoji_spans:
            weight += DEFAULT_WEIGHT
            index += emoji_spans[index] - 1
        else:
            if 0xD800 <= units[index] <= 0xDBFF and index + 1 < len(units) and 0xDC00 <= units[index + 1] <= 0xDFFF:
                # twitter-text weighs the low surrogate, so a character outside the BMP always weighs 2.
                index += 1
            weight += _unit_weight(units[index])
        # Like twitter-text, only the last unit of an entity is checked: no entity can contain an invalid one.
        valid = valid and units[index] not in INVALID_CHARACTERS
        if valid and weight <= max_weight:
            valid_end = index
        index += 1

    weighted_length = weight // SCALE
    return XCount(
        weighted_length=weighted_length,
        # The same floating-point expression as JavaScript, so the rounding is the same too.
        permillage=math.floor(weighted_length / MAX_WEIGHTED_LENGTH * 1000),
        is_valid=valid and 0 < weighted_length <= MAX_WEIGHTED_LENGTH,
        # twitter-text's own correction for NFC having changed the length: approximate, but X's.
        valid_range_end=valid_end + _utf16_len(text) - len(units),
    )


def weighted_length(text: str) -> int:
    """The weight X gives `text` (see parse_tweet); a post may weigh at most MAX_WEIGHTED_LENGTH."""
    return parse_tweet(text).weighted_length


# --- Over the limit: where the overflow starts, and a version that fits ---------------------------------------


def split_at_limit(text: str) -> tuple[str, str]:
    """``text`` cut where X's limit falls: (what fits, what does not), the second empty when all of it fits.

    The cut is the first character after ``valid_range_end`` (twitter-text's own offsets, in UTF-16 units of the
    text as given), so a link or an emoji that does not fit whole starts the overflow. drafting.js cuts the
    textarea's value at the same unit (``validRangeEnd + 1``), so the page and the server highlight alike."""
    count = parse_tweet(text)
    if count.weighted_length <= MAX_WEIGHTED_LENGTH:
        return text, ""
    first_over = count.valid_range_end + 1
    units = 0
    for index, ch in enumerate(text):
        if units >= first_over:
            return text[:index], text[index:]
        units += 2 if ord(ch) > 0xFFFF else 1
    return text, ""


# The end of a sentence: its closing mark (and closing quotes or brackets), then spaces; or a line break.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])[\"'»”\u2019)\]]*[ \t]+|[ \t]*\n+[ \t]*")
# A hashtag as the previews show one (editorial/templatetags/desk.py, social_text).
_HASHTAG_RE = re.compile(r"(?<![\w&#])#\w+")
_TRAILING_TAGS_RE = re.compile(r"(?:\s*(?<![\w&#])#\w+)+\s*$")
_SPACES_RE = re.compile(r"[ \t]{2,}")
_PROPOSAL_PART_SEPARATOR = "\n\n"
_ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    line_break_after: bool


def _fits(text: str, limit: int) -> bool:
    count = parse_tweet(text)
    return 0 < count.weighted_length <= limit and count.is_valid


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    kept, position = [], 0
    for start, end in sorted(spans):
        kept.append(text[position:start])
        position = max(position, end)
    kept.append(text[position:])
    return "\n".join(_SPACES_RE.sub(" ", line).strip() for line in "".join(kept).split("\n"))


def _sentences(text: str) -> list[_Sentence]:
    sentences, position = [], 0
    for match in _SENTENCE_END_RE.finditer(text):
        piece = text[position : match.start()].strip()
        if piece:
            sentences.append(_Sentence(piece, "\n" in match.group()))
        position = match.end()
    piece = text[position:].strip()
    if piece:
        sentences.append(_Sentence(piece, False))
    return sentences


def _join(sentences: list[_Sentence]) -> str:
    out = ""
    for index, sentence in enumerate(sentences):
        if index:
            out += "\n" if sentences[index - 1].line_break_after else " "
        out += sentence.text
    return out


def fit_proposal(parts: str | list[str] | tuple[str, ...], *, limit: int = MAX_WEIGHTED_LENGTH) -> str | None:
    """A version of an X text that fits, or None when the text fits already (X accepts it as it is).

    ``parts`` is the text, or the texts of one message in several languages (a bilingual account's French and
    Dutch main texts), each kept in the proposal. What it keeps: the first sentences of each part, in order and
    without gaps (the parts take turns, one sentence at a time), then the first link of the whole text and its
    hashtags (those not already in the sentences kept), separated by a space. A first sentence too long on its own
    is cut after a word, with "…". Characters X refuses are dropped. The result always fits (``parse_tweet``
    accepts it)."""
    texts = [parts] if isinstance(parts, str) else list(parts)
    given = _PROPOSAL_PART_SEPARATOR.join(text.strip() for text in texts if text.strip())
    if not given or _fits(given, limit):
        return None
    invalid = {cp: None for cp in INVALID_CHARACTERS}
    texts = [unicodedata.normalize("NFC", text).translate(invalid).strip() for text in texts]
    texts = [text for text in texts if text]
    whole = _PROPOSAL_PART_SEPARATOR.join(texts)
    if not whole or _fits(whole, limit):
        return whole or None

    link = ""
    tags: list[str] = []
    bodies: list[list[_Sentence]] = []
    for text in texts:
        urls = _extract_urls(text)
        if urls and not link:
            link = urls[0][1]
        for tag in _HASHTAG_RE.findall(text):
            if tag.lower() not in {t.lower() for t in tags}:
                tags.append(tag)
        # Links go to the end (the first one only); a closing run of hashtags too.
        body = _without(text, [(start, start + len(url)) for start, url in urls])
        body = _TRAILING_TAGS_RE.sub("", body)
        bodies.append(_sentences(body))

    def tail_for(chosen: list[list[_Sentence]], tag_count: int) -> str:
        in_body = {tag.lower() for part in chosen for s in part for tag in _HASHTAG_RE.findall(s.text)}
        extra = [tag for tag in tags[:tag_count] if tag.lower() not in in_body]
        return " ".join(([link] if link else []) + extra)

    def build(chosen: list[list[_Sentence]], tail: str) -> str:
        body = _PROPOSAL_PART_SEPARATOR.join(_join(part) for part in chosen if part)
        return f"{body} {tail}".strip() if body else tail

    # Hashtags are dropped from the end while they alone would leave less than half the room for the sentences.
    tag_count = len(tags)
    while tag_count and parse_tweet(tail_for([], tag_count)).weighted_length > limit // 2:
        tag_count -= 1

    chosen: list[list[_Sentence]] = [[] for _ in bodies]
    open_parts = set(range(len(bodies)))
    turn = 0
    while open_parts:
        for index in range(len(bodies)):
            if index not in open_parts:
                continue
            if turn >= len(bodies[index]):
                open_parts.discard(index)
                continue
            trial = [[*part, bodies[index][turn]] if i == index else part for i, part in enumerate(chosen)]
            if _fits(build(trial, tail_for(trial, tag_count)), limit):
                chosen = trial
            else:
                # No gap: a part whose next sentence does not fit takes no later one either.
                open_parts.discard(index)
        turn += 1

    if not any(chosen):
        first = next((part[0] for part in bodies if part), None)
        chosen = [[] for _ in bodies]
        if first is not None:
            words = first.text.split(" ")
            for count in range(len(words) - 1, 0, -1):
                cut = _Sentence(" ".join(words[:count]).rstrip(",;:\u2014\u2013-") + _ELLIPSIS, False)
                trial = [[cut]]
                if _fits(build(trial, tail_for(trial, tag_count)), limit):
                    chosen = trial
                    break
    proposal = build(chosen, tail_for(chosen, tag_count))
    first = next((part[0].text for part in bodies if part), None)
    if _fits(proposal, limit) and (any(chosen) or first is None):
        return proposal
    # Not even a word fits whole (one word longer than the limit): the first sentence is cut where the room ends.
    first_text = first or whole
    tail = tail_for([], tag_count)
    cut, _rest = split_at_limit(first_text)
    while cut and not _fits(build([[_Sentence(cut.rstrip() + _ELLIPSIS, False)]], tail), limit):
        cut = cut[:-1]
    if not cut.strip():
        return split_at_limit(whole)[0].rstrip() or _ELLIPSIS
    return build([[_Sentence(cut.rstrip() + _ELLIPSIS, False)]], tail)
