"""The values at one path of a whole-file JSON document (SQuAD layout, a JSON array of records),
streamed with bounded nesting and bounded record size.

``ijson.items`` builds each value at a prefix, but it names every event by its full prefix string:
a file nested ``d`` deep makes prefixes of length ``O(d)`` at every level, so memory grows with
``d²`` (200 KB nested 100,000 deep reached 24 GB). Here the events come from
``ijson.basic_parse`` (no prefixes) and the path is a list of keys, so reading is linear; nesting
deeper than ``MAX_JSON_DEPTH`` ends the file (the values before it are kept), and a value whose
strings pass ``max_chars`` is skipped to its end without being held.
"""
from typing import Iterator, NamedTuple, Optional, Sequence, Union

import ijson

from schemas.records import Dropped

MAX_JSON_DEPTH = 100
BUFFER_BYTES = 64 << 10
ITEM = None  # a path component that matches every element of an array
_STARTS = {'start_map', 'start_array'}
_ENDS = {'end_map', 'end_array'}


class JsonProblem(NamedTuple):
    """``reason`` (``malformed_json``: the file ends here; ``record_too_long``: the value in its
    place was skipped) and what was found."""
    reason: str
    detail: str


class JsonValue(NamedTuple):
    """Value ``number`` at the path, read up to (about) byte ``offset`` of the file."""
    number: int
    offset: int
    value: object


def file_values(source, path: Sequence[Optional[str]]) -> Iterator[Union[JsonValue, Dropped]]:
    """The values at ``path`` of the JSON file ``source`` (an InputFile), as JsonValues, or as
    Dropped records where they are too long or where the file stops being JSON."""
    stream = source.utf8_stream()
    for number, value in enumerate(json_values(stream, path, source.max_line_bytes)):
        if not isinstance(value, JsonProblem):
            yield JsonValue(number, stream.position, value)
        elif value.reason == 'malformed_json':
            yield source.dropped('malformed_json', '@%d' % stream.position, value.detail,
                                 stream.position)
        else:
            yield source.dropped(value.reason, number, value.detail, stream.position)


def json_values(stream, path: Sequence[Optional[str]], max_chars: int) -> Iterator[object]:
    """Each value at ``path`` (keys, ``ITEM`` for array elements) in the UTF-8 JSON of ``stream``,
    in order, or a JsonProblem in its place; a ``malformed_json`` problem is the last item."""
    path = list(path)
    keys = []  # per open container above the values at the path: its current key, or ITEM
    events = ijson.basic_parse(stream, buf_size=BUFFER_BYTES, use_float=True)
    try:
        for event, value in events:
            if event == 'map_key':
                keys[-1] = value
            elif event in _ENDS:
                keys.pop()
            elif keys == path:  # a value starts at the path
                if event in _STARTS:
                    value = _container(event, events, len(keys) + 1, max_chars)
                yield value
                if isinstance(value, JsonProblem) and value.reason == 'malformed_json':
                    return
            elif event in _STARTS:
                keys.append(ITEM if event == 'start_array' else '')
                if len(keys) > MAX_JSON_DEPTH:
                    yield JsonProblem('malformed_json', 'nested deeper than %d' % MAX_JSON_DEPTH)
                    return
    except ijson.JSONError as error:
        yield JsonProblem('malformed_json', _first_line(error))


def _first_line(error: Exception) -> str:
    """The first line of a parser's message (yajl gives some as bytes, with a context picture)."""
    message = error.args[0] if error.args else str(error)
    if isinstance(message, bytes):
        message = message.decode('utf-8', errors='replace')
    return str(message).split('\n', 1)[0]


def _container(event: str, events, depth: int, max_chars: int):
    """The map or array that ``event`` opened at ``depth``, built from ``events`` up to its end;
    a JsonProblem when it nests too deep (the file ends) or its strings pass ``max_chars`` (it is
    skipped to its end and nothing of it is kept)."""
    root = {} if event == 'start_map' else []
    stack = [root]
    key = None  # in a map, every value comes right after its key
    size = 0
    for event, value in events:
        if event == 'map_key':
            key = value
            size += len(value)
            continue
        if event in _ENDS:
            stack.pop()
            if not stack:
                return root if size <= max_chars else JsonProblem(
                    'record_too_long', 'value of more than %d characters' % max_chars)
            continue
        if event in _STARTS:
            if depth + len(stack) > MAX_JSON_DEPTH:
                return JsonProblem('malformed_json', 'nested deeper than %d' % MAX_JSON_DEPTH)
            item = {} if event == 'start_map' else []
        else:
            item = value
            size += len(value) if event == 'string' else 1
        if size > max_chars:  # keep nothing more, only follow the nesting to the end
            root, stack[:] = None, [None] * len(stack)
        else:
            parent = stack[-1]
            if type(parent) is list:
                parent.append(item)
            else:
                parent[key] = item
        if event in _STARTS:
            stack.append(item)
    raise ijson.IncompleteJSONError('the input ends inside a value')
