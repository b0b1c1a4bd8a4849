"""Readers of the input formats, one module each; ``wwm.readers.document_files`` picks one per file."""
