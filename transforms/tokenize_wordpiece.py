"""WordPiece tokenization, each token tagged with its masking group (see wwm.tokens.wordpiece).

Sentences that give no token are left out; a document that gives none is dropped (``no_tokens``).
A document's [UNK] tokens are counted for the manifest (``unknown_tokens``, in total and per source)
with the characters behind them (``(UNKNOWN_CHAR, character)``), which the vocab lacks.
"""
import collections
import os

from apache_beam.metrics import Metrics

from schemas.manifest import UNKNOWN_CHAR, UNKNOWN_TOKENS
from schemas.records import SegmentedDocument, TokenizedDocument
from transforms.count_stats import per_source
from transforms.keep_or_drop import Count, Drop, KeepOrDrop
from wwm.tokens.vocab import parse_vocab
from wwm.tokens.wordpiece import WordPieceEncoder, align_encoding

NO_TOKENS = 'no_tokens'
STAGE = 'tokenize_wordpiece'


class _Tokenizer:
    """The check of TokenizeWordPiece; its encoder is built in setup, on the worker (not pickled)."""

    def __init__(self, vocab_bytes: bytes, do_lower_case: bool):
        self._vocab_bytes = vocab_bytes
        self._do_lower_case = do_lower_case
        self._encoder = None
        self._unaligned = Metrics.counter(STAGE, 'unaligned_tokens')

    def setup(self):
        # The job runs one worker process per core: the tokenizer's own thread pool would only
        # compete with the other workers (set before the tokenizer is first used).
        os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
        self._encoder = WordPieceEncoder(parse_vocab(self._vocab_bytes), self._do_lower_case)

    def __call__(self, document: SegmentedDocument):
        segments = []
        unaligned = 0
        next_group = 0
        unknown = collections.Counter()
        # One call per document: where `tokenizers` takes the sentences, about 10% less CPU than one
        # encode per sentence, same tokens.
        encodings = self._encoder.encode_batch(document.sentences)
        for sentence, words, encoding in zip(document.sentences, document.words, encodings):
            aligned = align_encoding(encoding, sentence, words, next_group)
            if aligned.token_ids:
                segments.append((aligned.token_ids, aligned.group_ids))
                next_group = aligned.group_ids[-1] + 1
                unaligned += aligned.unaligned_tokens
                if self._encoder.unk_id in aligned.token_ids:
                    unknown[UNKNOWN_TOKENS] += aligned.token_ids.count(self._encoder.unk_id)
                    unknown.update(self._encoder.unknown_characters(sentence, encoding))
        self._unaligned.inc(unaligned)
        yield from _unknown_counts(document.source, unknown)
        if segments:
            yield TokenizedDocument(document.doc_id, document.source, segments, unaligned)
        else:
            yield Drop(NO_TOKENS, ' '.join(document.sentences))


def _unknown_counts(source: str, unknown: collections.Counter):
    """The Counts of a document's [UNK] tokens: ``unknown`` holds their number under UNKNOWN_TOKENS
    and each character's under the character."""
    total = unknown.pop(UNKNOWN_TOKENS, 0)
    if total:
        yield from (Count(name, value) for name, value in per_source(source, UNKNOWN_TOKENS, total))
        yield from (Count((UNKNOWN_CHAR, char), value) for char, value in unknown.items())


class TokenizeWordPiece(KeepOrDrop):
    """Outputs ``documents`` (TokenizedDocument), ``dropped`` and ``stats`` (the [UNK] counts)."""

    def __init__(self, vocab_bytes: bytes, do_lower_case: bool):
        super().__init__(STAGE, _Tokenizer(vocab_bytes, do_lower_case))
