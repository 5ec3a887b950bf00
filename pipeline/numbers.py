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
_FANFAN = re.compile(r"^翻(?:了)?([一二两三四五六七八九1-9]?)番$")


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
    if compact.endswith("倍"):
        v = parse_number(compact[:-1])
        return Quantity(v, None, "倍") if v is not None else None
    v = parse_number(s)
    return Quantity(v, None, None) if v is not None else None


# ---------------------------------------------------------------------------
# Free-text scanners (used for the peer specs and for quick checks).

@dataclass(frozen=True)
class Mention:
    """A number, percentage or range found in text; offsets index the input string."""

    start: int
    end: int
    text: str
    value: float
    value_max: float | None = None
    # Interval ends for ranges: '[' / '(' and ']' / ')'; None for plain numbers.
    lower_closed: bool | None = None
    upper_closed: bool | None = None


# Words where a numeral character is not a number.
NON_NUMERAL_WORDS = ("一切", "壹切", "一看", "四川", "美元", "美刀", "十足", "两两", "九九")
_NON_NUMERAL_RX = re.compile("|".join(map(re.escape, NON_NUMERAL_WORDS)))


def _blocked(text: str, start: int, end: int) -> bool:
    piece = text[start:end]
    compact = piece.replace(" ", "")
    if compact and all(c in AMBIGUOUS for c in compact) and len(compact) == 1:
        return True
    for m in _NON_NUMERAL_RX.finditer(text, max(0, start - 3), min(len(text), end + 3)):
        if m.start() < end and m.end() > start and not (m.group() == "美元" or m.group() == "美刀"):
            return True
        if m.group() in ("美元", "美刀") and m.start() == end:
            return True
    return False


def find_numbers(text: str) -> list[Mention]:
    """Every number in ``text`` (``百分之五十`` gives 50, ``三分之一`` 0.333…), in order."""
    try:
        return _find_numbers(fold(text))
    except Exception:
        return []


def _find_numbers(s: str) -> list[Mention]:
    out: list[Mention] = []
    for m in NUMBER_RX.finditer(s):
        for start, end in _split_runs(s, m.start(), m.end()):
            piece = s[start:end]
            if not re.search(rf"[0-9{_D}{_U}]", piece) or piece in ("-", "负"):
                continue
            if all(c in BIG_UNITS or c in APPROX or c in " 负-" for c in piece):
                continue
            # ``百分之X``: the number is X (added by _merge_percent_inner), not X/100.
            if re.match(r"百[ \t]*分[ \t]*之", piece) or _blocked(s, start, end):
                continue
            if s.startswith("折", end) and len(piece) == 1:
                continue  # 一折: a discount, the percentage model's
            if start > 0 and s[start - 1] == "半" and piece == "百":
                start, piece = start - 1, "半百"
            if s.startswith("打", end):
                end, piece = end + 1, piece + "打"
            if piece[0] == "-" and start > 0 and s[start - 1] in "-.":
                start, piece = start + 1, piece[1:]
            v = parse_number(piece)
            if v is None:
                continue
            out.append(Mention(start, end, piece, v))
    return _merge_percent_inner(s, out)


def _split_runs(s: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a match where an Arabic number is followed, after a space, by a Chinese digit."""
    piece = s[start:end]
    cuts = [0]
    for m in re.finditer(rf"(?<=\d)[ \t]+(?=[{_D}])", piece):
        cuts += [m.start(), m.end()]
    cuts.append(len(piece))
    spans = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        seg = piece[a:b].rstrip()
        if seg:
            spans.append((start + a, start + a + len(seg)))
    return spans


def _merge_percent_inner(s: str, found: list[Mention]) -> list[Mention]:
    """Add the inner number of ``百分之X`` (skipped above), keeping order."""
    extra = []
    for m in re.finditer(r"百[ \t]*分[ \t]*之[ \t]*", s):
        if m.start() > 0 and s[m.start() - 1] in _D + _U:
            continue
        n = NUMBER_RX.match(s, m.end())
        if n:
            piece = n.group().rstrip()
            v = parse_number(piece)
            if v is not None:
                extra.append(Mention(n.start(), n.start() + len(piece), piece, v))
    merged = [f for f in found if not any(e.start <= f.start < e.end for e in extra)]
    return sorted(merged + extra, key=lambda x: x.start)


_PCT_RX = re.compile(
    rf"(?P<pre>(?:负|-)?[百佰][ \t]*分[ \t]*之[ \t]*(?P<a>(?:负|-)?{_DEC}(?:[ \t]*[kK])?))"
    rf"|(?P<permille>(?P<den>千|仟|万|百万|千万|万万|百万万)[ \t]*分[ \t]*之[ \t]*(?P<b>{_DEC}))"
    rf"|(?P<post>(?P<c>(?:负|-)?{_DEC}(?:[ \t]*[kK])?)[ \t]*(?:%|个[ \t]*百[ \t]*分[ \t]*点))"
    rf"|(?P<cheng>(?P<d>半|{_DEC})[ \t]*成(?:[ \t]*(?P<e>半|[{_D}]))?)"
    rf"|(?P<zhe>(?:打)?(?P<f>对|半|{_DEC})[ \t]*折)"
)
_PERMILLE = {"千": 1e3, "仟": 1e3, "万": 1e4, "百万": 1e6, "千万": 1e7, "万万": 1e8, "百万万": 1e10}


def find_percentages(text: str) -> list[Mention]:
    """Percentages in ``text``: ``95%``, ``百分之九十五``, ``3个百分点``, ``千分之一``, ``九成``, ``八折``."""
    try:
        return _find_percentages(fold(text))
    except Exception:
        return []


def _find_percentages(s: str) -> list[Mention]:
    out: list[Mention] = []
    for m in _PCT_RX.finditer(s):
        v: float | None = None
        start = m.start()
        if start > 0 and (s[start - 1] in "%=&?/" or s[start - 1].isascii() and s[start - 1].isalpha()):
            continue  # inside a URL or code
        dash = s[start] == "-" and start > 0 and s[start - 1].isdigit()
        if dash:
            start += 1  # 5-20%: a range dash, not a sign
        if m.group("pre"):
            v = parse_number(m.group("a"))
            if v is not None and m.group("pre").lstrip().startswith(("负", "-")):
                v = -v
            if re.fullmatch(rf"[{_D}]{{2}}[{_U}]", m.group("a").replace(" ", "")) and \
                    m.group("a")[0] != m.group("a")[1]:
                v = None  # 百分之二三十: vague
            if m.start() > 0 and s[m.start() - 1] in _D + _U:  # 五百分之2.2 is a fraction
                v = None
        elif m.group("permille"):
            n = parse_number(m.group("b"))
            v = n * 100 / _PERMILLE[m.group("den")] if n is not None else None
        elif m.group("post"):
            raw = m.group("c").replace(" ", "")
            if re.fullmatch(rf"[{_D}]{{2}}[{_U}]?", raw) and raw[0] != raw[1] and not raw.endswith(tuple(_U)):
                v = None  # 二三十个百分点: vague
            else:
                v = parse_number(m.group("c"))
                if re.fullmatch(rf"[{_D}]{{2}}十", raw):
                    v = None
        elif m.group("cheng"):
            d = m.group("d").replace(" ", "")
            n = 0.5 if d == "半" else parse_number(d)
            if n is not None:
                v = n * 10
                e = m.group("e")
                if e:
                    v += 5 if e == "半" else CN_DIGITS.get(e, 0)
        elif m.group("zhe"):
            f = m.group("f").replace(" ", "")
            if f == "对":
                v = 50.0 if m.group("zhe").startswith("打") else None
                start = m.start("f")
            elif f == "半":
                v = 50.0
            else:
                raw = f
                digits = [c for c in raw if c.isdigit() or c in CN_DIGITS]
                if re.fullmatch(r"\d{2}", raw) or re.fullmatch(rf"[{_D}]{{2}}", raw):
                    v = float("".join(str(CN_DIGITS.get(c, c)) for c in raw))
                else:
                    n = parse_number(raw)
                    if n is not None and 0 < n < 10:
                        v = n * 10
                    elif n is None and len(digits) == 2:
                        v = float("".join(str(CN_DIGITS.get(c, c)) for c in digits))
                    else:
                        v = None
        if v is None:
            continue
        out.append(Mention(start, m.end(), s[start:m.end()], abs(v) if dash else v))
    return out


# Comparator words of ranges: (regex, lower?, closed?). ``以上`` is inclusive (Civil Code 1259).
_LOWER_OPEN = r"大于|高于|超过了?|超出|多于|过"
_LOWER_CLOSED = r"大于或者?等于|大于等于|不小于|不低于|不少于|至少(?:是|有|为)?|最少(?:是|有|为)?|≥|>\s*="
_UPPER_OPEN = r"小于|低于|少于|不到"
_UPPER_CLOSED = r"小于\s*或者?\s*等于|小于等于|不大于|不高于|不超过|不多于|至多(?:是|有|为)?|最多(?:是|有|为)?|≤|<\s*="
_NUM = rf"(?:{_SCI}|{_SLASH}|(?:负|-)?(?:{_DEC}[ \t]*又[ \t]*{_FRAC}|{_FRAC}|{_DEC})(?:[ \t]*[kK])?)"
_RANGE_RX = re.compile(
    rf"(?P<between>(?:位于|介于|在)?\s*第?(?P<a>{_NUM})\s*(?:和|与|跟|到)\s*第?(?P<b>{_NUM})\s*之?间)"
    rf"|(?P<span>(?P<c>{_NUM})%?\s*(?:到|至|~|～|-|–|—)+\s*(?P<d>{_NUM})%?)"
    rf"|(?P<bi>比\s*(?P<j>{_NUM})\s*(?P<dir>[大小低高]))"
    rf"|(?P<approx>(?P<g>(?:{_AR}|[{_D}{_U}])+?)[ \t]*[几多余][ \t]*(?P<h>[万亿]*)(?:[ \t]*[多余][ \t]*(?P<i>[万亿]+))?(?=[^{_D}{_U}]|$))"
    rf"|(?P<bound>(?P<op>{_LOWER_CLOSED}|{_UPPER_CLOSED}|{_LOWER_OPEN}|{_UPPER_OPEN}|等于)\s*(?P<e>{_NUM}|百分之{_DEC}))"
    rf"|(?P<post>(?P<f>{_NUM}|百分之{_DEC})\s*(?P<pop>或者?以上|或者?更多|以上|以下|以内|之下|之上|多|余|几)(?=[^{_D}{_U}]|$))"
)


def find_ranges(text: str) -> list[Mention]:
    """Ranges and bounds in ``text`` with their interval ends, read the project's way.

    ``5-8`` and ``5至8`` are closed ``[5,8]`` (guide C7); ``以上``/``以下``/``以内`` are
    inclusive; ``超过``/``大于``/``多``/``余`` exclusive.
    """
    try:
        return _find_ranges(fold(text))
    except Exception:
        return []


def _op_kind(op: str) -> tuple[str, bool]:
    op = op.replace(" ", "")
    for rx, side, closed in (
        (_UPPER_CLOSED, "upper", True), (_LOWER_CLOSED, "lower", True),
        (_LOWER_OPEN, "lower", False), (_UPPER_OPEN, "upper", False),
    ):
        if re.fullmatch(rx, op):
            return side, closed
    return "eq", True


def _num(s: str) -> float | None:
    s = s.strip()
    if s.startswith("百分之"):
        return parse_number(s[3:])
    return parse_number(s)


def _find_ranges(s: str) -> list[Mention]:
    bounds: list[Mention] = []
    for m in _RANGE_RX.finditer(s):
        if m.group("between") or m.group("span"):
            a, b = (m.group("a"), m.group("b")) if m.group("between") else (m.group("c"), m.group("d"))
            lo, hi = _num(a), _num(b)
            if lo is None or hi is None:
                continue
            bounds.append(Mention(m.start(), m.end(), m.group().strip(), lo, hi, True, True))
        elif m.group("bi"):
            v = _num(m.group("j"))
            if v is None:
                continue
            if m.group("dir") in "大高":
                bounds.append(Mention(m.start(), m.end(), m.group(), v, None, False, None))
            else:
                bounds.append(Mention(m.start(), m.end(), m.group(), float("-inf"), v, None, False))
        elif m.group("approx"):
            v = _num(m.group("g") + (m.group("h") or "") + (m.group("i") or ""))
            if v is None:
                continue
            bounds.append(Mention(m.start(), m.end(), m.group(), v, None, False, None))
        elif m.group("bound"):
            v = _num(m.group("e"))
            if v is None:
                continue
            side, closed = _op_kind(m.group("op"))
            end = m.end()
            if side == "eq":
                bounds.append(Mention(m.start(), end, m.group(), v, v, True, True))
            elif side == "lower":
                bounds.append(Mention(m.start(), end, m.group(), v, None, closed, None))
            else:
                bounds.append(Mention(m.start(), end, m.group(), float("-inf"), v, None, closed))
        else:
            v = _num(m.group("f"))
            if v is None:
                continue
            pop = m.group("pop")
            if pop in ("以下", "以内", "之下"):
                bounds.append(Mention(m.start(), m.end(), m.group(), float("-inf"), v, None,
                                      pop != "之下"))
            else:
                closed = pop in ("以上", "或以上", "或者以上", "或更多", "或者更多", "之上")
                if pop in ("多", "余", "几"):
                    # ``500多亿``: the approximate word sits before the multiplier.
                    v2 = _approx_lower(s, m.start("f"))
                    if v2 is not None:
                        v, end = v2
                        bounds.append(Mention(m.start(), end, s[m.start():end], v, None, False, None))
                        continue
                bounds.append(Mention(m.start(), m.end(), m.group(), v, None, closed, None))
    return _pair_bounds(s, bounds)


def _approx_lower(s: str, start: int) -> tuple[float, int] | None:
    m = re.match(rf"(?P<n>{_INT})", s[start:])
    if not m:
        return None
    piece = m.group("n").rstrip()
    compact = re.sub(r"[ \t]", "", piece)
    if not re.search(f"[{APPROX}]", compact):
        return None
    stripped = re.sub(f"[{APPROX}]", "", compact)
    v = parse_number(stripped)
    if v is None:
        return None
    return v, start + len(piece)


def _pair_bounds(s: str, bounds: list[Mention]) -> list[Mention]:
    """Join a lower and an upper bound written together (``大于10小于20``) into one range."""
    out: list[Mention] = []
    i = 0
    while i < len(bounds):
        b = bounds[i]
        if i + 1 < len(bounds):
            n = bounds[i + 1]
            gap = s[b.end:n.start]
            if re.fullmatch(r"\s*(?:,|，)?\s*(?:并且|并|且|而且|同时|的同时|而)?\s*", gap) and (
                (b.value_max is None and n.value == float("-inf")) or
                (n.value_max is None and b.value == float("-inf"))
            ):
                lo, hi = (b, n) if b.value_max is None else (n, b)
                if lo.value <= hi.value_max:  # type: ignore[operator]
                    out.append(Mention(b.start, n.end, s[b.start:n.end], lo.value, hi.value_max,
                                       lo.lower_closed, hi.upper_closed))
                    i += 2
                    continue
        out.append(b)
        i += 1
    return out


def interval(m: Mention) -> str:
    """Recognizers-Text style interval: ``[5,8]``, ``(500,)``, ``(,100]``."""
    lo = "" if m.value == float("-inf") else _fmt(m.value)
    hi = "" if m.value_max is None else _fmt(m.value_max)
    left = "[" if m.lower_closed else "("
    right = "]" if m.upper_closed else ")"
    return f"{left}{lo},{hi}{right}"


def _fmt(v: float) -> str:
    c = clean(v)
    return str(c)


def to_chinese(value: float | int) -> str:
    """Arabic → Chinese numerals through cn2an (``105`` → ``一百零五``); '' when impossible."""
    try:
        return cn2an.an2cn(str(clean(float(value))))
    except Exception:
        return ""
