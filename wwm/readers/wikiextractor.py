"""WikiExtractor output, in either of its two layouts, told apart by the first non-blank character:

* text: ``<doc id=".." url=".." title="..">``, the title line, the article, ``</doc>``;
* JSON lines (``--json``): ``{"id", "url", "title", "text"}`` a line (or such objects in a JSON
  array).

The text is kept as WikiExtractor wrote it, title line first, less the tags it lets through
(``<br>`` becomes a line break; ``<nowiki>``... are removed, their content kept). Language-converter
markup (``-{zh-cn:..;zh-tw:..}-``) is left for the cleaning stage to resolve.
"""
import re

from wwm.readers import json_lines
from wwm.readers.tagged_blocks import Block, blocks
from wwm.readers.wikitext import strip_tags

_DOC_OPEN = re.compile(r'<doc\b[^>]*>\s*$')


def is_json_layout(head_text: str) -> bool:
    return head_text.lstrip('\ufeff \t\r\n').startswith(('{', '['))


def _json_text(record):
    text = json_lines.field_text(record, 'text')
    return None if text is None else strip_tags(text)


def _read_doc_layout(source):
    for block in blocks(source, lambda text: _DOC_OPEN.match(text.strip()) is not None,
                        lambda text: text.strip() == '</doc>', 'unclosed_doc'):
        if isinstance(block, Block):
            yield from source.documents(block.number,
                                        strip_tags('\n'.join(block.lines[1:-1])).strip('\n'))
        else:
            yield block


def read(source):
    if is_json_layout(source.head_text):
        return json_lines.read_objects(source, _json_text)
    return _read_doc_layout(source)
