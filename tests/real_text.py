"""Sentences from the real corpora in ../shared/data, prepared as the pipeline prepares them."""
import json

from tests.conftest import shared_file
from wwm.sentences import split_sentences
from wwm.text_cleaning import clean_text


def thucnews_documents(limit=None) -> list:
    lines = shared_file('news/thucnews_cnews_1000.txt').read_text(encoding='utf-8').split('\n')
    docs = [clean_text(line.split('\t', 1)[1]) for line in lines if '\t' in line]
    return docs[:limit]


def cmrc_documents(limit=None) -> list:
    data = json.loads(shared_file('cmrc2018/cmrc2018_trial.json').read_text(encoding='utf-8'))
    return [clean_text(item['context_text']) for item in data][:limit]


def sentences_of(documents) -> list:
    return [sentence for doc in documents for sentence in split_sentences(doc)]
