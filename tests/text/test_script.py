"""The fast t2s gives exactly OpenCC's output (opencc-python-reimplemented's ``convert``)."""

from __future__ import annotations

import random

import opencc
import pytest

from pipeline.text.script import Converter, t2s, t2s_same_length
from pipeline.text.segment import segment
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def cc() -> opencc.OpenCC:
    conv = opencc.OpenCC("t2s")
    conv.convert("")  # loads the dictionaries
    return conv


def _phrases(cc: opencc.OpenCC) -> dict[str, str]:
    group = cc._dict_chain_data[0]
    return next(d for mx, _mn, d in group if mx > 1)


def _mismatches(cc: opencc.OpenCC, texts: list[str]) -> list[tuple[str, str, str]]:
    return [(x, cc.convert(x), t2s(x)) for x in texts if cc.convert(x) != t2s(x)]


def test_same_as_opencc_on_the_corpus(cc: opencc.OpenCC) -> None:
    texts: list[str] = []
    changed = set()
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if cc.convert(text) != text:
            changed.add(path.stem)
        texts.append(text)
        texts += text.split("\n")
        texts += [c.text for c in segment(text).clauses]
    # the traditional documents are there (and are changed)
    assert {"gansu-2015-quality-action-plan", "loudi-2017-quality-city"} <= changed
    assert _mismatches(cc, texts) == []


def test_same_as_opencc_on_overlapping_phrases(cc: opencc.OpenCC) -> None:
    """Strings where phrase keys overlap: OpenCC takes the longest match first, then the
    leftmost, so a left-to-right longest match would differ on many of these."""
    phrases = _phrases(cc)
    keys = sorted(phrases)
    texts = []
    for a in keys:
        for b in keys:
            for o in range(1, min(len(a), len(b))):
                if a[-o:] == b[:o]:
                    texts.append(a + b[o:])
                    texts.append("質量" + a + b[o:] + "，" + b + a)
    assert len(texts) > 1000

    def left_to_right(s: str) -> str:
        out, i = [], 0
        while i < len(s):
            for n in range(min(len(s) - i, 14), 1, -1):
                if s[i:i + n] in phrases:
                    out.append(phrases[s[i:i + n]].split(" ")[0])
                    i += n
                    break
            else:
                out.append(cc.convert(s[i]))
                i += 1
        return "".join(out)

    assert sum(cc.convert(x) != left_to_right(x) for x in texts) > 50  # the strings are tricky
    assert _mismatches(cc, texts) == []


# fmt: off
@pytest.mark.parametrize("text", [
    "", " ", "\n\n", "髮", "乾隆", "乾隆年間的乾坤", "頭髮乾了", "一目瞭然，不瞭解", "情有獨鍾",  # multi-valued: first value
    "老態龍鍾的鍾繇", "傷亡枕藉口", "么麼些族", "以免藉口", "理髮店" * 300, "不瞭解" * 200,
    "不瞭解不瞭解-不瞭解 不瞭解\t不瞭解。", "甘肅省人民政府辦公廳關於印發《甘肅省質量發展規劃（2016—2020年）》的通知",
    "abc ABC 123 ％ ２０２０年", "\ufeff\u3000繁體\u00a0字", "𠀀𠀁繁體",
])
# fmt: on
def test_same_as_opencc_on_tricky_strings(cc: opencc.OpenCC, text: str) -> None:
    assert t2s(text) == cc.convert(text)


def test_same_as_opencc_on_random_strings_of_keys(cc: opencc.OpenCC) -> None:
    rnd = random.Random(20261122)
    keys = [k for group in cc._dict_chain_data for _mx, _mn, d in group for k in d]
    filler = list("的一是在不了有和，。、 \n-《》（）：；0１")
    texts = ["".join(rnd.choice(keys if rnd.random() < 0.7 else filler) for _ in range(rnd.randint(1, 25)))
             for _ in range(3000)]
    assert _mismatches(cc, texts) == []


def test_same_length_variant(cc: opencc.OpenCC) -> None:
    phrases = _phrases(cc)
    longer = [k for k, v in phrases.items() if len(v.split(" ")[0]) != len(k)]
    texts = [*phrases, *longer, "到2020年，產品質量合格率達到90%以上。"]
    for text in texts:
        out = t2s_same_length(text)
        assert len(out) == len(text)
        if len(cc.convert(text)) == len(text):
            assert out == cc.convert(text)
        else:  # character by character
            assert out == "".join(c if len(c := cc.convert(ch)) == 1 else ch for ch in text)


@pytest.mark.parametrize("conversion", ["tw2sp", "hk2s"])
def test_other_conversions_are_exact_too(conversion: str) -> None:
    """Chains of two groups, and a group of three dictionaries (phrases, then more phrases)."""
    ref = opencc.OpenCC(conversion)
    conv = Converter(conversion)
    assert conv._fallback is None and len(conv._groups) == 2
    pieces = []
    for name in ("loudi-2017-quality-city", "gansu-2015-quality-action-plan", "shanghai-2024-green-transition"):
        text = (CORPUS / f"{name}.txt").read_text(encoding="utf-8")
        pieces += [text, *text.split("\n")]
    assert [conv(x) for x in pieces] == [ref.convert(x) for x in pieces]
