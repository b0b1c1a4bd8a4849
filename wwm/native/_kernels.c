/* The per-token loops of masking, shuffle packing, TFRecord encoding and token grouping, in C.
 *
 * At dupe_factor 10 every token of the corpus passes through these loops ten times; in Python they
 * took about 250 us of a seq-512 instance (grouping tokens into words 57-75 us, choosing words
 * 27-32, the 80/10/10 replacement ~20, encoding 57-64, packing and unpacking 30), in C about 70.
 * Grouping the tokens of a sentence into words (group_tokens) runs once per token, at tokenization:
 * 0.60-0.64 us a character in Python, 0.11 in C.
 * Each function returns exactly what its Python reference in wwm/native/kernels.py returns
 * (tests/wwm/native/test_kernels.py compares them on random input), so output does not depend on whether
 * this module was built. Why C: no library does these project-specific loops, and the same
 * 10 MB dupe-10 job took 55-58 s with this module against 82.5 s with the Python loops
 * (benchmarks/history/scale_history.md has the measurement).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

/* A maskable group: a run of positions [start, start + length), with its random sort key. */
typedef struct {
    unsigned long long key;
    Py_ssize_t start, length;
} Run;

/* The maskable groups of group_ids, in order: runs of one group number (single positions unless
 * whole_word), positions of no_group ([CLS], [SEP]) left out. runs has room for one per position.
 * Returns the number of runs, or -1 with an exception set. */
static Py_ssize_t
scan_runs(PyObject *fast, int whole_word, long long no_group, Run *runs)
{
    Py_ssize_t size = PySequence_Fast_GET_SIZE(fast), count = 0, i;
    long long previous = no_group;
    for (i = 0; i < size; i++) {
        long long group = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(fast, i));
        if (group == -1 && PyErr_Occurred())
            return -1;
        if (group != no_group) {
            if (whole_word && count && group == previous) {
                runs[count - 1].length++;
            } else {
                runs[count].start = i;
                runs[count].length = 1;
                count++;
            }
        }
        previous = group;
    }
    return count;
}

/* group_ids as a fast sequence and room for its runs; NULL with an exception set on failure. */
static PyObject *
runs_of(PyObject *group_ids, int whole_word, long long no_group, Run **runs, Py_ssize_t *count)
{
    PyObject *fast = PySequence_Fast(group_ids, "group_ids must be a sequence");
    Py_ssize_t size;
    if (fast == NULL)
        return NULL;
    size = PySequence_Fast_GET_SIZE(fast);
    *runs = PyMem_Malloc(sizeof(Run) * (size ? size : 1));
    if (*runs == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    *count = scan_runs(fast, whole_word, no_group, *runs);
    if (*count < 0) {
        PyMem_Free(*runs);
        Py_DECREF(fast);
        return NULL;
    }
    return fast;
}

static PyObject *
positions(Py_ssize_t start, Py_ssize_t length)
{
    PyObject *list = PyList_New(length);
    Py_ssize_t i;
    if (list == NULL)
        return NULL;
    for (i = 0; i < length; i++) {
        PyObject *index = PyLong_FromSsize_t(start + i);
        if (index == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, index);
    }
    return list;
}

/* candidate_groups(group_ids, whole_word, no_group) -> list of lists of positions */
static PyObject *
candidate_groups(PyObject *self, PyObject *args)
{
    PyObject *group_ids, *fast, *result;
    int whole_word;
    long long no_group;
    Py_ssize_t count, i;
    Run *runs;

    if (!PyArg_ParseTuple(args, "OpL", &group_ids, &whole_word, &no_group))
        return NULL;
    fast = runs_of(group_ids, whole_word, no_group, &runs, &count);
    if (fast == NULL)
        return NULL;
    result = PyList_New(count);
    for (i = 0; result != NULL && i < count; i++) {
        PyObject *group = positions(runs[i].start, runs[i].length);
        if (group == NULL)
            Py_CLEAR(result);
        else
            PyList_SET_ITEM(result, i, group);
    }
    PyMem_Free(runs);
    Py_DECREF(fast);
    return result;
}

/* Whether run a comes before run b: by key, ties by position, as Python's stable sort orders them. */
static inline int
before(const Run *a, const Run *b)
{
    return a->key < b->key || (a->key == b->key && a->start < b->start);
}

static void
sift_down(Run *heap, Py_ssize_t size, Py_ssize_t node)
{
    for (;;) {
        Py_ssize_t least = node, left = 2 * node + 1, right = left + 1;
        Run swap;
        if (left < size && before(&heap[left], &heap[least]))
            least = left;
        if (right < size && before(&heap[right], &heap[least]))
            least = right;
        if (least == node)
            return;
        swap = heap[node];
        heap[node] = heap[least];
        heap[least] = swap;
        node = least;
    }
}

/* The runs in key order, taken one at a time from a min-heap: the greedy choice stops after
 * ~15% of them, so a full sort (glibc's qsort was most of this function's time) is not needed. */
static Run
pop_first(Run *heap, Py_ssize_t *size)
{
    Run first = heap[0];
    heap[0] = heap[--*size];
    sift_down(heap, *size, 0);
    return first;
}

/* Each run's key: one getrandbits(64 * count) call, read as count little-endian uint64s. */
static int
draw_keys(PyObject *getrandbits, Run *runs, Py_ssize_t count)
{
    PyObject *bits = PyObject_CallFunction(getrandbits, "n", 64 * count), *raw;
    const unsigned char *key_bytes;
    Py_ssize_t i;
    if (bits == NULL)
        return -1;
    raw = PyObject_CallMethod(bits, "to_bytes", "ns", 8 * count, "little");
    Py_DECREF(bits);
    if (raw == NULL)
        return -1;
    if (!PyBytes_Check(raw) || PyBytes_GET_SIZE(raw) != 8 * count) {
        PyErr_SetString(PyExc_TypeError, "getrandbits returned an unexpected value");
        Py_DECREF(raw);
        return -1;
    }
    key_bytes = (const unsigned char *)PyBytes_AS_STRING(raw);
    for (i = 0; i < count; i++) {
        unsigned long long key = 0;
        int byte;
        for (byte = 7; byte >= 0; byte--)
            key = key << 8 | key_bytes[8 * i + byte];
        runs[i].key = key;
    }
    Py_DECREF(raw);
    return 0;
}

/* choose_groups(group_ids, whole_word, no_group, budget, getrandbits) -> chosen groups' positions.
 * The groups stay (start, length) runs here: only the ~15% chosen ones become lists. */
static PyObject *
choose_groups(PyObject *self, PyObject *args)
{
    PyObject *group_ids, *fast, *getrandbits, *chosen = NULL;
    int whole_word;
    long long no_group;
    Py_ssize_t budget, count, i, used = 0;
    Run *runs;

    if (!PyArg_ParseTuple(args, "OpLnO", &group_ids, &whole_word, &no_group, &budget, &getrandbits))
        return NULL;
    fast = runs_of(group_ids, whole_word, no_group, &runs, &count);
    if (fast == NULL)
        return NULL;
    if (draw_keys(getrandbits, runs, count))
        goto done;
    for (i = count / 2 - 1; i >= 0; i--)
        sift_down(runs, count, i);
    chosen = PyList_New(0);
    while (chosen != NULL && count > 0 && used < budget) {
        Run run = pop_first(runs, &count);
        if (used + run.length <= budget) {
            PyObject *group = positions(run.start, run.length);
            if (group == NULL || PyList_Append(chosen, group))
                Py_CLEAR(chosen);
            Py_XDECREF(group);
            used += run.length;
        }
    }
done:
    PyMem_Free(runs);
    Py_DECREF(fast);
    return chosen;
}

static int
draw(PyObject *random, double *value)
{
    PyObject *number = PyObject_CallNoArgs(random);
    if (number == NULL)
        return -1;
    *value = PyFloat_AsDouble(number);
    Py_DECREF(number);
    return (*value == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

/* replace_per_token(output, words, mask_id, replacement_ids, random): the 80/10/10 replacement of
 * each chosen token, in place; the same draws, in the same order, as the Python reference. */
static PyObject *
replace_per_token(PyObject *self, PyObject *args)
{
    PyObject *output, *words, *mask_id, *replacement_ids, *random, *fast_words, *fast_ids = NULL;
    Py_ssize_t w, p, size;

    if (!PyArg_ParseTuple(args, "O!OOOO", &PyList_Type, &output, &words, &mask_id, &replacement_ids,
                          &random))
        return NULL;
    fast_words = PySequence_Fast(words, "words must be a sequence");
    if (fast_words == NULL)
        return NULL;
    fast_ids = PySequence_Fast(replacement_ids, "replacement_ids must be a sequence");
    if (fast_ids == NULL)
        goto error;
    size = PySequence_Fast_GET_SIZE(fast_ids);
    for (w = 0; w < PySequence_Fast_GET_SIZE(fast_words); w++) {
        PyObject *word = PySequence_Fast(PySequence_Fast_GET_ITEM(fast_words, w),
                                         "a word must be a sequence");
        if (word == NULL)
            goto error;
        for (p = 0; p < PySequence_Fast_GET_SIZE(word); p++) {
            Py_ssize_t position = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(word, p));
            PyObject *replacement = NULL;
            double value;
            if ((position == -1 && PyErr_Occurred()) || draw(random, &value)) {
                Py_DECREF(word);
                goto error;
            }
            if (value < 0.8) {
                replacement = mask_id;
            } else {
                if (draw(random, &value)) {
                    Py_DECREF(word);
                    goto error;
                }
                if (value >= 0.5) {   /* else: keep the token */
                    if (draw(random, &value)) {
                        Py_DECREF(word);
                        goto error;
                    }
                    Py_ssize_t index = (Py_ssize_t)(value * (double)size);   /* int() of it */
                    if (index >= size) {
                        PyErr_SetString(PyExc_IndexError, "no replacement ids");
                        Py_DECREF(word);
                        goto error;
                    }
                    replacement = PySequence_Fast_GET_ITEM(fast_ids, index);
                }
            }
            if (replacement != NULL) {
                Py_INCREF(replacement);
                if (PyList_SetItem(output, position, replacement)) {   /* steals the reference */
                    Py_DECREF(word);
                    goto error;
                }
            }
        }
        Py_DECREF(word);
    }
    Py_DECREF(fast_words);
    Py_DECREF(fast_ids);
    Py_RETURN_NONE;
error:
    Py_DECREF(fast_words);
    Py_XDECREF(fast_ids);
    return NULL;
}

/* A growing byte buffer for the protobuf encoders below. */
typedef struct {
    unsigned char *data;
    Py_ssize_t size, capacity;
} Buffer;

static int
reserve(Buffer *buffer, Py_ssize_t extra)
{
    Py_ssize_t needed = buffer->size + extra;
    unsigned char *grown;
    if (needed <= buffer->capacity)
        return 0;
    if (needed < 2 * buffer->capacity)
        needed = 2 * buffer->capacity;
    grown = PyMem_Realloc(buffer->data, needed);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    buffer->data = grown;
    buffer->capacity = needed;
    return 0;
}

static int
put_bytes(Buffer *buffer, const void *bytes, Py_ssize_t size)
{
    if (reserve(buffer, size))
        return -1;
    memcpy(buffer->data + buffer->size, bytes, size);
    buffer->size += size;
    return 0;
}

static int
put_varint(Buffer *buffer, unsigned long long value)
{
    if (reserve(buffer, 10))   /* a 64-bit varint takes at most 10 bytes */
        return -1;
    while (value > 0x7F) {
        buffer->data[buffer->size++] = (unsigned char)((value & 0x7F) | 0x80);
        value >>= 7;
    }
    buffer->data[buffer->size++] = (unsigned char)value;
    return 0;
}

static int
varint_size(unsigned long long value)
{
    int size = 1;
    while (value > 0x7F) {
        value >>= 7;
        size++;
    }
    return size;
}

/* An int64 (or uint64) value as protobuf writes it: negative ones in 64-bit two's complement. */
static int
as_uint64(PyObject *item, unsigned long long *value)
{
    int overflow;
    long long signed_value = PyLong_AsLongLongAndOverflow(item, &overflow);
    if (overflow > 0) {   /* 2**63 .. 2**64-1 */
        *value = PyLong_AsUnsignedLongLong(item);
        return (*value == (unsigned long long)-1 && PyErr_Occurred()) ? -1 : 0;
    }
    if (overflow < 0) {
        PyErr_SetString(PyExc_OverflowError, "int64 value below -2**63");
        return -1;
    }
    if (signed_value == -1 && PyErr_Occurred())
        return -1;
    *value = (unsigned long long)signed_value;
    return 0;
}

static int
put_varints(Buffer *buffer, PyObject *values)
{
    PyObject *fast = PySequence_Fast(values, "values must be a sequence");
    Py_ssize_t i;
    if (fast == NULL)
        return -1;
    for (i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
        unsigned long long value;
        if (as_uint64(PySequence_Fast_GET_ITEM(fast, i), &value) || put_varint(buffer, value)) {
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    return 0;
}

static PyObject *
take_bytes(Buffer *buffer)
{
    PyObject *result = PyBytes_FromStringAndSize((const char *)buffer->data, buffer->size);
    PyMem_Free(buffer->data);
    return result;
}

#if PY_VERSION_HEX < 0x030B0000
#define PyFloat_Pack4 _PyFloat_Pack4
#endif

static int
put_float(Buffer *buffer, PyObject *item)
{
    double value = PyFloat_AsDouble(item);
    if (value == -1.0 && PyErr_Occurred())
        return -1;
    if (reserve(buffer, 4) || PyFloat_Pack4(value, (char *)buffer->data + buffer->size, 1))
        return -1;   /* PyFloat_Pack4: struct.pack('<f')'s rounding and overflow error */
    buffer->size += 4;
    return 0;
}

/* One feature's packed list: the values, then padding_count times the padding value. */
static int
put_list(Buffer *packed, int kind, PyObject *values, PyObject *padding, Py_ssize_t padding_count)
{
    Py_ssize_t start, one, i;
    if (kind == 3) {
        unsigned long long value;
        if (put_varints(packed, values))
            return -1;
        start = packed->size;
        if (padding_count > 0 && (as_uint64(padding, &value) || put_varint(packed, value)))
            return -1;
    } else if (kind == 2) {
        PyObject *fast = PySequence_Fast(values, "values must be a sequence");
        if (fast == NULL)
            return -1;
        for (i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
            if (put_float(packed, PySequence_Fast_GET_ITEM(fast, i))) {
                Py_DECREF(fast);
                return -1;
            }
        }
        Py_DECREF(fast);
        start = packed->size;
        if (padding_count > 0 && put_float(packed, padding))
            return -1;
    } else {
        PyErr_Format(PyExc_ValueError, "kind %d is neither a float (2) nor an int64 (3) list", kind);
        return -1;
    }
    one = packed->size - start;   /* the padding value's bytes, written once so far */
    if (padding_count > 1) {
        if (reserve(packed, one * (padding_count - 1)))
            return -1;
        for (i = 1; i < padding_count; i++) {
            memmove(packed->data + packed->size, packed->data + start, one);
            packed->size += one;
        }
    }
    return 0;
}

/* One map entry of Features: {1: name, 2: Feature{kind: {1: packed}}}, for a feature whose packed
 * list is in packed. */
static int
put_feature(Buffer *body, const char *name, Py_ssize_t name_size, int kind, const Buffer *packed)
{
    Py_ssize_t list_size = 1 + varint_size(packed->size) + packed->size;
    Py_ssize_t feature_size = 1 + varint_size(list_size) + list_size;
    Py_ssize_t entry_size = 1 + varint_size(name_size) + name_size + 1 + varint_size(feature_size)
                            + feature_size;
    return (put_varint(body, 0x0A) || put_varint(body, entry_size)
            || put_varint(body, 0x0A) || put_varint(body, name_size)
            || put_bytes(body, name, name_size)
            || put_varint(body, 0x12) || put_varint(body, feature_size)
            || put_varint(body, kind << 3 | 2) || put_varint(body, list_size)
            || put_varint(body, 0x0A) || put_varint(body, packed->size)
            || put_bytes(body, packed->data, packed->size)) ? -1 : 0;
}

/* encode_example(entries) -> a serialized tf.train.Example. entries: (name bytes, kind, values,
 * padding, padding_count) per feature, written in that order; kind 3 is an Int64List, 2 a
 * FloatList. Each feature is one map entry of Features: {1: name, 2: Feature{kind: {1: packed}}}. */
static PyObject *
encode_example(PyObject *self, PyObject *entries)
{
    PyObject *fast = PySequence_Fast(entries, "entries must be a sequence");
    Buffer body = {NULL, 0, 0}, packed = {NULL, 0, 0}, example = {NULL, 0, 0};
    Py_ssize_t i;

    if (fast == NULL)
        return NULL;
    for (i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
        const char *name;
        Py_ssize_t name_size, padding_count;
        int kind;
        PyObject *values, *padding;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, i), "y#iOOn", &name, &name_size, &kind,
                              &values, &padding, &padding_count))
            goto error;
        if (padding_count < 0) {
            PyErr_SetString(PyExc_ValueError, "more values than the feature's length");
            goto error;
        }
        packed.size = 0;
        if (put_list(&packed, kind, values, padding, padding_count)
                || put_feature(&body, name, name_size, kind, &packed))
            goto error;
    }
    if (put_varint(&example, 0x0A) || put_varint(&example, body.size)
            || put_bytes(&example, body.data, body.size))
        goto error;
    PyMem_Free(body.data);
    PyMem_Free(packed.data);
    Py_DECREF(fast);
    return take_bytes(&example);
error:
    PyMem_Free(body.data);
    PyMem_Free(packed.data);
    PyMem_Free(example.data);
    Py_DECREF(fast);
    return NULL;
}

/* The list types of wwm/records/packed_instances.py: struct's standard sizes, little-endian. */
static int
type_range(char code, int *size, long long *low, long long *high)
{
    switch (code) {
    case 'B': *size = 1; *low = 0; *high = 255; return 0;
    case 'H': *size = 2; *low = 0; *high = 65535; return 0;
    case 'I': *size = 4; *low = 0; *high = 4294967295LL; return 0;
    case 'h': *size = 2; *low = -32768; *high = 32767; return 0;
    case 'i': *size = 4; *low = -2147483648LL; *high = 2147483647LL; return 0;
    case 'q': *size = 8; *low = LLONG_MIN; *high = LLONG_MAX; return 0;
    }
    PyErr_Format(PyExc_ValueError, "unknown list type %c", code);
    return -1;
}

static int
put_little(Buffer *buffer, unsigned long long value, int size)
{
    int byte;
    if (reserve(buffer, size))
        return -1;
    for (byte = 0; byte < size; byte++)
        buffer->data[buffer->size++] = (unsigned char)(value >> (8 * byte));
    return 0;
}

/* One list: its type (the first of typecodes that holds every value), its length, its values. */
static int
put_packed_list(Buffer *buffer, PyObject *values, const char *typecodes, Py_ssize_t ntypes)
{
    PyObject *fast = PySequence_Fast(values, "a list field must be a sequence");
    Py_ssize_t count, i, t;
    long long *numbers = NULL, least = 0, most = 0, low, high;
    Py_ssize_t zeros = 0;
    int size = 0, result = -1, is_step = 1;

    if (fast == NULL)
        return -1;
    count = PySequence_Fast_GET_SIZE(fast);
    numbers = PyMem_Malloc(sizeof(long long) * (count ? count : 1));
    if (numbers == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < count; i++) {
        int overflow;
        numbers[i] = PyLong_AsLongLongAndOverflow(PySequence_Fast_GET_ITEM(fast, i), &overflow);
        if (overflow) {
            PyErr_SetString(PyExc_OverflowError, "a value does not fit in int64");
            goto done;
        }
        if (numbers[i] == -1 && PyErr_Occurred())
            goto done;
        if (i == 0 || numbers[i] < least)
            least = numbers[i];
        if (i == 0 || numbers[i] > most)
            most = numbers[i];
        if (numbers[i] == 0 && zeros == i)
            zeros++;
        else if (numbers[i] != 1)
            is_step = 0;
    }
    for (t = 0; t < ntypes; t++) {
        if (typecodes[t] == 'S') {
            if (is_step)
                break;
            continue;
        }
        if (type_range(typecodes[t], &size, &low, &high))
            goto done;
        if (count == 0 || (least >= low && most <= high))
            break;
    }
    if (t == ntypes) {
        PyErr_SetString(PyExc_OverflowError, "no list type holds these values");
        goto done;
    }
    if (count > 4294967295LL) {
        PyErr_SetString(PyExc_OverflowError, "a list longer than 2**32 values");
        goto done;
    }
    if (put_bytes(buffer, &typecodes[t], 1) || put_little(buffer, (unsigned long long)count, 4))
        goto done;
    if (typecodes[t] == 'S') {   /* zeros, then ones: the count of zeros stands for the values */
        result = put_little(buffer, (unsigned long long)zeros, 4);
        goto done;
    }
    for (i = 0; i < count; i++)
        if (put_little(buffer, (unsigned long long)numbers[i], size))
            goto done;
    result = 0;
done:
    PyMem_Free(numbers);
    Py_DECREF(fast);
    return result;
}

/* pack_lists(label, lists, typecodes) -> bytes: the label as int64, then each list packed in the
 * narrowest of its typecodes (wwm/records/packed_instances.py's format). */
static PyObject *
pack_lists(PyObject *self, PyObject *args)
{
    PyObject *lists, *typecodes, *fast_lists = NULL, *fast_codes = NULL;
    long long label;
    Buffer buffer = {NULL, 0, 0};
    Py_ssize_t i;

    if (!PyArg_ParseTuple(args, "LOO", &label, &lists, &typecodes))
        return NULL;
    fast_lists = PySequence_Fast(lists, "lists must be a sequence");
    fast_codes = fast_lists ? PySequence_Fast(typecodes, "typecodes must be a sequence") : NULL;
    if (fast_codes == NULL)
        goto error;
    if (PySequence_Fast_GET_SIZE(fast_lists) != PySequence_Fast_GET_SIZE(fast_codes)) {
        PyErr_SetString(PyExc_ValueError, "one typecode string per list");
        goto error;
    }
    if (put_little(&buffer, (unsigned long long)label, 8))
        goto error;
    for (i = 0; i < PySequence_Fast_GET_SIZE(fast_lists); i++) {
        Py_ssize_t ntypes;
        const char *codes = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast_codes, i), &ntypes);
        if (codes == NULL || put_packed_list(&buffer, PySequence_Fast_GET_ITEM(fast_lists, i), codes, ntypes))
            goto error;
    }
    Py_DECREF(fast_lists);
    Py_DECREF(fast_codes);
    return take_bytes(&buffer);
error:
    PyMem_Free(buffer.data);
    Py_XDECREF(fast_lists);
    Py_XDECREF(fast_codes);
    return NULL;
}

static long long
get_little(const unsigned char *data, int size, int is_signed)
{
    unsigned long long value = 0;
    int byte;
    for (byte = size - 1; byte >= 0; byte--)
        value = value << 8 | data[byte];
    if (is_signed && size < 8 && (value >> (8 * size - 1)) & 1)
        value |= ~0ULL << (8 * size);   /* sign-extend */
    return (long long)value;
}

/* CRC-32C (Castagnoli, reflected), the checksum of TFRecord framing, slicing by 8 bytes. Here
 * rather than through google_crc32c because frame_run frames every record of a shard in one call:
 * calling back into Python twice a record for its checksums cost more than encoding it. */
static unsigned int crc32c_table[8][256];

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_CRC32_INSTRUCTION 1
static int crc32c_in_hardware;

/* The same with SSE 4.2's crc32 instruction (CRC-32C itself), 8 bytes a step. */
__attribute__((target("sse4.2"))) static unsigned int
crc32c_hardware(unsigned int crc, const unsigned char *data, Py_ssize_t size)
{
    unsigned long long state = crc;
    while (size >= 8) {
        unsigned long long word;
        memcpy(&word, data, 8);   /* x86 is little-endian, as the CRC reads bytes */
        state = __builtin_ia32_crc32di(state, word);
        data += 8;
        size -= 8;
    }
    crc = (unsigned int)state;
    while (size-- > 0)
        crc = __builtin_ia32_crc32qi(crc, *data++);
    return crc;
}
#endif

static void
crc32c_init(void)
{
    unsigned int n, k, crc;
#ifdef HAVE_CRC32_INSTRUCTION
    __builtin_cpu_init();
    crc32c_in_hardware = __builtin_cpu_supports("sse4.2");
#endif
    for (n = 0; n < 256; n++) {
        crc = n;
        for (k = 0; k < 8; k++)
            crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        crc32c_table[0][n] = crc;
    }
    for (n = 0; n < 256; n++)
        for (k = 1; k < 8; k++)
            crc32c_table[k][n] = crc32c_table[0][crc32c_table[k - 1][n] & 0xFF]
                                 ^ (crc32c_table[k - 1][n] >> 8);
}


/* The CRC-32C state after data; start from 0xFFFFFFFF, finish with ^ 0xFFFFFFFF. */
static unsigned int
crc32c_update(unsigned int crc, const unsigned char *data, Py_ssize_t size)
{
#ifdef HAVE_CRC32_INSTRUCTION
    if (crc32c_in_hardware)
        return crc32c_hardware(crc, data, size);
#endif
    while (size >= 8) {
        crc ^= (unsigned int)data[0] | (unsigned int)data[1] << 8 | (unsigned int)data[2] << 16
               | (unsigned int)data[3] << 24;
        crc = crc32c_table[7][crc & 0xFF] ^ crc32c_table[6][(crc >> 8) & 0xFF]
              ^ crc32c_table[5][(crc >> 16) & 0xFF] ^ crc32c_table[4][crc >> 24]
              ^ crc32c_table[3][data[4]] ^ crc32c_table[2][data[5]]
              ^ crc32c_table[1][data[6]] ^ crc32c_table[0][data[7]];
        data += 8;
        size -= 8;
    }
    while (size-- > 0)
        crc = crc32c_table[0][(crc ^ *data++) & 0xFF] ^ (crc >> 8);
    return crc;
}

static unsigned int
masked_crc(unsigned int crc)
{
    crc ^= 0xFFFFFFFFu;
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8u) & 0xFFFFFFFFu;
}

/* crc32c(data, table) -> the CRC-32C of data, by the table when table is true, else as framing
 * computes it (the instruction where the CPU has it): for the tests, which compare both with
 * google_crc32c. */
static PyObject *
crc32c(PyObject *self, PyObject *args)
{
    Py_buffer view;
    int table, saved = 0;
    unsigned int crc;
    if (!PyArg_ParseTuple(args, "y*p", &view, &table))
        return NULL;
#ifdef HAVE_CRC32_INSTRUCTION
    saved = crc32c_in_hardware;
    if (table)
        crc32c_in_hardware = 0;
#endif
    crc = crc32c_update(0xFFFFFFFFu, view.buf, view.len) ^ 0xFFFFFFFFu;
#ifdef HAVE_CRC32_INSTRUCTION
    crc32c_in_hardware = saved;
#endif
    (void)saved;
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(crc);
}

/* One list of a packed instance (wwm/records/packed_instances.py), read in place. */
typedef struct {
    const unsigned char *values;
    int size, is_signed;
    Py_ssize_t length, step;   /* step: type 'S', so many zeros and then ones; -1 otherwise */
} PackedList;

/* Value i of a packed list. */
static long long
list_value(const PackedList *list, Py_ssize_t i)
{
    if (list->step >= 0)
        return i >= list->step;
    return get_little(list->values + i * list->size, list->size, list->is_signed);
}

#define MAX_LISTS 8

/* The label and the first count lists of a packed instance; 0, or -1 with an exception set. */
static int
parse_packed(const unsigned char *data, Py_ssize_t size, Py_ssize_t count, long long *label,
             PackedList *lists)
{
    Py_ssize_t offset = 8, i;
    if (size < 8)
        goto truncated;
    *label = get_little(data, 8, 1);
    for (i = 0; i < count; i++) {
        long long low, high;
        if (offset + 5 > size)
            goto truncated;
        lists[i].length = (Py_ssize_t)get_little(data + offset + 1, 4, 0);
        lists[i].step = -1;
        if (data[offset] == 'S') {
            if (offset + 9 > size)
                goto truncated;
            lists[i].step = (Py_ssize_t)get_little(data + offset + 5, 4, 0);
            if (lists[i].step > lists[i].length) {
                PyErr_SetString(PyExc_ValueError, "a step list with more zeros than values");
                return -1;
            }
            lists[i].values = NULL;
            lists[i].size = 0;
            offset += 9;
            continue;
        }
        if (type_range((char)data[offset], &lists[i].size, &low, &high))
            return -1;
        lists[i].is_signed = low < 0;
        offset += 5;
        if (lists[i].length > (size - offset) / lists[i].size)
            goto truncated;
        lists[i].values = data + offset;
        offset += lists[i].length * lists[i].size;
    }
    return 0;
truncated:
    PyErr_SetString(PyExc_ValueError, "truncated packed instance");
    return -1;
}

/* unpack_lists(data, count) -> (label, [list, ...]): pack_lists' bytes (or a buffer of them) back. */
static PyObject *
unpack_lists(PyObject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t count, i, j;
    PyObject *lists = NULL, *result = NULL;
    PackedList packed[MAX_LISTS];
    long long label;

    if (!PyArg_ParseTuple(args, "y*n", &view, &count))
        return NULL;
    if (count < 0 || count > MAX_LISTS) {
        PyErr_SetString(PyExc_ValueError, "count out of range");
        goto done;
    }
    if (parse_packed(view.buf, view.len, count, &label, packed) || (lists = PyList_New(count)) == NULL)
        goto done;
    for (i = 0; i < count; i++) {
        PyObject *list = PyList_New(packed[i].length);
        if (list == NULL)
            goto done;
        PyList_SET_ITEM(lists, i, list);
        for (j = 0; j < packed[i].length; j++) {
            PyObject *number = PyLong_FromLongLong(list_value(&packed[i], j));
            if (number == NULL)
                goto done;
            PyList_SET_ITEM(list, j, number);
        }
    }
    result = Py_BuildValue("LO", label, lists);
done:
    Py_XDECREF(lists);
    PyBuffer_Release(&view);
    return result;
}

#define MAX_FEATURES 16
#define SOURCE_LABEL 100   /* the label, as a list of one */
#define SOURCE_ONES 200    /* 200 + k: a 1 for each value of list k */

/* One feature of frame_run's plan, with its padding value encoded once. */
typedef struct {
    const char *name;
    Py_ssize_t name_size, length;
    int kind, source;
    Buffer padding;
} PlannedFeature;

/* Appends a value already reserved for: a varint (kind 3) or a float (kind 2). */
static void
put_reserved_value(Buffer *packed, int kind, long long value)
{
    unsigned char *out = packed->data + packed->size;
    if (kind == 3) {
        unsigned long long bits = (unsigned long long)value;
        while (bits > 0x7F) {
            *out++ = (unsigned char)((bits & 0x7F) | 0x80);
            bits >>= 7;
        }
        *out++ = (unsigned char)bits;
        packed->size = out - packed->data;
    } else {
        PyFloat_Pack4((double)value, (char *)out, 1);   /* ints from packed lists: exact below 2**24 */
        packed->size += 4;
    }
}

/* One packed instance as a serialized tf.train.Example, in body (emptied first). Room for each
 * feature is reserved once (10 bytes a value at most), so the loops below only store bytes. */
static int
example_of_packed(Buffer *body, Buffer *packed, const unsigned char *payload, Py_ssize_t size,
                  const PlannedFeature *features, Py_ssize_t nfeatures, Py_ssize_t nlists)
{
    PackedList lists[MAX_LISTS];
    long long label;
    Py_ssize_t f, i;

    if (parse_packed(payload, size, nlists, &label, lists))
        return -1;
    body->size = 0;
    for (f = 0; f < nfeatures; f++) {
        const PlannedFeature *feature = &features[f];
        const PackedList *list = NULL;
        Py_ssize_t count, padding = 0;
        if (feature->source == SOURCE_LABEL)
            count = 1;
        else if (feature->source >= SOURCE_ONES)
            count = lists[feature->source - SOURCE_ONES].length;
        else
            count = (list = &lists[feature->source])->length;
        if (feature->length >= 0) {
            if (count > feature->length) {
                PyErr_Format(PyExc_ValueError, "%zd values in %s, longer than its length %zd", count,
                             feature->name, feature->length);
                return -1;
            }
            padding = feature->length - count;
        }
        packed->size = 0;
        if (reserve(packed, count * 10 + padding * feature->padding.size))
            return -1;
        if (feature->source == SOURCE_LABEL)
            put_reserved_value(packed, feature->kind, label);
        else if (list == NULL)
            for (i = 0; i < count; i++)
                put_reserved_value(packed, feature->kind, 1);
        else
            for (i = 0; i < count; i++)
                put_reserved_value(packed, feature->kind, list_value(list, i));
        for (i = 0; i < padding; i++) {
            memcpy(packed->data + packed->size, feature->padding.data, feature->padding.size);
            packed->size += feature->padding.size;
        }
        if (put_feature(body, feature->name, feature->name_size, feature->kind, packed))
            return -1;
    }
    return 0;
}

/* Appends one TFRecord holding the Example whose body is in body. */
static int
put_framed(Buffer *out, const Buffer *body)
{
    unsigned char head[12];
    Py_ssize_t start;
    unsigned long long length = 1 + varint_size(body->size) + body->size;
    unsigned int crc;
    int byte;

    for (byte = 0; byte < 8; byte++)
        head[byte] = (unsigned char)(length >> (8 * byte));
    crc = masked_crc(crc32c_update(0xFFFFFFFFu, head, 8));
    for (byte = 0; byte < 4; byte++)
        head[8 + byte] = (unsigned char)(crc >> (8 * byte));
    if (put_bytes(out, head, 12))
        return -1;
    start = out->size;
    if (put_varint(out, 0x0A) || put_varint(out, body->size) || put_bytes(out, body->data, body->size))
        return -1;
    crc = masked_crc(crc32c_update(0xFFFFFFFFu, out->data + start, out->size - start));
    for (byte = 0; byte < 4; byte++)
        head[byte] = (unsigned char)(crc >> (8 * byte));
    return put_bytes(out, head, 4);
}

/* The plan's features; their count, or -1 with an exception set. */
static Py_ssize_t
parse_plan(PyObject *fast, PlannedFeature *features, Py_ssize_t nlists)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast), f;
    if (n > MAX_FEATURES) {
        PyErr_SetString(PyExc_ValueError, "too many features");
        return -1;
    }
    for (f = 0; f < n; f++) {
        PlannedFeature *feature = &features[f];
        PyObject *padding;
        int list;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, f), "y#iiOn", &feature->name,
                              &feature->name_size, &feature->kind, &feature->source, &padding,
                              &feature->length))
            return -1;
        list = feature->source >= SOURCE_ONES ? feature->source - SOURCE_ONES : feature->source;
        if ((feature->kind != 2 && feature->kind != 3)
                || (feature->source != SOURCE_LABEL && (list < 0 || list >= nlists))) {
            PyErr_SetString(PyExc_ValueError, "a feature's kind or source is out of range");
            return -1;
        }
        if (feature->kind == 3) {
            unsigned long long value;
            if (as_uint64(padding, &value) || put_varint(&feature->padding, value))
                return -1;
        } else if (put_float(&feature->padding, padding)) {
            return -1;
        }
    }
    return n;
}

/* The payload of the run record at *offset of data (external_sort's length-prefixed shard records:
 * a sort key closed by a NUL, copy and rank, then the packed instance), and *offset moved past it:
 * 1; 0 at the end or where the last record is cut (the caller reports the bytes left); -1 with an
 * exception set for a record without its key. */
static int
next_run_payload(const unsigned char *data, Py_ssize_t size, Py_ssize_t *offset,
                 const unsigned char **payload, Py_ssize_t *payload_size)
{
    const unsigned char *record, *end;
    Py_ssize_t length;
    if (*offset + 4 > size)
        return 0;
    length = (Py_ssize_t)data[*offset] << 24 | (Py_ssize_t)data[*offset + 1] << 16
             | (Py_ssize_t)data[*offset + 2] << 8 | (Py_ssize_t)data[*offset + 3];
    if (length > size - *offset - 4)
        return 0;
    record = data + *offset + 4;
    end = length > 8 ? memchr(record + 8, 0, length - 8) : NULL;
    if (end == NULL || end + 9 > record + length) {
        PyErr_SetString(PyExc_ValueError, "a run record without its key");
        return -1;
    }
    *payload = end + 9;   /* the NUL, then copy and rank */
    *payload_size = record + length - *payload;
    *offset += 4 + length;
    return 1;
}

/* frame_run(data, plan, nlists) -> (TFRecords bytes, bytes consumed, records).
 * data: run-file bytes (external_sort.write_run of balanced_shards.shard_record records), whose
 * packed instances hold nlists lists; every whole record in data becomes one framed TFRecord, a
 * record cut at the end of data is left for the next call. plan: (name bytes, kind, source,
 * padding, length) per feature in order: source k < 100 is packed list k, SOURCE_LABEL the label,
 * SOURCE_ONES + k a 1 per value of list k; length -1 for a variable-length feature. */
static PyObject *
frame_run(PyObject *self, PyObject *args)
{
    Py_buffer view;
    PyObject *plan, *fast = NULL, *result = NULL;
    PlannedFeature features[MAX_FEATURES];
    Py_ssize_t nfeatures = 0, nlists, offset = 0, records = 0, f, payload_size;
    Buffer out = {NULL, 0, 0}, body = {NULL, 0, 0}, packed = {NULL, 0, 0};
    const unsigned char *data, *payload;
    int more;

    memset(features, 0, sizeof(features));
    if (!PyArg_ParseTuple(args, "y*On", &view, &plan, &nlists))
        return NULL;
    data = view.buf;
    if (nlists < 0 || nlists > MAX_LISTS) {
        PyErr_SetString(PyExc_ValueError, "nlists out of range");
        goto done;
    }
    fast = PySequence_Fast(plan, "plan must be a sequence");
    if (fast == NULL || (nfeatures = parse_plan(fast, features, nlists)) < 0) {
        nfeatures = MAX_FEATURES;
        goto done;
    }
    while ((more = next_run_payload(data, view.len, &offset, &payload, &payload_size)) == 1) {
        if (example_of_packed(&body, &packed, payload, payload_size, features, nfeatures, nlists)
                || put_framed(&out, &body))
            goto done;
        records++;
    }
    if (more < 0)
        goto done;
    result = Py_BuildValue("y#nn", out.data ? (const char *)out.data : "", out.size, offset, records);
done:
    for (f = 0; f < nfeatures; f++)
        PyMem_Free(features[f].padding.data);
    PyMem_Free(out.data);
    PyMem_Free(body.data);
    PyMem_Free(packed.data);
    Py_XDECREF(fast);
    PyBuffer_Release(&view);
    return result;
}

/* Appends a 32-bit value in native order; 0, or -1 with an exception set (a value that int32
 * cannot hold: the Arrow columns are int32). */
static int
put_int32(Buffer *buffer, long long value, const char *what)
{
    int32_t narrow = (int32_t)value;
    if (value < INT32_MIN || value > INT32_MAX) {
        PyErr_Format(PyExc_ValueError, "%s value %lld does not fit int32", what, value);
        return -1;
    }
    if (reserve(buffer, 4))
        return -1;
    memcpy(buffer->data + buffer->size, &narrow, 4);
    buffer->size += 4;
    return 0;
}

/* columns_run(data, nlists) -> (labels, ((values, offsets) per list), bytes consumed, records):
 * the whole records of a run file as Arrow's buffers, int32 in native order: the labels, and for
 * each list its values end to end and records + 1 offsets into them. The reference is
 * packed_instances.py_run_columns. */
static PyObject *
columns_run(PyObject *self, PyObject *args)
{
    Py_buffer view;
    PyObject *lists_out = NULL, *result = NULL;
    Buffer labels = {NULL, 0, 0}, values[MAX_LISTS], offsets[MAX_LISTS];
    PackedList lists[MAX_LISTS];
    Py_ssize_t nlists, offset = 0, records = 0, i, k, payload_size;
    const unsigned char *data, *payload;
    int more;

    memset(values, 0, sizeof(values));
    memset(offsets, 0, sizeof(offsets));
    if (!PyArg_ParseTuple(args, "y*n", &view, &nlists))
        return NULL;
    data = view.buf;
    if (nlists < 0 || nlists > MAX_LISTS) {
        PyErr_SetString(PyExc_ValueError, "nlists out of range");
        goto done;
    }
    for (k = 0; k < nlists; k++)
        if (put_int32(&offsets[k], 0, "offset"))
            goto done;
    while ((more = next_run_payload(data, view.len, &offset, &payload, &payload_size)) == 1) {
        long long label;
        if (parse_packed(payload, payload_size, nlists, &label, lists)
                || put_int32(&labels, label, "label"))
            goto done;
        for (k = 0; k < nlists; k++) {
            if (reserve(&values[k], lists[k].length * 4))
                goto done;
            for (i = 0; i < lists[k].length; i++)
                if (put_int32(&values[k], list_value(&lists[k], i), "list"))
                    goto done;
            if (put_int32(&offsets[k], values[k].size / 4, "offset"))
                goto done;
        }
        records++;
    }
    if (more < 0)
        goto done;
    if ((lists_out = PyTuple_New(nlists)) == NULL)
        goto done;
    for (k = 0; k < nlists; k++) {
        PyObject *pair = Py_BuildValue("y#y#", values[k].data ? (const char *)values[k].data : "",
                                       values[k].size, (const char *)offsets[k].data, offsets[k].size);
        if (pair == NULL)
            goto done;
        PyTuple_SET_ITEM(lists_out, k, pair);
    }
    result = Py_BuildValue("y#Onn", labels.data ? (const char *)labels.data : "", labels.size, lists_out,
                           offset, records);
done:
    for (k = 0; k < MAX_LISTS; k++) {
        PyMem_Free(values[k].data);
        PyMem_Free(offsets[k].data);
    }
    PyMem_Free(labels.data);
    Py_XDECREF(lists_out);
    PyBuffer_Release(&view);
    return result;
}

/* An (int, int) pair of a sequence of pairs (token offsets, word spans); 0, or -1 with an
 * exception set. */
static int
int_pair(PyObject *pair, Py_ssize_t *first, Py_ssize_t *second)
{
    PyObject *fast = PySequence_Fast(pair, "offsets and spans must be pairs of ints");
    if (fast == NULL)
        return -1;
    if (PySequence_Fast_GET_SIZE(fast) != 2)
        PyErr_SetString(PyExc_ValueError, "offsets and spans must be pairs of ints");
    else if ((*first = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(fast, 0))) != -1 || !PyErr_Occurred())
        *second = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(fast, 1));
    Py_DECREF(fast);
    return PyErr_Occurred() ? -1 : 0;
}

/* group_tokens(offsets, piece_words, spans, length, first_group=0)
 *     -> (group numbers, unaligned, multi_word).
 * The reference, kernels.py_group_tokens, says what the numbers mean. */
static PyObject *
group_tokens(PyObject *self, PyObject *args)
{
    PyObject *offsets, *piece_words, *spans, *fast_offsets = NULL, *fast_words = NULL;
    PyObject *fast_spans = NULL, *groups = NULL, *result = NULL;
    Py_ssize_t length, count, i, c, unaligned = 0, multi_word = 0, previous_last = -2, *char_word = NULL;
    long long group, first_group = 0;
    PyObject *previous_word = Py_None;  /* borrowed from fast_words, which outlives the loop */

    if (!PyArg_ParseTuple(args, "OOOn|L", &offsets, &piece_words, &spans, &length, &first_group))
        return NULL;
    if (length < 0)
        return PyErr_Format(PyExc_ValueError, "length must not be negative");
    fast_offsets = PySequence_Fast(offsets, "offsets must be a sequence");
    fast_words = fast_offsets ? PySequence_Fast(piece_words, "piece_words must be a sequence") : NULL;
    fast_spans = fast_words ? PySequence_Fast(spans, "spans must be a sequence") : NULL;
    if (fast_spans == NULL)
        goto done;
    char_word = PyMem_Malloc(sizeof(Py_ssize_t) * (length ? length : 1));
    if (char_word == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (c = 0; c < length; c++)
        char_word[c] = -1;
    for (i = 0; i < PySequence_Fast_GET_SIZE(fast_spans); i++) {
        Py_ssize_t start, end;
        if (int_pair(PySequence_Fast_GET_ITEM(fast_spans, i), &start, &end) < 0)
            goto done;
        for (c = start < 0 ? length : start; c < end && c < length; c++)
            char_word[c] = i;
    }
    count = PySequence_Fast_GET_SIZE(fast_offsets);
    if (PySequence_Fast_GET_SIZE(fast_words) < count)
        count = PySequence_Fast_GET_SIZE(fast_words);
    groups = PyList_New(count);
    if (groups == NULL)
        goto done;
    group = first_group - 1;
    for (i = 0; i < count; i++) {
        Py_ssize_t start, end, first, last;
        int same_piece_word = 0;
        PyObject *number, *word = PySequence_Fast_GET_ITEM(fast_words, i);
        if (int_pair(PySequence_Fast_GET_ITEM(fast_offsets, i), &start, &end) < 0)
            goto done;
        if (start < 0) {
            PyErr_SetString(PyExc_ValueError, "token offsets must not be negative");
            goto done;
        }
        first = start < length ? char_word[start] : -1;
        last = (end > 0 && end <= length) ? char_word[end - 1] : -1;
        /* a token beginning or ending outside every word: its other characters' words */
        for (c = start + 1; first < 0 && c < end && c < length; c++)
            first = char_word[c];
        if (first >= 0)
            for (c = (end < length ? end : length) - 1; last < 0 && c >= start; c--)
                last = char_word[c];
        if (word != Py_None) {
            same_piece_word = PyObject_RichCompareBool(word, previous_word, Py_EQ);
            if (same_piece_word < 0)
                goto done;
        }
        if (first < 0 || last < 0) {
            unaligned++;
            if (!same_piece_word)
                group++;
            previous_last = -2;
        } else {
            if (first != last)
                multi_word++;
            if (first > previous_last && !same_piece_word)
                group++;
            if (last > previous_last)
                previous_last = last;
        }
        previous_word = word;
        number = PyLong_FromLongLong(group);
        if (number == NULL)
            goto done;
        PyList_SET_ITEM(groups, i, number);
    }
    result = Py_BuildValue("(Onn)", groups, unaligned, multi_word);
done:
    PyMem_Free(char_word);
    Py_XDECREF(groups);
    Py_XDECREF(fast_spans);
    Py_XDECREF(fast_words);
    Py_XDECREF(fast_offsets);
    return result;
}


/* Google's NSP instances of one document (wwm/instances/pairs.py's py_create_pair_instances, which is
 * the reference): the same calls to rng.random and rng.randint in the same order, so the same
 * instances. Tokens are the documents' own int objects, referenced, never converted. */

typedef struct {
    PyObject **ids, **groups; /* borrowed from the documents' lists */
    Py_ssize_t size, capacity;
} TokenRun;

static int
run_reserve(TokenRun *run, Py_ssize_t extra)
{
    if (run->size + extra <= run->capacity)
        return 0;
    Py_ssize_t capacity = run->capacity ? run->capacity : 256;
    while (capacity < run->size + extra)
        capacity *= 2;
    PyObject **ids = PyMem_Realloc(run->ids, capacity * sizeof(PyObject *));
    if (ids)
        run->ids = ids;
    PyObject **groups = ids ? PyMem_Realloc(run->groups, capacity * sizeof(PyObject *)) : NULL;
    if (groups)
        run->groups = groups;
    if (!ids || !groups) {
        PyErr_NoMemory();
        return -1;
    }
    run->capacity = capacity;
    return 0;
}

/* A segment's (ids, groups) lists; -1 with an exception when it is not such a pair. */
static Py_ssize_t
segment_lists(PyObject *segment, PyObject **ids, PyObject **groups)
{
    if (!PyTuple_Check(segment) || PyTuple_GET_SIZE(segment) != 2 ||
        !PyList_Check(*ids = PyTuple_GET_ITEM(segment, 0)) ||
        !PyList_Check(*groups = PyTuple_GET_ITEM(segment, 1)) ||
        PyList_GET_SIZE(*ids) != PyList_GET_SIZE(*groups)) {
        PyErr_SetString(PyExc_TypeError, "a segment must be a tuple of two lists of one length");
        return -1;
    }
    return PyList_GET_SIZE(*ids);
}

static int
run_extend(TokenRun *run, PyObject *segment)
{
    PyObject *ids, *groups;
    Py_ssize_t size = segment_lists(segment, &ids, &groups);
    if (size < 0 || run_reserve(run, size) < 0)
        return -1;
    memcpy(run->ids + run->size, ((PyListObject *)ids)->ob_item, size * sizeof(PyObject *));
    memcpy(run->groups + run->size, ((PyListObject *)groups)->ob_item, size * sizeof(PyObject *));
    run->size += size;
    return 0;
}

static void
run_free(TokenRun *run)
{
    PyMem_Free(run->ids);
    PyMem_Free(run->groups);
}

static int
randint(PyObject *randint_fn, Py_ssize_t low, Py_ssize_t high, Py_ssize_t *value)
{
    PyObject *number = PyObject_CallFunction(randint_fn, "nn", low, high);
    if (!number)
        return -1;
    *value = PyLong_AsSsize_t(number);
    Py_DECREF(number);
    return *value == -1 && PyErr_Occurred() ? -1 : 0;
}

static void
set_item(PyObject *list, Py_ssize_t *at, PyObject *item)
{
    Py_INCREF(item);
    PyList_SET_ITEM(list, (*at)++, item);
}

/* [head] items_a[a_first:a_end] [separator] items_b[b_first:b_end] [separator], a new list. */
static PyObject *
framed_pair(PyObject *head, PyObject *separator, PyObject **items_a, Py_ssize_t a_first,
            Py_ssize_t a_end, PyObject **items_b, Py_ssize_t b_first, Py_ssize_t b_end)
{
    PyObject *list = PyList_New(a_end - a_first + b_end - b_first + 3);
    Py_ssize_t at = 0, i;
    if (!list)
        return NULL;
    set_item(list, &at, head);
    for (i = a_first; i < a_end; i++)
        set_item(list, &at, items_a[i]);
    set_item(list, &at, separator);
    for (i = b_first; i < b_end; i++)
        set_item(list, &at, items_b[i]);
    set_item(list, &at, separator);
    return list;
}

/* _pack: [CLS] A [SEP] B [SEP] with segment ids and groups, as an UnmaskedInstance. */
static PyObject *
pack_pair(PyObject *instance_type, const TokenRun *a, const Py_ssize_t cut_a[2], const TokenRun *b,
          const Py_ssize_t cut_b[2], int label, PyObject *cls, PyObject *sep, PyObject *no_group)
{
    Py_ssize_t a_first = cut_a[0], a_end = a->size - cut_a[1];
    Py_ssize_t b_first = cut_b[0], b_end = b->size - cut_b[1], i;
    PyObject *ids = framed_pair(cls, sep, a->ids, a_first, a_end, b->ids, b_first, b_end);
    PyObject *groups = framed_pair(no_group, no_group, a->groups, a_first, a_end, b->groups, b_first,
                                   b_end);
    PyObject *segments = PyList_New(a_end - a_first + b_end - b_first + 3), *result = NULL;
    PyObject *zero = PyLong_FromLong(0), *one = PyLong_FromLong(1);
    if (!ids || !segments || !groups || !zero || !one)
        goto done;
    Py_ssize_t at = 0;
    for (i = 0; i < PyList_GET_SIZE(segments); i++)
        set_item(segments, &at, i < a_end - a_first + 2 ? zero : one);
    result = PyObject_CallFunction(instance_type, "OOOi", ids, segments, groups, label);
done:
    Py_XDECREF(ids);
    Py_XDECREF(segments);
    Py_XDECREF(groups);
    Py_XDECREF(zero);
    Py_XDECREF(one);
    return result;
}

/* pair_instances(documents, document_index, max_seq_length, short_seq_prob, rng, cls_id, sep_id,
 *                no_group, instance_type) -> [instance_type(ids, segments, groups, label)] */
static PyObject *
pair_instances(PyObject *self, PyObject *args)
{
    PyObject *documents, *rng, *cls, *sep, *no_group, *instance_type;
    Py_ssize_t index, max_seq_length;
    double short_seq_prob;
    if (!PyArg_ParseTuple(args, "O!nndOOOOO", &PyList_Type, &documents, &index, &max_seq_length,
                          &short_seq_prob, &rng, &cls, &sep, &no_group, &instance_type))
        return NULL;
    Py_ssize_t num_documents = PyList_GET_SIZE(documents);
    if (index < 0 || index >= num_documents) {
        PyErr_SetString(PyExc_IndexError, "document_index out of range");
        return NULL;
    }
    PyObject *document = PyList_GET_ITEM(documents, index);
    if (!PyList_Check(document)) {
        PyErr_SetString(PyExc_TypeError, "a document must be a list of segments");
        return NULL;
    }
    PyObject *random = PyObject_GetAttrString(rng, "random");
    PyObject *randint_fn = random ? PyObject_GetAttrString(rng, "randint") : NULL;
    PyObject *instances = randint_fn ? PyList_New(0) : NULL;
    TokenRun a = {0}, b = {0};
    Py_ssize_t max_num_tokens = max_seq_length - 3, target, chunk_first = 0, chunk_length = 0;
    double value;
    if (!instances)
        goto fail;
    /* target_length */
    if (draw(random, &value) < 0)
        goto fail;
    target = max_num_tokens;
    if (value < short_seq_prob && randint(randint_fn, 2, max_num_tokens, &target) < 0)
        goto fail;
    Py_ssize_t length = PyList_GET_SIZE(document), i = 0;
    for (; i < length; i++) {
        PyObject *ids, *groups;
        Py_ssize_t size = segment_lists(PyList_GET_ITEM(document, i), &ids, &groups);
        if (size < 0)
            goto fail;
        chunk_length += size;
        if (i != length - 1 && chunk_length < target)
            continue;
        /* the chunk is document[chunk_first : i + 1] */
        Py_ssize_t chunk = i + 1 - chunk_first, a_end = 1, j;
        int random_next;
        if (chunk >= 2 && randint(randint_fn, 1, chunk - 1, &a_end) < 0)
            goto fail;
        a.size = b.size = 0;
        for (j = 0; j < a_end; j++)
            if (run_extend(&a, PyList_GET_ITEM(document, chunk_first + j)) < 0)
                goto fail;
        random_next = chunk == 1;
        if (!random_next) {
            if (draw(random, &value) < 0)
                goto fail;
            random_next = value < 0.5;
        }
        if (random_next) {
            Py_ssize_t target_b = target - a.size, pick = index, start, k;
            for (k = 0; k < 10; k++) { /* _pick_random_document */
                if (randint(randint_fn, 0, num_documents - 1, &pick) < 0)
                    goto fail;
                if (pick != index)
                    break;
            }
            PyObject *other = PyList_GET_ITEM(documents, pick);
            if (!PyList_Check(other)) {
                PyErr_SetString(PyExc_TypeError, "a document must be a list of segments");
                goto fail;
            }
            if (randint(randint_fn, 0, PyList_GET_SIZE(other) - 1, &start) < 0)
                goto fail;
            for (j = start; j < PyList_GET_SIZE(other); j++) {
                if (run_extend(&b, PyList_GET_ITEM(other, j)) < 0)
                    goto fail;
                if (b.size >= target_b)
                    break;
            }
            i -= chunk - a_end; /* the unused sentences of this chunk go back */
        } else {
            for (j = a_end; j < chunk; j++)
                if (run_extend(&b, PyList_GET_ITEM(document, chunk_first + j)) < 0)
                    goto fail;
        }
        /* truncate_seq_pair: from the longer side (B on a tie), front or back at random */
        Py_ssize_t cut_a[2] = {0, 0}, cut_b[2] = {0, 0}, kept_a = a.size, kept_b = b.size;
        while (kept_a + kept_b > max_num_tokens) {
            if (draw(random, &value) < 0)
                goto fail;
            if (kept_a > kept_b) {
                cut_a[value < 0.5 ? 0 : 1]++;
                kept_a--;
            } else {
                cut_b[value < 0.5 ? 0 : 1]++;
                kept_b--;
            }
        }
        if (kept_a && kept_b) {
            PyObject *instance = pack_pair(instance_type, &a, cut_a, &b, cut_b, random_next, cls, sep,
                                           no_group);
            if (!instance || PyList_Append(instances, instance) < 0) {
                Py_XDECREF(instance);
                goto fail;
            }
            Py_DECREF(instance);
        }
        chunk_first = i + 1;
        chunk_length = 0;
    }
    run_free(&a);
    run_free(&b);
    Py_DECREF(random);
    Py_DECREF(randint_fn);
    return instances;
fail:
    run_free(&a);
    run_free(&b);
    Py_XDECREF(random);
    Py_XDECREF(randint_fn);
    Py_XDECREF(instances);
    return NULL;
}

static PyMethodDef methods[] = {
    {"candidate_groups", candidate_groups, METH_VARARGS,
     "candidate_groups(group_ids, whole_word, no_group): positions of each maskable group"},
    {"choose_groups", choose_groups, METH_VARARGS,
     "choose_groups(group_ids, whole_word, no_group, budget, getrandbits): groups taken in random order"},
    {"replace_per_token", replace_per_token, METH_VARARGS,
     "replace_per_token(output, words, mask_id, replacement_ids, random): 80/10/10, in place"},
    {"pack_lists", pack_lists, METH_VARARGS,
     "pack_lists(label, lists, typecodes): each list in the narrowest of its types"},
    {"unpack_lists", unpack_lists, METH_VARARGS,
     "unpack_lists(data, count): (label, lists) of pack_lists' bytes"},
    {"group_tokens", group_tokens, METH_VARARGS,
     "group_tokens(offsets, piece_words, spans, length, first_group=0): (group numbers, unaligned)"},
    {"pair_instances", pair_instances, METH_VARARGS,
     "pair_instances(documents, index, max_seq_length, short_seq_prob, rng, cls, sep, no_group, "
     "instance_type): NSP instances of one document"},
    {"crc32c", crc32c, METH_VARARGS, "crc32c(data, table): the CRC-32C of data (for the tests)"},
    {"frame_run", frame_run, METH_VARARGS,
     "frame_run(data, plan, nlists): (TFRecords of the run's whole records, bytes consumed, records)"},
    {"columns_run", columns_run, METH_VARARGS,
     "columns_run(data, nlists): (labels, (values, offsets) per list, bytes consumed, records) as int32"},
    {"encode_example", encode_example, METH_O,
     "encode_example(entries): (name, kind, values, padding, padding_count) per feature -> Example bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", NULL, -1, methods};

PyMODINIT_FUNC
PyInit__kernels(void)
{
    crc32c_init();
    return PyModule_Create(&module);
}
