/* jieba's precise mode (Tokenizer.lcut, with or without its HMM), in C; jieba_backend.py uses it.
 *
 * jieba 0.42.1 is pure Python: for every character it slices strings, looks them up in its FREQ
 * dictionary, builds a dict of lists (get_DAG) and a route with a generator (calc). That takes
 * about 3 us a character, a third of the whole job's CPU. This file does the same steps on the
 * same data: the words of the tokenizer's own FREQ dictionary (read when the table is built, so a
 * user dictionary loaded before counts) in a trie, and finalseg's HMM tables. The arithmetic is
 * the same double arithmetic in the same order, and ties are broken as Python's max() of tuples
 * breaks them (the larger end, the later state letter), so the words are jieba's own.
 * tests/wwm/segmenters/test_jieba_kernel.py compares both on the real corpora and on random text. The same trie
 * code also holds a user dictionary's protected words (words, longest, protect: protected_words.py).
 *
 * Why a port rather than rjieba (jieba-rs, on PyPI): `python -m benchmarks.rjieba_vs_port` on the
 * 53,498 distinct sentences of the real corpora (2.25 M characters, one core, medians of 5 and of 7
 * passes in two runs on a shared machine). rjieba 0.2.2 gives jieba's words for 97.96% of the
 * sentences with the HMM (the job's default) and 95.90% with a user dictionary (the PKU word list):
 * its HMM keeps "E-INK", "98-90", "it7t.com" whole where jieba cuts at the '-' and '.', and its
 * suggested counts for user words differ ("特别是在" against "特别 / 是 / 在"), so masking groups and
 * output bytes would change. This port gives jieba's words for 100% of them in all three settings,
 * and is 1.07-1.34x and 1.17-1.50x rjieba's speed (e.g. 4.12 M against 3.07 M characters a second
 * with the HMM; jieba itself 268 K). Without the HMM rjieba agrees on every sentence but is still
 * slower (1.07x, 1.28x), and the same trie serves the protected words, which rjieba has no call for.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define CAPSULE_NAME "wwm.native._jieba.Table"
/* re_han_default's ideographs, and finalseg's re_han: \u4E00-\u9FD5 */
#define HAN_FIRST 0x4E00
#define HAN_LAST 0x9FD5
#define HAN_COUNT (HAN_LAST - HAN_FIRST + 1)
#define MIN_FLOAT (-3.14e100)
enum { B = 0, E = 1, M = 2, S = 3 }; /* finalseg's states, in the order of their letters */
#define OCCUPIED (1ULL << 63)

typedef struct {
    /* the trie: node 0 is the root; children in one open-addressing table keyed (parent, char) */
    uint64_t *keys;   /* OCCUPIED | parent << 21 | char, 0 for an empty slot */
    int32_t *children;
    uint64_t mask;
    int64_t *freq;    /* FREQ[word], 0 for a prefix */
    uint8_t *in_dict; /* the node's string is a key of FREQ */
    double *logp;     /* log(FREQ.get(word) or 1) - log(total) */
    Py_ssize_t nodes, capacity;
    double start[4], trans[4][4];
    double *emit[4]; /* emit_P[state].get(char, MIN_FLOAT) for the HAN_COUNT ideographs */
} Table;

static uint64_t
slot_of(uint64_t key, uint64_t mask)
{
    return (key * 0x9E3779B97F4A7C15ULL >> 20) & mask;
}

static int32_t
child(const Table *table, int32_t parent, Py_UCS4 c)
{
    uint64_t key = OCCUPIED | (uint64_t)parent << 21 | c;
    for (uint64_t slot = slot_of(key, table->mask);; slot = (slot + 1) & table->mask) {
        if (table->keys[slot] == key)
            return table->children[slot];
        if (!table->keys[slot])
            return -1;
    }
}

/* The node of text[first:end], or -1 where a prefix of it is not in the trie. */
static int32_t
find(const Table *table, int kind, const void *data, Py_ssize_t first, Py_ssize_t end)
{
    int32_t node = 0;
    for (Py_ssize_t i = first; i < end && node >= 0; i++)
        node = child(table, node, PyUnicode_READ(kind, data, i));
    return node;
}

static void
free_table(Table *table)
{
    if (!table)
        return;
    PyMem_Free(table->keys);
    PyMem_Free(table->children);
    PyMem_Free(table->freq);
    PyMem_Free(table->in_dict);
    PyMem_Free(table->logp);
    for (int s = 0; s < 4; s++)
        PyMem_Free(table->emit[s]);
    PyMem_Free(table);
}

static void
free_capsule(PyObject *capsule)
{
    free_table(PyCapsule_GetPointer(capsule, CAPSULE_NAME));
}

/* Room for one more node: the node arrays doubled when full, the slots when 70% used. */
static int
make_room(Table *table)
{
    if (table->nodes >= INT32_MAX - 1)
        return -1;
    if (table->nodes == table->capacity) {
        Py_ssize_t capacity = table->capacity * 2;
        int64_t *freq = PyMem_Realloc(table->freq, capacity * sizeof(int64_t));
        if (freq)
            table->freq = freq;
        uint8_t *in_dict = PyMem_Realloc(table->in_dict, capacity);
        if (in_dict)
            table->in_dict = in_dict;
        if (!freq || !in_dict)
            return -1;
        table->capacity = capacity;
    }
    if ((uint64_t)(table->nodes + 1) * 10 <= (table->mask + 1) * 7)
        return 0;
    uint64_t slots = (table->mask + 1) * 2, mask = slots - 1;
    uint64_t *keys = PyMem_Calloc(slots, sizeof(uint64_t));
    int32_t *children = PyMem_Malloc(slots * sizeof(int32_t));
    if (!keys || !children) {
        PyMem_Free(keys);
        PyMem_Free(children);
        return -1;
    }
    for (uint64_t old = 0; old <= table->mask; old++) {
        if (!table->keys[old])
            continue;
        uint64_t slot = slot_of(table->keys[old], mask);
        while (keys[slot])
            slot = (slot + 1) & mask;
        keys[slot] = table->keys[old];
        children[slot] = table->children[old];
    }
    PyMem_Free(table->keys);
    PyMem_Free(table->children);
    table->keys = keys;
    table->children = children;
    table->mask = mask;
    return 0;
}

/* The child of parent for c, made where missing; -1 when out of memory. */
static int32_t
add_child(Table *table, int32_t parent, Py_UCS4 c)
{
    int32_t found = child(table, parent, c);
    if (found >= 0)
        return found;
    if (make_room(table) < 0)
        return -1;
    uint64_t key = OCCUPIED | (uint64_t)parent << 21 | c, slot;
    for (slot = slot_of(key, table->mask); table->keys[slot]; slot = (slot + 1) & table->mask)
        ;
    int32_t node = (int32_t)table->nodes++;
    table->keys[slot] = key;
    table->children[slot] = node;
    table->freq[node] = 0;
    table->in_dict[node] = 0;
    return node;
}

/* Copies count doubles out of a buffer (an array('d')) into each of outs, count / parts each. */
static int
read_doubles(PyObject *owner, double **outs, int parts, Py_ssize_t count, const char *what)
{
    Py_buffer view;
    if (PyObject_GetBuffer(owner, &view, PyBUF_SIMPLE) < 0)
        return -1;
    if (view.len != (Py_ssize_t)(count * sizeof(double))) {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_ValueError, "%s must hold %zd doubles", what, count);
        return -1;
    }
    for (int part = 0; part < parts; part++)
        memcpy(outs[part], (const double *)view.buf + part * (count / parts),
               count / parts * sizeof(double));
    PyBuffer_Release(&view);
    return 0;
}

/* An empty trie with room for about ``nodes`` nodes (it grows); NULL with MemoryError. The HMM
 * tables are left NULL: only table() fills them. */
static Table *
new_trie(Py_ssize_t nodes)
{
    Table *table = PyMem_Calloc(1, sizeof(Table));
    if (!table)
        return (Table *)PyErr_NoMemory();
    table->capacity = nodes + 1;
    uint64_t slots = 16;
    while (slots * 7 < (uint64_t)table->capacity * 10)
        slots <<= 1;
    table->mask = slots - 1;
    table->keys = PyMem_Calloc(slots, sizeof(uint64_t));
    table->children = PyMem_Malloc(slots * sizeof(int32_t));
    table->freq = PyMem_Malloc(table->capacity * sizeof(int64_t));
    table->in_dict = PyMem_Malloc(table->capacity);
    if (!table->keys || !table->children || !table->freq || !table->in_dict) {
        free_table(table);
        return (Table *)PyErr_NoMemory();
    }
    table->nodes = 1;
    table->freq[0] = 0; /* the root: the empty string is never asked */
    table->in_dict[0] = 0;
    return table;
}

/* Puts word in the trie with this count; 0 for an empty word (left out), -1 with an exception. */
static int
add_word(Table *table, PyObject *word, long long count, const char *what)
{
    if (!PyUnicode_Check(word)) {
        PyErr_Format(PyExc_TypeError, "%s must be str", what);
        return -1;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    int32_t node = 0;
    if (!length)
        return 0;
    for (Py_ssize_t i = 0; i < length; i++)
        if ((node = add_child(table, node, PyUnicode_READ(kind, data, i))) < 0) {
            PyErr_NoMemory();
            return -1;
        }
    table->freq[node] = count;
    table->in_dict[node] = 1;
    return 0;
}

/* table(FREQ, total, start[4], trans[16], emit[4 * HAN_COUNT]): doubles in B, E, M, S order. */
static PyObject *
make_table(PyObject *self, PyObject *args)
{
    PyObject *freq, *start, *trans, *emit, *key, *value;
    long long total;
    Py_ssize_t position = 0;
    if (!PyArg_ParseTuple(args, "O!LOOO", &PyDict_Type, &freq, &total, &start, &trans, &emit))
        return NULL;
    if (total <= 0) {
        PyErr_SetString(PyExc_ValueError, "total must be positive");
        return NULL;
    }
    /* jieba puts every prefix of a word in FREQ too, so the trie has about one node a key */
    Table *table = new_trie(PyDict_GET_SIZE(freq));
    if (!table)
        return NULL;
    for (int s = 0; s < 4; s++)
        if (!(table->emit[s] = PyMem_Malloc(HAN_COUNT * sizeof(double))))
            goto nomemory;
    while (PyDict_Next(freq, &position, &key, &value)) {
        long long count = PyLong_AsLongLong(value);
        if (count == -1 && PyErr_Occurred())
            goto fail;
        if (count < 0) {
            PyErr_SetString(PyExc_ValueError, "FREQ's counts must not be negative");
            goto fail;
        }
        if (add_word(table, key, count, "FREQ's keys") < 0)
            goto fail;
    }
    if (!(table->logp = PyMem_Malloc(table->nodes * sizeof(double))))
        goto nomemory;
    double logtotal = log((double)total);
    for (Py_ssize_t n = 0; n < table->nodes; n++)
        table->logp[n] = (table->freq[n] ? log((double)table->freq[n]) : 0.0) - logtotal;
    double *start_out[1] = {table->start}, *trans_out[1] = {&table->trans[0][0]};
    if (read_doubles(start, start_out, 1, 4, "start") < 0 ||
        read_doubles(trans, trans_out, 1, 16, "trans") < 0 ||
        read_doubles(emit, table->emit, 4, 4 * HAN_COUNT, "emit") < 0)
        goto fail;
    PyObject *capsule = PyCapsule_New(table, CAPSULE_NAME, free_capsule);
    if (!capsule)
        goto fail;
    return capsule;
nomemory:
    PyErr_NoMemory();
fail:
    free_table(table);
    return NULL;
}

typedef struct {
    PyObject *text, *words;
    int kind;
    const void *data;
    const Table *table;
} Cut;

static int
emit_word(Cut *cut, Py_ssize_t first, Py_ssize_t end)
{
    PyObject *word = PyUnicode_Substring(cut->text, first, end);
    if (!word)
        return -1;
    int failed = PyList_Append(cut->words, word);
    Py_DECREF(word);
    return failed;
}

static Py_UCS4
at(const Cut *cut, Py_ssize_t i)
{
    return PyUnicode_READ(cut->kind, cut->data, i);
}

static int
is_han(Py_UCS4 c)
{
    return c >= HAN_FIRST && c <= HAN_LAST;
}

static int
is_ascii_alnum(Py_UCS4 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* re_han_default: [\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-] */
static int
in_block(Py_UCS4 c)
{
    return is_han(c) || is_ascii_alnum(c) || c == '+' || c == '#' || c == '&' || c == '.' ||
           c == '_' || c == '%' || c == '-';
}

/* A state's best predecessor for finalseg.viterbi: PrevStatus, and max()'s tie to the later letter. */
static const int PREVIOUS[4][2] = {[B] = {E, S}, [M] = {M, B}, [E] = {B, M}, [S] = {S, E}};

/* finalseg.__cut of the ideographs text[first:end]: Viterbi over B, M, E, S. */
static int
hmm_cut(Cut *cut, Py_ssize_t first, Py_ssize_t end)
{
    const Table *table = cut->table;
    Py_ssize_t length = end - first, t;
    double *v = PyMem_Malloc(length * 4 * sizeof(double));
    uint8_t *back = PyMem_Malloc(length * 4);
    uint8_t *states = PyMem_Malloc(length);
    int failed = -1;
    if (!v || !back || !states) {
        PyErr_NoMemory();
        goto done;
    }
    Py_UCS4 c = at(cut, first);
    for (int y = 0; y < 4; y++)
        v[y] = table->start[y] + table->emit[y][c - HAN_FIRST];
    for (t = 1; t < length; t++) {
        c = at(cut, first + t);
        for (int y = 0; y < 4; y++) {
            double em = table->emit[y][c - HAN_FIRST];
            int y0 = PREVIOUS[y][0], y1 = PREVIOUS[y][1];
            double p0 = v[(t - 1) * 4 + y0] + table->trans[y0][y] + em;
            double p1 = v[(t - 1) * 4 + y1] + table->trans[y1][y] + em;
            /* max((p0, y0), (p1, y1)): on equal probabilities, the later letter */
            int best = p1 > p0 || (p1 == p0 && y1 > y0) ? y1 : y0;
            v[t * 4 + y] = best == y1 ? p1 : p0;
            back[t * 4 + y] = (uint8_t)best;
        }
    }
    int state = v[(length - 1) * 4 + S] >= v[(length - 1) * 4 + E] ? S : E;
    for (t = length - 1; t >= 0; t--) {
        states[t] = (uint8_t)state;
        if (t)
            state = back[t * 4 + state];
    }
    Py_ssize_t begin = 0, next = 0;
    for (t = 0; t < length; t++) {
        if (states[t] == B) {
            begin = t;
        } else if (states[t] == E) {
            if (emit_word(cut, first + begin, first + t + 1) < 0)
                goto done;
            next = t + 1;
        } else if (states[t] == S) {
            if (emit_word(cut, first + t, first + t + 1) < 0)
                goto done;
            next = t + 1;
        }
    }
    failed = next < length ? emit_word(cut, first + next, end) : 0;
done:
    PyMem_Free(v);
    PyMem_Free(back);
    PyMem_Free(states);
    return failed;
}

/* finalseg.cut: ideographs through the HMM; the rest split by ([a-zA-Z0-9]+(?:\.\d+)?%?). */
static int
finalseg_cut(Cut *cut, Py_ssize_t first, Py_ssize_t end)
{
    Py_ssize_t i = first;
    while (i < end) {
        Py_ssize_t j = i;
        if (is_han(at(cut, i))) {
            while (j < end && is_han(at(cut, j)))
                j++;
            if (hmm_cut(cut, i, j) < 0)
                return -1;
        } else {
            /* outside ideographs, a match of re_skip or the text up to the next one */
            while (j < end && !is_han(at(cut, j)) && !is_ascii_alnum(at(cut, j)))
                j++;
            if (j == i) {
                while (j < end && is_ascii_alnum(at(cut, j)))
                    j++;
                if (j + 1 < end && at(cut, j) == '.' && Py_UNICODE_ISDECIMAL(at(cut, j + 1))) {
                    j += 2;
                    while (j < end && Py_UNICODE_ISDECIMAL(at(cut, j)))
                        j++;
                }
                if (j < end && at(cut, j) == '%')
                    j++;
            }
            if (emit_word(cut, i, j) < 0)
                return -1;
        }
        i = j;
    }
    return 0;
}

/* The single characters text[first:end] that the route left: Tokenizer.__cut_DAG's buf. */
static int
flush_single(Cut *cut, Py_ssize_t first, Py_ssize_t end)
{
    if (end - first == 1)
        return emit_word(cut, first, end);
    int32_t node = find(cut->table, cut->kind, cut->data, first, end);
    if (node < 0 || !cut->table->in_dict[node] || !cut->table->freq[node])
        return finalseg_cut(cut, first, end);
    for (Py_ssize_t i = first; i < end; i++)
        if (emit_word(cut, i, i + 1) < 0)
            return -1;
    return 0;
}

/* Tokenizer.__cut_DAG (hmm) or __cut_DAG_NO_HMM of the block text[first:end]. */
static int
cut_block(Cut *cut, Py_ssize_t first, Py_ssize_t end, int hmm, double *route_logp, Py_ssize_t *route_end)
{
    const Table *table = cut->table;
    Py_ssize_t length = end - first, k, i;
    /* get_DAG and calc, right to left: the best end of a word starting at k */
    route_logp[length] = 0.0;
    for (k = length - 1; k >= 0; k--) {
        double best = 0.0;
        Py_ssize_t best_end = -1;
        int32_t node = child(table, 0, at(cut, first + k));
        for (i = k; i < length && node >= 0 && table->in_dict[node];) {
            if (table->freq[node]) {
                double p = table->logp[node] + route_logp[i + 1];
                if (best_end < 0 || p >= best) { /* max() of (p, i): a tie goes to the larger i */
                    best = p;
                    best_end = i;
                }
            }
            if (++i < length)
                node = child(table, node, at(cut, first + i));
        }
        if (best_end < 0) { /* log(FREQ.get(char) or 1) - logtotal, as for any unseen word */
            best = table->logp[0] + route_logp[k + 1];
            best_end = k;
        }
        route_logp[k] = best;
        route_end[k] = best_end;
    }
    Py_ssize_t single = -1; /* the start of the pending single characters (buf), or -1 */
    for (k = 0; k < length; k = route_end[k] + 1) {
        Py_ssize_t y = route_end[k] + 1;
        int pending = hmm ? y - k == 1 : y - k == 1 && is_ascii_alnum(at(cut, first + k));
        if (pending) {
            if (single < 0)
                single = k;
            continue;
        }
        if (single >= 0) {
            if ((hmm ? flush_single(cut, first + single, first + k)
                     : emit_word(cut, first + single, first + k)) < 0)
                return -1;
            single = -1;
        }
        if (emit_word(cut, first + k, first + y) < 0)
            return -1;
    }
    if (single >= 0)
        return hmm ? flush_single(cut, first + single, end) : emit_word(cut, first + single, end);
    return 0;
}

/* Tokenizer.cut(text, HMM=hmm) as a list. */
static PyObject *
cut_text(const Table *table, PyObject *text, int hmm, double *route_logp, Py_ssize_t *route_end)
{
    Cut cut = {text, PyList_New(0), PyUnicode_KIND(text), PyUnicode_DATA(text), table};
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), i = 0;
    if (!cut.words)
        return NULL;
    while (i < length) {
        Py_ssize_t j = i + 1;
        Py_UCS4 c = at(&cut, i);
        if (in_block(c)) {
            while (j < length && in_block(at(&cut, j)))
                j++;
            if (cut_block(&cut, i, j, hmm, route_logp, route_end) < 0)
                goto fail;
        } else {
            /* outside blocks every character is a word, and so is "\r\n" */
            if (c == '\r' && j < length && at(&cut, j) == '\n')
                j++;
            if (emit_word(&cut, i, j) < 0)
                goto fail;
        }
        i = j;
    }
    return cut.words;
fail:
    Py_DECREF(cut.words);
    return NULL;
}

/* cut(table, texts, hmm) -> a list of words for each text */
static PyObject *
cut_texts(PyObject *self, PyObject *args)
{
    PyObject *capsule, *texts, *fast, *result = NULL;
    int hmm;
    if (!PyArg_ParseTuple(args, "OOp", &capsule, &texts, &hmm))
        return NULL;
    const Table *table = PyCapsule_GetPointer(capsule, CAPSULE_NAME);
    if (!table || !(fast = PySequence_Fast(texts, "texts must be a sequence")))
        return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(fast), longest = 0, n;
    for (n = 0; n < count; n++) {
        PyObject *text = PySequence_Fast_GET_ITEM(fast, n);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "texts must be str");
            goto done;
        }
        if (PyUnicode_GET_LENGTH(text) > longest)
            longest = PyUnicode_GET_LENGTH(text);
    }
    double *route_logp = PyMem_Malloc((longest + 1) * sizeof(double));
    Py_ssize_t *route_end = PyMem_Malloc((longest + 1) * sizeof(Py_ssize_t));
    if (!route_logp || !route_end) {
        PyErr_NoMemory();
    } else if ((result = PyList_New(count))) {
        for (n = 0; n < count; n++) {
            PyObject *words = cut_text(table, PySequence_Fast_GET_ITEM(fast, n), hmm, route_logp,
                                       route_end);
            if (!words) {
                Py_CLEAR(result);
                break;
            }
            PyList_SET_ITEM(result, n, words);
        }
    }
    PyMem_Free(route_logp);
    PyMem_Free(route_end);
done:
    Py_DECREF(fast);
    return result;
}


/* words(words) -> a trie of the words alone, for longest() (protected words of a user dictionary) */
static PyObject *
make_words(PyObject *self, PyObject *words)
{
    PyObject *fast = PySequence_Fast(words, "words must be a sequence of str"), *capsule = NULL;
    if (!fast)
        return NULL;
    Table *table = new_trie(PySequence_Fast_GET_SIZE(fast));
    for (Py_ssize_t n = 0; table && n < PySequence_Fast_GET_SIZE(fast); n++)
        if (add_word(table, PySequence_Fast_GET_ITEM(fast, n), 1, "words") < 0) {
            free_table(table);
            table = NULL;
        }
    Py_DECREF(fast);
    if (table && !(capsule = PyCapsule_New(table, CAPSULE_NAME, free_capsule)))
        free_table(table);
    return capsule;
}

/* From the left, the longest word at each position, the next search after its end, as a list of
 * (start, end): protected_words.py's py_matches, the reference. */
static PyObject *
longest_matches(const Table *table, PyObject *text)
{
    PyObject *found = PyList_New(0);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), position = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    while (found && position < length) {
        Py_ssize_t end = -1, i;
        int32_t node = 0;
        for (i = position; i < length; i++) {
            if ((node = child(table, node, PyUnicode_READ(kind, data, i))) < 0)
                break;
            if (table->in_dict[node])
                end = i + 1;
        }
        if (end < 0) {
            position++;
            continue;
        }
        PyObject *span = Py_BuildValue("(nn)", position, end);
        if (!span || PyList_Append(found, span) < 0)
            Py_CLEAR(found);
        Py_XDECREF(span);
        position = end;
    }
    return found;
}

/* longest(trie, text) -> [(start, end)] of longest_matches */
static PyObject *
longest(PyObject *self, PyObject *args)
{
    PyObject *capsule, *text;
    if (!PyArg_ParseTuple(args, "OU", &capsule, &text))
        return NULL;
    const Table *table = PyCapsule_GetPointer(capsule, CAPSULE_NAME);
    return table ? longest_matches(table, text) : NULL;
}

/* protect(trie, text, words) -> words re-cut so that each of longest()'s matches is one word, or
 * None where the words do not concatenate to the text (protected_words.py decides those). The
 * boundaries are the words' edges without surrounding whitespace (word_spans'), the text's ends
 * and each match's own two; a match removes those inside it. */
static PyObject *
protect(PyObject *self, PyObject *args)
{
    PyObject *capsule, *text, *words, *found = NULL, *result = NULL;
    if (!PyArg_ParseTuple(args, "OUO!", &capsule, &text, &PyList_Type, &words))
        return NULL;
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), count = PyList_GET_SIZE(words), n, at = 0;
    uint8_t *edge = PyMem_Calloc(length + 1, 1);
    if (!edge)
        return PyErr_NoMemory();
    for (n = 0; n < count; n++) {
        PyObject *word = PyList_GET_ITEM(words, n);
        Py_ssize_t size;
        if (!PyUnicode_Check(word) || at + (size = PyUnicode_GET_LENGTH(word)) > length ||
            PyUnicode_Tailmatch(text, word, at, at + size, -1) != 1) {
            if (PyErr_Occurred())
                goto done;
            result = Py_None;
            Py_INCREF(result);
            goto done;
        }
        /* a word's edges without its surrounding whitespace, as word_spans gives them */
        Py_ssize_t first = at, end = at + size;
        while (first < end && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(text, first)))
            first++;
        while (end > first && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(text, end - 1)))
            end--;
        if (first < end)
            edge[first] = edge[end] = 1;
        at += size;
    }
    if (at != length) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    const Table *table = PyCapsule_GetPointer(capsule, CAPSULE_NAME);
    if (!table || !(found = longest_matches(table, text)))
        goto done;
    if (!PyList_GET_SIZE(found)) {
        result = PyList_GetSlice(words, 0, count);
        goto done;
    }
    edge[0] = edge[length] = 1;
    for (n = 0; n < PyList_GET_SIZE(found); n++) {
        PyObject *span = PyList_GET_ITEM(found, n);
        Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 0));
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 1));
        memset(edge + start + 1, 0, end - start - 1);
        edge[start] = edge[end] = 1;
    }
    if (!(result = PyList_New(0)))
        goto done;
    Py_ssize_t first = 0;
    for (Py_ssize_t i = 1; i <= length; i++) {
        if (!edge[i])
            continue;
        PyObject *word = PyUnicode_Substring(text, first, i);
        if (!word || PyList_Append(result, word) < 0) {
            Py_XDECREF(word);
            Py_CLEAR(result);
            goto done;
        }
        Py_DECREF(word);
        first = i;
    }
done:
    PyMem_Free(edge);
    Py_XDECREF(found);
    return result;
}

static PyMethodDef methods[] = {
    {"table", make_table, METH_VARARGS,
     "table(FREQ, total, start, trans, emit): jieba's dictionary and finalseg's HMM, for cut()"},
    {"words", make_words, METH_O, "words(words): a trie of the words alone, for longest()"},
    {"longest", longest, METH_VARARGS,
     "longest(trie, text): (start, end) of the leftmost longest words, without overlap"},
    {"protect", protect, METH_VARARGS,
     "protect(trie, text, words): words re-cut so that protected words are whole, or None"},
    {"cut", cut_texts, METH_VARARGS,
     "cut(table, texts, hmm): jieba's Tokenizer.lcut(text, HMM=hmm) of each text"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_jieba", NULL, -1, methods};

PyMODINIT_FUNC
PyInit__jieba(void)
{
    return PyModule_Create(&module);
}
