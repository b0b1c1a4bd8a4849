"""Beam's Python SDK worker pool (what the SDK image runs with ``--worker_pool``), bound to one address.

``python -m apache_beam.runners.worker.worker_pool_main --service_port P`` listens on every
interface ([::]:P); the local Flink cluster of deploy/flink/local_cluster.sh keeps everything on
loopback, so this runs Beam's own servicer (``BeamFnExternalWorkerPoolServicer``, workers as
processes like worker_pool_main) on a gRPC server bound to ``--host`` only.

    python deploy/flink/worker_pool.py --host 127.0.0.1 --port 50000

Each SDK worker is ``python -c ...`` from PATH: start it with the venv's bin folder first on PATH.
"""
import argparse
import logging
import signal
import sys
import threading

import grpc
from apache_beam.portability.api import beam_fn_api_pb2_grpc
from apache_beam.runners.worker.worker_pool_main import BeamFnExternalWorkerPoolServicer
from apache_beam.utils import thread_pool_executor

# As worker_pool_main: the TaskManager's client may keep the connection idle for the whole job.
_GRPC_OPTIONS = [('grpc.http2.max_pings_without_data', 0), ('grpc.http2.max_ping_strikes', 0)]


def serve(host: str, port: int) -> None:
    """Serve until SIGTERM/SIGINT; the caller (local_cluster.sh) stops the process group, so the
    SDK worker processes started for jobs end with it."""
    server = grpc.server(thread_pool_executor.shared_unbounded_instance(), options=_GRPC_OPTIONS)
    bound = server.add_insecure_port('%s:%d' % (host, port))
    if not bound:
        sys.exit('worker pool: cannot listen on %s:%d' % (host, port))
    beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(
        BeamFnExternalWorkerPoolServicer(use_process=True), server)
    server.start()
    logging.info('Beam SDK worker pool listening on %s:%d', host, bound)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    server.stop(grace=1).wait()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(message)s')
    serve(args.host, args.port)


if __name__ == '__main__':
    main()
