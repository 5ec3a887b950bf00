"""Ingest: scan the inputs (``inputs``), process each document: read, segment, extract,
label (``engine``), and write the tables incrementally and atomically (``run``; the Prefect
flow calls its steps)."""

from pipeline.ingest.engine import (  # noqa: F401  (the package's public names)
    PIPELINE_VERSION,
    Engine,
    Processed,
    clause_id,
    registered_version,
    rows_for,
    verify_registered,
)
from pipeline.ingest.inputs import InputError, scan_inputs  # noqa: F401
from pipeline.ingest.run import (  # noqa: F401
    Plan,
    Rows,
    Summary,
    commit,
    indicator_rows,
    ingest,
    lock,
    plan,
    process_one,
    with_indicator_keys,
)
