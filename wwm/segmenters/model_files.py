"""Segmenter models on any Beam filesystem (gs://, s3://, ...), copied to the worker's disk,
since LTP and jieba load only local files."""
import os
import shutil
import tempfile
from typing import Optional, Tuple

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems


def _copy(source: str, target: str) -> None:
    with FileSystems.open(source, compression_type=CompressionTypes.UNCOMPRESSED) as reader, \
            open(target, 'wb') as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)


def stage_locally(path: str) -> Tuple[str, Optional[str]]:
    """(local path of the model, temporary folder to remove when done, or None).

    A local path is used in place. A remote folder (a neural LTP model) is copied file by file;
    anything else is copied as one file.
    """
    if FileSystems.get_scheme(path) is None:
        return path, None
    folder = tempfile.mkdtemp(prefix='segmenter-model-')
    path = path.rstrip('/')
    files = FileSystems.match([path + '/*'])[0].metadata_list
    if files:
        local = os.path.join(folder, 'model')
        os.mkdir(local)
        for metadata in files:
            _copy(metadata.path, os.path.join(local, metadata.path.rstrip('/').rsplit('/', 1)[-1]))
    else:
        local = os.path.join(folder, path.rsplit('/', 1)[-1])
        _copy(path, local)
    return local, folder
