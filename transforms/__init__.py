"""The pipeline's stages, one PTransform a module, in data-flow order:

read_documents -> clean_documents -> convert_chinese -> filter_documents -> deduplicate_documents ->
upsample_sources -> split_sentences -> segment_words -> [map_characters] -> tokenize_sentences ->
create_instances -> mask_instances (static) or mark_words (dynamic) -> write_shards ->
commit_dataset, with accounting (count_stats) alongside. train_tokenizer, where the run trains its
tokenizer, samples the deduplicated documents; the stages that need the tokenizer take it (or what
is derived from it) as a side input. The stages that keep or drop documents (read, clean, filter,
deduplicate, upsample, map, tokenize) are each a check on keep_or_drop's base, which routes and
counts what is dropped. Everything up to tokenization is shared by the datasets of every
--max_seq_length; from create_instances on, each length has its own branch.
"""
