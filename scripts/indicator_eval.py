"""Score the indicator catalogue (pipeline/targets/indicators.py) against the hand-made indicator gold.

usage: python scripts/indicator_eval.py [--json]

Gold: annotations/indicators/gold.jsonl (cluster of every distinct indicator string of
items.jsonl; two passes and their resolution beside it), applied to every target of the
gold annotations: the analyst groups targets, so pairs are pairs of targets. Leave-one-document-out: for each document, the threshold
is chosen on the items of the other documents (grid 0.30..0.95), and the pairs with an item
of that document are scored with it (each pair once, in the fold of its first document).
Prints pairwise precision/recall/F1 and B-cubed beside the exact-match baseline
(same simplified string and unit family), and the agreement of the two passes.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.targets.indicators import Catalogue, normalise_indicator, unit_family  # noqa: E402
from pipeline.text.script import t2s  # noqa: E402

GOLD = ROOT / "annotations" / "indicators"
GRID = [round(0.30 + 0.05 * k, 2) for k in range(14)]


def load(name: str) -> dict[int, str]:
    return {r["id"]: r["cluster"] for r in map(json.loads, (GOLD / name).read_text(encoding="utf-8").splitlines())}


def items() -> list[dict]:
    """One entry per target of the gold (the analyst groups targets, so an indicator string
    used in three documents is three entries), with its gold cluster from the item list."""
    listed = {(r["indicator"], r["unit"]): r["id"] for r in
              map(json.loads, (GOLD / "items.jsonl").read_text(encoding="utf-8").splitlines())}
    out = []
    for path in sorted((ROOT / "annotations").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            for t in rec["targets"]:
                out.append({"id": len(out), "item": listed[(t["indicator"], t["unit"])],
                            "indicator": t["indicator"], "unit": t["unit"], "docs": [rec["doc_id"]]})
    return out


def clusters(its: list[dict], threshold: float) -> dict[int, str]:
    cat = Catalogue(threshold=threshold)
    keys = cat.place_all([(it["indicator"], it["unit"], it["docs"][0]) for it in its])
    return {it["id"]: k for it, k in zip(its, keys, strict=True)}


def exact(its: list[dict]) -> dict[int, str]:
    return {it["id"]: f"{unit_family(it['unit'])}|{t2s(it['indicator'])}" for it in its}


def pairs(assign: dict[int, str], ids: list[int]) -> set[tuple[int, int]]:
    return {(a, b) for a, b in combinations(sorted(ids), 2) if assign[a] == assign[b]}


def prf(tp: int, pred: int, gold: int) -> dict[str, float]:
    p = tp / pred if pred else 1.0
    r = tp / gold if gold else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "tp": tp, "pred": pred, "gold": gold}


def bcubed(assign: dict[int, str], gold: dict[int, str]) -> dict[str, float]:
    ids = sorted(gold)
    by_a, by_g = Counter(assign[i] for i in ids), Counter(gold[i] for i in ids)
    both = Counter((assign[i], gold[i]) for i in ids)
    p = sum(both[(assign[i], gold[i])] / by_a[assign[i]] for i in ids) / len(ids)
    r = sum(both[(assign[i], gold[i])] / by_g[gold[i]] for i in ids) / len(ids)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4)}


def lodo(its: list[dict], gold: dict[int, str]) -> dict:
    home = {it["id"]: it["docs"][0] for it in its}
    docs = sorted(set(home.values()))
    tp = pred = n_gold = 0
    chosen = {}
    predicted: dict[int, str] = {}
    for d in docs:
        rest = [it for it in its if home[it["id"]] != d]
        rest_ids = [it["id"] for it in rest]
        g_rest = pairs(gold, rest_ids)

        def f1(th: float, rest=rest, rest_ids=rest_ids, g_rest=g_rest) -> float:
            p_rest = pairs(clusters(rest, th), rest_ids)
            return prf(len(p_rest & g_rest), len(p_rest), len(g_rest))["f1"]

        th = max(GRID, key=lambda t: (f1(t), t))
        chosen[d] = th
        assign = clusters(its, th)
        mine = [i for i in gold if home[i] == d]
        predicted.update({i: f"{d}:{assign[i]}" for i in mine})

        def in_fold(a: int, b: int, d: str = d) -> bool:
            return min(home[a], home[b]) == d

        all_ids = list(gold)
        p_all = {pr for pr in pairs(assign, all_ids) if in_fold(*pr)}
        g_all = {pr for pr in pairs(gold, all_ids) if in_fold(*pr)}
        tp += len(p_all & g_all)
        pred += len(p_all)
        n_gold += len(g_all)
    return {"pairwise": prf(tp, pred, n_gold), "thresholds": chosen}


def main(argv: list[str]) -> int:
    its = items()
    by_item = load("gold.jsonl")
    gold = {it["id"]: by_item[it["item"]] for it in its}
    ids = list(gold)
    g = pairs(gold, ids)
    base = exact(its)
    pb = pairs(base, ids)
    result = {
        "items": len(its), "gold_clusters": len(set(gold.values())), "gold_pairs": len(g),
        "lodo": lodo(its, gold),
        "baseline_exact_match": {"pairwise": prf(len(pb & g), len(pb), len(g)), "bcubed": bcubed(base, gold)},
    }
    th = Counter(result["lodo"]["thresholds"].values()).most_common(1)[0][0]
    full = clusters(its, th)
    result["all_items_at_modal_threshold"] = {
        "threshold": th, "pairwise": prf(len(pairs(full, ids) & g), len(pairs(full, ids)), len(g)),
        "bcubed": bcubed(full, gold)}
    pa_items, pb_items = load("pass_a.jsonl"), load("pass_b.jsonl")
    a = {it["id"]: pa_items[it["item"]] for it in its}
    b = {it["id"]: pb_items[it["item"]] for it in its}
    pa, pb2 = pairs(a, ids), pairs(b, ids)
    result["pass_agreement"] = {"pairwise_f1": round(2 * len(pa & pb2) / (len(pa) + len(pb2)), 4),
                                "pairs_a": len(pa), "pairs_b": len(pb2), "pairs_both": len(pa & pb2),
                                "bcubed_f1": bcubed(a, b)["f1"]}
    result["normalised_examples"] = {it["indicator"]: normalise_indicator(it["indicator"]) for it in its[:5]}
    print(json.dumps(result, ensure_ascii=False, indent=1) if "--json" in argv else json.dumps(
        {k: v for k, v in result.items() if k != "normalised_examples"}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
