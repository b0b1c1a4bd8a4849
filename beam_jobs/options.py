"""The job's options, defined once, and their validation before any pipeline is built.

Names follow Google's ``create_pretraining_data.py`` where one exists. Beam's own options
(``--runner``, ``--direct_num_workers``, ...) are parsed by Beam alongside these.
"""
import argparse
import math
from typing import List, NamedTuple

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

from schemas.sources import DEFAULT_MAX_LINE_BYTES, FORMATS, InputFile, ReadSpec
from wwm.readers.encodings import normalize_encoding
from transforms.create_instances import SENTENCE_PAIRS
from wwm.masking import DEFAULT_NGRAM_PROBS, STRATEGIES as MASK_STRATEGIES, UNITS as MASK_UNITS
from wwm.segmenters import SEGMENTERS
from wwm.sources import SourceEntry, parse_sources

MASKING_MODES = ('static', 'dynamic')
DEFAULT_MAX_SEQ_LENGTH = 128


class UsageError(Exception):
    """A problem with the options; reported as one line, exit code 2."""


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value.lower() in ('true', '1', 'yes'):
        return True
    if value.lower() in ('false', '0', 'no'):
        return False
    raise argparse.ArgumentTypeError('expected true or false, got %r' % value)


class PretrainingDataOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        group = parser.add_argument_group('pretraining data')
        group.add_argument('--input', action='append', default=None,
                           help='Input file glob; repeat the option or separate globs with commas. '
                                'Format and encoding: see --input_format, --input_encoding.')
        group.add_argument('--output_dir', default=None, help='Where shards and manifest.json go.')
        group.add_argument('--vocab_file', default=None,
                           help='BERT vocab.txt. If absent, a vocab is trained on the input.')
        group.add_argument('--vocab_size', type=int, default=21128,
                           help='Size of the vocab trained when --vocab_file is absent.')
        group.add_argument('--do_lower_case', type=_bool, nargs='?', const=True, default=True)
        group.add_argument('--max_seq_length', type=int, action='append', default=None,
                           help='Tokens per instance (default 128). Repeat it to build one dataset per '
                                'length from one run, in OUTPUT_DIR/seq<length>/.')
        group.add_argument('--max_predictions_per_seq', type=int, action='append', default=None,
                           help='Once per --max_seq_length, in the same order. Default: '
                                'ceil(max_seq_length * masked_lm_prob), 20 at 128.')
        group.add_argument('--masked_lm_prob', type=float, default=0.15)
        group.add_argument('--dupe_factor', type=int, default=None,
                           help='Copies of each document, each with its own instances (and masks); '
                                'default 10 with static masking, 1 with dynamic.')
        group.add_argument('--short_seq_prob', type=float, default=0.1)
        group.add_argument('--random_seed', type=int, default=12345)
        group.add_argument('--convert', default='t2s',
                           help='OpenCC config (t2s, tw2sp, hk2s, s2t, ...), or "none".')
        group.add_argument('--segmenter', default='jieba', help='One of: %s.' % ', '.join(SEGMENTERS))
        group.add_argument('--sentence_pair', default='nsp',
                           help='nsp: next sentence prediction; sop: sentence order prediction; none: '
                                'full sentences packed up to max_seq_length (RoBERTa).')
        group.add_argument('--cross_document', type=_bool, nargs='?', const=True, default=False,
                           help='With --sentence_pair none: pack documents one after another, [SEP] '
                                'between them.')
        group.add_argument('--masking', default='static',
                           help='static: masks in the data; dynamic: word boundaries in the data, the '
                                'trainer masks each epoch.')
        group.add_argument('--mask_strategy', default='wwm',
                           help='wwm: whole words; token: single tokens; ngram: n-grams of whole words; '
                                'mac: MacBERT (ngram, similar words instead of [MASK]).')
        group.add_argument('--mask_unit', default=None,
                           help='word or token: whether 80/10/10 is drawn per word or per token. Default '
                                'token (word for mac).')
        group.add_argument('--ngram_probs', default=None,
                           help='ngram/mac: probabilities of 1..N-word n-grams, summing to 1 (default '
                                '0.4,0.3,0.2,0.1).')
        group.add_argument('--similar_words', default=None,
                           help='mac: table of similar words, "word<TAB>similar1 similar2 ..." per line.')
        group.add_argument('--num_shards', type=int, default=8)
        group.add_argument('--bucket_size', type=int, default=1000,
                           help='Documents per bucket that random next-sentence segments are drawn '
                                'from (bounds memory per worker).')
        group.add_argument('--overwrite', type=_bool, nargs='?', const=True, default=False,
                           help='Replace an existing dataset in --output_dir.')
        # Inputs: formats, encodings, several sources with weights (docs/inputs.md).
        group.add_argument('--sources', default=None,
                           help='YAML file naming several inputs, each with path (glob), format, '
                                'encoding, text_field and up-sampling weight. Not with --input.')
        group.add_argument('--input_format', default='auto',
                           help='Format of the inputs: %s.' % ', '.join(FORMATS))
        group.add_argument('--input_encoding', default='auto',
                           help='auto (UTF-8, else GB18030, detected per file), utf-8 or gb18030.')
        group.add_argument('--text_field', default='text',
                           help='JSON lines: the field (dotted path) that holds the text.')
        group.add_argument('--max_line_bytes', type=int, default=DEFAULT_MAX_LINE_BYTES,
                           help='Longest line or record read; longer ones are skipped and counted.')


def unknown_arguments(argv) -> list:
    """Arguments that neither Beam nor this job defines (Beam would drop them with a warning)."""
    parser = _BeamArgumentParser(allow_abbrev=False)
    seen = set()
    for cls in PipelineOptions.__subclasses__():
        if str(cls) not in seen:
            seen.add(str(cls))
            cls._add_argparse_args(parser)  # pylint: disable=protected-access
    _, unknown = parser.parse_known_args(argv)
    return [arg for arg in unknown if arg.startswith('-')]


def input_patterns(options) -> list:
    return [part.strip() for value in options.input or [] for part in value.split(',') if part.strip()]


def _common_folder(paths) -> str:
    folders = [path.rsplit('/', 1)[0] + '/' if '/' in path else '' for path in paths]
    prefix = folders[0]
    for folder in folders[1:]:
        while not folder.startswith(prefix):
            prefix = prefix[:-1].rsplit('/', 1)[0] + '/' if '/' in prefix[:-1] else ''
    return prefix


def _match(pattern: str) -> list:
    try:
        matched = FileSystems.match([pattern])[0].metadata_list
    except Exception as error:  # Beam raises BeamIOError or IOError depending on the filesystem.
        raise UsageError('cannot read input %r: %s' % (pattern, error)) from None
    matched = [m.path for m in matched if not m.path.endswith('/')]
    if not matched:
        raise UsageError('no input file matched %r' % pattern)
    return matched


def resolve_inputs(entries) -> list:
    """An InputFile for every file the SourceEntries match, sorted by path; a file matched by two
    entries with different settings is an error. Names are paths below the files' common folder."""
    chosen = {}
    for entry in entries:
        for path in _match(entry.pattern):
            earlier = chosen.setdefault(path, entry)
            if earlier[1:] != entry[1:]:
                raise UsageError('%s is matched by sources %r and %r with different settings'
                                 % (path, earlier.pattern, entry.pattern))
    paths = sorted(chosen)
    prefix = _common_folder(paths)
    return [InputFile(path, path[len(prefix):], chosen[path].spec, chosen[path].weight)
            for path in paths]


def _read_spec(options) -> ReadSpec:
    if options.input_format not in FORMATS:
        raise UsageError('unknown --input_format %r (choose from %s)'
                         % (options.input_format, ', '.join(FORMATS)))
    if options.max_line_bytes < 1024:
        raise UsageError('--max_line_bytes must be at least 1024')
    try:
        encoding = normalize_encoding(options.input_encoding)
    except ValueError as error:
        raise UsageError('--input_encoding: %s' % error) from None
    return ReadSpec(options.input_format, encoding, options.text_field, options.max_line_bytes)


def _source_entries(options) -> list:
    """The inputs as SourceEntries, from --input globs or from the --sources file."""
    spec = _read_spec(options)
    if not options.sources:
        return [SourceEntry(pattern, spec, 1.0) for pattern in input_patterns(options)]
    if input_patterns(options):
        raise UsageError('--sources and --input are mutually exclusive')
    if not FileSystems.exists(options.sources):
        raise UsageError('--sources %s does not exist' % options.sources)
    with FileSystems.open(options.sources) as handle:
        text = handle.read().decode('utf-8', errors='replace')
    try:
        entries = parse_sources(text, spec)
    except ValueError as error:
        raise UsageError('--sources %s: %s' % (options.sources, error)) from None
    folder = options.sources.rsplit('/', 1)[0] + '/' if '/' in options.sources else ''
    return [entry._replace(pattern=entry.pattern if '://' in entry.pattern
                           or entry.pattern.startswith('/') else folder + entry.pattern)
            for entry in entries]


class DatasetPlan(NamedTuple):
    """One dataset of the run: one --max_seq_length, its predictions and its folder."""
    max_seq_length: int
    max_predictions_per_seq: int
    output_dir: str


def default_max_predictions(max_seq_length: int, masked_lm_prob: float) -> int:
    """Enough predictions for the budget at full length: 20 for 128 tokens at 0.15, 77 for 512."""
    return math.ceil(round(max_seq_length * masked_lm_prob, 6))


def dataset_plans(options) -> List[DatasetPlan]:
    """The datasets to build. One length writes to OUTPUT_DIR itself, several to OUTPUT_DIR/seqN/."""
    lengths = options.max_seq_length or [DEFAULT_MAX_SEQ_LENGTH]
    predictions = options.max_predictions_per_seq or [
        default_max_predictions(length, options.masked_lm_prob) for length in lengths]
    if len(predictions) != len(lengths):
        raise UsageError('give --max_predictions_per_seq once per --max_seq_length (%d), in the same '
                         'order, or not at all' % len(lengths))
    if len(set(lengths)) != len(lengths):
        raise UsageError('--max_seq_length repeats a value: %s' % ' '.join(map(str, lengths)))
    if len(lengths) == 1:
        return [DatasetPlan(lengths[0], predictions[0], options.output_dir)]
    return [DatasetPlan(length, prediction, FileSystems.join(options.output_dir, 'seq%d' % length))
            for length, prediction in zip(lengths, predictions)]


def parse_ngram_probs(text: str) -> tuple:
    """"0.4,0.3,0.2,0.1" -> probabilities of 1..N-word n-grams. Raises UsageError."""
    try:
        probs = tuple(float(part) for part in text.split(','))
    except ValueError:
        raise UsageError('--ngram_probs must be comma-separated numbers, got %r' % text) from None
    if any(not 0 <= p <= 1 for p in probs) or abs(sum(probs) - 1) > 1e-6:
        raise UsageError('--ngram_probs must be probabilities summing to 1, got %r' % text)
    return probs


def _check_lengths(plans) -> None:
    for plan in plans:
        if plan.max_seq_length < 5:
            raise UsageError('--max_seq_length must be at least 5')
        if not 1 <= plan.max_predictions_per_seq <= plan.max_seq_length - 3:
            raise UsageError('--max_predictions_per_seq must be between 1 and max_seq_length - 3 (%d), '
                             'got %d' % (plan.max_seq_length - 3, plan.max_predictions_per_seq))


def _check_masking(options) -> None:
    """Checks of the masking options together, then the defaults that depend on them."""
    ngram_like = options.mask_strategy in ('ngram', 'mac')
    checks = [
        (options.masking in MASKING_MODES,
         'unknown --masking %r (choose from %s)' % (options.masking, ', '.join(MASKING_MODES))),
        (options.mask_unit in (None,) + MASK_UNITS,
         'unknown --mask_unit %r (choose from %s)' % (options.mask_unit, ', '.join(MASK_UNITS))),
        (not (options.mask_strategy == 'mac' and options.mask_unit == 'token'),
         '--mask_strategy mac replaces whole words: --mask_unit must be word'),
        (not (options.mask_strategy == 'mac' and options.masking == 'dynamic'),
         '--mask_strategy mac needs static masking (the similar-word table is applied at build time)'),
        (options.mask_strategy != 'mac' or options.similar_words,
         '--mask_strategy mac needs --similar_words'),
        (options.mask_strategy == 'mac' or not options.similar_words,
         '--similar_words is only used by --mask_strategy mac'),
        (ngram_like or options.ngram_probs is None,
         '--ngram_probs is only used by --mask_strategy ngram or mac'),
    ]
    for ok, message in checks:
        if not ok:
            raise UsageError(message)
    if ngram_like:
        options.ngram_probs = options.ngram_probs or ','.join(map(str, DEFAULT_NGRAM_PROBS))
        parse_ngram_probs(options.ngram_probs)
    if options.mask_unit is None:
        options.mask_unit = 'word' if options.mask_strategy == 'mac' else 'token'
    if options.dupe_factor is None:
        options.dupe_factor = 10 if options.masking == 'static' else 1


def _check_ranges(options) -> None:
    checks = [
        (0 < options.masked_lm_prob <= 1, '--masked_lm_prob must be in (0, 1]'),
        (0 <= options.short_seq_prob <= 1, '--short_seq_prob must be in [0, 1]'),
        (options.dupe_factor is None or options.dupe_factor >= 1, '--dupe_factor must be at least 1'),
        (options.num_shards >= 1, '--num_shards must be at least 1'),
        (options.bucket_size >= 2, '--bucket_size must be at least 2'),
        (options.vocab_size >= 200, '--vocab_size must be at least 200'),
        (options.segmenter in SEGMENTERS,
         'unknown --segmenter %r (choose from %s)' % (options.segmenter, ', '.join(SEGMENTERS))),
        (options.mask_strategy in MASK_STRATEGIES,
         'unknown --mask_strategy %r (choose from %s)' % (options.mask_strategy,
                                                          ', '.join(MASK_STRATEGIES))),
        (options.sentence_pair in SENTENCE_PAIRS,
         'unknown --sentence_pair %r (choose from %s)' % (options.sentence_pair,
                                                          ', '.join(SENTENCE_PAIRS))),
        (options.sentence_pair == 'none' or not options.cross_document,
         '--cross_document only applies to --sentence_pair none'),
    ]
    for ok, message in checks:
        if not ok:
            raise UsageError(message)


def _check_convert(config: str) -> None:
    if config == 'none':
        return
    import opencc
    try:
        opencc.OpenCC(config)
    except Exception:  # OpenCC raises a bare RuntimeError/ValueError for unknown configs.
        raise UsageError('unknown --convert %r (an OpenCC config such as t2s, tw2sp, hk2s, s2t, '
                         'or none)' % config) from None


def validate(options) -> list:
    """Check every option and fill the defaults that depend on others (dupe_factor, mask_unit,
    ngram_probs); return the resolved InputFiles. Raises UsageError."""
    if not input_patterns(options) and not options.sources:
        raise UsageError('--input is required (or --sources)')
    if not options.output_dir:
        raise UsageError('--output_dir is required')
    _check_ranges(options)
    plans = dataset_plans(options)
    _check_lengths(plans)
    _check_masking(options)
    _check_convert(options.convert)
    for name in ('vocab_file', 'similar_words'):
        path = getattr(options, name)
        if path and not FileSystems.exists(path):
            raise UsageError('--%s %s does not exist' % (name, path))
    for plan in plans:
        if FileSystems.exists(FileSystems.join(plan.output_dir, 'manifest.json')) and not options.overwrite:
            raise UsageError('%s already holds a dataset; pass --overwrite to replace it' % plan.output_dir)
    return resolve_inputs(_source_entries(options))
