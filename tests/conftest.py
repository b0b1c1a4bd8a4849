"""Shared fixtures: paths to the real data in ../shared/data (skipped with a reason when absent),
the demo corpus's vocab and dataset, made without them, and a helper that runs the job in-process."""
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_DATA = pathlib.Path(os.environ.get('WWM_SHARED_DATA', ROOT.parent / 'shared' / 'data'))
DEMO_CORPUS = ROOT / 'examples' / 'demo_corpus'
# transformers decides once, at its first import, whether to load its TensorFlow half, which fails
# with the Keras 3 that tensorflow-cpu brings; modules import it indirectly (MosaicML streaming
# does), so this is set before any test module is collected.
os.environ.setdefault('USE_TF', '0')


def pytest_configure(config):
    config.addinivalue_line('markers', 'flink: runs a local Flink session cluster (needs Java and Maven)')
    config.addinivalue_line('markers', "prism: runs Beam's Prism runner (needs Go)")
    config.addinivalue_line('markers', 'job: runs the whole job end to end (tests/jobs/; -m "not job" skips)')


def shared_file(relative: str) -> pathlib.Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip('real data %s is absent (set WWM_SHARED_DATA to the shared/data folder)' % path)
    return path


@pytest.fixture(scope='session')
def real_vocab_path():
    return shared_file('vocab/vocab.txt')


@pytest.fixture(scope='session')
def real_vocab(real_vocab_path):
    from wwm.tokens.vocab import parse_vocab
    return parse_vocab(real_vocab_path.read_bytes())


@pytest.fixture(scope='session')
def thucnews_tokenized(real_vocab):
    """200 THUCNews documents, tokenized with jieba's word groups (see tests/real_text.py)."""
    from tests import real_text
    return real_text.tokenized_documents(real_text.thucnews_documents(200), real_vocab)


@pytest.fixture(scope='session')
def cmrc_tokenized(real_vocab):
    """The CMRC 2018 trial paragraphs (simplified Chinese Wikipedia), tokenized likewise."""
    from tests import real_text
    return real_text.tokenized_documents(real_text.cmrc_documents(), real_vocab)


@pytest.fixture(scope='session')
def portable_services(tmp_path_factory):
    """(job endpoint, worker pool address) of Beam's local job service and an EXTERNAL worker pool,
    started once for the session on loopback and always stopped (see tests/portable_services.py)."""
    from tests.portable_services import job_service_and_worker_pool
    with job_service_and_worker_pool(tmp_path_factory.mktemp('portable_services')) as endpoints:
        yield endpoints


@pytest.fixture(scope='session')
def demo_vocab_path(tmp_path_factory):
    """The vocab `make demo` trains on the demo corpus: the demo runs need none of the real data."""
    from tests.job_runs import train_demo_vocab
    return train_demo_vocab(tmp_path_factory.mktemp('demo_vocab'))


@pytest.fixture(scope='session')
def demo_digests(tmp_path_factory, demo_vocab_path):
    """sha256 by file of the demo corpus's dataset, built in-process: the reference of every runner."""
    from tests.job_runs import DEMO, digests, run_job
    output_dir = tmp_path_factory.mktemp('demo_in_process') / 'out'
    run_job(DEMO, output_dir, demo_vocab_path)
    return digests(output_dir)
