"""Tests of wwm.instances."""
