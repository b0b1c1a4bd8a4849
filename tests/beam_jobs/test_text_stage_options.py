"""The cleaning, filter, conversion and dedup options: validated before anything runs, and each one
reaching its stage."""
import json

import apache_beam as beam
import opencc
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that

from beam_jobs.build_pretraining_data import clean_filter_deduplicate
from beam_jobs.config import CleaningSettings, DedupSettings
from beam_jobs.options import PretrainingDataOptions
from schemas.records import Document
from tests.conftest import shared_file
from tests.real_text import thucnews_documents
from tests.cli import refused_options_stderr
from transforms.convert_chinese import ConvertChinese
from wwm.text.converter_markup import SIMPLIFIED, TRADITIONAL


@pytest.mark.parametrize('args, message', [
    (['--convert', 't2tw'], "unknown --convert 't2tw' (choose from t2s, tw2sp, hk2s, s2t, none)"),
    (['--converter_markup', 'zh-cn'], "unknown --converter_markup 'zh-cn'"),
    (['--urls', 'placeholder'], "unknown --urls 'placeholder' (choose from remove, keep)"),
    (['--min_cjk_fraction', '1.5'], '--min_cjk_fraction must be in [0, 1]'),
    (['--lsh_bands', '20', '--lsh_rows', '10'], 'bands x rows at most --minhash_num_perm (128)'),
    (['--near_dup_threshold', '0'], '--near_dup_threshold must be in (0, 1]'),
    (['--near_dup_threshold', '1'], 'no LSH layout for --near_dup_threshold 1 with --minhash_num_perm 128'),
])
def test_bad_text_stage_option_is_one_line_and_exit_2(tmp_path, args, message):
    assert message in refused_options_stderr(tmp_path, *args)


def _options(*args):
    return PipelineOptions(['--input', 'x', '--output_dir', 'y', *args]).view_as(PretrainingDataOptions)


def _cleaning(*args):
    return CleaningSettings.from_options(_options(*args)).cleaning_options


def _near(*args):
    return DedupSettings.from_options(_options(*args)).near_duplicate_params


def test_markup_variant_follows_the_conversion_unless_given():
    assert _cleaning().markup_chain == SIMPLIFIED
    assert _cleaning('--convert', 's2t').markup_chain == TRADITIONAL
    assert _cleaning('--convert', 's2t', '--converter_markup', 'simplified').markup_chain == SIMPLIFIED
    assert _cleaning('--converter_markup', 'keep').markup_chain is None
    assert _near('--dedup_near', 'false') is None
    assert _near('--lsh_bands', '16', '--lsh_rows', '8').bands == 16


def _traditional_count(texts):
    to_simplified = opencc.OpenCC('t2s').convert
    return sum(to_simplified(c) != c for text in texts for c in text)


def _drcd_contexts(limit=40):
    drcd = json.loads(shared_file('drcd/DRCD_test.json').read_text(encoding='utf-8'))
    return [p['context'] for article in drcd['data'] for p in article['paragraphs']][:limit]


def _check(predicate):
    def check(texts):
        assert predicate(texts), texts[:1]
    return check


def test_convert_choices_on_traditional_and_simplified_text():
    drcd = [Document('drcd:%d' % i, 'drcd', text) for i, text in enumerate(_drcd_contexts())]
    simplified_news = [Document('news:%d' % i, 'news', text) for i, text in enumerate(thucnews_documents(40))]
    assert _traditional_count(d.text for d in drcd) > 1000
    with beam.Pipeline() as pipeline:
        traditional = pipeline | 'Drcd' >> beam.Create(drcd)
        simplified = pipeline | 'News' >> beam.Create(simplified_news)
        for config in ('t2s', 'tw2sp', 'hk2s'):
            texts = traditional | config >> ConvertChinese(config) | 'Text' + config >> beam.Map(lambda d: d.text)
            assert_that(texts, _check(lambda t: _traditional_count(t) == 0), label='Simplified' + config)
        kept = traditional | 'none' >> ConvertChinese('none') | 'TextNone' >> beam.Map(lambda d: d.text)
        assert_that(kept, _check(lambda t: sorted(t) == sorted(d.text for d in drcd)), label='Unchanged')
        to_traditional = simplified | 's2t' >> ConvertChinese('s2t') | 'TextS2t' >> beam.Map(lambda d: d.text)
        assert_that(to_traditional, _check(lambda t: _traditional_count(t) > 1000), label='Traditional')


def _text_stages(documents, output, *args):
    """{doc_id: text} after clean -> convert -> filter -> dedup with these job options."""
    with beam.Pipeline() as pipeline:
        options = _options(*args)
        texts = clean_filter_deduplicate(pipeline | beam.Create(documents),
                                         CleaningSettings.from_options(options),
                                         DedupSettings.from_options(options)).documents
        _ = (texts | beam.Map(lambda d: json.dumps([d.doc_id, d.text], ensure_ascii=False))
             | beam.io.WriteToText(str(output), shard_name_template=''))
    return dict(json.loads(line) for line in output.read_text(encoding='utf-8').split('\n')[:-1])


def test_options_reach_their_stages(tmp_path):
    news = thucnews_documents(3)
    documents = [Document('a:0', 'a', news[0] + '见-{zh-cn:网络;zh-tw:網路}- http://x.cn'),
                 Document('a:1', 'a', news[0].replace('，', ',')), Document('a:2', 'a', '短文。'),
                 Document('a:3', 'a', news[1] + '\n责任编辑：张三')]
    default = _text_stages(documents, tmp_path / 'default')
    assert sorted(default) == ['a:0', 'a:3'] and '网络' in default['a:0'] and 'http' not in default['a:0']
    assert '责任编辑' not in default['a:3']
    loose = _text_stages(documents, tmp_path / 'loose', '--dedup_exact', 'false', '--dedup_near', 'false', '--min_chars', '0',
                         '--converter_markup', 'keep', '--urls', 'keep', '--remove_boilerplate', 'false')
    assert sorted(loose) == ['a:0', 'a:1', 'a:2', 'a:3']
    assert '-{zh-cn:网络;zh-tw:' in loose['a:0'] and 'http://x.cn' in loose['a:0']
    assert '责任编辑' in loose['a:3']
