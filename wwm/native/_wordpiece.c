/* BERT WordPiece tokenization of the common characters, in C; wwm/tokens/wordpiece.py uses it.
 *
 * `tokenizers` (BertNormalizer, BertPreTokenizer, WordPiece) takes about 3 us a character of
 * Chinese text on our machine, a third of jieba's time and so a quarter of the job's floor: it
 * builds a normalized string with per-byte alignments, a token string and several lists per
 * token. Chinese text is almost all ideographs, ASCII and punctuation, whose handling is simple:
 * an ideograph or a punctuation mark is a word of its own, whitespace separates words, ASCII
 * letters are lowercased, and a word is cut into the longest vocabulary pieces, left to right.
 * encode() does exactly that for a sentence whose every character is in such a class, and returns
 * None for any other sentence, which wwm/tokens/wordpiece.py gives to `tokenizers`. The classes are not
 * guessed here: wordpiece.py reads each character's class off `tokenizers` itself.
 * tests/wwm/tokens/test_wordpiece.py compares both on the real corpora and on random text. Why C: `tokenizers`
 * is the library that gives BERT's exact ids and offsets, and it spends most of its time on
 * alignments this case does not need: tokens with their word groups for the same 594 K characters
 * took 1.32 s with `tokenizers` and 0.27 s with this module, one core, best of five
 * (benchmarks/history/scale_history.md has the measurement).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Character classes, as wwm/tokens/wordpiece.py numbers them. */
enum { OTHER = 0, SPACE = 1, IDEOGRAPH = 2, PUNCTUATION = 3, WORD = 4, UPPER = 5 };
#define CODE_POINTS 65536
#define PREFIX "##"
#define PREFIX_BYTES 2

typedef struct {
    uint8_t classes[CODE_POINTS];
    int32_t single[CODE_POINTS]; /* id of the one-character token, or -1 */
    char *pool;                  /* every token's UTF-8 bytes, one after another */
    Py_ssize_t *starts;          /* token i is pool[starts[i] : starts[i + 1]] */
    int32_t *ids;
    int32_t *slots;              /* open addressing: token index + 1, 0 for empty */
    uint64_t mask;
    int32_t unk_id;
    Py_ssize_t max_chars;
} Table;

#define CAPSULE_NAME "wwm.native._wordpiece.Table"

static uint64_t
hash_bytes(uint64_t hash, const char *bytes, Py_ssize_t size)
{
    Py_ssize_t i;
    for (i = 0; i < size; i++) {
        hash ^= (unsigned char)bytes[i];
        hash *= 0x100000001b3ULL; /* FNV-1a */
    }
    return hash;
}

#define HASH_SEED 0xcbf29ce484222325ULL

/* The id of the token prefix + text (prefix: NULL or PREFIX), or -1. */
static int32_t
lookup(const Table *table, int with_prefix, const char *text, Py_ssize_t size)
{
    uint64_t hash = HASH_SEED;
    Py_ssize_t total = size + (with_prefix ? PREFIX_BYTES : 0);
    if (with_prefix)
        hash = hash_bytes(hash, PREFIX, PREFIX_BYTES);
    hash = hash_bytes(hash, text, size);
    for (uint64_t slot = hash & table->mask;; slot = (slot + 1) & table->mask) {
        int32_t entry = table->slots[slot];
        if (!entry)
            return -1;
        entry--;
        const char *token = table->pool + table->starts[entry];
        if (table->starts[entry + 1] - table->starts[entry] == total &&
            (!with_prefix || memcmp(token, PREFIX, PREFIX_BYTES) == 0) &&
            memcmp(token + (with_prefix ? PREFIX_BYTES : 0), text, size) == 0)
            return table->ids[entry];
    }
}

static void
free_table(PyObject *capsule)
{
    Table *table = PyCapsule_GetPointer(capsule, CAPSULE_NAME);
    if (!table)
        return;
    PyMem_Free(table->pool);
    PyMem_Free(table->starts);
    PyMem_Free(table->ids);
    PyMem_Free(table->slots);
    PyMem_Free(table);
}

/* table(classes, tokens, ids, unk_id, max_chars) */
static PyObject *
make_table(PyObject *self, PyObject *args)
{
    Py_buffer classes;
    PyObject *tokens, *ids, *fast_tokens = NULL, *fast_ids = NULL, *capsule = NULL;
    int unk_id;
    Py_ssize_t max_chars, count, i, pool_size = 0;
    Table *table = NULL;
    if (!PyArg_ParseTuple(args, "y*OOin", &classes, &tokens, &ids, &unk_id, &max_chars))
        return NULL;
    if (classes.len != CODE_POINTS) {
        PyErr_SetString(PyExc_ValueError, "classes must hold one byte per BMP code point");
        goto fail;
    }
    fast_tokens = PySequence_Fast(tokens, "tokens must be a sequence");
    fast_ids = fast_tokens ? PySequence_Fast(ids, "ids must be a sequence") : NULL;
    if (!fast_ids)
        goto fail;
    count = PySequence_Fast_GET_SIZE(fast_tokens);
    if (PySequence_Fast_GET_SIZE(fast_ids) != count || count >= INT32_MAX / 2) {
        PyErr_SetString(PyExc_ValueError, "tokens and ids must have the same length");
        goto fail;
    }
    table = PyMem_Calloc(1, sizeof(Table));
    if (!table)
        goto nomemory;
    memcpy(table->classes, classes.buf, CODE_POINTS);
    for (i = 0; i < CODE_POINTS; i++)
        table->single[i] = -1;
    table->unk_id = unk_id;
    table->max_chars = max_chars;
    for (i = 0; i < count; i++) {
        Py_ssize_t size;
        if (!PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast_tokens, i), &size))
            goto fail;
        pool_size += size;
    }
    uint64_t slots = 16;
    while (slots < (uint64_t)count * 2)
        slots <<= 1;
    table->mask = slots - 1;
    table->pool = PyMem_Malloc(pool_size + 1);
    table->starts = PyMem_Malloc((count + 1) * sizeof(Py_ssize_t));
    table->ids = PyMem_Malloc((count + 1) * sizeof(int32_t));
    table->slots = PyMem_Calloc(slots, sizeof(int32_t));
    if (!table->pool || !table->starts || !table->ids || !table->slots)
        goto nomemory;
    pool_size = 0;
    for (i = 0; i < count; i++) {
        PyObject *token = PySequence_Fast_GET_ITEM(fast_tokens, i);
        Py_ssize_t size;
        const char *bytes = PyUnicode_AsUTF8AndSize(token, &size);
        long id = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast_ids, i));
        if (id == -1 && PyErr_Occurred())
            goto fail;
        memcpy(table->pool + pool_size, bytes, size);
        table->starts[i] = pool_size;
        table->ids[i] = (int32_t)id;
        pool_size += size;
        uint64_t slot = hash_bytes(HASH_SEED, bytes, size) & table->mask;
        while (table->slots[slot])
            slot = (slot + 1) & table->mask;
        table->slots[slot] = (int32_t)(i + 1);
        if (PyUnicode_GET_LENGTH(token) == 1) {
            Py_UCS4 c = PyUnicode_READ_CHAR(token, 0);
            if (c < CODE_POINTS)
                table->single[c] = (int32_t)id;
        }
    }
    table->starts[count] = pool_size;
    capsule = PyCapsule_New(table, CAPSULE_NAME, free_table);
    if (!capsule)
        goto fail;
    table = NULL;
    goto done;
nomemory:
    PyErr_NoMemory();
fail:
    if (table) {
        PyMem_Free(table->pool);
        PyMem_Free(table->starts);
        PyMem_Free(table->ids);
        PyMem_Free(table->slots);
        PyMem_Free(table);
    }
done:
    PyBuffer_Release(&classes);
    Py_XDECREF(fast_tokens);
    Py_XDECREF(fast_ids);
    return capsule;
}

/* One token: its id, its character span in the sentence and its pre-tokenizer word. */
static int
append_token(PyObject *ids, PyObject *offsets, PyObject *words, long id, Py_ssize_t start,
             Py_ssize_t end, Py_ssize_t word)
{
    PyObject *id_object = PyLong_FromLong(id);
    PyObject *span = PyTuple_New(2);
    PyObject *word_object = PyLong_FromSsize_t(word);
    int failed = !id_object || !span || !word_object;
    if (!failed) {
        PyObject *first = PyLong_FromSsize_t(start), *last = PyLong_FromSsize_t(end);
        failed = !first || !last;
        PyTuple_SET_ITEM(span, 0, first ? first : Py_NewRef(Py_None));
        PyTuple_SET_ITEM(span, 1, last ? last : Py_NewRef(Py_None));
    }
    failed = failed || PyList_Append(ids, id_object) || PyList_Append(offsets, span) ||
             PyList_Append(words, word_object);
    Py_XDECREF(id_object);
    Py_XDECREF(span);
    Py_XDECREF(word_object);
    return failed ? -1 : 0;
}

/* The WordPiece tokens of the word sentence[first:last] (WORD and UPPER characters), whose UTF-8
 * bytes, lowercased where UPPER, are utf8[0 : ends[last - first - 1]], character k ending at
 * ends[k]. Greedy longest match from the left, later pieces with the "##" prefix; a word with a
 * piece not in the vocabulary, or longer than max_chars, is one unknown token. */
static int
append_word(const Table *table, const char *utf8, const Py_ssize_t *ends, Py_ssize_t first,
            Py_ssize_t last, Py_ssize_t word, PyObject *ids, PyObject *offsets, PyObject *words,
            int32_t *pieces, Py_ssize_t *piece_ends)
{
    Py_ssize_t length = last - first, start = 0, count = 0, k;
    if (length <= table->max_chars) {
        while (start < length) {
            Py_ssize_t from = start ? ends[start - 1] : 0, end;
            int32_t id = -1;
            for (end = length; end > start; end--) {
                id = lookup(table, start > 0, utf8 + from, ends[end - 1] - from);
                if (id >= 0)
                    break;
            }
            if (id < 0)
                break;
            pieces[count] = id;
            piece_ends[count] = end;
            count++;
            start = end;
        }
    }
    if (length > table->max_chars || start < length)
        return append_token(ids, offsets, words, table->unk_id, first, last, word);
    for (k = 0; k < count; k++) {
        Py_ssize_t begin = k ? piece_ends[k - 1] : 0;
        if (append_token(ids, offsets, words, pieces[k], first + begin, first + piece_ends[k], word))
            return -1;
    }
    return 0;
}

static Py_ssize_t
put_utf8(char *out, Py_UCS4 c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (c >> 12));
    out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (char)(0x80 | (c & 0x3F));
    return 3;
}

/* encode(table, sentence) -> (ids, offsets, word_ids), or None where `tokenizers` must decide. */
static PyObject *
encode(PyObject *self, PyObject *args)
{
    PyObject *capsule, *sentence, *ids = NULL, *offsets = NULL, *words = NULL, *result = NULL;
    const Table *table;
    char *utf8 = NULL;
    Py_ssize_t *ends = NULL, *piece_ends = NULL;
    int32_t *pieces = NULL;
    if (!PyArg_ParseTuple(args, "OU", &capsule, &sentence))
        return NULL;
    table = PyCapsule_GetPointer(capsule, CAPSULE_NAME);
    if (!table)
        return NULL;
    Py_ssize_t length = PyUnicode_GET_LENGTH(sentence), i = 0, word = -1;
    int kind = PyUnicode_KIND(sentence);
    const void *data = PyUnicode_DATA(sentence);
    /* A first pass decides whether this sentence is ours, before anything is allocated. */
    for (i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c >= CODE_POINTS || table->classes[c] == OTHER)
            Py_RETURN_NONE;
    }
    ids = PyList_New(0);
    offsets = PyList_New(0);
    words = PyList_New(0);
    utf8 = PyMem_Malloc(3 * length + 1);
    ends = PyMem_Malloc((length + 1) * sizeof(Py_ssize_t));
    piece_ends = PyMem_Malloc((length + 1) * sizeof(Py_ssize_t));
    pieces = PyMem_Malloc((length + 1) * sizeof(int32_t));
    if (!ids || !offsets || !words || !utf8 || !ends || !piece_ends || !pieces) {
        PyErr_NoMemory();
        goto done;
    }
    i = 0;
    while (i < length) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        int cls = table->classes[c];
        if (cls == SPACE) {
            i++;
        } else if (cls == IDEOGRAPH || cls == PUNCTUATION) {
            int32_t id = table->single[c];
            if (append_token(ids, offsets, words, id >= 0 ? id : table->unk_id, i, i + 1, ++word))
                goto done;
            i++;
        } else { /* WORD or UPPER: up to the next character of another class */
            Py_ssize_t first = i, size = 0;
            for (; i < length; i++) {
                c = PyUnicode_READ(kind, data, i);
                cls = table->classes[c];
                if (cls != WORD && cls != UPPER)
                    break;
                size += put_utf8(utf8 + size, cls == UPPER ? c + ('a' - 'A') : c);
                ends[i - first] = size;
            }
            if (append_word(table, utf8, ends, first, i, ++word, ids, offsets, words, pieces,
                            piece_ends))
                goto done;
        }
    }
    result = PyTuple_Pack(3, ids, offsets, words);
done:
    PyMem_Free(utf8);
    PyMem_Free(ends);
    PyMem_Free(piece_ends);
    PyMem_Free(pieces);
    Py_XDECREF(ids);
    Py_XDECREF(offsets);
    Py_XDECREF(words);
    return result;
}

static PyMethodDef methods[] = {
    {"table", make_table, METH_VARARGS,
     "table(classes, tokens, ids, unk_id, max_chars): the lookup tables encode() uses"},
    {"encode", encode, METH_VARARGS,
     "encode(table, sentence): (ids, offsets, word_ids), or None for a sentence left to tokenizers"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_wordpiece", NULL, -1, methods};

PyMODINIT_FUNC
PyInit__wordpiece(void)
{
    return PyModule_Create(&module);
}
