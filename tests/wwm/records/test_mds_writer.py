"""The MDS shard writer (wwm/records/shard_writers.py): the bytes of MosaicML streaming's own
encode_joint_shard, without holding the shard in memory."""
import io
import random
import tempfile
import tracemalloc

import pytest

from schemas.records import TrainingInstance
from tests.wwm.records.test_columnar_writers import _instance, _run
from wwm.records import shard_writers

streaming = pytest.importorskip('streaming', reason="MosaicML streaming (the [mds] extra) is not installed")


def _write(instances, masking) -> tuple:
    """(our shard's bytes, the writer) for ``instances`` written as one run."""
    spec = shard_writers.output_specs(['mds'], 'none', masking, 128, 20)[0]
    sink = io.BytesIO()
    writer = shard_writers.ShardFiles([spec], [sink])
    writer.write_run(_run(instances))
    writer.close()
    return sink.getvalue(), spec


def _joint_shard(instances, masking) -> bytes:
    """The shard as MDSWriter.encode_joint_shard makes it from the same rows."""
    schema = shard_writers.arrow_schema(masking)
    columns = shard_writers._mds_columns(schema)  # pylint: disable=protected-access
    with tempfile.TemporaryDirectory() as folder:
        writer = streaming.MDSWriter(columns=columns, out=folder, size_limit=None)
        for instance in instances:
            writer.write({name: (b''.join(int(v).to_bytes(4, 'little', signed=True) for v in getattr(instance, name))
                                 if columns[name] == 'bytes' else getattr(instance, name))
                          for name in schema.names})
        data = writer.encode_joint_shard()
        writer.cancel_future_jobs()
    return data


@pytest.mark.parametrize('masking', ['static', 'dynamic'])
def test_a_shard_is_the_bytes_of_streamings_joint_shard(masking):
    rng = random.Random(3)
    instances = [_instance(rng, masking, 128) for _ in range(200)]
    ours, _ = _write(instances, masking)
    assert ours == _joint_shard(instances, masking)


def test_the_samples_wait_on_disk_not_in_memory():
    """40 MB of samples in 10 runs: the writer's peak is one run's work, not the shard."""
    words = list(range(1000))
    instances = [TrainingInstance([1] * 1000, [0] * 1000, 0, [], [], words, words) for _ in range(250)]
    runs = [_run(instances, first=250 * index) for index in range(10)]
    spec = shard_writers.output_specs(['mds'], 'none', 'dynamic', 1024, 20)[0]
    sink = io.BytesIO()
    writer = shard_writers.ShardFiles([spec], [sink])
    tracemalloc.start()
    for run in runs:
        writer.write_run(run)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    writer.close()
    assert len(sink.getvalue()) > 40_000_000
    assert peak < 25_000_000, peak
