"""The benchmark corpus: distinct copies of the bundled documents, and their clauses."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from benchmarks.timing import ROOT

# One sentence every in-process measurement runs through its model once before timing.
SAMPLE = "到2020年，工业产品质量监督抽查合格率达到90%以上。"


def build_corpus(dest: Path, min_chars: int) -> dict[str, Any]:
    """Distinct copies of corpus/*.txt in two folders of about equal size (``half0``, ``half1``)."""
    sources = bundled_files()
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sources}
    base = sum(len(t) for t in texts.values())
    copies = -(-min_chars // base)
    halves = [dest / "half0", dest / "half1"]
    for h in halves:
        h.mkdir(parents=True, exist_ok=True)
    items = []
    for k in range(copies):
        for stem, text in texts.items():
            body = text.rstrip("\n") + f"\n\n（基准测试副本 {stem} copy-{k:02d}）\n"
            items.append((f"{stem}-copy{k:02d}.txt", body))
    sizes = [0, 0]
    for name, body in sorted(items, key=lambda x: -len(x[1])):  # greedy balance of the halves
        h = 0 if sizes[0] <= sizes[1] else 1
        (halves[h] / name).write_text(body, encoding="utf-8")
        sizes[h] += len(body)
    smallest = min(sources, key=lambda p: len(texts[p.stem]))
    one = dest / "one"
    one.mkdir()
    shutil.copy(smallest, one / smallest.name)
    return {"dir": str(dest), "halves": [str(h) for h in halves], "copies": copies,
            "documents": len(items), "chars": sum(sizes), "half_chars": sizes,
            "base_documents": len(texts), "base_chars": base,
            "one_doc": str(one), "one_doc_chars": len(texts[smallest.stem])}


def corpus_files(dirs: list[str]) -> list[Path]:
    return sorted(p for d in dirs for p in Path(d).glob("*.txt"))


def bundled_files() -> list[Path]:
    """The bundled documents themselves (corpus/*.txt)."""
    return sorted((ROOT / "corpus").glob("*.txt"))


def read_clauses(files: list[Path]) -> tuple[int, list[str], list[str]]:
    """(characters, clause texts of ``segment()``, non-blank lines) of the documents."""
    from pipeline.text.read import read_document
    from pipeline.text.segment import segment

    chars, clause_texts, lines = 0, [], []
    for f in files:
        text = read_document(f).text
        chars += len(text)
        clause_texts += [c.text for c in segment(text).clauses]
        lines += [ln for ln in text.split("\n") if ln.strip()]
    return chars, clause_texts, lines
