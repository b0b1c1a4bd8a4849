"""Basic cleaning of raw text: invisible characters, control characters, whitespace runs.

Full-width punctuation and letters are kept as they are ("do not over-normalize"); only characters
that carry no text, or that break line-based tools downstream (U+2028/U+2029, see transformers
#14706), are changed.
"""
import re
import unicodedata

# Line and paragraph separators and other vertical breaks become plain newlines.
_LINE_BREAKS = re.compile('\r\n|[\r\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85]')
# Zero-width and other invisible format characters that carry no text.
_INVISIBLE = re.compile('[\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff'
                        '\u202a-\u202e\u2066-\u2069\u00ad\u180e]')
# Horizontal spaces of every kind (NBSP, ideographic space, thin spaces, tabs) collapse to one space.
_SPACES = re.compile('[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+')
_BLANK_LINES = re.compile(' *\n[ \n]*')


def _is_control(char: str) -> bool:
    return char != '\n' and unicodedata.category(char) in ('Cc', 'Cs')


def clean_text(text: str) -> str:
    """Return ``text`` with invisible and control characters removed and whitespace normalized.

    Lines are kept (a newline is a sentence boundary downstream); empty lines are dropped.
    """
    text = _LINE_BREAKS.sub('\n', text)
    text = _INVISIBLE.sub('', text)
    if any(_is_control(c) for c in text):
        text = ''.join(c for c in text if not _is_control(c))
    text = _SPACES.sub(' ', text)
    text = _BLANK_LINES.sub('\n', text)
    return text.strip(' \n')
