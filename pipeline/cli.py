"""The ``policy-clauses`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Chinese policy documents → clause tables.")
annotations_app = typer.Typer(no_args_is_help=True, help="Gold annotations: check and import.")
evaluate_app = typer.Typer(invoke_without_command=True, help="Evaluate the classifier (default) or the target extractor.")
app.add_typer(annotations_app, name="annotations")
app.add_typer(evaluate_app, name="evaluate")


@app.command()
def ingest(
    src: list[Path] = typer.Argument(..., help="Files or folders to ingest."),
    out: Path = typer.Option(..., "--out", help="Output folder for the parquet tables."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary as the last line."),
    no_classifier: bool = typer.Option(False, "--no-classifier", help="Leave labels empty."),
) -> None:
    """Read, segment, label and extract targets; write documents/clauses/targets/errors."""
    from rich.progress import BarColumn, Progress, TextColumn

    from pipeline.ingest import Engine
    from pipeline.ingest import ingest as run_ingest
    from pipeline.provision import ModelMissingError

    engine = Engine(use_classifier=not no_classifier)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      transient=True, disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("ingest", total=None)

            def progress(stage: str, i: int, n: int) -> None:
                bar.update(task, description=stage, completed=i + 1, total=n)

            summary = run_ingest(src, out, engine=engine, progress=progress)
    except ModelMissingError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from e
    for f in summary.failures:
        typer.echo(f"failed: {f.source_path}: [{f.stage}] {f.error}", err=True)
    line = summary.as_dict()
    if as_json:
        typer.echo(json.dumps(line, ensure_ascii=False))
    else:
        typer.echo(
            f"new {line['new']}, changed {line['changed']}, unchanged {line['unchanged']}, "
            f"failed {line['failed']} → {out}"
        )


@app.command()
def schema(out: Path = typer.Option(Path("docs/SCHEMA.md"), "--out", help="Where to write it.")) -> None:
    """Write docs/SCHEMA.md from the table declarations."""
    from pipeline.tables import schema_markdown

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(schema_markdown() + "\n", encoding="utf-8")
    typer.echo(f"wrote {out}")


@annotations_app.command("check")
def annotations_check(
    directory: Path = typer.Option(None, "--dir", help="Annotation folder (default: annotations/)."),
    corpus: Path = typer.Option(None, "--corpus", help="Corpus folder (default: corpus/)."),
) -> None:
    """Validate every annotation file; print per-document label counts and errors as file:line."""
    from pipeline.annotations import check_dir
    from pipeline.settings import LABELS, get_settings

    s = get_settings()
    report = check_dir(directory or s.annotations_dir, corpus or s.corpus_dir)
    header = f"{'document':45s} " + " ".join(f"{lab:>9s}" for lab in LABELS) + f" {'targets':>8s} {'cover':>6s}"
    typer.echo(header)
    for doc in report.documents:
        typer.echo(
            f"{doc.doc_id:45s} " + " ".join(f"{doc.counts.get(lab, 0):9d}" for lab in LABELS)
            + f" {doc.n_targets:8d} {doc.coverage:6.1%}"
        )
    for err in report.errors:
        typer.echo(err, err=True)
    if report.errors:
        typer.echo(f"{len(report.errors)} error(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {len(report.documents)} documents, {report.n_clauses} clauses, {report.n_targets} targets")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
