"""--map_unknown_characters: the characters the vocab lacks replaced by equivalents it has (see
wwm.tokens.char_map), in the segmented sentences and their words, right before tokenization.

Segmentation has seen the original text; the map is one character to one character, so the words
still fit the sentences. The number of characters replaced is counted for the manifest
(``mapped_characters``). The map is computed once from the run's tokenizer (given, or trained in the
job), and reaches the workers as a side input.
"""
import apache_beam as beam

from schemas.records import SegmentedDocument
from transforms.keep_or_drop import Count, KeepOrDrop
from wwm.tokens.char_map import character_map, tokenizer_known, translation_table

MAPPED_CHARACTERS = 'mapped_characters'
STAGE = 'map_characters'


class _Mapper:
    """The check of MapCharacters: a document with the table applied, and the Count of the
    characters it replaced."""

    def __call__(self, document: SegmentedDocument, table: dict):
        sentences = [sentence.translate(table) for sentence in document.sentences]
        # The same length before and after: the characters that differ are the mapped ones.
        mapped = sum(sum(map(str.__ne__, old, new))
                     for old, new in zip(document.sentences, sentences) if old != new)
        if not mapped:
            yield document
            return
        yield Count(MAPPED_CHARACTERS, mapped)
        yield document._replace(sentences=sentences, words=[
            [word.translate(table) for word in words] for words in document.words])


class MapCharacters(KeepOrDrop):
    """SegmentedDocuments -> ``documents`` (mapped), ``dropped`` (none) and ``stats``. ``table``: a
    PCollection of one str.translate table (tokenizer_table)."""

    def __init__(self, table):
        super().__init__(STAGE, _Mapper(), [beam.pvalue.AsSingleton(table)])


def tokenizer_table(tokenizer) -> dict:
    """The str.translate table of the characters the tokenizer (a TokenizerFile) has no token for;
    empty for a byte-level BPE, which has one for every character."""
    known = tokenizer_known(tokenizer.hf_tokenizer(), tokenizer.special_ids().get('unk'))
    return translation_table(character_map(known))


def map_if_asked(documents, tokenization, tokenizer) -> tuple:
    """(SegmentedDocuments, their stats outputs): mapped by MapCharacters where the job's
    TokenizationSettings ask for it (--map_unknown_characters), else as they are and no stats.
    ``tokenizer``: the PCollection of the run's TokenizerFile."""
    if not tokenization.map_unknown_characters:
        return documents, []
    table = tokenizer | 'CharacterMap' >> beam.Map(tokenizer_table)
    mapped = documents | 'MapCharacters' >> MapCharacters(table)
    return mapped.documents, [mapped.stats]
