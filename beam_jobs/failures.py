"""How the job's command reports a run that fails: one line on stderr, the details in a log file.

Beam logs to the root logger (its own warnings, and in a multi-process run every worker's), its
workers print their tracebacks on their stderr, and a failed pipeline raises an exception whose text
holds those tracebacks: on a terminal they bury the one line that says what went wrong. During a
run the root logger writes to a temporary log file instead (RunLog); run as a program, the file
also takes the output of child processes and C code (log_process_output). A failure is reported as
one line naming the file, which then holds the traceback too; a run that ends without a failure
deletes it.
"""
import argparse
import atexit
import errno
import logging
import os
import re
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager

# errno values of a full disk, a full quota, and a file over the size limit (ulimit -f).
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
# An OSError as it reads in the text of the exception a runner raises for a worker's failure.
_ERRNO = re.compile(r'\[Errno (\d+)\]')
# The last line of a traceback, unindented: "ValueError: message", "module.SomeFailure: message",
# "KeyError" (the frames' lines are indented).
_EXCEPTION_LINE = re.compile(r'(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:: |:?$)')
MAX_MESSAGE_CHARS = 300
# How a traceback starts: a message ending so was cut before the exception line.
_CUT_TRACEBACK = 'Traceback (most recent call last):'
# Beam warnings that say nothing about the run, left out of its log file: in a failed run's log
# they would read as the cause. Each local worker (--direct_running_mode=multi_processing) warns at
# its start that it has no staging folder: it imports the job's code from this install and has
# nothing staged. Beam's FnApiRunner passes its workers no pipeline options, so the workers' log
# levels (--sdk_harness_log_level_overrides) cannot be set; their messages reach the job through
# the logger below, with those of the job's own code, which stay.
_HARMLESS_BEAM_WARNINGS = {
    'apache_beam.runners.portability.local_job_service': ('No semi_persistent_directory found',),
}


def new_log_file(prefix: str) -> str:
    """An empty file ``<prefix>-*.log`` in the temp folder (TMPDIR), readable by its owner only
    (a traceback may show paths and data)."""
    descriptor, path = tempfile.mkstemp(prefix=prefix + '-', suffix='.log')
    os.close(descriptor)
    return path


def log_process_output(prefix: str) -> str:
    """Create a log file and point this process's file descriptor 2 at it: C code and the child
    processes started from now on (Beam's workers, which print their tracebacks there) write into
    it, while sys.stderr stays on the terminal for the job's own lines. Returns the file's path."""
    path = new_log_file(prefix)
    terminal = os.dup(2)
    log = os.open(path, os.O_WRONLY | os.O_APPEND)
    os.dup2(log, 2)
    os.close(log)
    sys.stderr = os.fdopen(terminal, 'w', buffering=1, encoding=sys.stderr.encoding,
                           errors='backslashreplace')
    return path


class _QuietFileHandler(logging.FileHandler):
    """A FileHandler that stays silent when the log itself cannot be written (a full disk): the
    logging module would print a traceback on stderr for each record."""

    def handleError(self, record):
        pass


def _not_harmless(record: logging.LogRecord) -> bool:
    """A logging filter: False for a record of _HARMLESS_BEAM_WARNINGS."""
    return not (record.levelno == logging.WARNING and any(
        text in record.getMessage() for text in _HARMLESS_BEAM_WARNINGS.get(record.name, ())))


def _log_thread_exception(args) -> None:
    """threading.excepthook that logs: a runner thread that dies would print its traceback."""
    logging.getLogger(__name__).error('exception in thread %s', args.thread.name if args.thread else '?',
                                      exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


class RunLog:
    """Context manager: the root logger writes to the log file ``path`` (a new temporary file
    where None) instead of its handlers, less _HARMLESS_BEAM_WARNINGS, and warnings.warn and the
    exceptions of dying threads go there too. The file is deleted at the end unless ``keep()`` was called (the run failed and the
    line on stderr names it)."""

    def __init__(self, prefix: str, path=None):
        self.path = path or new_log_file(prefix)
        self._kept = False
        self._handler = None
        self._saved = []
        self._thread_hook = None

    def __enter__(self):
        self._handler = _QuietFileHandler(self.path, encoding='utf-8')
        self._handler.setFormatter(logging.Formatter('%(asctime)s %(levelname)s %(name)s: %(message)s'))
        self._handler.addFilter(_not_harmless)
        root = logging.getLogger()
        self._saved = list(root.handlers)
        for handler in self._saved:
            root.removeHandler(handler)
        root.addHandler(self._handler)
        logging.captureWarnings(True)
        self._thread_hook, threading.excepthook = threading.excepthook, _log_thread_exception
        return self

    def keep(self) -> None:
        self._kept = True

    def __exit__(self, *exc_info):
        threading.excepthook = self._thread_hook
        logging.captureWarnings(False)
        root = logging.getLogger()
        root.removeHandler(self._handler)
        for handler in self._saved:
            root.addHandler(handler)
        self._handler.close()
        if not self._kept:
            os.remove(self.path)


def _causes(error: BaseException):
    """``error`` and the exceptions it was raised from or while handling, outermost first."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)


def _disk_full(error: BaseException) -> str:
    """The one-line message of a full disk (or quota, or file size limit) behind ``error``, or ''.
    In-process the OSError is in the chain; from a worker process only its text came back."""
    for cause in _causes(error):
        if isinstance(cause, OSError) and cause.errno in DISK_FULL_ERRNOS:
            return _disk_full_message(cause.errno, cause.filename)
    for cause in _causes(error):
        for number in map(int, _ERRNO.findall(str(cause))):
            if number in DISK_FULL_ERRNOS:
                return _disk_full_message(number, None)
    return ''


def _disk_full_message(number: int, filename) -> str:
    where = ' writing %s' % filename if filename else ''
    if number == errno.EFBIG:
        return 'a file reached the file size limit (ulimit -f)%s: raise the limit' % where
    return ('the disk is full%s (%s): free some space, or give --sort_temp_dir a folder on a larger '
            'disk' % (where, os.strerror(number)))


def _exception_line(text: str) -> str:
    """The last 'SomeError: message' line of a text that may end with a worker's traceback (a
    runner's RuntimeError around it is left out), else its first line."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        while line.startswith('RuntimeError: ') and _EXCEPTION_LINE.match(line[len('RuntimeError: '):]):
            line = line[len('RuntimeError: '):]
        if _EXCEPTION_LINE.match(line) and not line.endswith(_CUT_TRACEBACK):
            return line
    return lines[0].strip() if lines else ''


def was_interrupted(error: BaseException) -> bool:
    """Whether ``error`` comes from a Ctrl-C: Beam wraps a KeyboardInterrupt raised in a DoFn (the
    in-process runner) in a RuntimeError, and a worker's comes back as the text of its traceback."""
    return any(isinstance(cause, KeyboardInterrupt)
               or _exception_line(str(cause)).startswith('KeyboardInterrupt')
               for cause in _causes(error))


def failure_message(error: BaseException, log_path=None) -> str:
    """One line saying why a run failed: a full disk in plain words, otherwise the innermost
    exception's type and message (from a worker: the last exception line of its traceback). A
    portable runner's error can stop at a worker traceback's first line (Flink: "Error received
    from SDK harness ...: Traceback (most recent call last):"); the job's messages in the run's log
    file ``log_path`` then hold the worker's exception line."""
    message = _disk_full(error)
    if not message:
        innermost = list(_causes(error))[-1]
        message = _exception_line(str(innermost))
        if not _EXCEPTION_LINE.match(message):
            message = '%s: %s' % (type(innermost).__name__, message) if message else type(innermost).__name__
        if message.endswith(_CUT_TRACEBACK) and log_path:
            with open(log_path, encoding='utf-8', errors='replace') as handle:
                message = _exception_line(handle.read()) or message
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS - 3] + '...'
    return message


@contextmanager
def interrupts_deferred():
    """Ignore Ctrl-C while the block runs (the cleanup after a first Ctrl-C must not be cut short by
    a second one). Only the main thread can set signal handlers; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def exit_now(status: int = 0) -> None:
    """End the process without the interpreter's teardown (freeing Beam, jieba's dictionary and
    pyarrow took 0.4-0.8 s a run) and without waiting for the threads a failed pipeline left
    behind. Exit handlers still run, and Python's buffers are written."""
    atexit._run_exitfuncs()  # pylint: disable=protected-access
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


class UsageError(Exception):
    """A problem with a command's arguments or inputs, found before anything ran: reported as one
    line, ``<prog>: error: ...``, exit code 2."""


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse's parser, except that an error (a missing argument, a value of the wrong type)
    raises UsageError: one line, without the usage printed first."""

    def error(self, message):
        raise UsageError(message)


def exit_interrupted(prog: str):
    """A SIGINT handler for a command's start, before it can clean anything up or report: one line
    and exit code 130 instead of a KeyboardInterrupt traceback from deep in an import."""
    def handler(_signum, _frame):
        print('%s: interrupted' % prog, file=sys.stderr)
        sys.stderr.flush()
        os._exit(130)
    return handler
