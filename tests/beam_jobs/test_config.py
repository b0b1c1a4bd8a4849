"""The run's JobConfig: made once from the command line, frozen, each section checking itself, and
every other list of the job's options (the manifest's, the flex template's, docs/usage.md's) held to
the one definition in beam_jobs/options.py."""
import dataclasses
import os
import re

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.config import (UNRECORDED_OPTIONS, CleaningSettings, DedupSettings, InstanceSettings,
                              JobConfig, MaskingSettings, build_config)
from beam_jobs.failures import UsageError
from beam_jobs.options import PretrainingDataOptions, option_defaults, parse_options
from tests.conftest import DEMO_CORPUS, ROOT

OPTIONS = list(option_defaults())
# What the manifest's options hold besides the job's options.
MANIFEST_ONLY = {'input_files', 'input_weights', 'similar_words_sha256'}


def _config(tmp_path, *args) -> JobConfig:
    return build_config(parse_options(['--input', str(DEMO_CORPUS / 'news.txt'),
                                       '--output_dir', str(tmp_path / 'out'), *args]))


def _options(*args):
    return PipelineOptions(['--input', 'x', '--output_dir', 'y', *args]).view_as(PretrainingDataOptions)


def _section_fields() -> list:
    """The option names the sections' fields hold, with JobConfig's own, in order."""
    names = []
    for field in dataclasses.fields(JobConfig):
        if dataclasses.is_dataclass(field.type):
            names += [option.name for option in dataclasses.fields(field.type)]
        elif field.name in OPTIONS:
            names.append(field.name)
    return names


def test_every_option_is_held_by_exactly_one_section():
    names = _section_fields()
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(OPTIONS)


def test_the_manifest_records_every_option_but_the_unrecorded_ones(tmp_path):
    assert set(UNRECORDED_OPTIONS) <= set(OPTIONS)
    config = _config(tmp_path)
    recorded = config.manifest_options()
    assert set(recorded) - MANIFEST_ONLY == set(OPTIONS) - set(UNRECORDED_OPTIONS)
    assert recorded['input_files'] == ['news.txt']


def test_the_config_holds_the_values_the_run_uses_and_leaves_the_options_alone(tmp_path, monkeypatch):
    """Defaults that follow other options are filled and local paths made absolute in the config;
    the parsed options keep what the user gave."""
    monkeypatch.chdir(DEMO_CORPUS)
    pipeline_options = parse_options(['--input', 'news.txt', '--output_dir', str(tmp_path / 'out'),
                                      '--masking', 'dynamic', '--max_seq_length', '128',
                                      '--max_seq_length', '512', '--user_dict', 'news.txt'])
    config = build_config(pipeline_options)
    given = pipeline_options.view_as(PretrainingDataOptions)
    assert given.input == ['news.txt'] and given.user_dict == 'news.txt'
    assert given.dupe_factor is None and given.mask_unit is None
    assert config.inputs.input == (str(DEMO_CORPUS / 'news.txt'),)
    assert config.segmentation.user_dict == str(DEMO_CORPUS / 'news.txt')
    assert config.instances.dupe_factor == 1 and config.masking.mask_unit == 'token'
    assert [(p.max_seq_length, p.max_predictions_per_seq, os.path.basename(p.output_dir))
            for p in config.plans] == [(128, 20, 'seq128'), (512, 77, 'seq512')]


def test_defaults_that_follow_other_options():
    static = MaskingSettings.from_options(_options('--mask_strategy', 'mac', '--similar_words', 't.txt'))
    assert static.mask_unit == 'word' and static.ngram_probs == '0.4,0.3,0.2,0.1'
    assert static.masking_config(20).ngram_probs == (0.4, 0.3, 0.2, 0.1)
    assert MaskingSettings.from_options(_options()).ngram_probs is None
    assert InstanceSettings.from_options(_options(), 'static').dupe_factor == 10
    assert InstanceSettings.from_options(_options('--dupe_factor', '3'), 'dynamic').dupe_factor == 3
    # a bucket's last pack is partial: long packs take more documents a bucket
    assert InstanceSettings.from_options(_options(), 'static').bucket_size == 250
    assert InstanceSettings.from_options(_options('--max_seq_length', '512'), 'static').bucket_size == 250
    assert InstanceSettings.from_options(
        _options('--max_seq_length', '128', '--max_seq_length', '8192'), 'dynamic').bucket_size == 4000
    assert InstanceSettings.from_options(
        _options('--max_seq_length', '8192', '--bucket_size', '300'), 'dynamic').bucket_size == 300


def test_a_section_checks_itself_however_it_is_made():
    dedup = DedupSettings.from_options(_options())
    with pytest.raises(UsageError, match=r'^--near_dup_threshold must be in \(0, 1\]$'):
        dataclasses.replace(dedup, near_dup_threshold=0)
    cleaning = CleaningSettings.from_options(_options())
    with pytest.raises(UsageError, match=r"^unknown --urls 'drop' \(choose from remove, keep\)$"):
        dataclasses.replace(cleaning, urls='drop')
    with pytest.raises(dataclasses.FrozenInstanceError):
        cleaning.urls = 'keep'


def test_sections_hand_the_stages_their_settings(tmp_path):
    config = _config(tmp_path, '--lsh_bands', '16', '--lsh_rows', '8', '--min_chars', '5',
                     '--output_format', 'arrow,tfrecord', '--tfrecord_compression', 'gzip',
                     '--segmenter_batch_size', '7', '--jieba_hmm', 'false', '--sentence_pair', 'sop')
    assert config.dedup.near_duplicate_params.bands == 16
    assert config.cleaning.filter_thresholds.min_chars == 5
    assert [spec.extension for spec in config.output.specs('static', 128, 20)] == ['tfrecord.gz', 'arrow']
    assert config.segmentation.settings['batch_size'] == 7 and config.segmentation.settings['hmm'] is False
    instance = config.instances.instance_config(128, config.random_seed, 101, 102)
    assert (instance.sentence_pair, instance.max_seq_length, instance.seed) == ('sop', 128, 12345)


@pytest.mark.parametrize('args, attribute, value', [
    (['--do_lower_case', 'false'], 'do_lower_case', False),
    (['--do_lower_case'], 'do_lower_case', True),
    (['--overwrite'], 'overwrite', True),
    (['--dedup_near', 'no'], 'dedup_near', False),
    (['--output_format', 'parquet', '--output_format', 'arrow,tfrecord'], 'output_format',
     ('tfrecord', 'arrow', 'parquet')),
])
def test_users_spellings_of_booleans_and_repeated_options(tmp_path, args, attribute, value):
    assert _config(tmp_path, *args).option_values()[attribute] == value


def test_repeated_inputs_and_comma_separated_globs(tmp_path):
    config = build_config(parse_options([
        '--input', str(DEMO_CORPUS / 'news.txt') + ',' + str(DEMO_CORPUS / 'wiki.txt'),
        '--input', str(DEMO_CORPUS / 'news.txt'), '--output_dir', str(tmp_path / 'out')]))
    assert [f.name for f in config.files] == ['news.txt', 'wiki.txt']


def _documented_options() -> list:
    """The options docs/usage.md's option tables name (the first cell of each row)."""
    text = (ROOT / 'docs' / 'usage.md').read_text(encoding='utf-8')
    cells = [line.split('|')[1] for line in text.splitlines() if line.startswith('| `--')]
    return [name for cell in cells for name in re.findall(r'`--(\w+)`', cell)]


def test_docs_usage_documents_every_option_once():
    documented = _documented_options()
    assert len(documented) == len(set(documented))
    assert sorted(documented) == sorted(OPTIONS)

