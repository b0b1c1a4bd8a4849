"""The job's input files: the --input globs or the --sources file's entries, matched to files
before any pipeline is built (a glob that matches nothing is a usage error, not an empty run)."""
import os
from typing import List

from apache_beam.io.filesystems import FileSystems

from beam_jobs.failures import UsageError
from beam_jobs.path_checks import check_file, file_problem, is_local
from schemas.sources import InputFile, ReadSpec, SourceEntry
from wwm.readers.sources_file import parse_sources


def _existing_local_path(value: str) -> bool:
    """Whether ``value`` names an existing local path as it is: its commas and ``[ ] * ?`` are then
    part of a file name (``notes,2020.txt``, ``book[1].txt``), not separators and glob characters."""
    return is_local(value) and os.path.lexists(value)


def input_patterns(values) -> list:
    """The --input ``values``: one that names an existing local path is taken as is, any other is
    split on commas, each part a glob."""
    patterns = []
    for value in values or []:
        value = value.strip()
        if _existing_local_path(value):
            patterns.append(value)
        else:
            patterns += [part.strip() for part in value.split(',') if part.strip()]
    return patterns


def _common_folder(paths) -> str:
    folders = [path.rsplit('/', 1)[0] + '/' if '/' in path else '' for path in paths]
    prefix = folders[0]
    for folder in folders[1:]:
        while not folder.startswith(prefix):
            prefix = prefix[:-1].rsplit('/', 1)[0] + '/' if '/' in prefix[:-1] else ''
    return prefix


def _match(pattern: str) -> dict:
    """{path: size in bytes} of the files ``pattern`` matches: the path itself where it names an
    existing local path (Beam's globs cannot quote ``[ ] * ?``), else the glob's matches.
    Raises UsageError where none matches or a local match is not a regular file."""
    if _existing_local_path(pattern):
        matched = {pattern: None}
    else:
        try:
            metadata = FileSystems.match([pattern])[0].metadata_list
        except Exception as error:  # Beam raises BeamIOError or IOError depending on the filesystem.
            raise UsageError('cannot read input %r: %s' % (pattern, error)) from None
        matched = {m.path: m.size_in_bytes for m in metadata if not m.path.endswith('/')}
        if not matched:
            raise UsageError('no input file matched %r' % pattern)
    for path in matched:
        problem = file_problem(path)
        if problem:
            hint = (' (for the files in it, give %s)' % os.path.join(path, '*')
                    if os.path.isdir(path) else '')
            raise UsageError('input %s %s%s' % (path, problem, hint))
    return {path: os.path.getsize(path) if is_local(path) else size for path, size in matched.items()}


def resolve_inputs(entries) -> list:
    """An InputFile for every file the SourceEntries match, sorted by path; a file matched by two
    entries with different settings is an error. Names are paths below the files' common folder."""
    chosen, sizes = {}, {}
    for entry in entries:
        for path, size in _match(entry.pattern).items():
            earlier = chosen.setdefault(path, entry)
            sizes[path] = size
            if earlier[1:] != entry[1:]:
                raise UsageError('%s is matched by sources %r and %r with different settings'
                                 % (path, earlier.pattern, entry.pattern))
    paths = sorted(chosen)
    prefix = _common_folder(paths)
    return [InputFile(path, path[len(prefix):], chosen[path].spec, chosen[path].weight, sizes[path])
            for path in paths]


def source_entries(patterns, sources, spec: ReadSpec) -> List[SourceEntry]:
    """The inputs as SourceEntries: the --input globs ``patterns`` read with ``spec``, or the
    entries of the --sources file ``sources`` (its relative paths are relative to its folder)."""
    if not sources:
        return [SourceEntry(pattern, spec, 1.0) for pattern in patterns]
    check_file('sources', sources)
    with FileSystems.open(sources) as handle:
        text = handle.read().decode('utf-8', errors='replace')
    try:
        entries = parse_sources(text, spec)
    except ValueError as error:
        raise UsageError('--sources %s: %s' % (sources, error)) from None
    folder = sources.rsplit('/', 1)[0] + '/' if '/' in sources else ''
    return [entry._replace(pattern=entry.pattern if '://' in entry.pattern
                           or entry.pattern.startswith('/') else folder + entry.pattern)
            for entry in entries]
