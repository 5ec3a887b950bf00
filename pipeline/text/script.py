"""Traditional → simplified Chinese: OpenCC's t2s, the same output, several times faster.

``t2s(text)`` returns exactly what ``opencc.OpenCC("t2s").convert(text)``
(opencc-python-reimplemented) returns, with OpenCC's own dictionaries. OpenCC splits the
text at its separators; in each piece the first dictionary of a group (phrases) replaces
its longest match (the leftmost among equally long ones), then the pieces left and right
of it are converted the same way; what no phrase matched goes to the next dictionary of
the group (characters); a multi-valued entry uses its first value. Here the same result
comes faster: a dictionary none of whose keys occurs in the text is skipped (most
simplified text is returned at once, after two C-speed scans), only positions where a
key starts are tried, the matches are chosen in one sorted pass instead of a search per
remainder, and the last single-character dictionary of a group is a ``str.translate``.
``tests/text/test_script.py`` compares it with OpenCC on the corpus, on overlapping phrases
and on random strings of dictionary keys.

``t2s_same_length(text)`` is the variant the tokenizer needs: the same length as the
input (where a phrase changes the length, the text is converted character by character).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Converter", "converter", "t2s", "t2s_same_length"]


@dataclass(frozen=True)
class _Dictionary:
    max_len: int
    min_len: int
    entries: dict[str, str]  # first value of each key
    head_len: dict[str, int]  # first character of a key → its longest key
    head_set: frozenset[str]  # the first characters of the keys
    keys: re.Pattern[str]  # any key
    table: dict[int, str] | None  # a str.translate table when every key is one character

    def occurs_in(self, text: str) -> bool:
        """Whether some key occurs in ``text``."""
        if self.table is not None:
            return not self.head_set.isdisjoint(text)
        return self.keys.search(text) is not None


def _prepare(max_len: int, min_len: int, raw: dict[str, str]) -> _Dictionary:
    entries = {k: v.split(" ")[0] for k, v in raw.items()}
    head_len: dict[str, int] = {}
    for k in entries:
        head_len[k[0]] = max(head_len.get(k[0], 0), len(k))
    single = max_len == min_len == 1 and all(entries.values())
    table = {ord(k): v for k, v in entries.items()} if single else None
    keys = re.compile("|".join(re.escape(k) for k in sorted(entries, key=len, reverse=True)))
    return _Dictionary(max_len, min_len, entries, head_len, frozenset(head_len), keys, table)


class Converter:
    """An exact, faster ``opencc.OpenCC(conversion).convert`` (see the module docstring)."""

    def __init__(self, conversion: str = "t2s"):
        import opencc

        cc = opencc.OpenCC(conversion)
        if not cc._dict_init_done:
            cc._init_dict()
            cc._dict_init_done = True
        self.conversion = conversion
        self._groups: list[list[_Dictionary]] = [
            [_prepare(mx, mn, d) for mx, mn, d in group] for group in cc._dict_chain_data
        ]
        # Two assumptions of the method here, true of OpenCC's dictionaries (checked, not
        # trusted): no key holds one of OpenCC's separators, so no match crosses one and
        # the text need not be split at them (matches in different pieces never overlap,
        # so converting the whole text equals converting piece by piece); no (first) value
        # is empty (OpenCC takes a match with an empty value as no match). A conversion
        # whose dictionaries break one is left to OpenCC itself.
        self._fallback: Callable[[str], str] | None = None
        if any(not v or cc.split_chars_re.search(k) for g in self._groups for d in g for k, v in d.entries.items()):
            self._fallback = cc.convert

    def __call__(self, text: str) -> str:
        if self._fallback is not None:
            return self._fallback(text)
        for group in self._groups:
            # The first dictionary of the group with a key somewhere in the text; those
            # before it cannot match (none: the group leaves the text as it is).
            k = next((j for j, d in enumerate(group) if d.occurs_in(text)), None)
            if k is not None:
                text = self._piece(text, group, k)
        return text

    def _piece(self, s: str, group: list[_Dictionary], k: int = 0) -> str:
        out: list[str] = []
        self._convert(s, group, k, out)
        return "".join(out)

    def _convert(self, s: str, group: list[_Dictionary], k: int, out: list[str]) -> None:
        """Convert ``s`` with dictionaries ``k``… of a group into ``out``.

        OpenCC replaces the longest match (leftmost among equals), then converts what is
        left and right of it the same way; what no key matched goes to the next
        dictionary. That choice equals taking every match of the dictionary in the order
        longest first, then leftmost, and keeping each one that overlaps none kept before:
        a kept match splits the text, and the best match of each remainder is the best
        one not overlapping a kept match. Done that way it is O(n log n), not O(n²) on a
        long run of matches (OpenCC's hint limiting the length in a remainder cannot
        bind: no match inside a remainder is longer than the one that made it).
        """
        if k == len(group):
            out.append(s)
            return
        d = group[k]
        if d.table is not None and k + 1 == len(group):
            out.append(s.translate(d.table))
            return
        n, pos = len(s), 0
        found = []
        search = d.keys.search
        while (m := search(s, pos)) is not None:  # each position where some key starts
            i = m.start()
            for length in range(min(d.head_len[s[i]], d.max_len, n - i), d.min_len - 1, -1):
                if s[i:i + length] in d.entries:
                    found.append((-length, i))
            pos = i + 1
        if not found:
            self._convert(s, group, k + 1, out)
            return
        found.sort()
        taken = bytearray(n)
        kept = []
        for neg, i in found:
            if taken.find(1, i, i - neg) < 0:
                taken[i:i - neg] = b"\x01" * -neg
                kept.append((i, -neg))
        kept.sort()
        pos = 0
        for i, length in kept:
            if i > pos:
                self._convert(s[pos:i], group, k + 1, out)
            out.append(d.entries[s[i:i + length]])
            pos = i + length
        if pos < n:
            self._convert(s[pos:], group, k + 1, out)


@lru_cache(maxsize=4)
def converter(conversion: str = "t2s") -> Converter:
    """The converter of a conversion, built once per process."""
    return Converter(conversion)


def t2s(text: str) -> str:
    """OpenCC t2s of ``text`` (exactly ``opencc.OpenCC("t2s").convert(text)``)."""
    return converter("t2s")(text) if text else text


def t2s_same_length(text: str) -> str:
    """OpenCC t2s of ``text`` with the same length (per character where phrases change it)."""
    if not text:
        return text
    conv = converter("t2s")
    out = conv(text)
    if len(out) == len(text):
        return out
    chars = []
    for ch in text:
        c = conv(ch)
        chars.append(c if len(c) == 1 else ch)
    return "".join(chars)
