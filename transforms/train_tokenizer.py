"""Train the run's tokenizer inside the pipeline, on a deterministic sample of the cleaned documents.

Each document gets a key, a stable hash of (seed, text) (wwm.tokens.tokenizer_training.sample_key);
the sample is the documents of smallest key up to a character budget, sorted by key, so it depends
only on the documents' texts and the seed: not on the runner, the worker count, the bundles or the
order documents arrive in. One DoFn trains on it and emits the tokenizer.json bytes.

Memory and shuffle stay bounded whatever the corpus size: the corpus' character count (one number)
first sets a key threshold that lets through about THRESHOLD_MARGIN budgets of text, so each worker
sends on little more than its share of the budget; the CombineFn keeps, per accumulator, at most the
smallest-key prefix reaching the budget (plus a buffer of the same size), and merges accumulators
one at a time.
"""
import apache_beam as beam

from wwm.tokens import tokenizer_training as training
from wwm.tokens.tokenizer_training import DEFAULT_SAMPLE_CHARS



class _SmallestKeys(beam.CombineFn):
    """(key, text) pairs -> take_sample of them all, whatever the grouping (see take_sample)."""

    def __init__(self, sample_chars: int):
        self._sample_chars = sample_chars

    def create_accumulator(self):
        return [], [], 0  # sorted sample, unsorted buffer, buffered characters

    def add_input(self, accumulator, keyed_text):
        sample, buffer, buffered = accumulator
        buffer.append(keyed_text)
        buffered += len(keyed_text[1])
        if buffered >= self._sample_chars:
            return training.take_sample(sample + buffer, self._sample_chars), [], 0
        return sample, buffer, buffered

    def merge_accumulators(self, accumulators):
        return training.merge_samples(map(self.extract_output, accumulators), self._sample_chars), [], 0

    def extract_output(self, accumulator):
        sample, buffer, _ = accumulator
        return training.take_sample(sample + buffer, self._sample_chars)


class TrainTokenizer(beam.PTransform):
    """Documents (schemas.records.Document, after deduplication) -> a PCollection of one element:
    the tokenizer.json bytes (see wwm.tokens.tokenizer_training.train_tokenizer).

    With no text at all, the tokenizer of the special tokens alone (see train_tokenizer).
    """

    def __init__(self, kind: str, vocab_size: int, do_lower_case: bool, seed: int,
                 sample_chars: int = DEFAULT_SAMPLE_CHARS):
        super().__init__()
        if kind not in training.KINDS:
            raise ValueError('unknown tokenizer kind %r (one of %s)' % (kind, ', '.join(training.KINDS)))
        self._kind = kind
        self._vocab_size = vocab_size
        self._do_lower_case = do_lower_case
        self._seed = seed
        self._sample_chars = sample_chars

    def expand(self, documents):
        texts = documents | 'Texts' >> beam.Map(lambda document: document.text)
        total = texts | 'Lengths' >> beam.Map(len) | 'CountChars' >> beam.CombineGlobally(sum)
        sample = (texts
                  | 'KeyBelowThreshold' >> beam.FlatMap(
                      _keyed_if_below, beam.pvalue.AsSingleton(total), self._seed, self._sample_chars)
                  | 'Sample' >> beam.CombineGlobally(_SmallestKeys(self._sample_chars)))
        return sample | 'Train' >> beam.Map(_train, self._kind, self._vocab_size, self._do_lower_case)


def _keyed_if_below(text: str, total_chars: int, seed: int, sample_chars: int):
    """(key, text) when the text's key is below the threshold the corpus size sets, else nothing."""
    key = training.sample_key(seed, text)
    if key < training.key_threshold(total_chars, sample_chars):
        yield key, text


def _train(sample, kind: str, vocab_size: int, do_lower_case: bool) -> bytes:
    """The tokenizer.json bytes trained on the sample's texts in key order."""
    return training.train_tokenizer([text for _, text in sample], kind, vocab_size, do_lower_case)
