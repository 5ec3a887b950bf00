"""The number normaliser: numerals, multipliers, percentages, fractions, ranges."""

from __future__ import annotations

import cn2an
import pytest
from hypothesis import given, settings

from pipeline.text.mentions import find_numbers, find_percentages, find_ranges, interval, to_chinese
from pipeline.text.numbers import Quantity, fold, parse_number, parse_quantity
from tests.strategies import any_text, numeral_text, policy_text, small_decimals, spellable_ints

# fmt: off
NUMBERS = [
    ("90", 90), ("99.3", 99.3), ("３０", 30), ("1,050", 1050), ("0.25", 0.25),
    ("一千", 1000), ("两个", None), ("两", 2), ("十", 10), ("十五", 15), ("一百零五", 105),
    ("九万四", 94000), ("一千三", 1300), ("两千四百五", 2450), ("四千零五万", 40050000),
    ("7万", 70000), ("2.5亿", 250000000), ("100万", 1000000), ("3万4000", 34000),
    ("1千零1", 1001), ("一百零十万", 1100000), ("四万万", 400000000), ("10万万", 1000000000),
    ("三分之一", 1 / 3), ("二分之一", 0.5), ("百分之九十五", 0.95), ("百分之零点九", 0.009),
    ("十五点七", 15.7), ("零点五", 0.5), ("负三十二", -32), ("壹佰伍拾", 150),
    ("萬", None), ("", None), ("abc", None), ("年", None), ("1-2", None),
]
QUANTITIES = [
    ("90%", Quantity(90, None, "%")),
    ("９５％", Quantity(95, None, "%")),
    ("百分之九十五", Quantity(95, None, "%")),
    ("百分之零点九", Quantity(0.9, None, "%")),
    ("1-2", Quantity(1, 2, None)),
    ("5—8", Quantity(5, 8, None)),
    ("3至5", Quantity(3, 5, None)),
    ("5%—8%", Quantity(5, 8, "%")),
    ("5-8%", Quantity(5, 8, "%")),
    ("翻一番", Quantity(2, None, "倍")),
    ("翻两番", Quantity(4, None, "倍")),
    ("7万", Quantity(70000, None, None)),
    # tenths written with 成 are percentages, as find_percentages reads them
    ("九成", Quantity(90, None, "%")), ("9成", Quantity(90, None, "%")), ("八成五", Quantity(85, None, "%")),
    ("七成半", Quantity(75, None, "%")), ("半成", Quantity(5, None, "%")), ("十成", Quantity(100, None, "%")),
    ("七至八成", Quantity(70, 80, "%")), ("七成至八成", Quantity(70, 80, "%")),
    ("成", None), ("形成", None), ("十五成", None), ("一成不变", None),
    # fractions are percentages too (addendum F12), a proper fraction only
    ("三分之一", Quantity(33.33, None, "%")), ("三分之二", Quantity(66.67, None, "%")),
    ("二分之一", Quantity(50, None, "%")), ("千分之五", Quantity(0.5, None, "%")),
    ("2/3", Quantity(66.67, None, "%")), ("２／３", Quantity(66.67, None, "%")),
    ("三分之一至二分之一", Quantity(33.33, 50, "%")),
    ("三分之四", Quantity(4 / 3, None, None)), ("3/2", Quantity(1.5, None, None)),
    ("-5", Quantity(-5, None, None)),
    ("8-5", None),
    ("至", None),
]
FOUND = [
    ("新增省长质量奖10个以上,培育企业500家", [10, 500]),
    ("二百五, 二百五, 还有二百五。", [250, 250, 250]),
    ("我家在四川", []),
    ("这个岛屿远离大陆", []),
    ("一百零一万一千", [1011000]),
    ("百分之五十五点五七九", [55.579]),
]
PERCENTS = [
    ("合格率达到90%以上", [90]), ("百分之九十五", [95]), ("提高3个百分点", [3]),
    ("千分之一", [0.1]), ("九成", [90]), ("八五折", [85]), ("５．５％", [5.5]),
    ("百分之二三十", []),
]
RANGES = [
    ("建成1-2个", "[1,2]"), ("5%—8%", "[5,8]"), ("3至5个", "[3,5]"),
    ("五百以上", "[500,)"), ("100以下", "(,100]"), ("超过30", "(30,)"), ("低于12", "(,12)"),
    ("不少于20", "[20,)"), ("500多亿", "(50000000000,)"),
]
# fmt: on


@pytest.mark.parametrize("text,expected", NUMBERS)
def test_parse_number(text, expected):
    got = parse_number(text)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


@pytest.mark.parametrize("text,expected", QUANTITIES)
def test_parse_quantity(text, expected):
    got = parse_quantity(text)
    if expected is None:
        assert got is None
        return
    assert got is not None
    assert got.value == pytest.approx(expected.value)
    assert got.value_max == (pytest.approx(expected.value_max) if expected.value_max is not None else None)
    assert got.unit == expected.unit


@pytest.mark.parametrize("text,expected", FOUND)
def test_find_numbers(text, expected):
    assert [m.value for m in find_numbers(text)] == pytest.approx(expected)


@pytest.mark.parametrize("text,expected", PERCENTS)
def test_find_percentages(text, expected):
    assert [m.value for m in find_percentages(text)] == pytest.approx(expected)


@pytest.mark.parametrize("text,expected", RANGES)
def test_find_ranges(text, expected):
    found = find_ranges(text)
    assert [interval(m) for m in found] == [expected]


def test_mentions_index_the_input():
    text = "到２０２０年，新增１０个以上，比重达到20%左右"
    for m in find_numbers(text) + find_percentages(text) + find_ranges(text):
        assert fold(text[m.start:m.end]) == m.text


@given(any_text)
@settings(max_examples=300, deadline=None)
def test_never_raises_on_any_text(text):
    parse_number(text)
    parse_quantity(text)
    find_numbers(text)
    find_percentages(text)
    find_ranges(text)
    assert len(fold(text)) == len(text)


@given(numeral_text)
@settings(max_examples=500, deadline=None)
def test_never_raises_on_numeral_soup(text):
    for fn in (parse_number, parse_quantity, find_numbers, find_percentages, find_ranges):
        fn(text)


@given(policy_text)
@settings(max_examples=300, deadline=None)
def test_never_raises_on_policy_like_text(text):
    find_numbers(text)
    find_ranges(text)


@given(spellable_ints)
@settings(max_examples=300, deadline=None)
def test_arabic_chinese_arabic_round_trip(n):
    chinese = cn2an.an2cn(str(n))
    assert parse_number(chinese) == n
    assert to_chinese(n) == chinese


@given(small_decimals)
@settings(max_examples=200, deadline=None)
def test_decimal_round_trip(x):
    chinese = cn2an.an2cn(str(x))
    assert parse_number(chinese) == pytest.approx(x)
