"""Tests of beam_jobs/: options, configuration, the command line."""
