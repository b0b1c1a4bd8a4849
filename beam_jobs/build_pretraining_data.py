"""Build BERT whole-word-masking pretraining data from raw Chinese text.

    python -m beam_jobs.build_pretraining_data --input 'corpus/*.txt' --output_dir out \
        --vocab_file vocab.txt [Beam options such as --runner, --direct_num_workers]

Reads, cleans, converts (OpenCC), filters, removes duplicates, splits sentences, segments words,
tokenizes (WordPiece), builds instances (NSP, SOP or packed sentences), masks them (or marks their
words for dynamic masking), and writes globally shuffled, balanced shards in each requested output format
(TFRecord, Arrow, Parquet) with a manifest: one dataset per --max_seq_length, all sharing the steps
up to tokenization.
"""
import functools
import hashlib
import json
import logging
import signal
import sys
import threading
import time
from typing import NamedTuple, Optional

from beam_jobs.failures import (RunLog, UsageError, exit_interrupted, exit_now, failure_message,
                                interrupts_deferred, log_process_output, was_interrupted)

PROG = 'build_pretraining_data'
# Run as a program, the run's log file takes what C code and child processes (a local
# multi-processing run's workers, with their tracebacks) write on stderr from here on
# (beam_jobs/failures.py), and a Ctrl-C during the imports is one line too.
_PROCESS_LOG = log_process_output(PROG) if __name__ == '__main__' else None
if __name__ == '__main__':
    signal.signal(signal.SIGINT, exit_interrupted(PROG))

import apache_beam as beam  # noqa: E402 (after the process log is in place)
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import StandardOptions

from beam_jobs.config import build_config, predictions_warning
from beam_jobs.options import parse_options
from beam_jobs.output_folder import remove_unfinished_run, start_run
from beam_jobs.progress import INSTANCES, TOKENIZED, CountProgress, local_progress
from beam_jobs.runner_options import LOCAL, local_runner, runner_family, runner_name
from schemas.manifest import format_layout
from schemas.output_layout import MANIFEST_NAME, MDS_INDEX_NAME
from transforms.clean_documents import CleanDocuments
from transforms.commit_dataset import CommitDataset
from transforms.convert_chinese import ConvertChinese
from transforms.count_stats import CountStats, SampleDropped, SumStats, per_source
from transforms.create_instances import CreateInstances, GroupDocuments
from transforms.deduplicate_documents import DeduplicateDocuments
from transforms.filter_documents import FilterDocuments
from transforms.map_characters import map_if_asked
from transforms.mark_words import MarkWords
from transforms.mask_instances import MaskInstances
from transforms.read_documents import ReadDocuments
from transforms.segment_words import SegmentWords
from transforms.split_sentences import SplitSentences
from transforms.tokenize_sentences import TokenizeSentences
from transforms.train_tokenizer import TrainTokenizer
from transforms.upsample_sources import UpsampleSources, source_weight
from transforms.write_shards import PIECE_BYTES, WriteShards
from wwm.tokens import vocab as vocab_lib
from wwm.records.balanced_shards import piece_bits_for
from wwm.native import fallback_warning, native_kernels
from wwm.readers.decompress import SUFFIXES
from wwm.instances.similar_words import load_similar_words, parse_similar_words, read_table_bytes
from wwm.tokens.tokenizer import VOCAB, TokenizerFile, load_tokenizer_json, trained_tokenizer_file
from wwm.tokens.tokenizer_training import SPECIAL_IDS

REJECT_SAMPLES = 20
# Bytes of shard records a byte of input text makes per copy (--dupe_factor), a little over what
# bench_corpus/corpus_10mb.txt makes at --max_seq_length 128 and 512: static 1.37 and 1.43 (dupe 10),
# dynamic 2.27 and 2.50 (its records hold every token's word).
RECORD_BYTES_PER_TEXT_BYTE = {'static': 2, 'dynamic': 3}
# What a byte of compressed input is taken to hold (Chinese text: gzip about 2.5, bz2 and xz 3-4).
COMPRESSED_TEXT_BYTES = 4


def load_tokenizer(config) -> Optional[TokenizerFile]:
    """The run's tokenizer when it is given: --tokenizer's or --vocab_file's; None when the run
    trains one (tokenizer_input)."""
    tokenization = config.tokenization
    if tokenization.tokenizer:
        try:
            return load_tokenizer_json(vocab_lib.read_vocab_bytes(tokenization.tokenizer),
                                       tokenization.special_tokens)
        except (UnicodeDecodeError, ValueError) as error:
            raise UsageError('--tokenizer %s: %s' % (tokenization.tokenizer, error)) from None
    if not tokenization.vocab_file:
        return None
    data = vocab_lib.read_vocab_bytes(tokenization.vocab_file)
    try:
        vocab_lib.check_bert_layout(vocab_lib.parse_vocab(data))
    except (UnicodeDecodeError, ValueError) as error:
        raise UsageError('--vocab_file %s is not a BERT vocab: %s' % (tokenization.vocab_file, error)) from None
    return TokenizerFile(VOCAB, data, tokenization.do_lower_case)


def tokenizer_input(documents, tokenization, seed: int, tokenizer: Optional[TokenizerFile]):
    """The PCollection of the run's one TokenizerFile: ``tokenizer`` where it is given, else one
    trained on a sample of ``documents`` inside the pipeline (so on every runner's workers)."""
    if tokenizer is not None:
        return documents.pipeline | 'Tokenizer' >> beam.Create([tokenizer])
    kind = tokenization.trained_kind
    trained = documents | 'TrainTokenizer' >> TrainTokenizer(
        kind, tokenization.vocab_size, tokenization.do_lower_case, seed,
        tokenization.tokenizer_sample_chars)
    return trained | 'TokenizerFile' >> beam.Map(trained_tokenizer_file, kind, tokenization.do_lower_case)


def id_bound(tokenization, tokenizer_file: Optional[TokenizerFile]) -> Optional[int]:
    """What the ids of the run's tokenizer stay below, known before the pipeline runs (it sets the
    shards' id type), or None: a given tokenizer's largest id + 1; a trained BPE's --vocab_size; a
    trained WordPiece vocab may exceed --vocab_size (every character seen is kept)."""
    if tokenizer_file is not None:
        return tokenizer_file.id_bound()
    return tokenization.vocab_size if tokenization.trained_kind == 'bpe' else None


def _tokenizer_derived(tokenizer, config) -> dict:
    """What the stages after tokenization take from the run's tokenizer, each computed once in the
    pipeline: the ids known before it exists (its special tokens'), and as PCollections of one the
    ids masking draws from, the CJK-character ids, the similar-word table and the manifest's entry
    with the file's bytes."""
    tokenization, masking = config.tokenization, config.masking
    source = (tokenization.tokenizer or tokenization.vocab_file
              or 'trained in the job (%s)' % tokenization.trained_kind)
    derived = {'vocab': tokenizer | 'VocabEntry' >> beam.Map(lambda t: (t.info(source), t.data))}
    if masking.masking == 'dynamic':
        derived['chinese_ids'] = tokenizer | 'ChineseIds' >> beam.Map(TokenizerFile.chinese_char_ids)
    else:
        derived['replacement_ids'] = tokenizer | 'RandomIds' >> beam.Map(TokenizerFile.replacement_ids)
    if masking.similar_words:
        derived['similar_words'] = tokenizer | 'SimilarWords' >> beam.Map(
            lambda t: load_similar_words(masking.similar_words, t.data, t.do_lower_case))
    return derived


def similar_words_sha256(path):
    """The sha256 of the table at ``path`` (None without a table), after checking its format.
    Raises UsageError."""
    if not path:
        return None
    data = read_table_bytes(path)
    try:
        parse_similar_words(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise UsageError('--similar_words %s: %s' % (path, error)) from None
    return hashlib.sha256(data).hexdigest()


def expected_record_bytes(files, dupe_factor: int, masking: str) -> int:
    """About how many bytes of shard records each dataset makes, from the input files' sizes, to
    cut the shard sort into pieces of about PIECE_BYTES before any record exists. Markup, junk and
    duplicates only make it an over-estimate, which makes more, smaller pieces."""
    text_bytes = sum(f.size * f.weight * (COMPRESSED_TEXT_BYTES if f.path.lower().endswith(SUFFIXES) else 1)
                     for f in files)
    return int(text_bytes * dupe_factor * RECORD_BYTES_PER_TEXT_BYTE[masking])


def _read_stats(document):
    yield from per_source(document.source, 'documents_read', 1)
    yield from per_source(document.source, 'characters_read', len(document.text))


def _unreadable_stats(dropped):
    yield from per_source(dropped.source, 'documents_read', 1)


def _dropped_stats(dropped):
    yield from per_source(dropped.source, 'dropped.' + dropped.reason, 1)


def _text_out_stats(document):
    yield from per_source(document.source, 'characters_kept', len(document.text))


def _document_stats(document):
    yield from per_source(document.source, 'documents_kept', 1)
    yield 'sentences', len(document.segments)
    yield from per_source(document.source, 'tokens', sum(len(ids) for ids, _ in document.segments))
    yield 'unaligned_tokens', document.unaligned_tokens


_LABEL_COUNTS = {'nsp': 'random_next_instances', 'sop': 'swapped_instances'}


def _instance_stats(keyed_instance, sentence_pair):
    _, instance = keyed_instance
    yield 'instances', 1
    yield 'instance_tokens', len(instance.input_ids)
    yield 'masked_tokens', len(instance.masked_lm_positions)
    if sentence_pair in _LABEL_COUNTS:
        yield _LABEL_COUNTS[sentence_pair], instance.next_sentence_label


def _finish_instances(instances, config, plan, shared, label):
    """Mask (static) or mark words (dynamic): keyed TrainingInstances, and count dicts or None."""
    masking = config.masking
    if masking.masking == 'dynamic':
        return instances | label + 'MarkWords' >> MarkWords(shared['chinese_ids']), None
    masked = instances | label + 'Mask' >> MaskInstances(
        masking.masking_config(plan.max_predictions_per_seq), config.random_seed,
        shared['special_ids']['mask'], shared['replacement_ids'], shared.get('similar_words'))
    return masked.instances, masked.stats


def _build_dataset(plan, document_groups, shared, config) -> None:
    """Instances, masks, shards and manifest of one --max_seq_length.

    ``shared`` holds what every dataset of the run has in common: the pieces of the shard sort, the
    document counts, the reject samples, what _tokenizer_derived takes from the tokenizer, and the
    manifest's options.
    """
    label = 'Seq%d.' % plan.max_seq_length
    output, masking = config.output, config.masking.masking
    instances = document_groups | label + 'CreateInstances' >> CreateInstances(
        config.instances.instance_config(plan.max_seq_length, config.random_seed,
                                         shared['special_ids']['cls'], shared['special_ids']['sep']))
    finished, mask_stats = _finish_instances(instances, config, plan, shared, label)
    specs = output.specs(masking, plan.max_seq_length, plan.max_predictions_per_seq, shared['id_bound'])
    shards = finished | label + 'WriteShards' >> WriteShards(plan.output_dir, output.num_shards,
                                                             config.random_seed, specs,
                                                             output.sort_temp_dir, shared['piece_bits'])
    counts = shared['counts'] + (finished | label + 'CountInstances' >> CountStats(
        functools.partial(_instance_stats, sentence_pair=config.instances.sentence_pair)),)
    if mask_stats is not None:
        counts += (mask_stats | label + 'CountMasks' >> CountStats(dict.items),)
    if shared['progress']:
        _ = finished | label + 'CountProgress' >> beam.ParDo(CountProgress(shared['progress'],
                                                                           INSTANCES))
    options = dict(shared['options'], max_seq_length=plan.max_seq_length,
                   max_predictions_per_seq=plan.max_predictions_per_seq)
    layouts = {spec.output_format: format_layout(*spec) for spec in specs}
    _ = shards | label + 'Commit' >> CommitDataset(
        plan.output_dir, options, shared['vocab'], masking, layouts,
        counts | label + 'SumCounts' >> SumStats(), shared['rejects'], output.sort_temp_dir,
        runner_name(document_groups.pipeline.options))


class TextStages(NamedTuple):
    """The PCollections of the text stages that later stages use."""
    documents: object   # deduplicated: what is segmented and tokenized
    dropped: list       # the stages' Dropped outputs
    stats: list         # the stages' count outputs
    filtered: object    # the documents that passed the filters, before deduplication


def clean_filter_deduplicate(documents, cleaning, dedup) -> TextStages:
    """Cleaning, OpenCC, filters, deduplication, as the CleaningSettings and DedupSettings say.

    OpenCC runs before the filters and dedup: boilerplate patterns then see one script, and a
    traditional copy of a simplified document is an exact or near duplicate of it.
    """
    cleaned = documents | 'Clean' >> CleanDocuments(cleaning.cleaning_options)
    converted = cleaned.documents | 'Convert' >> ConvertChinese(cleaning.convert)
    filtered = converted | 'Filter' >> FilterDocuments(cleaning.filter_thresholds,
                                                       cleaning.remove_boilerplate)
    documents, dropped = filtered.documents, [cleaned.dropped, filtered.dropped]
    near = dedup.near_duplicate_params
    if dedup.dedup_exact or near:
        deduplicated = documents | 'Deduplicate' >> DeduplicateDocuments(dedup.dedup_exact, near)
        documents = deduplicated.documents
        dropped.append(deduplicated.dropped)
    return TextStages(documents, dropped, [cleaned.stats, filtered.stats], filtered.documents)


def build_pipeline(pipeline, config, tokenizer_file=None, similar_words_digest=None,
                   progress=None) -> None:
    """Wire the stages; see transforms/__init__.py for the order. Everything up to tokenization
    (and the bucketing of documents) is shared by the datasets of every --max_seq_length.
    ``tokenizer_file``: the given tokenizer (load_tokenizer), or None to train one in the job.
    ``progress``: the local run's progress folder (beam_jobs/progress.py), or None."""
    files = config.files
    read = pipeline | 'Read' >> ReadDocuments(files, progress)
    # A file is read by one worker (a compressed stream cannot be split): spread its documents, or
    # the stages fused after reading (cleaning, filters, fingerprints) run on one core per file.
    spread = read.documents | 'Spread' >> beam.Reshuffle()
    weights = {f.name: f.weight for f in files}
    text = clean_filter_deduplicate(spread, config.cleaning, config.dedup)
    # Up-sampling comes after deduplication, which would otherwise remove the copies.
    upsampled = text.documents | 'Upsample' >> UpsampleSources(weights, config.random_seed)
    sentences = upsampled.documents | 'SplitSentences' >> SplitSentences()
    segmentation = config.segmentation
    words = sentences | 'Segment' >> SegmentWords(segmentation.segmenter, segmentation.settings)
    tokenizer = tokenizer_input(text.documents, config.tokenization, config.random_seed, tokenizer_file)
    words, mapping_stats = map_if_asked(words, config.tokenization, tokenizer)
    tokenized = words | 'Tokenize' >> TokenizeSentences(tokenizer)
    if progress:
        _ = tokenized.documents | 'CountProgress' >> beam.ParDo(CountProgress(progress, TOKENIZED))
    with_buckets = config.instances.needs_buckets
    expected = None
    if with_buckets:  # the documents tokenization will see, known before deduplication
        expected = (text.filtered | 'ExpectedDocuments' >> beam.Map(source_weight, weights)
                    | 'SumWeights' >> beam.CombineGlobally(sum))
    document_groups = tokenized.documents | 'GroupDocuments' >> GroupDocuments(
        with_buckets, config.random_seed, config.instances.bucket_size, expected)

    dropped = (tuple([read.dropped] + text.dropped + [upsampled.dropped, tokenized.dropped])
               | 'AllDropped' >> beam.Flatten())
    shared = {
        'piece_bits': piece_bits_for(expected_record_bytes(files, config.instances.dupe_factor,
                                                           config.masking.masking), PIECE_BYTES),
        'counts': (read.documents | 'CountRead' >> CountStats(_read_stats),
                   read.dropped | 'CountUnreadable' >> CountStats(_unreadable_stats),
                   dropped | 'CountDropped' >> CountStats(_dropped_stats),
                   text.documents | 'CountTextOut' >> CountStats(_text_out_stats),
                   tokenized.documents | 'CountDocuments' >> CountStats(_document_stats),
                   read.stats, upsampled.stats, tokenized.stats, *mapping_stats, *text.stats),
        'rejects': dropped | 'SampleDropped' >> SampleDropped(REJECT_SAMPLES),
        'progress': progress,
        'options': config.manifest_options(similar_words_digest),
        'special_ids': (tokenizer_file.special_ids() if tokenizer_file
                        else SPECIAL_IDS[config.tokenization.trained_kind]),
        'id_bound': id_bound(config.tokenization, tokenizer_file),
        **_tokenizer_derived(tokenizer, config),
    }
    for plan in config.plans:
        _build_dataset(plan, document_groups, shared, config)


def summary(manifest: dict) -> str:
    """One dataset's summary from its manifest: which dataset it is (length, masking), what went in
    and came out, and for static data the flags Google's run_pretraining.py must get to read it.
    The manifest's warnings (input files that lost lines to undecodable bytes) go to stderr, so that
    they are seen where the job's errors are."""
    for warning in manifest.get('warnings', ()):
        print('%s: warning: %s' % (PROG, warning), file=sys.stderr)
    options, counts = manifest['options'], manifest['counts']
    static = manifest['masking'] == 'static'
    length, predictions = options.get('max_seq_length'), options.get('max_predictions_per_seq')
    lines = ['max_seq_length %s%s: %s masking, strategy %s' % (
        length, ', max_predictions_per_seq %s' % predictions if static else '', manifest['masking'],
        options.get('mask_strategy'))]
    lines.append('documents read %d, kept %d, dropped %s' % (
        counts.get('documents_read', 0), counts.get('documents_kept', 0),
        json.dumps(manifest['dropped'], ensure_ascii=False) if manifest['dropped'] else 'none'))
    lines.append('sentences %d, tokens %d, instances %d, %s' % (
        counts.get('sentences', 0), counts.get('tokens', 0), counts.get('instances', 0),
        'masked tokens %d' % counts.get('masked_tokens', 0) if static else 'masked at training time'))
    # [UNK] tokens are text the model never sees: the characters the vocab lacks (curly quotes and
    # dashes, in Google's Chinese vocab) are named, and --map_unknown_characters suggested.
    unknown, tokens = counts.get('unknown_tokens', 0), counts.get('tokens', 0)
    lines.append('[UNK] %.2f%% of tokens (%s of %s); most often: %s' % (
        100 * unknown / tokens, format(unknown, ','), format(tokens, ','),
        ' '.join(char for char, _ in manifest.get('unknown_characters', ())[:5]))
        if unknown else '[UNK] none')
    mapping = options.get('map_unknown_characters')  # absent from manifests older than the option
    if mapping:
        lines[-1] += '; %s characters mapped to ones the vocab has (--map_unknown_characters)' % (
            format(counts.get('mapped_characters', 0), ','))
    elif mapping is False and unknown:
        lines[-1] += '; --map_unknown_characters maps those the vocab has an equivalent for'
    if 'similar_word_replacements' in counts:
        lines.append('similar-word replacements %d, fallbacks to [MASK] %d' % (
            counts['similar_word_replacements'], counts.get('similar_word_fallbacks', 0)))
    for name, layout in manifest['formats'].items():
        shards = [s for s in layout['shards'] if s['file_name'] != MDS_INDEX_NAME]
        lines.append('%s: %d shards, %d records' % (name, len(shards), sum(s['records'] for s in shards)))
    if static:
        lines.append('run_pretraining.py flags: --max_seq_length=%s --max_predictions_per_seq=%s'
                     % (length, predictions))
    return '\n'.join(lines)


def run_summary(elapsed_s: float, characters_read: int, output_dir: str) -> str:
    """The run's wall time and input throughput (which the manifest leaves out: it is the same
    bytes on every run), and how to check what was written."""
    rate = ' (%s characters/s)' % format(characters_read / elapsed_s, ',.0f') if elapsed_s > 0 else ''
    return ('elapsed %s, %s input characters read%s\nnext: python -m beam_jobs.inspect %s'
            % (_duration(elapsed_s), format(characters_read, ','), rate, output_dir))


def _duration(seconds: float) -> str:
    """``seconds`` as a person reads a run's length: 4.2 s, 12 min 05 s, 3 h 07 min."""
    if seconds < 60:
        return '%.1f s' % seconds
    minutes = int(seconds) // 60
    if minutes < 60:
        return '%d min %02d s' % (minutes, int(seconds) % 60)
    return '%d h %02d min' % divmod(minutes, 60)


def run(argv=None) -> int:
    """The job's command line. Exit status: 0 a dataset was written; 2 a usage error, found before
    anything ran (one line); 1 the run failed (one line naming a log file with the details) or made
    no instance (without --allow_empty); 130 interrupted (Ctrl-C). Beam's log goes to that file."""
    argv = list(sys.argv[1:] if argv is None else argv)
    started = []  # the dataset folders this run has begun to write in
    with RunLog(PROG, _PROCESS_LOG) as log:
        try:
            return _run(argv, started)
        except UsageError as error:
            _remove_unfinished(started)
            print('%s: error: %s' % (PROG, error), file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return _interrupted(started)
        except Exception as error:  # pylint: disable=broad-except
            if was_interrupted(error):
                return _interrupted(started)
            logging.exception('the run failed')
            _remove_unfinished(started)
            log.keep()
            print('%s: error: %s (details in %s)' % (PROG, failure_message(error, log.path), log.path),
                  file=sys.stderr)
            return 1


def _interrupted(started) -> int:
    _remove_unfinished(started)
    print('%s: interrupted' % PROG, file=sys.stderr)
    return 130


def _remove_unfinished(plans) -> None:
    """Delete what this run wrote in the dataset folders of ``plans`` that it did not commit (their
    run markers list it); a committed dataset has no marker left and is kept. Ctrl-C waits."""
    with interrupts_deferred():
        for plan in plans:
            try:
                remove_unfinished_run(plan.output_dir)
            except Exception:  # pylint: disable=broad-except
                logging.exception('could not remove the unfinished run in %s', plan.output_dir)


def _run(argv, started: list) -> int:
    """run() without its error reporting; appends the dataset plans to ``started`` once it begins
    to write in their folders."""
    started_at = time.monotonic()
    pipeline_options = parse_options(argv)
    config = build_config(pipeline_options)
    warning = predictions_warning(pipeline_options)
    if warning:
        print('%s: warning: %s' % (PROG, warning), file=sys.stderr)
    table_digest = similar_words_sha256(config.masking.similar_words)
    tokenizer = load_tokenizer(config)
    plans, resolved = config.plans, config.resolved_options()
    started.extend(plans)
    for plan in plans:
        if start_run(plan, resolved):
            print('%s: removed the leftovers of an unfinished run in %s' % (PROG, plan.output_dir),
                  file=sys.stderr)
    warning = fallback_warning(native_kernels())
    if warning:  # this process's install; the manifest records the workers'
        print('%s: warning: %s' % (PROG, warning), file=sys.stderr)
    with local_progress(PROG, config.files, config.output.progress_seconds,
                        runner_family(pipeline_options) == LOCAL) as progress, \
            beam.Pipeline(runner=local_runner(pipeline_options), options=pipeline_options) as pipeline:
        build_pipeline(pipeline, config, tokenizer, table_digest, progress)
    if pipeline_options.view_as(StandardOptions).no_wait_until_finish:
        print('job submitted: each dataset is complete once its manifest.json exists: %s'
              % ' '.join(FileSystems.join(plan.output_dir, MANIFEST_NAME) for plan in plans))
        return 0
    elapsed_s = time.monotonic() - started_at
    manifests = []
    for plan in plans:
        with FileSystems.open(FileSystems.join(plan.output_dir, MANIFEST_NAME)) as handle:
            manifests.append(json.loads(handle.read()))
        print(summary(manifests[-1]))
    print(run_summary(elapsed_s, manifests[0]['counts'].get('characters_read', 0), config.output.output_dir))
    for plan in plans:
        print('dataset written to %s' % plan.output_dir)
    empty = [manifest for manifest in manifests if not manifest['counts'].get('instances')]
    if empty and not config.output.allow_empty:
        print('%s: error: %s' % (PROG, no_instance_message(empty[0])), file=sys.stderr)
        return 1
    return 0


def no_instance_message(manifest: dict) -> str:
    """Why a dataset holds no instance, from its manifest: documents read and the top drop reasons."""
    top = sorted(manifest['dropped'].items(), key=lambda item: (-item[1], item[0]))[:3]
    dropped = 'dropped: ' + ', '.join('%s %d' % item for item in top) if top else 'none dropped'
    return ('no instance was made: %d documents read, %s; pass --allow_empty to accept an empty '
            'dataset' % (manifest['counts'].get('documents_read', 0), dropped))


def main():
    signal.signal(signal.SIGINT, signal.default_int_handler)  # run() reports a Ctrl-C from here on
    logging.getLogger().setLevel(logging.WARNING)
    try:
        status = run()
    except KeyboardInterrupt:  # a second Ctrl-C, while run() reported the first
        print('%s: interrupted' % PROG, file=sys.stderr)
        status = 130
    # Without the 0.4 s of interpreter teardown; after a failure, without waiting for the threads
    # the failed pipeline left behind.
    if status != 0 or all(thread.daemon for thread in threading.enumerate()
                          if thread is not threading.main_thread()):
        exit_now(status)
    sys.exit(status)


if __name__ == '__main__':
    main()
