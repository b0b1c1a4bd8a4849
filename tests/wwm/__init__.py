"""Tests of wwm/, the Beam-free algorithms, one folder per package."""
