"""SQuAD-style reading-comprehension JSON (DRCD, CMRC 2018 in SQuAD layout) and the original CMRC 2018
layout (a list of ``{context_text, qas: [{query_text, answers}]}``).

Such a file is one JSON value, often on one line, so it is parsed as a stream with ``ijson`` and only
one paragraph (its context and questions) is held at a time. A document is one paragraph: the
context, then for each question a line with the question and a line with its first answer.
Document ``N`` is the file's ``N``-th paragraph. Malformed JSON ends the file there: the paragraphs
before it are kept and the rest is one ``malformed_json`` record, with the offset the parser had
reached (within ``BUFFER_BYTES``). Non-UTF-8 SQuAD files are not supported (JSON is UTF-8).
"""
import ijson

from wwm.readers.encodings import UTF8_BOM

BUFFER_BYTES = 64 << 10


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
    prefix = 'item' if start.startswith('[') else 'data.item.paragraphs.item'
    stream = source.stream  # counts the bytes read in ``position``
    if source.head_text.startswith('\ufeff'):
        stream.read(len(UTF8_BOM))
    number = 0
    try:
        for paragraph in ijson.items(stream, prefix, buf_size=BUFFER_BYTES, use_float=True):
            text = paragraph_text(paragraph) if isinstance(paragraph, dict) else None
            if text is None:
                yield source.dropped('no_text_field', number, str(paragraph), stream.position)
            else:
                yield source.document(number, text)
            number += 1
    except ijson.JSONError as error:
        yield source.dropped('malformed_json', '@%d' % stream.position, str(error), stream.position)
