"""Normalise Chinese, Arabic and full-width numerals, percentages, fractions and ranges.

``parse_number("九万四") == 94000``, ``parse_quantity("5%—8%")`` gives 5 .. 8 percent,
``find_numbers`` / ``find_percentages`` / ``find_ranges`` scan free text (they are what
the peer specs of Recognizers-Text are run against). Nothing here raises on arbitrary
input: unparseable text gives ``None`` or an empty list. Pure Chinese numerals go
through cn2an (``normal`` mode) where it accepts them; the hand-written reader below
covers what cn2an rejects (``一百零十万``, ``千三``, mixed ``3万4000``, ``几``/``多``).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from fractions import Fraction

import cn2an

# cn2an logs a warning for some inputs it later rejects; those are expected here.
logging.getLogger("cn2an").setLevel(logging.ERROR)

# Full-width ASCII and traditional numeral characters, folded 1:1 so offsets survive.
_FOLD = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x2212: 0x2D})  # ideographic space, minus sign
_FOLD.update(str.maketrans("萬億兩倆點負幾個貳陸對雙", "万亿两两点负几个贰陆对双"))
_FOLD.update(str.maketrans("，．：／", ",.:/"))

CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "两": 2, "俩": 2,
    "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6,
    "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10**4, "亿": 10**8, "兆": 10**12}
APPROX = "几多余来"
_D = "".join(CN_DIGITS)
_U = "".join(SMALL_UNITS) + "".join(BIG_UNITS)
# Characters that are numerals only next to other numerals (队伍, 拾取, 陆地, 肆意).
AMBIGUOUS = set("伍拾陆肆佰仟幺")

# Atomic groups keep long digit runs from backtracking exponentially.
_AR = r"(?>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_ATOM = rf"(?:{_AR}|[{_D}]|[{_U}](?![ \t]*分[ \t]*[点位]))"
_INT = rf"(?:{_ATOM}(?:[ \t]*(?:{_ATOM}|[{APPROX}](?=[ \t]*[{_U}])))*(?:[ \t]*[多余](?![{_D}]))?)"
_DEC = rf"(?:{_INT}(?:[ \t]*点[ \t]*[{_D}](?:[ \t]*[{_D}])*)?)"
_FRAC = rf"(?:负?{_DEC}[ \t]*分[ \t]*之[ \t]*负?{_DEC})"
_SCI = r"(?:-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+|\^[+-]*\d+))"
_SLASH = r"(?:-?(?:\d+[ \t]+)?\d+/\d+)"
NUMBER_RX = re.compile(
    rf"{_SCI}|{_SLASH}|(?:负|-)?(?:{_DEC}[ \t]*又[ \t]*{_FRAC}|{_FRAC}|{_DEC})(?:[ \t]*[kKM](?![a-zA-Z]))?"
)
_TOKEN_RX = re.compile(rf"{_AR}|[{_D}{_U}{APPROX}]")


def fold(text: str) -> str:
    """Full-width ASCII and traditional numeral characters to their plain forms (1:1)."""
    try:
        return text.translate(_FOLD)
    except Exception:  # pragma: no cover - translate only fails on non-str
        return ""


def _int_part(s: str) -> Fraction | None:
    """Read an integer numeral of Arabic digit groups, Chinese digits and units."""
    # Long on purpose: one state machine over numeral tokens (total, section, current value,
    # the largest big unit so far); split, those four would travel between the pieces.
    toks = _TOKEN_RX.findall(s)
    if not toks or "".join(toks) != s:
        return None
    total = Fraction(0)
    max_big = 0
    section = Fraction(0)
    current: Fraction | None = None
    cur_single = False  # current is one Chinese digit (abbreviation ``一千三`` applies)
    after_zero = False
    last_unit = 0
    seen_digit = False
    prev_big = False
    for t in toks:
        if t not in BIG_UNITS:
            prev_big = False
        if t in CN_DIGITS:
            if CN_DIGITS[t] == 0:
                after_zero = True
                if current is not None:
                    section += current
                current = None
                seen_digit = True
                continue
            if current is not None:  # ``九九``: a digit string
                current = current * 10 + CN_DIGITS[t]
                cur_single = False
            else:
                current = Fraction(CN_DIGITS[t])
                cur_single = not after_zero
            seen_digit = True
        elif t in APPROX:
            after_zero = True
        elif t in SMALL_UNITS:
            u = SMALL_UNITS[t]
            section += (current if current is not None else 1) * u
            current, cur_single, after_zero, last_unit = None, False, False, u
        elif t in BIG_UNITS:
            u = BIG_UNITS[t]
            if current is not None:
                section += current
            if section == 0 and total == 0 and not seen_digit:
                return None  # a bare ``万``
            if u > max_big or (section == 0 and prev_big):  # 万亿, 万万: multiply
                total = (total + (section if section else (1 if total == 0 else 0))) * u
                max_big = max(max_big, u)
            else:
                total += (section if section else 1) * u
            section, current, cur_single, after_zero, last_unit = Fraction(0), None, False, False, u
            prev_big = True
            continue
        else:  # Arabic digits
            v = Fraction(t.replace(",", ""))
            if current is not None:
                return None
            current, cur_single, after_zero = v, False, False
            seen_digit = True
    if current is not None:
        if cur_single and last_unit >= 10 and not after_zero:
            current *= Fraction(last_unit, 10)  # 一千三 = 1300, 九万四 = 94000
        section += current
    if not seen_digit and total == 0 and section == 0:
        if last_unit:  # 十, 百 alone
            return section or None
        return None
    return total + section


def _decimal(s: str) -> Fraction | None:
    s = s.replace(" ", "").replace("\t", "")
    if not s:
        return None
    if "点" in s:
        head, _, tail = s.partition("点")
        mult = Fraction(1)
        while tail and tail[-1] in BIG_UNITS:  # 一点五万 = 15000, 二点三亿
            mult *= BIG_UNITS[tail[-1]]
            tail = tail[:-1]
        if not tail or any(c not in CN_DIGITS for c in tail):
            return None
        whole = _int_part(head) if head else Fraction(0)
        if whole is None:
            return None
        frac = "".join(str(CN_DIGITS[c]) for c in tail)
        return (whole + Fraction(int(frac), 10 ** len(frac))) * mult
    return _int_part(s)


def _cn2an(s: str) -> Fraction | None:
    if not s or any(c not in CN_DIGITS and c not in SMALL_UNITS and c not in BIG_UNITS and c != "点"
                    for c in s):
        return None
    try:
        return Fraction(str(cn2an.cn2an(s, "normal")))
    except Exception:
        return None


def parse_fraction(text: str) -> Fraction | None:
    """Exact value of a numeral string (see ``parse_number``), or None."""
    try:
        return _parse(text)
    except Exception:  # never raise on arbitrary text
        return None


def _parse(text: str) -> Fraction | None:
    s = fold(text).strip().replace("\u00a0", " ")
    if not s or len(s) > 80:
        return None
    if s == "半百":
        return Fraction(50)
    if s.endswith("打") and len(s) > 1:  # a dozen
        v = _parse(s[:-1])
        return v * 12 if v is not None else None
    sign = 1
    if s[0] in "负-":
        sign, s = -1, s[1:].lstrip()
    if not s:
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?|\.\d+)(?:[eE]([+-]?\d+)|\^([+-]*)(\d+))", s)
    if m:
        base = Fraction(m.group(1))
        if m.group(2) is not None:
            return sign * base * Fraction(10) ** int(m.group(2))
        exp = int(m.group(4)) * (-1 if m.group(3).count("-") % 2 else 1)
        if abs(exp) > 300:
            return None
        return sign * Fraction(float(base) ** exp)
    m = re.fullmatch(r"(?:(\d+)\s+)?(\d+)/(\d+)", s)
    if m:
        if int(m.group(3)) == 0:
            return None
        whole = Fraction(int(m.group(1))) if m.group(1) else Fraction(0)
        return sign * (whole + Fraction(int(m.group(2)), int(m.group(3))))
    if "又" in s:
        head, _, tail = s.partition("又")
        a, b = _parse(head), _parse(tail)
        if a is None or b is None or "分之" not in tail.replace(" ", ""):
            return None
        return sign * (a + b)
    compact = re.sub(r"[ \t]+", "", s)
    if "分之" in compact:
        den_s, _, num_s = compact.partition("分之")
        den = Fraction(100) if den_s == "百" else (Fraction(1000) if den_s == "千" else (
            Fraction(10000) if den_s == "万" else _parse(den_s)))
        num = _parse(num_s)
        if den is None or num is None or den == 0:
            return None
        return sign * num / den
    mult = 1
    km = re.fullmatch(r"(.*?)\s*([kKM])", compact)
    if km and km.group(1) and km.group(1)[-1].isdigit():
        compact, mult = km.group(1), (1000 if km.group(2) in "kK" else 1_000_000)
    v = _cn2an(compact)
    if v is None:
        v = _decimal(compact)
    if v is None:
        return None
    return sign * v * mult


def parse_number(text: str) -> float | None:
    """The value of a whole numeral string (``7万`` → 70000, ``三分之一`` → 0.333…), else None."""
    v = parse_fraction(text)
    if v is None:
        return None
    try:
        f = float(v)
    except (OverflowError, ZeroDivisionError):
        return None
    return f if math.isfinite(f) else None


def clean(value: float) -> float | int:
    """``90.0`` → ``90``; other floats rounded to 10 significant digits."""
    if value == int(value) and abs(value) < 1e18:
        return int(value)
    return float(f"{value:.10g}")


@dataclass(frozen=True)
class Quantity:
    """A number or range read from a quantity span; ``unit`` is set for % and 倍 only."""

    value: float
    value_max: float | None = None
    unit: str | None = None


_RANGE_SEP = re.compile(r"\s*(?:[-~—–～]+|至|到)\s*")
# Tenths written with 成 (``九成`` 90%, ``八成五`` 85%, ``七成半`` 75%, ``半成`` 5%): a percentage.
_TENTHS = re.compile(rf"^(?P<n>半|(?:10|[0-9]|十|[{_D}]))[ \t]*成(?:[ \t]*(?P<e>半|[{_D}]))?$")
_FANFAN = re.compile(r"^翻(?:了)?([一二两三四五六七八九1-9]?)番$")
# A fraction (``三分之一`` 33.33%, ``千分之五`` 0.5%, ``2/3`` 66.67%): a percentage, as §3 of the
# guide turns ``百分之九十五`` into 95 % (addendum F12). ``百分之`` is read above.
_FRACTION = re.compile(r"^(?P<d>[^分]{1,3})分之(?P<n>.+)$|^(?P<sn>[1-9])/(?P<sd>[2-9]|10)$")


def parse_quantity(text: str) -> Quantity | None:
    """Read ``90%``, ``百分之九十五``, ``1-2``, ``5%—8%``, ``3至5``, ``7万``, ``翻一番``; else None."""
    try:
        return _quantity(text)
    except Exception:
        return None


def _quantity(text: str) -> Quantity | None:
    s = fold(text).strip()
    if not s:
        return None
    m = _FANFAN.match(s)
    if m:
        n = parse_number(m.group(1)) if m.group(1) else 1
        if n is None or n > 10:
            return None
        return Quantity(float(2 ** int(n)), None, "倍")
    single = _percent_or_number(s)
    if single is not None:
        return single
    # A range: two sides around one separator; ``-5`` alone is a negative number.
    for sep in _RANGE_SEP.finditer(s):
        if sep.start() == 0:
            continue
        left, right = s[: sep.start()], s[sep.end():]
        a, b = _percent_or_number(left), _percent_or_number(right)
        if a is None or b is None:
            continue
        unit = b.unit or a.unit
        if a.unit and b.unit and a.unit != b.unit:
            return None
        lo, hi = a.value, b.value
        if _TENTHS.match(right.strip()) and a.unit is None:
            lo = lo * 10  # 七至八成: both sides in tenths
        if hi < lo:
            continue
        return Quantity(lo, hi, unit)
    return None


def _percent_or_number(s: str) -> Quantity | None:
    s = s.strip()
    if not s:
        return None
    if s.endswith("%"):
        v = parse_number(s[:-1])
        return Quantity(v, None, "%") if v is not None else None
    compact = s.replace(" ", "")
    if compact.startswith("百分之"):
        v = parse_number(compact[3:])
        return Quantity(v, None, "%") if v is not None else None
    m = _FRACTION.match(compact)
    if m:
        d = parse_number(m.group("d") or m.group("sd"))
        n = parse_number(m.group("n") or m.group("sn"))
        if d is not None and n is not None and 0 < n < d:
            return Quantity(round(100 * n / d, 2), None, "%")
    m = _TENTHS.match(compact)
    if m:
        n = 0.5 if m.group("n") == "半" else parse_number(m.group("n"))
        e = m.group("e")
        if n is None or e and n != int(n) or n > 10 or n == 10 and e:
            return None
        return Quantity(n * 10 + (5 if e == "半" else CN_DIGITS.get(e, 0) if e else 0), None, "%")
    if compact.endswith("倍"):
        v = parse_number(compact[:-1])
        return Quantity(v, None, "倍") if v is not None else None
    v = parse_number(s)
    return Quantity(v, None, None) if v is not None else None


