"""Word segmenters behind one interface: ``segment(sentences) -> list of word lists``.

Each backend is created once per worker (it loads a dictionary or a model) by ``make_segmenter``.
"""
import logging

SEGMENTERS = ('jieba',)


class JiebaSegmenter:
    """jieba's precise mode, with its own tokenizer instance (no global state shared)."""

    def __init__(self, hmm: bool = True):
        import jieba
        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self._hmm = hmm

    def segment(self, sentences):
        return [self._tokenizer.lcut(sentence, HMM=self._hmm) for sentence in sentences]


def make_segmenter(name: str):
    if name == 'jieba':
        return JiebaSegmenter()
    raise ValueError('unknown segmenter %r (choose from %s)' % (name, ', '.join(SEGMENTERS)))
