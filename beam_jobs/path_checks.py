"""What the job checks on the paths it is given, before any pipeline is built: a file it reads is a
regular file, a local folder it writes in is writable, a segmenter model loads. Beam would find each
of these at the first read or write, minutes into a run. Raises UsageError (one line)."""
import importlib.util
import json
import os
import stat
import tempfile

from apache_beam.io.filesystems import FileSystems

from beam_jobs.failures import UsageError
from wwm.segmenters.protected_words import parse_user_dict, read_user_dict


def is_local(path: str) -> bool:
    return FileSystems.get_scheme(path) is None


def absolute(path):
    """A local path made absolute: workers (another process, another working directory) read it."""
    if path and is_local(path):
        return os.path.abspath(path)
    return path


def file_problem(path: str) -> str:
    """Why ``path`` cannot be read as a file, or '': a folder would fail at its first read (after
    the pipeline started), and a FIFO or device would block the reader or never end. Remote paths
    (gs://) are left to their filesystem."""
    if not is_local(path):
        return ''
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return 'cannot be read: %s' % error.strerror
    if stat.S_ISDIR(mode):
        return 'is a folder, not a file'
    if not stat.S_ISREG(mode):
        return 'is not a regular file (a FIFO, socket or device)'
    return ''


def check_file(name: str, path) -> None:
    """Raises UsageError unless the file ``path`` given as --``name`` exists and, where it is
    local, is a regular file."""
    if not path:
        return
    if not FileSystems.exists(path):
        raise UsageError('--%s %s does not exist' % (name, path))
    problem = file_problem(path)
    if problem:
        raise UsageError('--%s %s %s' % (name, path, problem))


def check_writable_folder(name: str, path) -> None:
    """Raises UsageError where the job could not write the local folder ``path`` given as
    --``name`` (created if missing). A remote folder (gs://) is left to its first write."""
    if not path or not is_local(path):
        return
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise UsageError('--%s %s: %s is a file, not a folder' % (name, path, existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError('--%s %s: no permission to write in %s' % (name, path, existing))
    problem = _write_probe_problem(path)
    if problem:
        raise UsageError('--%s %s: cannot create files there (%s)' % (name, path, problem))


def _write_probe_problem(folder: str) -> str:
    """Why no file can be created in the local ``folder``, or '': found by creating the missing
    folders and a probe file, since permission bits do not show a read-only mount or /proc.
    Exactly what the probe created is removed again."""
    missing, existing = [], folder
    while not os.path.isdir(existing):
        missing.append(existing)
        existing = os.path.dirname(existing)
    created = []
    try:
        for path in reversed(missing):
            try:
                os.mkdir(path)
            except FileExistsError:  # made meanwhile by someone else: not ours to remove
                continue
            created.append(path)
        descriptor, probe = tempfile.mkstemp(prefix='.write-probe-', dir=folder)
        os.close(descriptor)
        os.remove(probe)
    except OSError as error:
        return error.strerror or str(error)
    finally:
        for path in reversed(created):
            try:
                os.rmdir(path)
            except OSError:  # someone else's file appeared in it: the folder is theirs too now
                pass
    return ''


# Packages each segmenter imports, checked without importing them (torch takes seconds).
_SEGMENTER_PACKAGES = {'ltp': ('ltp', 'torch', 'transformers'), 'ltp_legacy': ('ltp_extension',)}


def _check_ltp_folder(path: str) -> None:
    config_file = FileSystems.join(path, 'config.json')
    if not FileSystems.exists(config_file):
        raise UsageError('--segmenter_model %s is not an LTP model folder: it has no config.json' % path)
    with FileSystems.open(config_file) as handle:
        try:
            config = json.loads(handle.read())
        except ValueError:
            raise UsageError('--segmenter_model %s: config.json is not JSON' % path) from None
    if not config.get('nerual'):  # sic: LTP's own key
        raise UsageError('--segmenter_model %s is an LTP legacy model folder: use --segmenter '
                         'ltp_legacy with its cws model file' % path)
    if not FileSystems.exists(FileSystems.join(path, 'pytorch_model.bin')):
        raise UsageError('--segmenter_model %s is not an LTP model folder: it has no pytorch_model.bin' % path)


def _check_legacy_file(path: str) -> None:
    if os.path.isdir(path):
        raise UsageError('--segmenter_model %s is a folder; ltp_legacy needs a model file such as '
                         'cws_model.bin' % path)
    if is_local(path):  # Remote models are only loaded on the workers.
        from wwm.segmenters.ltp_legacy import load_cws_model
        try:
            load_cws_model(path)
        except ValueError as error:
            raise UsageError('--segmenter_model: %s' % error) from None


def check_segmenter_model(name: str, path) -> None:
    """The model segmenter ``name`` (ltp, ltp_legacy) can run: its packages are installed and
    --segmenter_model ``path`` is a model of its kind."""
    missing = [package for package in _SEGMENTER_PACKAGES[name] if importlib.util.find_spec(package) is None]
    if missing:
        raise UsageError('--segmenter %s needs %s: pip install "zh-wwm-data[ltp]" (torch first)'
                         % (name, ', '.join(missing)))
    if not path:
        raise UsageError('--segmenter %s needs --segmenter_model (ltp: a model folder, ltp_legacy: '
                         'a model file)' % name)
    if not FileSystems.exists(path):
        raise UsageError('--segmenter_model %s does not exist' % path)
    if name == 'ltp':
        _check_ltp_folder(path)
    else:
        _check_legacy_file(path)


def check_user_dict(path: str) -> None:
    check_file('user_dict', path)
    try:
        words = parse_user_dict(read_user_dict(path))
    except ValueError as error:
        raise UsageError('--user_dict %s is %s' % (path, error)) from None
    if not words:
        raise UsageError('--user_dict %s holds no words' % path)
