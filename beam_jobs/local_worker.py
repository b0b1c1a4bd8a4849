"""The worker process of local multi-processing runs: Beam's SDK worker with smaller output buffers
and a quick exit.

A Beam worker buffers each output of a stage until more than 10 MB are written, in a stream whose
capacity doubles past that to 16 MB and is kept for the bundle, and gathers up to 10 MB of flushed
buffers into each message to the runner. A fused stage of this job has several outputs, so on the
100 MB benchmark corpus these buffers held 44-87 MB of a worker's memory (memray, round K), and as
small corpora never fill them a worker's peak grew with the corpus until they were full.
Here each output is flushed at MESSAGE_BYTES, which is also the size of the runner's messages to
the workers (beam_jobs/local_messages.py imports it from here: this module loads no runner).

The local runner's worker command (beam_jobs.local_processes, see local_messages.LocalRunner)
runs this module's harness in a standby process, or this module in a process of its own, in place
of apache_beam.runners.worker.sdk_worker_main; tests/test_local_messages.py checks a worker's
streams and that its DoFns are torn down before local_processes.exit_now ends it.
"""
import gc
import sys
import traceback
from typing import Optional

from apache_beam.runners.worker import data_plane, sdk_worker_main

from beam_jobs.local_processes import exit_now
from wwm.segmenters.jieba_backend import preload_dictionary

# Data messages both ways, 8 MB from the runner until round K; with 2 MB a worker's peak on the
# 100 MB corpus fell by about 100 MB, in the same wall time (docs/scale_history.md).
MESSAGE_BYTES = 2 << 20


def bound_output_buffers() -> None:
    """Flush every output stream this process creates at MESSAGE_BYTES, and gather at most that
    much into one gRPC message (idempotent). The runner applies it to itself too."""
    init = data_plane.SizeBasedBufferingClosableOutputStream.__init__
    code = init.__code__
    names = code.co_varnames[code.co_argcount - len(init.__defaults__):code.co_argcount]
    defaults = dict(zip(names, init.__defaults__))
    if 'size_flush_threshold' not in defaults:
        raise RuntimeError('Beam moved its output streams\' size_flush_threshold; '
                           'update beam_jobs/local_worker.py')
    defaults['size_flush_threshold'] = MESSAGE_BYTES
    init.__defaults__ = tuple(defaults.values())
    data_plane._DEFAULT_SIZE_FLUSH_THRESHOLD = MESSAGE_BYTES  # gathering into messages


def prepare(segmenter: Optional[str] = None) -> None:
    """What a worker does before its harness starts. A standby (local_processes), told the job's
    ``segmenter``, also loads jieba's dictionary for a jieba job while the runner prepares.

    Then the objects made so far (Beam's and the libraries' modules, about 300,000 that the garbage
    collector tracks) are frozen: a full collection no longer walks them. Measured with gc.callbacks
    in a worker of a two-worker run of the 10 MB benchmark corpus: full collections took 0.70 s of
    its 37.5 CPU seconds, 0.05 s frozen; frozen objects are never freed, and these live as long as
    the process anyway.
    """
    bound_output_buffers()
    if segmenter == 'jieba':
        preload_dictionary()
    gc.freeze()


def run_harness() -> int:
    """Run Beam's SDK harness with the settings in os.environ until the runner ends it: the exit
    status (1 if the harness failed; Beam has logged why)."""
    try:
        sdk_worker_main.main(sys.argv)
        return 0
    except BaseException:  # pylint: disable=broad-except
        traceback.print_exc()
        return 1


if __name__ == '__main__':
    prepare()
    exit_now(run_harness())
