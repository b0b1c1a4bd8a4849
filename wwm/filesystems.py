"""The one place wwm reaches files, and the one wwm module that may import Beam.

Paths go through Beam's public ``FileSystems`` (local, gs://, s3://, ...) where Beam is installed,
so the pipeline reads exactly as Beam does. A trainer's install has no Beam (docs/masking.md): there
local paths are opened directly, a ``.gz`` one through ``gzip``, and a remote path is refused with a
one-line error. Beam is imported on the first file access, never at import, so importing
``wwm.training`` does not load Beam even where it is installed.

``compression`` takes the values of Beam's ``CompressionTypes``: AUTO picks by extension.
"""
import functools
import glob
import gzip
import os
import re
from typing import BinaryIO, List

AUTO = 'auto'
UNCOMPRESSED = 'uncompressed'
GZIP = 'gzip'

# Beam's FileSystems.URI_SCHEMA_PATTERN, and the compression its AUTO picks for each suffix.
_SCHEME = re.compile('(?P<scheme>[a-zA-Z][-a-zA-Z0-9+.]*)://.*')
_AUTO_SUFFIXES = {'.bz2': 'bzip2', '.deflate': 'deflate', '.gz': GZIP, '.zst': 'zstd',
                  '.zstd': 'zstd', '.xz': 'lzma', '.lzma': 'lzma'}
_LOCAL_OPENERS = {UNCOMPRESSED: open, GZIP: gzip.open}


@functools.lru_cache(maxsize=None)
def _beam_filesystems():
    """Beam's FileSystems, or None where Beam cannot be imported (a trainer's install)."""
    try:
        from apache_beam.io.filesystems import FileSystems
    except ImportError:
        return None
    return FileSystems


def is_remote(path: str) -> bool:
    """Whether the path names a scheme (gs://, s3://, ...), as Beam's ``FileSystems.get_scheme``."""
    return _SCHEME.match(path.strip()) is not None


def _local(path: str) -> str:
    """The path, where Beam is absent; a remote one cannot be read there."""
    if is_remote(path):
        raise ValueError("%s: reading a remote path needs apache-beam (pip install "
                         "'apache-beam[gcp]'), which this install does not have" % path)
    return path


def _local_open(path: str, compression: str) -> BinaryIO:
    """Where Beam is absent: plain and gzip files of the local disk, AUTO as Beam picks."""
    if compression == AUTO:
        compression = next((kind for suffix, kind in _AUTO_SUFFIXES.items()
                            if path.lower().endswith(suffix)), UNCOMPRESSED)
    if compression not in _LOCAL_OPENERS:
        raise ValueError('%s: reading %s files needs apache-beam' % (path, compression))
    return _LOCAL_OPENERS[compression](_local(path), 'rb')


def open_read(path: str, compression: str = AUTO) -> BinaryIO:
    """A binary file object of the path's bytes, decompressed as ``compression`` says."""
    filesystems = _beam_filesystems()
    if filesystems is None:
        return _local_open(path, compression)
    return filesystems.open(path, compression_type=compression)


def join(base: str, *parts: str) -> str:
    """The parts under ``base``, with the separator of base's filesystem."""
    filesystems = _beam_filesystems()
    if filesystems is None:
        return os.path.join(_local(base), *parts)
    return filesystems.join(base, *parts)


def match(pattern: str) -> List[str]:
    """Paths of the files that the glob pattern matches."""
    filesystems = _beam_filesystems()
    if filesystems is None:
        return sorted(glob.glob(_local(pattern)))
    return [metadata.path for metadata in filesystems.match([pattern])[0].metadata_list]
