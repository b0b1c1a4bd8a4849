"""Beam's local job service and an EXTERNAL Python worker pool, as real processes on loopback.

The same shape as Beam on Flink with a worker-pool sidecar: the job is submitted to a job service
(here ``local_job_service_main``, there the Flink job server), which asks the worker pool
(``worker_pool_main``, the SDK container's ``--worker_pool`` mode) for SDK workers.

Both services bind gRPC on all interfaces ([::]) in Beam; run through this file as a script
(``python portable_services.py PORT_FILE MODULE ARGS``) every port they open is bound to 127.0.0.1
instead, and the first one is written to PORT_FILE (the worker pool tells its port only in a log line
that is not printed unless logging is configured).
The worker pool starts workers as ``python -c ...`` from PATH: PATH starts with this interpreter's
folder, and the services run in an empty folder, so workers import the project installed in the
venv, not the checkout.
"""
import contextlib
import os
import pathlib
import signal
import subprocess
import sys
import time

START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10


def _loopback(address: str) -> str:
    return '127.0.0.1:' + address.rsplit(':', 1)[1]


def _run_on_loopback(port_file: str, module: str, argv: list) -> None:
    import runpy

    from grpc import _server

    add_insecure_port = _server._Server.add_insecure_port  # pylint: disable=protected-access

    def add_loopback_port(server, address):
        port = add_insecure_port(server, _loopback(address))
        if not os.path.exists(port_file):
            with open(port_file + '.tmp', 'w', encoding='ascii') as out:
                out.write(str(port))
            os.rename(port_file + '.tmp', port_file)
        return port

    _server._Server.add_insecure_port = add_loopback_port  # pylint: disable=protected-access
    sys.argv = [module] + argv
    runpy.run_module(module, run_name='__main__', alter_sys=True)


def _wait_for(find, process, log: pathlib.Path, what: str):
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        if process.poll() is not None:
            raise RuntimeError('%s exited with %s:\n%s' % (what, process.returncode, log.read_text()))
        time.sleep(0.1)
    raise RuntimeError('%s did not start in %ds:\n%s' % (what, START_TIMEOUT_S, log.read_text()))


def _stop(process) -> None:
    """SIGTERM the service's process group (its SDK workers included), SIGKILL if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(STOP_TIMEOUT_S)


def _start(module: str, args: list, folder: pathlib.Path, name: str):
    """Start a service; return its process, its log and the file its port will be written to."""
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ['PATH'])
    env.pop('PYTHONPATH', None)
    log, port_file = folder / (name + '.log'), folder / (name + '.port')
    with open(log, 'wb') as out:
        process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), str(port_file), module] + args,
            cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return process, log, port_file


def _port(process, log: pathlib.Path, port_file: pathlib.Path, what: str) -> str:
    return _wait_for(lambda: port_file.exists() and port_file.read_text(), process, log, what)


@contextlib.contextmanager
def job_service_and_worker_pool(folder: pathlib.Path):
    """Yield (job endpoint, worker pool address), both 127.0.0.1:<free port>; always stop both."""
    started = []
    try:
        job_service = _start('apache_beam.runners.portability.local_job_service_main',
                             ['--port', '0'], folder, 'job_service')
        started.append(job_service[0])
        pool = _start('apache_beam.runners.worker.worker_pool_main', ['--service_port', '0'], folder,
                      'worker_pool')
        started.append(pool[0])
        job_port = _port(*job_service, 'the job service')
        pool_port = _port(*pool, 'the worker pool')
        yield '127.0.0.1:%s' % job_port, '127.0.0.1:%s' % pool_port
    finally:
        for process in reversed(started):
            _stop(process)


if __name__ == '__main__':
    _run_on_loopback(sys.argv[1], sys.argv[2], sys.argv[3:])
