"""The integer tables behind ``FastPkuseg``: pkuseg's CRF feature strings turned into ids
and sorted keys (``build_tables``, at ``make models``), saved beside the model with the
SHA-256 of the ``features.msgpack`` they were built from, and checked when read."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
from spacy_pkuseg.config import config as _config
from spacy_pkuseg.feature_extractor import FeatureExtractor

from pipeline.provision import sha256_file

TABLES_FILE = "fast_tables.npz"
FEATURES_FILE = "features.msgpack"
FORMAT = 1
NUM_PH, LET_PH = "\ud800", "\ud801"  # stand-ins for pkuseg's '**Num' / '**Letter' nodes
SPECIAL = {"**Num": NUM_PH, "**Letter": LET_PH}
NOWORD = "**noWord"
WORD_LENGTHS = (6, 5, 4, 3, 2)  # pkuseg's range(wordMax, wordMin - 1, -1)
PAD = 7  # window reach: a word of 6 ending one before i starts at i - 6
SEP = " "  # between fragments: whitespace is never a node (pkuseg splits on it)
SHIFT = 28  # pair key = type << 56 | a << 28 | b
PAIR_C_1C, PAIR_CC1, PAIR_C_2C_1, PAIR_WWL, PAIR_WWR = range(5)
UNARY = ("c", "c-1", "c1", "c-2", "c2")
PAIRS = {"c-1c": PAIR_C_1C, "cc1": PAIR_CC1, "c-2c-1": PAIR_C_2C_1}


class TablesError(ValueError):
    """The fast tables cannot stand in for this model (missing, stale, other settings)."""


def _check_config() -> None:
    got = (_config.numLetterNorm, _config.wordFeature, _config.wordMax, _config.wordMin)
    if got != (True, True, 6, 2):
        raise TablesError(f"spacy_pkuseg config {got} is not the one these tables assume "
                          "(numLetterNorm, wordFeature, wordMax 6, wordMin 2)")


def _node_translation() -> dict[int, str]:
    """pkuseg's normalize_text as one str.translate: keyword_rename first, then num/letter."""
    table = {ord(c): "&" for c in FeatureExtractor.keywords}
    for c in FeatureExtractor.num:
        table.setdefault(ord(c), NUM_PH)
    for c in FeatureExtractor.letter:
        table.setdefault(ord(c), LET_PH)
    return table


NODE_TABLE = _node_translation()


def _node_char(s: str) -> str | None:
    """The one-character stand-in of a pkuseg node string, None if no text yields it."""
    if s in SPECIAL:
        return SPECIAL[s]
    if len(s) == 1 and s.translate(NODE_TABLE) == s and s not in (NUM_PH, LET_PH) and not s.isspace():
        return s
    return None


def _node_form(word: str) -> str | None:
    """A pkuseg word (a join of nodes) in stand-in form; None if no join of nodes gives it."""
    out, i = [], 0
    while i < len(word):
        for name, ph in SPECIAL.items():
            if word.startswith(name, i):
                out.append(ph)
                i += len(name)
                break
        else:
            ch = _node_char(word[i])
            if ch is None:
                return None
            out.append(ch)
            i += 1
    return "".join(out)


def build_tables(feature_to_idx: dict[str, int], unigram: set[str], tag_to_idx: dict[str, int],
                 source_sha256: str) -> dict[str, np.ndarray]:
    """Integer tables equivalent to pkuseg's feature dict and word set (see module doc)."""
    # Long on purpose: it mirrors spacy_pkuseg's FeatureExtractor feature by feature, in its
    # order, so the two can be read side by side; split up, that correspondence is lost.
    _check_config()
    forms = {}
    for w in unigram:
        f = _node_form(w)
        if f is not None:
            forms[w] = f
    words = sorted(set(forms.values()))
    wid = {w: i for i, w in enumerate(words)}
    n_words = len(words)  # id n_words = '**noWord'

    def word_id(s: str) -> int | None:
        if s == NOWORD:
            return n_words
        f = forms.get(s)
        return None if f is None else wid[f]

    chars: set[str] = set()
    unary: list[tuple[int, str, int]] = []
    pair_c: list[tuple[int, str, str, int]] = []
    keys: list[int] = []
    vals: list[int] = []
    wtab = np.full((2, n_words + 1), -1, dtype=np.int64)
    for feat, idx in feature_to_idx.items():
        if feat.startswith(("ww.l.", "ww.r.")):
            kind, rest = (PAIR_WWL if feat[3] == "l" else PAIR_WWR), feat[5:]
            for j, ch in enumerate(rest):
                if ch != "*":
                    continue
                a, b = word_id(rest[:j]), word_id(rest[j + 1:])
                if a is not None and b is not None:
                    keys.append((kind << 56) | (a << SHIFT) | b)
                    vals.append(idx)
            continue
        head, dot, rest = feat.partition(".")
        if not dot:
            continue
        if head in ("w-1", "w1"):
            f = forms.get(rest)
            if f is not None:
                wtab[0 if head == "w-1" else 1, wid[f]] = idx
        elif head in UNARY:
            c = _node_char(rest)
            if c is not None:
                chars.add(c)
                unary.append((UNARY.index(head), c, idx))
        elif head in PAIRS:
            for j, ch in enumerate(rest):
                if ch == ".":
                    a_c, b_c = _node_char(rest[:j]), _node_char(rest[j + 1:])
                    if a_c is not None and b_c is not None:
                        chars.update((a_c, b_c))
                        pair_c.append((PAIRS[head], a_c, b_c, idx))
    char_list = sorted(chars)
    cid = {c: i for i, c in enumerate(char_list)}
    utab = np.full((len(UNARY), len(char_list) + 1), -1, dtype=np.int64)  # last id: unknown
    for t, c, idx in unary:
        utab[t, cid[c]] = idx
    for t, a_c, b_c, idx in pair_c:
        keys.append((t << 56) | (cid[a_c] << SHIFT) | cid[b_c])
        vals.append(idx)
    k = np.array(keys, dtype=np.int64)
    order = np.argsort(k, kind="stable")
    k, v = k[order], np.array(vals, dtype=np.int64)[order]
    if len(k) and (np.diff(k) == 0).any():
        raise TablesError("two features share one integer key")
    if max(n_words, len(char_list)) >= 1 << SHIFT:
        raise TablesError("vocabulary too large for the key layout")
    return {
        "format": np.array([FORMAT]),
        "source_sha256": np.array([source_sha256]),
        "words": np.frombuffer("\n".join(words).encode("utf-8", "surrogatepass"), dtype=np.uint8),
        "chars": np.frombuffer("\n".join(char_list).encode("utf-8", "surrogatepass"), dtype=np.uint8),
        "empty_in_unigram": np.array(["" in unigram]),
        "unary": utab, "words_tab": wtab, "pair_keys": k, "pair_vals": v,
        "tags": np.array(sorted(tag_to_idx, key=tag_to_idx.__getitem__)),
        "n_feature": np.array([len(feature_to_idx)]),
    }


def save_tables(tables: dict[str, np.ndarray], model_dir: Path) -> Path:
    out = Path(model_dir) / TABLES_FILE
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez(tmp, **tables)  # type: ignore[arg-type]
    tmp.replace(out)
    return out


def write_tables(model_dir: Path, feature_extractor: Any = None) -> Path:
    """Build and save the tables for the pkuseg model saved in ``model_dir``."""
    model_dir = Path(model_dir)
    fe = feature_extractor or FeatureExtractor.load(str(model_dir))
    digest = sha256_file(model_dir / FEATURES_FILE)
    return save_tables(build_tables(fe.feature_to_idx, fe.unigram, fe.tag_to_idx, digest), model_dir)


def read_tables(model_dir: Path) -> dict[str, np.ndarray]:
    """The tables saved beside the model; TablesError if missing, stale or for other settings."""
    _check_config()
    path = Path(model_dir) / TABLES_FILE
    if not path.exists():
        raise TablesError(f"{path} does not exist")
    with np.load(path, allow_pickle=False) as z:
        tables = {k: z[k] for k in z.files}
    if int(tables["format"][0]) != FORMAT:
        raise TablesError(f"{path}: format {int(tables['format'][0])}, expected {FORMAT}")
    digest = sha256_file(Path(model_dir) / FEATURES_FILE)
    if str(tables["source_sha256"][0]) != digest:
        raise TablesError(f"{path} was built from another {FEATURES_FILE} (sha256 differs)")
    return tables


class _SavedFeatures:
    """Stands in for pkuseg's FeatureExtractor where spaCy saves the model (to_disk/to_bytes):
    the source ``features.msgpack`` is copied as it is."""

    def __init__(self, model_dir: Path, tag_to_idx: dict[str, int]):
        self.model_dir = Path(model_dir)
        self.tag_to_idx = tag_to_idx

    def save(self, model_dir: str | Path | None = None) -> None:
        dest = Path(model_dir) / FEATURES_FILE if model_dir is not None else None
        src = self.model_dir / FEATURES_FILE
        if dest is not None and dest.resolve() != src.resolve():
            shutil.copyfile(src, dest)
