"""The job, run in this process and frozen at a chosen point of its commit, for a test to SIGKILL.

    python -m tests.killable_job POINT MARKER JOB_ARGS...

POINT is ``shards_written`` (every shard written under ``.incomplete/``, nothing moved into place)
or ``first_shard_committed`` (one shard moved into place, the others not, no manifest). At that
point MARKER is created and the process sleeps until it is killed: the kill lands at a known point,
not wherever a timer happens to fall. The job runs on the in-process runner, where these patches
apply.
"""
import pathlib
import sys
import time

from apache_beam.io.filesystems import FileSystems

from beam_jobs.build_pretraining_data import run
from schemas.output_layout import INCOMPLETE_DIR
from transforms import commit_dataset

FREEZE_S = 600


def _freeze(marker: str) -> None:
    pathlib.Path(marker).touch()
    time.sleep(FREEZE_S)


def _freeze_before_commit(marker: str) -> None:
    commit = commit_dataset._Commit.process  # pylint: disable=protected-access

    def frozen_commit(self, *args, **kwargs):
        _freeze(marker)
        yield from commit(self, *args, **kwargs)

    commit_dataset._Commit.process = frozen_commit  # pylint: disable=protected-access


def _freeze_after_first_shard_rename(marker: str) -> None:
    """After the first shard is moved out of .incomplete/ (the run marker is written with a rename
    too, before the pipeline)."""
    rename = FileSystems.rename

    def rename_then_freeze(sources, destinations):
        rename(sources, destinations)
        if any('/%s/' % INCOMPLETE_DIR in source for source in sources):
            _freeze(marker)

    FileSystems.rename = staticmethod(rename_then_freeze)


POINTS = {'shards_written': _freeze_before_commit, 'first_shard_committed': _freeze_after_first_shard_rename}

if __name__ == '__main__':
    POINTS[sys.argv[1]](sys.argv[2])
    sys.exit(run(sys.argv[3:]))
