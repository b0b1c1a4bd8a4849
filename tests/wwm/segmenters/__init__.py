"""Tests of wwm.segmenters."""
