"""MacBERT's similar-word table: ``word<TAB>similar1 similar2 ...`` per line, UTF-8.

Masking looks words up by their token ids, not their text: a masking group is a run of token ids,
and the table's words are tokenized with the job's own tokenizer, so lookups see exactly the
normalization the corpus went through (lower case, full-width forms...). A candidate is kept only
when it has as many tokens as the word it replaces (the predicted positions do not move), is not
the word itself, and holds no [UNK]; a word left without candidates is not in the table.
"""
import functools
from typing import Dict, List

from wwm import filesystems
from wwm.instances.masking import SimilarWords
from wwm.tokens.vocab import parse_vocab
from wwm.tokens.wordpiece import build_tokenizer


def parse_similar_words(data: bytes) -> Dict[str, List[str]]:
    """word -> similar words, in the file's order. Raises ValueError naming the first bad line."""
    table = {}
    for number, line in enumerate(data.decode('utf-8').split('\n'), 1):
        line = line.rstrip('\r')
        if not line.strip():
            continue
        word, tab, similar = line.partition('\t')
        if not tab or not word.strip() or not similar.split():
            raise ValueError('line %d is not "word<TAB>similar words separated by spaces"' % number)
        table.setdefault(word.strip(), []).extend(similar.split())
    if not table:
        raise ValueError('no entries')
    return table


def tokenize_similar_words(table: Dict[str, List[str]], tokenizer, unk_id: int) -> SimilarWords:
    """token ids of each word -> token ids of its usable candidates (same length, no [UNK], distinct)."""
    texts = sorted({word for word in table} | {w for similar in table.values() for w in similar})
    ids = {text: tuple(encoding.ids)
           for text, encoding in zip(texts, tokenizer.encode_batch(texts, add_special_tokens=False))}
    tokenized = {}
    for word, similar in table.items():
        key = ids[word]
        if not key or unk_id in key:
            continue
        candidates = tokenized.setdefault(key, [])
        for text in similar:
            candidate = ids[text]
            if len(candidate) == len(key) and candidate != key and unk_id not in candidate \
                    and candidate not in candidates:
                candidates.append(candidate)
    return {key: candidates for key, candidates in tokenized.items() if candidates}


def read_table_bytes(path: str) -> bytes:
    """The table file, from a local path or any Beam filesystem (gs://...)."""
    with filesystems.open_read(path, filesystems.UNCOMPRESSED) as handle:
        return handle.read()


@functools.lru_cache(maxsize=1)
def load_similar_words(path: str, vocab_bytes: bytes, do_lower_case: bool) -> SimilarWords:
    """The tokenized table, read by each worker (a large table would not fit in the pipeline's
    description); cached so that the datasets of several lengths in one worker share it."""
    vocab = parse_vocab(vocab_bytes)
    tokenizer = build_tokenizer(vocab, do_lower_case)
    return tokenize_similar_words(parse_similar_words(read_table_bytes(path)), tokenizer, vocab['[UNK]'])
