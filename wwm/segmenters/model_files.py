"""Segmenter models on any Beam filesystem (gs://, s3://, ...), copied to the worker's disk,
since LTP and jieba load only local files."""
import os
import shutil
import tempfile
from typing import Optional, Tuple

from wwm import filesystems


def _copy(source: str, target: str) -> None:
    with filesystems.open_read(source, filesystems.UNCOMPRESSED) as reader, \
            open(target, 'wb') as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)


def stage_locally(path: str) -> Tuple[str, Optional[str]]:
    """(local path of the model, temporary folder to remove when done, or None).

    A local path is used in place. A remote folder (a neural LTP model) is copied file by file;
    anything else is copied as one file.
    """
    if not filesystems.is_remote(path):
        return path, None
    folder = tempfile.mkdtemp(prefix='segmenter-model-')
    path = path.rstrip('/')
    files = filesystems.match(path + '/*')
    if files:
        local = os.path.join(folder, 'model')
        os.mkdir(local)
        for file_path in files:
            _copy(file_path, os.path.join(local, file_path.rstrip('/').rsplit('/', 1)[-1]))
    else:
        local = os.path.join(folder, path.rsplit('/', 1)[-1])
        _copy(path, local)
    return local, folder
