"""Annotation passes: write a document's clause skeleton, and check a finished pass.

usage:
  python scripts/pass_tool.py skeleton DOC_ID OUT.jsonl   # one unlabelled line per clause
  python scripts/pass_tool.py check DOC_ID PASS.jsonl [FROM TO]   # every clause labelled, valid
                                                     # records (FROM/TO: a part, clauses FROM..TO-1)

The skeleton holds the clauses of the current segmenter (guide §1 and addendum A1) with
their heading chain; an annotator fills ``label`` and ``targets`` of every line by reading
the clause against the guide and the addendum (no model or rule output is involved).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.gold.annotations import ClauseRecord, document_text  # noqa: E402
from pipeline.text.segment import segment  # noqa: E402


def skeleton(doc_id: str) -> list[dict]:
    text = document_text(ROOT / "corpus", doc_id)
    return [{"doc_id": doc_id, "start": c.start, "end": c.end, "text": c.text, "label": None,
             "section": list(c.section), "targets": [], "annotator": "", "note": ""}
            for c in segment(text).clauses]


def check(doc_id: str, path: Path, lo: int = 0, hi: int | None = None) -> list[str]:
    want = skeleton(doc_id)[lo:hi]
    errors = []
    lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    if len(lines) != len(want):
        errors.append(f"{path}: {len(lines)} lines, the document has {len(want)} clauses")
    for i, (line, w) in enumerate(zip(lines, want, strict=False), 1):
        try:
            rec = ClauseRecord.model_validate(json.loads(line))
        except Exception as e:  # noqa: BLE001
            errors.append(f"{path}:{i}: {e}")
            continue
        if (rec.start, rec.end, rec.text) != (w["start"], w["end"], w["text"]):
            errors.append(f"{path}:{i}: span/text differ from clause {lo + i - 1} of the skeleton")
    return errors


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "skeleton":
        with open(argv[2], "w", encoding="utf-8") as f:
            for r in skeleton(argv[1]):
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        return 0
    if len(argv) in (3, 5) and argv[0] == "check":
        lo, hi = (int(argv[3]), int(argv[4])) if len(argv) == 5 else (0, None)
        errs = check(argv[1], Path(argv[2]), lo, hi)
        print("\n".join(errs) if errs else f"ok: {argv[2]}")
        return 1 if errs else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
