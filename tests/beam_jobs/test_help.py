"""--help as a user reads it: the job's own options first, grouped, each explained with its default;
Beam's options behind --help_beam."""
import re

import pytest

from beam_jobs.options import option_defaults
from tests.cli import run_job_cli


@pytest.fixture(scope='module')
def job_help() -> str:
    result = run_job_cli('--help')
    assert result.returncode == 0 and result.stderr == '', result.stderr
    return result.stdout


def _option_help(text: str, name: str) -> str:
    """The help of option ``name``: its line and the indented lines after it, up to the next option
    or group."""
    match = re.search(r'^  --%s\b.*\n((?:      .*\n)*)' % name, text, re.MULTILINE)
    assert match, '--%s is not in the help' % name
    return ' '.join(match.group(0).split())


def test_help_leads_with_the_jobs_usage_and_first_group(job_help):
    lines = job_help.splitlines()
    assert lines[0].startswith('usage: python -m beam_jobs.build_pretraining_data --input GLOB')
    head = '\n'.join(lines[:15])
    assert '\ninputs:\n' in head and '  --input ' in head
    assert '\n  --runner ' not in job_help and '\n  --direct_num_workers ' not in job_help
    assert len(lines) < 400


def test_groups_follow_the_sections_of_the_config(job_help):
    titles = [line[:-1] for line in job_help.splitlines() if re.fullmatch(r'[a-z ,]+:', line)]
    assert titles == ['inputs', 'cleaning and filters', 'deduplication', 'word segmentation',
                      'tokenization', 'instances', 'masking', 'output']


@pytest.mark.parametrize('name', list(option_defaults()))
def test_every_option_has_a_help_text_with_its_default(job_help, name):
    """Each option's line is followed by its help; the options without a default are required."""
    text = _option_help(job_help, name)
    words = text.split(None, 2)
    assert len(words) == 3 and len(words[2]) > 20, text
    assert re.search(r'\b(Default|Required)\b', text), text


@pytest.mark.parametrize('name, default', [
    ('masked_lm_prob', 'Default: 0.15.'), ('random_seed', 'Default: 12345.'),
    ('do_lower_case', 'Default: true.'), ('overwrite', 'Default: false.'),
    ('num_shards', 'Default: 8.'), ('segmenter', 'Default: jieba.'),
])
def test_defaults_are_shown(job_help, name, default):
    assert default in _option_help(job_help, name)


def test_boolean_syntax_is_explained(job_help):
    text = ' '.join(job_help.split())
    assert '--flag false' in text and '--flag true' in text
    assert '--overwrite [BOOL]' in job_help


def test_last_line_says_how_to_see_beams_options(job_help):
    assert '--help_beam' in job_help.rstrip().splitlines()[-1]


def test_help_beam_lists_beams_options_only():
    result = run_job_cli('--help_beam')
    assert result.returncode == 0 and result.stderr == '', result.stderr
    assert '\n  --runner ' in result.stdout and '\n  --direct_num_workers ' in result.stdout
    assert '--masked_lm_prob' not in result.stdout
    assert '--help' in result.stdout.rstrip().splitlines()[-1]
