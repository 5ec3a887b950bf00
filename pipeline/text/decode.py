"""Decoding bytes without guessing silently: UTF-8, UTF-16 (BOM or NUL pattern), GB18030 or
Big5 only when the bytes decode strictly; between GB18030 and Big5 the more plausible
Chinese wins, and bytes that fit neither are rejected with a reason."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# --- decoding ---------------------------------------------------------------------------

def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Decode bytes of Chinese text; returns (text, encoding) or raises ReadError."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", path), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", path), "utf-16"
    if _looks_utf16(data):
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _cjk_ratio(text) > 0.2:
                return text, enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), enc, text))
    if not candidates:
        raise ReadError(
            path, "decode",
            "the bytes are not valid UTF-8, UTF-16, GB18030 or Big5 text "
            "(binary file or unknown encoding)",
        )
    candidates.sort(reverse=True)
    score, enc, text = candidates[0]
    if score <= 0:
        raise ReadError(path, "decode", "decoded text contains no plausible Chinese characters")
    return text, enc


class ReadError(Exception):
    """A document that cannot be read; the message says why, in plain words."""

    def __init__(self, path: Path | str, stage: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.stage = stage
        self.reason = reason


def _strict(data: bytes, enc: str, path: Path | str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as e:
        raise ReadError(path, "decode", f"has a {enc} byte-order mark but invalid {enc} bytes at {e.start}") from e


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4000]
    if len(sample) < 4:
        return False
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    half = len(sample) / 2
    return max(zeros_even, zeros_odd) > 0.2 * half


_HAN = re.compile("[\u4e00-\u9fff]")


def _cjk_ratio(text: str) -> float:
    if not text:
        return 0.0
    return len(_HAN.findall(text)) / len(text)


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    # Characters frequent in policy prose, in both scripts.
    s = (
        "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也"
        "能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现"
        "实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表"
        "间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系"
        "军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资"
        "边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据"
        "处理府研质信标准规划意见措施推进加强完善建立健全提升监督企业服务保障实施工作落实体系"
        "國這發會為個們來說時對於產經過與學動種麼現實點關機義開還進業體質標準規劃見措施強監督"
    )
    return frozenset(s)


def _plausibility(text: str) -> float:
    """Share of common Chinese characters minus share of rare/private/box characters."""
    if not text:
        return 0.0
    common = _common_chars()
    n = len(text)
    good = sum(1 for ch in text if ch in common)
    bad = sum(
        1 for ch in text
        if unicodedata.category(ch) in ("Co", "Cn", "Cs") or "\ue000" <= ch <= "\uf8ff"
        or "\u2500" <= ch <= "\u257f"
    )
    return (good - 3 * bad) / n
