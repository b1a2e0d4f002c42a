#!/usr/bin/env python3
"""Baseline `countersign evaluate` in plain Python (stdlib only).

Reads proposals as JSON lines (a file or stdin) and writes one verdict line per
input line, using the built-in default policy of CONTRACT.md section 4 and the
decision rules of section 2. It is the honest reference the Swift binary is
timed against: compiled regexes, the json module, buffered writes, nothing
heroic.

    python3 baseline.py [--policy-default] [FILE] > verdicts.jsonl

Output lines:

    {"line": N, "idempotency_key": ..., "level": ..., "risk_class": ...,
     "reasons": [{"code": ..., "level": ..., "detail": ...}]}
    {"line": N, "error": {"code": ..., "message": ...}}

Exit status 1 when any line failed, 2 on usage errors.
"""

import argparse
import json
import re
import sys
from collections import deque
from datetime import datetime, timezone
from decimal import Decimal

# --- default policy (CONTRACT.md section 4) ---------------------------------

D = Decimal
RISK_CLASSES = {
    "read_only": (D("0.60"), D("0.40"), D("0.20")),
    "low_risk_write": (D("0.85"), D("0.70"), D("0.50")),
    "high_risk_write": (D("0.95"), D("0.85"), D("0.70")),
    "financial": (D("0.99"), D("0.95"), D("0.80")),
}
DEFAULT_RISK_CLASS = "high_risk_write"
OPERATIONS = {
    "lookup_order": "read_only",
    "update_address": "low_risk_write",
    "cancel_order": "high_risk_write",
    "refund": "financial",
}
CURRENCY = "USD"
APPROVE_OVER = D("500")
ESCALATE_OVER = D("5000")
MAX_REFERENCE_RATIO = D("1.0")
APPROVALS_MAX = 3
APPROVALS_WITHIN = 24 * 3600.0
STREAK_COUNT = 3
STREAK_BELOW = D("0.6")
STREAK_WITHIN = 3600.0

AUTO, NOTIFY, APPROVE, ESCALATE = "auto", "notify", "approve", "escalate"
SEVERITY = {AUTO: 0, NOTIFY: 1, APPROVE: 2, ESCALATE: 3}

# --- PII detectors: regex finds candidates, a checksum confirms them --------

CARD_RE = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
SSN_RE = re.compile(r"(?<![\d-])(\d{3})-(\d{2})-(\d{4})(?![\d-])")
CN_ID_RE = re.compile(r"\b\d{17}[\dXx]\b")

# IBAN length per country (SWIFT IBAN registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16,
    "BG": 22, "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22,
    "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22,
    "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21,
    "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30,
    "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26,
    "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CN_CHECK = "10X98765432"
CN_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


def luhn_ok(digits):
    """True when the digit string passes the Luhn checksum."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i & 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(compact):
    """True when an IBAN (no spaces) has its country's length and passes mod-97."""
    length = IBAN_LENGTHS.get(compact[:2])
    if length is None or len(compact) < length:
        return False
    iban = compact[:length]  # greedy matches may run into a following word
    rearranged = iban[4:] + iban[:4]
    try:
        return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    except ValueError:
        return False


def ssn_ok(area, group, serial):
    """US SSN rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    a = int(area)
    return a != 0 and a != 666 and a < 900 and group != "00" and serial != "0000"


def cn_id_ok(s):
    """Chinese resident id: province, real birth date, ISO 7064 MOD 11-2 check digit."""
    if s[:2] not in CN_PROVINCES:
        return False
    try:
        born = datetime(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born.year > 2100:
        return False
    total = sum(int(c) * w for c, w in zip(s, CN_WEIGHTS))
    return CN_CHECK[total % 11] == s[17].upper()


def has_card(text):
    for m in CARD_RE.finditer(text):
        digits = m.group().replace(" ", "").replace("-", "")
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            return True
    return False


def has_iban(text):
    return any(iban_ok(m.group().replace(" ", "")) for m in IBAN_RE.finditer(text))


def has_ssn(text):
    return any(ssn_ok(*m.groups()) for m in SSN_RE.finditer(text))


def has_cn_id(text):
    return any(cn_id_ok(m.group()) for m in CN_ID_RE.finditer(text))


PII_DETECTORS = (
    ("pii.card_number", "a card number", has_card),
    ("pii.iban", "an IBAN", has_iban),
    ("pii.us_ssn", "a US social security number", has_ssn),
    ("pii.cn_resident_id", "a Chinese resident id number", has_cn_id),
)

HUMAN_RE = re.compile(
    r"\b(?:(?:real|live|actual) (?:person|human|agent|representative)"
    r"|(?:talk|speak|chat) (?:to|with) (?:a |an |your )?"
    r"(?:human|person|manager|supervisor|representative|someone)"
    r"|human being|transfer me|not (?:a|another) (?:bot|robot|machine))\b",
    re.IGNORECASE,
)
LEGAL_RE = re.compile(
    r"\b(?:lawyers?|attorneys?|lawsuits?|legal action|litigation|sue|suing|"
    r"solicitors?|small claims|class action|(?:see you|take you|taking you) (?:in|to) court|"
    r"court case|subpoena|GDPR|ombudsman)\b",
    re.IGNORECASE,
)

# --- input validation -------------------------------------------------------


class BadProposal(Exception):
    """A line that is not a valid proposal; carries a stable error code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def is_number(v):
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


def require_string(p, key):
    v = p.get(key)
    if v is None:
        raise BadProposal("missing_field", f"{key} is required")
    if not isinstance(v, str) or not v:
        raise BadProposal("invalid_field", f"{key} must be a non-empty string")
    return v


def optional_money(p, key):
    v = p.get(key)
    if v is None:
        return None
    if not is_number(v):
        raise BadProposal("invalid_field", f"{key} must be a number")
    if v < 0:
        raise BadProposal("invalid_field", f"{key} must not be negative")
    return Decimal(v)


def optional_string(p, key):
    v = p.get(key)
    if v is not None and not isinstance(v, str):
        raise BadProposal("invalid_field", f"{key} must be a string")
    return v


def parse_time(v):
    """RFC 3339 timestamp to POSIX seconds; naive times are taken as UTC."""
    if not isinstance(v, str):
        raise BadProposal("invalid_field", "at must be an RFC 3339 timestamp")
    try:
        t = datetime.fromisoformat(v)
    except ValueError:
        raise BadProposal("invalid_field", "at must be an RFC 3339 timestamp") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.timestamp()


def parse_proposal(line):
    """Decode and validate one line; returns the proposal dict."""
    try:
        p = json.loads(line, parse_float=Decimal, parse_constant=_reject_constant)
    except ValueError as e:
        raise BadProposal("invalid_json", f"not valid JSON: {e}") from None
    if not isinstance(p, dict):
        raise BadProposal("invalid_proposal", "a proposal must be a JSON object")
    require_string(p, "agent")
    require_string(p, "operation")
    require_string(p, "action")
    c = p.get("confidence")
    if c is None:
        raise BadProposal("missing_field", "confidence is required")
    if not is_number(c) or not 0 <= c <= 1:
        raise BadProposal("invalid_field", "confidence must be a number from 0 to 1")
    p["amount"] = optional_money(p, "amount")
    p["reference_amount"] = optional_money(p, "reference_amount")
    for key in ("subject", "currency", "reasoning", "impact", "fallback", "idempotency_key"):
        optional_string(p, key)
    messages = p.get("messages")
    if messages is not None:
        if not isinstance(messages, list):
            raise BadProposal("invalid_field", "messages must be a list")
        for m in messages:
            if not isinstance(m, dict) or not isinstance(m.get("text"), str):
                raise BadProposal("invalid_field", "each message needs a text string")
    context = p.get("context")
    if context is not None and not isinstance(context, dict):
        raise BadProposal("invalid_field", "context must be an object")
    at = p.get("at")
    p["at"] = parse_time(at) if at is not None else None
    return p


# --- the decision -----------------------------------------------------------


class Evaluator:
    """Applies the default policy to a stream, keeping per-subject history."""

    def __init__(self):
        self.approvals = {}  # subject -> deque of times of approve-level proposals
        self.recent = {}  # subject -> deque of (time, confidence), last count-1
        self.clock = 0.0  # last `at` seen; used for proposals without one

    def evaluate(self, p):
        operation = p["operation"]
        confidence = p["confidence"]
        amount = p["amount"]
        reference = p["reference_amount"]
        risk_class = OPERATIONS.get(operation, DEFAULT_RISK_CLASS)
        auto, notify, approve = RISK_CLASSES[risk_class]
        reasons = []
        level = AUTO

        def fire(code, lvl, detail):
            nonlocal level
            reasons.append({"code": code, "level": lvl, "detail": detail})
            if SEVERITY[lvl] > SEVERITY[level]:
                level = lvl

        # 1. confidence tiers
        if confidence < auto:
            tier = NOTIFY if confidence >= notify else APPROVE if confidence >= approve else ESCALATE
            fire(f"confidence.{risk_class}", tier,
                 f"confidence {confidence} is below the {risk_class} auto threshold {auto}")

        # 2. amount rules, 3. sanity
        if amount is not None:
            currency = p.get("currency") or CURRENCY
            if amount > APPROVE_OVER:
                fire("amount.approve_over", APPROVE,
                     f"amount {amount:,.2f} {currency} is over {APPROVE_OVER:,.2f}")
            if amount > ESCALATE_OVER:
                fire("amount.escalate_over", ESCALATE,
                     f"amount {amount:,.2f} {currency} is over {ESCALATE_OVER:,.2f}")
            if reference is not None and amount > reference * MAX_REFERENCE_RATIO:
                if reference > 0:
                    detail = f"amount is {amount / reference:.1f}\u00d7 the reference {reference:,.2f}"
                else:
                    detail = f"amount {amount:,.2f} is over a reference of 0.00"
                fire("sanity.reference_ratio", ESCALATE, detail)
        approval_level = level

        # 4. hard escalation rules
        texts = [p["action"]]
        customer = []
        for key in ("reasoning", "impact", "fallback"):
            v = p.get(key)
            if v:
                texts.append(v)
        for m in p.get("messages") or ():
            texts.append(m["text"])
            if m.get("role") == "customer":
                customer.append(m["text"])
        for v in (p.get("context") or {}).values():
            if isinstance(v, str):
                texts.append(v)
        text = "\n".join(texts)
        for code, what, detect in PII_DETECTORS:
            if detect(text):
                fire(code, ESCALATE, f"the proposal contains {what}")
        if customer:
            m = HUMAN_RE.search("\n".join(customer))
            if m:
                fire("human_request", ESCALATE, f"the customer asks for a human (\"{m.group()}\")")
        m = LEGAL_RE.search(text)
        if m:
            fire("legal", ESCALATE, f"legal or compliance matter (\"{m.group()}\")")
        # consecutive_rejections needs human decisions, which a stream does not carry.

        # 4 (approvals per subject) and 5 (low-confidence streak)
        now = p["at"] if p["at"] is not None else self.clock
        self.clock = now
        subject = p.get("subject")
        if subject:
            if approval_level == APPROVE:
                times = self.approvals.get(subject)
                if times is None:
                    times = self.approvals[subject] = deque()
                while times and now - times[0] > APPROVALS_WITHIN:
                    times.popleft()
                if len(times) + 1 >= APPROVALS_MAX:
                    fire("approvals.per_subject", ESCALATE,
                         f"this would be approval {len(times) + 1} for {subject} within 24h")
                times.append(now)
            recent = self.recent.get(subject)
            if recent is None:
                recent = self.recent[subject] = deque(maxlen=STREAK_COUNT - 1)
            if (confidence < STREAK_BELOW and len(recent) == STREAK_COUNT - 1
                    and all(now - t <= STREAK_WITHIN and c < STREAK_BELOW for t, c in recent)):
                fire("confidence.low_streak", ESCALATE,
                     f"the last {STREAK_COUNT} proposals for {subject} within 1h "
                     f"all had confidence below {STREAK_BELOW}")
            recent.append((now, confidence))

        return level, risk_class, reasons


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--policy-default", action="store_true",
                    help="use the built-in default policy (the only one supported)")
    ap.add_argument("file", nargs="?", help="JSON lines of proposals (default: stdin)")
    args = ap.parse_args(argv)

    source = open(args.file, encoding="utf-8") if args.file else sys.stdin
    out = sys.stdout
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    evaluator = Evaluator()
    failed = False
    buf = []
    with source:
        for n, line in enumerate(source, 1):
            try:
                p = parse_proposal(line)
                level, risk_class, reasons = evaluator.evaluate(p)
                rec = {"line": n, "idempotency_key": p.get("idempotency_key"),
                       "level": level, "risk_class": risk_class, "reasons": reasons}
            except BadProposal as e:
                failed = True
                rec = {"line": n, "error": {"code": e.code, "message": e.message}}
            buf.append(dumps(rec))
            if len(buf) >= 1024:
                buf.append("")
                out.write("\n".join(buf))
                buf.clear()
    if buf:
        buf.append("")
        out.write("\n".join(buf))
    out.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
