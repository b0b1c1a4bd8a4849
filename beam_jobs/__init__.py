"""Job entry points: ``python -m beam_jobs.<job>``.

Importing Apache Beam without its GCP extra logs "apitools not found, and bigquery client libraries
are not available ..." on the root logger: a warning about BigQuery, which no job here uses, that
reads like an error and would be the first line a user sees. It is filtered out here, before any job
imports Beam.
"""
import logging


def _not_the_bigquery_notice(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith('apitools not found, and bigquery client libraries')


logging.getLogger().addFilter(_not_the_bigquery_notice)
