"""Tests of wwm.records."""
