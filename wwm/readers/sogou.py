"""SogouCS/SogouCA news: ``<doc><url/><docno/><contenttitle/><content/></doc>`` records.

The files are not well-formed XML (raw ``&``, a ``<docs>`` or ``<doclist>`` root added by some
releases) and are usually GB18030, so records are cut out line by line and their fields found as
text. A record opens at a line starting with ``<doc>`` and closes at a line ending with
``</doc>``; wrapper tags before or after on the same line are allowed (``<doclist><doc>``,
``</doc></doclist>``). A document is the title line, then the content; a record whose content is
empty is dropped as ``empty_content`` (SogouCS has many: pages whose body was not crawled).
"""
import re

from wwm.readers.tagged_blocks import Block, blocks

# Up to three wrapper tags around a record's tags; the close is looked for in a line's last
# characters only, so a long line costs nothing.
_OPENS = re.compile(r'\s*(?:<(?!doc>)[A-Za-z][^<>]{0,40}>\s*){0,3}<doc>')
_CLOSES = re.compile(r'</doc>\s*(?:</[A-Za-z][^<>]{0,40}>\s*){0,3}$')
CLOSE_TAIL_CHARS = 200


def _opens(text: str) -> bool:
    return _OPENS.match(text) is not None


def _closes(text: str) -> bool:
    return _CLOSES.search(text, max(0, len(text) - CLOSE_TAIL_CHARS)) is not None


def _field(record: str, name: str) -> str:
    """The text of the record's first ``<name>`` element ('' when absent or unclosed); found with
    ``str.find``, linear where a ``<(tag)>(.*?)</tag>`` pattern is quadratic on unclosed tags."""
    start = record.find('<%s>' % name)
    if start < 0:
        return ''
    start += len(name) + 2
    end = record.find('</%s>' % name, start)
    return record[start:end] if end >= 0 else ''


def read(source):
    for block in blocks(source, _opens, _closes, 'unclosed_doc'):
        if not isinstance(block, Block):
            yield block
            continue
        record = '\n'.join(block.lines)
        content = _field(record, 'content').strip()
        if not content:
            yield source.dropped('empty_content', block.number, record, block.offset)
            continue
        title = _field(record, 'contenttitle').strip()
        yield from source.documents(block.number, title + '\n' + content if title else content)
