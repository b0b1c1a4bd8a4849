"""Whole-job tests: the job run end to end (marked `job`). Few on purpose."""
