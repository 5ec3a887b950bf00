"""FastPkuseg (pipeline/targets/fastseg.py) segments exactly as spacy_pkuseg does.

The reference is spacy_pkuseg's own ``pkuseg`` loaded from the same saved model, with the
same pre/post-processing data spaCy's ``ChineseTokenizer.from_disk`` gives it; the texts
are the corpus, the gold clauses and generated strings. These tests compare against the
library, never against outputs of the code under test.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import spacy_pkuseg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy_pkuseg import inference as _inf

from pipeline.targets import PolicyChineseTokenizer, fastseg, normalise
from pipeline.targets.nlp import default_out_dir, load_nlp
from pipeline.text.read import read_document
from pipeline.text.segment import segment
from tests.conftest import ANNOTATIONS, CORPUS
from tests.strategies import policy_text

MODEL_DIR = default_out_dir() / "tokenizer" / "pkuseg_model"
PROCESSORS = default_out_dir() / "tokenizer" / "pkuseg_processors"

pytestmark = pytest.mark.skipif(
    not (MODEL_DIR / fastseg.TABLES_FILE).exists(),
    reason="the pipeline is not built (make models)",
)


@pytest.fixture(scope="module")
def reference():
    return fastseg.set_processors(spacy_pkuseg.pkuseg(str(MODEL_DIR)), PROCESSORS)


@pytest.fixture(scope="module")
def fast():
    seg = load_nlp().tokenizer.pkuseg_seg
    assert isinstance(seg, fastseg.FastPkuseg), "the built pipeline must load the fast segmenter"
    return seg


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    texts = []
    for path in sorted(p for p in CORPUS.iterdir() if p.suffix in (".txt", ".md")):
        text = read_document(path).text
        for clause in segment(text).clauses:
            texts += [clause.text, normalise(clause.text)]
        texts += [line for line in text.split("\n") if line.strip()][:40]
    return texts


@pytest.fixture(scope="module")
def gold_texts() -> list[str]:
    out = []
    for path in sorted(ANNOTATIONS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(normalise(json.loads(line)["text"]))
    return out


def test_same_tokens_as_spacy_pkuseg_on_the_corpus(reference, fast, corpus_texts):
    assert len(corpus_texts) > 5000
    expected = [reference.cut(t) for t in corpus_texts]
    assert fast.cut_many(corpus_texts) == expected
    assert [fast.cut(t) for t in corpus_texts[:500]] == expected[:500]


def test_same_tokens_as_spacy_pkuseg_on_the_gold_clauses(reference, fast, gold_texts):
    assert len(gold_texts) > 2000
    assert fast.cut_many(gold_texts) == [reference.cut(t) for t in gold_texts]


def test_node_scores_are_bit_identical_to_pkusegs(reference, fast, corpus_texts):
    fe, model = reference.feature_extractor, reference.model
    fragments = [w for t in corpus_texts[::7] for w in t.split()]
    mine = fast.node_scores_many(fragments)
    for frag, score in zip(fragments, mine, strict=True):
        nodes = list(fe.normalize_text(frag))
        feats = [fe.get_node_features_idx(i, nodes) for i in range(len(nodes))]
        y, yy = _inf.getLogYY(feats, model.n_tag, model.n_feature * model.n_tag, model.w, 1.0)
        assert np.array_equal(y, score), frag
        assert np.array_equal(yy, fast._edge)


# Characters that exercise every branch: pkuseg's renamed keywords (-._,|/*:), its num and
# letter classes, ASCII, spaces (fragment splits), the placeholders' code points (the
# original _cut is used for those), and common policy characters.
ODD = "-._,|/*:&0123456789几十千万亿零１２３４５６７８９０％ＡＢＣａｂｃ／・－abcXYZ \u3000\t\ud800\ud801\ue000"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(policy_text, st.text(alphabet=ODD + "质量发展合格率达到以上年", max_size=30),
                          st.text(max_size=20)), min_size=1, max_size=6))
def test_same_tokens_on_generated_text(reference, fast, texts):
    assert fast.cut_many(texts) == [reference.cut(t) for t in texts]


def test_tokenizer_pipe_equals_calling_it(corpus_texts):
    tok = load_nlp().tokenizer
    assert isinstance(tok, PolicyChineseTokenizer)
    texts = corpus_texts[:600:3]
    piped = list(tok.pipe(texts, batch_size=37))
    one = [tok(t) for t in texts]
    assert [[(t.text, t.norm_, t.whitespace_) for t in d] for d in piped] == \
        [[(t.text, t.norm_, t.whitespace_) for t in d] for d in one]


def model_copy(tmp_path: Path) -> Path:
    """The saved pkuseg model in a temp folder (large files linked, not copied)."""
    dest = tmp_path / "pkuseg_model"
    dest.mkdir()
    for f in MODEL_DIR.iterdir():
        if f.name == fastseg.TABLES_FILE:
            shutil.copyfile(f, dest / f.name)
        else:
            (dest / f.name).symlink_to(f)
    return dest


def test_stale_tables_fall_back_to_spacy_pkuseg_with_a_warning(tmp_path):
    dest = model_copy(tmp_path)
    with np.load(dest / fastseg.TABLES_FILE) as z:
        tables = {k: z[k] for k in z.files}
    tables["source_sha256"] = np.array(["0" * 64])
    fastseg.save_tables(tables, dest)
    with pytest.raises(fastseg.TablesError, match="sha256 differs"):
        fastseg.read_tables(dest)
    with pytest.warns(UserWarning, match="fast pkuseg tables unusable"):
        seg = fastseg.load_segmenter(dest)
    assert type(seg) is spacy_pkuseg.pkuseg


def test_missing_tables_load_spacy_pkuseg_silently(tmp_path):
    dest = model_copy(tmp_path)
    (dest / fastseg.TABLES_FILE).unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seg = fastseg.load_segmenter(dest)
    assert type(seg) is spacy_pkuseg.pkuseg


def test_saved_pipeline_carries_current_tables(tmp_path, reference, corpus_texts):
    nlp = load_nlp()
    out = tmp_path / "saved"
    nlp.tokenizer.to_disk(out)
    saved = out / "pkuseg_model"
    assert fastseg.read_tables(saved)["source_sha256"][0] == fastseg.sha256_file(saved / fastseg.FEATURES_FILE)
    tok = PolicyChineseTokenizer(nlp.vocab).from_disk(out)
    assert isinstance(tok.pkuseg_seg, fastseg.FastPkuseg)
    texts = corpus_texts[:300]
    assert tok.pkuseg_seg.cut_many(texts) == [reference.cut(t) for t in texts]
