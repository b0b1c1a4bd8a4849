"""Which text encoding an input file uses, and decoding its lines.

``auto`` looks at the first bytes of the (decompressed) file: a UTF-8 byte order mark means UTF-8;
otherwise the sample is decoded strictly as UTF-8, then as GB18030 (a superset of GBK and GB2312),
and the first that decodes without error wins. UTF-8 goes first because text in GB18030 almost never
forms valid UTF-8, while ASCII (and some UTF-8) is also valid GB18030. When neither decodes, UTF-8
with replacement characters is used and every damaged line is counted.
"""
import codecs

ENCODINGS = ('auto', 'utf-8', 'gb18030')
UTF8_BOM = b'\xef\xbb\xbf'


def detect_encoding(head: bytes, complete: bool) -> str:
    """The encoding of a file that starts with ``head`` (``complete``: head is the whole file)."""
    if head.startswith(UTF8_BOM):
        return 'utf-8'
    for encoding in ('utf-8', 'gb18030'):
        try:
            # An incremental decoder accepts a multi-byte character cut at the end of the sample.
            codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
            return encoding
        except UnicodeDecodeError:
            continue
    return 'utf-8'


def normalize_encoding(name: str) -> str:
    """Accepted spellings (``utf8``, ``GBK``, ``gb2312``...) -> one of ENCODINGS, else ValueError."""
    key = name.lower().replace('_', '-')
    aliases = {'utf8': 'utf-8', 'utf-8-sig': 'utf-8', 'gbk': 'gb18030', 'gb2312': 'gb18030',
               'cp936': 'gb18030'}
    key = aliases.get(key, key)
    if key not in ENCODINGS:
        raise ValueError('unknown encoding %r (choose from %s, or gbk)' % (name, ', '.join(ENCODINGS)))
    return key


def decode_line(data: bytes, encoding: str, first: bool):
    """(text without BOM and CR, whether some bytes were undecodable and replaced)."""
    if first and data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    if data.endswith(b'\r'):
        data = data[:-1]
    try:
        return data.decode(encoding), False
    except UnicodeDecodeError:
        return data.decode(encoding, errors='replace'), True
