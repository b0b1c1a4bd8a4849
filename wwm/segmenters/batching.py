"""Batches of similar length for models that pad a batch to its longest text."""
from typing import Callable, List, Sequence, TypeVar

Result = TypeVar('Result')


def predict_by_length(texts: Sequence[str], batch_size: int,
                      predict: Callable[[List[str]], List[Result]]) -> List[Result]:
    """``predict`` applied to batches of ``texts`` sorted by length; results in input order.

    Sorting is stable, so the batches depend only on ``texts``: the same texts give the same
    batches, and so the same padded tensors, on every run.
    """
    order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
    results: List[Result] = [None] * len(texts)
    for first in range(0, len(order), batch_size):
        batch = order[first:first + batch_size]
        for index, result in zip(batch, predict([texts[index] for index in batch])):
            results[index] = result
    return results
