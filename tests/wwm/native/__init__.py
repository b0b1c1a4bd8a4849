"""Tests of wwm.native."""
