"""LTP's legacy perceptron word segmenter (``ltp_extension.perceptron.CWSModel``): fast on CPU.

Loads a model file, such as ``cws_model.bin`` of LTP's legacy release or one written by
``beam_jobs.train_segmenter``.
"""
import os
from typing import List, Sequence


def load_cws_model(path: str):
    """The model, or ValueError with the loader's first line (its Rust error may carry a
    backtrace)."""
    from ltp_extension.perceptron import CWSModel
    try:
        return CWSModel.load(path)
    except RuntimeError as error:
        reason = str(error).strip().split('\n', 1)[0]
        raise ValueError('cannot load LTP legacy model %s: %s' % (path, reason)) from None


class LtpLegacyBackend:
    # No length limit; pieces of this size only bound the memory of one call.
    max_chars = 10000

    def __init__(self, model_file: str, batch_size: int = 32, threads: int = 1):
        # The perceptron predicts a batch on a Rust thread pool sized by RAYON_NUM_THREADS when
        # it is first used; one thread unless asked, since Beam already runs a worker per core.
        os.environ.setdefault('RAYON_NUM_THREADS', str(threads))
        self._model = load_cws_model(model_file)
        self._batch_size = batch_size
        self._parallel = threads > 1

    def segment(self, texts: Sequence[str]) -> List[List[str]]:
        words = []
        for first in range(0, len(texts), self._batch_size):
            words.extend(self._model.batch_predict(list(texts[first:first + self._batch_size]),
                                                   parallelism=self._parallel))
        return words
