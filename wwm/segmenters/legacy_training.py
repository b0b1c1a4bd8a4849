"""Training LTP legacy perceptron segmentation models (``ltp_extension.perceptron.CWSTrainer``).

The trainer keeps the epoch that scores best on its evaluation data, and without any keeps the
first, so the last tenth of the training sentences is held out for that choice (never the file the
model is scored on). The passive-aggressive algorithm ("Pa") beat the averaged perceptron by 1.6
F1 points on held-out PKU training sentences. Nothing is shuffled: the same sentences give a model
that segments the same way (its file's bytes still vary: it stores hash maps in no fixed order).
The trainer reads plain segmented text (single spaces, LF), so sentences are written that way.
"""
import contextlib
import os
import sys
import tempfile
from typing import List

from wwm.segmenters.segmented_text import format_segmented

DEV_FRACTION = 10  # one sentence in ten chooses the epoch


@contextlib.contextmanager
def _quiet_stdout():
    """Silence the trainer's per-epoch lines, printed by Rust straight to file descriptor 1."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, 'wb') as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _write(sentences: List[List[str]], path: str) -> str:
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(format_segmented(sentences))
    return path


def train_cws_model(sentences: List[List[str]], output_path: str, epochs: int = 10):
    """Train on segmented sentences, save the model file, return the model."""
    from ltp_extension.perceptron import Algorithm, CWSTrainer
    trainer = CWSTrainer()
    trainer.epoch = epochs
    trainer.shuffle = False
    trainer.algorithm = Algorithm('Pa')
    dev_size = len(sentences) // DEV_FRACTION
    with tempfile.TemporaryDirectory(prefix='cws-train-') as folder, _quiet_stdout():
        trainer.load_train_data(_write(sentences[:len(sentences) - dev_size], os.path.join(folder, 'train.txt')))
        if dev_size:
            trainer.load_eval_data(_write(sentences[-dev_size:], os.path.join(folder, 'dev.txt')))
        model = trainer.train()
    model.save(output_path)
    return model
