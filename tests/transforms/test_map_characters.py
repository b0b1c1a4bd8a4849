"""--map_unknown_characters: the stage (transforms/map_characters.py) on made-up documents, the
summary's [UNK] line, and one job on real news with Google's vocab, with the option and without."""
import apache_beam as beam
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from beam_jobs.build_pretraining_data import summary
from schemas.manifest import build_manifest
from schemas.records import SegmentedDocument
from tests.job_runs import run_job, write_thucnews_slice
from transforms.map_characters import MAPPED_CHARACTERS, MapCharacters
from wwm.tokens.char_map import translation_table

TABLE = translation_table({'“': '"', '”': '"', '—': '-'})
DOCUMENTS = [
    SegmentedDocument('a:0', 'a', ['他说“好”。', '——走吧'], [['他', '说', '“', '好', '”', '。'], ['——', '走', '吧']]),
    SegmentedDocument('a:1', 'a', ['没有要换的。'], [['没有', '要', '换', '的', '。']]),
]


def test_the_stage_maps_sentences_and_words_alike_and_counts_the_characters():
    with test_pipeline.TestPipeline() as pipeline:
        table = pipeline | 'Table' >> beam.Create([TABLE])
        mapped = pipeline | beam.Create(DOCUMENTS) | MapCharacters(table)
        assert_that(mapped.documents, equal_to([
            SegmentedDocument('a:0', 'a', ['他说"好"。', '--走吧'],
                              [['他', '说', '"', '好', '"', '。'], ['--', '走', '吧']]),
            DOCUMENTS[1]]), label='documents')
        assert_that(mapped.stats, equal_to([(MAPPED_CHARACTERS, 4)]), label='stats')
        assert_that(mapped.dropped, equal_to([]), label='dropped')


def _unk_line(options: dict, counts: list) -> str:
    manifest = build_manifest(dict(options, max_seq_length=128), {}, counts, 'dynamic', {}, [])
    return [line for line in summary(manifest).splitlines() if line.startswith('[UNK]')][0]


def test_the_summary_suggests_the_option_where_it_was_off_and_counts_the_mapped_characters_where_on():
    counts = [('tokens', 1000), ('unknown_tokens', 7), (('unknown_char', '“'), 7)]
    assert _unk_line({'map_unknown_characters': False}, counts).endswith(
        '; --map_unknown_characters maps those the vocab has an equivalent for')
    assert _unk_line({'map_unknown_characters': True}, counts[:2] + [(MAPPED_CHARACTERS, 1234)]) == (
        '[UNK] 0.70% of tokens (7 of 1,000); most often: ; 1,234 characters mapped to ones the vocab '
        'has (--map_unknown_characters)')
    assert _unk_line({'map_unknown_characters': False}, [('tokens', 1000)]) == '[UNK] none'


@pytest.mark.job
def test_real_news_has_fewer_unknown_tokens_with_the_option(tmp_path, real_vocab_path):
    corpus = write_thucnews_slice(tmp_path, 40)
    without = run_job(corpus, tmp_path / 'without', real_vocab_path, '--dupe_factor', '1')
    with_map = run_job(corpus, tmp_path / 'with', real_vocab_path, '--dupe_factor', '1',
                       '--map_unknown_characters')
    assert without['options']['map_unknown_characters'] is False
    assert with_map['options']['map_unknown_characters'] is True
    assert 'mapped_characters' not in without['counts'] and with_map['counts']['mapped_characters'] > 0
    assert with_map['counts']['unknown_tokens'] < without['counts']['unknown_tokens'] / 2
    assert not {char for char, _ in with_map['unknown_characters']} & set('“”‘’—…')
