"""Tests of wwm.tokens."""
