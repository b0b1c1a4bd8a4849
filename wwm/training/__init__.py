"""Helpers for training on the pipeline's output (PyTorch is imported lazily, only when used)."""
