"""Train a `tokenizers` tokenizer (tokenizer.json bytes) on a deterministic sample of a corpus.

Two kinds, both with BERT's special tokens:

- ``wordpiece``: the vocab of wwm.tokens.vocab.train_vocab (its own deterministic counting, not
  `tokenizers`' WordPiece trainer) in BERT's layout ([PAD]=0, [unused1..99], [UNK]=100, [CLS]=101,
  [SEP]=102, [MASK]=103), wrapped by wwm.tokens.wordpiece.build_tokenizer: it encodes exactly as
  Google's BERT tokenizer of that vocab.
- ``bpe``: a byte-level BPE as Chinese ModernBERT uses, trained by `tokenizers`' BpeTrainer, with
  [PAD] [UNK] [CLS] [SEP] [MASK] at ids 0..4. Every byte is in the vocab, so [UNK] never occurs.
  Normalizer NFC (optionally lowercasing): canonical composition only, so the text the model sees
  keeps its characters (NFKC would turn full-width forms, circled numbers and unit signs into
  others, which the decoded text would not give back; byte-level BPE needs no folding for coverage).
  Pre-tokenizer: each digit alone, then GPT-2's byte-level split. Digits alone keep numbers
  compositional (years, dates, scores are frequent in Chinese text) instead of spending the vocab on
  frequent numbers that then tokenize unlike their neighbours; ideographs stay in GPT-2's letter runs
  so merges learn the frequent words.

Neither kind registers its special tokens as "added tokens": a literal "[MASK]" in a document is
text, tokenized like any other (as Google's BERT does), never the mask id. The post-processor adds
[CLS] ... [SEP] when asked (``add_special_tokens=True``).

Determinism, checked with tokenizers 0.22.2: BpeTrainer gave byte-identical tokenizer.json in
separate processes with different PYTHONHASHSEED and RAYON_NUM_THREADS (1, 2, 3) on 1 M characters of
THUCNews at vocab sizes 3000, 8000 and 30000: its merges break count ties by pair ids, which depend
only on the data. Nothing needed rebuilding; tests/wwm/tokens/test_tokenizer_training.py keeps
checking it across processes. The sample is given in a fixed order all the same (sorted by key).
"""
import heapq
from typing import Iterable, List, Tuple

from wwm.hashing import stable_hash64
from wwm.tokens import vocab as vocab_lib
from wwm.tokens import wordpiece
from wwm.tokens.tokenizer import BERT_NAMES

KINDS = ('bpe', 'wordpiece')
SPECIAL_TOKENS = vocab_lib.SPECIAL_TOKENS  # [PAD] [UNK] [CLS] [SEP] [MASK]
KEY_SPACE = 1 << 64
# How many times the sample budget the key threshold lets through, so that a sample reaches the
# budget even when the corpus' document sizes are uneven, yet each worker sends little more than
# its share of the budget to the one place where the sample is gathered.
THRESHOLD_MARGIN = 2
# 10 M characters (about 30 MB of UTF-8 Chinese) hold about a hundred thousand documents: stable
# counts for the few tens of thousands of tokens a vocab keeps. Measured on 6.9 M characters of the
# shared corpora, a 50,000-token BPE trained in 68 s at 1.0 GB peak, so 10 M fit a 3.75 GB worker.
DEFAULT_SAMPLE_CHARS = 10_000_000


# The ids of the special tokens, by role, in each kind's layout: known before training, so the
# stages that write them ([CLS], [SEP], [MASK]) are set up before the tokenizer exists.
SPECIAL_IDS = {'wordpiece': {'pad': 0, 'unk': 100, 'cls': 101, 'sep': 102, 'mask': 103},
               'bpe': {'pad': 0, 'unk': 1, 'cls': 2, 'sep': 3, 'mask': 4}}


def train_tokenizer(texts: Iterable[str], kind: str, vocab_size: int, do_lower_case: bool) -> bytes:
    """The tokenizer.json (``Tokenizer.to_str()``, UTF-8) trained on ``texts``; the same bytes for
    the same texts in the same order in any process. Without text, the tokenizer of the special
    tokens alone (and every byte, for BPE): a run whose every document was dropped still ends with
    its counts and an empty dataset."""
    texts = [text for text in texts if text]
    if kind == 'wordpiece':
        tokenizer = _wordpiece_tokenizer(texts, vocab_size, do_lower_case)
    elif kind == 'bpe':
        tokenizer = _bpe_tokenizer(texts, vocab_size, do_lower_case)
    else:
        raise ValueError('unknown tokenizer kind %r (one of %s)' % (kind, ', '.join(KINDS)))
    found = {role: tokenizer.token_to_id(token) for role, token in BERT_NAMES.items()}
    if found != SPECIAL_IDS[kind]:  # the stages were set up with SPECIAL_IDS
        raise AssertionError('the %s layout moved: special ids %s' % (kind, found))
    return tokenizer.to_str().encode('utf-8')


def _wordpiece_tokenizer(texts: List[str], vocab_size: int, do_lower_case: bool):
    """BERT's WordPiece tokenizer of train_vocab's vocab (at least every character seen, so it may
    exceed ``vocab_size`` on a tiny budget), with BERT's post-processor and decoder."""
    from tokenizers import decoders

    tokens = vocab_lib.train_vocab(texts, vocab_size, do_lower_case)
    vocab = {token: index for index, token in enumerate(tokens)}
    tokenizer = wordpiece.build_tokenizer(vocab, do_lower_case)
    tokenizer.post_processor = _template(vocab)
    tokenizer.decoder = decoders.WordPiece(prefix='##')
    return tokenizer


def _bpe_pipeline(tokenizer, do_lower_case: bool):
    """Sets the BPE kind's normalizer, pre-tokenizer and decoder (see the module docstring)."""
    from tokenizers import decoders, normalizers, pre_tokenizers

    steps = [normalizers.NFC()] + ([normalizers.Lowercase()] if do_lower_case else [])
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def _bpe_tokenizer(texts: List[str], vocab_size: int, do_lower_case: bool):
    """Trains with BpeTrainer, then rebuilds the tokenizer from the learnt vocab and merges alone,
    so the trainer's added tokens (which would turn a literal "[MASK]" into the mask id) are not kept."""
    import json

    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers

    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    trained = _bpe_pipeline(Tokenizer(models.BPE()), do_lower_case)
    trained.train_from_iterator(texts, trainer)
    model = json.loads(trained.to_str())['model']
    merges = [tuple(merge) if isinstance(merge, list) else tuple(merge.split(' ', 1))
              for merge in model['merges']]
    tokenizer = _bpe_pipeline(Tokenizer(models.BPE(model['vocab'], merges)), do_lower_case)
    tokenizer.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=True), _template(model['vocab'])])
    return tokenizer


def _template(vocab: dict):
    """[CLS] A [SEP] (B [SEP]) with the vocab's ids, BERT's segment ids 0 then 1."""
    from tokenizers import processors

    return processors.TemplateProcessing(
        single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1',
        special_tokens=[(token, vocab[token]) for token in ('[CLS]', '[SEP]')])


def sample_key(seed: int, text: str) -> int:
    """A document's place in the sample order: a stable hash of the seed and its text, so the sample
    does not depend on document ids, file names or the order documents arrive in."""
    return stable_hash64('tokenizer_sample', seed, text)


def key_threshold(total_chars: int, sample_chars: int) -> int:
    """Only documents with a key below this can enter the sample: all of them when the corpus fits
    the budget, else about THRESHOLD_MARGIN budgets' worth, chosen by key (a uniform hash)."""
    if total_chars <= THRESHOLD_MARGIN * sample_chars:
        return KEY_SPACE
    return KEY_SPACE * THRESHOLD_MARGIN * sample_chars // total_chars


def corpus_sample(texts: Iterable[str], seed: int, sample_chars: int) -> List[str]:
    """The sample's texts, in order, as defined (transforms/train_tokenizer.py computes the same in a
    pipeline): the texts whose key is below key_threshold, then take_sample of them."""
    texts = list(texts)
    threshold = key_threshold(sum(map(len, texts)), sample_chars)
    keyed = [(key, text) for key, text in ((sample_key(seed, text), text) for text in texts)
             if key < threshold]
    return [text for _, text in take_sample(keyed, sample_chars)]


def take_sample(keyed_texts: Iterable[Tuple[int, str]], sample_chars: int) -> List[Tuple[int, str]]:
    """The (key, text) pairs in (key, text) order, up to and including the one that brings the total
    length to ``sample_chars`` (each text cut to ``sample_chars`` characters).

    Applied to any part of the input, it keeps every pair that the whole input's sample holds (the
    pairs before one in the order are fewer in a part), so it can be applied to parts, their results
    merged and applied again, in any grouping, with the same final result.
    """
    sample, total = [], 0
    for key, text in sorted((key, text[:sample_chars]) for key, text in keyed_texts):
        if total >= sample_chars:
            break
        sample.append((key, text))
        total += len(text)
    return sample


def merge_samples(samples: Iterable[List[Tuple[int, str]]], sample_chars: int) -> List[Tuple[int, str]]:
    """take_sample of the union of already sorted samples, holding at most one sample more at a time."""
    merged = []
    for sample in samples:
        merged = take_sample(heapq.merge(merged, sample), sample_chars)
    return merged
