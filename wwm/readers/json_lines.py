"""JSON lines: one JSON object a line, the text under ``--text_field``.

The field may be a dotted path into nested objects (``content.body``); a list of strings is joined
with line breaks. Document ``N`` is the object on line ``N`` (0-based), so ids follow the file.
"""
import json
from typing import NamedTuple

from wwm.readers.input_file import Line


class JsonLine(NamedTuple):
    line: Line
    record: dict


def parse_objects(source):
    """A JsonLine for each non-blank line holding an object; Dropped records for the others."""
    for line in source.lines():
        if not isinstance(line, Line):
            yield line
        elif line.text.strip():
            try:
                record = json.loads(line.text)
            except ValueError as error:
                yield source.dropped('malformed_json', line.number, '%s: %s' % (error, line.text),
                                     line.offset)
                continue
            if isinstance(record, dict):
                yield JsonLine(line, record)
            else:
                yield source.dropped('malformed_json', line.number, 'not an object: ' + line.text,
                                     line.offset)


def field_text(record: dict, path: str):
    """The string at the dotted ``path`` (lists of strings joined by newlines), or None."""
    value = record
    for key in path.split('.'):
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return '\n'.join(value)
    return value if isinstance(value, str) else None


def read_objects(source, text_of):
    """Documents from the objects of a JSON lines file; ``text_of(record)`` gives the text or None."""
    for item in parse_objects(source):
        if not isinstance(item, JsonLine):
            yield item
            continue
        text = text_of(item.record)
        if text is None:
            yield source.dropped('no_text_field', item.line.number, item.line.text, item.line.offset)
        else:
            yield source.document(item.line.number, text)


def read(source):
    return read_objects(source, lambda record: field_text(record, source.text_field))
