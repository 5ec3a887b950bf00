"""The benchmark of policy-clauses, run as ``benchmarks/run.py`` (``make bench``)."""
