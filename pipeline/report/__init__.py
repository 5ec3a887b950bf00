"""The HTML report of an output folder (``write_report``)."""

from pipeline.report.page import write_report  # noqa: F401
