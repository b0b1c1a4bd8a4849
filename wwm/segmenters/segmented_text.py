"""Word-segmented text as the SIGHAN bakeoffs ship it: one sentence a line, words separated by
spaces. Their files mix CRLF line ends, a UTF-8 BOM (CityU) and two-space separators (PKU)."""
from typing import List

from wwm import filesystems


def parse_segmented(data: bytes) -> List[List[str]]:
    """Words of each non-blank line; any run of whitespace separates words."""
    text = data.decode('utf-8-sig')
    return [words for words in (line.split() for line in text.split('\n')) if words]


def read_segmented(path: str) -> List[List[str]]:
    """``parse_segmented`` of a local or remote (any Beam filesystem) file."""
    with filesystems.open_read(path, filesystems.UNCOMPRESSED) as handle:
        return parse_segmented(handle.read())


def format_segmented(sentences: List[List[str]]) -> str:
    """The plain layout (single spaces, LF) that LTP's trainer reads."""
    return ''.join(' '.join(words) + '\n' for words in sentences)
