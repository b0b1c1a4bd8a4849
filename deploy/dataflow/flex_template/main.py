"""Dataflow flex template entry point: submit the job and return without waiting for it.

The template launcher runs this file with the template's parameters and the Dataflow options; it
must return once the job is submitted (Dataflow's flex template contract), hence
``--no_wait_until_finish``. The dataset is complete once ``manifest.json`` exists in --output_dir.
"""
import sys

from beam_jobs.build_pretraining_data import run

if __name__ == '__main__':
    sys.exit(run(sys.argv[1:] + ['--no_wait_until_finish']))
