"""Bounded data messages between Beam's local runner and its workers.

Beam 2.77's FnApiRunner sends each worker its whole share of a stage's input as one data message:
it writes every buffered chunk into one output stream and flushes only when the stream closes, and
it encodes a worker's whole share of a GroupByKey as one string. On the 100 MB benchmark corpus a
worker received the deduplicated documents as one 53 MB message and held it several times over
(gRPC's receive buffer, the protobuf message, the bytes Beam decodes from), so a worker's peak
memory grew with the corpus, not with a bundle. Two changes keep every message near
``MESSAGE_BYTES``: a GroupByKey's share is encoded in pieces that end on element boundaries (under
any windowing: Reshuffle's trigger included, which spreads the documents before the text stages),
and the runner flushes the stream to the worker as the pieces are written.

Beam writes a bundle's input before it asks the worker to process the bundle, and the queues
between them are bounded (two queues of 100 MB in the runner, five messages in the worker). As one
message, any input fitted; as many, an input larger than the queues fills them while the worker,
not yet told to start, reads nothing, and the runner waits forever. So an input larger than one
message is written from a thread of its own, and the runner goes on to start the bundle.

The other way, LocalRunner starts the workers as beam_jobs.local_worker (through
beam_jobs.local_processes), which flushes their outputs at the same size.

These patch private parts of the pinned Beam (setup.py); tests/test_local_messages.py checks them
against Beam's own results, so a Beam upgrade that moves them fails there, not in a user's job.
"""
import sys
import threading

from apache_beam.coders.coder_impl import create_OutputStream
from apache_beam.runners.portability.fn_api_runner import execution, fn_runner, worker_handlers
from apache_beam.transforms import environments, trigger
from apache_beam.transforms.window import GlobalWindow, GlobalWindows
from apache_beam.utils.windowed_value import PaneInfo, PaneInfoTiming

from beam_jobs import local_processes
from beam_jobs.local_worker import MESSAGE_BYTES, bound_output_buffers


_beam_partition = execution.GroupingBuffer.partition
_beam_send_input = fn_runner.BundleManager._send_input_to_worker  # the tests compare with it


def _grouped_in_global_window():
    """What Beam's GroupingBuffer emits for each key under default windowing: one on-time pane."""
    pane = PaneInfo(is_first=True, is_last=True, timing=PaneInfoTiming.ON_TIME, index=0,
                    nonspeculative_index=0)
    return GlobalWindows.windowed_value(None, timestamp=GlobalWindow().max_timestamp(),
                                        pane_info=pane).with_value


def _grouped_outputs(windowing):
    """(key, values) -> the windowed groups Beam's GroupingBuffer emits for them: one on-time pane
    under default windowing, else what the trigger fires (Reshuffle's, for one)."""
    if windowing.is_default():
        in_window = _grouped_in_global_window()
        return lambda key, values: [in_window((key, values))]
    return trigger.create_trigger_driver(windowing, True).process_entire_key


def _partition_in_pieces(self, n: int):
    """GroupingBuffer.partition with each worker's share as strings of about MESSAGE_BYTES.

    Keys go to workers as in Beam (the i-th key to worker i mod n); only the encoding is cut.
    """
    if self._grouped_output:
        return self._grouped_output
    grouped_outputs = _grouped_outputs(self._windowing)
    coder_impl = self._post_grouped_coder.get_impl()
    key_coder_impl = self._key_coder.get_impl()
    pieces = [[] for _ in range(n)]
    streams = [create_OutputStream() for _ in range(n)]
    for index, (encoded_key, values) in enumerate(self._table.items()):
        worker = index % n
        for grouped in grouped_outputs(key_coder_impl.decode(encoded_key), values):
            coder_impl.encode_to_stream(grouped, streams[worker], True)
        if streams[worker].size() >= MESSAGE_BYTES:
            pieces[worker].append(streams[worker].get())
            streams[worker] = create_OutputStream()
    for worker, stream in enumerate(streams):
        if stream.size() or not pieces[worker]:
            pieces[worker].append(stream.get())
    self._grouped_output = pieces
    self._table.clear()
    return pieces


def _send_input_in_pieces(self, process_bundle_id, read_transform_id, byte_streams):
    """BundleManager._send_input_to_worker, flushing a message whenever MESSAGE_BYTES are buffered.

    An input of more than one message is written by a new thread, returned (see the module's
    docstring); a smaller one is written here, as Beam does, and None is returned.
    """
    data_out = self._worker_handler.data_conn.output_stream(process_bundle_id, read_transform_id)
    byte_streams = list(byte_streams or [])
    if sum(map(len, byte_streams)) < MESSAGE_BYTES:
        _write_in_pieces(data_out, byte_streams)
        return None
    writer = threading.Thread(target=_write_in_pieces, args=(data_out, byte_streams),
                              name='send_input_%s' % process_bundle_id, daemon=True)
    writer.start()
    return writer


def _write_in_pieces(data_out, byte_streams) -> None:
    for byte_stream in byte_streams:
        data_out.write(byte_stream)
        if data_out.size() >= MESSAGE_BYTES:
            data_out.flush()
    data_out.close()


class LocalRunner(fn_runner.FnApiRunner):
    """Beam's FnApiRunner, whose multi-processing workers run beam_jobs.local_processes (which
    runs beam_jobs.local_worker in a standby process or in its own).

    FnApiRunner.run_pipeline sets its subprocess environment, with Beam's worker module in the
    command, just before it uses it; the setter below swaps the module.
    """

    @property
    def _default_environment(self):
        return self._environment

    @_default_environment.setter
    def _default_environment(self, environment):
        if isinstance(environment, environments.SubprocessSDKEnvironment):
            environment = environments.SubprocessSDKEnvironment.from_command_string(
                '%s -m %s' % (sys.executable, local_processes.__name__))
        self._environment = environment


def bound_message_sizes() -> None:
    """Apply both changes to this process's FnApiRunner (idempotent).

    Also bounds the runner's own data plane as the workers' (local_worker.bound_output_buffers):
    its data channel gathered up to 10 MB of queued messages into one gRPC message, so a worker
    still received 10 MB at a time (peak on the 100 MB corpus 416 / 495 MB in segmentation /
    instances against 381-391 / 428 with the cap).

    And it turns off the runner's time-based flushing of its data streams (Beam's runner flushes
    them every second from a thread of their own; its workers do not). That flush takes the
    buffered bytes, hands them to the send queue (which blocks while the queue is full) and then
    clears the buffer, with nothing keeping a write out in between: bytes the input writer added
    meanwhile were cleared unsent. tests/test_local_messages.py's large share lost 0.6-12% of its
    elements in about one run in eight under load. The streams still flush at MESSAGE_BYTES and
    on close, which is all a batch bundle's input needs.
    """
    execution.GroupingBuffer.partition = _partition_in_pieces
    fn_runner.BundleManager._send_input_to_worker = _send_input_in_pieces
    worker_handlers.DATA_BUFFER_TIME_LIMIT_MS = 0
    bound_output_buffers()
