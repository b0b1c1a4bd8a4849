"""Tokens: WordPiece vocabularies and tokenization aligned to words."""
