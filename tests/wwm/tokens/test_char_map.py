"""The map of --map_unknown_characters (wwm/tokens/char_map.py) against Google's Chinese vocab, and
against made-up tokenizers: only characters that are [UNK] alone, each to one known character."""
import pytest

from wwm.tokens.char_map import character_map, tokenizer_known, translation_table
from wwm.tokens.wordpiece import build_tokenizer


@pytest.fixture(scope='module')
def google(real_vocab):
    """(the map, the tokenizer's verdict on a character) for Google's Chinese vocab, lower-cased."""
    known = tokenizer_known(build_tokenizer(real_vocab, True), real_vocab['[UNK]'])
    return character_map(known), known


def test_curly_quotes_dashes_and_the_ellipsis_map_to_characters_the_vocab_has(google, real_vocab):
    mapping, _ = google
    assert {char: mapping[char] for char in '“”‘’—–…'} == {
        '“': '"', '”': '"', '‘': "'", '’': "'", '—': '-', '–': '-', '…': '⋯'}
    assert all(mapping[char] in real_vocab for char in '“”‘’—–…')


def test_every_mapped_character_is_unknown_alone_and_its_replacement_known(google):
    mapping, known = google
    assert len(mapping) > 100  # full-width, circled, mathematical forms besides the table
    assert all(known(char) is False and known(replacement) is True
               for char, replacement in mapping.items())


def test_the_map_is_one_character_to_one_so_offsets_stay(google):
    mapping, _ = google
    assert all(len(char) == 1 and len(replacement) == 1 for char, replacement in mapping.items())
    text = '他说：“好……”——然后‘走’了。'
    mapped = text.translate(translation_table(mapping))
    assert len(mapped) == len(text) and mapped == '他说："好⋯⋯"--然后\'走\'了。'


def test_characters_the_vocab_has_are_never_mapped(google, real_vocab):
    mapping, _ = google
    assert not set(mapping) & set(real_vocab)
    assert not set(mapping) & set('，。：！？（）「」・·⋯～－ａ１Ａ')  # Ａ is ａ once lower-cased


def test_a_tokenizer_that_knows_every_character_gets_an_empty_map():
    assert character_map(lambda char: True) == {}


def test_characters_without_a_token_are_neither_mapped_nor_replacements():
    """A space or a removed character (None) is not an [UNK] to fix, nor a replacement to use."""
    mapping = character_map(lambda char: None if char in '\u3000 "' else char != '”' and char != '“')
    assert mapping == {}
    mapping = character_map(lambda char: char not in '“”')
    assert mapping == {'“': '"', '”': '"'}
