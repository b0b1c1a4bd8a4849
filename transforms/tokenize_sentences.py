"""Tokenization with the run's tokenizer (a BERT vocab or a tokenizer.json, wwm.tokens.tokenizer),
each token tagged with its masking group (see wwm.tokens.wordpiece).

Sentences that give no token are left out; a document that gives none is dropped (``no_tokens``).
A document's [UNK] tokens are counted for the manifest (``unknown_tokens``, in total and per source)
with the characters behind them (``(UNKNOWN_CHAR, character)``), which the vocab lacks, and so are
the tokens that span several segmenter words (``multi_word_tokens``: their group is the union of
those words; BPE merges across words, WordPiece rarely).
"""
import collections
import os

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.manifest import MULTI_WORD_TOKENS, UNKNOWN_CHAR, UNKNOWN_TOKENS
from schemas.records import SegmentedDocument, TokenizedDocument
from transforms.count_stats import per_source
from transforms.keep_or_drop import Count, Drop, KeepOrDrop
from wwm.tokens.tokenizer import PerTokenizer, TokenizerFile

NO_TOKENS = 'no_tokens'
STAGE = 'tokenize'


class _Tokenizer:
    """The check of TokenizeSentences; its encoder is built on the worker from the tokenizer (a
    side input), once."""

    def __init__(self):
        self._encoders = PerTokenizer(TokenizerFile.encoder)
        self._unaligned = Metrics.counter(STAGE, 'unaligned_tokens')

    def setup(self):
        # The job runs one worker process per core: the tokenizer's own thread pool would only
        # compete with the other workers (set before the tokenizer is first used).
        os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')

    def __call__(self, document: SegmentedDocument, tokenizer: TokenizerFile):
        encoder = self._encoders(tokenizer)
        segments = []
        unaligned = multi_word = 0
        next_group = 0
        unknown = collections.Counter()
        # One call per document: where `tokenizers` takes the sentences, about 10% less CPU than one
        # encode per sentence, same tokens.
        encodings = encoder.encode_batch(document.sentences)
        for sentence, words, encoding in zip(document.sentences, document.words, encodings):
            aligned = encoder.align(encoding, sentence, words, next_group)
            if aligned.token_ids:
                segments.append((aligned.token_ids, aligned.group_ids))
                next_group = aligned.group_ids[-1] + 1
                unaligned += aligned.unaligned_tokens
                multi_word += aligned.multi_word_tokens
                if encoder.unk_id in aligned.token_ids:
                    unknown[UNKNOWN_TOKENS] += aligned.token_ids.count(encoder.unk_id)
                    unknown.update(encoder.unknown_characters(sentence, encoding))
        self._unaligned.inc(unaligned)
        yield from _unknown_counts(document.source, unknown)
        if multi_word:
            yield Count(MULTI_WORD_TOKENS, multi_word)
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


class TokenizeSentences(KeepOrDrop):
    """Outputs ``documents`` (TokenizedDocument), ``dropped`` and ``stats`` (the [UNK] and
    multi-word token counts). ``tokenizer``: a PCollection of one wwm.tokens.tokenizer.TokenizerFile
    (given, or trained in the job)."""

    def __init__(self, tokenizer):
        super().__init__(STAGE, _Tokenizer(), [beam.pvalue.AsSingleton(tokenizer)])
