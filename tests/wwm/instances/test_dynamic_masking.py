"""Dynamic masking: word_ids and chinese_ref on real text (checked against the segmenter's words and
HuggingFace's chinese_ref recipe), and the PyTorch collator's statistics against static masking."""
import collections
import subprocess
import sys

import pytest

from tests import real_text
from tests.conftest import ROOT
from wwm.hashing import seeded_rng
from wwm.instances.pairs import NO_GROUP, create_pair_instances
from wwm.instances.masking import MaskingConfig, candidate_groups, mask_instance
from wwm.segmenters import make_segmenter
from wwm.tokens.vocab import replacement_ids
from wwm.instances.word_boundaries import chinese_char_ids, chinese_ref, is_chinese_char, word_ids
from wwm.tokens.wordpiece import align_sentence, build_tokenizer, word_spans

torch = pytest.importorskip('torch')
from wwm.training.collator import IGNORE_INDEX, WholeWordMaskingCollator  # noqa: E402

CLS, SEP, MASK = 101, 102, 103


@pytest.fixture(scope='module')
def aligned_sentences(real_vocab):
    """(sentence, jieba words, offsets, ids, group ids) for CMRC sentences."""
    tokenizer = build_tokenizer(real_vocab, True)
    sentences = real_text.sentences_of(real_text.cmrc_documents(120))
    rows = []
    for sentence, words in zip(sentences, make_segmenter('jieba').segment(sentences)):
        encoding = tokenizer.encode(sentence, add_special_tokens=False)
        aligned = align_sentence(tokenizer, sentence, words)
        if aligned.token_ids and not aligned.unaligned_tokens:
            rows.append((sentence, words, encoding.offsets, aligned.token_ids, aligned.group_ids))
    assert len(rows) > 1000
    return rows


@pytest.fixture(scope='module')
def id_to_token(real_vocab):
    return {i: t for t, i in real_vocab.items()}


@pytest.fixture(scope='module')
def boundaries(real_vocab):
    """(ids, groups) of a sentence -> word_ids and chinese_ref of [CLS] sentence [SEP]."""
    chinese_ids = chinese_char_ids(real_vocab)

    def of_sentence(ids, groups):
        words = word_ids([NO_GROUP] + groups + [NO_GROUP])
        return words, chinese_ref([CLS] + ids + [SEP], words, chinese_ids)
    return of_sentence


def test_chinese_ref_marks_chinese_characters_that_do_not_start_a_segmenter_word(
        aligned_sentences, id_to_token, boundaries):
    checked = 0
    for sentence, words, offsets, ids, groups in aligned_sentences:
        numbered, ref = boundaries(ids, groups)
        assert numbered[0] == numbered[-1] == -1 and numbered[1] == 0
        assert all(b - a in (0, 1) for a, b in zip(numbered[1:-1], numbered[2:-1]))
        word_starts = {start for start, _ in word_spans(sentence, words)[0]}
        expected = [position + 1 for position, (start, _) in enumerate(offsets)
                    if is_chinese_char(id_to_token[ids[position]]) and start not in word_starts]
        assert ref == expected, sentence
        checked += len(ref)
    assert checked > 10000


def _huggingface_style_ref(tokens, words):
    """HuggingFace run_chinese_ref.py's recipe, rewritten from its description: mark the non-first
    characters of the longest all-Chinese segmenter word (from the line's word set) matching at each
    position, greedily left to right; ref = marked single Chinese characters, [CLS] counted as 0."""
    word_set = {w for w in words if len(w) > 1 and all(is_chinese_char(c) for c in w)}
    longest = max(map(len, word_set), default=0)
    marked, start = set(), 0
    while start < len(tokens):
        if not is_chinese_char(tokens[start]):
            start += 1
            continue
        for size in range(min(len(tokens) - start, longest), 1, -1):
            if ''.join(tokens[start:start + size]) in word_set:
                marked.update(range(start + 1, start + size))
                start += size
                break
        else:
            start += 1
    return sorted(p + 1 for p in marked if is_chinese_char(tokens[p]))


def test_chinese_ref_agrees_with_huggingface_recipe_on_almost_every_sentence(
        aligned_sentences, id_to_token, boundaries):
    same = 0
    for _, words, _, ids, groups in aligned_sentences:
        _, ref = boundaries(ids, groups)
        same += ref == _huggingface_style_ref([id_to_token[i] for i in ids], words)
    # The recipe regroups by greedy longest match of the word set; exact alignment differs rarely
    # (measured: 97.9% of CMRC sentences identical).
    assert same / len(aligned_sentences) > 0.95


@pytest.fixture(scope='module')
def instances(thucnews_tokenized):
    return [instance for index in range(len(thucnews_tokenized))
            for instance in create_pair_instances(thucnews_tokenized, index, 128, 0.1,
                                                  seeded_rng(21, index), CLS, SEP)]


@pytest.fixture(scope='module')
def random_ids(real_vocab):
    return replacement_ids(real_vocab)


def _feature(instance):
    return {'input_ids': instance.token_ids, 'segment_ids': instance.segment_ids,
            'word_ids': word_ids(instance.group_ids), 'next_sentence_label': instance.next_sentence_label}


def _collated(instances, collator, batch_size=32):
    for start in range(0, len(instances), batch_size):
        chunk = instances[start:start + batch_size]
        yield chunk, collator([_feature(i) for i in chunk])


def _rates(predicted, tokens, fates) -> dict:
    total = sum(fates.values())
    return {'share': predicted / tokens, 'mask': fates['mask'] / total, 'kept': fates['kept'] / total,
            'other': fates['other'] / total}


def _fate(original, output):
    return 'mask' if output == MASK else 'kept' if output == original else 'other'


def _static_rates(instances, config, random_ids):
    predicted = tokens = 0
    fates = collections.Counter()
    for n, instance in enumerate(instances):
        masked, _ = mask_instance(instance, config, seeded_rng('static', n), MASK, random_ids)
        fates.update(_fate(instance.token_ids[p], masked.input_ids[p]) for p in masked.masked_lm_positions)
        predicted += len(masked.masked_lm_positions)
        tokens += len(instance.token_ids)
    return _rates(predicted, tokens, fates)


@pytest.mark.parametrize('strategy', ['wwm', 'ngram'])
def test_collator_statistics_match_static_masking(instances, random_ids, strategy):
    torch.manual_seed(0)
    collator = WholeWordMaskingCollator(MASK, random_ids, strategy=strategy, max_predictions=20)
    predicted = tokens = 0
    fates = collections.Counter()
    for chunk, batch in _collated(instances, collator):
        for row, instance in enumerate(chunk):
            length = len(instance.token_ids)
            labels = batch['labels'][row].tolist()
            positions = {p for p, label in enumerate(labels) if label != IGNORE_INDEX}
            assert all(labels[p] == instance.token_ids[p] for p in positions)
            assert not positions & {0, length - 1} and max(positions) < length
            for word in candidate_groups(instance.group_ids, whole_word=True):
                assert positions.isdisjoint(word) or positions.issuperset(word)     # whole words
            output = batch['input_ids'][row].tolist()
            fates.update(_fate(instance.token_ids[p], output[p]) for p in positions)
            predicted += len(positions)
            tokens += length
    dynamic = _rates(predicted, tokens, fates)
    static = _static_rates(instances, MaskingConfig(strategy, 'token', 0.15, 20), random_ids)
    assert predicted > 25000
    assert abs(dynamic['share'] - 0.15) < 0.005 and abs(dynamic['share'] - static['share']) < 0.003
    for fate, expected in (('mask', 0.8), ('kept', 0.1), ('other', 0.1)):
        assert abs(dynamic[fate] - expected) < 0.015 and abs(dynamic[fate] - static[fate]) < 0.02


def test_collator_batch_layout_padding_and_labels(instances, random_ids):
    chunk = [instances[0], instances[5], instances[9]]
    collator = WholeWordMaskingCollator(MASK, random_ids, return_sentence_labels=True)
    batch = collator([_feature(i) for i in chunk])
    width = max(len(i.token_ids) for i in chunk)
    assert set(batch) == {'input_ids', 'labels', 'attention_mask', 'token_type_ids', 'next_sentence_label'}
    for name in ('input_ids', 'labels', 'attention_mask', 'token_type_ids'):
        assert batch[name].shape == (3, width) and batch[name].dtype == torch.long
    assert batch['next_sentence_label'].tolist() == [i.next_sentence_label for i in chunk]
    for row, instance in enumerate(chunk):
        length = len(instance.token_ids)
        assert batch['attention_mask'][row].tolist() == [1] * length + [0] * (width - length)
        assert batch['token_type_ids'][row].tolist() == instance.segment_ids + [0] * (width - length)
        assert batch['labels'][row, length:].eq(IGNORE_INDEX).all()
        assert batch['input_ids'][row, length:].eq(0).all()
        unmasked = batch['labels'][row, :length].eq(IGNORE_INDEX)
        assert batch['input_ids'][row, :length][unmasked].tolist() == [
            t for t, keep in zip(instance.token_ids, unmasked.tolist()) if keep]


def test_collator_is_reproducible_with_torch_seed_and_new_each_call(instances, random_ids):
    collator = WholeWordMaskingCollator(MASK, random_ids)
    features = [_feature(i) for i in instances[:16]]
    torch.manual_seed(7)
    first, second = collator(features), collator(features)
    torch.manual_seed(7)
    again = collator(features)
    assert torch.equal(first['labels'], again['labels']) and torch.equal(first['input_ids'], again['input_ids'])
    assert not torch.equal(first['labels'], second['labels'])


def test_collator_reads_padded_tfrecord_style_features(instances, random_ids):
    collator = WholeWordMaskingCollator(MASK, random_ids)
    plain = [_feature(i) for i in instances[:8]]
    padded = [{'input_ids': f['input_ids'] + [0] * (128 - len(f['input_ids'])),
               'input_mask': [1] * len(f['input_ids']) + [0] * (128 - len(f['input_ids'])),
               'segment_ids': f['segment_ids'] + [0] * (128 - len(f['input_ids'])),
               'word_ids': f['word_ids'] + [-1] * (128 - len(f['input_ids']))} for f in plain]
    torch.manual_seed(3)
    expected = collator(plain)
    torch.manual_seed(3)
    got = collator(padded)
    assert all(torch.equal(expected[name], got[name]) for name in expected)


def test_collator_batches_train_a_tiny_bert(instances, random_ids):
    transformers = pytest.importorskip('transformers')
    config = transformers.BertConfig(vocab_size=21128, hidden_size=32, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    torch.manual_seed(0)
    model = transformers.BertForMaskedLM(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    collator = WholeWordMaskingCollator(MASK, random_ids, strategy='ngram')
    losses = []
    for _, batch in zip(range(3), (batch for _, batch in _collated(instances, collator, 8))):
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert all(torch.isfinite(torch.tensor(losses)))


def test_the_pipeline_never_imports_torch():
    code = ('import sys, beam_jobs.build_pretraining_data, wwm.training.collator; '
            'print("torch" in sys.modules)')
    result = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.strip() == 'False', result.stderr
