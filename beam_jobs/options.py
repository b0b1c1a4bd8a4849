"""The job's options, defined once, and their validation before any pipeline is built.

Names follow Google's ``create_pretraining_data.py`` where one exists. Beam's own options
(``--runner``, ``--direct_num_workers``, ...) are parsed by Beam alongside these.
"""
import argparse
import importlib.util
import json
import math
import os
import stat
import tempfile
from typing import List, NamedTuple

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.failures import OneLineErrorParser, UsageError
from beam_jobs.runner_options import runner_problem
from schemas.sources import (DEFAULT_MAX_DOCUMENT_CHARS, DEFAULT_MAX_LINE_BYTES, FORMATS,
                             MIN_MAX_DOCUMENT_CHARS, InputFile, ReadSpec)
from wwm.readers.encodings import normalize_encoding
from transforms.create_instances import SENTENCE_PAIRS
from wwm.masking import DEFAULT_NGRAM_PROBS, STRATEGIES as MASK_STRATEGIES, UNITS as MASK_UNITS
from wwm.converter_markup import VARIANT_CHAINS
from wwm.dedup import NearDuplicateParams, band_layout
from wwm.filters import FilterThresholds
from wwm.segmenters import DEFAULT_SEGMENTER, MODEL_SEGMENTERS, SEGMENTERS
from wwm.segmenters.protected_words import parse_user_dict, read_user_dict
from wwm.text_cleaning import URL_POLICIES, CleaningOptions
from wwm.sources import SourceEntry, parse_sources
from wwm.shard_writers import OUTPUT_FORMATS, TFRECORD_COMPRESSIONS

MASKING_MODES = ('static', 'dynamic')
DEFAULT_MAX_SEQ_LENGTH = 128
# Above these a run is a typo, not a plan: BERT's position embeddings stop at 512 (long-context
# models at a few thousand), and every shard is a file open in each writer at once.
MAX_SEQ_LENGTH_LIMIT = 8192
MAX_NUM_SHARDS = 10000
CONVERSIONS = ('t2s', 'tw2sp', 'hk2s', 's2t', 'none')
CONVERTER_MARKUP = ('auto', 'simplified', 'traditional', 'keep')


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
                           help='Input file glob; repeat the option or separate globs with commas '
                                '(a value naming an existing local file is that file, commas and '
                                'brackets included). '
                                'Format and encoding: see --input_format, --input_encoding.')
        group.add_argument('--output_dir', default=None, help='Where shards and manifest.json go.')
        group.add_argument('--vocab_file', default=None,
                           help='BERT vocab.txt. If absent, a vocab is trained on the input.')
        group.add_argument('--vocab_size', type=int, default=21128,
                           help='Size of the vocab trained when --vocab_file is absent.')
        group.add_argument('--do_lower_case', type=_bool, nargs='?', const=True, default=True)
        group.add_argument('--max_seq_length', type=int, action='append', default=None,
                           help='Tokens per instance (default 128, at most %d). Repeat it to build one '
                                'dataset per length from one run, in OUTPUT_DIR/seq<length>/.'
                                % MAX_SEQ_LENGTH_LIMIT)
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
                           help='OpenCC conversion: %s.' % ', '.join(CONVERSIONS))
        # Word segmentation (wwm.segmenters).
        group.add_argument('--segmenter', default=DEFAULT_SEGMENTER,
                           help='One of: %s (ltp needs `pip install .[ltp]`).' % ', '.join(SEGMENTERS))
        group.add_argument('--segmenter_model', default=None,
                           help='ltp: model folder (config.json, pytorch_model.bin, vocab.txt, ...); '
                                'ltp_legacy: model file (cws_model.bin). Local or any Beam '
                                'filesystem (gs://...); copied to each worker.')
        group.add_argument('--user_dict', default=None,
                           help='Protected words, one a line (jieba layout "word [freq] [tag]" '
                                'accepted): never split, with every segmenter.')
        group.add_argument('--jieba_hmm', type=_bool, nargs='?', const=True, default=True,
                           help='jieba: find words missing from its dictionary with its HMM.')
        group.add_argument('--segmenter_batch_size', type=int, default=32,
                           help='ltp, ltp_legacy: sentences per model call.')
        group.add_argument('--segmenter_threads', type=int, default=1,
                           help='ltp: torch CPU threads per worker; ltp_legacy: threads per batch.')
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
        group.add_argument('--num_shards', type=int, default=8,
                           help='Files per output format (at most %d), balanced to within one '
                                'record.' % MAX_NUM_SHARDS)
        group.add_argument('--output_format', action='append', default=None,
                           help='tfrecord, arrow or parquet (default tfrecord); repeat the option or '
                                'separate formats with commas to write several from the same instances.')
        group.add_argument('--tfrecord_compression', default='none',
                           help='none or gzip (TensorFlow reads GZIP TFRecord, not zstd).')
        group.add_argument('--bucket_size', type=int, default=250,
                           help='Documents per bucket that random next-sentence segments are drawn '
                                'from (about: counted before deduplication; bounds memory per worker). '
                                'A bucket is made into instances by one worker: keep buckets many '
                                'times more than workers.')
        group.add_argument('--overwrite', type=_bool, nargs='?', const=True, default=False,
                           help='Replace an existing dataset in --output_dir.')
        group.add_argument('--allow_other_files', type=_bool, nargs='?', const=True, default=False,
                           help='Let --output_dir hold files the job did not write; they are never '
                                'read, overwritten or deleted.')
        group.add_argument('--allow_empty', type=_bool, nargs='?', const=True, default=False,
                           help='Accept a run that makes no instance (exit code 0 instead of 1).')
        group.add_argument('--sort_temp_dir', default=None,
                           help='Where the shards are sorted: temporary run files about the size of '
                                'the uncompressed output, deleted once the dataset is committed. '
                                'Default: OUTPUT_DIR/.incomplete/. Local or any Beam filesystem.')
        # Inputs: formats, encodings, several sources with weights (docs/inputs.md).
        group.add_argument('--sources', default=None,
                           help='YAML file naming several inputs, each with path (glob), format, '
                                'encoding, text_field and up-sampling weight. Not with --input.')
        group.add_argument('--input_format', default='auto',
                           help='Format of the inputs: %s.' % ', '.join(FORMATS))
        group.add_argument('--input_encoding', default='auto',
                           help='auto (byte order mark, else UTF-8 or GB18030, detected per file), '
                                'utf-8, gb18030 or utf-16.')
        group.add_argument('--text_field', default='text',
                           help='JSON lines: the field (dotted path) that holds the text.')
        group.add_argument('--max_line_bytes', type=int, default=DEFAULT_MAX_LINE_BYTES,
                           help='Longest line or record read; longer ones are skipped and counted.')
        group.add_argument('--max_document_chars', type=int, default=DEFAULT_MAX_DOCUMENT_CHARS,
                           help='Longest document (at least %d characters); longer ones are cut '
                                'into pieces at line breaks, else sentence ends, and counted '
                                '(docs/inputs.md).' % MIN_MAX_DOCUMENT_CHARS)
        _add_cleaning_args(parser.add_argument_group('cleaning, filters and deduplication'))


def _add_cleaning_args(group):
    filters = FilterThresholds()
    near = NearDuplicateParams()
    group.add_argument('--converter_markup', default='auto',
                       help='MediaWiki -{...}- markup: the variant to keep (simplified, traditional; '
                            'auto: traditional for --convert s2t, else simplified), or keep it as is.')
    group.add_argument('--strip_html', type=_bool, nargs='?', const=True, default=True,
                       help='Remove HTML tags and comments, decode entities.')
    group.add_argument('--urls', default='remove', help='URLs and e-mail addresses: remove or keep.')
    group.add_argument('--remove_boilerplate', type=_bool, nargs='?', const=True, default=True,
                       help='Remove news boilerplate lines (credits, related links, notices).')
    group.add_argument('--min_chars', type=int, default=filters.min_chars,
                       help='Drop documents with fewer word characters (0: off).')
    group.add_argument('--min_cjk_fraction', type=float, default=filters.min_cjk_fraction,
                       help='Drop documents whose word characters are less CJK than this (0: off).')
    group.add_argument('--max_duplicate_line_fraction', type=float,
                       default=filters.max_duplicate_line_fraction,
                       help='Drop documents with more repeated lines than this (1: off).')
    group.add_argument('--max_top_ngram_fraction', type=float, default=filters.max_top_ngram_fraction,
                       help='Drop documents whose most frequent character 4-gram covers more (1: off).')
    group.add_argument('--max_duplicate_ngram_fraction', type=float,
                       default=filters.max_duplicate_ngram_fraction,
                       help='Drop documents whose repeated character 10-grams cover more (1: off).')
    group.add_argument('--dedup_exact', type=_bool, nargs='?', const=True, default=True,
                       help='Drop exact duplicates (after normalization), across all sources.')
    group.add_argument('--dedup_near', type=_bool, nargs='?', const=True, default=True,
                       help='Drop near duplicates (MinHash LSH), across all sources.')
    group.add_argument('--near_dup_threshold', type=float, default=near.threshold,
                       help='Estimated Jaccard similarity of shingle sets from which documents are '
                            'near duplicates.')
    group.add_argument('--minhash_num_perm', type=int, default=near.num_perm)
    group.add_argument('--lsh_bands', type=int, default=near.bands,
                       help='LSH bands; 0: chosen from the threshold (with --lsh_rows 0).')
    group.add_argument('--lsh_rows', type=int, default=near.rows, help='Signature values per band.')
    group.add_argument('--shingle_size', type=int, default=near.shingle_size,
                       help='Characters per shingle.')


class _OptionsParser(OneLineErrorParser):
    """A parser for the definitions of every PipelineOptions class, Beam's and ours, to check the
    values' types and find unknown options before PipelineOptions parses them (argparse's own
    error() prints the usage of every option, 198 lines, before the one line that matters). Beam's
    value-provider options are plain options here: only their values' types are checked."""

    def add_value_provider_argument(self, *args, **kwargs):
        if not args[0].startswith('-') and kwargs.get('nargs') is None:
            kwargs['nargs'] = '?'  # as Beam's own parser: a templated positional may be absent
        self.add_argument(*args, **kwargs)


def unknown_arguments(argv) -> list:
    """Arguments that neither Beam nor this job defines (Beam would drop them with a warning).

    Parsed with the definitions PipelineOptions uses, so a value it would refuse (a wrong type, a
    missing value) raises UsageError here first."""
    parser = _OptionsParser(allow_abbrev=False)
    seen = set()
    for cls in PipelineOptions.__subclasses__():
        if str(cls) not in seen:
            seen.add(str(cls))
            cls._add_argparse_args(parser)  # pylint: disable=protected-access
    _, unknown = parser.parse_known_args(argv)
    return [arg for arg in unknown if arg.startswith('-')]


def parse_options(argv) -> PipelineOptions:
    """The PipelineOptions of ``argv``, after checking every value's type and that no option is
    unknown. Raises UsageError (one line) where Beam would print its whole usage or drop an option."""
    unknown = unknown_arguments(argv)
    if unknown:
        raise UsageError('unknown option(s): %s' % ' '.join(unknown))
    return PipelineOptions(argv)


def output_formats(options) -> list:
    """The requested output formats in OUTPUT_FORMATS order (default tfrecord)."""
    given = [part.strip() for value in options.output_format or ['tfrecord']
             for part in value.split(',') if part.strip()]
    for name in given:
        if name not in OUTPUT_FORMATS:
            raise UsageError('unknown --output_format %r (choose from %s)'
                             % (name, ', '.join(OUTPUT_FORMATS)))
    return [name for name in OUTPUT_FORMATS if name in given]


def _check_outputs(options) -> None:
    formats = output_formats(options)
    if options.tfrecord_compression not in TFRECORD_COMPRESSIONS:
        raise UsageError('unknown --tfrecord_compression %r (choose from %s)'
                         % (options.tfrecord_compression, ', '.join(TFRECORD_COMPRESSIONS)))
    if options.tfrecord_compression != 'none' and 'tfrecord' not in formats:
        raise UsageError('--tfrecord_compression %s needs --output_format tfrecord'
                         % options.tfrecord_compression)


def _is_local(path: str) -> bool:
    return FileSystems.get_scheme(path) is None


def _existing_local_path(value: str) -> bool:
    """Whether ``value`` names an existing local path as it is: its commas and ``[ ] * ?`` are then
    part of a file name (``notes,2020.txt``, ``book[1].txt``), not separators and glob characters."""
    return _is_local(value) and os.path.lexists(value)


def input_patterns(options) -> list:
    """The --input values: one that names an existing local path is taken as is, any other is split
    on commas, each part a glob."""
    patterns = []
    for value in options.input or []:
        value = value.strip()
        if _existing_local_path(value):
            patterns.append(value)
        else:
            patterns += [part.strip() for part in value.split(',') if part.strip()]
    return patterns


def _file_problem(path: str) -> str:
    """Why ``path`` cannot be read as a file, or '': a folder would fail at its first read (after
    the pipeline started), and a FIFO or device would block the reader or never end. Remote paths
    (gs://) are left to their filesystem."""
    if not _is_local(path):
        return ''
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return 'cannot be read: %s' % error.strerror
    if stat.S_ISDIR(mode):
        return 'is a folder, not a file'
    if not stat.S_ISREG(mode):
        return 'is not a regular file (a FIFO, socket or device)'
    return ''


def _check_file(name: str, path) -> None:
    """Raises UsageError unless the file ``path`` given as --``name`` exists and, where it is
    local, is a regular file."""
    if not path:
        return
    if not FileSystems.exists(path):
        raise UsageError('--%s %s does not exist' % (name, path))
    problem = _file_problem(path)
    if problem:
        raise UsageError('--%s %s %s' % (name, path, problem))


def _common_folder(paths) -> str:
    folders = [path.rsplit('/', 1)[0] + '/' if '/' in path else '' for path in paths]
    prefix = folders[0]
    for folder in folders[1:]:
        while not folder.startswith(prefix):
            prefix = prefix[:-1].rsplit('/', 1)[0] + '/' if '/' in prefix[:-1] else ''
    return prefix


def _match(pattern: str) -> dict:
    """{path: size in bytes} of the files ``pattern`` matches: the path itself where it names an
    existing local path (Beam's globs cannot quote ``[ ] * ?``), else the glob's matches.
    Raises UsageError where none matches or a local match is not a regular file."""
    if _existing_local_path(pattern):
        matched = {pattern: None}
    else:
        try:
            metadata = FileSystems.match([pattern])[0].metadata_list
        except Exception as error:  # Beam raises BeamIOError or IOError depending on the filesystem.
            raise UsageError('cannot read input %r: %s' % (pattern, error)) from None
        matched = {m.path: m.size_in_bytes for m in metadata if not m.path.endswith('/')}
        if not matched:
            raise UsageError('no input file matched %r' % pattern)
    for path in matched:
        problem = _file_problem(path)
        if problem:
            hint = (' (for the files in it, give %s)' % os.path.join(path, '*')
                    if os.path.isdir(path) else '')
            raise UsageError('input %s %s%s' % (path, problem, hint))
    return {path: os.path.getsize(path) if _is_local(path) else size for path, size in matched.items()}


def resolve_inputs(entries) -> list:
    """An InputFile for every file the SourceEntries match, sorted by path; a file matched by two
    entries with different settings is an error. Names are paths below the files' common folder."""
    chosen, sizes = {}, {}
    for entry in entries:
        for path, size in _match(entry.pattern).items():
            earlier = chosen.setdefault(path, entry)
            sizes[path] = size
            if earlier[1:] != entry[1:]:
                raise UsageError('%s is matched by sources %r and %r with different settings'
                                 % (path, earlier.pattern, entry.pattern))
    paths = sorted(chosen)
    prefix = _common_folder(paths)
    return [InputFile(path, path[len(prefix):], chosen[path].spec, chosen[path].weight, sizes[path])
            for path in paths]


def _read_spec(options) -> ReadSpec:
    if options.input_format not in FORMATS:
        raise UsageError('unknown --input_format %r (choose from %s)'
                         % (options.input_format, ', '.join(FORMATS)))
    if options.max_line_bytes < 1024:
        raise UsageError('--max_line_bytes must be at least 1024')
    if options.max_document_chars < MIN_MAX_DOCUMENT_CHARS:
        raise UsageError('--max_document_chars must be at least %d' % MIN_MAX_DOCUMENT_CHARS)
    try:
        encoding = normalize_encoding(options.input_encoding)
    except ValueError as error:
        raise UsageError('--input_encoding: %s' % error) from None
    return ReadSpec(options.input_format, encoding, options.text_field, options.max_line_bytes,
                    options.max_document_chars)


def _source_entries(options) -> list:
    """The inputs as SourceEntries, from --input globs or from the --sources file."""
    spec = _read_spec(options)
    if not options.sources:
        return [SourceEntry(pattern, spec, 1.0) for pattern in input_patterns(options)]
    if input_patterns(options):
        raise UsageError('--sources and --input are mutually exclusive')
    _check_file('sources', options.sources)
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
        if not 5 <= plan.max_seq_length <= MAX_SEQ_LENGTH_LIMIT:
            raise UsageError('--max_seq_length must be between 5 and %d, got %d'
                             % (MAX_SEQ_LENGTH_LIMIT, plan.max_seq_length))
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
        (1 <= options.num_shards <= MAX_NUM_SHARDS,
         '--num_shards must be between 1 and %d, got %d' % (MAX_NUM_SHARDS, options.num_shards)),
        (options.bucket_size >= 2, '--bucket_size must be at least 2'),
        (options.vocab_size >= 200, '--vocab_size must be at least 200'),
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


def _choice(options, name: str, choices) -> tuple:
    value = getattr(options, name)
    return (value in choices, 'unknown --%s %r (choose from %s)' % (name, value, ', '.join(choices)))


def _check_cleaning(options) -> None:
    fractions = ('min_cjk_fraction', 'max_duplicate_line_fraction', 'max_top_ngram_fraction',
                 'max_duplicate_ngram_fraction')
    checks = [
        _choice(options, 'convert', CONVERSIONS),
        _choice(options, 'converter_markup', CONVERTER_MARKUP),
        _choice(options, 'urls', URL_POLICIES),
        (options.min_chars >= 0, '--min_chars must be at least 0'),
        (0 < options.near_dup_threshold <= 1, '--near_dup_threshold must be in (0, 1]'),
        (options.minhash_num_perm >= 2, '--minhash_num_perm must be at least 2'),
        (options.shingle_size >= 1, '--shingle_size must be at least 1'),
        ((options.lsh_bands == options.lsh_rows == 0)
         or (options.lsh_bands >= 1 and options.lsh_rows >= 1
             and options.lsh_bands * options.lsh_rows <= options.minhash_num_perm),
         '--lsh_bands and --lsh_rows must both be 0, or both positive with bands x rows at most '
         '--minhash_num_perm (%d)' % options.minhash_num_perm),
    ] + [(0 <= getattr(options, name) <= 1, '--%s must be in [0, 1]' % name) for name in fractions]
    for ok, message in checks:
        if not ok:
            raise UsageError(message)
    if options.dedup_near and not options.lsh_bands:
        try:
            band_layout(near_duplicate_params(options))
        except ValueError as error:  # no layout of at least 2 bands
            raise UsageError('no LSH layout for --near_dup_threshold %g with --minhash_num_perm %d (%s); '
                             'give --lsh_bands and --lsh_rows' % (options.near_dup_threshold,
                                                                   options.minhash_num_perm, error)) from None


def _absolute(path):
    """A local path made absolute: workers (another process, another working directory) read it."""
    if path and FileSystems.get_scheme(path) is None:
        return os.path.abspath(path)
    return path


def _make_local_paths_absolute(options) -> None:
    options.input = [_absolute(pattern) for pattern in input_patterns(options)]
    options.output_dir = _absolute(options.output_dir)
    options.sort_temp_dir = _absolute(options.sort_temp_dir)
    options.vocab_file = _absolute(options.vocab_file)
    options.sources = _absolute(options.sources)
    options.similar_words = _absolute(options.similar_words)
    options.segmenter_model = _absolute(options.segmenter_model)
    options.user_dict = _absolute(options.user_dict)


def _unwritable_folder(name: str, path) -> str:
    """Why the job could not write the local folder ``path`` (created if missing), or ''.

    Beam would find it at the first file written, minutes into the run; a remote folder (gs://) is
    left to that first write."""
    if not path or FileSystems.get_scheme(path) is not None:
        return ''
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return '--%s %s: %s is a file, not a folder' % (name, path, existing)
    if not os.access(existing, os.W_OK | os.X_OK):
        return '--%s %s: no permission to write in %s' % (name, path, existing)
    problem = _write_probe_problem(path)
    if problem:
        return '--%s %s: cannot create files there (%s)' % (name, path, problem)
    return ''


def _write_probe_problem(folder: str) -> str:
    """Why no file can be created in the local ``folder``, or '': found by creating the missing
    folders and a probe file, since permission bits do not show a read-only mount or /proc.
    Exactly what the probe created is removed again."""
    missing, existing = [], folder
    while not os.path.isdir(existing):
        missing.append(existing)
        existing = os.path.dirname(existing)
    created = []
    try:
        for path in reversed(missing):
            try:
                os.mkdir(path)
            except FileExistsError:  # made meanwhile by someone else: not ours to remove
                continue
            created.append(path)
        descriptor, probe = tempfile.mkstemp(prefix='.write-probe-', dir=folder)
        os.close(descriptor)
        os.remove(probe)
    except OSError as error:
        return error.strerror or str(error)
    finally:
        for path in reversed(created):
            try:
                os.rmdir(path)
            except OSError:  # someone else's file appeared in it: the folder is theirs too now
                pass
    return ''


# Packages each segmenter imports, checked without importing them (torch takes seconds).
_SEGMENTER_PACKAGES = {'ltp': ('ltp', 'torch', 'transformers'), 'ltp_legacy': ('ltp_extension',)}


def _check_ltp_folder(path: str) -> None:
    config_file = FileSystems.join(path, 'config.json')
    if not FileSystems.exists(config_file):
        raise UsageError('--segmenter_model %s is not an LTP model folder: it has no config.json' % path)
    with FileSystems.open(config_file) as handle:
        try:
            config = json.loads(handle.read())
        except ValueError:
            raise UsageError('--segmenter_model %s: config.json is not JSON' % path) from None
    if not config.get('nerual'):  # sic: LTP's own key
        raise UsageError('--segmenter_model %s is an LTP legacy model folder: use --segmenter '
                         'ltp_legacy with its cws model file' % path)
    if not FileSystems.exists(FileSystems.join(path, 'pytorch_model.bin')):
        raise UsageError('--segmenter_model %s is not an LTP model folder: it has no pytorch_model.bin' % path)


def _check_legacy_file(path: str) -> None:
    if os.path.isdir(path):
        raise UsageError('--segmenter_model %s is a folder; ltp_legacy needs a model file such as '
                         'cws_model.bin' % path)
    if FileSystems.get_scheme(path) is None:  # Remote models are only loaded on the workers.
        from wwm.segmenters.ltp_legacy import load_cws_model
        try:
            load_cws_model(path)
        except ValueError as error:
            raise UsageError('--segmenter_model: %s' % error) from None


def _check_segmenter_model(options) -> None:
    name, path = options.segmenter, options.segmenter_model
    missing = [package for package in _SEGMENTER_PACKAGES[name] if importlib.util.find_spec(package) is None]
    if missing:
        raise UsageError('--segmenter %s needs %s: pip install "zh-wwm-data[ltp]" (torch first)'
                         % (name, ', '.join(missing)))
    if not path:
        raise UsageError('--segmenter %s needs --segmenter_model (ltp: a model folder, ltp_legacy: '
                         'a model file)' % name)
    if not FileSystems.exists(path):
        raise UsageError('--segmenter_model %s does not exist' % path)
    if name == 'ltp':
        _check_ltp_folder(path)
    else:
        _check_legacy_file(path)


def _check_user_dict(path: str) -> None:
    _check_file('user_dict', path)
    try:
        words = parse_user_dict(read_user_dict(path))
    except ValueError as error:
        raise UsageError('--user_dict %s is %s' % (path, error)) from None
    if not words:
        raise UsageError('--user_dict %s holds no words' % path)


def _check_segmenter(options) -> None:
    if options.segmenter not in SEGMENTERS:
        raise UsageError('unknown --segmenter %r (choose from %s)' % (options.segmenter, ', '.join(SEGMENTERS)))
    if options.segmenter_batch_size < 1 or options.segmenter_threads < 1:
        raise UsageError('--segmenter_batch_size and --segmenter_threads must be at least 1')
    if options.segmenter in MODEL_SEGMENTERS:
        _check_segmenter_model(options)
    elif options.segmenter_model:
        raise UsageError('--segmenter_model is used by %s only, not by --segmenter %s'
                         % (' and '.join(MODEL_SEGMENTERS), options.segmenter))
    if options.user_dict:
        _check_user_dict(options.user_dict)


def segmenter_settings(options) -> dict:
    """Keyword arguments of ``wwm.segmenters.make_segmenter`` from the job's options."""
    return {'model': options.segmenter_model, 'user_dict': options.user_dict, 'hmm': options.jieba_hmm,
            'batch_size': options.segmenter_batch_size, 'threads': options.segmenter_threads}


def validate(options) -> list:
    """Check every option and fill the defaults that depend on others (dupe_factor, mask_unit,
    ngram_probs); return the resolved InputFiles. Raises UsageError.

    Runner-specific options are checked first (see runner_options); local paths are made absolute.
    """
    if not input_patterns(options) and not options.sources:
        raise UsageError('--input is required (or --sources)')
    if not options.output_dir:
        raise UsageError('--output_dir is required')
    problem = runner_problem(options, {'input': input_patterns(options),
                                       'output_dir': options.output_dir,
                                       'sort_temp_dir': options.sort_temp_dir,
                                       'vocab_file': options.vocab_file,
                                       'similar_words': options.similar_words,
                                       'segmenter_model': options.segmenter_model,
                                       'user_dict': options.user_dict})
    if problem:
        raise UsageError(problem)
    _make_local_paths_absolute(options)
    _check_ranges(options)
    plans = dataset_plans(options)
    _check_lengths(plans)
    _check_masking(options)
    _check_cleaning(options)
    _check_outputs(options)
    _check_segmenter(options)
    for name in ('vocab_file', 'similar_words'):
        _check_file(name, getattr(options, name))
    for name in ('output_dir', 'sort_temp_dir'):
        problem = _unwritable_folder(name, getattr(options, name))
        if problem:
            raise UsageError(problem)
    files = resolve_inputs(_source_entries(options))
    # Imported here: output_folder imports UsageError and the plans from this module.
    from beam_jobs.output_folder import check_output_folders  # pylint: disable=import-outside-toplevel
    check_output_folders(options, files)
    return files


def cleaning_options(options) -> CleaningOptions:
    markup = options.converter_markup
    if markup == 'auto':
        markup = 'traditional' if options.convert == 's2t' else 'simplified'
    return CleaningOptions(markup_chain=VARIANT_CHAINS.get(markup), strip_html=options.strip_html,
                           urls=options.urls)


def filter_thresholds(options) -> FilterThresholds:
    return FilterThresholds(options.min_chars, options.min_cjk_fraction,
                            options.max_duplicate_line_fraction, options.max_top_ngram_fraction,
                            options.max_duplicate_ngram_fraction)


def near_duplicate_params(options):
    """NearDuplicateParams, or None when near-duplicate removal is off."""
    if not options.dedup_near:
        return None
    return NearDuplicateParams(options.near_dup_threshold, options.minhash_num_perm, options.lsh_bands,
                               options.lsh_rows, options.shingle_size)
