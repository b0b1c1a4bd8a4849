"""jieba's precise mode, with its own tokenizer instance (no global state shared)."""
import io
import logging
from typing import List, Optional, Sequence


_PRELOADED = []  # tokenizers with jieba's dictionary loaded ahead of need (preload_dictionary)


def _loaded_tokenizer():
    import jieba
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def preload_dictionary() -> None:
    """Load jieba's dictionary (about 0.5 s) now, for the next JiebaBackend of this process: a
    standby worker does it while the runner prepares (beam_jobs/local_processes.py)."""
    _PRELOADED.append(_loaded_tokenizer())


class JiebaBackend:
    # jieba has no length limit; pieces of this size only bound the memory of one call.
    max_chars = 10000

    def __init__(self, hmm: bool = True, user_dict: Optional[bytes] = None):
        """``user_dict``: a dictionary file's bytes in jieba's own layout ("word [freq] [tag]");
        a word without a frequency gets one high enough for jieba to cut it out whole."""
        try:
            self._tokenizer = _PRELOADED.pop()  # each taken once: a user dictionary changes it
        except IndexError:
            self._tokenizer = _loaded_tokenizer()
        if user_dict:
            self._tokenizer.load_userdict(io.BytesIO(user_dict))
        self._hmm = hmm

    def segment(self, texts: Sequence[str]) -> List[List[str]]:
        return [self._tokenizer.lcut(text, HMM=self._hmm) for text in texts]
