"""``--input_format auto``: the format of one file, from its name and its first bytes.

Content decides where it is distinctive (XML dump root, ``<doc id=`` lines, Sogou ``<doc>`` records
inside any wrapper, the keys of the first JSON object of a line or an array, ``label<TAB>text``
lines); the extension decides between JSON lines and plain text otherwise.
"""
import json
import re

from wwm.readers.decompress import SUFFIXES
from wwm.readers.json_lines import too_deep

_WHITESPACE = '\ufeff \t\r\n'
_LABELLED_LINE = re.compile(r'^[^\t\s]{1,20}\t\S')
_DUREADER_KEYS = {'question', 'documents'}
_WIKIEXTRACTOR_KEYS = {'id', 'url', 'title', 'text'}
# A Sogou record (``<doc>`` then one of its fields), after any wrapper (``<docs>``, ``<doclist>``,
# an XML declaration...): the layout decides, whatever wrapper a release adds.
_SOGOU_RECORD = re.compile(r'(?:<[^<>]{1,200}>\s*){0,20}?<doc>\s*<(?:url|docno|contenttitle|content)>')


def base_name(path: str) -> str:
    """The lower-cased path without its compression suffix."""
    path = path.lower()
    for suffix in SUFFIXES:
        if path.endswith(suffix):
            return path[:-len(suffix)]
    return path


def _keys_format(record: dict, in_array: bool) -> str:
    """The format of a file whose first object is ``record`` (an element of a top-level array
    when ``in_array``: CMRC 2018's original layout is a list of paragraphs with ``qas``)."""
    keys = set(record)
    if _DUREADER_KEYS <= keys:
        return 'dureader'
    if _WIKIEXTRACTOR_KEYS <= keys:
        return 'wikiextractor'
    if ('qas' in keys) if in_array else ('data' in keys and 'version' in keys):
        return 'squad'
    return 'jsonl'


def _first_value(text: str):
    """The first JSON value in ``text`` (which may go on past it), or None when it does not parse
    (cut by the end of the head, malformed, or nested too deep to parse safely)."""
    if too_deep(text):
        return None
    try:
        return json.JSONDecoder().raw_decode(text)[0]
    except (ValueError, RecursionError):  # see json_lines._line_objects
        return None


def _json_format(start: str) -> str:
    """The format of a file whose head ``start`` opens a JSON value: by the keys of the first
    object (of the first line, or of the array), else by keys seen in the head."""
    if start.startswith('['):
        record = _first_value(start[1:].lstrip(_WHITESPACE))
    else:
        record = _first_value(start.split('\n', 1)[0])
        if record is None and '"data"' in start and '"paragraphs"' in start:
            return 'squad'  # one big SQuAD value, longer than the head
    if isinstance(record, dict):
        return _keys_format(record, start.startswith('['))
    if record is None and '"question"' in start and '"documents"' in start:
        return 'dureader'
    if record is None and '"qas"' in start:
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
    if _SOGOU_RECORD.match(start):
        return 'sogou'
    if start.startswith(('[', '{')):
        return _json_format(start)
    if _is_labelled_lines(head_text):
        return 'thucnews'
    return 'jsonl' if base.endswith(('.jsonl', '.json')) else 'text'
