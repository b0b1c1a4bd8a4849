"""Segmenter models made at test time (no download): an LTP legacy model trained on the first 80%
of the SIGHAN 2005 PKU gold lines, and a tiny random-weight neural LTP model folder."""
import pytest

from tests.conftest import DEMO_CORPUS, shared_file
from wwm.segmenters.segmented_text import read_segmented

TRAIN_FRACTION = 0.8


def pku_split():
    """(first 80% of the PKU gold sentences, the remaining 20%)."""
    gold = read_segmented(str(shared_file('sighan2005/pku_test_gold.utf8')))
    cut = int(len(gold) * TRAIN_FRACTION)
    return gold[:cut], gold[cut:]


@pytest.fixture(scope='session')
def legacy_model(tmp_path_factory):
    pytest.importorskip('ltp_extension')
    from wwm.segmenters.legacy_training import train_cws_model
    path = tmp_path_factory.mktemp('legacy') / 'cws_model.bin'
    train_cws_model(pku_split()[0], str(path))
    return str(path)


@pytest.fixture(scope='session')
def tiny_ltp_model(tmp_path_factory):
    pytest.importorskip('ltp')
    from tests.ltp_random_model import write_random_ltp_model
    text = ''.join(path.read_text(encoding='utf-8') for path in sorted(DEMO_CORPUS.iterdir()))
    tokens = sorted(set(text) - set(' \t\r\n')) + list('abcdefghijklmnopqrstuvwxyz0123456789')
    return write_random_ltp_model(str(tmp_path_factory.mktemp('ltp') / 'model'), tokens)


BACKENDS = ('jieba', 'ltp_legacy', 'ltp')
_MODEL_FIXTURES = {'ltp_legacy': 'legacy_model', 'ltp': 'tiny_ltp_model'}


def model_path(request, backend: str):
    """The backend's --segmenter_model (None for jieba), made only when a test needs it."""
    fixture = _MODEL_FIXTURES.get(backend)
    return request.getfixturevalue(fixture) if fixture else None
