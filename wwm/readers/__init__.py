"""Readers of the input formats, one module each; ``wwm.document_files`` picks one per file."""
