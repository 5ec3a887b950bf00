"""Clause classifier: leak-free evaluation, registry integrity, prediction."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from flows.cli import app
from pipeline.classify import (
    ModelIntegrityError,
    current_version,
    load_current,
    load_version,
    registry,
    rule_baseline,
    train_and_register,
)
from pipeline.text.segment import segment
from tests.conftest import ANNOTATIONS, ROOT

SMALL = ("gansu-2015-quality-action-plan", "shanghai-2017-consumer-goods-quality", "anhui-2022-rcep-opening")


@pytest.fixture(scope="module")
def small_gold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("gold")
    for doc in SMALL:
        shutil.copy(ANNOTATIONS / f"{doc}.jsonl", d / f"{doc}.jsonl")
    return d


def test_evaluate_json_last_line_has_the_contract(small_gold: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate", "--json", "--dir", str(small_gold)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert set(out["per_label"]) == {"goal", "target", "measure", "safeguard", "other"}
    for v in out["per_label"].values():
        assert set(v) == {"precision", "recall", "f1", "support"}
    assert {"majority", "rules"} <= set(out["baselines"])
    assert out["n_documents"] == 3
    assert 0 <= out["macro_f1"] <= 1 and 0 <= out["accuracy"] <= 1
    assert sum(v["support"] for v in out["per_label"].values()) == out["n_clauses"]
    # every clause alone, and every document as a page whose headings were lost
    for view in ("context_free", "headings_lost"):
        assert set(out[view]["per_label"]) == set(out["per_label"]) and 0 <= out[view]["ece"] <= 1
    assert 0 < out["headings_lost"]["n"] < out["n_clauses"]


def test_lodo_never_trains_on_the_held_out_document(small_gold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import classify
    from pipeline.gold.annotations import load_dataset

    ds = load_dataset(small_gold)
    X, y, groups = classify.dataset_inputs(ds)
    seen: list[tuple[set[str], set[str]]] = []
    real = classify.build_pipeline

    def spy(*a, **k):  # type: ignore[no-untyped-def]
        pipe = real(*a, **k)
        fit = pipe.fit

        def fit_spy(Xtr, ytr):  # type: ignore[no-untyped-def]
            seen.append(({x["text"] for x in Xtr}, set()))
            return fit(Xtr, ytr)
        pipe.fit = fit_spy  # type: ignore[method-assign]
        return pipe

    monkeypatch.setattr(classify.evaluation, "build_pipeline", spy)  # where the LODO loop looks it up
    classify.lodo_predictions(X, y, groups, n_jobs=1)
    assert len(seen) == len(set(groups))
    texts_by_group: dict[str, set[str]] = {}
    for x, g in zip(X, groups, strict=True):
        texts_by_group.setdefault(g, set()).add(x["text"])
    for (train_texts, _), g in zip(seen, sorted(set(groups)), strict=True):
        only_held_out = texts_by_group[g] - set().union(*(v for k, v in texts_by_group.items() if k != g))
        assert not (only_held_out & train_texts)


def test_train_registers_a_version_without_making_it_current(small_gold: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    first = train_and_register(small_gold, ROOT / "corpus", models, make_current=True,
                               metrics=_fake_metrics())
    second = train_and_register(small_gold, ROOT / "corpus", models, metrics=_fake_metrics())
    assert current_version(models) == first != second
    reg = registry(models)
    assert set(reg["versions"]) == {first, second}
    vdir = models / "clause-classifier" / second
    for name in ("model.joblib", "model.sha256", "metrics.json", "params.json", "MODEL_CARD.md"):
        assert (vdir / name).exists()
    assert json.loads((vdir / "params.json").read_text())["training_data_sha256"] == reg["versions"][second]["training_data_sha256"]


def test_tampered_model_is_refused(small_gold: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    v = train_and_register(small_gold, ROOT / "corpus", models, make_current=True, metrics=_fake_metrics())
    assert load_version(v, models).version == v
    path = models / "clause-classifier" / v / "model.joblib"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="does not match the registry"):
        load_version(v, models)


def test_bundled_current_model_loads_and_labels_clauses() -> None:
    clf = load_current()
    assert clf is not None, "the repository ships a current classifier"
    clauses = segment("三、保障措施\n(一)加强组织领导。各级政府要把质量工作纳入考核。\n到2020年,产品质量监督抽查合格率达到95%以上。").clauses
    labels = clf.predict_clauses(clauses)
    assert len(labels) == len(clauses)
    assert all(lab in {"goal", "target", "measure", "safeguard", "other"} and 0 < p <= 1 for lab, p in labels)
    assert labels[-1][0] == "target"


# fmt: off
@pytest.mark.parametrize("text,section,expected", [
    ("二、主要任务",                         [],               "other"),
    ("合格率达到90%以上。",                   ["一、主要目标"],  "target"),
    ("加强组织领导。",                        ["三、保障措施"],  "safeguard"),
    ("坚持市场决定与政府推动相结合。",          ["(二)基本原则"],  "goal"),
    ("加快质量诚信体系建设。",                 ["二、主要任务"],  "measure"),
])
# fmt: on
def test_rule_baseline(text: str, section: list[str], expected: str) -> None:
    from pipeline.classify import clause_features

    assert rule_baseline(clause_features(text, section, 0.5)) == expected


def _fake_metrics() -> dict:  # type: ignore[type-arg]
    per = {lab: {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0} for lab in ("goal", "target", "measure", "safeguard", "other")}
    base = {"macro_f1": 0.0, "accuracy": 0.0, "per_label": per}
    return {"macro_f1": 0.0, "accuracy": 0.0, "per_label": per, "baselines": {"majority": base, "rules": base},
            "n_documents": 3, "n_groups": 3}


def test_tempered_svc_label_is_its_most_probable_class() -> None:
    import numpy as np
    from scipy.sparse import csr_matrix

    from pipeline.classify import TemperedLinearSVC

    rng = np.random.default_rng(0)
    centres = {"goal": (0, 0), "measure": (3, 0), "safeguard": (0, 3)}
    X = np.vstack([rng.normal(c, 1.0, size=(40, 2)) for c in centres.values()])
    y = np.repeat(list(centres), 40)
    model = TemperedLinearSVC().fit(csr_matrix(X), y)
    proba = model.predict_proba(csr_matrix(X))
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert list(model.predict(csr_matrix(X))) == list(model.classes_[proba.argmax(axis=1)])
    assert model.temperature_ != 1.0  # fitted on out-of-fold decision values
    # overlapping clusters: confidences must not all be ~1
    assert proba.max(axis=1).min() < 0.9
    # a class with a single example cannot be calibrated: the temperature stays 1
    tiny = TemperedLinearSVC().fit(csr_matrix(np.vstack([X, [[9.0, 9.0]]])), np.append(y, "other"))
    assert tiny.temperature_ == 1.0 and "other" in tiny.classes_


def test_tempered_svc_keeps_copies_of_a_clause_in_one_fold() -> None:
    """Training rows that are copies of one clause (context dropout, heading noise): split
    apart, each copy's out-of-fold score comes from a model that saw its twin, and the
    temperature makes the confidences surer than the model is."""
    import numpy as np
    from scipy.sparse import csr_matrix

    from pipeline.classify import TemperedLinearSVC

    rng = np.random.default_rng(1)
    centres = {"goal": (0, 0), "measure": (2, 0), "safeguard": (0, 2)}
    X = np.vstack([rng.normal(c, 1.0, size=(30, 2)) for c in centres.values()])
    # one private feature per clause, as a clause's own n-grams are: it identifies the clause
    X = np.hstack([X, 3.0 * np.eye(len(X))])
    y = np.repeat(list(centres), 30)
    copies, labels, groups = np.vstack([X] * 3), np.tile(y, 3), np.tile(np.arange(len(X)), 3)
    split = TemperedLinearSVC().fit(csr_matrix(copies), labels)
    grouped = TemperedLinearSVC().fit(csr_matrix(copies), labels, groups=groups)
    assert grouped.temperature_ > split.temperature_
    # the label does not depend on the temperature
    assert list(grouped.predict(csr_matrix(X))) == list(split.predict(csr_matrix(X)))


def test_a_clause_read_alone_has_its_own_evidence_not_its_documents() -> None:
    """``read_alone`` (the context-free evaluation, as ``predict`` reads a sentence): the
    target count and the past flag come from the clause by itself."""
    from pipeline.classify.features import read_alone

    target = read_alone("到2027年，全市高新技术企业达到500家以上。", 2024)
    assert target["n_targets"] == 1 and not target["past"] and target["section"] == []
    assert not target["doc_headings"]
    # a year before the document's opens the sentence: the past, whatever the numbers
    fact = read_alone("2022年，全市高新技术企业达到450家。", 2024)
    assert fact["past"] and fact["n_targets"] == 0
    # the same sentence in a document of 2021 commits to a number
    assert read_alone("2022年，全市高新技术企业达到450家。", 2021)["n_targets"] == 1
    # a fact that is past only by its section is not past alone
    plain = read_alone("全市规模以上工业企业研发机构覆盖率明显提高。", 2024)
    assert not plain["past"] and plain["n_targets"] == 0


def test_flat_view_is_each_document_without_its_headings(small_gold: Path) -> None:
    """A page whose headings were lost: the clauses that head others are gone, the others keep
    their order and read as one page without a heading chain."""
    from pipeline.classify.evaluation import flat_view
    from pipeline.gold.annotations import load_dataset

    ds = load_dataset(small_gold)
    flat, keep = flat_view(ds)
    docs, texts, sections = list(ds["doc_id"]), list(ds["text"]), list(ds["section"])
    for d in set(docs):
        rows = [i for i, x in enumerate(docs) if x == d]
        heads = {h.strip() for i in rows for h in sections[i]}
        kept = [i for i in rows if i in set(keep)]
        assert kept == [i for i in rows if texts[i].strip() not in heads]
        assert 0 < len(kept) < len(rows)  # every one of these documents has headings
        positions = []
        for i in kept:
            f = flat[i]
            assert f is not None and f["text"] == texts[i]
            assert f["section"] == [] and not f["doc_headings"] and f["doc_clauses"] == len(kept)
            positions.append(f["position"])
        assert positions == sorted(positions) and positions[0] == 0.0 and positions[-1] == 1.0
    assert all(flat[i] is None for i in range(len(texts)) if i not in set(keep))


@pytest.mark.parametrize("pages", [True, False])
def test_router_sends_pages_without_headings_to_the_page_model(pages: bool) -> None:
    """A document with headings → the model with context; a page of ten clauses or more and no
    heading → the page model (when trained); a clause alone, or a snippet of a few → alone."""
    from pipeline.classify import build_pipeline
    from pipeline.classify.features import document_features, read_alone

    texts = ["加强组织领导，落实工作责任。", "推进标准化体系建设。", "质量水平明显提升。",
             "到2025年，全市高新技术企业达到500家以上。", "“十三五”时期，全市完成技术改造项目120个。"] * 6
    labels = ["safeguard", "measure", "goal", "target", "other"] * 6
    X = document_features(texts, [["二、主要任务"]] * len(texts), [0, 0, 0, 1, 0] * 6)
    model = build_pipeline({"pages": pages, "heading_noise": 0.0}).fit(X, labels)
    assert (model.flat_ is not None) is pages
    with_headings = document_features(["推进标准化体系建设。"], [["二、主要任务"]])
    page = document_features(["推进标准化体系建设。", "加强组织领导。"] * 5, [[]] * 10)
    snippet = document_features(["推进标准化体系建设。", "加强组织领导。"] * 4 + ["推进标准化体系建设。"], [[]] * 9)
    alone = read_alone("推进标准化体系建设。", 2024)
    assert model.route(with_headings[0]) == "context"
    assert {model.route(x) for x in page} == ({"flat"} if pages else {"alone"})
    assert {model.route(x) for x in snippet} == {"alone"}
    assert model.route(alone) == "alone"
    proba = model.predict_proba([*with_headings, *page, alone])
    assert np.allclose(proba.sum(axis=1), 1.0)
    # the page model reads the clause: the measure of the training set stays a measure on a page
    assert model.predict(page)[0] == "measure"


@pytest.mark.parametrize("review_facts", [False, True])
def test_context_free_model_learns_review_facts_only_when_asked(review_facts: bool) -> None:
    from pipeline.classify import build_pipeline
    from pipeline.classify.features import document_features

    texts = ["加强组织领导，落实工作责任。", "推进标准化体系建设。", "质量水平明显提升。",
             "全市工业增加值增长8.5%。", "完成技术改造项目120个。", "生态环境质量持续改善。"] * 6
    labels = ["safeguard", "measure", "goal", "other", "other", "other"] * 6
    past = [False, False, False, True, True, True] * 6  # the three facts stand in a review section
    X = document_features(texts, [["二、主要任务"]] * len(texts), [0] * len(texts), past)
    model = build_pipeline({"review_facts": review_facts, "heading_noise": 0.0}).fit(X, labels)
    # only the facts are ``other``: the context-free model knows the label only from them
    assert ("other" in model.alone_.classes_) is review_facts
    assert "other" in model.with_context_.classes_
    vocabulary = model.alone_.named_steps["features"].transformer_list[0][1].named_steps["tfidf"].vocabulary_
    # the facts that count something are learnt; the one without a number reads as a goal
    # does and is never learnt alone
    assert ("增加值" in vocabulary) is review_facts and ("改造项" in vocabulary) is review_facts
    assert "改善" not in vocabulary and "生态" not in vocabulary


def test_calibration_figures_by_hand() -> None:
    from pipeline.classify import calibration

    c = calibration(["a", "a", "b", "b"], ["a", "b", "b", "b"], [0.95, 0.95, 0.55, 0.55])
    # bin 0.9–1.0: accuracy 0.5 vs confidence 0.95; bin 0.5–0.6: accuracy 1.0 vs 0.55
    assert c["ece"] == pytest.approx(0.5 * 0.45 + 0.5 * 0.45)
    assert [b["n"] for b in c["bins"]] == [2, 2]
    assert c["accuracy"] == 0.75


def test_safeguard_cues_follow_the_document_structure() -> None:
    from pipeline.classify import _structure, document_features

    texts = ["一、主要任务", "(一)加快质量诚信体系建设。", "推进标准化。", "二、加强协作",
             "(一)加强组织领导。", "各地要把质量工作纳入考核。"]
    sections = [[], ["一、主要任务"], ["一、主要任务", "(一)加快质量诚信体系建设。"], [],
                ["二、加强协作"], ["二、加强协作", "(一)加强组织领导。"]]
    feats = document_features(texts, sections)
    assert [f["in_last_part"] for f in feats] == [False, False, False, False, True, True]
    s = _structure(feats)
    # last part; 组织领导 in its heading; 考核 in the text; that heading opened a safeguards run;
    # both clauses of its part name a safeguard function, and it is the last of two parts
    assert s[5].tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 3.0, 3.0]
    assert s[2].tolist() == [0.0] * 9
    review = document_features(["为提升质量,现提出如下意见。", "一、发展现状", "成绩显著。"], [[], [], ["一、发展现状"]])
    assert _structure(review)[:, 5:7].tolist() == [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]


def test_a_chapter_about_support_is_known_by_its_clauses_and_place() -> None:
    """A support chapter whose title names no safeguards part (addendum D23/E17) shows in the
    share of its clauses naming a safeguard function; a tasks chapter does not, and a clause
    read without its document (a training copy, a page model's copy) carries no share."""
    from pipeline.classify import document_features
    from pipeline.classify.estimators import flat_copy
    from pipeline.classify.features import context_free

    texts = ["一、重点任务", "(一)推进产业升级。", "实施技术改造工程。", "支持企业建设数字化车间。",
             "二、强化人才支撑", "(一)加强专业人才队伍建设。", "完善人才评价和激励机制。",
             "统筹利用现有资金渠道给予支持。"]
    one, two = ["一、重点任务"], ["二、强化人才支撑"]
    sections = [[], one, [*one, "(一)推进产业升级。"], [*one, "(一)推进产业升级。"], [], two,
                [*two, "(一)加强专业人才队伍建设。"], [*two, "(一)加强专业人才队伍建设。"]]
    feats = document_features(texts, sections)
    assert [f["part_support"] for f in feats] == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    assert [f["part_place"] for f in feats] == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    # two of the three clauses of the second part name a function: the share follows
    texts[7] = "推广先进适用技术。"
    assert document_features(texts, sections)[7]["part_support"] == pytest.approx(2 / 3)
    assert context_free(feats[6])["part_support"] == 0.0
    assert flat_copy(feats[6])["part_support"] == 0.0


def test_deduplicated_prediction_equals_the_pipeline() -> None:
    """predict_proba_dedup (each distinct heading string transformed once) gives the
    model's own predict_proba on real documents, to the last bit."""
    from pipeline.classify import document_features, predict_proba_dedup
    from tests.conftest import CORPUS

    clf = load_current()
    assert clf is not None
    for path in sorted(CORPUS.glob("*.txt"))[:4]:
        clauses = segment(path.read_text(encoding="utf-8")).clauses
        X = document_features([c.text for c in clauses], [list(c.section) for c in clauses], [0] * len(clauses))
        sections = {" | ".join(x["section"]) for x in X}
        assert len(sections) < len(X)  # headings do repeat
        want = clf.model.predict_proba(X)
        got = predict_proba_dedup(clf.model, X)
        assert got.shape == want.shape
        assert np.array_equal(got, want), path.name


def test_heading_noise_adds_and_removes_only_neutral_headings() -> None:
    from pipeline.classify.estimators import NOISE_HEADINGS, heading_noise_copies
    from pipeline.classify.features import is_neutral_heading
    from pipeline.classify.robustness import NEUTRAL_HEADING

    X = [
        {"text": "加强质量监管。", "section": ["二、主要任务", "（三）其他工作"]},  # nearest heading neutral
        {"text": "加强组织领导。", "section": ["三、保障措施"]},  # nearest heading names a function
        {"text": "为推动高质量发展，制定本方案。", "section": []},  # no heading: never copied
    ]
    cx, cy, origin = heading_noise_copies(X, ["measure", "safeguard", "goal"], share=1.0)
    assert cy == ["measure", "measure", "safeguard"]
    assert origin == [0, 0, 1]  # the clause each copy was made from
    added, removed, added2 = cx
    assert added["section"][:2] == X[0]["section"] and added["section"][2] in NOISE_HEADINGS
    assert removed["section"] == ["二、主要任务"]
    assert added2["section"][:1] == ["三、保障措施"] and len(added2["section"]) == 2
    assert X[0]["section"] == ["二、主要任务", "（三）其他工作"]  # the originals are not touched
    assert heading_noise_copies(X, ["measure", "safeguard", "goal"], share=0.0) == ([], [], [])
    # Every noise heading is neutral, and none is the one the invariance checks insert.
    assert all(is_neutral_heading(h) for h in NOISE_HEADINGS) and NEUTRAL_HEADING not in NOISE_HEADINGS
    assert not is_neutral_heading("三、保障措施") and not is_neutral_heading("（二）組織領導")


def test_two_versions_trained_in_one_second_get_distinct_names(small_gold: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    import pipeline.classify.versions as versions

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:  # type: ignore[override]
            return cls(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    monkeypatch.setattr(versions, "datetime", Frozen)
    models = tmp_path / "models"
    first = train_and_register(small_gold, ROOT / "corpus", models, metrics=_fake_metrics())
    second = train_and_register(small_gold, ROOT / "corpus", models, metrics=_fake_metrics())
    assert first.startswith("20260102-030405-") and second == first + "-2"
    assert set(registry(models)["versions"]) == {first, second}


# (probabilities, targets found, reports the past) → (label, confidence), written by hand.
RECONCILE = [
    ({"goal": 0.1, "target": 0.7, "measure": 0.1, "safeguard": 0.05, "other": 0.05}, 1, False, ("target", 0.7)),
    ({"goal": 0.1, "target": 0.2, "measure": 0.6, "safeguard": 0.05, "other": 0.05}, 2, False, ("target", 0.2)),
    ({"goal": 0.1, "target": 0.6, "measure": 0.25, "safeguard": 0.0, "other": 0.05}, 0, False, ("measure", 0.25)),
    # the past rule agrees with the classifier: its probability stands
    ({"goal": 0.0, "target": 0.0, "measure": 0.2, "safeguard": 0.0, "other": 0.8}, 0, True, ("other", 0.8)),
    # the past rule overrules it: the rule's measured precision, not the overruled probability
    ({"goal": 0.05, "target": 0.0, "measure": 0.9, "safeguard": 0.0, "other": 0.05}, 0, True, ("other", 0.90)),
    # a past clause with a target found is a target (the extractor already read the past)
    ({"goal": 0.0, "target": 0.9, "measure": 0.1, "safeguard": 0.0, "other": 0.0}, 1, True, ("target", 0.9)),
]


@pytest.mark.parametrize(("proba", "n", "past", "want"), RECONCILE)
def test_joint_decision_and_its_confidence(proba: dict[str, float], n: int, past: bool,
                                           want: tuple[str, float]) -> None:
    from pipeline.classify.joint import reconcile

    ((label, conf),) = reconcile([proba], [n], [past])
    assert label == want[0] and conf == pytest.approx(want[1])


@pytest.mark.parametrize(("text", "want"), [
    # the provision number is left out; the opening and closing six characters, marked
    ("（一）加强组织领导，落实工作责任。", "^加强组织领导 落实工作责任$"),
    ("（一）加強組織領導，落實工作責任", "^加强组织领导 落实工作责任$"),  # script and final mark
    ("- 1. 到2025年，质量水平明显提升；", "^到Y年,质量 水平明显提升$"),  # bullet, number, year
    ("——平台建设长足进步。", "^平台建设长足 建设长足进步$"),  # dash bullet; a short clause overlaps
])
def test_clause_edges_are_its_opening_and_closing_words(text: str, want: str) -> None:
    from pipeline.classify.features import clause_edges, normalise

    assert clause_edges(normalise(text)) == want


def test_clause_words_cut_the_normalised_clause_into_words() -> None:
    from pipeline.classify.features import clause_words, normalise

    words = clause_words(normalise("加强組織領導，落实工作责任。")).split()
    assert "".join(words) == "加强组织领导,落实工作责任"
    assert {"加强", "落实", "责任"} <= set(words)
    assert not any(len(w) == 1 and "\u4e00" <= w <= "\u9fff" for w in words)  # no word cut into characters


@pytest.mark.parametrize("on", [True, False])
def test_only_the_models_without_headings_read_edges_and_words(on: bool) -> None:
    """The models of a clause alone and of a page without headings read the clause's edges
    and words when the recipe says so; the model in context never does."""
    from pipeline.classify import build_pipeline

    model = build_pipeline({"edges": on, "words": on})
    columns = {name: {n for n, _ in p.named_steps["features"].transformer_list}
               for name, p in (("context", model.with_context), ("alone", model.alone), ("page", model.flat))}
    assert not {"edges", "words"} & columns["context"]
    for name in ("alone", "page"):
        assert ({"edges", "words"} <= columns[name]) is on, name
    assert "text" in columns["alone"] and "context" in columns["page"]
    # and they have their own estimator (a logistic regression); the model in context keeps its
    from sklearn.linear_model import LogisticRegression

    from pipeline.classify.estimators import TemperedLinearSVC

    assert isinstance(model.with_context.steps[-1][1], TemperedLinearSVC)
    assert all(isinstance(m.steps[-1][1], LogisticRegression) and m.steps[-1][1].C == 8.0
               for m in (model.alone, model.flat))


def test_the_model_card_names_the_models_behind_the_router() -> None:
    from pipeline.classify.versions import routes

    got = routes({"router": True, "pages": True, "edges": True, "words": False, "estimator": "svc", "C": 1.0,
                  "reading_estimator": "lr", "reading_C": 8.0})
    assert len(got) == 3
    assert "opening and closing" in got[1] and "pkuseg" not in got[1] and "logistic regression C=8.0" in got[2]
    no_pages = routes({"router": True, "pages": False, "estimator": "svc", "C": 1.0})
    assert len(no_pages) == 2 and "LinearSVC C=1.0" in no_pages[1] and "opening" not in no_pages[1]
    assert routes({"router": False}) == []


def test_behaviour_failures_are_the_cases_a_model_gets_wrong_in_both_scripts() -> None:
    """A stand-in model that calls every clause a measure fails every goal and safeguard case (in
    both scripts) and none of the measures; an ``other`` case passes only where the past rule
    decides it (a sentence reporting last year), whatever the model says."""
    from pipeline.classify.behaviour import ALL_CASES, behaviour_failures
    from pipeline.text.script import converter

    class AlwaysMeasure:
        def proba_clauses(self, clauses, counts, past):  # type: ignore[no-untyped-def]
            return [{"goal": 0.0, "target": 0.0, "measure": 1.0, "safeguard": 0.0, "other": 0.0} for _ in clauses]

    failed = behaviour_failures(AlwaysMeasure())
    texts = {(lab, t) for lab, t, _ in failed}
    assert not any(lab == "measure" for lab, _ in texts)
    s2t = converter("s2t")
    for label in ("goal", "safeguard"):
        want = {(lab, v) for lab, t in ALL_CASES if lab == label for v in (t, s2t(t))}
        assert {x for x in texts if x[0] == label} == want, label
    assert ("other", "特此通知。") in texts and ("other", "二、主要任务") in texts
    assert ("other", "去年全市新增市场主体3.2万户。") not in texts


class _ReadsTheMarker:
    """A stand-in model that labels a clause ``other`` when it opens with a markdown marker and
    ``measure`` otherwise, whatever else it says."""

    classes_ = np.asarray(["measure", "other"])

    def fit(self, X: list[dict[str, Any]], y: list[str]) -> _ReadsTheMarker:
        return self

    def predict_proba(self, X: list[dict[str, Any]]) -> np.ndarray:
        return np.asarray([[0.1, 0.9] if x["text"].startswith("- ") else [0.9, 0.1] for x in X])


def test_leave_one_document_out_flip_rates_count_what_the_model_reads(small_gold: Path) -> None:
    """The retrain gate's invariance figures: a model that reads the marker flips every clause
    the marker is put in front of and none whose script changes; n counts the clauses each
    perturbation applies to. The joint decision keeps the label of a clause with targets
    (``target``) or a past fact (``other``) whatever the model says, so those cannot flip."""
    from pipeline.classify.robustness import lodo_flip_rates, perturbed_views
    from pipeline.gold.annotations import load_dataset

    out = lodo_flip_rates(small_gold, ROOT / "corpus", builder=_ReadsTheMarker,
                          names=["markdown marker in front", "other script"])
    n = len(load_dataset(small_gold, ROOT / "corpus"))
    assert out["n_clauses"] == n and out["n_documents"] == 3
    marker, script = out["perturbations"]["markdown marker in front"], out["perturbations"]["other script"]
    base = perturbed_views([], small_gold, ROOT / "corpus")[3]
    free = sum(1 for x in base if x["n_targets"] == 0 and not x.get("past"))
    assert free > 0.9 * n
    assert marker["n"] == n and marker["flips"] == free and marker["rate"] == round(free / n, 4)
    assert marker["examples"][0][1:] == ("measure", "other")
    assert 0 < script["n"] <= n and script["flips"] == 0 and script["rate"] == 0.0
