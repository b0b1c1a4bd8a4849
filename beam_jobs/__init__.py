"""Job entry points: ``python -m beam_jobs.<job>``."""
