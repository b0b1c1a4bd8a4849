"""Blocks of lines between an opening and a closing marker line, for the line-oriented pseudo-XML
formats (WikiExtractor's ``<doc ...>`` files, Sogou's ``<doc>`` files) that an XML parser refuses.

A block is held until its closing line, at most ``source.max_line_bytes`` of it: a longer block, or
one with a line over the limit, is dropped as one ``record_too_long`` and skipped to its end.
"""
from typing import Callable, Iterator, List, NamedTuple, Union

from schemas.records import Dropped
from wwm.readers.input_file import Line


class Block(NamedTuple):
    """Block ``number`` (0-based, counting every block opened) starting at byte ``offset``."""
    number: int
    offset: int
    lines: List[str]


def blocks(source, opens: Callable[[str], bool], closes: Callable[[str], bool],
           unclosed_reason: str) -> Iterator[Union[Block, Dropped]]:
    """Blocks whose first line satisfies ``opens`` and that end at a line satisfying ``closes``.

    Lines outside blocks are ignored; a block cut short by the next opening line or the end of the
    file is dropped with ``unclosed_reason``.
    """
    current, number, too_long = None, 0, False
    for line in source.lines():
        if not isinstance(line, Line):
            if current is None:
                yield line  # a line too long to hold outside a block: it may have held a record
            else:
                too_long = True  # the block is lost as one record_too_long, not counted twice
                current.lines.clear()
            continue
        if opens(line.text):
            if current is not None:
                yield _unclosed(source, current, unclosed_reason)
            current, too_long = Block(number, line.offset, []), False
            number += 1
        elif current is None:
            continue
        too_long = too_long or line.offset - current.offset > source.max_line_bytes
        if too_long:
            current.lines.clear()
        else:
            current.lines.append(line.text)
        if closes(line.text):
            yield (source.dropped('record_too_long', current.number,
                                  'record of more than %d bytes' % source.max_line_bytes,
                                  current.offset) if too_long else current)
            current = None
    if current is not None:
        yield _unclosed(source, current, unclosed_reason)


def _unclosed(source, block: Block, reason: str) -> Dropped:
    return source.dropped(reason, block.number, '\n'.join(block.lines[:3]), block.offset)
