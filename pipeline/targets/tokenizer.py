"""The tokenizer of the spaCy pipeline: pkuseg on an OpenCC t2s copy of the text.

Tokens keep the original script (offsets and ``token.text`` index the input) and carry the
simplified, full-width-folded form in ``token.norm_``, which every rule matches on. A saved
pkuseg model with current fast tables beside it is loaded as
``pipeline.targets.fastseg.FastPkuseg`` (the same cut, faster). Registered as
``policy_zh_t2s.v1``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import srsly
from spacy.lang.zh import ChineseTokenizer, Segmenter
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import get_words_and_spaces, minibatch, registry

from pipeline.targets.fastseg import FastPkuseg, load_segmenter, set_processors, write_tables
from pipeline.text.numbers import fold
from pipeline.text.script import t2s_same_length

to_simplified = t2s_same_length  # OpenCC t2s, same length (per character where phrases change it)


def normalise(text: str) -> str:
    """The matching form of ``text``: simplified script, full-width folded; same length."""
    return fold(to_simplified(text))


class PolicyChineseTokenizer(ChineseTokenizer):
    """pkuseg over the normalised text; tokens keep the original characters, norm the normalised.

    A saved pkuseg model with current fast tables beside it is loaded as
    ``pipeline.targets.fastseg.FastPkuseg`` (the same cut, faster, ~4 s less to load); ``to_disk``
    writes the tables."""

    def __call__(self, text: str) -> Doc:
        return self._doc(text, _normal_form(text), None)

    def pipe(self, texts: Iterable[str], batch_size: int = 256, **kwargs: Any) -> Iterator[Doc]:
        """Docs for ``texts``; a FastPkuseg segments each batch in one pass."""
        for batch in minibatch(texts, size=batch_size):
            yield from self._docs(list(batch))

    def _docs(self, texts: list[str]) -> list[Doc]:
        seg = self.pkuseg_seg if self.segmenter == Segmenter.pkuseg else None
        if not isinstance(seg, FastPkuseg):
            return [self._doc(t, _normal_form(t), None) for t in texts]
        norms = [_normal_form(t) for t in texts]
        return [self._doc(t, n, cut) for t, n, cut in zip(texts, norms, seg.cut_many(norms), strict=True)]

    def _doc(self, text: str, norm: str, cut: list[str] | None) -> Doc:
        if self.segmenter == Segmenter.pkuseg and self.pkuseg_seg is not None:
            # What ChineseTokenizer does, without building a Doc of the normalised text.
            norms, spaces = get_words_and_spaces(cut if cut is not None else self.pkuseg_seg.cut(norm), norm)
        else:
            base = super().__call__(norm)
            norms, spaces = [t.text for t in base], [bool(t.whitespace_) for t in base]
        words, pos = [], 0
        for w, sp in zip(norms, spaces, strict=True):
            words.append(text[pos:pos + len(w)])
            pos += len(w) + sp
        doc = Doc(self.vocab, words=words, spaces=spaces)
        for tok, n in zip(doc, norms, strict=True):
            tok.norm_ = n
        return doc

    def to_disk(self, path: str | Path, **kwargs: Any) -> None:
        super().to_disk(path, **kwargs)
        model_dir = Path(path) / "pkuseg_model"
        if self.segmenter == Segmenter.pkuseg and self.pkuseg_seg is not None and model_dir.exists():
            if isinstance(self.pkuseg_seg, FastPkuseg):
                self.pkuseg_seg.save_tables(model_dir)
            else:
                write_tables(model_dir, self.pkuseg_seg.feature_extractor)

    def from_disk(self, path: str | Path, **kwargs: Any) -> PolicyChineseTokenizer:
        """ChineseTokenizer.from_disk, with the pkuseg model loaded by ``load_segmenter``."""
        path = Path(path)
        cfg = path / "cfg"
        if cfg.exists():
            self._set_config(srsly.read_json(cfg))
        model_dir, processors = path / "pkuseg_model", path / "pkuseg_processors"
        if self.segmenter != Segmenter.pkuseg or not model_dir.exists():
            super().from_disk(path, **kwargs)
            return self
        self.pkuseg_seg = load_segmenter(model_dir)
        if processors.exists():
            set_processors(self.pkuseg_seg, processors)
        return self


# A full-width comma that groups digits (``1，000``); any other ``，`` ends what is before it.
_GROUPING = re.compile(r"[0-9]，[0-9]{3}(?![0-9])")


def _normal_form(text: str) -> str:
    """The text pkuseg cuts: ``normalise`` (same length), except that a full-width comma stays
    one where it does not group digits — folded to ``,`` it reads as a digit separator, and
    ``达到30%，万元增加值…`` came out with ``30%,万`` as one token."""
    norm = normalise(text)
    if len(norm) != len(text):
        return text  # normalise is length-preserving
    commas = [m.start() for m in re.finditer("，", text) if not _GROUPING.match(text, max(0, m.start() - 1))]
    if not commas:
        return norm
    chars = list(norm)
    for i in commas:
        chars[i] = "，"
    return "".join(chars)


@registry.tokenizers("policy_zh_t2s.v1")
def create_policy_tokenizer(segmenter: str = "pkuseg"):
    """Tokenizer factory for ``[nlp.tokenizer] @tokenizers = "policy_zh_t2s.v1"``."""

    def factory(nlp: Language) -> PolicyChineseTokenizer:
        return PolicyChineseTokenizer(nlp.vocab, segmenter=Segmenter(segmenter))

    return factory
