#!/usr/bin/env python3
"""Generate realistic Countersign proposals as JSON lines (stdlib only).

    python3 generate.py --count 200000 --seed 1 --out proposals.jsonl

The stream is deterministic for a seed. Field names follow CONTRACT.md
section 3. Roughly: 35% lookup_order, 15% update_address, 15% cancel_order,
28% refund, 7% operations the default policy does not know; confidence
0.30..1.00 skewed high; ~20k subjects, with conversations that come back to a
recent subject so per-subject rules fire; `at` a few seconds apart.

Planted in customer messages (per line): ~2% ask for a human, ~1% legal
words, ~1% a valid card number (Luhn), 0.5% a valid IBAN (mod-97),
0.5% a valid US SSN, 0.3% a valid Chinese resident id (ISO 7064 MOD 11-2), and
~8% digit strings that look like PII or order numbers but fail every check.
"""

import argparse
import json
import random
import re
import sys
from datetime import datetime, timedelta, timezone

CARD_LIKE_RE = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
START = datetime(2026, 11, 24, 8, 0, 0, tzinfo=timezone.utc)

AGENTS = {
    "lookup_order": (("support-bot", 6), ("shipping-bot", 3), ("returns-bot", 1)),
    "update_address": (("support-bot", 5), ("shipping-bot", 5)),
    "cancel_order": (("support-bot", 5), ("returns-bot", 4), ("billing-bot", 1)),
    "refund": (("billing-bot", 5), ("returns-bot", 3), ("support-bot", 2)),
    "other": (("support-bot", 4), ("billing-bot", 4), ("retention-bot", 2)),
}
OPERATIONS = (("lookup_order", 35), ("update_address", 15), ("cancel_order", 15),
              ("refund", 28), ("other", 7))
UNKNOWN_OPERATIONS = ("send_voucher", "apply_discount", "resend_invoice", "extend_warranty")
CHANNELS = ("chat", "chat", "chat", "email", "email", "phone")
CURRENCIES = ("USD",) * 8 + ("EUR", "GBP")
ITEMS = ("blender", "running shoes", "phone case", "desk lamp", "winter jacket", "coffee grinder",
         "headphones", "yoga mat", "backpack", "set of plates", "monitor", "air fryer")
CITIES = ("Portland, OR 97205", "Austin, TX 78701", "Denver, CO 80202", "Boston, MA 02108",
          "Madison, WI 53703", "Raleigh, NC 27601")
STREETS = ("Oak Street", "Maple Avenue", "Elm Road", "Harbor Way", "Pine Lane", "Lakeview Drive")

OPENERS = ("Hi,", "Hello,", "Hey,", "Hi team,", "", "")
CLOSERS = ("Thanks!", "Thank you.", "Thanks in advance.", "Please sort this out today.",
           "Let me know if you need anything else.")
CUSTOMER_BODIES = {
    "lookup_order": (
        "where is my order {order}? Tracking has not updated in three days.",
        "can you check on order {order}? I ordered a {item} last week and heard nothing.",
        "did the {item} from {order} ship? I never got a confirmation email.",
    ),
    "update_address": (
        "I moved. Please send {order} to {street_no} {street}, {city}.",
        "my address on {order} has a typo, it should be {street_no} {street}, {city}.",
    ),
    "cancel_order": (
        "I ordered the {item} by mistake, please cancel {order} before it ships.",
        "please cancel {order}, I found the same {item} cheaper elsewhere.",
        "{order} is taking too long. Cancel it and give me my money back.",
    ),
    "refund": (
        "the {item} from {order} arrived broken. I want a full refund please.",
        "I returned the {item} from {order} two weeks ago and still have no refund.",
        "you charged me twice for {order}. Please refund the duplicate charge.",
        "the {item} in {order} stopped working after two days. I want my money back.",
    ),
    "other": (
        "my last two deliveries were late and {order} is late again. Can you do something?",
        "the {item} in {order} was a disappointment. Can you make it right?",
    ),
}
AGENT_REPLIES = (
    "Sorry about the trouble with {order}. Let me look into it.",
    "Thanks for your patience, I am checking {order} now.",
)
HUMAN_ASKS = (
    "Can I talk to a real person please?", "I want to speak to a human, not a bot.",
    "Please transfer me to a live agent.", "Is there a real person I can talk to?",
    "Let me speak with a manager.",
)
LEGAL_MENTIONS = (
    "My lawyer says this is not acceptable.", "If this is not fixed I will file a lawsuit.",
    "I am prepared to take legal action over this.", "I will see you in small claims court.",
    "My attorney will be in touch.",
)
FALLBACKS = (
    "Tell the customer a specialist will follow up within 24 hours",
    "Tell the customer we will get back to them",
    "Offer a callback",
)


def luhn_check_digit(payload):
    """The digit that makes payload + digit pass Luhn."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(digits):
    return luhn_check_digit(digits[:-1]) == digits[-1]


def group(s, sizes, sep):
    out, i = [], 0
    for n in sizes:
        out.append(s[i:i + n])
        i += n
    return sep.join(x for x in out if x)


def card_digits(rng, valid=True):
    """A 15- or 16-digit card number that passes (or deliberately fails) Luhn."""
    kind = rng.random()
    if kind < 0.15:
        payload = rng.choice(("34", "37")) + "".join(rng.choice("0123456789") for _ in range(12))
    else:
        prefix = rng.choice(("4", "4", "51", "53", "55", "6011"))
        payload = prefix + "".join(rng.choice("0123456789") for _ in range(15 - len(prefix)))
    check = luhn_check_digit(payload)
    if not valid:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    return payload + check


def format_card(rng, digits):
    sep = rng.choice((" ", " ", "-", ""))
    sizes = (4, 6, 5) if len(digits) == 15 else (4, 4, 4, 4)
    return group(digits, sizes, sep) if sep else digits


def iban_check_digits(country, bban):
    rearranged = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return "%02d" % (98 - number % 97)


def passes_as_card(text):
    """True when a digit run in text would also pass a card-number check.

    Spaced IBANs contain 16-19 digit runs that pass Luhn one time in ten;
    those are re-rolled so each planted value has exactly one expected reason.
    """
    for m in CARD_LIKE_RE.finditer(text):
        digits = m.group().replace(" ", "").replace("-", "")
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            return True
    return False


def iban(rng, valid=True):
    """An IBAN (DE, GB, FR or NL layout) with correct or deliberately wrong check digits."""
    while True:
        value = _iban(rng, valid)
        if not passes_as_card(value):
            return value


def _iban(rng, valid):
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))
    letters = lambda n: "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n))
    country = rng.choice(("DE", "GB", "FR", "NL"))
    bban = {"DE": lambda: digits(18), "GB": lambda: letters(4) + digits(14),
            "FR": lambda: digits(23), "NL": lambda: letters(4) + digits(10)}[country]()
    check = iban_check_digits(country, bban)
    if not valid:
        check = "%02d" % ((int(check) - 2 + rng.randint(1, 96)) % 97 + 2)
    compact = country + check + bban
    return group(compact, (4,) * 9, " ") if rng.random() < 0.7 else compact


def ssn(rng, valid=True):
    """AAA-GG-SSSS; invalid ones use area 000, 666 or 9xx, group 00 or serial 0000."""
    area = rng.choice([a for a in range(1, 900) if a != 666] if valid else [0, 666] + list(range(900, 1000)))
    grp, serial = rng.randint(1, 99), rng.randint(1, 9999)
    if not valid and rng.random() < 0.3:
        area = rng.randint(1, 665)
        grp, serial = (0, serial) if rng.random() < 0.5 else (grp, 0)
    return "%03d-%02d-%04d" % (area, grp, serial)


CN_REGIONS = ("110101", "110105", "310104", "310115", "440305", "440106", "510107", "330106",
              "320102", "420111", "610113", "500103")
CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def cn_id(rng, valid=True):
    """An 18-character resident id; valid ones have a real birth date and check digit.

    Re-rolled until it does not also pass Luhn, so every planted value has
    exactly one expected PII reason.
    """
    while True:
        born = datetime(1950, 1, 1) + timedelta(days=rng.randint(0, 20000))
        body = rng.choice(CN_REGIONS) + born.strftime("%Y%m%d") + "%03d" % rng.randint(0, 999)
        total = sum(int(c) * w for c, w in zip(body, CN_WEIGHTS))
        check = "10X98765432"[total % 11]
        if not valid:
            check = rng.choice([c for c in "0123456789" if c != check])
        value = body + check
        if check == "X" or not luhn_ok(value):
            return value


def money(rng, median, spread=1.0):
    return round(rng.lognormvariate(0, spread) * median, 2)


def pii_or_noise(rng, order):
    """A sentence with planted PII, a look-alike that fails validation, or nothing."""
    r = rng.random()
    if r < 0.010:
        return f"You can refund it to my card {format_card(rng, card_digits(rng))}."
    r -= 0.010
    if r < 0.005:
        return f"Send the money to my bank account, IBAN {iban(rng)}."
    r -= 0.005
    if r < 0.005:
        return f"My social security number is {ssn(rng)} if you need to verify me."
    r -= 0.005
    if r < 0.003:
        return f"My resident ID number is {cn_id(rng)}."
    r -= 0.003
    if r < 0.08:  # look-alikes: must fail every detector
        kind = rng.randrange(6)
        if kind == 0:
            return f"The reference on the receipt is {format_card(rng, card_digits(rng, valid=False))}."
        if kind == 1:
            return f"The transfer reference was {iban(rng, valid=False)}."
        if kind == 2:
            return f"The case number they gave me was {ssn(rng, valid=False)}."
        if kind == 3:
            return f"The parcel ID is {cn_id(rng, valid=False)}."
        if kind == 4:
            return f"My previous order number was {rng.randint(10_000_000, 9_999_999_999)}."
        return f"Call me back at +1 {rng.randint(201, 989)} 555 {rng.randint(1000, 9999)}."
    return ""


def customer_text(rng, op, fill, human, legal, extra):
    body = rng.choice(CUSTOMER_BODIES[op]).format(**fill)
    parts = [rng.choice(OPENERS), body]
    if extra:
        parts.append(extra)
    if human:
        parts.append(rng.choice(HUMAN_ASKS))
    if legal:
        parts.append(rng.choice(LEGAL_MENTIONS))
    parts.append(rng.choice(CLOSERS))
    text = " ".join(p for p in parts if p)
    while len(text) < 100:
        text += " " + rng.choice(CLOSERS)
    return text[0].upper() + text[1:]


def weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class Generator:
    """Deterministic proposal stream for one seed."""

    def __init__(self, seed, subjects=20000, invalid_rate=0.0):
        self.rng = random.Random(seed)
        self.subjects = subjects
        self.invalid_rate = invalid_rate
        self.clock = START
        self.recent = []  # recently active (subject, order, ticket, confidence)
        self.tickets = 0
        self.steps = {}

    def conversation(self):
        """Continue a recent conversation (35%) or start a new one."""
        rng = self.rng
        if self.recent and rng.random() < 0.35:
            return rng.choice(self.recent), True
        self.tickets += 1
        conv = {"subject": f"customer-{rng.randint(1, self.subjects)}",
                "order": f"A-{rng.randint(1000, 99999)}",
                "ticket": self.tickets, "confidence": None}
        self.recent.append(conv)
        if len(self.recent) > 40:
            self.recent.pop(0)
        return conv, False

    def confidence(self, conv, returning):
        rng = self.rng
        if returning and conv["confidence"] is not None and rng.random() < 0.5:
            c = conv["confidence"] + rng.uniform(-0.05, 0.05)
        else:
            c = 1.0 - 0.7 * rng.random() ** 2.5
        c = round(min(1.0, max(0.3, c)), 2)
        conv["confidence"] = c
        return c

    def proposal(self):
        rng = self.rng
        self.clock += timedelta(seconds=rng.randint(1, 6))
        conv, returning = self.conversation()
        kind = weighted(rng, OPERATIONS)
        op = rng.choice(UNKNOWN_OPERATIONS) if kind == "other" else kind
        order = conv["order"]
        currency = rng.choice(CURRENCIES)
        fill = {"order": order, "item": rng.choice(ITEMS), "street_no": rng.randint(2, 9800),
                "street": rng.choice(STREETS), "city": rng.choice(CITIES)}

        p = {"idempotency_key": None, "agent": weighted(rng, AGENTS[kind]), "operation": op,
             "confidence": self.confidence(conv, returning)}
        amount = reference = None
        if op == "refund":
            reference = money(rng, 90, 0.9)
            r = rng.random()
            if r < 0.02:
                amount = round(reference * rng.choice((10, 10, 2, 3, 100)), 2)  # the 2,400-on-240 mistake
            elif r < 0.03:
                amount = round(rng.uniform(5000.01, 25000), 2)
            elif r < 0.6:
                amount = reference
            else:
                amount = round(reference * rng.uniform(0.1, 1.0), 2)
            if rng.random() < 0.12:
                reference = None
        elif op == "cancel_order":
            amount = reference = money(rng, 120, 1.0)
            if rng.random() < 0.01:
                amount = reference = round(rng.uniform(5000.01, 12000), 2)
        elif op in ("send_voucher", "apply_discount"):
            amount = round(rng.choice((5, 10, 15, 20, 25, 50)) + rng.choice((0, 0, 0.5, 0.99)), 2)
            if rng.random() < 0.05:
                amount = money(rng, 700, 0.6)
        if amount is not None:
            p["amount"] = amount
            p["currency"] = currency
        if reference is not None:
            p["reference_amount"] = reference
        p["subject"] = conv["subject"]
        p["action"] = self.action(op, order, amount, reference, currency, fill)
        if rng.random() < 0.6:
            p["reasoning"] = self.reasoning(op, fill)
        if rng.random() < 0.35:
            p["impact"] = self.impact(op, amount, currency)

        human = rng.random() < 0.02
        legal = rng.random() < 0.01
        extra = pii_or_noise(rng, order)
        messages = [{"role": "customer",
                     "text": customer_text(rng, kind, fill, human, legal, extra)}]
        if rng.random() < 0.15:
            messages.append({"role": "agent", "text": rng.choice(AGENT_REPLIES).format(order=order)})
        p["messages"] = messages
        p["context"] = {"order_id": order, "channel": rng.choice(CHANNELS)}
        if rng.random() < 0.2:
            p["fallback"] = rng.choice(FALLBACKS)
        p["at"] = self.clock.strftime("%Y-%m-%dT%H:%M:%SZ")

        step = self.steps[conv["ticket"]] = self.steps.get(conv["ticket"], 0) + 1
        p["idempotency_key"] = f"ticket-{conv['ticket']}/{op}/{step}"
        if self.invalid_rate and rng.random() < self.invalid_rate:
            self.spoil(p)
        return p

    def spoil(self, p):
        """Make a proposal invalid in one of the ways the CLI must report."""
        how = self.rng.randrange(4)
        if how == 0:
            del p["action"]
        elif how == 1:
            p["confidence"] = 1.3
        elif how == 2:
            p["amount"] = -10.0
        else:
            p["agent"] = 42

    @staticmethod
    def action(op, order, amount, reference, currency, fill):
        if op == "lookup_order":
            return f"Look up order {order}"
        if op == "update_address":
            return f"Change the address of order {order}"
        if op == "cancel_order":
            return f"Cancel order {order}"
        if op == "refund":
            full = reference is not None and amount == reference
            return f"Refund {amount:,.2f} {currency} on order {order}" + (" in full" if full else "")
        if op in ("send_voucher", "apply_discount"):
            return f"Give a {amount:,.2f} {currency} goodwill credit on order {order}"
        return f"Run {op} for order {order}"

    @staticmethod
    def reasoning(op, fill):
        return {
            "lookup_order": "Customer asked where the order is",
            "update_address": "New address given before the order shipped",
            "cancel_order": "Customer asked to cancel; not shipped yet",
            "refund": f"Customer reports a faulty {fill['item']}",
        }.get(op, "Goodwill gesture after repeated problems")

    @staticmethod
    def impact(op, amount, currency):
        if op == "lookup_order":
            return "None, read only"
        if op == "update_address":
            return "Parcel goes to a different address"
        if amount is not None:
            return f"{amount:,.2f} {currency} leaves the company"
        return "Customer account is changed"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, required=True, help="number of proposals")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--out", help="output file (default: stdout)")
    ap.add_argument("--subjects", type=int, default=20000, help="distinct subjects to draw from")
    ap.add_argument("--invalid-rate", type=float, default=0.0,
                    help="fraction of proposals made invalid on purpose (default 0)")
    args = ap.parse_args(argv)

    gen = Generator(args.seed, args.subjects, args.invalid_rate)
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    with out:
        buf = []
        for _ in range(args.count):
            buf.append(dumps(gen.proposal()))
            if len(buf) >= 1000:
                buf.append("")
                out.write("\n".join(buf))
                buf.clear()
        if buf:
            buf.append("")
            out.write("\n".join(buf))


if __name__ == "__main__":
    main()
