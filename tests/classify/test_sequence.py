"""The smoothing of a document's labels along its clauses (``pipeline.classify.sequence``):
hand-computed transition counts, the cases where it must change nothing, and the direction
it moves an undecided clause in."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.classify.sequence import document_runs, smooth, transition_matrix

LABELS = ["measure", "safeguard", "other"]


def test_transition_counts_are_add_one_and_row_normalised():
    t = transition_matrix([["measure", "measure", "safeguard"], ["other", "measure"]], LABELS)
    # measure→measure 1+1, measure→safeguard 1+1, measure→other 0+1; other→measure 1+1
    assert t[0].tolist() == pytest.approx([2 / 5, 2 / 5, 1 / 5])
    assert t[1].tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert t[2].tolist() == pytest.approx([2 / 4, 1 / 4, 1 / 4])


def test_a_label_outside_the_classes_is_not_counted():
    assert transition_matrix([["measure", "unknown", "measure"]], LABELS).tolist() == \
        transition_matrix([], LABELS).tolist()


P = np.array([[0.8, 0.1, 0.1], [0.45, 0.5, 0.05], [0.1, 0.8, 0.1], [0.1, 0.85, 0.05]])
STICKY = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
PRIOR = np.array([0.6, 0.2, 0.2])


def test_no_weight_or_one_clause_changes_nothing():
    assert smooth(P, STICKY, PRIOR, weight=0.0) is P
    assert smooth(P[:1], STICKY, PRIOR) is not None and smooth(P[:1], STICKY, PRIOR).tolist() == P[:1].tolist()


def test_uniform_transitions_and_no_prior_keep_each_clause_as_it_was():
    uniform = np.full((3, 3), 1 / 3)
    got = smooth(P, uniform, PRIOR, weight=1.0, prior_power=0.0)
    assert got == pytest.approx(P / P.sum(axis=1, keepdims=True))


def test_rows_are_probabilities():
    got = smooth(P, STICKY, PRIOR)
    assert got.sum(axis=1) == pytest.approx(np.ones(len(P)))
    assert (got >= 0).all()


def test_an_undecided_clause_leans_towards_the_run_it_stands_in():
    # directional: clause 1 is split between measure and safeguard; the safeguards after it
    # pull it their way under sticky transitions, and a run of measures pulls it back.
    got = smooth(P, STICKY, PRIOR, weight=1.0, prior_power=0.0)
    assert got[1, 1] > P[1, 1]
    before = np.array([[0.8, 0.1, 0.1], [0.45, 0.5, 0.05], [0.85, 0.1, 0.05], [0.9, 0.05, 0.05]])
    assert smooth(before, STICKY, PRIOR, weight=1.0, prior_power=0.0)[1].argmax() == 0


def test_clear_clauses_keep_their_label():
    got = smooth(P, STICKY, PRIOR)
    assert [int(r.argmax()) for r in got[[0, 2, 3]]] == [0, 1, 1]


def test_document_runs_start_at_each_first_clause_and_skip_what_is_not_kept():
    def x(i: int, n: int) -> dict:
        return {"position": i / max(1, n - 1), "doc_clauses": n}

    X = [x(0, 3), x(1, 3), x(2, 3), x(0, 1), x(0, 2), x(1, 2)]
    assert document_runs(X, [True] * 6) == [[0, 1, 2], [3], [4, 5]]
    # a clause left out (read alone) is in no run and does not cut its document's run
    assert document_runs(X, [True, False, True, True, True, True]) == [[0, 2], [3], [4, 5]]


def test_a_temperature_below_one_tempers_the_confidence_and_keeps_every_decision():
    sure = smooth(P, STICKY, PRIOR, weight=1.0, prior_power=0.0)
    tempered = smooth(P, STICKY, PRIOR, weight=1.0, prior_power=0.0, temperature=0.6)
    assert [int(r.argmax()) for r in tempered] == [int(r.argmax()) for r in sure]
    assert (tempered.max(axis=1) < sure.max(axis=1)).all()
    assert tempered.sum(axis=1) == pytest.approx(np.ones(len(P)))


def test_a_bare_section_title_is_other_whatever_its_probabilities():
    from pipeline.classify.joint import BARE_TITLE_CONFIDENCE, bare_titles

    classes = ["goal", "measure", "other"]
    X = [{"text": "总体要求"}, {"text": "坚持系统推进。"}, {"text": "三、保障措施"}]
    out = bare_titles(X, np.array([[0.6, 0.1, 0.3], [0.9, 0.05, 0.05], [0.1, 0.8, 0.1]]), classes)
    assert [classes[int(r.argmax())] for r in out] == ["other", "goal", "other"]
    assert out[0, 2] == pytest.approx(BARE_TITLE_CONFIDENCE)
    assert out.sum(axis=1) == pytest.approx(np.ones(3))


def test_a_line_naming_only_issuing_bodies_is_other_whatever_its_probabilities():
    from pipeline.classify.joint import ISSUER_CONFIDENCE, issuer_lines

    classes = ["goal", "measure", "safeguard", "other"]
    X = [{"text": "工业和信息化部"}, {"text": "加强组织领导。"}, {"text": "教育部、科学技术部"}]
    P = np.array([[0.1, 0.2, 0.6, 0.1], [0.1, 0.1, 0.7, 0.1], [0.1, 0.5, 0.3, 0.1]])
    out = issuer_lines(X, P.copy(), classes)
    assert [classes[int(r.argmax())] for r in out] == ["other", "safeguard", "other"]
    assert out[0, 3] == pytest.approx(ISSUER_CONFIDENCE)
    assert out[1].tolist() == P[1].tolist()
    assert out.sum(axis=1) == pytest.approx(np.ones(3))
