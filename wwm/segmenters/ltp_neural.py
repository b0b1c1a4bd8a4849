"""LTP 4.2 neural word segmentation (``LTP(path).pipeline(texts, tasks=["cws"])``).

The model directory holds config.json (with LTP's ``"nerual": true``), pytorch_model.bin and the
tokenizer files. The model runs on the GPU when torch sees one, else on ``threads`` CPU threads.
"""
import contextlib
import io
from typing import List, Sequence

from wwm.segmenters.batching import predict_by_length


def load_ltp(model_dir: str):
    """``LTP(model_dir)``, quiet (LTP prints a line on loading), on the GPU if there is one."""
    import torch
    from ltp import LTP
    with contextlib.redirect_stdout(io.StringIO()):
        model = LTP(model_dir)
    if torch.cuda.is_available():
        model = model.to('cuda')
    return model


class LtpNeuralBackend:
    # The model reads 512 tokens, [CLS] and [SEP] included, and drops the rest; a character
    # gives at most one token, so 500 characters always fit.
    max_chars = 500

    def __init__(self, model_dir: str, batch_size: int = 32, threads: int = 1):
        import torch
        torch.set_num_threads(threads)
        self._model = load_ltp(model_dir)
        self._batch_size = batch_size

    def _predict(self, texts: List[str]) -> List[List[str]]:
        return self._model.pipeline(texts, tasks=['cws']).cws

    def segment(self, texts: Sequence[str]) -> List[List[str]]:
        return predict_by_length(texts, self._batch_size, self._predict)
