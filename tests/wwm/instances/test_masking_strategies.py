"""Static masking strategies on real text: budget, whole words, 80/10/10 per token or per word,
n-gram lengths, and MacBERT's similar-word replacements with a table built from the corpus' words."""
import collections

import pytest

from tests import real_text
from wwm.hashing import seeded_rng
from wwm.instances.pairs import create_pair_instances
from wwm.instances.masking import MaskingConfig, candidate_groups, choose_ngrams, mask_instance, num_predictions
from wwm.segmenters import make_segmenter
from wwm.instances.similar_words import parse_similar_words, tokenize_similar_words
from wwm.tokens.vocab import replacement_ids
from wwm.tokens.wordpiece import build_tokenizer

CLS, SEP, MASK = 101, 102, 103


def _pair_instances(documents, max_seq_length):
    return [instance for index in range(len(documents))
            for instance in create_pair_instances(documents, index, max_seq_length, 0.1,
                                                  seeded_rng(11, index), CLS, SEP)]


@pytest.fixture(scope='module')
def instances_128(thucnews_tokenized):
    return _pair_instances(thucnews_tokenized, 128)


@pytest.fixture(scope='module')
def instances_512(thucnews_tokenized, cmrc_tokenized):
    return _pair_instances(thucnews_tokenized, 512) + _pair_instances(cmrc_tokenized, 512)


@pytest.fixture(scope='module')
def random_ids(real_vocab):
    return replacement_ids(real_vocab)


def _fate(original: int, output: int) -> str:
    return 'mask' if output == MASK else 'kept' if output == original else 'other'


def _mask_all(instances, config, random_ids, similar_words=None):
    for n, instance in enumerate(instances):
        masked, stats = mask_instance(instance, config, seeded_rng('strategies', n), MASK, random_ids,
                                      similar_words)
        yield instance, masked, stats


@pytest.mark.parametrize('strategy, unit', [('wwm', 'token'), ('wwm', 'word'), ('token', 'token'),
                                            ('ngram', 'token'), ('ngram', 'word')])
def test_budget_whole_words_and_80_10_10(instances_128, random_ids, strategy, unit):
    config = MaskingConfig(strategy, unit, 0.15, 20)
    tokens = predicted = partial_words = 0
    fates = collections.Counter()
    for instance, masked, _ in _mask_all(instances_128, config, random_ids):
        positions = masked.masked_lm_positions
        assert positions == sorted(set(positions))
        assert len(positions) <= num_predictions(len(instance.token_ids), 0.15, 20)
        assert masked.masked_lm_ids == [instance.token_ids[p] for p in positions]
        chosen = set(positions)
        for word in candidate_groups(instance.group_ids, whole_word=True):
            inside = chosen.intersection(word)
            if strategy != 'token':
                assert not inside or inside == set(word)            # whole words only
            partial_words += 0 < len(inside) < len(word)
            if inside and unit == 'word':
                word_fates = {_fate(instance.token_ids[p], masked.input_ids[p]) for p in word}
                assert len(word_fates) == 1 or word_fates <= {'kept', 'other'}   # one draw per word
                fates[word_fates.pop() if len(word_fates) == 1 else 'other'] += 1
        if unit == 'token':
            fates.update(_fate(instance.token_ids[p], masked.input_ids[p]) for p in positions)
        tokens += len(instance.token_ids)
        predicted += len(positions)
    assert predicted > 25000 and abs(predicted / tokens - 0.15) < 0.005
    total = sum(fates.values())
    assert abs(fates['mask'] / total - 0.8) < 0.015
    assert abs(fates['kept'] / total - 0.1) < 0.015 and abs(fates['other'] / total - 0.1) < 0.015
    assert (partial_words > 500) == (strategy == 'token')


@pytest.mark.parametrize('which, tolerance', [('instances_128', 0.05), ('instances_512', 0.02)])
def test_ngram_lengths_follow_the_probabilities(which, tolerance, request):
    lengths = collections.Counter()
    for n, instance in enumerate(request.getfixturevalue(which)):
        words = candidate_groups(instance.group_ids, whole_word=True)
        budget = num_predictions(len(instance.token_ids), 0.15, 80)
        ngrams = choose_ngrams(words, budget, (0.4, 0.3, 0.2, 0.1), seeded_rng('ngram', n))
        covered = [p for ngram in ngrams for word in ngram for p in word]
        assert len(covered) == len(set(covered)) <= budget
        for ngram in ngrams:
            run = [p for word in ngram for p in word]
            assert run == list(range(run[0], run[0] + len(run)))         # adjacent words
            assert SEP not in [instance.token_ids[p] for p in run]
            lengths[len(ngram)] += 1
    total = sum(lengths.values())
    assert total > 10000
    for n, expected in zip((1, 2, 3, 4), (0.4, 0.3, 0.2, 0.1)):
        assert abs(lengths[n] / total - expected) < tolerance, (n, lengths)


@pytest.fixture(scope='module')
def similar_table(real_vocab):
    """A small similar-word table from THUCNews' jieba words: each frequent two-character word's
    similar words are other frequent two-character words sharing its first character, plus a
    three-character word and a word with a character missing from the vocab (both unusable)."""
    sentences = real_text.sentences_of(real_text.thucnews_documents(200))
    counts = collections.Counter(word for words in make_segmenter('jieba').segment(sentences)
                                 for word in words if len(word) in (2, 3) and '\u4e00' <= word[0] <= '\u9fff')
    two = [w for w, _ in counts.most_common() if len(w) == 2][:1500]
    three = [w for w, _ in counts.most_common() if len(w) == 3][:50]
    lines = []
    for n, word in enumerate(two):
        similar = [w for w in two if w[0] == word[0] and w != word][:3]
        if similar or n % 2:
            lines.append('%s\t%s' % (word, ' '.join(similar + [three[n % len(three)], word[0] + '\U0002a6a5'])))
    table = parse_similar_words('\n'.join(lines).encode('utf-8'))
    tokenized = tokenize_similar_words(table, build_tokenizer(real_vocab, True), real_vocab['[UNK]'])
    return table, tokenized


def test_similar_word_table_keeps_same_length_known_candidates(similar_table, real_vocab):
    table, tokenized = similar_table
    assert 100 < len(tokenized) < len(table)       # words whose candidates were all unusable are out
    for key, candidates in tokenized.items():
        assert candidates and all(len(c) == len(key) and c != key for c in candidates)
        assert real_vocab['[UNK]'] not in key and all(real_vocab['[UNK]'] not in c for c in candidates)


def test_mac_replaces_80_percent_of_words_with_similar_words(instances_128, random_ids, similar_table):
    _, tokenized = similar_table
    config = MaskingConfig('mac', 'word', 0.15, 20)
    fates = {True: collections.Counter(), False: collections.Counter()}
    totals = collections.Counter()
    for instance, masked, stats in _mask_all(instances_128, config, random_ids, tokenized):
        chosen = set(masked.masked_lm_positions)
        for word in candidate_groups(instance.group_ids, whole_word=True):
            if not chosen.intersection(word):
                continue
            original = tuple(instance.token_ids[p] for p in word)
            output = tuple(masked.input_ids[p] for p in word)
            in_table = original in tokenized
            fate = ('similar' if in_table and output in tokenized[original] else
                    'mask' if output == (MASK,) * len(word) else
                    'kept' if output == original else 'other')
            fates[in_table][fate] += 1
        totals.update(stats)
    in_table, missing = sum(fates[True].values()), sum(fates[False].values())
    assert in_table > 2000 and missing > 2000
    assert fates[True]['mask'] == 0 and fates[False]['similar'] == 0
    assert abs(fates[True]['similar'] / in_table - 0.8) < 0.03
    assert abs(fates[False]['mask'] / missing - 0.8) < 0.03
    for table_fates, count in ((fates[True], in_table), (fates[False], missing)):
        assert abs(table_fates['kept'] / count - 0.1) < 0.03 and abs(table_fates['other'] / count - 0.1) < 0.03
    assert totals['similar_word_replacements'] == fates[True]['similar']
    assert totals['similar_word_fallbacks'] == fates[False]['mask']
    assert totals['masked_words'] == in_table + missing
    share = totals['similar_word_replacements'] / totals['masked_words']
    assert abs(share - 0.8 * in_table / (in_table + missing)) < 0.02
