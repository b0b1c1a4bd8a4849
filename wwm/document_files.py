"""Documents from one input file: plain text or JSON lines, streamed line by line.

Plain text: one sentence or paragraph a line, a blank line between documents. JSON lines
(``.jsonl``/``.json``, optionally compressed): one document a line, ``{"text": ..., "id": ...}``.
UTF-8 with or without BOM, CRLF or LF; Beam's FileSystems picks the decompressor from the extension.
Bytes that are not UTF-8 are replaced (U+FFFD) and reported through ``on_bad_bytes``.
"""
import json
from typing import Callable, Iterator, Union

from apache_beam.io.filesystems import FileSystems

from schemas.records import Document, Dropped

JSON_SUFFIXES = ('.jsonl', '.json')
COMPRESSION_SUFFIXES = ('.gz', '.bz2', '.zst', '.deflate')
SAMPLE_CHARS = 200


def is_json_lines(path: str) -> bool:
    for suffix in COMPRESSION_SUFFIXES:
        if path.endswith(suffix):
            path = path[:-len(suffix)]
    return path.endswith(JSON_SUFFIXES)


def _lines(handle, on_bad_bytes: Callable[[], None]) -> Iterator[str]:
    for number, raw in enumerate(iter(handle.readline, b"")):
        try:
            line = raw.decode('utf-8')
        except UnicodeDecodeError:
            on_bad_bytes()
            line = raw.decode('utf-8', errors='replace')
        if number == 0 and line.startswith('\ufeff'):
            line = line[1:]
        yield line.rstrip('\r\n')


def _plain_text(lines, name: str) -> Iterator[Document]:
    paragraphs = []
    count = 0
    for line in lines:
        if line.strip():
            paragraphs.append(line)
        elif paragraphs:
            yield Document('%s:%d' % (name, count), name, '\n'.join(paragraphs))
            count += 1
            paragraphs = []
    if paragraphs:
        yield Document('%s:%d' % (name, count), name, '\n'.join(paragraphs))


def _json_lines(lines, name: str) -> Iterator[Union[Document, Dropped]]:
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        doc_id = '%s:%d' % (name, number)
        try:
            record = json.loads(line)
        except ValueError:
            yield Dropped('malformed_json', doc_id, name, line[:SAMPLE_CHARS])
            continue
        text = record.get('text') if isinstance(record, dict) else None
        if isinstance(text, str):
            yield Document(doc_id, name, text)
        else:
            yield Dropped('no_text_field', doc_id, name, line[:SAMPLE_CHARS])


def read_documents(path: str, name: str,
                   on_bad_bytes: Callable[[], None] = lambda: None) -> Iterator[Union[Document, Dropped]]:
    """Documents (and Dropped records for unreadable ones) of the file at ``path``.

    ``name`` identifies the file in document ids (``<name>:<n>``), so ids do not depend on where
    the corpus lies.
    """
    with FileSystems.open(path) as handle:
        lines = _lines(handle, on_bad_bytes)
        if is_json_lines(path):
            yield from _json_lines(lines, name)
        else:
            yield from _plain_text(lines, name)
