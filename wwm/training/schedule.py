"""Masking-rate schedules for the dynamic-masking collator (wwm.training.collator).

A curriculum such as Chinese ModernBERT's masks 30% of tokens early and 15% late: the rate goes from
``start`` to ``end`` over ``steps`` batches, linearly or along a half cosine, then stays at ``end``.
The step is the collator's global batch index (see the collator's docstring for where it comes from);
with gradient accumulation that is micro-batches, so ``steps`` = optimizer steps x accumulation steps.
Pure Python: no torch, no Beam.
"""
import math
from typing import NamedTuple

SCHEDULE_SHAPES = ('constant', 'linear', 'cosine')


class MaskingSchedule(NamedTuple):
    """rate(step): ``start`` at step 0, ``end`` from step ``steps`` on; 'constant' is ``start``."""
    start: float
    end: float
    steps: int
    shape: str

    @classmethod
    def constant(cls, rate: float) -> 'MaskingSchedule':
        return cls.checked(rate, rate, 0, 'constant')

    @classmethod
    def linear(cls, start: float, end: float, steps: int) -> 'MaskingSchedule':
        return cls.checked(start, end, steps, 'linear')

    @classmethod
    def cosine(cls, start: float, end: float, steps: int) -> 'MaskingSchedule':
        return cls.checked(start, end, steps, 'cosine')

    @classmethod
    def checked(cls, start: float, end: float, steps: int, shape: str) -> 'MaskingSchedule':
        """The schedule, after the checks that would otherwise fail deep inside a batch."""
        if shape not in SCHEDULE_SHAPES:
            raise ValueError('shape must be one of %s' % ', '.join(SCHEDULE_SHAPES))
        if not (0 < start <= 1 and 0 < end <= 1):
            raise ValueError('masking rates must be in (0, 1], got %r and %r' % (start, end))
        if shape != 'constant' and steps < 1:
            raise ValueError('a %s schedule needs steps >= 1, got %r' % (shape, steps))
        return cls(float(start), float(end), int(steps), shape)

    def rate(self, step: int) -> float:
        """The masking rate of batch ``step`` (0-based)."""
        if self.shape == 'constant':
            return self.start
        progress = min(max(step, 0), self.steps) / self.steps
        if self.shape == 'cosine':
            progress = (1 - math.cos(math.pi * progress)) / 2
        return self.start + (self.end - self.start) * progress
