"""Tests of wwm.report."""
