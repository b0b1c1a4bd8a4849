"""The job's options, defined once: names, defaults and help of every option of the command line.

Names follow Google's ``create_pretraining_data.py`` where one exists. Beam's own options
(``--runner``, ``--direct_num_workers``, ...) are parsed by Beam alongside these. ``--help`` prints
the job's options by group, ``--help_beam`` Beam's. What the values mean together, and whether they
are valid, is beam_jobs/config.py's (one frozen JobConfig per run); this module only reads the
command line, including the options given more than once.
"""
import argparse
import math
from typing import List, NamedTuple

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.failures import OneLineErrorParser, UsageError
from schemas.sources import (DEFAULT_MAX_DOCUMENT_CHARS, DEFAULT_MAX_LINE_BYTES, FORMATS,
                             MIN_MAX_DOCUMENT_CHARS)
from wwm.dedup import NearDuplicateParams
from wwm.text.filters import FilterThresholds
from wwm.segmenters import DEFAULT_SEGMENTER, SEGMENTERS
from wwm.records.shard_writers import MDS_INSTALL, OUTPUT_FORMATS, mds_available
from wwm.tokens.tokenizer import ROLES as TOKENIZER_ROLES
from wwm.tokens.tokenizer_training import DEFAULT_SAMPLE_CHARS

COMMAND = 'python -m beam_jobs.build_pretraining_data'  # as the help's usage line shows it
MASKING_MODES = ('static', 'dynamic')
DEFAULT_MAX_SEQ_LENGTH = 128
DEFAULT_BUCKET_SIZE = 250
# Above these a run is a typo, not a plan: BERT's position embeddings stop at 512 (long-context
# models at a few thousand), and every shard is a file open in each writer at once.
MAX_SEQ_LENGTH_LIMIT = 8192
MAX_NUM_SHARDS = 10000
CONVERSIONS = ('t2s', 'tw2sp', 'hk2s', 's2t', 'none')
CONVERTER_MARKUP = ('auto', 'simplified', 'traditional', 'keep')
TOKENIZER_KINDS = ('wordpiece', 'bpe')


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value.lower() in ('true', '1', 'yes'):
        return True
    if value.lower() in ('false', '0', 'no'):
        return False
    raise argparse.ArgumentTypeError('expected true or false, got %r' % value)


class PretrainingDataOptions(PipelineOptions):
    """The job's options, in groups that follow JobConfig's sections (beam_jobs/config.py), so that
    --help reads in the order the data flows."""

    @classmethod
    def _add_argparse_args(cls, parser):
        for title, add in _GROUPS:
            add(parser.add_argument_group(title))


def _flag(group, name: str, default: bool, help_text: str) -> None:
    """A boolean option: ``--name`` alone or ``--name true`` sets it, ``--name false`` clears it."""
    group.add_argument(name, type=_bool, nargs='?', const=True, default=default, metavar='BOOL',
                       help='%s Default: %s.' % (help_text, str(default).lower()))


def _add_input_args(group):
    group.add_argument('--input', action='append', default=None,
                       help='Input file glob; repeat the option or separate globs with commas '
                            '(a value naming an existing local file is that file, commas and '
                            'brackets included). Required, unless --sources is given.')
    group.add_argument('--sources', default=None,
                       help='YAML file naming several inputs, each with path (glob), format, '
                            'encoding, text_field and up-sampling weight (docs/inputs.md). Not '
                            'with --input. Default: none.')
    group.add_argument('--input_format', default='auto',
                       help='Format of the inputs: %s. Default: %%(default)s.' % ', '.join(FORMATS))
    group.add_argument('--input_encoding', default='auto',
                       help='auto (byte order mark, else UTF-8 or GB18030, detected per file), '
                            'utf-8, gb18030 or utf-16. Default: %(default)s.')
    group.add_argument('--text_field', default='text',
                       help='JSON lines: the field (dotted path) that holds the text. '
                            'Default: %(default)s.')
    group.add_argument('--max_line_bytes', type=int, default=DEFAULT_MAX_LINE_BYTES,
                       help='Longest line or record read; longer ones are skipped and counted. '
                            'Default: %(default)s.')
    group.add_argument('--max_document_chars', type=int, default=DEFAULT_MAX_DOCUMENT_CHARS,
                       help='Longest document (at least %d characters); longer ones are cut '
                            'into pieces at line breaks, else sentence ends, and counted. '
                            'Default: %%(default)s.' % MIN_MAX_DOCUMENT_CHARS)


def _add_cleaning_args(group):
    filters = FilterThresholds()
    group.add_argument('--convert', default='t2s',
                       help='OpenCC conversion: %s. Default: %%(default)s.' % ', '.join(CONVERSIONS))
    group.add_argument('--converter_markup', default='auto',
                       help='MediaWiki -{...}- markup: the variant to keep (simplified, traditional; '
                            'auto: traditional for --convert s2t, else simplified), or keep it as '
                            'is. Default: %(default)s.')
    _flag(group, '--strip_html', True, 'Remove HTML tags and comments, decode entities.')
    group.add_argument('--urls', default='remove',
                       help='URLs and e-mail addresses: remove or keep. Default: %(default)s.')
    _flag(group, '--remove_boilerplate', True,
          'Remove news boilerplate lines (credits, related links, notices).')
    group.add_argument('--min_chars', type=int, default=filters.min_chars,
                       help='Drop documents with fewer word characters (0: off). '
                            'Default: %(default)s.')
    group.add_argument('--min_cjk_fraction', type=float, default=filters.min_cjk_fraction,
                       help='Drop documents whose word characters are less CJK than this (0: off). '
                            'Default: %(default)s.')
    group.add_argument('--max_duplicate_line_fraction', type=float,
                       default=filters.max_duplicate_line_fraction,
                       help='Drop documents with more repeated lines than this (1: off). '
                            'Default: %(default)s.')
    group.add_argument('--max_top_ngram_fraction', type=float, default=filters.max_top_ngram_fraction,
                       help='Drop documents whose most frequent character 4-gram covers more '
                            '(1: off). Default: %(default)s.')
    group.add_argument('--max_duplicate_ngram_fraction', type=float,
                       default=filters.max_duplicate_ngram_fraction,
                       help='Drop documents whose repeated character 10-grams cover more (1: off). '
                            'Default: %(default)s.')


def _add_dedup_args(group):
    near = NearDuplicateParams()
    _flag(group, '--dedup_exact', True,
          'Drop exact duplicates (after normalization), across all sources.')
    _flag(group, '--dedup_near', True, 'Drop near duplicates (MinHash LSH), across all sources.')
    group.add_argument('--near_dup_threshold', type=float, default=near.threshold,
                       help='Estimated Jaccard similarity of shingle sets from which documents are '
                            'near duplicates. Default: %(default)s.')
    group.add_argument('--minhash_num_perm', type=int, default=near.num_perm,
                       help='MinHash permutations per document: values of its signature (more: a '
                            'closer estimate, slower). Default: %(default)s.')
    group.add_argument('--lsh_bands', type=int, default=near.bands,
                       help='LSH bands; 0: chosen from the threshold (with --lsh_rows 0). '
                            'Default: %(default)s.')
    group.add_argument('--lsh_rows', type=int, default=near.rows,
                       help='Signature values per band. Default: %(default)s.')
    group.add_argument('--shingle_size', type=int, default=near.shingle_size,
                       help='Characters per shingle. Default: %(default)s.')


def _add_segmentation_args(group):
    group.add_argument('--segmenter', default=DEFAULT_SEGMENTER,
                       help='One of: %s (ltp needs `pip install .[ltp]`). Default: %%(default)s.'
                            % ', '.join(SEGMENTERS))
    group.add_argument('--segmenter_model', default=None,
                       help='ltp: model folder (config.json, pytorch_model.bin, vocab.txt, ...); '
                            'ltp_legacy: model file (cws_model.bin). Local or any Beam '
                            "filesystem (gs://...); copied to each worker. Default: the "
                            "segmenter's own model.")
    group.add_argument('--user_dict', default=None,
                       help='Protected words, one a line (jieba layout "word [freq] [tag]" '
                            'accepted): never split, with every segmenter. Default: none.')
    _flag(group, '--jieba_hmm', True, 'jieba: find words missing from its dictionary with its HMM.')
    group.add_argument('--segmenter_batch_size', type=int, default=32,
                       help='ltp, ltp_legacy: sentences per model call. Default: %(default)s.')
    group.add_argument('--segmenter_threads', type=int, default=1,
                       help='ltp: torch CPU threads per worker; ltp_legacy: threads per batch. '
                            'Default: %(default)s.')


def _add_tokenization_args(group):
    group.add_argument('--vocab_file', default=None,
                       help='BERT vocab.txt, tokenized as Google\'s BERT. Not with --tokenizer. '
                            'Default: none, a tokenizer is trained on the input (--train_tokenizer).')
    group.add_argument('--tokenizer', default=None,
                       help='HuggingFace tokenizers tokenizer.json (WordPiece, BPE, byte-level BPE, '
                            'Unigram): ids are its own encode\'s. Not with --vocab_file. Default: none.')
    group.add_argument('--special_tokens', default=None,
                       help='With --tokenizer: ROLE=TOKEN pairs, comma-separated, naming special '
                            'tokens (roles %s). Default: found by name, BERT\'s [CLS] [SEP] [MASK] '
                            '[PAD] [UNK], else RoBERTa\'s <s> </s> <mask> <pad> <unk>.'
                            % ', '.join(TOKENIZER_ROLES))
    group.add_argument('--train_tokenizer', default=None,
                       help='Without --vocab_file or --tokenizer: the kind of tokenizer trained on '
                            'a sample of the cleaned input, inside the pipeline: %s. Default: '
                            'wordpiece (a BERT vocab.txt).' % ', '.join(TOKENIZER_KINDS))
    group.add_argument('--vocab_size', type=int, default=21128,
                       help='Size of the tokenizer trained (--train_tokenizer). '
                            'Default: %(default)s.')
    group.add_argument('--tokenizer_sample_chars', type=int, default=DEFAULT_SAMPLE_CHARS,
                       help='Characters of cleaned text the tokenizer is trained on (--train_tokenizer): '
                            'a sample of the documents, the same for the same input and '
                            '--random_seed. Default: %(default)s.')
    _flag(group, '--do_lower_case', True,
          'Lower-case the text and strip accents before WordPiece, as Google\'s BERT (match the '
          'vocab: uncased vocabs need true).')
    _flag(group, '--map_unknown_characters', False,
          'Replace characters the vocab lacks (curly quotes, dashes, the ellipsis, full-width and '
          'other compatibility forms) by equivalents it has, one for one, instead of [UNK]. Off, '
          'the token ids are those of Google\'s tokenizer.')


def _add_instance_args(group):
    group.add_argument('--max_seq_length', type=int, action='append', default=None,
                       help='Tokens per instance (at most %d). Repeat it to build one dataset per '
                            'length from one run, in OUTPUT_DIR/seq<length>/. Default: %d.'
                            % (MAX_SEQ_LENGTH_LIMIT, DEFAULT_MAX_SEQ_LENGTH))
    group.add_argument('--max_predictions_per_seq', type=int, action='append', default=None,
                       help='Once per --max_seq_length, in the same order. Default: '
                            'ceil(max_seq_length * masked_lm_prob), 20 at 128.')
    group.add_argument('--sentence_pair', default='nsp',
                       help='nsp: next sentence prediction; sop: sentence order prediction; none: '
                            'full sentences packed up to max_seq_length (RoBERTa). '
                            'Default: %(default)s.')
    _flag(group, '--cross_document', False,
          'With --sentence_pair none: pack documents one after another, [SEP] between them.')
    group.add_argument('--short_seq_prob', type=float, default=0.1,
                       help='Share of instances given a shorter random length, as Google\'s BERT, '
                            'so the model also sees short inputs. Default: %(default)s.')
    group.add_argument('--dupe_factor', type=int, default=None,
                       help='Copies of each document, each with its own instances (and masks). '
                            'Default: 10 with static masking, 1 with dynamic.')
    group.add_argument('--bucket_size', type=int, default=None,
                       help='Documents per bucket that random next-sentence segments are drawn '
                            'from, and that --cross_document packs (about: counted before '
                            'deduplication; bounds memory per worker). A bucket is made into '
                            'instances by one worker: keep buckets many times more than workers. '
                            'Default: %d, times the longest --max_seq_length / 512 above 512 (a '
                            "bucket's last pack is not full)." % DEFAULT_BUCKET_SIZE)
    group.add_argument('--random_seed', type=int, default=12345,
                       help='Seed of every random choice of the run (instances, masks, up-sampling, '
                            'shard order): the same inputs, options and seed give the same dataset. '
                            'Default: %(default)s.')


def _add_masking_args(group):
    group.add_argument('--masking', default='static',
                       help='static: masks in the data; dynamic: word boundaries in the data, the '
                            'trainer masks each epoch. Default: %(default)s.')
    group.add_argument('--mask_strategy', default='wwm',
                       help='wwm: whole words; token: single tokens; ngram: n-grams of whole words; '
                            'mac: MacBERT (ngram, similar words instead of [MASK]). '
                            'Default: %(default)s.')
    group.add_argument('--mask_unit', default=None,
                       help='word or token: whether 80/10/10 is drawn per word or per token. '
                            'Default: token (word for mac).')
    group.add_argument('--masked_lm_prob', type=float, default=0.15,
                       help="Share of an instance's tokens that are masked (predicted), at most "
                            '--max_predictions_per_seq. Default: %(default)s.')
    group.add_argument('--ngram_probs', default=None,
                       help='ngram/mac: probabilities of 1..N-word n-grams, summing to 1. '
                            'Default: 0.4,0.3,0.2,0.1.')
    group.add_argument('--similar_words', default=None,
                       help='mac: table of similar words, "word<TAB>similar1 similar2 ..." per '
                            'line. Default: none.')


def _add_output_args(group):
    group.add_argument('--output_dir', default=None,
                       help='Where shards and manifest.json go. Required.')
    group.add_argument('--output_format', action='append', default=None,
                       help='tfrecord, arrow or parquet; repeat the option or separate formats with '
                            'commas to write several from the same instances. Default: tfrecord.')
    group.add_argument('--tfrecord_compression', default='none',
                       help='none or gzip (TensorFlow reads GZIP TFRecord, not zstd). '
                            'Default: %(default)s.')
    group.add_argument('--num_shards', type=int, default=8,
                       help='Files per output format (at most %d), balanced to within one '
                            'record. Default: %%(default)s.' % MAX_NUM_SHARDS)
    group.add_argument('--sort_temp_dir', default=None,
                       help='Where the shards are sorted: temporary run files about the size of '
                            'the uncompressed output, deleted once the dataset is committed. Local '
                            'or any Beam filesystem. Default: OUTPUT_DIR/.incomplete/.')
    _flag(group, '--overwrite', False, 'Replace an existing dataset in --output_dir.')
    _flag(group, '--allow_other_files', False,
          'Let --output_dir hold files the job did not write; they are never read, overwritten '
          'or deleted.')
    _flag(group, '--allow_empty', False,
          'Accept a run that makes no instance (exit code 0 instead of 1).')
    group.add_argument('--progress_seconds', type=float, default=10,
                       help='On a local runner (DirectRunner, Prism), print a progress line on '
                            'stderr every this many seconds: input read, documents, instances, '
                            'rate and the time left to read; 0 prints none. Default: '
                            '%(default)s.')


# (title, adds the group's options): JobConfig's sections, in its order.
_GROUPS = (('inputs', _add_input_args), ('cleaning and filters', _add_cleaning_args),
           ('deduplication', _add_dedup_args), ('word segmentation', _add_segmentation_args),
           ('tokenization', _add_tokenization_args), ('instances', _add_instance_args),
           ('masking', _add_masking_args), ('output', _add_output_args))


class _OptionsParser(OneLineErrorParser):
    """A parser for the definitions of every PipelineOptions class, Beam's and ours, to check the
    values' types and find unknown options before PipelineOptions parses them (argparse's own
    error() prints the usage of every option, 198 lines, before the one line that matters). Beam's
    value-provider options are plain options here: only their values' types are checked."""

    def add_value_provider_argument(self, *args, **kwargs):
        if not args[0].startswith('-') and kwargs.get('nargs') is None:
            kwargs['nargs'] = '?'  # as Beam's own parser: a templated positional may be absent
        self.add_argument(*args, **kwargs)


class _PrintHelp(argparse.Action):
    """--help, --help_beam: print ``text()`` and exit 0 (argparse's own --help would print every
    option, Beam's first)."""

    def __init__(self, option_strings, dest, text, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)
        self.text = text

    def __call__(self, parser, namespace, values, option_string=None):
        print(self.text(), end='')
        parser.exit()


def job_help() -> str:
    """--help: the job's options by group, each with its default; how booleans are given; where
    Beam's options are."""
    parser = argparse.ArgumentParser(
        prog=COMMAND, add_help=False,
        usage='%(prog)s --input GLOB [--input GLOB ...] --output_dir DIR [options] [Beam options]',
        description='Builds BERT whole-word-masking pretraining data from raw Chinese text '
                    '(docs/usage.md). BOOL options: --flag or --flag true sets one, --flag false '
                    'clears it (also 1/0, yes/no).',
        epilog="Beam's options (--runner, --direct_num_workers, ...): run with --help_beam.")
    PretrainingDataOptions._add_argparse_args(parser)  # pylint: disable=protected-access
    return parser.format_help()


def beam_help() -> str:
    """--help_beam: Apache Beam's options, which the job passes on to Beam."""
    parser = _OptionsParser(
        prog=COMMAND, add_help=False, usage='%(prog)s [job options] [Beam options]',
        description="Apache Beam's options, given with the job's; they choose and configure the "
                    'runner, not the data.',
        epilog="The job's own options: --help.")
    for cls in _option_classes():
        if cls is not PretrainingDataOptions:
            cls._add_argparse_args(parser)  # pylint: disable=protected-access
    return parser.format_help()


def _option_classes() -> list:
    """Every PipelineOptions class, Beam's and ours, once each."""
    classes = {}
    for cls in PipelineOptions.__subclasses__():
        classes.setdefault(str(cls), cls)
    return list(classes.values())


def unknown_arguments(argv) -> list:
    """Arguments that neither Beam nor this job defines (Beam would drop them with a warning).

    Parsed with the definitions PipelineOptions uses, so a value it would refuse (a wrong type, a
    missing value) raises UsageError here first; --help and --help_beam print their help and exit."""
    parser = _OptionsParser(allow_abbrev=False, add_help=False)
    parser.add_argument('-h', '--help', action=_PrintHelp, text=job_help)
    parser.add_argument('--help_beam', action=_PrintHelp, text=beam_help)
    for cls in _option_classes():
        cls._add_argparse_args(parser)  # pylint: disable=protected-access
    _, unknown = parser.parse_known_args(argv)
    return unknown


def parse_options(argv) -> PipelineOptions:
    """The PipelineOptions of ``argv``, after checking every value's type and that no option is
    unknown and no value stray (``--max_seq_length 128 512``: Beam would drop the 512 silently).
    Raises UsageError (one line) where Beam would print its whole usage or drop an argument."""
    unknown = unknown_arguments(argv)
    options = [arg for arg in unknown if arg.startswith('-')]
    if options:
        raise UsageError('unknown option(s): %s' % ' '.join(options))
    if unknown:
        raise UsageError('unexpected value(s) %s: an option takes one value; repeat the option '
                         '(--max_seq_length 128 --max_seq_length 512) for several' % ' '.join(unknown))
    return PipelineOptions(argv)


def option_defaults() -> dict:
    """{name: default} of every option of the job, in the order they are defined: the one list of
    the job's option names (the manifest, the flex template's metadata and docs/usage.md are
    checked against it)."""
    parser = argparse.ArgumentParser(add_help=False)
    PretrainingDataOptions._add_argparse_args(parser)  # pylint: disable=protected-access
    return vars(parser.parse_args([]))


def output_formats(options) -> list:
    """The --output_format values (repeated, or separated by commas) in OUTPUT_FORMATS order
    (default tfrecord)."""
    given = [part.strip() for value in options.output_format or ['tfrecord']
             for part in value.split(',') if part.strip()]
    for name in given:
        if name not in OUTPUT_FORMATS:
            raise UsageError('unknown --output_format %r (choose from %s)'
                             % (name, ', '.join(OUTPUT_FORMATS)))
    if 'mds' in given and not mds_available():
        raise UsageError('--output_format mds needs MosaicML streaming: %s' % MDS_INSTALL)
    return [name for name in OUTPUT_FORMATS if name in given]


class DatasetPlan(NamedTuple):
    """One dataset of the run: one --max_seq_length, its predictions and its folder."""
    max_seq_length: int
    max_predictions_per_seq: int
    output_dir: str


def default_max_predictions(max_seq_length: int, masked_lm_prob: float) -> int:
    """Enough predictions for the budget at full length: 20 for 128 tokens at 0.15, 77 for 512."""
    return math.ceil(round(max_seq_length * masked_lm_prob, 6))


def length_pairs(options) -> List[tuple]:
    """(max_seq_length, max_predictions_per_seq) of each dataset, from the repeated options read
    together (the predictions' default follows --masked_lm_prob)."""
    lengths = options.max_seq_length or [DEFAULT_MAX_SEQ_LENGTH]
    predictions = options.max_predictions_per_seq or [
        default_max_predictions(length, options.masked_lm_prob) for length in lengths]
    if len(predictions) != len(lengths):
        raise UsageError('give --max_predictions_per_seq once per --max_seq_length (%d), in the same '
                         'order, or not at all' % len(lengths))
    if len(set(lengths)) != len(lengths):
        raise UsageError('--max_seq_length repeats a value: %s' % ' '.join(map(str, lengths)))
    return list(zip(lengths, predictions))


def dataset_plans(options) -> List[DatasetPlan]:
    """The datasets to build. One length writes to OUTPUT_DIR itself, several to OUTPUT_DIR/seqN/."""
    pairs = length_pairs(options)
    if len(pairs) == 1:
        return [DatasetPlan(*pairs[0], options.output_dir)]
    return [DatasetPlan(length, prediction, FileSystems.join(options.output_dir, 'seq%d' % length))
            for length, prediction in pairs]
