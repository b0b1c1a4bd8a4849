"""What the job may write in an output folder, and the proof that it wrote something.

The job deletes or overwrites only files it can prove it wrote:

- a finished dataset's files are those its ``manifest.json`` lists (shards, rejects) with the
  manifest and ``vocab.txt`` (dataset_files);
- an unfinished run's files are those its run marker (RUN_MARKER_NAME) lists. The marker is written
  (temp name + rename) before any other file of the run and names every path the run may create:
  each format's shards, ``vocab.txt``, the manifest and its temp name, ``.incomplete/`` and the
  sort runs folder. The commit adds the reject files it is about to write, writes the manifest
  (temp name + rename) and then deletes the marker.

At start (check_output_folders), a dataset folder that is absent or empty is fine; one holding a
manifest is refused without --overwrite; any other entry is refused (exit 2, naming it) unless
--allow_other_files, and even then when its name is one the job writes (a shard name, a reject
file, ``vocab.txt``, ``.incomplete/``...). Inputs inside the output folder are refused. Then
(start_run) what an old manifest or marker lists is deleted, and nothing else, and the new marker
is written.

The names (manifest, marker, shards, rejects, ``.incomplete/``, runs) are schemas/output_layout.py's.
Paths go through Beam's FileSystems (local or gs://); local folders are listed with os.walk, the
only listing that shows empty folders, symbolic links and special files.
"""
import json
import logging
import os

from apache_beam.io.filesystems import CompressionTypes, FileSystems

from beam_jobs.options import UsageError, dataset_plans, output_formats
from schemas.manifest import parse_manifest
from schemas.output_layout import (INCOMPLETE_DIR, MANIFEST_NAME, MANIFEST_TEMP_NAME, MDS_INDEX_NAME,
                                   REJECTS_DIR, RUN_FILES_GLOB, RUN_MARKER_NAME, RUN_MARKER_TEMP_NAME,
                                   TOKENIZER_NAME, VOCAB_NAME, is_reject_name, is_run_name,
                                   is_runs_folder_name, is_shard_name, shard_name)
from transforms.write_shards import runs_folder
from wwm.records.shard_writers import output_specs

_MARKER_OWNER = 'zh-wwm-data build_pretraining_data'
# Beam's FileSystems.match and delete take every path as a pattern: no way to quote these.
_GLOB_CHARS = '*?['


def delete_folder(folder: str) -> bool:
    """Delete a folder of files on any Beam filesystem; True if there was anything to delete.

    Object stores (gs://) have no folders, only objects under a prefix, where deleting or testing the
    folder's own name finds nothing: its files are matched and deleted, then the folder if it exists.
    """
    files = [m.path for m in FileSystems.match([FileSystems.join(folder, '*')])[0].metadata_list]
    if files:
        FileSystems.delete(files)
    if FileSystems.exists(folder):
        FileSystems.delete([folder])
        return True
    return bool(files)


def write_file(path: str, data: bytes) -> None:
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        handle.write(data)


def write_atomically(path: str, temp_path: str, data: bytes) -> None:
    """Write ``path`` whole or not at all: ``temp_path`` first, then a rename. A failed write (a
    full disk) removes the temp file and leaves ``path`` as it was."""
    try:
        write_file(temp_path, data)
        FileSystems.rename([temp_path], [path])
    except BaseException:
        delete_quietly([temp_path])
        raise


def delete_quietly(files, folders=()) -> None:
    """Delete what exists of ``files`` and ``folders`` (whole) while a failure is already on its way
    up; a second failure is logged, not raised over the first."""
    try:
        existing = [path for path in files if FileSystems.exists(path)]
        if existing:
            FileSystems.delete(existing)
        for folder in folders:
            delete_folder(folder)
    except Exception as error:  # pylint: disable=broad-except
        logging.warning('could not delete %s: %s', ', '.join(list(files) + list(folders)), error)


# The run's paths, relative to its dataset folder ('/'-separated; a folder ends with '/').

def planned_paths(num_shards: int, specs, output_dir: str, runs_dir: str,
                  tokenizer_name: str = VOCAB_NAME) -> list:
    """Every path a run of one dataset may create in ``output_dir``, reject files aside (the commit
    adds those to the marker before writing them): see the module's docstring."""
    shards = [shard_name(index, num_shards, spec.extension) for spec in specs for index in range(num_shards)]
    shards += [MDS_INDEX_NAME for spec in specs if spec.output_format == 'mds']
    folders = [INCOMPLETE_DIR + '/']
    inside = _relative(runs_dir, output_dir)
    if inside and inside != INCOMPLETE_DIR:
        folders.append(inside + '/')
    return [MANIFEST_NAME, MANIFEST_TEMP_NAME, tokenizer_name] + shards + folders


def _relative(path: str, folder: str):
    """``path`` relative to ``folder`` ('/'-separated) when it lies inside it, else None."""
    prefix = folder.rstrip('/') + '/'
    if FileSystems.get_scheme(path) is None and FileSystems.get_scheme(folder) is None:
        path, prefix = os.path.realpath(path), os.path.realpath(folder).rstrip(os.sep) + os.sep
        return path[len(prefix):].replace(os.sep, '/') if path.startswith(prefix) else None
    return path[len(prefix):] if path.startswith(prefix) else None


def _is_job_name(path: str) -> bool:
    """Whether the job writes files of this name in a dataset folder, in some run."""
    return (path in (MANIFEST_NAME, MANIFEST_TEMP_NAME, VOCAB_NAME, TOKENIZER_NAME, RUN_MARKER_NAME,
                     RUN_MARKER_TEMP_NAME)
            or path.startswith(INCOMPLETE_DIR + '/') or is_shard_name(path) or is_reject_name(path))


def _safe_listed_path(path) -> bool:
    """A path a manifest or marker may name: one of the job's names, or a runs folder (a hand-made
    or damaged listing cannot make the job delete anything else)."""
    if not isinstance(path, str) or '..' in path.split('/') or path.startswith('/'):
        return False
    if path.endswith('/'):
        return path == INCOMPLETE_DIR + '/' or is_runs_folder_name(path[:-1].rsplit('/', 1)[-1])
    return _is_job_name(path)


# Reading what a folder holds.

def _entries(folder: str) -> list:
    """Every entry under ``folder``, relative and '/'-separated, sorted: files (and links, and other
    non-folders) by name, empty folders with a trailing '/'. [] if the folder does not exist."""
    if FileSystems.get_scheme(folder) is not None:
        prefix = folder.rstrip('/') + '/'
        return sorted(m.path[len(prefix):] for m in FileSystems.match([prefix + '**'])[0].metadata_list
                      if m.path.startswith(prefix) and m.path != prefix)
    if not os.path.isdir(folder):
        return []

    def unreadable(error):
        raise UsageError('cannot list %s: %s' % (error.filename, error.strerror))

    entries = []
    for root, dirs, files in os.walk(folder, onerror=unreadable):
        relative = os.path.relpath(root, folder).replace(os.sep, '/')
        prefix = '' if relative == '.' else relative + '/'
        links = [name for name in dirs if os.path.islink(os.path.join(root, name))]
        entries += [prefix + name for name in files + links]
        if not dirs and not files and prefix:
            entries.append(prefix)
    return sorted(entries)


def _read(path: str) -> bytes:
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        return handle.read()


def dataset_files(manifest: dict) -> list:
    """The files of a finished dataset, relative to its folder: what its manifest lists, the
    manifest and its tokenizer's file (vocab.txt or tokenizer.json). ValueError when it names a file
    the job does not write."""
    shards = [shard['file_name'] for layout in manifest['formats'].values() for shard in layout['shards']]
    files = [MANIFEST_NAME, manifest['vocab'].get('file', VOCAB_NAME)] + shards + list(manifest['rejects'])
    unsafe = [name for name in files if not _safe_listed_path(name)]
    if unsafe:
        raise ValueError('it lists %r, not a file this job writes' % unsafe[0])
    return files


def _manifest_files(folder: str) -> list:
    """dataset_files of ``folder``'s manifest; UsageError when the manifest is not one the job wrote
    (it then deletes nothing of the folder)."""
    path = FileSystems.join(folder, MANIFEST_NAME)
    try:
        return dataset_files(parse_manifest(_read(path)))
    except ValueError as error:
        raise UsageError('%s is not a manifest this job wrote (%s): the job deletes no file it cannot '
                         'prove it wrote; remove that dataset yourself' % (path, error)) from None


def _read_marker(folder: str):
    """(paths, runs folder outside ``folder`` or None) from ``folder``'s run marker, or None without
    one; UsageError when it is not a marker of this job."""
    path = FileSystems.join(folder, RUN_MARKER_NAME)
    if not FileSystems.exists(path):
        return None
    try:
        marker = json.loads(_read(path))
        paths, runs_dir = marker['paths'], marker.get('runs_folder')
        if marker.get('written_by') != _MARKER_OWNER or not isinstance(paths, list):
            raise ValueError('not written by this job')
        unsafe = [p for p in paths if not _safe_listed_path(p)]
        if unsafe:
            raise ValueError('it lists %r, not a file this job writes' % unsafe[0])
        if runs_dir is not None and not (isinstance(runs_dir, str) and is_runs_folder_name(
                runs_dir.rstrip('/').rsplit('/', 1)[-1])):
            raise ValueError('its runs folder %r is not one this job makes' % runs_dir)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        raise UsageError('%s is not a run marker this job wrote (%s): the job deletes no file it '
                         'cannot prove it wrote; remove that folder\'s files yourself'
                         % (path, error)) from None
    return paths, runs_dir


def _owned(entry: str, listed: set) -> bool:
    return entry in listed or any(entry.startswith(path) for path in listed if path.endswith('/'))


# Checks before the run.

def check_dataset_folder(folder: str, runs_dir: str, planned: list, overwrite: bool,
                         allow_other_files: bool) -> None:
    """Refuse (UsageError) a dataset folder the run would have to delete or overwrite a file of
    that it cannot prove it wrote; see the module's docstring for the rules."""
    entries = _entries(folder)
    if MANIFEST_NAME in entries and not overwrite:
        raise UsageError('%s already holds a dataset; pass --overwrite to replace it' % folder)
    listed = {RUN_MARKER_NAME, RUN_MARKER_TEMP_NAME}
    if MANIFEST_NAME in entries:
        listed.update(_manifest_files(folder))
    marker = _read_marker(folder)
    if marker:
        listed.update(marker[0])
    reserved = set(planned)
    job_folders = {path[:end + 1] for path in planned for end, char in enumerate(path) if char == '/'}
    job_folders.add(REJECTS_DIR + '/')
    foreign = [entry for entry in entries if not _owned(entry, listed)
               and not (entry.endswith('/') and entry in job_folders)]  # an empty folder of ours
    ours = [entry for entry in foreign if entry in reserved or _is_job_name(entry)
            or _owned(entry, {path for path in reserved if path.endswith('/')})]
    if ours:
        raise UsageError('%s holds %s%s, a name this job writes, but no manifest or run marker of '
                         'the job lists it: move it away (the job deletes no file it cannot prove it '
                         'wrote)' % (folder, ours[0], _more(ours)))
    if foreign and not allow_other_files:
        raise UsageError('%s holds %s%s, which this job did not write: give an empty or new '
                         '--output_dir, or pass --allow_other_files to keep such files beside the '
                         'dataset' % (folder, foreign[0], _more(foreign)))
    _check_runs_folder(folder, runs_dir, marker)


def _more(entries: list) -> str:
    return ' (and %d more)' % (len(entries) - 1) if len(entries) > 1 else ''


def _check_runs_folder(folder: str, runs_dir: str, marker) -> None:
    """A runs folder outside the dataset folder (--sort_temp_dir) is empty, or holds run files of
    the unfinished run ``marker`` lists it for."""
    if _relative(runs_dir, folder) is not None:
        return
    entries = _entries(runs_dir)
    if entries and not (marker and marker[1] == runs_dir and all(is_run_name(e) for e in entries)):
        raise UsageError('%s (the sort runs of %s) holds %s, which no run marker of this job lists: '
                         'move it away' % (runs_dir, folder, entries[0]))


def check_inputs_outside(output_dir: str, inputs: list) -> None:
    """Refuse (UsageError) an input inside ``output_dir``: ``inputs`` are (option, path) pairs. A
    file there would be read while the job writes or deletes files beside it."""
    for option, path in inputs:
        if path and (_relative(path, output_dir) is not None or _same(path, output_dir)):
            raise UsageError('%s %s is inside --output_dir %s: keep inputs out of the output folder'
                             % (option, path, output_dir))


def _same(path: str, folder: str) -> bool:
    if FileSystems.get_scheme(path) is None and FileSystems.get_scheme(folder) is None:
        return os.path.realpath(path) == os.path.realpath(folder)
    return path.rstrip('/') == folder.rstrip('/')


def _plan_paths(plan, options) -> tuple:
    """(runs folder, planned paths) of one dataset of the run."""
    specs = output_specs(output_formats(options), options.tfrecord_compression, options.masking,
                         plan.max_seq_length, plan.max_predictions_per_seq)
    runs_dir = runs_folder(plan.output_dir, options.sort_temp_dir)
    return runs_dir, planned_paths(options.num_shards, specs, plan.output_dir, runs_dir,
                                   tokenizer_file_name(options))


def tokenizer_file_name(options) -> str:
    """The name of the file a run's datasets keep their tokenizer in: a BERT vocab's vocab.txt
    (--vocab_file, or a trained WordPiece vocab), else tokenizer.json."""
    return TOKENIZER_NAME if options.tokenizer or options.train_tokenizer == 'bpe' else VOCAB_NAME


def check_output_folders(options, files) -> None:
    """Every check of the output folders before the run (UsageError): no pattern characters in
    their paths, no input inside --output_dir, and each dataset folder as check_dataset_folder says.

    ``files``: the resolved InputFiles; --vocab_file, --user_dict, --similar_words, --sources and
    --segmenter_model are inputs too."""
    for name in ('output_dir', 'sort_temp_dir'):
        value = getattr(options, name)
        if value and any(char in value for char in _GLOB_CHARS):
            raise UsageError('--%s %s: the job does not take * ? [ in this path' % (name, value))
    named = [('--input', f.path) for f in files] + [
        ('--' + name, getattr(options, name)) for name in ('vocab_file', 'user_dict', 'similar_words',
                                                           'sources', 'segmenter_model')]
    check_inputs_outside(options.output_dir, named)
    for plan in dataset_plans(options):
        runs_dir, planned = _plan_paths(plan, options)
        check_dataset_folder(plan.output_dir, runs_dir, planned, options.overwrite,
                             options.allow_other_files)


# Deleting what the job wrote, and the marker.

def _delete_listed(folder: str, listed, runs_dir=None) -> list:
    """Delete what exists of the '/'-separated ``listed`` paths of ``folder`` (a folder: whole) and
    the run files of ``runs_dir``; return the paths deleted. The manifest goes first, so that no
    half-deleted dataset looks complete."""
    existing = set(_entries(folder))
    files = sorted((path for path in set(listed) if not path.endswith('/') and path in existing),
                   key=lambda path: (path != MANIFEST_NAME, path))
    paths = [FileSystems.join(folder, path) for path in files]
    for batch in (paths[:1], paths[1:]):  # the manifest (sorted first) before the rest
        if batch:
            FileSystems.delete(batch)
    deleted = paths + [FileSystems.join(folder, path) for path in sorted(set(listed))
                       if path.endswith('/') and delete_folder(FileSystems.join(folder, path[:-1]))]
    if any(name.startswith(REJECTS_DIR + '/') for name in files):
        _delete_if_empty(FileSystems.join(folder, REJECTS_DIR))
    if runs_dir:
        matched = FileSystems.match([FileSystems.join(runs_dir, RUN_FILES_GLOB)])[0].metadata_list
        run_files = [m.path for m in matched if is_run_name(m.path.rsplit('/', 1)[-1])]
        if run_files:
            FileSystems.delete(run_files)
        _delete_if_empty(runs_dir)
        deleted += run_files
    return deleted


def _delete_if_empty(folder: str) -> None:
    """A folder the job's deleted files were in goes too once nothing is left in it."""
    if FileSystems.exists(folder) and not _entries(folder):
        FileSystems.delete([folder])


def remove_unfinished_run(folder: str) -> list:
    """Delete what the run marker of ``folder`` lists, then the marker; the paths deleted ([] without
    a marker). For the leftovers of a killed run, and for a failed or interrupted one."""
    marker = _read_marker(folder)
    if marker is None:
        return []
    deleted = _delete_listed(folder, marker[0], marker[1])
    remove_marker(folder)
    return deleted + [FileSystems.join(folder, RUN_MARKER_NAME)]


def remove_marker(folder: str) -> None:
    """Delete the run marker (and its temp file) of ``folder``: the run left nothing unlisted."""
    paths = [FileSystems.join(folder, name) for name in (RUN_MARKER_NAME, RUN_MARKER_TEMP_NAME)]
    existing = [path for path in paths if FileSystems.exists(path)]
    if existing:
        FileSystems.delete(existing)


def write_marker(folder: str, paths, runs_dir=None) -> None:
    """Write ``folder``'s run marker atomically: it lists ``paths`` (relative) and ``runs_dir``, the
    sort runs folder when it lies outside ``folder``."""
    data = json.dumps({'written_by': _MARKER_OWNER, 'paths': sorted(set(paths)), 'runs_folder': runs_dir},
                      ensure_ascii=False, indent=0).encode('utf-8')
    write_atomically(FileSystems.join(folder, RUN_MARKER_NAME),
                     FileSystems.join(folder, RUN_MARKER_TEMP_NAME), data)


def add_to_marker(folder: str, paths) -> None:
    """List ``paths`` in ``folder``'s run marker too, before they are written. Without a marker (a
    commit retried after the first attempt finished, a pipeline built without run()) nothing: the
    manifest lists them."""
    marker = _read_marker(folder)
    if marker is not None:
        write_marker(folder, list(marker[0]) + list(paths), marker[1])


def start_run(plan, options) -> bool:
    """Make ``plan``'s dataset folder ready (check_output_folders passed): delete what an old
    dataset's manifest (--overwrite) and an unfinished run's marker list, then write this run's
    marker. True when an unfinished run's leftovers were deleted."""
    runs_dir, planned = _plan_paths(plan, options)
    folder = plan.output_dir
    if FileSystems.exists(FileSystems.join(folder, MANIFEST_NAME)):
        _delete_listed(folder, _manifest_files(folder))
    unfinished = bool(remove_unfinished_run(folder))
    outside = None if _relative(runs_dir, folder) is not None else runs_dir
    write_marker(folder, planned, outside)
    return unfinished
