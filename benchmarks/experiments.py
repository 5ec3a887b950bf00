"""The ``--experiments`` child, on the 14 bundled documents: a cProfile of the ingest,
batching, the numeral gate, t2s and the exact fast t2s against OpenCC, parquet commit cost."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.corpus import SAMPLE, read_clauses
from benchmarks.timing import ROOT, now_iso, rate, timed

# A narrower gate than the product's NUMERAL_GATE (pipeline/targets/), for the gate
# experiment: it misses targets written in Chinese numerals.
DIGIT_GATE = re.compile(r"[0-9０-９]")
# Imported before anything is profiled or timed, so that no step counts an import as its work.
PIPELINE_MODULES = ("pipeline.targets.document", "pipeline.ingest", "pipeline.targets", "pipeline.targets.nlp",
                    "pipeline.text.read", "pipeline.text.segment", "pipeline.gold.target_eval")


def child_experiments(base_files: list[Path], tmp: Path) -> dict[str, Any]:
    for name in PIPELINE_MODULES:
        importlib.import_module(name)
    from pipeline.targets.nlp import load_nlp

    res: dict[str, Any] = {"date": now_iso(), "corpus": "the 14 bundled documents"}
    prof_out = tmp / "exp-profile-out"
    res["profile"] = profile_ingest(base_files, prof_out)
    print("[bench] experiments: profile done", flush=True)

    nlp = load_nlp()
    base_chars, clauses, _ = read_clauses(base_files)
    nlp(SAMPLE)
    res["batching"] = batching(nlp, clauses, base_chars)
    print("[bench] experiments: batching done", flush=True)
    res["numeral_gate"] = numeral_gate(nlp, base_files, base_chars)
    print("[bench] experiments: gate done", flush=True)
    eng, res["fast_t2s"], res["t2s"] = t2s(base_files, base_chars)
    print("[bench] experiments: t2s done", flush=True)
    res["parquet"] = parquet(eng, base_files, prof_out, tmp)
    print("[bench] experiments: parquet done", flush=True)
    return res


def profile_ingest(base_files: list[Path], prof_out: Path) -> dict[str, Any]:
    """1. cProfile of the in-process ingest (also the output the parquet experiment grows)."""
    import cProfile
    import pstats

    import pipeline.ingest as ingest

    pr = cProfile.Profile()
    t0 = time.perf_counter()
    pr.enable()
    ingest.ingest(base_files, prof_out, engine=ingest.Engine())
    pr.disable()
    wall = time.perf_counter() - t0
    st = pstats.Stats(pr)
    total = st.total_tt  # type: ignore[attr-defined]
    items = st.stats.items()  # type: ignore[attr-defined]
    return {
        "total_s": round(total, 2), "wall_s": round(wall, 2),
        "top_tottime": [{"function": f"{Path(f).name}:{ln}({fn})", "tottime_s": round(tt, 3),
                         "share": round(tt / total, 3), "calls": nc}
                        for (f, ln, fn), (_, nc, tt, _ct, _) in sorted(items, key=lambda kv: -kv[1][2])[:20]],
        "top_cumtime": [{"function": f"{Path(f).name}:{ln}({fn})", "cumtime_s": round(ct, 3),
                         "share": round(ct / total, 3), "calls": nc}
                        for (f, ln, fn), (_, nc, _tt, ct, _) in sorted(items, key=lambda kv: -kv[1][3])
                        if "/pipeline/" in f or "spacy_pkuseg" in f or "opencc" in f][:25]}


def batching(nlp: Any, clauses: list[str], base_chars: int) -> dict[str, Any]:
    """2. batching: nlp(text) per clause vs nlp.pipe at two batch sizes."""
    out = {}
    for name, fn in (("nlp(text) per clause", lambda: [nlp(t) for t in clauses]),
                     ("nlp.pipe batch_size=64", lambda: list(nlp.pipe(clauses, batch_size=64))),
                     ("nlp.pipe batch_size=1000", lambda: list(nlp.pipe(clauses, batch_size=1000)))):
        _, w, c = timed(fn)
        out[name] = {"wall_s": round(w, 2), "cpu_s": round(c, 2), "chars_per_s": rate(base_chars, w)}
    return out


def numeral_gate(nlp: Any, base_files: list[Path], base_chars: int) -> dict[str, Any]:
    """3. the numeral gate (product: pkuseg and the target component only on clauses with a
    numeral, % or 翻) against no gate and a digit-only gate: same targets? same gold scores?"""
    import pipeline.targets as targets_mod
    import pipeline.targets.document as document_targets
    from pipeline.gold.target_eval import evaluate_targets
    from pipeline.text.read import read_document
    from pipeline.text.segment import segment

    docs = []
    for f in base_files:
        d = read_document(f)
        docs.append((d, segment(d.text).clauses))
    all_cl = [x for _, cl in docs for x in cl]
    gate_res: dict[str, Any] = {}
    ref = None
    product_gate = targets_mod.has_numeral
    for name, gate in (("clauses with a numeral, % or 翻 (product)", product_gate),
                       ("every clause (no gate)", lambda t: True),
                       ("clauses with an ASCII/full-width digit", lambda t: DIGIT_GATE.search(t) is not None)):
        targets_mod.has_numeral = gate
        try:
            outs, w, c = timed(lambda: [document_targets.extract_document_targets(
                nlp, cl, d.title, doc_year=d.published.year if d.published else None) for d, cl in docs])
            score = evaluate_targets(None, nlp=nlp)["overall"]
        finally:
            targets_mod.has_numeral = product_gate
        sel = [x for x in all_cl if gate(x.text)]
        if ref is None:
            ref = (outs, score)
        gate_res[name] = {
            "extract_wall_s": round(w, 2), "extract_cpu_s": round(c, 2), "extract_chars_per_s": rate(base_chars, w),
            "clause_share": round(len(sel) / len(all_cl), 3),
            "char_share": round(sum(len(x.text) for x in sel) / sum(len(x.text) for x in all_cl), 3),
            "same_targets_as_product": outs == ref[0],
            "targets": sum(len(o) for o in outs),
            "gold_value_unit_f1": score["value_unit"]["f1"], "gold_full_record_f1": score["full_record"]["f1"],
            "gold_indicator_exact": score["indicator_exact"], "same_gold_scores_as_product": score == ref[1]}
    return gate_res


def t2s(base_files: list[Path], base_chars: int) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """4. t2s: how often the ingest converts the same text; the exact fast t2s against OpenCC.
    Returns the warm Engine (the parquet experiment reuses it), fast_t2s and t2s."""
    import opencc

    import pipeline.ingest as ingest
    import pipeline.text.script as script
    from pipeline.text.read import read_document

    seen: Counter[str] = Counter()
    conv = script.Converter.__call__

    def counting(self, s):  # type: ignore[no-untyped-def]
        seen[s] += 1
        return conv(self, s)

    script.Converter.__call__ = counting  # type: ignore[method-assign]
    eng = ingest.Engine()
    eng.nlp  # noqa: B018 - loaded before timing
    run_docs = [read_document(f) for f in base_files]
    try:
        _, w_plain, _ = timed(lambda: [eng.process(d) for d in run_docs])
    finally:
        script.Converter.__call__ = conv  # type: ignore[method-assign]
    cc = opencc.OpenCC("t2s")
    texts = [d.text for d in run_docs] + list(seen) + _annotation_texts() + _random_dictionary_strings(cc)
    script.t2s("")  # builds the converter
    ref, w_ref, _ = timed(lambda: [cc.convert(x) for x in texts])
    got, w_fast, _ = timed(lambda: [script.t2s(x) for x in texts])
    fast = {"texts_checked": len(texts), "mismatches": sum(a != b for a, b in zip(ref, got, strict=True)),
            "chars": sum(map(len, texts)), "opencc_s": round(w_ref, 2), "fast_s": round(w_fast, 2),
            "speedup": round(w_ref / w_fast, 1)}
    counted = {"calls": sum(seen.values()), "distinct_texts": len(seen),
               "chars_converted": sum(len(k) * v for k, v in seen.items()),
               "distinct_chars": sum(len(k) for k in seen), "corpus_chars": base_chars,
               "process_wall_s": round(w_plain, 2)}
    return eng, fast, counted


def _annotation_texts() -> list[str]:
    """Every clause text and section heading of the gold annotations (annotations/*.jsonl)."""
    texts: list[str] = []
    for p in sorted((ROOT / "annotations").glob("*.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                texts += [rec.get("text") or ""] + list(rec.get("section") or [])
    return texts


def _random_dictionary_strings(cc: Any) -> list[str]:
    """3,000 strings of 1–12 random OpenCC dictionary keys (seeded)."""
    import random

    rnd = random.Random(1)
    cc.convert("")  # loads the dictionaries
    keys = [k for grp in cc._dict_chain_data for _, _, dd in grp for k in dd]
    return ["".join(rnd.choice(keys) for _ in range(rnd.randint(1, 12))) for _ in range(3000)]


def parquet(eng: Any, base_files: list[Path], prof_out: Path, tmp: Path) -> dict[str, Any]:
    """5. parquet: one new document into an existing output; a run with nothing new."""
    import pipeline.ingest as ingest

    work = tmp / "exp-parquet-out"
    shutil.copytree(prof_out, work)
    one = tmp / "exp-one"
    one.mkdir()
    (one / "extra-doc.txt").write_text(base_files[0].read_text(encoding="utf-8") + "\n（增量）\n", encoding="utf-8")
    p, wp, _ = timed(lambda: ingest.plan([one], work, eng.model_version))
    rows, wr, _ = timed(lambda: [ingest.process_one(eng, d, p.model_version, p.now) for d in p.todo])
    _, wc, _ = timed(lambda: ingest.commit(p, rows))
    p2, wp2, _ = timed(lambda: ingest.plan(base_files + [one], work, eng.model_version))
    _, wc2, _ = timed(lambda: ingest.commit(p2, []))
    return {"one_new_doc": {"plan_s": round(wp, 3), "process_s": round(wr, 2), "commit_s": round(wc, 3)},
            "nothing_new": {"plan_s": round(wp2, 3), "commit_s": round(wc2, 3),
                            "unchanged": p2.summary.unchanged},
            "table_bytes": {f.name: f.stat().st_size for f in sorted(work.glob("*.parquet"))}}
