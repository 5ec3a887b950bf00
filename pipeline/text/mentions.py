"""Free-text scanners for numbers, percentages and ranges (what the peer specs of
Recognizers-Text are run against), and the interval notation they are reported in."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import cn2an

from pipeline.text.numbers import (
    _AR,
    _D,
    _DEC,
    _FRAC,
    _INT,
    _SCI,
    _SLASH,
    _U,
    AMBIGUOUS,
    APPROX,
    BIG_UNITS,
    CN_DIGITS,
    NUMBER_RX,
    clean,
    fold,
    parse_number,
)

# cn2an logs a warning for some inputs it later rejects; those are expected here.
logging.getLogger("cn2an").setLevel(logging.ERROR)


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
    # Long on purpose: the cases of one percentage match (URL guard, 负/dash, 百分之 / 千分之 /
    # 成, ranges inside) share the match and its offsets; each case is a few lines.
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
