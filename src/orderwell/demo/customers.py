"""Demo shoppers across the EU: names, street addresses and phone numbers that look local.

E-mail addresses use the reserved ``example.com/.net/.org`` domains (RFC 2606) so that a
demo database wired to a real SMTP server can never write to a real person.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class City:
    name: str
    region: str
    postal_codes: tuple[int, int]  # numeric range the local format is built from


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    weight: int  # share of orders
    vat: Decimal  # standard VAT rate charged to consumers there (OSS)
    dialling: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    streets: tuple[str, ...]
    cities: tuple[City, ...]
    number_first: bool = False  # "12 rue de la Paix" rather than "Hauptstraße 12"


# fmt: off
COUNTRIES: tuple[Country, ...] = (
    Country(
        "DE", 34, Decimal("0.19"), "+49",
        ("Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Lena", "Maximilian", "Hannah",
         "Paul", "Katharina", "Tobias", "Julia", "Niklas"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Hoffmann", "Schäfer", "Koch", "Richter", "Klein", "Wolf"),
        ("Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße", "Lindenallee",
         "Kastanienallee", "Bergmannstraße", "Gartenweg", "Friedrichstraße", "Mozartstraße"),
        (City("Berlin", "Berlin", (10115, 14199)), City("Hamburg", "Hamburg", (20095, 22769)),
         City("München", "Bayern", (80331, 81929)),
         City("Köln", "Nordrhein-Westfalen", (50667, 51149)),
         City("Frankfurt am Main", "Hessen", (60311, 60599)),
         City("Stuttgart", "Baden-Württemberg", (70173, 70629)),
         City("Leipzig", "Sachsen", (4103, 4357))),
    ),
    Country(
        "NL", 12, Decimal("0.21"), "+31",
        ("Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Finn", "Sanne", "Jesse", "Lotte"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer",
         "de Boer", "Mulder"),
        ("Prinsengracht", "Keizersgracht", "Kerkstraat", "Stationsweg", "Oudegracht",
         "Molenweg", "Dorpsstraat", "Lindenlaan"),
        (City("Amsterdam", "Noord-Holland", (1011, 1109)),
         City("Rotterdam", "Zuid-Holland", (3011, 3089)),
         City("Utrecht", "Utrecht", (3511, 3585)),
         City("Eindhoven", "Noord-Brabant", (5611, 5658)),
         City("Groningen", "Groningen", (9711, 9747))),
    ),
    Country(
        "PL", 10, Decimal("0.23"), "+48",
        ("Katarzyna", "Piotr", "Agnieszka", "Tomasz", "Magdalena", "Jakub", "Anna", "Michał",
         "Zofia", "Krzysztof"),
        # Surnames that do not change with gender (Kowalski/Kowalska do).
        ("Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Zając", "Król", "Wieczorek",
         "Pawlak", "Michalak"),
        ("ul. Marszałkowska", "ul. Długa", "ul. Mickiewicza", "ul. Piotrkowska",
         "ul. Świętojańska", "ul. Słowackiego", "ul. Kościuszki"),
        (City("Warszawa", "mazowieckie", (1, 4999)), City("Kraków", "małopolskie", (30001, 31999)),
         City("Wrocław", "dolnośląskie", (50001, 54999)),
         City("Poznań", "wielkopolskie", (60001, 61999)),
         City("Gdańsk", "pomorskie", (80001, 80999))),
    ),
    Country(
        "FR", 10, Decimal("0.20"), "+33",
        ("Camille", "Louis", "Chloé", "Hugo", "Léa", "Gabriel", "Manon", "Arthur", "Inès",
         "Jules"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
         "Leroy", "Moreau"),
        ("rue de la République", "rue Victor Hugo", "avenue Jean Jaurès", "boulevard Voltaire",
         "rue des Lilas", "rue Pasteur", "avenue de la Gare"),
        (City("Paris", "Île-de-France", (75001, 75020)),
         City("Lyon", "Auvergne-Rhône-Alpes", (69001, 69009)),
         City("Marseille", "Provence-Alpes-Côte d'Azur", (13001, 13016)),
         City("Nantes", "Pays de la Loire", (44000, 44300)),
         City("Bordeaux", "Nouvelle-Aquitaine", (33000, 33800))),
        number_first=True,
    ),
    Country(
        "AT", 8, Decimal("0.20"), "+43",
        ("Lena", "David", "Sarah", "Elias", "Laura", "Florian", "Valentina", "Stefan"),
        ("Gruber", "Huber", "Bauer", "Wagner", "Pichler", "Steiner", "Moser", "Mayer"),
        ("Mariahilfer Straße", "Landstraßer Hauptstraße", "Herrengasse", "Getreidegasse",
         "Maria-Theresien-Straße", "Annenstraße"),
        (City("Wien", "Wien", (1010, 1230)), City("Graz", "Steiermark", (8010, 8063)),
         City("Linz", "Oberösterreich", (4020, 4040)), City("Salzburg", "Salzburg", (5020, 5026)),
         City("Innsbruck", "Tirol", (6020, 6080))),
    ),
    Country(
        "BE", 6, Decimal("0.21"), "+32",
        ("Lucas", "Marie", "Noah", "Emma", "Arthur", "Louise", "Jules", "Elise"),
        ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Dubois"),
        ("Meir", "Veldstraat", "Rue Neuve", "Bondgenotenlaan", "Rue de la Loi", "Kerkstraat"),
        (City("Antwerpen", "Antwerpen", (2000, 2660)), City("Gent", "Oost-Vlaanderen", (9000, 9052)),
         City("Bruxelles", "Bruxelles-Capitale", (1000, 1210)),
         City("Leuven", "Vlaams-Brabant", (3000, 3012)), City("Liège", "Liège", (4000, 4032))),
    ),
    Country(
        "IT", 7, Decimal("0.22"), "+39",
        ("Giulia", "Marco", "Francesca", "Alessandro", "Chiara", "Lorenzo", "Sofia", "Matteo"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"),
        ("Via Roma", "Corso Buenos Aires", "Via Garibaldi", "Via Dante", "Via Mazzini",
         "Corso Vittorio Emanuele II"),
        (City("Milano", "MI", (20121, 20162)), City("Roma", "RM", (118, 199)),
         City("Torino", "TO", (10121, 10156)), City("Bologna", "BO", (40121, 40141)),
         City("Firenze", "FI", (50121, 50145))),
    ),
    Country(
        "ES", 7, Decimal("0.21"), "+34",
        ("Lucía", "Hugo", "María", "Martín", "Paula", "Daniel", "Carmen", "Pablo"),
        ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez"),
        ("Calle Mayor", "Calle de Alcalá", "Carrer de Mallorca", "Avenida de la Constitución",
         "Calle Serrano", "Gran Vía"),
        (City("Madrid", "Madrid", (28001, 28055)), City("Barcelona", "Barcelona", (8001, 8042)),
         City("Valencia", "Valencia", (46001, 46026)), City("Sevilla", "Sevilla", (41001, 41020))),
    ),
    Country(
        "DK", 3, Decimal("0.25"), "+45",
        ("Freja", "William", "Ida", "Oscar", "Clara", "Noah"),
        ("Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen"),
        ("Nørrebrogade", "Vesterbrogade", "Østerbrogade", "Strandvejen", "Jægersborggade"),
        (City("København", "Hovedstaden", (1050, 2450)), City("Aarhus", "Midtjylland", (8000, 8220)),
         City("Odense", "Syddanmark", (5000, 5270))),
    ),
    Country(
        "CZ", 3, Decimal("0.21"), "+420",
        ("Jakub", "Jan", "Tomáš", "Petr", "Martin", "Lukáš"),  # Czech surnames are gendered
        ("Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka"),
        ("Vodičkova", "Národní", "Masarykova", "Vinohradská", "Husova"),
        (City("Praha", "Praha", (11000, 19900)), City("Brno", "Jihomoravský kraj", (60200, 63900))),
    ),
)
# fmt: on

COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}
_MAIL_DOMAINS = ("example.com", "example.net", "example.org")
_COMPANY_KINDS = {
    "DE": "GmbH",
    "NL": "B.V.",
    "PL": "sp. z o.o.",
    "FR": "SARL",
    "AT": "GmbH",
    "BE": "BV",
    "IT": "S.r.l.",
    "ES": "S.L.",
    "DK": "ApS",
    "CZ": "s.r.o.",
}
# Letters NFKD does not split into a base letter and an accent.
_NO_DECOMPOSITION = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "ß": "ss"})
_SECOND_LINES = ("2. OG", "Hinterhaus", "Apt 4B", "3e étage", "Wohnung 12", "m. 14", "Bus 3")


@dataclass(frozen=True, slots=True)
class Shopper:
    email: str
    name: str
    phone: str | None
    country: str
    street: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str


def _postal(country: str, number: int, rng: random.Random) -> str:
    if country == "NL":
        letters = rng.choice("ABCDEGHJKLMNPRSTVWXZ") + rng.choice("ABCDEGHJKLMNPRSTVWXZ")
        # PostNL never gives out SA, SD and SS (Google's data refuses them too).
        if letters in ("SA", "SD", "SS"):
            letters = "T" + letters[1]
        return f"{number} {letters}"
    if country == "PL":
        return f"{number // 1000:02d}-{number % 1000:03d}"
    if country == "CZ":
        return f"{number // 100:03d} {number % 100:02d}"
    if country in {"DE", "FR", "IT", "ES"}:
        return f"{number:05d}"
    return f"{number:04d}"


def _ascii(text: str) -> str:
    """ "Müller" -> "muller": the local part of a made-up e-mail address."""
    text = text.translate(_NO_DECOMPOSITION)
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch == ".")


def make_shopper(rng: random.Random, serial: int) -> Shopper:
    country = rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]
    first, last = rng.choice(country.first_names), rng.choice(country.last_names)
    city = rng.choice(country.cities)
    house = rng.randint(1, 140)
    street = rng.choice(country.streets)
    email_name = rng.choice((f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last}"))
    # The serial keeps two Anna Müllers apart, as real shops' customers are.
    email = f"{_ascii(email_name)}{serial}@{rng.choice(_MAIL_DOMAINS)}"
    phone = None
    if rng.random() < 0.75:
        phone = f"{country.dialling} {rng.randint(30, 799)} {rng.randint(1000000, 9999999)}"
    return Shopper(
        email=email,
        name=f"{first} {last}",
        phone=phone,
        country=country.code,
        street=f"{house} {street}" if country.number_first else f"{street} {house}",
        line2=rng.choice(_SECOND_LINES) if rng.random() < 0.12 else None,
        city=city.name,
        region=city.region,
        postal_code=_postal(country.code, rng.randint(*city.postal_codes), rng),
    )


def company_name(rng: random.Random, shopper: Shopper) -> str:
    """A B2B buyer (EDI orders): a shop or office named after its owner."""
    kind = _COMPANY_KINDS[shopper.country]
    trade = rng.choice(("Concept Store", "Interiors", "Office Supplies", "Lifestyle", "Handel"))
    return f"{shopper.name.split()[-1]} {trade} {kind}"
