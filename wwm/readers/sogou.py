"""SogouCS/SogouCA news: ``<doc><url/><docno/><contenttitle/><content/></doc>`` records.

The files are not well-formed XML (raw ``&``, a ``<docs>`` root added by some packagers) and are
usually GB18030, so records are cut out line by line and their fields taken with regular
expressions. A document is the title line, then the content; a record whose content is empty is
dropped as ``empty_content`` (SogouCS has many: pages whose body was not crawled).
"""
import re

from wwm.readers.tagged_blocks import Block, blocks

_FIELD = re.compile(r'<(contenttitle|content)>(.*?)</\1>', re.DOTALL)


def read(source):
    for block in blocks(source, lambda text: text.strip().startswith('<doc>'),
                        lambda text: text.strip().endswith('</doc>'), 'unclosed_doc'):
        if not isinstance(block, Block):
            yield block
            continue
        record = '\n'.join(block.lines)
        fields = dict(_FIELD.findall(record))
        content = fields.get('content', '').strip()
        if not content:
            yield source.dropped('empty_content', block.number, record, block.offset)
            continue
        title = fields.get('contenttitle', '').strip()
        yield source.document(block.number, title + '\n' + content if title else content)
