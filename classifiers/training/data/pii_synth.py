"""Synthetic PII sentences from our own chat-style templates + Faker values with valid checksums.

presidio_synth is the PII *evaluation* set, so its templates are deliberately not used here.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import string

from faker import Faker

from guardstream.classifiers.training.data.common import BENIGN, Example, Span

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")

TEMPLATES: tuple[str, ...] = (
    "hi, I'm {PERSON}, my card {CREDIT_CARD} was declined",
    "ship to {LOCATION} on {DATE_TIME}",
    "call me at {PHONE_NUMBER}",
    "my email is {EMAIL_ADDRESS}, please send the receipt there",
    "Can you draft a letter to {PERSON} in {LOCATION}?",
    "please transfer 200 euros to {IBAN_CODE}",
    "My SSN is {US_SSN}, can you check my tax return status?",
    "the server at {IP_ADDRESS} keeps timing out, any idea why?",
    "Hello, this is {PERSON}. You can reach me on {PHONE_NUMBER} or {EMAIL_ADDRESS}.",
    "I was born on {DATE_TIME} in {LOCATION}",
    "write a birthday message for {PERSON}, her birthday is {DATE_TIME}",
    "book a table for two in {LOCATION} at {DATE_TIME}",
    "my IBAN is {IBAN_CODE} and the account holder is {PERSON}",
    "why was my payment with card {CREDIT_CARD} rejected on {DATE_TIME}?",
    "Summarize this email from {PERSON} ({EMAIL_ADDRESS}) about the meeting on {DATE_TIME}.",
    "block traffic from {IP_ADDRESS} in the firewall config",
    "{PERSON} here, I moved to {LOCATION}, please update my address",
    "can you remind me to call {PERSON} at {PHONE_NUMBER} tomorrow",
    "The customer {PERSON} with SSN {US_SSN} wants to close the account.",
    "send the contract to {EMAIL_ADDRESS} before {DATE_TIME}",
    "Translate to French: my name is {PERSON} and I live in {LOCATION}.",
    "ssh into {IP_ADDRESS} and restart nginx",
    "I need a refund to card number {CREDIT_CARD}",
    "our office in {LOCATION} opens on {DATE_TIME}",
    "Please verify: name {PERSON}, phone {PHONE_NUMBER}, SSN {US_SSN}",
    "what's the weather in {LOCATION} on {DATE_TIME}",
    "write a polite reply to {PERSON} saying I can't attend",
    "{EMAIL_ADDRESS} is not receiving our newsletter, can you check?",
    "the login attempts came from {IP_ADDRESS} and {IP_ADDRESS}",
    "Pay the invoice to {PERSON}, IBAN {IBAN_CODE}, by {DATE_TIME}.",
    "my phone number changed to {PHONE_NUMBER}",
    "is {CREDIT_CARD} a valid visa number?",
    "Dear assistant, {PERSON} from {LOCATION} asked me to forward this.",
    "set up a meeting with {PERSON} and {PERSON} on {DATE_TIME}",
    "flight from {LOCATION} to {LOCATION} on {DATE_TIME} for {PERSON}",
    "Can you format this SSN for the form: {US_SSN}",
    "hey it's {PERSON}!! text me at {PHONE_NUMBER} when you land in {LOCATION}",
    "my wife {PERSON} will pick up the package at {DATE_TIME}",
    "Please add {EMAIL_ADDRESS} to the mailing list.",
    "geolocate the ip {IP_ADDRESS} for me",
    "I'm {PERSON}, account IBAN {IBAN_CODE}, card {CREDIT_CARD}. Why is there a double charge?",
    "Write a short bio for {PERSON}, a designer based in {LOCATION}.",
    "cancel my appointment on {DATE_TIME}",
    "The package for {PERSON} should go to {LOCATION}.",
    "what time is it in {LOCATION} right now",
    "can you help me write an email to {EMAIL_ADDRESS} asking for a refund",
    "My name is {PERSON} and my number is {PHONE_NUMBER}.",
    # v0.2: names/places in more positions, next to organisations, numbers and codes that are NOT PII (O).
    "{PERSON} said the order #{ORDER} from Acme Corp never arrived.",
    "Mr. {PERSON} and Dr. {PERSON} will join the call from {LOCATION}.",
    "According to {PERSON}, the {ORG} office in {LOCATION} closes at 5.",
    "I work at {ORG} with {PERSON}; our badge ids are {ORDER} and {ORDER}.",
    "Tracking number {TRACKING} shows the parcel is still in {LOCATION}.",
    "please ask {PERSON} about invoice INV-{ORDER} (total ${AMOUNT})",
    "The meeting with {ORG} is moved to {DATE_TIME}; room {ROOM}.",
    "Version {VERSION} of the app crashes on login, says {PERSON}.",
    "{PERSON}'s flight {FLIGHT} lands in {LOCATION} at {DATE_TIME}.",
    "Can {PERSON} from {ORG} review ticket {TICKET} before {DATE_TIME}?",
    "We visited {LOCATION} and {LOCATION} last summer with {PERSON}.",
    "my reference code is {HEXID}, not my card number",
    "{ORG} charged me ${AMOUNT} twice, my member id is {ORDER}",
    "In {LOCATION}, {PERSON} opened a bakery called {ORG}.",
    "Thanks {PERSON}! I'll send the {AMOUNT} euros on {DATE_TIME}.",
    "the build {HEXID} failed on {IP_ADDRESS} at {DATE_TIME}",
    "Dear {PERSON}, your appointment in {LOCATION} is confirmed for {DATE_TIME}. Booking ref {TICKET}.",
    "Product SKU {TICKET} is out of stock at the {LOCATION} store.",
    "My manager {PERSON} wants the Q3 report (file {HEXID}.pdf) by {DATE_TIME}.",
    "Contact {PERSON} ({PHONE_NUMBER}) or the {ORG} help desk, extension {ROOM}.",
    "{LOCATION} is lovely in spring, {PERSON} told me.",
    "Transfer {AMOUNT} from my account to {PERSON}, IBAN {IBAN_CODE}, reference {ORDER}.",
)

# v0.3 (opt-in, ``--pii-documents``): the v0.2 head scored 0.995 F1 on presidio rows from its TRAINING templates
# and 0.68 on held-out ones, i.e. it learnt sentence shapes, not names. These add shapes the chat templates lack:
# prose (news, biographies, reviews), letters and signatures, forms and records, notes, lists. Full postal
# addresses are distractors ({ADDRESS}, {STREET}: all O, city included, as in Presidio's STREET_ADDRESS), as
# are titles, jobs, ages, nationalities, URLs and organisations. Written for this project, not taken from
# presidio's templates.
DOCUMENT_TEMPLATES: tuple[str, ...] = (
    "{FULLNAME} ({AGE}) grew up in {CITY} before moving to {COUNTRY} in {YEAR}.",
    "Born in {CITY} on {DATE_TIME}, {FULLNAME} studied law and later joined {ORG}.",
    "The novel, written by {FULLNAME} while living in {CITY}, was published in {YEAR}.",
    "Critics praised {FULLNAME}'s debut, though {PERSON} herself called it unfinished.",
    "{CITY} police said on {DATE_TIME} that a {AGE}-year-old man had been arrested.",
    "Speaking to reporters in {CITY}, {TITLE} {PERSON} declined to comment on the merger.",
    "The band formed in {CITY} in {YEAR} when {PERSON} met {FULLNAME} at a party.",
    "After the match in {CITY}, coach {FULLNAME} praised the young striker.",
    "{ORG}, headquartered in {CITY}, appointed {FULLNAME} as its new {JOB}.",
    "{FULLNAME} is a {NRP} {JOB} best known for work on climate policy in {COUNTRY}.",
    "The exhibition opens in {CITY} on {DATE_TIME} and travels to {CITY} in the autumn.",
    "Flooding hit parts of {COUNTRY} again; residents of {CITY} were evacuated.",
    "I stayed three nights in {CITY}. The host, {PERSON}, was friendly and the room was clean.",
    "Great service from {PERSON} at the {CITY} branch, would recommend.",
    "Worst trip ever. Our guide {FULLNAME} never showed up and we lost a day in {CITY}.",
    "Dear {TITLE} {PERSON},\n\nThank you for your letter of {DATE_TIME}.\n\nKind regards,\n{FULLNAME}",
    "Hi {PERSON},\nattached is the contract. Call me on {PHONE_NUMBER} if anything is unclear.\nBest,\n{PERSON}",
    "Best regards,\n{FULLNAME}\n{JOB}, {ORG}\n{PHONE_NUMBER}\n{EMAIL_ADDRESS}",
    "--\n{FULLNAME} | {JOB}\n{ORG}\n{ADDRESS}\nTel {PHONE_NUMBER}",
    "From: {FULLNAME} <{EMAIL_ADDRESS}>\nSent: {DATE_TIME}\nSubject: visit to {CITY}",
    "Cheers, {PERSON}\nSent from my phone",
    "To whom it may concern: {FULLNAME} worked with us from {YEAR} to {YEAR} as a {JOB}.",
    "Name: {FULLNAME}\nDate of birth: {DATE_TIME}\nPlace of birth: {CITY}, {COUNTRY}",
    "First name: {PERSON}\nLast name: {PERSON}\nEmail: {EMAIL_ADDRESS}\nPhone: {PHONE_NUMBER}",
    "Applicant: {FULLNAME}; nationality: {NRP}; current residence: {CITY}",
    "Patient {FULLNAME}, {AGE}, admitted {DATE_TIME} with chest pain. Lives alone in {CITY}.",
    "Emergency contact: {FULLNAME} (sister), {PHONE_NUMBER}",
    "Guest list: {FULLNAME}, {FULLNAME}, {PERSON} and {FULLNAME}.",
    "Attendees: {PERSON} ({ORG}), {PERSON} ({ORG}), {FULLNAME}",
    "Shipping address:\n{FULLNAME}\n{ADDRESS}\n{COUNTRY}",
    "Deliver to {FULLNAME}, {ADDRESS}. Contact {PHONE_NUMBER} on arrival.",
    "Invoice to: {ORG}, {ADDRESS}. Attn: {FULLNAME}.",
    "Customer {FULLNAME} (SSN {US_SSN}) requested a new card on {DATE_TIME}.",
    "Account holder: {FULLNAME}\nIBAN: {IBAN_CODE}\nBank: {ORG}",
    "Card ending in {ORDER} was used in {CITY} on {DATE_TIME}, not by {PERSON}.",
    "Suspicious logins for {EMAIL_ADDRESS} from {IP_ADDRESS} ({CITY}).",
    "Meeting notes {DATE_TIME}: {PERSON} to send figures, {PERSON} to book the room in {CITY}.",
    "Reminder: dinner with {FULLNAME} at {STREET}, {DATE_TIME}.",
    "TODO: call {PERSON} back, ask about the {CITY} apartment",
    "{PERSON} and I are driving from {CITY} to {CITY} on {DATE_TIME}, any tips?",
    "My grandmother {FULLNAME} emigrated from {COUNTRY} to {CITY} in {YEAR}.",
    "Is {CITY} or {CITY} better for a weekend with kids?",
    "We are looking for a {JOB} in {CITY}. Send your CV to {EMAIL_ADDRESS}.",
    "{TITLE} {FULLNAME} will present the keynote on {DATE_TIME} in {CITY}.",
    "Congratulations to {FULLNAME} on twenty years at {ORG}!",
    "In {YEAR} {PERSON} founded {ORG} in a garage in {CITY}.",
    "Lot 14 was sold to {FULLNAME} of {CITY} for ${AMOUNT}.",
    "The witness, {FULLNAME}, said she saw the car leave {STREET} at {DATE_TIME}.",
    "Rent for {ADDRESS} is due on {DATE_TIME}; tenant {FULLNAME}.",
    "Our {COUNTRY} office moved to {ADDRESS}. Visitors should ask for {PERSON}.",
    "Signed in {CITY} on {DATE_TIME} by {FULLNAME} and {FULLNAME}.",
    "If found, please return to {FULLNAME}, {PHONE_NUMBER}.",
    "{PERSON}: running late, meet you at the {CITY} station at {DATE_TIME}",
    "lol {PERSON} just moved to {CITY} without telling anyone",
    "Profile: {FULLNAME}, {AGE}, {JOB}. Website {URL}. Based in {CITY}.",
    "Support ticket from {EMAIL_ADDRESS}: cannot log in since {DATE_TIME}.",
    "He married {FULLNAME}, a {NRP} painter, in {CITY} in {YEAR}.",
    "Visit {URL} or write to {ORG}, {ADDRESS}.",
    "The {ORG} team in {CITY} ({PERSON}, {PERSON}) shipped the release on {DATE_TIME}.",
    "{FULLNAME}\n{JOB}\n{PHONE_NUMBER}\n{EMAIL_ADDRESS}\n{URL}",
    "Ref. {TICKET}: {TITLE} {PERSON} from {CITY} reports a faulty heater.",
    "According to the {ORG} report, {COUNTRY} and {COUNTRY} signed the treaty on {DATE_TIME}.",
    # v0.4 candidates: postal addresses that end in a country ({POSTAL}, all O) next to countries and cities named on
    # their own (LOCATION), so the head learns the difference from the context rather than from the word.
    "Please update my mailing address to {POSTAL}.",
    "Return address: {POSTAL}",
    "{FULLNAME}\n{POSTAL}",
    "Our new home is {POSTAL} - come visit when you are in {COUNTRY}!",
    "{ORG}\n{POSTAL}\nVAT no. {ORDER}",
    "The parcel went to {POSTAL} although I moved to {CITY} in {YEAR}.",
    "I am from {COUNTRY}, but my bank still writes to {POSTAL}.",
    "Registered office: {POSTAL}. Branches in {CITY} and {COUNTRY}.",
    "Trip report: two weeks in {COUNTRY}, mostly around {CITY}.",
    "Who else is flying to {COUNTRY} next month?",
    "{PERSON} is originally from {CITY}, {COUNTRY}.",
)

# Slot names that render a PII value under another name (more varied forms for the same label).
ALIASES = {"FULLNAME": "PERSON", "CITY": "LOCATION", "COUNTRY": "LOCATION", "YEAR": "DATE_TIME"}

# Sentences without PII keep the token head from tagging every capitalised word.
NO_PII: tuple[str, ...] = (
    "can you help me reset my password",
    "What is the best way to learn Python?",
    "my card was declined at the store, what should I do",
    "Please summarize the attached report in three bullet points.",
    "How many calories are in an apple?",
    "write a haiku about the ocean",
    "I want to change my delivery address",
    "Is it going to rain tomorrow?",
    "Tell me a joke about programmers.",
    "What's the difference between a Roth IRA and a traditional IRA?",
    "Microsoft and Google both released new models this week.",
    "Order 48213 was shipped from the Main Street warehouse.",
    "The error code is 0x80070005, what does it mean?",
    "Python 3.11.4 is installed at version 23.1 of pip.",
    "Meet me at the North Gate of the Central Park Zoo.",
    "Apple shares rose 3.2% to 187.50 dollars on Friday.",
    "the commit hash is 9f86d081884c7d659a2feaa0c55ad015",
    "Please rate the Blue Bottle Coffee on Market Street.",
    "My flight number is LH 454 and my seat is 32C.",
    "The Amazon river is longer than the Nile according to some.",
)

_SPLIT = re.compile(r"(\{[A-Z_]+\})")


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    digits = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


def credit_card(rng: random.Random) -> str:
    prefix, length = rng.choice((("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16)))
    num = luhn_complete(prefix, length, rng)
    style = rng.random()
    if style < 0.4:
        return num
    sep = " " if style < 0.75 else "-"
    if length == 15:
        return sep.join((num[:4], num[4:10], num[10:]))
    return sep.join(num[i : i + 4] for i in range(0, 16, 4))


def iban(rng: random.Random) -> str:
    country, blen = rng.choice((("DE", 18), ("GB", 18), ("FR", 23), ("ES", 20), ("IT", 23), ("NL", 14)))
    bban = "".join(rng.choice(string.digits) for _ in range(blen))
    if country in ("GB", "NL"):
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + bban[4:]
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    raw = f"{country}{check:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    return raw


def ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    group, serial = rng.randint(1, 99), rng.randint(1, 9999)
    sep = rng.choice(("-", "-", " "))
    return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"


# Fixed date range: Faker's relative bounds ("-60y", "now") move with the clock, so the same seed gave other
# dates on another day, and other text.
DATE_RANGE = (dt.date(1966, 1, 1), dt.date(2027, 12, 31))


def _date(fake: Faker, rng: random.Random) -> str:
    d = fake.date_between(start_date=DATE_RANGE[0], end_date=DATE_RANGE[1])
    return rng.choice(
        (
            d.strftime("%B %d, %Y"),
            d.strftime("%d/%m/%Y"),
            d.strftime("%Y-%m-%d"),
            d.strftime("%d %B %Y"),
            d.strftime("%B %d"),
            f"{rng.randint(1, 12)}pm",
            f"{rng.randint(0, 23):02d}:{rng.choice((0, 15, 30, 45)):02d}",
            d.strftime("%A"),
            f"{d.strftime('%B %d')} at {rng.randint(1, 12)}{rng.choice(('am', 'pm'))}",
        )
    )


def _value(kind: str, fake: Faker, rng: random.Random) -> str:
    if kind == "FULLNAME":
        first, last = fake.first_name(), fake.last_name()
        middle = rng.choice(string.ascii_uppercase)
        return rng.choice((f"{first} {last}", f"{first} {middle}. {last}", f"{first} {middle} {last}"))
    if kind == "CITY":
        city = fake.city()
        return city.upper() if rng.random() < 0.1 else city
    if kind == "COUNTRY":
        return fake.country()
    if kind == "YEAR":
        return str(rng.randint(1900, 2025))
    if kind == "PERSON":
        # first + last rather than fake.name(): Faker adds titles/degrees ("Frau", "B.Eng.") that are not
        # part of a person's name span, which taught the head wrong PERSON boundaries in v0.1.
        return rng.choice(
            (
                lambda: f"{fake.first_name()} {fake.last_name()}",
                lambda: f"{fake.first_name()} {fake.last_name()}",
                fake.first_name,
                fake.last_name,
            )
        )()
    if kind == "LOCATION":
        return rng.choice((fake.city, fake.city, fake.country))()
    if kind == "DATE_TIME":
        return _date(fake, rng)
    if kind == "EMAIL_ADDRESS":
        return fake.email()
    if kind == "PHONE_NUMBER":
        return fake.phone_number()
    if kind == "CREDIT_CARD":
        return credit_card(rng)
    if kind == "IBAN_CODE":
        return iban(rng)
    if kind == "US_SSN":
        return ssn(rng)
    if kind == "IP_ADDRESS":
        return fake.ipv4() if rng.random() < 0.75 else fake.ipv6()
    return _distractor(kind, fake, rng)


# Distractor slots: rendered into the text but never labelled (they must be tagged O). They look like the
# structured PII types (long digit runs, hex strings, dotted numbers, capitalised organisation names) so the
# token head stops calling every long alphanumeric an IBAN/IP and every capitalised word a PERSON.
DISTRACTORS = frozenset(
    {"ORDER", "ORG", "TRACKING", "AMOUNT", "ROOM", "VERSION", "FLIGHT", "TICKET", "HEXID"}
    | {"ADDRESS", "POSTAL", "STREET", "TITLE", "JOB", "AGE", "NRP", "URL"}
)
_NRP = ("American", "British", "German", "French", "Spanish", "Italian", "Dutch", "Polish", "Irish", "Greek")


def _distractor(kind: str, fake: Faker, rng: random.Random) -> str:
    if kind == "ORDER":
        return "".join(rng.choice(string.digits) for _ in range(rng.randint(5, 10)))
    if kind == "ORG":
        return fake.company()
    if kind == "TRACKING":
        return rng.choice(("1Z", "JD", "LX", "")) + "".join(
            rng.choice(string.ascii_uppercase + string.digits) for _ in range(rng.randint(10, 18))
        )
    if kind == "AMOUNT":
        return f"{rng.randint(1, 99999):,}.{rng.randint(0, 99):02d}"
    if kind == "ROOM":
        return str(rng.randint(100, 4999))
    if kind == "VERSION":
        return ".".join(str(rng.randint(0, 20)) for _ in range(rng.choice((2, 3, 4))))
    if kind == "FLIGHT":
        return rng.choice(("LH", "BA", "AF", "UA", "KL", "IB")) + " " + str(rng.randint(10, 9999))
    if kind == "TICKET":
        return rng.choice(("JIRA-", "SR", "CASE-", "SKU-", "")) + "".join(
            rng.choice(string.ascii_uppercase + string.digits) for _ in range(rng.randint(6, 12))
        )
    if kind == "HEXID":
        return "".join(rng.choice("0123456789abcdef") for _ in range(rng.choice((7, 12, 32))))
    if kind == "ADDRESS":
        return fake.address().replace("\n", rng.choice((", ", "\n", " ")))
    if kind == "POSTAL":
        # A full postal address that ends in its country, as Presidio's STREET_ADDRESS spans do: the city and
        # the country inside it are part of the address (O), unlike a country named on its own.
        sep = rng.choice((", ", "\n", " ", "\n "))
        tail = rng.choice((fake.current_country(), fake.country(), fake.current_country().upper()))
        return sep.join((*fake.address().split("\n"), tail))
    if kind == "STREET":
        return fake.street_address()
    if kind == "TITLE":
        return rng.choice(("Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Mr", "Ms"))
    if kind == "JOB":
        return fake.job()
    if kind == "AGE":
        return str(rng.randint(18, 95))
    if kind == "NRP":
        return rng.choice(_NRP)
    if kind == "URL":
        return rng.choice(("https://", "http://", "")) + fake.domain_name() + rng.choice(("", "/", "/about"))
    raise KeyError(kind)


def fill(template: str, fakes: list[Faker], rng: random.Random) -> tuple[str, tuple[Span, ...]]:
    fake = rng.choice(fakes)
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    for piece in _SPLIT.split(template):
        if piece.startswith("{") and piece.endswith("}"):
            kind = piece[1:-1]
            val = _value(kind, fake, rng).strip()
            if kind not in DISTRACTORS:
                spans.append((pos, pos + len(val), ALIASES.get(kind, kind)))
            piece = val
        parts.append(piece)
        pos += len(piece)
    text = "".join(parts)
    if rng.random() < 0.3:
        text = text.lower()
    return text, tuple(spans)


def seeded_fakers(base_seed: int) -> list[Faker]:
    """One Faker per locale, seeded ``base_seed + i`` so the generated data is reproducible.

    Seeding is not enough on its own: Faker's it_IT address provider builds its ``cities`` list from a set, so
    its order (and every city drawn from it) changed with PYTHONHASHSEED, i.e. with every process, and with it
    the PII training and validation text. Such lists are sorted here.
    """
    fakes = []
    for i, loc in enumerate(LOCALES):
        f = Faker(loc)
        for provider in f.get_providers():
            if isinstance(getattr(provider, "cities", None), list):
                provider.cities = sorted(provider.cities)
        f.seed_instance(base_seed + i)
        fakes.append(f)
    return fakes


def generate(n: int, seed: int, templates: tuple[str, ...] = TEMPLATES) -> list[Example]:
    """n sentences (≈7% without PII), each also safety-benign."""
    rng = random.Random(seed)
    fakes = seeded_fakers(seed * 100)
    out: list[Example] = []
    for _ in range(n):
        if rng.random() < 0.07:
            out.append(Example(text=rng.choice(NO_PII), source="pii_synth/none", safety=BENIGN, pii=()))
            continue
        text, spans = fill(rng.choice(templates), fakes, rng)
        out.append(Example(text=text, source="pii_synth", safety=BENIGN, pii=spans))
    return out
