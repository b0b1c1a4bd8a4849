"""Sentences from the real corpora in ../shared/data, prepared as the pipeline prepares them."""
import json

from tests.conftest import shared_file
from wwm.text.sentences import split_sentences
from wwm.text.cleaning import clean_text


def thucnews_documents(limit=None) -> list:
    lines = shared_file('news/thucnews_cnews_1000.txt').read_text(encoding='utf-8').split('\n')
    docs = [clean_text(line.split('\t', 1)[1]) for line in lines if '\t' in line]
    return docs[:limit]


def cmrc_documents(limit=None) -> list:
    data = json.loads(shared_file('cmrc2018/cmrc2018_trial.json').read_text(encoding='utf-8'))
    return [clean_text(item['context_text']) for item in data][:limit]


def sentences_of(documents) -> list:
    return [sentence for doc in documents for sentence in split_sentences(doc)]


def tokenized_documents(texts, vocab) -> list:
    """Documents as the pipeline holds them after tokenization: per sentence (ids, group numbers),
    group numbers increasing through the document; with jieba's words of each sentence."""
    from wwm.segmenters import make_segmenter
    from wwm.tokens.wordpiece import align_sentence, build_tokenizer

    tokenizer = build_tokenizer(vocab, True)
    segmenter = make_segmenter('jieba')
    documents = []
    for text in texts:
        sentences = sentences_of([text])
        segments, next_group = [], 0
        for sentence, words in zip(sentences, segmenter.segment(sentences)):
            aligned = align_sentence(tokenizer, sentence, words, next_group)
            if aligned.token_ids:
                segments.append((aligned.token_ids, aligned.group_ids))
                next_group = aligned.group_ids[-1] + 1
        if segments:
            documents.append(segments)
    return documents
