"""TrainTokenizer (transforms/train_tokenizer.py) on made-up documents: one tokenizer.json, equal to
train_tokenizer on the sample the key order and the budget define, whatever the documents' order,
ids or bundling."""
import apache_beam as beam
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import Document
from transforms.train_tokenizer import TrainTokenizer
from wwm.tokens import tokenizer_training as training

SEED = 12345
TEXTS = ['北京时间4月12日，湖人队在主场击败马刺队。', '小拜膝伤无碍，季后赛可以复出。',
         '数学是研究数量、结构、变化以及空间的学科。', 'The model reads Chinese text 和 English words.',
         '新浪体育讯：篮网的阵容是由索恩打造的。', '他说：“我得找到一个球队。”', '天气预报说明天有雨。',
         '数学透过抽象化和逻辑推理的使用而发展。']
# The texts hold 165 characters, more than THRESHOLD_MARGIN budgets: the key threshold applies too.
SAMPLE_CHARS = 60


def _documents(texts, source='a'):
    return [Document('%s:%d' % (source, index), source, text) for index, text in enumerate(texts)]


def _expected(kind: str) -> bytes:
    """train_tokenizer on the texts of smallest key (below the threshold) up to the budget, in key order."""
    sample = training.corpus_sample(TEXTS, SEED, SAMPLE_CHARS)
    assert 1 < len(sample) < len(TEXTS)
    return training.train_tokenizer(sample, kind, 400, True)


def _run(documents, kind: str, expected: bytes, bundles: int = 1):
    with test_pipeline.TestPipeline() as pipeline:
        parts = [pipeline | 'Create%d' % part >> beam.Create(documents[part::bundles])
                 for part in range(bundles)]
        tokenizer = parts | beam.Flatten() | TrainTokenizer(kind, 400, True, SEED, SAMPLE_CHARS)
        assert_that(tokenizer, equal_to([expected]))


@pytest.mark.parametrize('kind', ['bpe', 'wordpiece'])
def test_one_tokenizer_trained_on_the_keyed_sample(kind):
    _run(_documents(TEXTS), kind, _expected(kind))


def test_same_bytes_in_another_order_with_other_ids_and_bundles():
    expected = _expected('bpe')
    _run(_documents(list(reversed(TEXTS)), source='b'), 'bpe', expected, bundles=3)


def test_threshold_keeps_a_sample_within_a_few_budgets():
    assert training.key_threshold(1000, 500) == training.KEY_SPACE
    keys = [training.sample_key(SEED, 'doc %d' % index) for index in range(20000)]
    threshold = training.key_threshold(20000 * 100, 1000 * 100)
    assert 1800 < sum(key < threshold for key in keys) < 2200


def test_no_document_gives_the_tokenizer_of_no_text():
    _run([], 'bpe', training.train_tokenizer([], 'bpe', 400, True))
