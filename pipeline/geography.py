"""French geography rules, written once: INSEE codes, arrondissements, CRS, slugs, names.

* **INSEE codes.** A commune (or arrondissement municipal) code is five
  characters: five digits, or ``2A``/``2B`` and three digits for Corsica.
* **Units.** Paris (75056), Lyon (69123) and Marseille (13055) are divided
  into arrondissements municipaux, which the INSEE codes separately
  (75101–75120, 69381–69389, 13201–13216). The pipeline's *unit* is a
  current commune, or an arrondissement of these three cities: every
  per-place figure (population, supply, establishments, flows) is carried
  by unit, and the sum of a city's arrondissements equals the city.
* **Postal codes** of the three cities name the arrondissement: 75001–75020
  (and 75116), 69001–69009, 13001–13016.
* **CRS.** Distances and areas are computed in a projected CRS: Lambert 93
  (EPSG:2154) for metropolitan France, and each DROM's local CRS (the RGAF09,
  RGFG95, RGR92 and RGM04 UTM projections used by IGN for those territories).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the command line's help and its listing commands need none of them
    import geopandas as gpd
    import pandas as pd

LAMBERT93 = 2154
WGS84 = 4326

#: A commune or arrondissement code: five digits, or 2A/2B and three digits.
#: Headers of a column of commune codes, folded (« Code INSEE » is ``code_insee``): those of the INSEE, IGN Admin
#: Express and La Poste files a user copies from, the documented one first, a bare « code » (of what?) last.
COMMUNE_CODE_COLUMNS = ("code_insee", "codgeo", "code_commune_insee", "code_commune", "insee_com", "insee", "depcom",
                        "com", "code")
INSEE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
#: The same pattern for pandas ``str.fullmatch``.
INSEE_CODE_PATTERN = r"\d{5}|2[AB]\d{3}"

# Département code -> local projected CRS (IGN references for the DROM).
DROM_CRS: dict[str, int] = {
    "971": 5490,  # RGAF09 / UTM 20N (Guadeloupe)
    "972": 5490,  # RGAF09 / UTM 20N (Martinique)
    "973": 2972,  # RGFG95 / UTM 22N (Guyane)
    "974": 2975,  # RGR92 / UTM 40S (La Réunion)
    "976": 4471,  # RGM04 / UTM 38S (Mayotte)
}

#: City code -> (first arrondissement code, number of arrondissements, first postal code).
ARRONDISSEMENT_CITIES: dict[str, tuple[int, int, int]] = {
    "75056": (75101, 20, 75001),  # Paris
    "69123": (69381, 9, 69001),  # Lyon
    "13055": (13201, 16, 13001),  # Marseille
}
#: Names of the cities with arrondissements, for French notes.
CITY_NAMES: dict[str, str] = {"75056": "Paris", "69123": "Lyon", "13055": "Marseille"}


def is_insee_code(value: object) -> bool:
    """Whether ``value`` is written like a commune or arrondissement code."""
    return isinstance(value, str) and INSEE_CODE.match(value) is not None


def normalise_insee_code(value: object) -> tuple[str | None, str | None]:
    """Clean a code typed by a person or a spreadsheet.

    Returns ``(code, note)``: upper-cased Corsican letters, and a leading zero restored when a spreadsheet dropped
    it (``4070`` → ``04070``, with a French note), as for a decimal (``4070.0``), a scientific notation, a
    thousands space (``33 063``, ``4 070``) or Excel's ``="04070"``. ``(None, None)`` when ``value`` is no code.
    """
    text = str(value).strip()
    if re.fullmatch(r"[0-9][0-9abAB][0-9]{3}", text):
        return text.upper(), None
    # Excel's ="04001" (text kept by a formula), « 33 063 » (a thousands space): a review saw both dropped.
    if (kept := re.fullmatch(r'="\s*([^"]+?)\s*"|(\d{1,2})[ \u00a0\u202f](\d{3})', text)) is not None:
        code = normalise_insee_code(kept.group(1) or kept.group(2) + kept.group(3))[0]
        why = "formule de texte d'un tableur" if kept.group(1) else "espace de milliers d'un tableur"
        return code, None if code is None else f"{text} lu comme {code} ({why})"
    if re.fullmatch(r"[1-9][0-9]{3}", text):  # « 0423 » lost no zero: « 00423 » would be no département's
        code = "0" + text
        return code, f"{text} lu comme {code} (zéro initial rétabli)"
    # A spreadsheet that took the codes for numbers exports them as decimals (« 4166.0 », « 13055,0 »): a review
    # found every row of such a FLUX= table set aside.
    # « 04070.0 » too: a column of text codes turned into decimals keeps its zero (a review: refused).
    if (number := re.fullmatch(r"([1-9][0-9]{3}|[0-9]{5})[.,]0+", text)) is not None:
        digits = number.group(1)
        code = digits.zfill(5)
        return code, f"{text} lu comme {code} (code écrit comme un nombre décimal par un tableur)"
    # A spreadsheet may export a number in scientific notation (« 1,3201E+04 »): read when every digit of the
    # code is written; « 1,32E+04 » is any code from 13150 to 13249, rounded, and no code.
    if (scientific := re.fullmatch(r"([1-9])[.,]([0-9]{3,4})[eE]\+?0?([34])", text)) is not None:
        digits = scientific.group(1) + scientific.group(2)
        if len(digits) == int(scientific.group(3)) + 1:
            code = digits.zfill(5)
            return code, f"{text} lu comme {code} (code écrit en notation scientifique par un tableur)"
    return None, None


def is_arrondissement(code: str) -> bool:
    """Whether ``code`` is an arrondissement municipal of Paris, Lyon or Marseille."""
    return city_of_arrondissement(code) is not None


def city_of_arrondissement(code: str) -> str | None:
    """The city (75056, 69123, 13055) of an arrondissement code, or None."""
    if not code.isdigit():
        return None
    number = int(code)
    for city, (first, count, _) in ARRONDISSEMENT_CITIES.items():
        if first <= number < first + count:
            return city
    return None


def arrondissement_ordinal(code: str) -> int | None:
    """1 for 13201, 75101 or 69381 (the first arrondissement of its city), …; None for another code."""
    city = city_of_arrondissement(str(code))
    return None if city is None else int(code) - ARRONDISSEMENT_CITIES[city][0] + 1


def commune_of_unit(code: str) -> str:
    """The commune of an analysis unit: the city of an arrondissement, else the code itself."""
    return city_of_arrondissement(code) or code


def arrondissement_label(code: str) -> str:
    """« Marseille 16e », « Paris 1er » for an arrondissement code; the code itself for any other."""
    city, number = city_of_arrondissement(str(code)), arrondissement_ordinal(str(code))
    if city is None or number is None:
        return str(code)
    return f"{CITY_NAMES[city]} {number}{'er' if number == 1 else 'e'}"


def arrondissements_named(name: str) -> set[int]:
    """Arrondissements a place name names: {1, 2} for « Centre Ville 1er et 2e Arrondissements », {3} for
    « Centre Ville 3e Arrondissement »; empty without the word « arrondissement »."""
    folded = ascii_fold(str(name))
    if "arrondissement" not in folded:
        return set()
    return {int(n) for n in re.findall(r"\b(\d{1,2})\s*(?:er|e|eme|ieme)\b", folded)}


def arrondissements_of(city: str) -> list[str]:
    """Arrondissement codes of a city, in order (empty for any other commune)."""
    if city not in ARRONDISSEMENT_CITIES:
        return []
    first, count, _ = ARRONDISSEMENT_CITIES[city]
    return [str(first + i) for i in range(count)]


def analysis_unit_count(code: str) -> int:
    """Analysis units a commune or arrondissement code stands for: a split city's arrondissements, else 1."""
    return max(len(arrondissements_of(code)), 1)


def arrondissement_from_postcode(city: str, postcode: object) -> str | None:
    """The arrondissement a postal code names in Paris, Lyon or Marseille, else None.

    ``arrondissement_from_postcode("13055", "13005")`` is ``"13205"``. Paris
    16e has two postal codes (75016 and 75116). A postal code of another
    commune, or of the city but outside its arrondissement range, gives None.
    """
    if city not in ARRONDISSEMENT_CITIES or postcode is None:
        return None
    text = str(postcode).strip()
    if not re.fullmatch(r"\d{5}", text):
        return None
    first, count, first_postcode = ARRONDISSEMENT_CITIES[city]
    number = int(text)
    if city == "75056" and number == 75116:
        return "75116"
    rank = number - first_postcode
    return str(first + rank) if 0 <= rank < count else None


def paris_postal_arrondissement(code: str) -> str | None:
    """The arrondissement whose postal code ``code`` is when it is one of 75001 to 75020 (« 75001 » → « 75101 »),
    else None.

    Those twenty are no commune's code today, and were the codes of Seine communes before 1968 (75001
    Alfortville, 75020 Châtillon): a list of Paris typed with its postal codes is read as suburbs by the COG's
    history alone. 75116 (Paris 16e's second postal code) is also its INSEE code, and is not one of them.
    """
    return str(75100 + int(code[3:])) if re.fullmatch(r"750(?:0[1-9]|1[0-9]|20)", code) else None


#: The départements of each région of France (COG since 2016), whatever a database was loaded for.
REGION_DEPARTEMENTS: dict[str, tuple[str, ...]] = {
    "01": ("971",), "02": ("972",), "03": ("973",), "04": ("974",), "06": ("976",),
    "11": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "24": ("18", "28", "36", "37", "41", "45"),
    "27": ("21", "25", "39", "58", "70", "71", "89", "90"),
    "28": ("14", "27", "50", "61", "76"),
    "32": ("02", "59", "60", "62", "80"),
    "44": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
    "52": ("44", "49", "53", "72", "85"),
    "53": ("22", "29", "35", "56"),
    "75": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),
    "76": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
    "84": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),
    "93": ("04", "05", "06", "13", "83", "84"),
    "94": ("2A", "2B"),
}

#: The names of the régions (COG since 2016), whatever a database was loaded for: a région typed by its name on a
#: database without it is said to be outside the load, not « inconnue ».
REGION_NAMES: dict[str, str] = {
    "01": "Guadeloupe", "02": "Martinique", "03": "Guyane", "04": "La Réunion", "06": "Mayotte",
    "11": "Île-de-France", "24": "Centre-Val de Loire", "27": "Bourgogne-Franche-Comté", "28": "Normandie",
    "32": "Hauts-de-France", "44": "Grand Est", "52": "Pays de la Loire", "53": "Bretagne", "75": "Nouvelle-Aquitaine",
    "76": "Occitanie", "84": "Auvergne-Rhône-Alpes", "93": "Provence-Alpes-Côte d'Azur", "94": "Corse",
}

#: Codes of the départements (metropolitan France and the DROM), whatever a database was loaded for.
DEPARTEMENTS = frozenset(code for codes in REGION_DEPARTEMENTS.values() for code in codes)

#: Collectivités d'outre-mer of the COG (their code serves as both département and région code) and the health
#: authority of each: Saint-Barthélemy and Saint-Martin depend on the ARS de Guadeloupe, Saint-Pierre-et-Miquelon
#: has an administration territoriale de santé, the others have no ARS (health is theirs, or no inhabitants).
OVERSEAS_COLLECTIVITIES: dict[str, str] = {
    "975": "ATS de Saint-Pierre-et-Miquelon (pas d'ARS)",
    "977": "ARS Guadeloupe",
    "978": "ARS Guadeloupe",
    "984": "pas d'ARS (Terres australes et antarctiques françaises)",
    "986": "Agence de santé de Wallis-et-Futuna (pas d'ARS)",
    "987": "pas d'ARS (la santé relève de la Polynésie française)",
    "988": "pas d'ARS (la santé relève de la Nouvelle-Calédonie)",
    "989": "pas d'ARS (Clipperton)",
}


def outside_the_load(departement: object, loaded: Collection[str]) -> bool:
    """Whether ``departement`` is a département of France that a database restricted to ``loaded``
    (``data --departements``; empty: all of France) does not hold."""
    return bool(loaded) and departement in DEPARTEMENTS and departement not in loaded


def whole_france(departements: Collection[str]) -> bool:
    """Whether ``departements`` (those a database holds) are all the départements of France."""
    return {str(code) for code in departements} >= DEPARTEMENTS


def loaded_scope(departements: Collection[str]) -> str:
    """« départements chargés : 04, 13 »: what a figure of a database of some départements sums."""
    return "départements chargés : " + ", ".join(sorted({str(code) for code in departements}))


def zone_label(level: str, code: str, name: str, loaded: Collection[str] = ()) -> str:
    """« Département : Var », « Région : Corse », « Collectivité d'outre-mer : Saint-Martin ».

    On a database restricted to some départements, a région's figures sum its loaded départements only:
    ``loaded`` (those of this région) are then named, « Région : Corse (départements chargés : 2A) ».
    """
    if code in OVERSEAS_COLLECTIVITIES:
        return f"Collectivité d'outre-mer : {name}"
    if level == "departement":
        return f"Département : {name}"
    return f"Région : {name} ({loaded_scope(loaded)})" if loaded else f"Région : {name}"


def france_label(departements: Collection[str], field: str = "métropole et DROM",
                 uncovered: Collection[str] = (), source: str = "de la source") -> str:
    """The label of a « France » figure summing ``departements`` (those the database holds).

    « France (<field>) » when they are all of France; otherwise the figure is not France's, and the label
    names the départements it sums, and those of them that ``source`` has no row for (``uncovered``):
    « France (départements chargés : 04, 976 ; sans 976, absent du classeur DREES) ».
    """
    codes = sorted({str(code) for code in departements})
    if whole_france(codes):
        return f"France ({field})"
    scope = loaded_scope(codes)
    missing = [code for code in codes if code in uncovered]
    if missing:
        scope += f" ; sans {', '.join(missing)}, absent{'s' if len(missing) > 1 else ''} {source}"
    return f"France ({scope})"


#: Where areas are measured: an equal-area projection (Lambert 93 and the UTM zones of the DROM are conformal,
#: and their areas are off by up to half a percent: +0.45 % for Corse-du-Sud, +0.3 % for the Nord). ETRS89-LAEA
#: Europe for metropolitan France; overseas, a Lambert azimuthal equal-area projection centred on the territory.
LAEA_EUROPE = 3035
_OVERSEAS_CENTRES = {"971": (16.2, -61.5), "972": (14.65, -61.0), "973": (4.0, -53.0), "974": (-21.1, 55.5),
                     "975": (46.9, -56.3), "976": (-12.8, 45.15), "977": (17.9, -62.83), "978": (18.07, -63.05)}


def equal_area_crs(departement: str) -> int | str:
    """The equal-area CRS in which to measure the area of a commune of ``departement`` (EPSG code or PROJ string)."""
    centre = _OVERSEAS_CENTRES.get(str(departement)[:3])
    if centre is None:
        return LAEA_EUROPE
    lat, lon = centre
    return f"+proj=laea +lat_0={lat} +lon_0={lon} +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"


def projected_crs(departement: str) -> int:
    """The projected CRS in which to measure a commune of ``departement``."""
    return DROM_CRS.get(str(departement)[:3], LAMBERT93)


def departement_of(code: str) -> str:
    """Département of a commune code (three characters for the DROM: 971…976)."""
    return code[:3] if code.startswith("97") else code[:2]


def departements_of(codes: pd.Series) -> pd.Series:
    """:func:`departement_of` of each code of a ``string`` series, vectorised (missing codes stay missing)."""
    overseas = codes.str.startswith("97").fillna(False).astype(bool)
    return codes.str.slice(0, 2).where(~overseas, codes.str.slice(0, 3))


def departements_of_insee_codes(codes: pd.Series) -> pd.Series:
    """:func:`departements_of` of the well-formed INSEE codes, missing for any other text: a SIREN or a totals
    row's « 33 » names no département (its first characters would)."""
    codes = codes.astype("string")
    return departements_of(codes.where(codes.str.fullmatch(INSEE_CODE_PATTERN).fillna(False)))


def to_lambert93(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs(LAMBERT93)


def to_local(frame: gpd.GeoDataFrame, departement_column: str = "departement") -> list[gpd.GeoDataFrame]:
    """Split a national frame into one frame per projected CRS (metropole, each DROM)."""
    crs = frame[departement_column].astype(str).map(projected_crs)
    return [frame[crs == code].to_crs(code) for code in sorted(crs.unique())]


def to_wkb(geometries: gpd.GeoSeries) -> list[bytes]:
    import shapely

    return list(shapely.to_wkb(geometries.values))


def from_wkb(frame: pd.DataFrame, column: str = "geometry") -> gpd.GeoDataFrame:
    """Build a GeoDataFrame in EPSG:4326 from a WKB column read from the database."""
    import geopandas as gpd
    import shapely

    geometry = shapely.from_wkb([bytes(value) if value is not None else None for value in frame[column]])
    return gpd.GeoDataFrame(frame.drop(columns=column), geometry=geometry, crs=WGS84)


def ascii_fold(text: object) -> str:
    """Lower-case ASCII of ``text`` (accents dropped, « œ » as « oe »)."""
    value = str(text).replace("œ", "oe").replace("Œ", "Oe")
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").lower()


def normalise_name(text: object) -> str:
    """Comparison key of a place name: ASCII, lower case, words separated by one space.

    ``normalise_name("Saint-Étienne-les-Orgues")`` is ``"saint etienne les orgues"``. Typographic
    apostrophes and dashes separate words as their ASCII forms do (``L’Escale`` is ``l escale``): folded to
    ASCII they would vanish and join the words.
    """
    return re.sub(r"[^a-z0-9]+", " ", ascii_fold(_SEPARATORS.sub(" ", str(text)))).strip()


def of_place(name: str) -> str:
    """« de Manosque », « d'Aix-en-Provence », « du Puy-en-Velay », « des Mées »: French elision and contraction
    before a place name (« Bassin de vie de Ajaccio » was written). An initial H is left alone: muet or
    aspiré depends on the word."""
    if name.startswith("Le "):
        return f"du {name[3:]}"
    if name.startswith("Les "):
        return f"des {name[4:]}"
    return f"d'{name}" if name[:1].upper() in "AEIOUYÉÈÊÎÔÂ" else f"de {name}"


def load_command(loaded: Iterable[str], missing: Iterable[str]) -> str:
    """« make data DEPARTEMENTS=04,05,13 les ajoute »: the load that adds the ``missing`` départements to the
    ``loaded`` ones (French)."""
    return f"make data DEPARTEMENTS={','.join(sorted({*loaded, *missing}))} les ajoute"


def name_words(text: object) -> frozenset[str]:
    """The words of a place name as files write it, order aside: « Mées (Les) » is « Les Mées », « St-Martin »
    « Saint-Martin », « Marseille 1er » « Marseille 1er Arrondissement » (numbers kept, ordinals as numbers)."""
    spelled = {"st": "saint", "ste": "sainte"}
    return frozenset(re.sub(r"^(\d+)(?:er|e|eme|nd)$", r"\1", spelled.get(w, w))
                     for w in normalise_name(text).split() if w not in ("arrondissement", "arr"))


#: Apostrophes, quotes and dashes that ASCII folding drops (U+2018/2019 quotes, modifier letter apostrophe,
#: prime, hyphen, non-breaking hyphen, en and em dashes, minus sign).
_SEPARATORS = re.compile("[\u2018\u2019\u02bc\u2032\u2010\u2011\u2013\u2014\u2212]")


def slugify(text: object, max_length: int | None = None, default: str = "") -> str:
    """Readable ASCII slug: ``cpts:CPTS du Verdon`` → ``cpts-cpts-du-verdon``.

    ``max_length`` cuts the slug (at a dash when possible); ``default`` is
    returned when nothing is left.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_fold(text)).strip("-")
    if max_length is not None:
        slug = slug[:max_length].strip("-")
    return slug or default
