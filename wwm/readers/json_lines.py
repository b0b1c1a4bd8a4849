"""JSON lines: one JSON object a line, the text under ``--text_field``; or a JSON array of such
objects (``[{"text": ...}, ...]``, any layout and size), streamed element by element.

The field may be a dotted path into nested objects (``content.body``); a list of strings is joined
with line breaks. Document ``N`` is the object on line ``N`` (0-based), or element ``N`` of the
array, so ids follow the file. JSON nested deeper than ``MAX_JSON_DEPTH`` is ``malformed_json``:
``json.loads`` recurses per level and a line nested 1,500 deep raised RecursionError, which ended
the job; the depth is checked first, linearly.
"""
import json
import re
from itertools import accumulate
from typing import NamedTuple, Optional

from wwm.readers.input_file import Line
from wwm.readers.json_values import ITEM, MAX_JSON_DEPTH, JsonValue, file_values

_NOT_BRACKET = re.compile(r'[^\[\]{}]+')
_NESTING = {'[': 1, '{': 1, ']': -1, '}': -1}


class JsonRecord(NamedTuple):
    """Object number ``number`` of the file, starting at (about) byte ``offset``; ``line`` is its
    line's text in a JSON lines file (None in an array)."""
    number: int
    offset: int
    record: dict
    line: Optional[str]

    def sample(self) -> str:
        return self.line if self.line is not None else json.dumps(self.record, ensure_ascii=False)


def too_deep(text: str) -> bool:
    """Whether the JSON ``text`` nests deeper than MAX_JSON_DEPTH. Brackets inside strings do not
    count: escape pairs go first (a JSON string holds no other backslash), then every other piece
    between quotes is outside the strings. All of it runs in C: linear and cheap."""
    if text.count('[') + text.count('{') <= MAX_JSON_DEPTH:
        return False
    if '\\' in text:
        text = text.replace('\\\\', '').replace('\\"', '')
    brackets = _NOT_BRACKET.sub('', ''.join(text.split('"')[0::2]))
    return max(accumulate(map(_NESTING.__getitem__, brackets)), default=0) > MAX_JSON_DEPTH


def is_array_layout(head_text: str) -> bool:
    return head_text.lstrip('\ufeff \t\r\n').startswith('[')


def _line_objects(source):
    for line in source.lines():
        if not isinstance(line, Line):
            yield line
        elif line.text.strip():
            if too_deep(line.text):
                yield source.dropped('malformed_json', line.number,
                                     'nested deeper than %d: %s' % (MAX_JSON_DEPTH, line.text),
                                     line.offset)
                continue
            try:
                record = json.loads(line.text)
            except (ValueError, RecursionError) as error:  # RecursionError: invalid JSON whose
                # stray backslashes or quotes hid its nesting from too_deep
                yield source.dropped('malformed_json', line.number, '%s: %s' % (error, line.text),
                                     line.offset)
                continue
            if isinstance(record, dict):
                yield JsonRecord(line.number, line.offset, record, line.text)
            else:
                yield source.dropped('malformed_json', line.number, 'not an object: ' + line.text,
                                     line.offset)


def _array_objects(source):
    for item in file_values(source, [ITEM]):
        if not isinstance(item, JsonValue):
            yield item
        elif isinstance(item.value, dict):
            yield JsonRecord(item.number, item.offset, item.value, None)
        else:
            yield source.dropped('malformed_json', item.number, 'not an object: %r' % (item.value,),
                                 item.offset)


def parse_objects(source):
    """A JsonRecord for each object (a non-blank line, or an element of an array file); Dropped
    records for the others."""
    return _array_objects(source) if is_array_layout(source.head_text) else _line_objects(source)


def field_text(record: dict, path: str):
    """The string at the dotted ``path`` (lists of strings joined by newlines), or None."""
    value = record
    for key in path.split('.'):
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return '\n'.join(value)
    return value if isinstance(value, str) else None


def read_objects(source, text_of):
    """Documents from the objects of a JSON lines or array file; ``text_of(record)`` gives the
    text or None."""
    for item in parse_objects(source):
        if not isinstance(item, JsonRecord):
            yield item
            continue
        text = text_of(item.record)
        if text is None:
            yield source.dropped('no_text_field', item.number, item.sample(), item.offset)
        else:
            yield from source.documents(item.number, text)


def read(source):
    return read_objects(source, lambda record: field_text(record, source.text_field))
