"""Sentence splitting for Chinese and mixed Chinese/English text.

A sentence ends after 。！？；!?; or an ellipsis (… ……), together with any closing quotes or
brackets that follow, and at every newline. ASCII "." is not a boundary: it is too often a decimal
point, an abbreviation or part of a URL in Chinese text.
"""
import re

_END = '。！？；!?;…'
_CLOSERS = '”’」』》）)】〕"\''
_SENTENCE = re.compile('[^\n%s]*(?:[%s]+[%s]*|$)' % (_END, _END, _CLOSERS), re.M)


def split_sentences(text: str) -> list:
    """Split a cleaned document into sentences, dropping whitespace-only pieces."""
    sentences = []
    for line in text.split('\n'):
        for match in _SENTENCE.finditer(line):
            piece = match.group().strip()
            if piece:
                sentences.append(piece)
    return sentences
