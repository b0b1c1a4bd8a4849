"""Tests of wwm.training."""
