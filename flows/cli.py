"""The `policy-clauses` command line: the application layer above the library and the flows.

Commands that need no orchestration (predict, evaluate, annotations, schema) import only
`pipeline/` and never load Prefect, so quick looks stay fast.

Every command fails the same way: an expected failure (``pipeline.errors.UserError``, or
invalid annotations) is one line on stderr, ``error: <path or argument>: <what is wrong and
what to do>``, and exit code 2, with nothing written; SIGINT/SIGTERM give one such line and
128 + the signal number. Any other exception is a bug: it keeps its traceback (exit 1)."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import typer
from typer.core import TyperGroup

from pipeline.errors import Interrupted, UserError, check_output_folder, os_failure

# This product runs where the network ends at the package registries: no Prefect telemetry
# or analytics (without these, Prefect tries DNS look-ups and once locked a fresh database).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# A fresh temporary server can take ~25 s on a busy 2-core machine; the default is 20 s.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

EXIT_USER_ERROR = 2


def fail(message: str) -> typer.Exit:
    """Print ``error: <message>`` on stderr; the Exit (code 2) to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USER_ERROR)


def annotation_error_line(e: Exception) -> str:
    """One line for invalid annotations: the first ``file:line: reason``, and how many more."""
    lines = [ln for ln in str(e).splitlines() if ln.strip()]
    details = lines[1:] if len(lines) > 1 else lines
    more = len(details) - 1
    return (details[0] + "; fix it and run again"
            + (f" ({more} more problem{'s' if more > 1 else ''}: `policy-clauses annotations check` lists them all)"
               if more else ""))


def interrupted_line(where: str, e: KeyboardInterrupt, tables: bool = False) -> tuple[str, int]:
    """The message and exit code (128 + signal) for a command stopped by SIGINT or SIGTERM;
    with ``tables``, what state the output tables are in."""
    if not isinstance(e, Interrupted):
        e = Interrupted(signal.SIGINT)
    if not tables:
        return f"{where}: interrupted by {e.name}", e.exit_code
    state = ("this run's tables were all written before it stopped" if e.written
             else "the tables there are as the last complete run left them")
    return f"{where}: interrupted by {e.name}; {state}; run the command again to finish", e.exit_code


class Commands(TyperGroup):
    """The command group: turns every command's expected failures into one line and exit 2."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except UserError as e:
            raise fail(str(e)) from None
        except KeyboardInterrupt as e:
            message, code = interrupted_line(ctx.invoked_subcommand or "policy-clauses", e)
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(code) from None
        except Exception as e:
            annotations = sys.modules.get("pipeline.gold.annotations")  # loaded by the commands that raise it
            if annotations is not None and isinstance(e, annotations.AnnotationError):
                raise fail(annotation_error_line(e)) from None
            raise


def annotations_folder(directory: Path | None, option: str = "--dir") -> Path:
    """The annotation folder (``directory`` or the settings'), checked: it exists and holds
    ``*.jsonl`` files; ``UserError`` otherwise (a missing folder would evaluate nothing)."""
    from pipeline.settings import get_settings

    d = directory or get_settings().annotations_dir
    name = option if directory else "POLICY_ANNOTATIONS_DIR"
    if not d.is_dir():
        what = "no such folder" if not d.exists() else "is a file, not a folder"
        raise UserError(d, f"{what}; give {name} the folder of the gold annotation files (*.jsonl)")
    if not any(d.glob("*.jsonl")):
        raise UserError(d, f"holds no annotation files (*.jsonl); give {name} the folder of the gold annotations")
    return d


app = typer.Typer(cls=Commands, add_completion=False, no_args_is_help=True,
                  help="Chinese policy documents → clause tables.")
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
    no_prefect: bool = typer.Option(False, "--no-prefect", help="Run in this process without the Prefect flow."),
    workers: int = typer.Option(0, "--workers", help="Run per-document tasks on a local Dask cluster of N processes."),
    dask_address: str = typer.Option(None, "--dask-address", help="Run per-document tasks on this Dask scheduler."),
) -> None:
    """Read, segment, label and extract targets; write documents/clauses/targets/errors."""
    from pipeline.provision import require_current
    from pipeline.tables import check_stored

    # The cheap checks first, before a Prefect server or a model is started.
    check_output_folder(out)
    check_stored(out)
    if not no_classifier:
        require_current()
    try:
        if no_prefect or no_classifier:
            line, failures = _ingest_in_process(src, out, no_classifier)
        else:
            from flows.config import check_prefect_api
            from flows.ingest import run_ingest

            check_prefect_api()
            result = run_ingest([str(s) for s in src], str(out), workers=workers, dask_address=dask_address)
            line = {k: result[k] for k in ("new", "changed", "unchanged", "failed", "out")}
            failures = []
    except KeyboardInterrupt as e:
        message, code = interrupted_line(str(out), e, tables=True)
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(code) from None
    for f in failures:
        typer.echo(f"failed: {f.source_path}: [{f.stage}] {f.error}", err=True)
    if as_json:
        typer.echo(json.dumps(line, ensure_ascii=False))
    else:
        typer.echo(
            f"new {line['new']}, changed {line['changed']}, unchanged {line['unchanged']}, "
            f"failed {line['failed']} → {out}"
        )


def _ingest_in_process(src: list[Path], out: Path, no_classifier: bool) -> tuple[dict, list]:  # type: ignore[type-arg]
    from rich.progress import BarColumn, Progress, TextColumn

    from pipeline.ingest import Engine
    from pipeline.ingest import ingest as run_ingest

    engine = Engine(use_classifier=not no_classifier)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("ingest", total=None)

        def progress(stage: str, i: int, n: int) -> None:
            bar.update(task, description=stage, completed=i + 1, total=n)

        summary = run_ingest(src, out, engine=engine, progress=progress)
    return summary.as_dict(), summary.failures


@app.command()
def retrain(
    out: Path = typer.Option(None, "--out", help="Re-label this output folder after a promotion."),
    src: list[Path] = typer.Option(None, "--src", help="Sources to re-ingest after a promotion."),
    force: bool = typer.Option(False, "--force", help="Retrain even if the annotations did not change."),
) -> None:
    """Retrain when annotations changed; promote only if not worse (Prefect flow)."""
    annotations_folder(None)
    if out is not None:
        from pipeline.tables import check_stored

        check_output_folder(out)
        check_stored(out)
    from flows.config import check_prefect_api
    from flows.retrain import retrain_flow

    check_prefect_api()
    result = retrain_flow(relabel_sources=[str(s) for s in src] if src else None,
                          out=str(out) if out else None, force=force)
    typer.echo(json.dumps({k: v for k, v in result.items() if k != "relabelled"}, ensure_ascii=False))


@app.command()
def serve() -> None:
    """Serve the scheduled deployments (flows/deployments.py) against PREFECT_API_URL."""
    from flows.deployments import serve as serve_all

    serve_all()


@app.command()
def cluster(
    workers: int = typer.Option(2, "--workers", min=1, help="Worker processes (one thread each)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface the scheduler listens on."),
    port: int = typer.Option(8786, "--port", help="Scheduler port (0: any free port)."),
) -> None:
    """Run a Dask cluster whose workers load the models at start, until stopped (Ctrl-C).

    Point `ingest --dask-address` (or POLICY_DASK_ADDRESS for the scheduled deployment) at
    the address it prints: runs then skip the cluster start and the model loading."""
    import signal
    import threading

    from flows.worker import start_cluster

    c = start_cluster(workers, host, port)
    typer.echo(json.dumps({"dask_address": c.scheduler_address, "workers": workers}), err=False)
    sys.stdout.flush()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        c.close()


@app.command()
def schema(out: Path = typer.Option(Path("docs/SCHEMA.md"), "--out", help="Where to write it.")) -> None:
    """Write docs/SCHEMA.md from the table declarations."""
    from pipeline.tables import schema_markdown

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(schema_markdown() + "\n", encoding="utf-8")
    except OSError as e:
        raise os_failure(out, e, "cannot write the schema here") from e
    typer.echo(f"wrote {out}")


@annotations_app.command("check")
def annotations_check(
    directory: Path = typer.Option(None, "--dir", help="Annotation folder (default: annotations/)."),
    corpus: Path = typer.Option(None, "--corpus", help="Corpus folder (default: corpus/)."),
) -> None:
    """Validate every annotation file; print per-document label counts and errors as file:line."""
    from pipeline.gold.annotations import check_dir
    from pipeline.settings import LABELS, get_settings

    s = get_settings()
    report = check_dir(annotations_folder(directory), corpus or s.corpus_dir)
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


@evaluate_app.callback()
def evaluate(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON line (last line)."),
    directory: Path = typer.Option(None, "--dir", help="Annotation folder (default: annotations/)."),
) -> None:
    """Leave-one-document-out evaluation of the labels (the joint label + targets decision),
    with the classifier's own labels, every clause alone, every document with its headings lost,
    calibration and baselines."""
    if ctx.invoked_subcommand is not None:
        return
    from pipeline.classify import evaluate as run_eval
    from pipeline.classify.evaluation import format_report, summary
    from pipeline.gold.annotations import load_dataset

    result = run_eval(load_dataset(annotations_folder(directory)))
    if not as_json:
        typer.echo(format_report(result))
    out = summary(result)
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))


@evaluate_app.command("targets")
def evaluate_targets(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON line (last line)."),
    directory: Path = typer.Option(None, "--dir", help="Annotation folder (default: annotations/)."),
) -> None:
    """Score the target extractor against the gold targets."""
    from pipeline.gold.target_eval import evaluate_targets as run
    from pipeline.gold.target_eval import format_report

    result = run(annotations_folder(directory))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
    else:
        typer.echo(format_report(result))


@app.command()
def queue(
    n: int = typer.Option(200, "--n", help="How many tasks."),
    tables: Path = typer.Option(Path("data/out"), "--tables", help="Output folder of an ingest."),
    out: Path = typer.Option(Path("labelstudio-tasks.json"), "--out", help="Where to write the tasks."),
    random_share: float = typer.Option(0.1, "--random-share", help="Share of random clauses among the tasks."),
) -> None:
    """Write Label Studio tasks for the clauses the current model is least sure about."""
    from pipeline.gold.labelstudio import queue as make_queue
    from pipeline.settings import get_settings
    from pipeline.tables import require_tables

    require_tables(tables)
    tasks = make_queue(tables, n=n, random_share=random_share, corpus_dir=get_settings().corpus_dir)
    out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    docs = len({t["data"]["doc_id"] for t in tasks})
    typer.echo(f"wrote {len(tasks)} tasks from {docs} documents to {out} "
               "(labeling config: annotations/labelstudio/config.xml)")


@annotations_app.command("import")
def annotations_import(
    export: Path = typer.Argument(..., help="A Label Studio JSON export."),
    directory: Path = typer.Option(None, "--dir", help="Annotation folder (default: annotations/)."),
) -> None:
    """Merge a Label Studio export into annotations/ (validated; conflicts reported, not overwritten)."""
    from pipeline.gold.labelstudio import import_export
    from pipeline.settings import get_settings

    s = get_settings()
    r = import_export(export, directory or s.annotations_dir, s.corpus_dir)
    for c in r.conflicts:
        typer.echo(f"conflict: {c}", err=True)
    for e in r.errors:
        typer.echo(f"error: {e}", err=True)
    typer.echo(f"added {len(r.added)}, unchanged {len(r.unchanged)}, conflicts {len(r.conflicts)}, errors {len(r.errors)}")
    if r.errors:
        raise typer.Exit(1)


@app.command("export-dataset")
def export_dataset(
    dest: Path = typer.Argument(..., help="Folder for the Hugging Face dataset (save_to_disk)."),
    tables: Path = typer.Option(Path("data/out"), "--tables", help="Output folder of an ingest."),
) -> None:
    """Save the clause table as a Hugging Face dataset, for fine-tuning other models."""
    from pipeline.gold.labelstudio import export_dataset as run
    from pipeline.tables import require_tables

    require_tables(tables)
    typer.echo(f"saved {run(tables, dest)} clauses to {dest}")


@app.command()
def report(
    out: Path = typer.Option(..., "--out", help="Folder for the HTML report."),
    tables: Path = typer.Option(Path("data/out"), "--tables", help="Output folder of an ingest."),
) -> None:
    """Write a self-contained HTML report (charts, sortable targets table)."""
    from pipeline.report import write_report
    from pipeline.tables import require_tables

    check_output_folder(out)
    require_tables(tables)
    typer.echo(f"wrote {write_report(tables, out)}")


@app.command()
def train(
    make_current: bool = typer.Option(False, "--make-current", help="Also make it the current version."),
) -> None:
    """Train on all gold annotations and register a new model version (not current by default)."""
    from pipeline.classify import train_and_register

    annotations_folder(None)
    version = train_and_register(make_current=make_current)  # invalid annotations: refused, nothing written
    typer.echo(f"registered {version}" + (" (current)" if make_current else ""))


@app.command()
def predict(
    text: str = typer.Argument(None, help="Text to analyse; without it, one text per line on stdin."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per input line."),
    year: int = typer.Option(None, "--year", min=1949, max=2100, help="Year of issue (default: this one; sets 今年 and the past)."),
) -> None:
    """Segment, label and extract targets from text, for a quick look (no Prefect, no files)."""
    from pipeline.predict import predict_text
    from pipeline.provision import require_current

    require_current()
    inputs = [text] if text is not None else [line.rstrip("\n") for line in sys.stdin if line.strip()]
    for item in inputs:
        result = predict_text(item, doc_year=year)
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
            continue
        for c in result["clauses"]:
            label = c["label"] or "-"
            conf = f"{c['confidence']:.2f}" if c["confidence"] is not None else "-"
            typer.echo(f"[{label:9s} {conf}] {c['text']}")
            for t in c["targets"]:
                rng = f"-{t['value_max']:g}" if t["value_max"] is not None else ""
                typer.echo(f"    → {t['indicator']} {t['comparator']} {t['value']:g}{rng} {t['unit'] or ''}"
                           f" ({t['kind']}, year {t['year']}, per_year {t['per_year']})")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
