"""Tests of wwm.readers."""
