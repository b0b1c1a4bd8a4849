"""HuggingFace `tokenizers` models trained at test time on real news, as a user brings them with
--tokenizer: a byte-level BPE with RoBERTa's special tokens and a Unigram with BERT's."""
import functools

from tests import real_text

ROBERTA_SPECIALS = ['<s>', '<pad>', '</s>', '<unk>', '<mask>']
BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']


@functools.lru_cache(maxsize=None)
def _texts() -> tuple:
    """Sentences: a Unigram trainer on whole documents (one pre-tokenizer word each) is slow."""
    return tuple(real_text.sentences_of(real_text.thucnews_documents(150)))


def byte_level_bpe(vocab_size: int = 5000) -> str:
    """tokenizer.json of a byte-level BPE (no unknown token possible), as RoBERTa's."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.RobertaProcessing(('</s>', 2), ('<s>', 0))
    tokenizer.train_from_iterator(_texts(), trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=ROBERTA_SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    return tokenizer.to_str()


def unigram(vocab_size: int = 5000) -> str:
    """tokenizer.json of a Unigram model (SentencePiece's), with BERT's special tokens."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    tokenizer.train_from_iterator(_texts(), trainers.UnigramTrainer(
        vocab_size=vocab_size, special_tokens=BERT_SPECIALS, unk_token='[UNK]', show_progress=False))
    return tokenizer.to_str()


MODELS = {'byte_level_bpe': byte_level_bpe, 'unigram': unigram}
