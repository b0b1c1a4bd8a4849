"""Word segmenters behind one interface: ``segment(sentences) -> list of word lists``.

Backends (one module each): jieba, ltp (LTP 4.2 neural) and ltp_legacy (LTP's perceptron).
``make_segmenter`` loads one, once per worker, and wraps it so that sentences of any length work
(long_text) and the words of a user dictionary are never split (protected_words).
"""
import shutil
from typing import List, Optional, Sequence

from wwm.segmenters.long_text import split_long_text
from wwm.segmenters.model_files import stage_locally
from wwm.segmenters.protected_words import ProtectedWords, parse_user_dict, read_user_dict

SEGMENTERS = ('jieba', 'ltp', 'ltp_legacy')
DEFAULT_SEGMENTER = 'jieba'
MODEL_SEGMENTERS = ('ltp', 'ltp_legacy')


class Segmenter:
    """A backend fed pieces of at most ``backend.max_chars`` characters, its words re-joined per
    sentence and corrected for protected words."""

    def __init__(self, backend, protected: Optional[ProtectedWords] = None, staged: Optional[str] = None):
        self._backend = backend
        self._protected = protected
        self._staged = staged

    def segment(self, sentences: Sequence[str]) -> List[List[str]]:
        pieces, owners = [], []
        for index, sentence in enumerate(sentences):
            for piece in split_long_text(sentence, self._backend.max_chars):
                if piece.strip():
                    pieces.append(piece)
                    owners.append(index)
        words = [[] for _ in sentences]
        for index, piece_words in zip(owners, self._backend.segment(pieces)):
            words[index].extend(piece_words)
        if self._protected:
            words = [self._protected.enforce(sentence, found) for sentence, found in zip(sentences, words)]
        return words

    def close(self) -> None:
        """Remove the local copy of a remote model."""
        if self._staged:
            shutil.rmtree(self._staged, ignore_errors=True)
            self._staged = None


def _backend(name: str, model: Optional[str], user_dict: Optional[bytes], hmm: bool, batch_size: int,
             threads: int):
    if name == 'jieba':
        from wwm.segmenters.jieba_backend import JiebaBackend
        return JiebaBackend(hmm, user_dict)
    if name == 'ltp':
        from wwm.segmenters.ltp_neural import LtpNeuralBackend
        return LtpNeuralBackend(model, batch_size, threads)
    if name == 'ltp_legacy':
        from wwm.segmenters.ltp_legacy import LtpLegacyBackend
        return LtpLegacyBackend(model, batch_size, threads)
    raise ValueError('unknown segmenter %r (choose from %s)' % (name, ', '.join(SEGMENTERS)))


def make_segmenter(name: str, model: Optional[str] = None, user_dict: Optional[str] = None,
                   hmm: bool = True, batch_size: int = 32, threads: int = 1) -> Segmenter:
    """Load a segmenter. ``model`` (ltp: a folder, ltp_legacy: a file) and ``user_dict`` may be on
    any Beam filesystem; a remote model is copied to a local temporary folder first."""
    if name in MODEL_SEGMENTERS and not model:
        raise ValueError('segmenter %s needs a model path' % name)
    dictionary = read_user_dict(user_dict) if user_dict else None
    protected = ProtectedWords(parse_user_dict(dictionary)) if dictionary else None
    local, staged = stage_locally(model) if model else (None, None)
    try:
        backend = _backend(name, local, dictionary, hmm, batch_size, threads)
    except BaseException:
        if staged:
            shutil.rmtree(staged, ignore_errors=True)
        raise
    return Segmenter(backend, protected, staged)
