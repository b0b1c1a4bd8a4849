"""SQuAD-style reading-comprehension JSON (DRCD, CMRC 2018 in SQuAD layout) and the original CMRC 2018
layout (a list of ``{context_text, qas: [{query_text, answers}]}``).

Such a file is one JSON value, often on one line, so it is parsed as a stream
(wwm.readers.json_values) and only one paragraph (its context and questions) is held at a time, at
most ``--max_line_bytes`` of it (a longer one is ``record_too_long``). A document is one paragraph:
the context, then for each question a line with the question and a line with its first answer.
Document ``N`` is the file's ``N``-th paragraph. Malformed JSON, or JSON nested deeper than
``MAX_JSON_DEPTH``, ends the file there: the paragraphs before it are kept and the rest is one
``malformed_json`` record, with the offset the parser had reached (within
``json_values.BUFFER_BYTES``). A file in another encoding than UTF-8 is re-encoded for the parser.
"""
from wwm.readers.json_values import ITEM, JsonValue, file_values


def _answer(answers):
    for answer in answers or []:
        text = answer.get('text') if isinstance(answer, dict) else answer
        if isinstance(text, str) and text.strip():
            return text
    return None


def paragraph_text(paragraph):
    """The document text of one paragraph object, or None when it has no context."""
    context = paragraph.get('context', paragraph.get('context_text'))
    if not isinstance(context, str):
        return None
    lines = [context]
    for qa in paragraph.get('qas') or []:
        question = qa.get('question', qa.get('query_text')) if isinstance(qa, dict) else None
        if isinstance(question, str):
            lines.append(question)
            answer = _answer(qa.get('answers'))
            if answer:
                lines.append(answer)
    return '\n'.join(lines)


def read(source):
    start = source.head_text.lstrip('\ufeff \t\r\n')
    path = [ITEM] if start.startswith('[') else ['data', ITEM, 'paragraphs', ITEM]
    for item in file_values(source, path):
        if not isinstance(item, JsonValue):
            yield item
            continue
        text = paragraph_text(item.value) if isinstance(item.value, dict) else None
        if text is None:
            yield source.dropped('no_text_field', item.number, str(item.value), item.offset)
        else:
            yield from source.documents(item.number, text)
