"""Which text encoding an input file uses, and decoding its lines.

``auto`` looks at a sample of the (decompressed) file:

* a byte order mark decides: UTF-8, UTF-16 (LE or BE) or UTF-32 (LE or BE);
* otherwise the sample is decoded as UTF-8 and as GB18030 (a superset of GBK and GB2312), counting
  the byte sequences that do not decode; the candidate with fewer wins, UTF-8 on a tie. One bad
  byte in a GB18030 file is one error as GB18030 but thousands as UTF-8 (nearly every Chinese
  character), while UTF-8 Chinese text read as GB18030 breaks wherever a run of 3-byte characters
  meets ASCII at an odd byte count, so the count separates them where "the first that decodes the
  whole sample" fell back to UTF-8 and lost the file.
* a sample of only ASCII bytes decides nothing: the caller reads on (bounded) to the first
  non-ASCII byte and samples from there.

While reading, a line that does not decode in the file's encoding but decodes strictly in the other
candidate is decoded so (a UTF-8 file with a few GBK lines pasted in, or the other way round); only
lines that decode in neither keep U+FFFD replacements and are counted.

UTF-16 and UTF-32 files are handed to the readers re-encoded as UTF-8 (``Utf8Stream``), so every
reader splits and parses one encoding; their offsets then count bytes of the UTF-8 form.
"""
import codecs
from typing import Optional

# --input_encoding values (``utf-32`` is only detected, by its byte order mark).
ENCODINGS = ('auto', 'utf-8', 'gb18030', 'utf-16')
UTF8_BOM = codecs.BOM_UTF8
# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
BOMS = ((codecs.BOM_UTF32_LE, 'utf-32'), (codecs.BOM_UTF32_BE, 'utf-32'),
        (UTF8_BOM, 'utf-8'), (codecs.BOM_UTF16_LE, 'utf-16'), (codecs.BOM_UTF16_BE, 'utf-16'))
# Read as UTF-8 after re-encoding (see Utf8Stream).
WIDE_ENCODINGS = ('utf-16', 'utf-32')
# The two byte-oriented candidates of ``auto``, each the other's per-line fallback.
CANDIDATES = ('utf-8', 'gb18030')
TRANSCODE_BYTES = 1 << 20


def bom_encoding(head: bytes) -> Optional[str]:
    """The encoding a byte order mark at the start of ``head`` names, else None."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding
    return None


def _errors(head: bytes, encoding: str, complete: bool) -> int:
    """How many undecodable byte sequences ``head`` has in ``encoding`` (a multi-byte character cut
    at its end is not one unless ``complete``)."""
    text = codecs.getincrementaldecoder(encoding)(errors='replace').decode(head, final=complete)
    return text.count('\ufffd') - head.count('\ufffd'.encode(encoding))


def detect_encoding(head: bytes, complete: bool) -> str:
    """The encoding of a file whose sample is ``head`` (``complete``: head is the whole file)."""
    marked = bom_encoding(head)
    if marked:
        return marked
    utf8_errors = _errors(head, 'utf-8', complete)
    if utf8_errors and _errors(head, 'gb18030', complete) < utf8_errors:
        return 'gb18030'
    return 'utf-8'


def fallback_encoding(encoding: str) -> Optional[str]:
    """The other ``auto`` candidate, tried on a line that does not decode in ``encoding``."""
    if encoding not in CANDIDATES:
        return None
    return CANDIDATES[1 - CANDIDATES.index(encoding)]


def normalize_encoding(name: str) -> str:
    """Accepted spellings (``utf8``, ``GBK``, ``gb2312``, ``UTF16``...) -> one of ENCODINGS, else
    ValueError."""
    key = name.lower().replace('_', '-')
    aliases = {'utf8': 'utf-8', 'utf-8-sig': 'utf-8', 'gbk': 'gb18030', 'gb2312': 'gb18030',
               'cp936': 'gb18030', 'utf16': 'utf-16'}
    key = aliases.get(key, key)
    if key not in ENCODINGS:
        raise ValueError('unknown encoding %r (choose from %s, or gbk)' % (name, ', '.join(ENCODINGS)))
    return key


def decode_line(data: bytes, encoding: str, first: bool, fallback: Optional[str] = None):
    """(text without BOM and CR, whether some bytes were undecodable and replaced)."""
    if first and data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    if data.endswith(b'\r'):
        data = data[:-1]
    try:
        return data.decode(encoding), False
    except UnicodeDecodeError:
        if fallback:
            try:
                return data.decode(fallback), False
            except UnicodeDecodeError:
                pass
        return data.decode(encoding, errors='replace'), True


class Utf8Stream:
    """A binary stream's text in ``encoding``, handed on as UTF-8 bytes without a byte order mark
    (undecodable bytes become U+FFFD). ``position`` counts the bytes read from ``stream``.

    UTF-16 or UTF-32 without a byte order mark is read as little-endian (Python's decoders refuse
    such a stream, even with ``errors='replace'``)."""

    def __init__(self, stream, encoding: str):
        self._stream = stream
        self._encoding = encoding
        self._decoder = None  # made on the first bytes, which may hold a byte order mark
        self._first = True
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        """About ``size`` bytes (UTF-8 may make more than the source held); ``b''`` at the end.
        ``read(0)`` reads nothing (ijson calls it to learn whether the stream gives bytes)."""
        while size:
            data = self._stream.read(TRANSCODE_BYTES if size < 0 else max(size, 4))
            self.position += len(data)
            if self._decoder is None:
                encoding = self._encoding
                if encoding in WIDE_ENCODINGS and bom_encoding(data) != encoding:
                    encoding += '-le'
                self._decoder = codecs.getincrementaldecoder(encoding)(errors='replace')
            text = self._decoder.decode(data, final=not data)
            if self._first and text:
                text, self._first = text[1:] if text[0] == '\ufeff' else text, False
            if text or not data:
                return text.encode('utf-8')
        return b''
