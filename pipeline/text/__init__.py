"""Text: reading documents (decoding, HTML/DOCX/PDF/markdown, metadata), splitting them into
clauses with their heading chains, script conversion and the number normaliser."""
