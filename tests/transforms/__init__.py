"""Tests of transforms/: each stage on a handful of made-up elements."""
