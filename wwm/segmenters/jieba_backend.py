"""jieba's precise mode, with its own tokenizer instance (no global state shared).

The words come from wwm/native/_jieba.c where it is built: the same steps as jieba's Tokenizer.cut
on the tokenizer's own dictionary and finalseg's HMM tables, about ten times faster; jieba itself
cuts where the extension is missing or where finalseg was told to split words (add_force_split).
"""
import io
import logging
from array import array
from typing import List, Optional, Sequence

from wwm.native import c_jieba as _jieba  # None where not built: jieba itself cuts

_STATES = 'BEMS'  # wwm/native/_jieba.c's order
_HAN_FIRST, _HAN_LAST = 0x4E00, 0x9FD5  # the ideographs of jieba's regular expressions


def _loaded_tokenizer():
    import jieba
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def c_table(tokenizer):
    """The C table (wwm/native/_jieba.c) of ``tokenizer``'s dictionary as it is now and of
    finalseg's HMM."""
    from jieba import finalseg
    missing = finalseg.MIN_FLOAT
    start = array('d', [finalseg.start_P[state] for state in _STATES])
    trans = array('d', [finalseg.trans_P[before].get(after, missing)
                        for before in _STATES for after in _STATES])
    emit = array('d')
    for state in _STATES:
        table = finalseg.emit_P[state]
        emit.extend(table.get(chr(code), missing) for code in range(_HAN_FIRST, _HAN_LAST + 1))
    return _jieba.table(tokenizer.FREQ, tokenizer.total, start, trans, emit)


class JiebaBackend:
    # jieba has no length limit; pieces of this size only bound the memory of one call.
    max_chars = 10000

    def __init__(self, hmm: bool = True, user_dict: Optional[bytes] = None, in_c: bool = True):
        """``user_dict``: a dictionary file's bytes in jieba's own layout ("word [freq] [tag]");
        a word without a frequency gets one high enough for jieba to cut it out whole.
        ``in_c=False``: jieba itself, the reference (benchmarks/throughput.py's reference floor)."""
        self._tokenizer, self._table = _loaded_tokenizer(), None
        if user_dict:
            self._tokenizer.load_userdict(io.BytesIO(user_dict))
            self._table = None
        if not (in_c and _jieba):
            self._table = None
        elif self._table is None:
            self._table = c_table(self._tokenizer)
        self._hmm = hmm
        from jieba import finalseg  # loaded with the tokenizer; add_force_split sends us to jieba
        self._finalseg = finalseg

    def segment(self, texts: Sequence[str]) -> List[List[str]]:
        if self._table is not None and not self._finalseg.Force_Split_Words:
            return _jieba.cut(self._table, texts, self._hmm)
        return [self._tokenizer.lcut(text, HMM=self._hmm) for text in texts]
