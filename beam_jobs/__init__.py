"""Job entry points: ``python -m beam_jobs.<job>``.

Importing Beam without its GCP extra logs "apitools not found ..." on the root logger; a job's
stderr is kept for its own messages (a wrong option is one line), so that record is dropped.
"""
import logging


def _not_beam_apitools_notice(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith('apitools not found')


logging.getLogger().addFilter(_not_beam_apitools_notice)
