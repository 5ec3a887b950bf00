"""Build the gold files annotations/<doc_id>.jsonl from two independent passes.

Every disagreement between pass a and pass b must have a decision in
annotations/passes/resolutions.jsonl (made by reading the clause against the guide and its
addendum); the script refuses to write a document with an unresolved disagreement.
Clause spans are then aligned with the current segmenter: a span that turned out to be
a responsibility note is dropped, and a note glued to the front of a clause is cut off.

usage: python scripts/build_gold.py [--root DIR] [DOC_ID ...]   (default: every doc with both passes)
       --root annotations/held-aside builds the held-aside documents' gold from the passes
       under DIR/passes into DIR/<doc_id>.jsonl (kept apart until the final scoring).
Prints the agreement table used in annotations/README.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.gold.agreement import compare  # noqa: E402
from pipeline.gold.annotations import document_text  # noqa: E402
from pipeline.text.segment import segment  # noqa: E402

GOLD = ROOT / "annotations"
PASSES = GOLD / "passes"


def load(p: Path) -> list[dict]:
    return [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]


def decisions() -> dict[tuple[str, int, str], dict]:
    out = {}
    for line in (PASSES / "resolutions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            for i in d["i"] if isinstance(d["i"], list) else [d["i"]]:
                out[(d["doc_id"], i, d["field"])] = d
    return out


def resolve(doc_id: str, dec: dict) -> tuple[list[dict], dict]:
    a_path, b_path = PASSES / "a" / f"{doc_id}.jsonl", PASSES / "b" / f"{doc_id}.jsonl"
    a, b = load(a_path), load(b_path)
    agr = compare(a_path, b_path)
    unresolved = []
    gold = []
    for i, (ra, rb) in enumerate(zip(a, b, strict=True)):
        rec = dict(ra)
        rec["annotator"] = "resolved(a,b)"
        if ra["label"] != rb["label"]:
            d = dec.get((doc_id, i, "label"))
            if d is None:
                unresolved.append(f"{doc_id} clause {i}: label a={ra['label']} b={rb['label']}: {ra['text'][:40]}")
            else:
                rec["label"] = ra["label"] if d["choose"] == "a" else rb["label"]
                rec["targets"] = ra["targets"] if d["choose"] == "a" else rb["targets"]
                rec["note"] = f"resolved: {d['rule']}"
        gold.append(rec)
    for td in agr.target_disagreements:
        i = td["i"]
        if a[i]["label"] != b[i]["label"]:
            continue  # the label decision took one side's targets whole
        if td.get("diff") is None:
            d = dec.get((doc_id, i, "targets"))
            if d is None:
                unresolved.append(f"{doc_id} clause {i}: unmatched target a={td['a']} b={td['b']}")
            else:
                gold[i]["targets"] = a[i]["targets"] if d["choose"] == "a" else b[i]["targets"]
            continue
        for f, (va, vb) in td["diff"].items():
            d = dec.get((doc_id, i, f))
            if d is None:
                unresolved.append(f"{doc_id} clause {i}: target {f} a={va!r} b={vb!r}")
                continue
            chosen = va if d["choose"] == "a" else vb
            for t in gold[i]["targets"]:
                if t["value"] == td["a"]["value"] and t["unit"] == td["a"]["unit"] and t.get(f) == va:
                    t[f] = chosen
                    break
    if unresolved:
        raise SystemExit("unresolved disagreements:\n" + "\n".join(unresolved))
    revise(doc_id, gold)
    return align(doc_id, gold), {
        "doc_id": doc_id, "clauses": agr.n, "kappa": agr.kappa,
        "label_disagreements": len(agr.label_disagreements),
        "targets_a": agr.n_targets_a, "targets_b": agr.n_targets_b, "targets_matched": agr.target_matches,
        "target_field_disagreements": sum(len(t.get("diff") or {"record": 1}) for t in agr.target_disagreements),
        "field_exact": agr.field_exact,
    }


def raw_to_text(doc_id: str) -> tuple[str, list[int] | None]:
    """The document text and, for a markdown document, each raw offset's place in it.

    The passes of the first 14 documents were made on the decoded file (``\\r\\n`` →
    ``\\n``); since markdown is rendered (pipeline/text/markdown.py), a markdown document's
    text differs, and its passes' spans are carried over through the renderer's map.
    Returns (text, None) when the text is the decoded file itself.
    """
    from pipeline.gold.annotations import corpus_file
    from pipeline.text.markdown import render
    from pipeline.text.read import decode_bytes

    text = document_text(ROOT / "corpus", doc_id)
    path = corpus_file(ROOT / "corpus", doc_id)
    raw = decode_bytes(path.read_bytes(), path)[0].replace("\r\n", "\n").lstrip("\ufeff")
    if raw == text:
        return text, None
    r = render(raw)
    assert r.text == text, f"{doc_id}: the reader's text is not the rendering of the file"
    where = [-1] * (len(raw) + 1)
    for i, s in enumerate(r.source):
        if where[s] < 0:
            where[s] = i
    return text, where


def carry_span(rec: dict, text: str, where: list[int] | None) -> dict | None:
    """``rec`` with its span in the document text (None when rendering removed all of it)."""
    if where is None:
        return rec
    kept = [where[i] for i in range(rec["start"], rec["end"]) if where[i] >= 0]
    if not kept:
        return None
    s, e = kept[0], kept[-1] + 1
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if s >= e:
        return None
    targets = []
    for t in rec["targets"]:
        t = dict(t)
        if t["text"] not in text[s:e]:
            t["text"] = "".join(ch for ch in t["text"] if ch not in "*")
        targets.append(t)
    return dict(rec, start=s, end=e, text=text[s:e], targets=targets)


def revise(doc_id: str, gold: list[dict]) -> None:
    """Apply ``passes/revisions.jsonl``: decisions of a rule added to the addendum after both
    passes of a document were made, where the passes agreed but the rule decides otherwise.

    Each line: ``{"doc_id", "i": clause index (or list), "label"?: new label, "targets"?:
    new target list (for a label change to or from ``target``, or a changed record), "rule"}``.
    """
    path = PASSES / "revisions.jsonl"
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        if d["doc_id"] != doc_id:
            continue
        for i in d["i"] if isinstance(d["i"], list) else [d["i"]]:
            rec = gold[i]
            if "label" in d:
                rec["label"] = d["label"]
                if d["label"] != "target":
                    rec["targets"] = []
            if "targets" in d:
                rec["targets"] = d["targets"]
            rec["note"] = f"revised: {d['rule']}"


def align(doc_id: str, gold: list[dict]) -> list[dict]:
    text, where = raw_to_text(doc_id)
    if all(text[r["start"]:r["end"]] == r["text"] for r in gold):
        where = None  # passes made on the document text itself (the documents added since)
    current = {c.end: c for c in segment(text).clauses}
    out = []
    for rec in gold:
        rec = carry_span(rec, text, where)
        if rec is None:
            continue  # markup only (an image, a table's separator row): not text any more
        c = current.get(rec["end"])
        if c is None or c.start < rec["start"]:
            continue  # the span is a responsibility note (guide §1): not a clause
        if c.start > rec["start"]:
            rec = dict(rec, start=c.start, text=c.text)
        # The heading chain is computed, not judged: keep it in step with the segmenter.
        rec = dict(rec, section=list(c.section))
        out.append(rec)
    return out


def main(argv: list[str]) -> int:
    global GOLD, PASSES
    if argv[:1] == ["--root"]:
        GOLD = (ROOT / argv[1]).resolve()
        PASSES = GOLD / "passes"
        argv = argv[2:]
    docs = argv or sorted(p.stem for p in (PASSES / "b").glob("*.jsonl") if (PASSES / "a" / p.name).exists())
    dec = decisions()
    rows = []
    for doc_id in docs:
        gold, stats = resolve(doc_id, dec)
        with open(GOLD / f"{doc_id}.jsonl", "w", encoding="utf-8") as f:
            for r in gold:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        rows.append(stats)
    (GOLD / "agreement.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    for r in rows:
        print(f"{r['doc_id']:45s} {r['clauses']:5d} kappa={r['kappa']:.3f} label_dis={r['label_disagreements']:3d} "
              f"targets={r['targets_a']}/{r['targets_b']} matched={r['targets_matched']} field_dis={r['target_field_disagreements']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
