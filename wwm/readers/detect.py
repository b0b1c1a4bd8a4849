"""``--input_format auto``: the format of one file, from its name and its first bytes.

Content decides where it is distinctive (XML dump root, ``<doc id=`` lines, Sogou ``<doc>`` records,
the keys of the first JSON object, ``label<TAB>text`` lines); the extension decides between JSON lines
and plain text otherwise.
"""
import json
import re

from wwm.readers.decompress import SUFFIXES

_WHITESPACE = '\ufeff \t\r\n'
_LABELLED_LINE = re.compile(r'^[^\t\s]{1,20}\t\S')
_DUREADER_KEYS = {'question', 'documents'}
_WIKIEXTRACTOR_KEYS = {'id', 'url', 'title', 'text'}


def base_name(path: str) -> str:
    """The lower-cased path without its compression suffix."""
    path = path.lower()
    for suffix in SUFFIXES:
        if path.endswith(suffix):
            return path[:-len(suffix)]
    return path


def _json_format(head_text: str) -> str:
    first = head_text.lstrip(_WHITESPACE).split('\n', 1)[0]
    try:
        record = json.loads(first)
    except ValueError:  # one big JSON value, or a first line longer than the head
        record = None
    if isinstance(record, dict):
        keys = set(record)
        if _DUREADER_KEYS <= keys:
            return 'dureader'
        if _WIKIEXTRACTOR_KEYS <= keys:
            return 'wikiextractor'
        return 'squad' if 'data' in keys and 'version' in keys else 'jsonl'
    if record is None and '"question"' in head_text and '"documents"' in head_text:
        return 'dureader'
    if record is None and '"data"' in head_text and '"paragraphs"' in head_text:
        return 'squad'
    return 'jsonl'


def _is_labelled_lines(head_text: str) -> bool:
    lines = [line for line in head_text.split('\n')[:-1] if line.strip()][:20]
    return bool(lines) and all(_LABELLED_LINE.match(line) for line in lines)


def detect_format(path: str, head_text: str) -> str:
    """One of the reader formats for the file at ``path`` starting with ``head_text``."""
    base = base_name(path)
    start = head_text.lstrip(_WHITESPACE)
    if base.endswith('.xml') or re.match(r'(<\?xml[^>]*>\s*)?<mediawiki\b', start):
        return 'wiki_xml'
    if re.match(r'<doc\s+id=', start):
        return 'wikiextractor'
    if re.match(r'<docs?>', start):
        return 'sogou'
    if start.startswith('['):
        return 'squad' if '"qas"' in start else 'jsonl'
    if start.startswith('{'):
        return _json_format(head_text)
    if _is_labelled_lines(head_text):
        return 'thucnews'
    return 'jsonl' if base.endswith(('.jsonl', '.json')) else 'text'
