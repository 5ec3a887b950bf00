"""Gold: the annotation files and their checks, agreement of two passes, the Label Studio
round trip, and scoring the target extractor against the gold."""
