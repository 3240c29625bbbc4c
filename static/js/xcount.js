/*
 * X's weighted character count for the live counter under a post's textarea.
 *
 * The same algorithm as editorial/xtext.py (twitter-text configuration v3), which stays the authority: the
 * server validates, this only shows the count while typing. Change the two together; tests/editorial/test_xtext.py
 * runs both over the same cases. The rules, in short: NFC first; weight 1 for U+0000-U+10FF, U+2000-U+200D,
 * U+2010-U+201F and U+2032-U+2037, weight 2 otherwise; every URL weighs 23; an emoji sequence weighs 2; valid
 * when 1..280 and free of U+FFFE, U+FEFF, U+FFFF. Indices are UTF-16 code units, like the textarea's.
 *
 * API: window.DeskX.weightedLength(text) -> number;
 *      window.DeskX.parseTweet(text) -> {weightedLength, permillage, valid, validRangeEnd}.
 * Wiring, no inline script needed: <textarea data-x-counter="ID"> updates the element #ID with "N / 280" and gives
 * it the class text-danger above 280, on every input, for textareas present at load or added later (htmx). When
 * the counter names a live region (data-x-status="ID2"), that region is told the count a second after typing
 * pauses, in the words of its data-text-under or data-text-over ("%(count)s", "%(over)s" replaced).
 * Runs without a DOM too (Node, tests): the wiring is skipped when there is no document.
 */
(function (root) {
  "use strict";

  const MAX_WEIGHTED_LENGTH = 280;
  const SCALE = 100;
  const DEFAULT_WEIGHT = 200;
  const TRANSFORMED_URL_LENGTH = 23;
  const WEIGHT_RANGES = [
    [0x0000, 0x10ff, 100],
    [0x2000, 0x200d, 100],
    [0x2010, 0x201f, 100],
    [0x2032, 0x2037, 100],
  ];
  const INVALID_CHARACTERS = new Set([0xfffe, 0xfeff, 0xffff]);
  const MAX_URL_LENGTH = 4096;
  const MAX_TCO_SLUG_LENGTH = 40;
  const MAX_DOMAIN_LABEL_LENGTH = 63;
  const DEFAULT_PROTOCOL = "https://";

  // twitter-text v3's gTLD and ccTLD lists (Apache-2.0), identical to editorial/xtext.py's (a test checks it).
  // TLD-LIST-START
  const TLDS = `
  aaa aarp abarth abb abbott abbvie abc able abogado abudhabi ac academy accenture accountant accountants aco
  active actor ad adac ads adult ae aeg aero aetna af afamilycompany afl africa ag agakhan agency ai aig aigo
  airbus airforce airtel akdn al alfaromeo alibaba alipay allfinanz allstate ally alsace alstom am
  americanexpress americanfamily amex amfam amica amsterdam an analytics android anquan anz ao aol apartments
  app apple aq aquarelle ar arab aramco archi army arpa art arte as asda asia associates at athleta attorney au
  auction audi audible audio auspost author auto autos avianca aw aws ax axa az azure ba baby baidu banamex
  bananarepublic band bank bar barcelona barclaycard barclays barefoot bargains baseball basketball bauhaus
  bayern bb bbc bbt bbva bcg bcn bd be beats beauty beer bentley berlin best bestbuy bet bf bg bh bharti bi
  bible bid bike bing bingo bio biz bj bl black blackfriday blanco blockbuster blog bloomberg blue bm bms bmw bn
  bnl bnpparibas bo boats boehringer bofa bom bond boo book booking boots bosch bostik boston bot boutique box
  bq br bradesco bridgestone broadway broker brother brussels bs bt budapest bugatti build builders business buy
  buzz bv bw by bz bzh ca cab cafe cal call calvinklein cam camera camp cancerresearch canon capetown capital
  capitalone car caravan cards care career careers cars cartier casa case caseih cash casino cat catering
  catholic cba cbn cbre cbs cc cd ceb center ceo cern cf cfa cfd cg ch chanel channel charity chase chat cheap
  chintai chloe christmas chrome chrysler church ci cipriani circle cisco citadel citi citic city cityeats ck cl
  claims cleaning click clinic clinique clothing cloud club clubmed cm cn co coach codes coffee college cologne
  com comcast commbank community company compare computer comsec condos construction consulting contact
  contractors cooking cookingchannel cool coop corsica country coupon coupons courses cpa cr credit creditcard
  creditunion cricket crown crs cruise cruises csc cu cuisinella cv cw cx cy cymru cyou cz dabur dad dance data
  date dating datsun day dclk dds de deal dealer deals degree delivery dell deloitte delta democrat dental
  dentist desi design dev dhl diamonds diet digital direct directory discount discover dish diy dj dk dm dnp do
  docs doctor dodge dog doha domains doosan dot download drive dtv dubai duck dunlop duns dupont durban dvag dvr
  dz earth eat ec eco edeka edu education ee eg eh email emerck energy engineer engineering enterprises epost
  epson equipment er ericsson erni es esq estate esurance et etisalat eu eurovision eus events everbank exchange
  expert exposed express extraspace fage fail fairwinds faith family fan fans farm farmers fashion fast fedex
  feedback ferrari ferrero fi fiat fidelity fido film final finance financial fire firestone firmdale fish
  fishing fit fitness fj fk flickr flights flir florist flowers flsmidth fly fm fo foo food foodnetwork football
  ford forex forsale forum foundation fox fr free fresenius frl frogans frontdoor frontier ftr fujitsu fujixerox
  fun fund furniture futbol fyi ga gal gallery gallo gallup game games gap garden gay gb gbiz gd gdn ge gea gent
  genting george gf gg ggee gh gi gift gifts gives giving gl glade glass gle global globo gm gmail gmbh gmo gmx
  gn godaddy gold goldpoint golf goo goodhands goodyear goog google gop got gov gp gq gr grainger graphics
  gratis green gripe grocery group gs gt gu guardian gucci guge guide guitars guru gw gy hair hamburg hangout
  haus hbo hdfc hdfcbank health healthcare help helsinki here hermes hgtv hiphop hisamitsu hitachi hiv hk hkt hm
  hn hockey holdings holiday homedepot homegoods homes homesense honda honeywell horse hospital host hosting hot
  hoteles hotels hotmail house how hr hsbc ht htc hu hughes hyatt hyundai ibm icbc ice icu id ie ieee ifm iinet
  ikano il im imamat imdb immo immobilien in inc industries infiniti info ing ink institute insurance insure int
  intel international intuit investments io ipiranga iq ir irish is iselect ismaili ist istanbul it itau itv
  iveco iwc jaguar java jcb jcp je jeep jetzt jewelry jio jlc jll jm jmp jnj jo jobs joburg jot joy jp jpmorgan
  jprs juegos juniper kaufen kddi ke kerryhotels kerrylogistics kerryproperties kfh kg kh ki kia kim kinder
  kindle kitchen kiwi km kn koeln komatsu kosher kp kpmg kpn kr krd kred kuokgroup kw ky kyoto kz la lacaixa
  ladbrokes lamborghini lamer lancaster lancia lancome land landrover lanxess lasalle lat latino latrobe law
  lawyer lb lc lds lease leclerc lefrak legal lego lexus lgbt li liaison lidl life lifeinsurance lifestyle
  lighting like lilly limited limo lincoln linde link lipsy live living lixil lk llc llp loan loans locker locus
  loft lol london lotte lotto love lpl lplfinancial lr ls lt ltd ltda lu lundbeck lupin luxe luxury lv ly ma
  macys madrid maif maison makeup man management mango map market marketing markets marriott marshalls maserati
  mattel mba mc mcd mcdonalds mckinsey md me med media meet melbourne meme memorial men menu meo merckmsd
  metlife mf mg mh miami microsoft mil mini mint mit mitsubishi mk ml mlb mls mm mma mn mo mobi mobile mobily
  moda moe moi mom monash money monster montblanc mopar mormon mortgage moscow moto motorcycles mov movie
  movistar mp mq mr ms msd mt mtn mtpc mtr mu museum mutual mutuelle mv mw mx my mz na nab nadex nagoya name
  nationwide natura navy nba nc ne nec net netbank netflix network neustar new newholland news next nextdirect
  nexus nf nfl ng ngo nhk ni nico nike nikon ninja nissan nissay nl no nokia northwesternmutual norton now
  nowruz nowtv np nr nra nrw ntt nu nyc nz obi observer off office okinawa olayan olayangroup oldnavy ollo om
  omega one ong onion onl online onyourside ooo open oracle orange org organic orientexpress origins osaka
  otsuka ott ovh pa page pamperedchef panasonic panerai paris pars partners parts party passagens pay pccw pe
  pet pf pfizer pg ph pharmacy phd philips phone photo photography photos physio piaget pics pictet pictures pid
  pin ping pink pioneer pizza pk pl place play playstation plumbing plus pm pn pnc pohl poker politie porn post
  pr pramerica praxi press prime pro prod productions prof progressive promo properties property protection pru
  prudential ps pt pub pw pwc py qa qpon quebec quest qvc racing radio raid re read realestate realtor realty
  recipes red redstone redumbrella rehab reise reisen reit reliance ren rent rentals repair report republican
  rest restaurant review reviews rexroth rich richardli ricoh rightathome ril rio rip rmit ro rocher rocks rodeo
  rogers room rs rsvp ru rugby ruhr run rw rwe ryukyu sa saarland safe safety sakura sale salon samsclub samsung
  sandvik sandvikcoromant sanofi sap sapo sarl sas save saxo sb sbi sbs sc sca scb schaeffler schmidt
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
  vision vista vistaprint viva vivo vlaanderen vn vodka volkswagen volvo vote voting voto voyage vu vuelos wales
  walmart walter wang wanggou warman watch watches weather weatherchannel webcam weber website wed wedding weibo
  weir wf whoswho wien wiki williamhill win windows wine winners wme wolterskluwer woodside work works world wow
  ws wtc wtf xbox xerox xfinity xihuan xin xperia xxx xyz yachts yahoo yamaxun yandex ye yodobashi yoga yokohama
  you youtube yt yun za zappos zara zero zip zippo zm zone zuerich zw ελ ευ бг бел дети ею католик ком мкд мон
  москва онлайн орг рус рф сайт срб укр қаз հայ קום ابوظبي اتصالات ارامكو الاردن البحرين الجزائر السعودية
  العليان المغرب امارات ایران بارت بازار بيتك بھارت تونس سودان سورية شبكة عراق عرب عمان فلسطين قطر كاثوليك كوم
  مصر مليسيا موبايلي موريتانيا موقع همراه پاکستان ڀارت कॉम नेट भारत भारतम् भारोत संगठन বাংলা ভারত ভাৰত ਭਾਰਤ ભારત
  ଭାରତ இந்தியா இலங்கை சிங்கப்பூர் భారత్ ಭಾರತ ഭാരതം ලංකා คอม ไทย ລາວ გე みんな クラウド グーグル コム ストア
  セール ファッション ポイント 世界 中信 中国 中國 中文网 企业 佛山 信息 健康 八卦 公司 公益 台湾 台灣 商城 商店
  商标 嘉里 嘉里大酒店 在线 大众汽车 大拿 天主教 娱乐 家電 工行 广东 微博 慈善 我爱你 手机 手表 招聘 政务 政府
  新加坡 新闻 时尚 書籍 机构 淡马锡 游戏 澳門 点看 珠宝 移动 组织机构 网址 网店 网站 网络 联通 诺基亚 谷歌 购物
  通販 集团 電訊盈科 飞利浦 食品 餐厅 香格里拉 香港 닷넷 닷컴 삼성 한국
`.trim().split(/\s+/);
  // TLD-LIST-END

  // twitter-text compiles its URL pattern case-insensitively; the cases are spelt out instead ([cC][oO][mM]) so
  // that this pattern and Python's match exactly the same texts.
  function anyCase(word) {
    let out = "";
    for (const ch of word) {
      const upper = ch.toUpperCase();
      out += upper !== ch && upper.length === 1 ? "[" + ch + upper + "]" : ch.replace(/[\\^$.*+?()[\]{}|\/-]/g, "\\$&");
    }
    return out;
  }

  // --- URL pattern: twitter-text's extractUrl, part for part (see editorial/xtext.py) ---
  const DIRECTIONAL_MARKS = "\\u202a-\\u202e\\u061c\\u200e\\u200f\\u2066-\\u2069";
  const SPACES = "\\t-\\r \\x85\\xa0\\u1680\\u180e\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  const INVALID = "\\ufffe\\ufeff\\uffff";
  const PUNCT = "!'#%&()*+,\\\\\\-./:;<=>?@\\[\\]^_{|}~$";
  const LATIN_ACCENTS =
    "\\xc0-\\xd6\\xd8-\\xf6\\xf8-\\xff\\u0100-\\u024f\\u0253\\u0254\\u0256\\u0257\\u0259\\u025b\\u0263\\u0268" +
    "\\u026f\\u0272\\u0289\\u028b\\u02bb\\u0300-\\u036f\\u1e00-\\u1eff";
  const CYRILLIC = "\\u0400-\\u04ff";

  // Not after a letter, a digit, an at sign or a hash sign (ASCII or full-width): not in a word, an e-mail, a tag.
  const PRECEDING = "(?:[^A-Za-z0-9@\\uff20$#\\uff03" + INVALID + "]|^)";
  const DOMAIN_CHAR = "[^" + PUNCT + SPACES + INVALID + DIRECTIONAL_MARKS + "]";
  const SUBDOMAIN = "(?:(?:" + DOMAIN_CHAR + "(?:[_\\-]|" + DOMAIN_CHAR + ")*)?" + DOMAIN_CHAR + "\\.)";
  const DOMAIN_NAME = "(?:(?:" + DOMAIN_CHAR + "(?:-|" + DOMAIN_CHAR + ")*)?" + DOMAIN_CHAR + "\\.)";
  // The TLDs as a trie-shaped pattern rather than an alternation of 1,574 words, which costs 1,574 tries
  // wherever the matcher backtracks. Greedy optional tails try the longest TLD first, as twitter-text's order
  // does: "嘉里大酒店" before "嘉里", whose next character the look-ahead would accept too.
  function tldPattern(tlds) {
    const trie = new Map();
    for (const tld of tlds) {
      let node = trie;
      for (const ch of tld) {
        if (!node.has(ch)) node.set(ch, new Map());
        node = node.get(ch);
      }
      node.set("", new Map());
    }
    const emit = (node) => {
      const branches = [];
      for (const [ch, child] of node) if (ch) branches.push(anyCase(ch) + emit(child));
      if (!branches.length) return "";
      const body = branches.length === 1 ? branches[0] : "(?:" + branches.join("|") + ")";
      return node.has("") ? "(?:" + body + ")?" : body;
    };
    return emit(trie);
  }
  const TLD = "(?:" + tldPattern(TLDS) + "(?=[^0-9a-zA-Z@+\\-]|$))";
  const PUNYCODE_TLD = "(?:[xX][nN]--[\\-0-9a-zA-Z]+)";
  const DOMAIN = "(?:" + SUBDOMAIN + "*" + DOMAIN_NAME + "(?:" + TLD + "|" + PUNYCODE_TLD + "))";

  const PATH_CHAR = "[a-zA-Z" + CYRILLIC + "0-9!*';:=+,.$/%#\\[\\]\\-\\u2013_~@|&" + LATIN_ACCENTS + "]";
  const BALANCED_PARENS =
    "\\((?:" + PATH_CHAR + "+|(?:" + PATH_CHAR + "*\\(" + PATH_CHAR + "+\\)" + PATH_CHAR + "*))\\)";
  const PATH_END = "(?:[+\\-a-zA-Z" + CYRILLIC + "0-9=_#/" + LATIN_ACCENTS + "]|" + BALANCED_PARENS + ")";
  const PATH =
    "(?:(?:" + PATH_CHAR + "*(?:" + BALANCED_PARENS + PATH_CHAR + "*)*" + PATH_END + ")|(?:@" + PATH_CHAR + "+/))";
  const QUERY_CHAR = "[a-zA-Z0-9!?*'@();:&=+$/%#\\[\\]\\-_.,~|]";
  const QUERY_END = "[a-zA-Z0-9\\-_&=#/]";

  const PROTOCOL = anyCase("http") + "[sS]?://";
  // Groups: 1 before, 2 url, 3 protocol, 4 domain, 5 path. The "u" flag makes classes work on code points,
  // as Python's do; match indices stay in UTF-16 units. "y" (sticky): a match starts where it is asked to.
  const URL_SOURCE =
    "(" + PRECEDING + ")" +
    "(" +
    "(" + PROTOCOL + ")?" +
    "(" + DOMAIN + ")" +
    "(?::[0-9]+)?" +
    "(/" + PATH + "*)?" +
    "(?:\\?" + QUERY_CHAR + "*" + QUERY_END + ")?" +
    ")";
  const URL_RE = new RegExp(URL_SOURCE, "uy");
  const PROTOCOL_RE = new RegExp(PROTOCOL, "uy");
  const PRECEDING_CHAR_RE = new RegExp(PRECEDING.replace("|^)", ")"), "uy");
  const DOMAIN_CHAR_RE = new RegExp("^" + DOMAIN_CHAR + "$", "u");
  const ASCII_DOMAIN_SOURCE = "(?:[\\-a-zA-Z0-9" + LATIN_ACCENTS + "]+\\.)+(?:" + TLD + "|" + PUNYCODE_TLD + ")";
  const ASCII_DOMAIN_RE = new RegExp(ASCII_DOMAIN_SOURCE, "u");
  const TCO_RE = new RegExp(
    "^" + anyCase("http") + "[sS]?://[tT]\\.[cC][oO]/([a-zA-Z0-9]+)(?:\\?" + QUERY_CHAR + "*" + QUERY_END + ")?",
    "u",
  );
  // The characters punycode.js treats as label separators.
  const LABEL_SEPARATORS_RE = /[.\u3002\uff0e\uff61]/u;

  // --- Emoji: regional-indicator pairs, keycaps, then pictographs with their variation selector or skin tone,
  // tag sequence and ZWJ chain. (c) and (r) weigh 1 alone and are emoji only with U+FE0F, as in twemoji. Like
  // Python's, this grammar counts 2 for a ZWJ chain or regional-indicator pair that twemoji's list lacks. ---
  const EMOJI_ELEMENT =
    "(?:[\\xa9\\xae]\\ufe0f|(?![\\xa9\\xae])\\p{Extended_Pictographic}(?:\\ufe0f|\\p{Emoji_Modifier})?)" +
    "(?:[\\u{e0020}-\\u{e007e}]+\\u{e007f})?";
  const EMOJI_SOURCE =
    "\\p{Regional_Indicator}\\p{Regional_Indicator}|[#*0-9]\\ufe0f?\\u20e3|" +
    EMOJI_ELEMENT + "(?:\\u200d" + EMOJI_ELEMENT + ")*";

  // RFC 3492 punycode, as punycode.js encodes a label; only its length matters here.
  function punycodeEncode(input) {
    const codePoints = Array.from(input, (ch) => ch.codePointAt(0));
    let output = codePoints
      .filter((cp) => cp < 0x80)
      .map((cp) => String.fromCharCode(cp))
      .join("");
    const basicLength = output.length;
    if (basicLength) output += "-";
    const digit = (d) => String.fromCharCode(d < 26 ? 97 + d : 22 + d);
    const adapt = (delta, numPoints, first) => {
      let k = 0;
      delta = first ? Math.floor(delta / 700) : delta >> 1;
      delta += Math.floor(delta / numPoints);
      for (; delta > 455; k += 36) delta = Math.floor(delta / 35);
      return Math.floor(k + (36 * delta) / (delta + 38));
    };
    let n = 128;
    let delta = 0;
    let bias = 72;
    let handled = basicLength;
    while (handled < codePoints.length) {
      let next = Infinity;
      for (const cp of codePoints) if (cp >= n && cp < next) next = cp;
      delta += (next - n) * (handled + 1);
      n = next;
      for (const cp of codePoints) {
        if (cp < n) delta++;
        if (cp === n) {
          let q = delta;
          for (let k = 36; ; k += 36) {
            const t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
            if (q < t) break;
            output += digit(t + ((q - t) % (36 - t)));
            q = Math.floor((q - t) / (36 - t));
          }
          output += digit(q);
          bias = adapt(delta, handled + 1, handled === basicLength);
          delta = 0;
          handled++;
        }
      }
      delta++;
      n++;
    }
    return output;
  }

  function punycodeLength(label) {
    const parts = label.split(LABEL_SEPARATORS_RE);
    let length = parts.length - 1;
    for (const part of parts) length += /^[\x00-\x7f]*$/.test(part) ? part.length : 4 + punycodeEncode(part).length;
    return length;
  }

  function isValidUrl(url, protocol, domain) {
    if (domain.startsWith("xn--") && !ASCII_DOMAIN_RE.test(domain)) return false;
    for (const label of domain.split(".")) {
      const length = punycodeLength(label);
      if (length < 1 || length > MAX_DOMAIN_LABEL_LENGTH) return false;
    }
    return protocol.length + url.length <= MAX_URL_LENGTH;
  }

  function stickyMatch(re, text, index) {
    re.lastIndex = index;
    return re.exec(text);
  }

  // The character (code point) at a UTF-16 index, and the index of the next one.
  function charAt(text, index) {
    return String.fromCodePoint(text.codePointAt(index));
  }

  function nextIndex(text, index) {
    return index + (text.codePointAt(index) > 0xffff ? 2 : 1);
  }

  function isDomainChar(ch) {
    return DOMAIN_CHAR_RE.test(ch);
  }

  // A domain starting at `index` that cannot be derived from an earlier one: it follows "http://".
  function mayStartDomainElsewhere(text, index) {
    return (text[index] === "h" || text[index] === "H") && stickyMatch(PROTOCOL_RE, text, index) !== null;
  }

  // The matches a global search with URL_RE would find, without its quadratic cost on long runs of domain
  // characters: after a failed attempt, positions that provably fail too are not tried (see _url_matches in
  // editorial/xtext.py for the reasoning).
  function* urlMatches(text) {
    const end = text.length;
    let position = 0;
    while (position < end) {
      const match = stickyMatch(URL_RE, text, position);
      if (match !== null) {
        yield match;
        position += match[0].length;
        continue;
      }
      const start = nextIndex(text, position);
      // The attempt read a domain from `start` only if the character at `position` may precede a URL.
      const triedDomain = stickyMatch(PRECEDING_CHAR_RE, text, position) !== null && start < end;
      if (!triedDomain || !isDomainChar(charAt(text, start))) {
        position = start;
        continue;
      }
      let index = start;
      for (;;) {
        const next = nextIndex(text, index);
        if (next >= end) break;
        const ch = charAt(text, next);
        if (ch === "-" || (isDomainChar(ch) && !mayStartDomainElsewhere(text, next))) {
          index = next;
          continue;
        }
        if (ch === "." && isDomainChar(charAt(text, index))) {
          const after = next + 1;
          if (after < end && isDomainChar(charAt(text, after)) && !mayStartDomainElsewhere(text, after)) {
            index = after;
            continue;
          }
        }
        break;
      }
      // The attempts between `position` and `index` read domains that all fail.
      position = index;
    }
  }

  // The URLs twitter-text's extractUrlsWithIndices finds, as [start (UTF-16), URL text].
  function extractUrls(text) {
    if (text.indexOf(".") < 0) return [];
    const urls = [];
    for (const match of urlMatches(text)) {
      const [, before, matchedUrl, protocol, domain, path] = match;
      let url = matchedUrl;
      const start = match.index + before.length;
      if (!isValidUrl(url, protocol || DEFAULT_PROTOCOL, domain)) continue;
      if (protocol) {
        // A t.co link ends with its slug: what follows is not part of it.
        const tco = TCO_RE.exec(url);
        if (tco) {
          if (tco[1].length > MAX_TCO_SLUG_LENGTH) continue;
          url = tco[0];
        }
        urls.push([start, url]);
        continue;
      }
      // Without a scheme: not after "-", "_", "." or "/", and only the ASCII domains inside the match count.
      if (before && "-_./".includes(before)) continue;
      const found = [];
      let asciiEnd = 0;
      for (const asciiMatch of domain.matchAll(new RegExp(ASCII_DOMAIN_SOURCE, "gu"))) {
        const asciiDomain = asciiMatch[0];
        const asciiStart = domain.indexOf(asciiDomain, asciiEnd);
        asciiEnd = asciiStart + asciiDomain.length;
        found.push([start + asciiStart, asciiDomain]);
      }
      if (!found.length) continue;
      if (path) {
        const last = found[found.length - 1];
        last[1] = url.replace(domain, () => last[1]);
      }
      urls.push(...found);
    }
    return urls;
  }

  function unitWeight(unit) {
    for (const [first, last, weight] of WEIGHT_RANGES) if (unit >= first && unit <= last) return weight;
    return DEFAULT_WEIGHT;
  }

  function parseTweet(text) {
    text = String(text == null ? "" : text);
    const normalized = text.normalize("NFC");
    // Several entities starting at one index: the last one wins, as in twitter-text.
    const urlSpans = new Map(extractUrls(normalized).map(([start, url]) => [start, url.length]));
    const emojiSpans = new Map();
    for (const m of normalized.matchAll(new RegExp(EMOJI_SOURCE, "gu"))) emojiSpans.set(m.index, m[0].length);

    let weight = 0;
    let valid = true;
    let validEnd = 0;
    const maxWeight = MAX_WEIGHTED_LENGTH * SCALE;
    for (let index = 0; index < normalized.length; index++) {
      if (urlSpans.has(index)) {
        weight += TRANSFORMED_URL_LENGTH * SCALE;
        index += urlSpans.get(index) - 1;
      } else if (emojiSpans.has(index)) {
        weight += DEFAULT_WEIGHT;
        index += emojiSpans.get(index) - 1;
      } else {
        const unit = normalized.charCodeAt(index);
        const nextUnit = normalized.charCodeAt(index + 1);
        // twitter-text weighs the low surrogate, so a character outside the BMP always weighs 2.
        if (unit >= 0xd800 && unit <= 0xdbff && nextUnit >= 0xdc00 && nextUnit <= 0xdfff) index++;
        weight += unitWeight(normalized.charCodeAt(index));
      }
      valid = valid && !INVALID_CHARACTERS.has(normalized.charCodeAt(index));
      if (valid && weight <= maxWeight) validEnd = index;
    }

    const weightedLength = Math.floor(weight / SCALE);
    return {
      weightedLength: weightedLength,
      permillage: Math.floor((weightedLength / MAX_WEIGHTED_LENGTH) * 1000),
      valid: valid && weightedLength > 0 && weightedLength <= MAX_WEIGHTED_LENGTH,
      // twitter-text's own correction for NFC having changed the length.
      validRangeEnd: validEnd + text.length - normalized.length,
    };
  }

  function weightedLength(text) {
    return parseTweet(text).weightedLength;
  }

  root.DeskX = { weightedLength: weightedLength, parseTweet: parseTweet };

  // --- Wiring ---
  if (typeof document === "undefined") return;
  const SELECTOR = "textarea[data-x-counter]";

  // A screen reader is told the count once typing pauses, not at every key (GOV.UK's character count does the same).
  const ANNOUNCE_DELAY_MS = 1000;
  const announceTimers = new Map();

  function announce(counter, length) {
    const statusId = typeof counter.getAttribute === "function" ? counter.getAttribute("data-x-status") : null;
    const status = statusId ? document.getElementById(statusId) : null;
    if (!status) return;
    clearTimeout(announceTimers.get(status));
    announceTimers.set(
      status,
      setTimeout(function () {
        const over = length > MAX_WEIGHTED_LENGTH;
        const template = status.getAttribute(over ? "data-text-over" : "data-text-under") || "";
        status.textContent = template
          .replace("%(count)s", String(length))
          .replace("%(over)s", String(length - MAX_WEIGHTED_LENGTH));
      }, ANNOUNCE_DELAY_MS),
    );
  }

  function update(textarea, quiet) {
    const counter = document.getElementById(textarea.getAttribute("data-x-counter"));
    if (!counter) return;
    const length = weightedLength(textarea.value);
    counter.textContent = length + " / " + MAX_WEIGHTED_LENGTH;
    counter.classList.toggle("text-danger", length > MAX_WEIGHTED_LENGTH);
    if (!quiet) announce(counter, length);
  }

  function updateAll() {
    document.querySelectorAll(SELECTOR).forEach(function (textarea) {
      update(textarea, true);
    });
  }

  // One listener on the document: it also serves textareas that htmx swaps in later.
  document.addEventListener("input", function (event) {
    const target = event.target;
    if (target && typeof target.matches === "function" && target.matches(SELECTOR)) update(target);
  });
  // Counters of content htmx has just inserted (a form re-rendered with its text) show their count at once.
  document.addEventListener("htmx:load", updateAll);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", updateAll);
  } else {
    updateAll();
  }
})(typeof window !== "undefined" ? window : globalThis);
