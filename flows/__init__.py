"""Prefect flows over the Prefect-free library in ``pipeline/`` (imports go one way)."""
