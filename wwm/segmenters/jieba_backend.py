"""jieba's precise mode, with its own tokenizer instance (no global state shared)."""
import io
import logging
from typing import List, Optional, Sequence


class JiebaBackend:
    # jieba has no length limit; pieces of this size only bound the memory of one call.
    max_chars = 10000

    def __init__(self, hmm: bool = True, user_dict: Optional[bytes] = None):
        """``user_dict``: a dictionary file's bytes in jieba's own layout ("word [freq] [tag]");
        a word without a frequency gets one high enough for jieba to cut it out whole."""
        import jieba
        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        if user_dict:
            self._tokenizer.load_userdict(io.BytesIO(user_dict))
        self._hmm = hmm

    def segment(self, texts: Sequence[str]) -> List[List[str]]:
        return [self._tokenizer.lcut(text, HMM=self._hmm) for text in texts]
