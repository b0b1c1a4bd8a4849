"""Tests of wwm.text."""
