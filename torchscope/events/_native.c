/*
 * torchscope.events._native: the hot loop of reading TensorBoard event files, in C.
 *
 * One call, scan_records(buffer, resynchronising, max_record_bytes), frames a chunk of
 * TFRecords (u64 length | u32 masked crc32c(length) | payload | u32 masked crc32c(payload)),
 * checks the CRCs exactly as torchscope/events/reader.py does (same skipping and
 * resynchronising rules), decodes every scalar Event exactly as
 * torchscope/events/scalars.py:decode_scalar_event does, and returns the scalars as packed
 * columns plus the positions of the other records, which Python parses with protobuf.
 *
 * The Python decoder is the specification: this file mirrors it step by step, including
 * how it treats malformed input (a length that runs past the buffer, a repeated field, a
 * varint of up to 70 bits ...). Positions and varints are therefore 128-bit integers, so
 * that no comparison here wraps around where Python's integers would not.
 *
 * The GIL is released while scanning: only the final building of Python objects needs it.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define HAVE_X86_CRC 1
#endif

typedef unsigned __int128 u128;

/* ---------------------------------------------------------------------------------------- */
/* CRC32C (Castagnoli): the SSE4.2 instruction when the CPU has it, a table otherwise.      */

static uint32_t crc_table[8][256];
static int use_hw_crc;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t crc = i;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
        crc_table[0][i] = crc;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xFF];
#ifdef HAVE_X86_CRC
    __builtin_cpu_init();
    use_hw_crc = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t crc32c_table(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    while (n >= 8) { /* slicing by 8 */
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24);
        crc = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
              crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^ crc_table[3][p[4]] ^
              crc_table[2][p[5]] ^ crc_table[1][p[6]] ^ crc_table[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xFF];
    return ~crc;
}

#ifdef HAVE_X86_CRC
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(const uint8_t *p, size_t n)
{
    uint64_t crc = 0xFFFFFFFFu;
#if defined(__x86_64__)
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = _mm_crc32_u64(crc, word);
        p += 8;
        n -= 8;
    }
#endif
    uint32_t crc32 = (uint32_t)crc;
    while (n--)
        crc32 = _mm_crc32_u8(crc32, *p++);
    return ~crc32;
}
#endif

static inline uint32_t masked_crc32c(const uint8_t *p, size_t n)
{
    uint32_t crc;
#ifdef HAVE_X86_CRC
    crc = use_hw_crc ? crc32c_hw(p, n) : crc32c_table(p, n);
#else
    crc = crc32c_table(p, n);
#endif
    return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
}

static inline uint64_t load_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v; /* event files are little-endian; so is every platform torchscope targets */
}

static inline uint32_t load_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* ---------------------------------------------------------------------------------------- */
/* Growable arrays and a string interning table (no Python objects: the GIL is released).   */

typedef struct {
    char *data;
    size_t size, capacity; /* in bytes */
} Buffer;

static int buffer_grow(Buffer *b, size_t n)
{
    size_t capacity = b->capacity ? b->capacity * 2 : 4096;
    while (capacity < b->size + n)
        capacity *= 2;
    char *grown = realloc(b->data, capacity);
    if (grown == NULL)
        return 0;
    b->data = grown;
    b->capacity = capacity;
    return 1;
}

static inline int buffer_push(Buffer *b, const void *item, size_t n)
{
    if (b->size + n > b->capacity && !buffer_grow(b, n))
        return 0;
    memcpy(b->data + b->size, item, n);
    b->size += n;
    return 1;
}

typedef struct {
    const uint8_t *text;
    size_t length;
    int32_t id;
} Entry;

typedef struct {
    Entry *slots;
    size_t capacity; /* a power of two; 0 until the first insert */
    int32_t count;
    Buffer order;    /* Entry records in insertion order (the id is the index) */
} Interner;

static inline uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    /* Eight bytes at a time with a multiply-xorshift mix: tags are short, this runs per row. */
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        h = (h ^ word) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t word = 0;
        memcpy(&word, p, n);
        h = (h ^ word) * 0xC4CEB9FE1A85EC53ull;
        h ^= h >> 29;
    }
    return h;
}

/* The id of ``text`` (added if new), or -1 when out of memory. */
static int32_t intern(Interner *t, const uint8_t *text, size_t length)
{
    if ((size_t)t->count * 2 + 2 > t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : 64;
        Entry *slots = calloc(capacity, sizeof(Entry));
        if (slots == NULL)
            return -1;
        for (size_t i = 0; i < t->capacity; i++) {
            Entry *e = &t->slots[i];
            if (e->text == NULL)
                continue;
            size_t j = hash_bytes(e->text, e->length) & (capacity - 1);
            while (slots[j].text != NULL)
                j = (j + 1) & (capacity - 1);
            slots[j] = *e;
        }
        free(t->slots);
        t->slots = slots;
        t->capacity = capacity;
    }
    /* An empty string still needs a non-NULL key pointer. */
    static const uint8_t empty[1] = {0};
    const uint8_t *key = length ? text : empty;
    size_t j = hash_bytes(key, length) & (t->capacity - 1);
    while (t->slots[j].text != NULL) {
        Entry *e = &t->slots[j];
        if (e->length == length && memcmp(e->text, key, length) == 0)
            return e->id;
        j = (j + 1) & (t->capacity - 1);
    }
    Entry entry = {key, length, t->count};
    if (!buffer_push(&t->order, &entry, sizeof entry))
        return -1;
    t->slots[j] = entry;
    return t->count++;
}

static void interner_free(Interner *t)
{
    free(t->slots);
    free(t->order.data);
}

/* ---------------------------------------------------------------------------------------- */
/* Strict UTF-8 validation, the rules of Python's bytes.decode("utf-8").                    */

static int utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* no overlong forms */
            else if (c == 0xED)
                hi = 0x9F; /* no surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F; /* nothing above U+10FFFF */
        } else {
            return 0;
        }
        if (n - i <= need)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return 0;
        i += need + 1;
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------- */
/* Protobuf wire format, mirroring torchscope/events/wire.py and scalars.py.                */

typedef struct {
    const uint8_t *buf;
    u128 size;
} Payload;

/* decode_varint: up to 10 bytes, the value kept whole (up to 70 bits) as Python does. */
static inline int read_varint(const Payload *p, u128 *pos, u128 *out)
{
    u128 at = *pos;
    if (at >= p->size)
        return 0;
    uint8_t byte = p->buf[at];
    if (byte < 0x80) {
        *out = byte;
        *pos = at + 1;
        return 1;
    }
    u128 result = byte & 0x7F;
    int shift = 7;
    at++;
    for (;;) {
        if (at >= p->size)
            return 0;
        byte = p->buf[at];
        result |= (u128)(byte & 0x7F) << shift;
        at++;
        if (byte < 0x80) {
            *out = result;
            *pos = at;
            return 1;
        }
        shift += 7;
        if (shift >= 70)
            return 0;
    }
}

/* skip_field: the position after a value of the given wire type (unchecked, as in Python). */
static int skip_field(const Payload *p, u128 *pos, unsigned wire_type)
{
    u128 value;
    switch (wire_type) {
    case 0:
        return read_varint(p, pos, &value);
    case 1:
        *pos += 8;
        return 1;
    case 2:
        if (!read_varint(p, pos, &value))
            return 0;
        *pos += value;
        return 1;
    case 5:
        *pos += 4;
        return 1;
    default:
        return 0;
    }
}

/* Python's buf[start:start + length]: clamped to the payload, never an error. */
typedef struct {
    size_t start, length;
} Slice;

static inline Slice clamp_slice(const Payload *p, u128 start, u128 length)
{
    u128 stop = start + length;
    if (start > p->size)
        start = p->size;
    if (stop > p->size)
        stop = p->size;
    Slice s = {(size_t)start, (size_t)(stop - start)};
    return s;
}

static inline int64_t to_int64(u128 raw)
{
    return (int64_t)(uint64_t)raw;
}

static double half_to_double(uint16_t h)
{
    int sign = h >> 15, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
    double value;
    if (exponent == 0)
        value = ldexp((double)mantissa, -24);
    else if (exponent == 31)
        value = mantissa ? Py_NAN : Py_HUGE_VAL;
    else
        value = ldexp((double)(mantissa | 0x400), exponent - 25);
    return sign ? -value : value;
}

static inline int read_float(const Payload *p, u128 pos, double *out)
{
    if (pos + 4 > p->size)
        return 0;
    float f;
    memcpy(&f, p->buf + pos, 4);
    *out = (double)f;
    return 1;
}

static inline int read_double(const Payload *p, u128 pos, double *out)
{
    if (pos + 8 > p->size)
        return 0;
    memcpy(out, p->buf + pos, 8);
    return 1;
}

/* Numbers found in a tensor's typed value fields: only the count and the first matter. */
typedef struct {
    size_t count;
    double first;
} Found;

static inline void found_add(Found *f, double value)
{
    if (f->count++ == 0)
        f->first = value;
}

static int read_one_number(const Payload *p, u128 *pos, u128 field, Found *found)
{
    double value;
    if (field == 5) { /* float_val */
        if (!read_float(p, *pos, &value))
            return 0;
        *pos += 4;
    } else if (field == 6) { /* double_val */
        if (!read_double(p, *pos, &value))
            return 0;
        *pos += 8;
    } else {
        u128 raw;
        if (!read_varint(p, pos, &raw))
            return 0;
        if (field == 13) /* half_val: the 16 bits of an IEEE half */
            value = half_to_double((uint16_t)(raw & 0xFFFF));
        else /* int_val or int64_val */
            value = (double)to_int64(raw);
    }
    found_add(found, value);
    return 1;
}

static int read_numbers(const Payload *p, u128 *pos, u128 field, unsigned wire_type, Found *found)
{
    if (wire_type == 2) { /* packed */
        u128 length;
        if (!read_varint(p, pos, &length))
            return 0;
        u128 end = *pos + length;
        while (*pos < end)
            if (!read_one_number(p, pos, field, found))
                return 0;
        *pos = end;
        return 1;
    }
    unsigned expected = field == 5 ? 5 : field == 6 ? 1 : 0;
    if (wire_type != expected)
        return 0;
    return read_one_number(p, pos, field, found);
}

/* _count_elements: sets *is_one to whether the shape holds exactly one element. */
static int count_elements(const Payload *p, u128 pos, u128 end, int *is_one)
{
    int64_t count = 1;
    int overflow = 0; /* Python's product would be beyond int64: never 1 again */
    while (pos < end) {
        u128 key;
        if (!read_varint(p, &pos, &key))
            return 0;
        if (key == 0x12) { /* dim */
            u128 length;
            if (!read_varint(p, &pos, &length))
                return 0;
            u128 dim_end = pos + length;
            int64_t size = 0;
            while (pos < dim_end) {
                u128 dim_key;
                if (!read_varint(p, &pos, &dim_key))
                    return 0;
                if (dim_key == 0x08) {
                    u128 raw;
                    if (!read_varint(p, &pos, &raw))
                        return 0;
                    size = to_int64(raw);
                } else if (!skip_field(p, &pos, (unsigned)(dim_key & 7))) {
                    return 0;
                }
            }
            if (!overflow && __builtin_mul_overflow(count, size, &count))
                overflow = 1;
        } else if (key == 0x18) { /* unknown_rank */
            u128 raw;
            if (!read_varint(p, &pos, &raw))
                return 0;
            if (raw) {
                *is_one = 0;
                return 1;
            }
        } else if (!skip_field(p, &pos, (unsigned)(key & 7))) {
            return 0;
        }
    }
    *is_one = !overflow && count == 1;
    return 1;
}

static int typed_field_matches(u128 dtype)
{
    return dtype == 1 || dtype == 2 || dtype == 19 || (dtype >= 3 && dtype <= 6) || dtype == 9;
}

/* A one-element tensor_content of the given DataType; 0 when the size or type is wrong. */
static int content_value(const uint8_t *data, size_t length, u128 dtype, double *out)
{
    switch ((int)(dtype > 64 ? 0 : dtype)) {
    case 1: { /* float */
        float f;
        if (length != 4)
            return 0;
        memcpy(&f, data, 4);
        *out = (double)f;
        return 1;
    }
    case 2: /* double */
        if (length != 8)
            return 0;
        memcpy(out, data, 8);
        return 1;
    case 3: { /* int32 */
        int32_t v;
        if (length != 4)
            return 0;
        memcpy(&v, data, 4);
        *out = (double)v;
        return 1;
    }
    case 4: /* uint8 */
        if (length != 1)
            return 0;
        *out = (double)data[0];
        return 1;
    case 5: { /* int16 */
        int16_t v;
        if (length != 2)
            return 0;
        memcpy(&v, data, 2);
        *out = (double)v;
        return 1;
    }
    case 6: /* int8 */
        if (length != 1)
            return 0;
        *out = (double)(int8_t)data[0];
        return 1;
    case 9: { /* int64 */
        int64_t v;
        if (length != 8)
            return 0;
        memcpy(&v, data, 8);
        *out = (double)v;
        return 1;
    }
    case 19: { /* half */
        uint16_t v;
        if (length != 2)
            return 0;
        memcpy(&v, data, 2);
        *out = half_to_double(v);
        return 1;
    }
    default:
        return 0;
    }
}

/* _decode_tensor: the single number of a TensorProto, or 0 if it is not one. */
static int decode_tensor(const Payload *p, u128 pos, u128 end, double *out)
{
    u128 dtype = 0;
    int is_one = 1, has_content = 0;
    Slice content = {0, 0};
    Found found = {0, 0.0};
    while (pos < end) {
        u128 key;
        if (!read_varint(p, &pos, &key))
            return 0;
        u128 field = key >> 3;
        unsigned wire_type = (unsigned)(key & 7);
        if (field == 1 && wire_type == 0) {
            if (!read_varint(p, &pos, &dtype))
                return 0;
        } else if (field == 2 && wire_type == 2) { /* tensor_shape */
            u128 length;
            if (!read_varint(p, &pos, &length))
                return 0;
            if (!count_elements(p, pos, pos + length, &is_one))
                return 0;
            pos += length;
        } else if (field == 4 && wire_type == 2) { /* tensor_content */
            u128 length;
            if (!read_varint(p, &pos, &length))
                return 0;
            content = clamp_slice(p, pos, length);
            has_content = 1;
            pos += length;
        } else if (field == 5 || field == 6 || field == 7 || field == 10 || field == 13) {
            if (!read_numbers(p, &pos, field, wire_type, &found))
                return 0;
        } else if (field == 3) { /* version_number */
            if (!skip_field(p, &pos, wire_type))
                return 0;
        } else {
            return 0; /* strings, bools, complex ... are not scalars */
        }
    }
    if (!is_one)
        return 0;
    if (has_content && found.count == 0)
        return content_value(p->buf + content.start, content.length, dtype, out);
    if (found.count != 1 || !typed_field_matches(dtype))
        return 0;
    *out = found.first;
    return 1;
}

/* _decode_metadata: the plugin name ("" when absent); 0 when there is more than that. */
static int decode_metadata(const Payload *p, u128 pos, u128 end, Slice *plugin)
{
    Slice name = {0, 0};
    while (pos < end) {
        u128 key;
        if (!read_varint(p, &pos, &key))
            return 0;
        if (key == 0x0A) { /* plugin_data */
            u128 length;
            if (!read_varint(p, &pos, &length))
                return 0;
            u128 sub_end = pos + length;
            while (pos < sub_end) {
                u128 sub_key;
                if (!read_varint(p, &pos, &sub_key))
                    return 0;
                if (sub_key == 0x0A) { /* plugin_name */
                    u128 name_length;
                    if (!read_varint(p, &pos, &name_length))
                        return 0;
                    name = clamp_slice(p, pos, name_length);
                    if (!utf8_valid(p->buf + name.start, name.length))
                        return 0;
                    pos += name_length;
                } else if (!skip_field(p, &pos, (unsigned)(sub_key & 7))) {
                    return 0;
                }
            }
        } else if (key == 0x20) { /* data_class */
            if (!skip_field(p, &pos, 0))
                return 0;
        } else {
            return 0; /* display name or description: the full parser keeps them */
        }
    }
    *plugin = name;
    return 1;
}

typedef struct {
    Slice tag;
    Slice plugin;
    int has_plugin;
    int is_tensor;
    double value;
} Value;

static const uint8_t SCALARS[] = "scalars";

/* _decode_value: one Summary.Value holding a scalar, or 0. */
static int decode_value(const Payload *p, u128 pos, u128 end, Value *out)
{
    Value v = {{0, 0}, {0, 0}, 0, 0, 0.0};
    int has_number = 0;
    while (pos < end) {
        if (pos >= p->size)
            return 0;
        uint8_t key = p->buf[pos++];
        u128 length;
        switch (key) {
        case 0x0A: /* tag */
            if (!read_varint(p, &pos, &length))
                return 0;
            v.tag = clamp_slice(p, pos, length);
            if (!utf8_valid(p->buf + v.tag.start, v.tag.length))
                return 0;
            pos += length;
            break;
        case 0x15: /* simple_value */
            if (!read_float(p, pos, &v.value))
                return 0;
            has_number = 1;
            v.is_tensor = 0;
            pos += 4;
            break;
        case 0x42: /* tensor */
            if (!read_varint(p, &pos, &length))
                return 0;
            if (!decode_tensor(p, pos, pos + length, &v.value))
                return 0;
            has_number = 1;
            v.is_tensor = 1;
            pos += length;
            break;
        case 0x4A: /* metadata */
            if (!read_varint(p, &pos, &length))
                return 0;
            if (!decode_metadata(p, pos, pos + length, &v.plugin))
                return 0;
            v.has_plugin = 1;
            pos += length;
            break;
        case 0x3A: /* node_name, ignored */
            if (!read_varint(p, &pos, &length))
                return 0;
            pos += length;
            break;
        default:
            return 0; /* image, histogram, audio ... or unknown */
        }
    }
    if (!has_number || pos != end)
        return 0;
    if (v.is_tensor && v.has_plugin &&
        !(v.plugin.length == 7 && memcmp(p->buf + v.plugin.start, SCALARS, 7) == 0))
        return 0; /* a single-number tensor of another plugin is not a scalar */
    *out = v;
    return 1;
}

typedef struct {
    Value *values;
    size_t count, capacity;
    double wall_time;
    int64_t step;
} Decoded;

static int reserve_values(Decoded *d, size_t count)
{
    if (count <= d->capacity)
        return 1;
    size_t capacity = d->capacity ? d->capacity * 2 : 16;
    while (capacity < count)
        capacity *= 2;
    Value *grown = realloc(d->values, capacity * sizeof(Value));
    if (grown == NULL)
        return 0;
    d->values = grown;
    d->capacity = capacity;
    return 1;
}

static int decode_summary(const Payload *p, u128 pos, u128 end, Decoded *d)
{
    d->count = 0; /* a later summary field replaces the values of an earlier one */
    while (pos < end) {
        u128 key;
        if (!read_varint(p, &pos, &key))
            return 0;
        if (key == 0x0A) {
            u128 length;
            if (!read_varint(p, &pos, &length))
                return 0;
            Value v;
            if (!decode_value(p, pos, pos + length, &v))
                return 0;
            if (!reserve_values(d, d->count + 1))
                return 0; /* out of memory: the record goes to the full parser */
            d->values[d->count++] = v;
            pos += length;
        } else if (!skip_field(p, &pos, (unsigned)(key & 7))) {
            return 0;
        }
    }
    return pos == end;
}

/* _decode_event: 1 when the payload is an Event holding only scalars. */
static int decode_event(const Payload *p, Decoded *d)
{
    u128 pos = 0;
    int has_summary = 0;
    d->count = 0;
    d->wall_time = 0.0;
    d->step = 0;
    while (pos < p->size) {
        uint8_t key = p->buf[pos++];
        u128 value;
        switch (key) {
        case 0x09: /* wall_time */
            if (!read_double(p, pos, &d->wall_time))
                return 0;
            pos += 8;
            break;
        case 0x10: /* step */
            if (!read_varint(p, &pos, &value))
                return 0;
            d->step = to_int64(value);
            break;
        case 0x2A: /* summary */
            if (!read_varint(p, &pos, &value))
                return 0;
            if (!decode_summary(p, pos, pos + value, d))
                return 0;
            has_summary = 1;
            pos += value;
            break;
        case 0x52: /* source_metadata, irrelevant here */
            if (!read_varint(p, &pos, &value))
                return 0;
            pos += value;
            break;
        default:
            return 0; /* file_version, graph, session log ... or an unknown field */
        }
    }
    return pos == p->size && has_summary && d->count > 0;
}

/* _decode_simple_layout: the layout torch writes for add_scalar, checked byte by byte as
 * Python does (one-byte lengths compared as bytes, even where a real varint would be longer).
 * 1: decoded; 0: not this layout, walk the message; -1: Python raises, so not a scalar. */
static int decode_simple_layout(const Payload *p, Decoded *d)
{
    const uint8_t *buf = p->buf;
    size_t size = (size_t)p->size;
    if (size < 1)
        return -1;
    if (buf[0] != 0x09)
        return 0;
    if (size < 10)
        return -1;
    int64_t step = 0;
    size_t pos = 9;
    if (buf[9] == 0x10) {
        if (size < 11)
            return -1;
        if (buf[10] < 0x80) {
            step = buf[10];
            pos = 11;
        } else {
            u128 at = 10, raw;
            if (!read_varint(p, &at, &raw))
                return -1;
            step = to_int64(raw);
            pos = (size_t)at;
        }
    }
    if (pos + 5 >= size)
        return -1;
    size_t tag_length = buf[pos + 5];
    if (buf[pos] != 0x2A || buf[pos + 2] != 0x0A || buf[pos + 4] != 0x0A ||
        buf[pos + 1] != tag_length + 9 || buf[pos + 3] != tag_length + 7 ||
        size != pos + tag_length + 11 || buf[size - 5] != 0x15)
        return 0;
    if (!utf8_valid(buf + pos + 6, tag_length))
        return -1;
    if (!reserve_values(d, 1))
        return -1;
    Value *v = &d->values[0];
    v->tag.start = pos + 6;
    v->tag.length = tag_length;
    v->plugin.start = v->plugin.length = 0;
    v->has_plugin = 0;
    v->is_tensor = 0;
    float value;
    memcpy(&value, buf + size - 4, 4);
    v->value = (double)value;
    memcpy(&d->wall_time, buf + 1, 8);
    d->step = step;
    d->count = 1;
    return 1;
}

/* decode_scalar_event: 1 when the payload holds only scalars (then ``d`` has them). */
static int decode_scalar_event(const Payload *p, Decoded *d)
{
    int simple = decode_simple_layout(p, d);
    if (simple != 0)
        return simple > 0;
    return decode_event(p, d);
}

/* ---------------------------------------------------------------------------------------- */
/* Framing, mirroring RecordReader._frame.                                                  */

enum { HEADER = 12, FOOTER = 4, OVERHEAD = 16 };
enum { PROBLEM_DATA_CRC = 0, PROBLEM_BAD_HEADER = 1 };

/* An output column: a bytes object written in place (no copy at the end). It is allocated
 * with the GIL held, sized from the buffer, and resized, GIL taken back, in the rare case
 * that estimate is too small. Untouched capacity costs no memory: the pages are never used. */
typedef struct {
    PyObject *bytes;
    size_t size, capacity;
} Column;

enum {
    ROW_RECORD, ROW_TAG, ROW_STEP, ROW_WALL, ROW_VALUE, ROW_TENSOR, ROW_PLUGIN,
    RECORD_START, RECORD_LENGTH, OTHER_RECORD, COLUMNS
};
/* Item size of each column, in the order above. */
static const size_t ITEM_SIZE[COLUMNS] = {8, 4, 8, 8, 8, 1, 4, 8, 8, 8};

typedef struct {
    Column columns[COLUMNS];
    Buffer problems; /* pairs of int64: offset, kind */
    Interner tags, plugins;
    Decoded decoded;
    int64_t records, skipped_records, skipped_bytes;
    int resynchronising;
    int decode; /* 0: every record is "other" (plain framing) */
    int out_of_memory;
    PyThreadState *thread; /* saved while the GIL is released */
} Scan;

static int columns_init(Scan *s, size_t buffer_size)
{
    /* Scalar records of torch's layout take ~45 bytes: size for 32-byte records. */
    size_t records = buffer_size / 32 + 256;
    for (int i = 0; i < COLUMNS; i++) {
        int is_row = i < RECORD_START;
        size_t items = i == OTHER_RECORD ? 64 : (is_row && !s->decode) ? 16 : records;
        s->columns[i].capacity = items * ITEM_SIZE[i];
        s->columns[i].bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)s->columns[i].capacity);
        if (s->columns[i].bytes == NULL)
            return 0;
    }
    return 1;
}

static int column_grow(Scan *s, Column *c, size_t n)
{
    size_t capacity = c->capacity * 2;
    while (capacity < c->size + n)
        capacity *= 2;
    PyEval_RestoreThread(s->thread); /* resizing a Python object needs the GIL */
    int ok = _PyBytes_Resize(&c->bytes, (Py_ssize_t)capacity) == 0;
    if (!ok)
        PyErr_Clear(); /* reported as a MemoryError once the scan stops */
    s->thread = PyEval_SaveThread();
    if (ok)
        c->capacity = capacity;
    return ok;
}

static inline int column_push(Scan *s, int column, const void *item)
{
    Column *c = &s->columns[column];
    size_t n = ITEM_SIZE[column];
    if (c->size + n > c->capacity && !column_grow(s, c, n))
        return 0;
    memcpy(PyBytes_AS_STRING(c->bytes) + c->size, item, n);
    c->size += n;
    return 1;
}

static inline int push_i64(Scan *s, int column, int64_t v) { return column_push(s, column, &v); }
static inline int push_i32(Scan *s, int column, int32_t v) { return column_push(s, column, &v); }
static inline int push_f64(Scan *s, int column, double v) { return column_push(s, column, &v); }

static int add_problem(Scan *s, int64_t offset, int64_t kind)
{
    return buffer_push(&s->problems, &offset, 8) && buffer_push(&s->problems, &kind, 8);
}

/* One verified record: its scalar rows, or its place among the others. */
static int add_record(Scan *s, const uint8_t *buffer, size_t start, size_t length)
{
    int64_t index = s->records++;
    if (!push_i64(s, RECORD_START, (int64_t)start) || !push_i64(s, RECORD_LENGTH, (int64_t)length))
        return 0;
    Payload p = {buffer + start, length};
    Decoded *d = &s->decoded;
    if (s->decode && decode_scalar_event(&p, d)) {
        for (size_t i = 0; i < d->count; i++) {
            Value *v = &d->values[i];
            int32_t tag = intern(&s->tags, p.buf + v->tag.start, v->tag.length);
            int32_t plugin =
                v->has_plugin ? intern(&s->plugins, p.buf + v->plugin.start, v->plugin.length) : -1;
            uint8_t tensor = (uint8_t)v->is_tensor;
            if (tag < 0 || (v->has_plugin && plugin < 0) || !push_i64(s, ROW_RECORD, index) ||
                !push_i32(s, ROW_TAG, tag) || !push_i64(s, ROW_STEP, d->step) ||
                !push_f64(s, ROW_WALL, d->wall_time) || !push_f64(s, ROW_VALUE, v->value) ||
                !column_push(s, ROW_TENSOR, &tensor) || !push_i32(s, ROW_PLUGIN, plugin))
                return 0;
        }
        return 1;
    }
    return push_i64(s, OTHER_RECORD, index);
}

/* Returns the bytes consumed; sets s->out_of_memory on failure. */
static size_t frame(Scan *s, const uint8_t *buf, size_t size, uint64_t limit)
{
    size_t pos = 0;
    while (size - pos >= HEADER) {
        uint64_t length = load_u64(buf + pos);
        uint32_t length_crc = load_u32(buf + pos + 8);
        u128 end = (u128)pos + OVERHEAD + length;
        if (!s->resynchronising && length <= limit && end <= size) {
            if (masked_crc32c(buf + pos + HEADER, length) == load_u32(buf + end - FOOTER)) {
                if (!add_record(s, buf, pos + HEADER, length))
                    goto oom;
                pos = (size_t)end;
                continue;
            }
        }
        /* Slow path: check the header itself. */
        if (length > limit || masked_crc32c(buf + pos, 8) != length_crc) {
            if (!s->resynchronising) {
                s->resynchronising = 1;
                if (!add_problem(s, (int64_t)pos, PROBLEM_BAD_HEADER))
                    goto oom;
            }
            pos += 1;
            s->skipped_bytes += 1;
            continue;
        }
        if (end > size)
            break; /* partial record: wait for the rest */
        if (masked_crc32c(buf + pos + HEADER, length) != load_u32(buf + end - FOOTER)) {
            if (s->resynchronising) {
                /* A header that verified by chance inside damaged bytes: keep scanning. */
                pos += 1;
                s->skipped_bytes += 1;
                continue;
            }
            if (!add_problem(s, (int64_t)pos, PROBLEM_DATA_CRC))
                goto oom;
            s->skipped_records += 1;
            pos = (size_t)end;
            continue;
        }
        s->resynchronising = 0;
        if (!add_record(s, buf, pos + HEADER, length))
            goto oom;
        pos = (size_t)end;
    }
    return pos;
oom:
    s->out_of_memory = 1;
    return pos;
}

static void scan_free(Scan *s)
{
    for (int i = 0; i < COLUMNS; i++)
        Py_XDECREF(s->columns[i].bytes);
    free(s->problems.data);
    interner_free(&s->tags);
    interner_free(&s->plugins);
    free(s->decoded.values);
}

/* ---------------------------------------------------------------------------------------- */
/* Python glue.                                                                             */

/* The column's bytes cut to what was written (a new reference; the column keeps none). */
static PyObject *column_bytes(Column *c)
{
    PyObject *bytes = c->bytes;
    c->bytes = NULL;
    if (_PyBytes_Resize(&bytes, (Py_ssize_t)c->size) != 0)
        return NULL;
    return bytes;
}

static PyObject *strings_of(const Interner *t)
{
    PyObject *list = PyList_New(t->count);
    if (list == NULL)
        return NULL;
    const Entry *entries = (const Entry *)t->order.data;
    for (int32_t i = 0; i < t->count; i++) {
        PyObject *text =
            PyUnicode_DecodeUTF8((const char *)entries[i].text, (Py_ssize_t)entries[i].length,
                                 "strict");
        if (text == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, text);
    }
    return list;
}

static PyObject *problems_of(const Buffer *b)
{
    const int64_t *pairs = (const int64_t *)b->data;
    Py_ssize_t count = (Py_ssize_t)(b->size / 16);
    PyObject *list = PyList_New(count);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = Py_BuildValue("(LL)", (long long)pairs[2 * i], (long long)pairs[2 * i + 1]);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

PyDoc_STRVAR(scan_records_doc,
             "scan_records(buffer, resynchronising, max_record_bytes, decode=True) -> tuple\n\n"
             "Frame and CRC-check the TFRecords of ``buffer`` and decode its scalar events.\n"
             "See torchscope/events/scan.py, which wraps the result.");

static PyObject *scan_records(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer view;
    int resynchronising, decode = 1;
    unsigned long long limit;
    if (!PyArg_ParseTuple(args, "y*pK|p:scan_records", &view, &resynchronising, &limit, &decode))
        return NULL;
    Scan s;
    memset(&s, 0, sizeof s);
    s.resynchronising = resynchronising;
    s.decode = decode;
    PyObject *result = NULL;
    if (!columns_init(&s, (size_t)view.len))
        goto done;
    s.thread = PyEval_SaveThread();
    size_t consumed = frame(&s, (const uint8_t *)view.buf, (size_t)view.len, (uint64_t)limit);
    PyEval_RestoreThread(s.thread);
    if (s.out_of_memory) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_BuildValue(
        "(nOLLLNNNNNNNNNNNNN)", (Py_ssize_t)consumed, s.resynchronising ? Py_True : Py_False,
        (long long)s.records, (long long)s.skipped_records, (long long)s.skipped_bytes,
        problems_of(&s.problems), strings_of(&s.tags), strings_of(&s.plugins),
        column_bytes(&s.columns[ROW_RECORD]), column_bytes(&s.columns[ROW_TAG]),
        column_bytes(&s.columns[ROW_STEP]), column_bytes(&s.columns[ROW_WALL]),
        column_bytes(&s.columns[ROW_VALUE]), column_bytes(&s.columns[ROW_TENSOR]),
        column_bytes(&s.columns[ROW_PLUGIN]), column_bytes(&s.columns[RECORD_START]),
        column_bytes(&s.columns[RECORD_LENGTH]), column_bytes(&s.columns[OTHER_RECORD]));
done:
    scan_free(&s);
    PyBuffer_Release(&view);
    return result;
}

static PyObject *masked_crc(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*:masked_crc32c", &view))
        return NULL;
    uint32_t crc = masked_crc32c((const uint8_t *)view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(crc);
}

static PyObject *hardware_crc(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(unused))
{
    return PyBool_FromLong(use_hw_crc);
}

static PyObject *set_hardware_crc(PyObject *Py_UNUSED(self), PyObject *arg)
{
    int enable = PyObject_IsTrue(arg);
    if (enable < 0)
        return NULL;
#ifdef HAVE_X86_CRC
    use_hw_crc = enable && __builtin_cpu_supports("sse4.2");
#else
    use_hw_crc = 0;
#endif
    return PyBool_FromLong(use_hw_crc);
}

static PyMethodDef methods[] = {
    {"scan_records", scan_records, METH_VARARGS, scan_records_doc},
    {"masked_crc32c", masked_crc, METH_VARARGS, "Masked CRC32C of a bytes-like object."},
    {"hardware_crc", hardware_crc, METH_NOARGS, "True when the SSE4.2 crc32 instruction is used."},
    {"set_hardware_crc", set_hardware_crc, METH_O,
     "Use the SSE4.2 instruction (if the CPU has it) or the table; returns what is used."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native", "Native hot path of torchscope.events (see scan.py).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void)
{
    crc_init();
    return PyModule_Create(&module);
}
