"""The runner a job runs on: its family, the options that only make sense on it, and the local runner.

Beam accepts any mix of runner options and finds a wrong one late: a Dataflow job without
``--setup_file`` fails on its workers minutes after submission, ``--direct_num_workers`` is silently
ignored on Flink, a portable job without ``--job_endpoint`` tries to download a job server. These
checks run before any pipeline is built, so the job reports them as a usage error (exit 2).

Beam 2.77's DirectRunner first tries the Prism runner, which it downloads from GitHub; offline it
falls back to the FnApiRunner once the download fails. A DirectRunner run here goes straight to
Beam's FnApiRunner, as Beam ships it (``--runner=FnApiRunner``, one of Beam's known runner names):
it honours ``--direct_running_mode`` and ``--direct_num_workers`` and is what the DirectRunner runs
this batch pipeline on anyway. Prism stays available as ``--runner=PrismRunner --prism_location=...``
(docs/runners.md).
"""
import ctypes
import ctypes.util
import importlib
import os

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import (DirectOptions, GoogleCloudOptions, PortableOptions,
                                                  SetupOptions, StandardOptions, WorkerOptions)


DIRECT_RUNNERS = ('direct', 'switchingdirect')  # run on Beam's FnApiRunner (local_runner)
# glibc raises its mmap threshold each time a large block is freed, after which gRPC's data
# messages (up to 10 MB) and the shuffled record lists come from the heap, which fragments and is
# never given back: a worker's resident memory then grew with the corpus. A fixed threshold keeps
# blocks over 1 MB in mmap (returned on free). Measured on the 10 MB benchmark corpus with two
# workers: worker peak 734 -> 615 MB, runner 745 -> 462 MB, no change in wall time.
MALLOC_SETTINGS = {'MALLOC_MMAP_THRESHOLD_': str(1 << 20), 'MALLOC_TRIM_THRESHOLD_': str(1 << 20)}
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, from glibc's malloc.h

LOCAL, DATAFLOW, PORTABLE = 'local', 'dataflow', 'portable'
_FAMILIES = {
    'direct': LOCAL, 'switchingdirect': LOCAL, 'bundlebaseddirect': LOCAL, 'fnapi': LOCAL,
    'prism': LOCAL, 'testdirect': LOCAL,
    'dataflow': DATAFLOW, 'testdataflow': DATAFLOW,
    'portable': PORTABLE, 'flink': PORTABLE, 'spark': PORTABLE,
}
_NEEDS_CONFIG = ('EXTERNAL', 'PROCESS')


def runner_name(options) -> str:
    """--runner as given (a name, a dotted path, or a runner object's class name)."""
    runner = options.view_as(StandardOptions).runner or StandardOptions.DEFAULT_RUNNER
    return runner if isinstance(runner, str) else type(runner).__name__


def _runner_key(options) -> str:
    """'flink' for FlinkRunner, flink, apache_beam.runners...FlinkRunner (as Beam resolves names)."""
    return runner_key(runner_name(options))


def runner_family(options) -> str:
    """'local', 'dataflow' or 'portable' (the PortableRunner, Flink, Spark); '' for others."""
    return _FAMILIES.get(_runner_key(options), '')


def _set_by_user(options) -> set:
    return set(options.get_all_options(drop_default=True))


def _is_local_path(path: str) -> bool:
    return FileSystems.get_scheme(path) in (None, 'file')


def _unknown_runner(options) -> str:
    """Why Beam could not create the --runner, or '': as Beam resolves it (a known name, with or
    without "Runner", any case; or a dotted class path), but before the job reads its inputs."""
    runner = options.view_as(StandardOptions).runner
    if not isinstance(runner, str):
        return ''
    if '.' in runner:
        module, _, name = runner.rpartition('.')
        try:
            found = hasattr(importlib.import_module(module), name)
        except ImportError as error:
            return '--runner %s: cannot import %s (%s)' % (runner, module, error)
        return '' if found else '--runner %s: module %s has no %s' % (runner, module, name)
    known = {name.lower() for name in StandardOptions.KNOWN_RUNNER_NAMES}
    if runner.lower() in known or runner.lower() + 'runner' in known:
        return ''
    return ('unknown --runner %s (choose from %s, or give the dotted path of a PipelineRunner class)'
            % (runner, ', '.join(StandardOptions.KNOWN_RUNNER_NAMES)))


def _common_problem(options, explicit) -> str:
    environment = options.view_as(PortableOptions)
    kind = (environment.environment_type or '').upper()
    if kind in _NEEDS_CONFIG and not environment.environment_config:
        return ('--environment_type=%s needs --environment_config (%s)'
                % (kind, 'the worker pool address, e.g. localhost:50000' if kind == 'EXTERNAL'
                   else 'the worker boot command as JSON'))
    if runner_family(options) == LOCAL and options.view_as(DirectOptions).direct_num_workers < 0:
        return '--direct_num_workers must be at least 0 (0: one worker per CPU)'
    if runner_family(options) != LOCAL:
        direct = sorted(explicit & {'direct_num_workers', 'direct_running_mode'})
        if direct:
            return ('--%s only applies to the DirectRunner, not --runner=%s (set parallelism on '
                    'the runner: --max_num_workers on Dataflow, --parallelism on Flink)'
                    % (direct[0], runner_name(options)))
    return ''


def _dataflow_problem(options, data_paths: dict) -> str:
    cloud = options.view_as(GoogleCloudOptions)
    setup = options.view_as(SetupOptions)
    for name in ('project', 'region', 'temp_location'):
        if not getattr(cloud, name):
            return '--runner=DataflowRunner needs --%s' % name
    for name in ('temp_location', 'staging_location'):
        value = getattr(cloud, name)
        if value and not value.startswith('gs://'):
            return '--%s must be a gs:// path on Dataflow, got %s' % (name, value)
    for name, paths in sorted(data_paths.items()):
        for path in paths if isinstance(paths, list) else [paths]:
            if path and _is_local_path(path):
                return ('--%s %s is a local path: Dataflow workers cannot read it (use gs://)'
                        % (name, path))
    if not (setup.setup_file or options.view_as(WorkerOptions).sdk_container_image):
        return ('--runner=DataflowRunner needs --setup_file ./setup.py or --sdk_container_image '
                '(the workers must have this project installed)')
    return ''


def _portable_problem(options, data_paths: dict) -> str:
    endpoint = options.view_as(PortableOptions).job_endpoint
    if not endpoint or endpoint == 'embed':
        return ('--runner=%s needs --job_endpoint (the job server, e.g. localhost:8099 for the '
                "Flink job server of deploy/flink); without it Beam downloads one" % runner_name(options))
    return ''


def runner_problem(options, data_paths: dict) -> str:
    """The first runner-specific problem with ``options``, as one line, or ''.

    ``data_paths`` maps option names to the data paths the workers read or write
    (input globs, output_dir, vocab_file, tokenizer), to check they are reachable from the runner's workers.
    """
    problem = _unknown_runner(options) or _common_problem(options, _set_by_user(options))
    if problem:
        return problem
    family = runner_family(options)
    if family == DATAFLOW:
        return _dataflow_problem(options, data_paths)
    if family == PORTABLE:
        return _portable_problem(options, data_paths)
    return ''


def runner_key(runner) -> str:
    """'flink' for FlinkRunner, flink, apache_beam.runners...FlinkRunner (as Beam resolves names);
    'direct' when no runner is named (Beam's default)."""
    key = (runner or 'DirectRunner').rsplit('.', 1)[-1].lower()
    return key[:-len('runner')] if key.endswith('runner') else key


def bound_native_memory() -> None:
    """Apply MALLOC_SETTINGS to this process (mallopt) and to the workers it starts (environment).

    Settings the user already made in the environment win; a libc without mallopt is left as is.
    """
    for name, value in MALLOC_SETTINGS.items():
        os.environ.setdefault(name, value)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c'))
        libc.mallopt(_M_MMAP_THRESHOLD, int(os.environ['MALLOC_MMAP_THRESHOLD_']))
        libc.mallopt(_M_TRIM_THRESHOLD, int(os.environ['MALLOC_TRIM_THRESHOLD_']))
    except (OSError, AttributeError, TypeError, ValueError):
        pass


def local_runner(options):
    """The runner for a DirectRunner job (the default): Beam's FnApiRunner, by its public runner
    name, never Prism (see above). Returns None for any other runner: Beam creates it from
    ``--runner``.
    """
    if _runner_key(options) not in DIRECT_RUNNERS:
        return None
    bound_native_memory()
    return 'FnApiRunner'
