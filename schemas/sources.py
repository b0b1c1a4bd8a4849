"""How each input file is read: the records that carry --input_format/--input_encoding/... or one
entry of a ``--sources`` file (parsed by wwm/readers/sources_file.py) from option validation to the reading
stage."""
from typing import NamedTuple

DEFAULT_MAX_LINE_BYTES = 8 << 20
# --max_document_chars: longer documents are cut into pieces (wwm/readers/pieces.py).
DEFAULT_MAX_DOCUMENT_CHARS = 1_000_000
MIN_MAX_DOCUMENT_CHARS = 1000
# --input_format values: auto, then one per reader in wwm/readers/.
FORMATS = ('auto', 'text', 'jsonl', 'wiki_xml', 'wikiextractor', 'thucnews', 'sogou', 'squad',
           'dureader')


class ReadSpec(NamedTuple):
    """Format and encoding (``auto`` = detected per file), the JSON field holding the text, the
    largest line or record a reader holds in memory, and the longest document (longer ones are cut
    into pieces)."""
    format: str = 'auto'
    encoding: str = 'auto'
    text_field: str = 'text'
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_document_chars: int = DEFAULT_MAX_DOCUMENT_CHARS


class SourceEntry(NamedTuple):
    """One input of the job: a file or glob, how its files are read and their up-sampling weight
    (an entry of a ``--sources`` file, or ``--input`` with weight 1)."""
    pattern: str
    spec: ReadSpec
    weight: float


class InputFile(NamedTuple):
    """A matched input file. ``name`` is its path below the inputs' common folder (used in document
    ids, so ids do not depend on where the corpus lies); ``weight`` is its up-sampling weight;
    ``size`` its bytes as stored (compressed or not), which sizes the shard sort's pieces."""
    path: str
    name: str
    spec: ReadSpec = ReadSpec()
    weight: float = 1.0
    size: int = 0
