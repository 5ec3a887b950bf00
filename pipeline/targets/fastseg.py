"""pkuseg's ``cut``, exactly, with its CRF features looked up as integers (issue #9).

spacy_pkuseg (1.0.x) segments a piece of text by building, for every character, ~130
feature *strings* (``'c-1c.' + prev + '.' + c``, ``'ww.l.' + pre + '*' + post`` for 50
pairs of candidate words …) and looking each up in a 2.6M-entry dict; that is 3/4 of its
cutting time, and loading the dict (msgpack → Python strings) is ~4 s of every start-up.

``FastPkuseg`` computes the same features from integer ids: characters and the model's
vocabulary words get ids once, when the tables are built (``build_tables``, at
``make models``), and per text only the window's words are looked up (5 per character)
and the rest is array indexing (``numpy.searchsorted`` on the pair features). Node scores
are summed in pkuseg's own order (feature slot by feature slot, from +0.0, so the floating
point sums are bit-identical) and decoded with pkuseg's own ``run_viterbi``; words are cut
where pkuseg's tags begin one. Pre- and post-processing (user dictionary, pkuseg's word
lists) are pkuseg's own code: ``FastPkuseg`` *is* a ``spacy_pkuseg.pkuseg`` with ``_cut``
replaced.

Exactness is tested, not assumed (tests/targets/test_fastseg.py): the same tokens as
``spacy_pkuseg.pkuseg.cut`` on every clause of the corpus, the gold clauses and random
strings, and bit-identical node scores against pkuseg's ``getLogYY``. Texts holding the
two code points used as placeholders for pkuseg's ``**Num``/``**Letter`` (lone surrogates,
which no decoded document contains) go to pkuseg's original ``_cut``, loaded on demand.

The tables live beside the model (``pkuseg_model/fast_tables.npz``) with the SHA-256 of
the ``features.msgpack`` they were built from; a mismatch means pkuseg's own loader is
used, with a warning (``load_segmenter``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import spacy_pkuseg
import srsly
from spacy_pkuseg import inference as _inf
from spacy_pkuseg.feature_extractor import FeatureExtractor
from spacy_pkuseg.model import Model

from pipeline.provision import sha256_file
from pipeline.targets.fastseg_tables import (  # noqa: F401  (FEATURES_FILE, TablesError, read_tables, save_tables, write_tables: public here too)
    FEATURES_FILE,
    LET_PH,
    NODE_TABLE,
    NUM_PH,
    PAD,
    PAIR_C_1C,
    PAIR_C_2C_1,
    PAIR_CC1,
    PAIR_WWL,
    PAIR_WWR,
    SEP,
    SHIFT,
    TABLES_FILE,
    WORD_LENGTHS,
    TablesError,
    _SavedFeatures,
    read_tables,
    save_tables,
    write_tables,
)


class FastPkuseg(spacy_pkuseg.pkuseg):
    """``spacy_pkuseg.pkuseg`` for a saved model directory, with the fast exact ``_cut``."""

    def __init__(self, model_dir: str | Path, tables: dict[str, np.ndarray] | None = None):
        model_dir = Path(model_dir)
        t = tables if tables is not None else read_tables(model_dir)
        self.model_dir = model_dir
        self.postag = False
        # As spacy_pkuseg.pkuseg(model_dir) for a model without its own dictionary; spaCy's
        # from_disk then replaces both from the saved pkuseg_processors.
        self.preprocesser = spacy_pkuseg.Preprocesser(None)
        self.postprocesser = spacy_pkuseg.Postprocesser(None, None)
        self.postprocesser.common_words, self.postprocesser.other_words = set(), set()
        self.model = Model.load(str(model_dir))
        tags = [str(x) for x in t["tags"]]
        self.idx_to_tag = dict(enumerate(tags))
        self.feature_extractor = _SavedFeatures(model_dir, {tag: i for i, tag in enumerate(tags)})
        self.n_feature = int(t["n_feature"][0])
        self.n_tag = len(tags)
        if (self.model.n_feature, self.model.n_tag) != (self.n_feature, self.n_tag):
            raise TablesError(f"{model_dir}: weights are for {self.model.n_feature} features × "
                              f"{self.model.n_tag} tags, the tables for {self.n_feature} × {self.n_tag}")
        self._fallback: Any = None
        self._tables = t
        self._set_tables(t)

    def save_tables(self, model_dir: str | Path) -> Path:
        """Write this segmenter's tables beside a copy of its model (spaCy's to_disk)."""
        digest = sha256_file(Path(model_dir) / FEATURES_FILE)
        if digest != str(self._tables["source_sha256"][0]):
            raise TablesError(f"{model_dir}/{FEATURES_FILE} is not the model these tables are for")
        return save_tables(self._tables, Path(model_dir))

    def _set_tables(self, t: dict[str, np.ndarray]) -> None:
        words = t["words"].tobytes().decode("utf-8", "surrogatepass").split("\n") if len(t["words"]) else [""]
        chars = t["chars"].tobytes().decode("utf-8", "surrogatepass").split("\n") if len(t["chars"]) else []
        self._wid = {w: i for i, w in enumerate(words)}
        self._noword = len(words)
        self._empty = self._wid[""] if bool(t["empty_in_unigram"][0]) else self._noword
        self._cid = {c: i for i, c in enumerate(chars)}
        self._unk = len(chars)
        nf, nt = self.n_feature, self.n_tag
        w = self.model.w
        node_w = w[: nf * nt].reshape(nf, nt)
        zero_rows = np.flatnonzero(~node_w.any(axis=1))
        if len(zero_rows):  # a feature with all-zero weights: adding it changes no sum
            self._node_w, self._zero = node_w, int(zero_rows[0])
        else:
            self._node_w, self._zero = np.vstack([node_w, np.zeros((1, nt))]), nf
        z = self._zero
        self._unary = np.where(t["unary"] < 0, z, t["unary"])
        self._wtab = np.where(t["words_tab"] < 0, z, t["words_tab"])
        self._pair_keys = t["pair_keys"]
        self._pair_vals = t["pair_vals"]
        # pkuseg's getLogYY: edge_score = 1 + transition weights, [previous tag, tag]
        edge = np.ones((nt, nt), dtype=np.float64)
        for s in range(nt):
            for s_pre in range(nt):
                edge[s_pre, s] += w[nf * nt + s * nt + s_pre] * 1.0
        self._edge = edge
        self._begins = np.array(["B" in tag for _, tag in sorted(self.idx_to_tag.items())])

    # --- the cut ------------------------------------------------------------------------

    def node_scores_many(self, fragments: list[str]) -> list[np.ndarray]:
        """pkuseg's node_score matrix per fragment (bit-identical to getLogYY's), in one pass.

        The fragments are laid side by side with PAD separator positions between them, so
        no window reaches across: a separator has no character features, and a candidate
        word overlapping one is pkuseg's out-of-range "" (``get_slice_str``)."""
        if not fragments:
            return []
        forms = [f.translate(NODE_TABLE) for f in fragments]
        gap = SEP * PAD
        joined = gap + gap.join(forms) + gap
        size = len(joined)
        is_sep = np.ones(size, dtype=bool)
        lengths = [len(f) for f in forms]
        o = PAD
        for n_f in lengths:
            is_sep[o:o + n_f] = False
            o += n_f + PAD
        cget, unk = self._cid.get, self._unk
        c = np.array([cget(ch, unk) for ch in joined], dtype=np.int64)
        seps = np.concatenate([[0], np.cumsum(is_sep)])
        wget, noword = self._wid.get, self._noword
        padded = {}
        for ln in WORD_LENGTHS:
            p = np.full(size, self._empty, dtype=np.int64)
            starts = size - ln + 1
            ids = np.array([wget(joined[s:s + ln], noword) for s in range(starts)], dtype=np.int64)
            crosses = seps[ln:ln + starts] != seps[:starts]
            ids[crosses] = self._empty
            p[:starts] = ids
            padded[ln] = p
        i = np.flatnonzero(~is_sep)
        n = len(i)
        pre_in = np.stack([padded[ln][i + 1 - ln] for ln in WORD_LENGTHS])  # word ending at i
        post_in = np.stack([padded[ln][i] for ln in WORD_LENGTHS])  # starting at i
        pre_ex = np.stack([padded[ln][i - ln] for ln in WORD_LENGTHS])  # ending at i - 1
        post_ex = np.stack([padded[ln][i + 1] for ln in WORD_LENGTHS])  # starting at i + 1
        cur, prev, nxt, pp, nn = c[i], c[i - 1], c[i + 1], c[i - 2], c[i + 2]
        ww_l = (PAIR_WWL << 56) | (pre_ex[:, None, :] << SHIFT) | post_in[None, :, :]
        ww_r = (PAIR_WWR << 56) | (pre_in[:, None, :] << SHIFT) | post_ex[None, :, :]
        qkeys = np.concatenate([
            np.stack([(PAIR_C_1C << 56) | (prev << SHIFT) | cur, (PAIR_CC1 << 56) | (cur << SHIFT) | nxt,
                      (PAIR_C_2C_1 << 56) | (pp << SHIFT) | prev]),
            ww_l.reshape(len(WORD_LENGTHS) ** 2, n), ww_r.reshape(len(WORD_LENGTHS) ** 2, n)])
        found = self._lookup(qkeys)
        u, wt = self._unary, self._wtab
        # pkuseg's feature order: $$, c, c-1, c-1c, c1, cc1, c-2, c-2c-1, c2, w-1 ×5, w1 ×5,
        # ww.l ×25 (pre outer, post inner), ww.r ×25
        slots = np.vstack([
            np.zeros((1, n), dtype=np.int64), u[0][cur][None], u[1][prev][None], found[0:1],
            u[2][nxt][None], found[1:2], u[3][pp][None], found[2:3], u[4][nn][None],
            wt[0][pre_in], wt[1][post_in], found[3:],
        ])
        present = np.flatnonzero((slots != self._zero).any(axis=1))
        gathered = self._node_w[slots[present]]
        score = np.zeros((n, self.n_tag), dtype=np.float64)
        for k in range(len(present)):  # pkuseg's summation order, from +0.0
            score += gathered[k]
        return np.split(score, np.cumsum(lengths)[:-1])

    def _lookup(self, qkeys: np.ndarray) -> np.ndarray:
        """Feature index per pair key (the all-zero feature where there is none)."""
        keys = self._pair_keys
        pos = np.searchsorted(keys, qkeys)
        pos[pos == len(keys)] = 0
        found = self._pair_vals[pos]
        found[keys[pos] != qkeys] = self._zero
        return found

    def node_scores(self, text: str) -> np.ndarray:
        return self.node_scores_many([text])[0]

    def _words(self, text: str, score: np.ndarray) -> list[str]:
        _, tags = _inf.run_viterbi(score, self._edge)
        starts = np.flatnonzero(self._begins[np.asarray(tags)])
        bounds = [0] + [int(i) for i in starts if i > 0] + [len(text)]
        return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]

    def _cut(self, text: str) -> list[str]:  # type: ignore[override]
        if NUM_PH in text or LET_PH in text:
            return self._original_cut(text)
        return self._words(text, self.node_scores(text))

    def cut_many(self, texts: list[str]) -> list[list[str]]:
        """``[self.cut(t) for t in texts]``, with the CRF scores of all fragments in one pass."""
        plans = []  # per text: pieces (word, is_user_word)
        todo: list[str] = []
        for txt in texts:
            pieces: list[tuple[str, bool]] = []
            for w0 in txt.strip().split():  # pkuseg.cut: split on spaces, then the user dict
                lst, isword, _ = self.preprocesser.solve(w0)
                pieces.extend(zip(lst, isword, strict=True))
            plans.append(pieces)
            todo.extend(w for w, isw in pieces if not isw and NUM_PH not in w and LET_PH not in w)
        scores = iter(self.node_scores_many(todo))
        out = []
        for pieces in plans:
            ret: list[str] = []
            for w, isw in pieces:
                if isw:
                    ret.append(w)
                elif NUM_PH in w or LET_PH in w:
                    ret.extend(self.postprocesser(self._original_cut(w)))
                else:
                    ret.extend(self.postprocesser(self._words(w, next(scores))))
            out.append(ret)
        return out

    def cut(self, txt: str) -> list[str]:  # type: ignore[override]
        return self.cut_many([txt])[0]

    def _original_cut(self, text: str) -> list[str]:
        """pkuseg's own _cut (its feature dict loaded on first use)."""
        if self._fallback is None:
            orig = spacy_pkuseg.pkuseg.__new__(spacy_pkuseg.pkuseg)
            orig.feature_extractor = FeatureExtractor.load(str(self.model_dir))
            orig.model = self.model
            orig.idx_to_tag = self.idx_to_tag
            self._fallback = orig
        return spacy_pkuseg.pkuseg._cut(self._fallback, text)


def set_processors(seg: spacy_pkuseg.pkuseg, processors: str | Path) -> spacy_pkuseg.pkuseg:
    """Give ``seg`` the user dictionary and post-processing word lists spaCy saved with the
    tokenizer (``pkuseg_processors``), as ``ChineseTokenizer.from_disk`` does."""
    user_dict, do_process, common_words, other_words = srsly.read_msgpack(processors)
    seg.preprocesser = spacy_pkuseg.Preprocesser(user_dict)
    seg.postprocesser.do_process = do_process
    seg.postprocesser.common_words = set(common_words)
    seg.postprocesser.other_words = set(other_words)
    return seg


def load_segmenter(model_dir: str | Path) -> spacy_pkuseg.pkuseg:
    """FastPkuseg when current tables are beside the model; else spacy_pkuseg's own loader
    (silently when there are no tables, as for the provisioned ``models/zh-pkuseg``; with a
    warning when they are stale or unusable)."""
    if not (Path(model_dir) / TABLES_FILE).exists():
        return spacy_pkuseg.pkuseg(str(model_dir))
    try:
        return FastPkuseg(model_dir)
    except TablesError as exc:
        warnings.warn(f"fast pkuseg tables unusable ({exc}); loading spacy_pkuseg's own "
                      "(slower; rebuild with `python -m pipeline.targets.nlp`)", stacklevel=2)
        return spacy_pkuseg.pkuseg(str(model_dir))
