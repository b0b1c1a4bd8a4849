"""The local runner's messages to its workers are cut to a bounded size without changing their content.

beam_jobs/local_messages.py replaces two private parts of Beam's FnApiRunner; these tests compare
the replacements with Beam's own code on the same input, so a Beam upgrade that changes them fails
here.
"""
import gc
import os
import pathlib
import subprocess
import sys
import threading
import time

import apache_beam as beam
import pytest
from apache_beam import coders
from apache_beam.coders.coders import GlobalWindowCoder
from apache_beam.coders.coder_impl import create_InputStream
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import execution, fn_runner, worker_handlers
from apache_beam.runners.worker import data_plane
from apache_beam.runners.worker.data_plane import SizeBasedBufferingClosableOutputStream
from apache_beam.transforms import core, trigger
from apache_beam.testing.util import assert_that
from apache_beam.transforms.window import GlobalWindows, TimestampCombiner

from beam_jobs import local_messages, local_worker
from beam_jobs.runner_options import local_runner

KV = coders.TupleCoder([coders.BytesCoder(), coders.BytesCoder()])
GROUPED = coders.TupleCoder([coders.BytesCoder(), coders.IterableCoder(coders.BytesCoder())])


def _windowed(coder):
    return coders.WindowedValueCoder(coder, GlobalWindowCoder())


# Reshuffle's grouping: global window, a trigger that fires on every element.
RESHUFFLE_WINDOWING = core.Windowing(GlobalWindows(), triggerfn=trigger.Always(),
                                     accumulation_mode=trigger.AccumulationMode.DISCARDING,
                                     timestamp_combiner=TimestampCombiner.OUTPUT_AT_EARLIEST)


def _filled_buffer(num_keys: int, windowing=None) -> execution.GroupingBuffer:
    buffer = execution.GroupingBuffer(_windowed(KV), _windowed(GROUPED),
                                      windowing or core.Windowing(GlobalWindows()))
    impl = _windowed(KV).get_impl()
    encoded = b''.join(
        impl.encode_nested(GlobalWindows.windowed_value((b'key%d' % (i % num_keys), b'v' * (i % 97))))
        for i in range(20 * num_keys))
    buffer.append(encoded)
    return buffer


def _decoded(pieces) -> list:
    impl = _windowed(GROUPED).get_impl()
    values = []
    for piece in pieces:
        stream = create_InputStream(piece)
        while stream.size() > 0:
            windowed = impl.decode_from_stream(stream, True)
            key, grouped = windowed.value
            values.append((key, list(grouped), windowed.timestamp, windowed.windows, windowed.pane_info))
    return values


@pytest.mark.parametrize('windowing', [None, RESHUFFLE_WINDOWING], ids=['default', 'reshuffle'])
def test_grouped_share_is_cut_on_element_boundaries_with_beams_content(monkeypatch, windowing):
    monkeypatch.setattr(local_messages, 'MESSAGE_BYTES', 2000)
    ours = local_messages._partition_in_pieces(_filled_buffer(300, windowing), 2)
    beams = local_messages._beam_partition(_filled_buffer(300, windowing), 2)
    assert [len(share) for share in beams] == [1, 1]
    for our_share, beam_share in zip(ours, beams):
        assert len(our_share) > 5
        assert max(len(piece) for piece in our_share) < 2000 + 3000  # one key's group at most
        assert _decoded(our_share) == _decoded(beam_share)


def test_small_or_empty_shares_stay_one_piece():
    ours = local_messages._partition_in_pieces(_filled_buffer(1), 3)
    assert [len(share) for share in ours] == [1, 1, 1]
    assert _decoded(ours[0]) == _decoded(local_messages._beam_partition(_filled_buffer(1), 3)[0])
    assert ours[1] == ours[2] == [b'']


class _Channel:
    def __init__(self):
        self.messages = []

    def output_stream(self, instruction_id, transform_id):
        return SizeBasedBufferingClosableOutputStream(close_callback=self.messages.append,
                                                      flush_callback=self.messages.append)


class _BundleManager:
    def __init__(self):
        self._worker_handler = type('Handler', (), {'data_conn': _Channel()})()


CHUNKS = [bytes([i]) * (100 + 37 * i) for i in range(40)]


def _sent(send) -> list:
    manager = _BundleManager()
    writer = send(manager, 'bundle', 'read', CHUNKS)
    if writer is not None:
        writer.join()
    return manager._worker_handler.data_conn.messages


def test_input_is_flushed_in_pieces(monkeypatch):
    monkeypatch.setattr(local_messages, 'MESSAGE_BYTES', 1000)
    messages = _sent(local_messages._send_input_in_pieces)
    assert b''.join(messages) == b''.join(CHUNKS)
    assert len(messages) > 20
    assert max(len(message) for message in messages) < 1000 + max(len(c) for c in CHUNKS)


def test_input_smaller_than_a_message_is_sent_at_once(monkeypatch):
    monkeypatch.setattr(local_messages, 'MESSAGE_BYTES', sum(map(len, CHUNKS)) + 1)
    manager = _BundleManager()
    assert local_messages._send_input_in_pieces(manager, 'bundle', 'read', CHUNKS) is None
    assert manager._worker_handler.data_conn.messages == [b''.join(CHUNKS)]


def test_beams_own_send_makes_one_message():
    """What the patch is for: Beam sends everything in one message."""
    messages = _sent(local_messages._beam_send_input)
    assert b''.join(messages) == b''.join(CHUNKS)
    assert len(messages) == 1


def test_the_local_runner_applies_both():
    local_runner(PipelineOptions([]))
    assert execution.GroupingBuffer.partition is local_messages._partition_in_pieces
    assert fn_runner.BundleManager._send_input_to_worker is local_messages._send_input_in_pieces
    assert data_plane._DEFAULT_SIZE_FLUSH_THRESHOLD == local_messages.MESSAGE_BYTES == local_worker.MESSAGE_BYTES


def test_the_runners_input_streams_lose_nothing_to_a_flush_that_waits_on_a_full_queue():
    """The runner's data streams as it creates them after local_runner(): a writer keeps writing
    while a flush waits on the send queue (a slow worker). Beam's runner also flushed its streams
    every second from a timer thread, and such a flush cleared what the writer added while it
    waited: bytes lost, about one run in eight of the large-share job below under load."""
    local_runner(PipelineOptions([]))
    assert worker_handlers.DATA_BUFFER_TIME_LIMIT_MS == 0
    sent, closed = [], threading.Event()

    def slow_send(data):   # a full send queue: the flush waits before it clears the buffer
        time.sleep(0.02)
        sent.append(data)

    def close(data):
        sent.append(data)
        closed.set()

    stream = data_plane.ClosableOutputStream.create(close, slow_send, worker_handlers.DATA_BUFFER_TIME_LIMIT_MS)
    chunk, written = bytes(range(256)) * 32, 0
    deadline = time.monotonic() + 1.5      # past Beam's one-second timer flush
    while time.monotonic() < deadline:
        stream.write(chunk)
        written += len(chunk)
        if stream.size() >= 1 << 20:
            stream.flush()
        time.sleep(0.0002)   # other threads run between writes, as in the runner
    stream.close()
    assert closed.is_set() and sum(map(len, sent)) == written


_LARGE_SHARE_JOB = '''
import sys
import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.worker import data_plane
from beam_jobs import local_messages
from beam_jobs.runner_options import local_runner

# Queues and messages a thousand times smaller than Beam's and ours, so that a 20 MB share
# overflows them as a share of several hundred MB does at their real sizes.
data_plane._DEFAULT_SEND_QUEUE_MAX_BYTES = 64 << 10
local_messages.MESSAGE_BYTES = 8 << 10
options = PipelineOptions(['--direct_running_mode=multi_threading', '--direct_num_workers=2'])
with beam.Pipeline(runner=local_runner(options), options=options) as pipeline:
    sizes = (pipeline
             | beam.Create(range(20000))
             | beam.Map(lambda i: (i % 50, b'x' * 2000))
             | beam.GroupByKey()
             | beam.Map(lambda key_values: sum(map(len, key_values[1])))
             | beam.CombineGlobally(sum))
    sizes | beam.Map(lambda total: sys.stdout.write('total %d\\n' % total))
'''


def test_a_share_larger_than_the_data_queues_does_not_stall_the_runner(tmp_path):
    """Beam writes a bundle's whole input before it asks the worker to process the bundle, and
    the data queues between them are bounded: sent as many messages on the runner's own thread,
    a share larger than those queues filled them and the runner waited forever for a worker that
    had not started reading (a 30 MB corpus at dupe 10 with two lengths hung this way)."""
    script = tmp_path / 'large_share.py'
    script.write_text(_LARGE_SHARE_JOB)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                            cwd=str(pathlib.Path(__file__).resolve().parents[1]))
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'total 40000000' in result.stdout


class _WorkerStream(beam.DoFn):
    """The worker's process id, the flush size of an output stream it creates, and how many
    objects its garbage collector has frozen."""

    def process(self, _):
        yield (os.getpid(), SizeBasedBufferingClosableOutputStream()._size_flush_threshold,
               gc.get_freeze_count())


def test_local_workers_flush_their_outputs_at_the_message_size():
    """Multi-processing workers run beam_jobs.local_worker: their output streams flush at
    MESSAGE_BYTES, not at Beam's 10 MB, and the modules they imported before their harness started
    are frozen out of the garbage collector's full collections (checked in the worker, by the
    pipeline itself)."""
    options = PipelineOptions(['--direct_running_mode=multi_processing', '--direct_num_workers=1'])
    driver = os.getpid()

    def in_a_worker_with_small_buffers(results):
        [(pid, threshold, frozen)] = results
        assert pid != driver and threshold == local_worker.MESSAGE_BYTES, (pid, driver, threshold)
        assert frozen > 50000, frozen  # Beam alone makes about 200,000 tracked objects

    with beam.Pipeline(runner=local_runner(options), options=options) as pipeline:
        streams = pipeline | beam.Create([None]) | beam.ParDo(_WorkerStream())
        assert_that(streams, in_a_worker_with_small_buffers)


class _TeardownMarker(beam.DoFn):
    def __init__(self, folder: str):
        self._folder = folder

    def process(self, element):
        yield element

    def teardown(self):
        with open(os.path.join(self._folder, 'teardown-%d' % os.getpid()), 'w', encoding='utf-8'):
            pass


def test_local_workers_tear_down_their_dofns_before_they_exit(tmp_path):
    """A worker ends with os._exit (local_processes.exit_now, no interpreter teardown): DoFn.teardown,
    which deletes a segmenter's staged model copy, must have run in the worker before that."""
    options = PipelineOptions(['--direct_running_mode=multi_processing', '--direct_num_workers=1'])
    with beam.Pipeline(runner=local_runner(options), options=options) as pipeline:
        _ = pipeline | beam.Create([1, 2, 3]) | beam.ParDo(_TeardownMarker(str(tmp_path)))
    pids = [int(marker.name.split('-')[1]) for marker in tmp_path.glob('teardown-*')]
    assert pids and os.getpid() not in pids
