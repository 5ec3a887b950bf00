"""Segmentation measured in-process, each in its own child (``run.py --child NAME``): raw
spacy_pkuseg (the reference), the pipeline's fast segmenter, and ``nlp.pipe``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import SAMPLE, read_clauses
from benchmarks.timing import launch_time, rate, self_peak_mib, timed

CHILDREN = ("pkuseg", "fastseg", "nlp_pipe")  # in the order the runner measures them


def cut_each(seg: Any, items: list[str]) -> list[list[str]]:
    return [seg.cut(x) for x in items]


def tokens_digest(tokens: list[list[str]]) -> str:
    import hashlib

    return hashlib.sha256("\x00".join("\x01".join(t) for t in tokens).encode("utf-8", "surrogatepass")).hexdigest()


def child_pkuseg(files: list[Path], base_files: list[Path]) -> dict[str, Any]:
    t_launch = launch_time()
    import spacy_pkuseg

    from pipeline.settings import get_settings

    t = time.perf_counter()
    seg = spacy_pkuseg.pkuseg(str(get_settings().pkuseg_dir))
    load = time.perf_counter() - t
    seg.cut(SAMPLE)
    cold = time.time() - t_launch
    chars, clauses, _ = read_clauses(files)

    def cut_all(items: list[str]) -> int:
        return sum(len(seg.cut(x)) for x in items)

    tokens, wall, cpu = timed(cut_each, seg, clauses)
    n_tokens = sum(map(len, tokens))
    base_chars, base_clauses, base_lines = read_clauses(base_files)
    _, lw, lc = timed(cut_all, base_lines)
    _, cw, cc = timed(cut_all, base_clauses)
    return {"unit": "clause", "chars": chars, "clauses": len(clauses), "tokens": n_tokens,
            "tokens_sha256": tokens_digest(tokens), "clause_chars": sum(map(len, clauses)),
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "chars_per_s": rate(chars, wall),
            "clauses_per_s": rate(len(clauses), wall), "chars_per_cpu_s": rate(chars, cpu),
            "model_load_s": round(load, 2), "cold_start_s": round(cold, 2), "peak_rss_mib": self_peak_mib(),
            "base_corpus": {"chars": base_chars, "per_line_chars_per_s": rate(base_chars, lw),
                            "per_clause_chars_per_s": rate(base_chars, cw), "lines": len(base_lines),
                            "per_line_cpu_s": round(lc, 2), "per_clause_cpu_s": round(cc, 2)}}


def child_fastseg(files: list[Path]) -> dict[str, Any]:
    """The pipeline's segmenter alone (pipeline/targets/fastseg.py), loaded as the tokenizer loads it
    (model + processors of models/policy-nlp), cutting the same clauses in batches of 256."""
    t_launch = launch_time()
    from pipeline.targets.fastseg import FastPkuseg, set_processors
    from pipeline.targets.nlp import default_out_dir

    tok = default_out_dir() / "tokenizer"
    t = time.perf_counter()
    seg = set_processors(FastPkuseg(tok / "pkuseg_model"), tok / "pkuseg_processors")
    load = time.perf_counter() - t
    seg.cut(SAMPLE)
    cold = time.time() - t_launch
    chars, clauses, _ = read_clauses(files)

    def cut_batches(items: list[str]) -> list[list[str]]:
        out: list[list[str]] = []
        for k in range(0, len(items), 256):
            out += seg.cut_many(items[k:k + 256])
        return out

    tokens, wall, cpu = timed(cut_batches, clauses)
    return {"unit": "clause", "chars": chars, "clauses": len(clauses), "tokens": sum(map(len, tokens)),
            "tokens_sha256": tokens_digest(tokens), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "chars_per_s": rate(chars, wall), "clauses_per_s": rate(len(clauses), wall),
            "model_load_s": round(load, 2), "cold_start_s": round(cold, 2), "peak_rss_mib": self_peak_mib()}


def child_nlp_pipe(files: list[Path]) -> dict[str, Any]:
    t_launch = launch_time()
    from pipeline.targets.nlp import load_nlp

    t = time.perf_counter()
    nlp = load_nlp()
    load = time.perf_counter() - t
    nlp(SAMPLE)
    cold = time.time() - t_launch
    chars, clauses, _ = read_clauses(files)

    def run() -> int:
        return sum(len(d.spans.get("targets", [])) for d in nlp.pipe(clauses, batch_size=64))

    spans, wall, cpu = timed(run)
    return {"chars": chars, "clauses": len(clauses), "target_spans": spans, "batch_size": 64,
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "chars_per_s": rate(chars, wall),
            "clauses_per_s": rate(len(clauses), wall), "chars_per_cpu_s": rate(chars, cpu),
            "model_load_s": round(load, 2), "cold_start_s": round(cold, 2), "peak_rss_mib": self_peak_mib()}


def run_segmenter_child(name: str, files: list[Path], base_files: list[Path]) -> dict[str, Any]:
    """The measurement of child ``name`` (one of CHILDREN) on ``files``."""
    if name == "pkuseg":
        return child_pkuseg(files, base_files)
    if name == "fastseg":
        return child_fastseg(files)
    if name == "nlp_pipe":
        return child_nlp_pipe(files)
    raise SystemExit(f"unknown child {name}")
