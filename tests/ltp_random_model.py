"""A neural LTP model folder with random weights, written through LTP's own classes.

No trained LTP model can be downloaded here, so tests and throughput measurements use one of
these: it loads through the same ``LTP(path)`` code as a real model and costs the same compute for
its size, but its words are meaningless. The folder holds what ``LTP(path)`` reads: config.json
(``"nerual": true``, LTP's spelling), pytorch_model.bin and the tokenizer files.
"""
import json
import os
from typing import NamedTuple, Sequence

SPECIAL_TOKENS = ('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]')


class BackboneSize(NamedTuple):
    hidden: int
    layers: int
    heads: int
    feed_forward: int


TINY = BackboneSize(hidden=32, layers=2, heads=2, feed_forward=64)
ELECTRA_SMALL = BackboneSize(hidden=256, layers=12, heads=4, feed_forward=1024)
# LTP's released Base model has an ELECTRA-base backbone.
ELECTRA_BASE = BackboneSize(hidden=768, layers=12, heads=12, feed_forward=3072)


def ltp_config(vocab_size: int, size: BackboneSize) -> dict:
    """An LTP config with a transformers ELECTRA backbone and the word segmentation head only."""
    backbone = {'model_type': 'electra', 'vocab_size': vocab_size, 'embedding_size': size.hidden,
                'hidden_size': size.hidden, 'num_hidden_layers': size.layers,
                'num_attention_heads': size.heads, 'intermediate_size': size.feed_forward,
                'max_position_embeddings': 512}
    return {
        'model': {
            '_ltp_target_': 'ltp_core.models.ltp_model.LTPModule',
            'backbone': {'_ltp_target_': 'ltp_core.models.utils.transformer.load_transformers',
                         'config': backbone},
            'processor': {'cws': {'_ltp_target_': 'ltp_core.models.processor.TokenOnly'}},
            'heads': {'cws': {'_ltp_target_': 'ltp_core.models.components.token.MLPTokenClassifier',
                              'input_size': size.hidden, 'num_labels': 2}},
        },
        'vocabs': {'cws': ['B-W', 'I-W']},
        'nerual': True,
    }


def write_random_ltp_model(folder: str, tokens: Sequence[str], size: BackboneSize = TINY,
                           seed: int = 0) -> str:
    """Write the model folder; ``tokens`` is the vocab after the special tokens. Returns folder."""
    import torch
    from ltp.nerual import LTP
    from transformers import BertTokenizerFast
    os.makedirs(folder, exist_ok=True)
    vocab = list(SPECIAL_TOKENS) + [token for token in dict.fromkeys(tokens) if token not in SPECIAL_TOKENS]
    vocab_file = os.path.join(folder, 'vocab.txt')
    with open(vocab_file, 'w', encoding='utf-8') as handle:
        handle.write(''.join(token + '\n' for token in vocab))
    config = ltp_config(len(vocab), size)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = LTP(config=config)
    torch.save(model.model.state_dict(), os.path.join(folder, 'pytorch_model.bin'))
    with open(os.path.join(folder, 'config.json'), 'w', encoding='utf-8') as handle:
        json.dump(config, handle, indent=2)
    BertTokenizerFast(vocab_file, do_lower_case=True).save_pretrained(folder)
    return folder
