/*
 * json.c — see json.h for what the writer and the reader promise.
 *
 * Both halves share one piece of knowledge: what a well-formed UTF-8
 * sequence is (utf8_sequence).  The writer uses it to pass valid text
 * through and replace the rest; the reader uses it to reject strings that
 * are not UTF-8, as RFC 8259 requires.
 *
 * The reader is a recursive-descent parser over a byte buffer.  It tracks
 * only the byte offset while it works and turns an offset into a line and
 * column when it reports an error: errors are rare, positions are needed
 * only then, and the hot loops stay simple.
 */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ====================================================================== */
/* UTF-8                                                                   */
/* ====================================================================== */

/*
 * Looks at the sequence starting at s[0] (n >= 1 bytes available).  When it
 * is one well-formed UTF-8 character (no overlong forms, no surrogates,
 * nothing above U+10FFFF) sets *valid and returns its length.  Otherwise
 * clears *valid and returns the length of the "maximal subpart" — the bytes
 * that could still have begun a valid sequence, at least 1 — so that a
 * caller replacing bad input emits one U+FFFD per broken sequence, as the
 * Unicode standard recommends, instead of one per byte.
 */
static size_t utf8_sequence(const unsigned char *s, size_t n, bool *valid)
{
    unsigned char c = s[0];
    unsigned char low = 0x80, high = 0xBF;   /* range of the second byte */
    size_t continuation;

    if (c < 0x80) {
        *valid = true;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        continuation = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        continuation = 2;
        if (c == 0xE0)
            low = 0xA0;                      /* overlong below U+0800 */
        else if (c == 0xED)
            high = 0x9F;                     /* surrogates D800..DFFF */
    } else if (c >= 0xF0 && c <= 0xF4) {
        continuation = 3;
        if (c == 0xF0)
            low = 0x90;                      /* overlong below U+10000 */
        else if (c == 0xF4)
            high = 0x8F;                     /* above U+10FFFF */
    } else {
        *valid = false;                      /* C0, C1, F5..FF, or a stray
                                                continuation byte */
        return 1;
    }

    size_t i = 1;
    while (i <= continuation && i < n && s[i] >= low && s[i] <= high) {
        low = 0x80;
        high = 0xBF;
        i++;
    }
    *valid = i == continuation + 1;
    return i;
}

/* Encodes code point `cp` (not a surrogate, <= 0x10FFFF) at `out`; returns
 * the number of bytes written. */
static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ====================================================================== */
/* Writer                                                                  */
/* ====================================================================== */

enum { OPEN_OBJECT = 1, OPEN_ARRAY = 2 };

void json_writer_init(json_writer *writer, FILE *out, unsigned flags)
{
    memset(writer, 0, sizeof *writer);
    writer->out = out;
    writer->flags = flags;
    writer->status = PNSIM_OK;
}

/* Records the first failure; every later call then does nothing, so one
 * check at the end (json_writer_finish) covers a whole document. */
static void writer_fail(json_writer *writer, pnsim_status status,
                        const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void writer_fail(json_writer *writer, pnsim_status status,
                        const char *format, ...)
{
    if (writer->status != PNSIM_OK)
        return;
    writer->status = status;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(writer->message, sizeof writer->message, format, arguments);
    va_end(arguments);
}

static void put(json_writer *writer, const void *bytes, size_t length)
{
    if (writer->status != PNSIM_OK || length == 0)
        return;
    if (fwrite(bytes, 1, length, writer->out) != length)
        writer_fail(writer, PNSIM_ERR_IO, "cannot write JSON output: %s",
                    strerror(errno));
}

static void put_text(json_writer *writer, const char *text)
{
    put(writer, text, strlen(text));
}

static void put_indent(json_writer *writer, size_t depth)
{
    static const char spaces[] = "                                ";
    size_t width = 2 * depth;

    put(writer, "\n", 1);
    while (width > 0) {
        size_t chunk = width < sizeof spaces - 1 ? width : sizeof spaces - 1;
        put(writer, spaces, chunk);
        width -= chunk;
    }
}

static bool pretty(const json_writer *writer)
{
    return (writer->flags & JSON_WRITE_PRETTY) != 0;
}

/*
 * Everything that must happen before a value's first character: check that
 * a value may stand here, then write the separator an array item needs (an
 * object member's separator went out with its key).  Returns false when the
 * value must not be written.
 */
static bool value_begin(json_writer *writer, const char *what)
{
    if (writer->status != PNSIM_OK)
        return false;
    if (writer->depth == 0) {
        if (writer->done) {
            writer_fail(writer, PNSIM_ERR_INTERNAL,
                        "JSON writer: %s after the complete top-level value",
                        what);
            return false;
        }
        return true;
    }
    if (writer->open[writer->depth - 1] == OPEN_OBJECT) {
        if (!writer->after_key) {
            writer_fail(writer, PNSIM_ERR_INTERNAL,
                        "JSON writer: %s in an object without a key", what);
            return false;
        }
        writer->after_key = false;
        return true;
    }
    if (!writer->empty)
        put(writer, ",", 1);
    if (pretty(writer))
        put_indent(writer, writer->depth);
    writer->empty = false;
    return true;
}

/* After a value's last character: at top level, the document is done. */
static void value_end(json_writer *writer)
{
    if (writer->depth == 0)
        writer->done = true;
}

static void container_begin(json_writer *writer, unsigned char kind)
{
    const char *what = kind == OPEN_OBJECT ? "object" : "array";

    if (!value_begin(writer, what))
        return;
    if (writer->depth == JSON_MAX_DEPTH) {
        writer_fail(writer, PNSIM_ERR_INTERNAL,
                    "JSON writer: more than %d nested arrays and objects",
                    JSON_MAX_DEPTH);
        return;
    }
    put(writer, kind == OPEN_OBJECT ? "{" : "[", 1);
    writer->open[writer->depth++] = kind;
    writer->empty = true;
}

static void container_end(json_writer *writer, unsigned char kind)
{
    const char *what = kind == OPEN_OBJECT ? "object" : "array";

    if (writer->status != PNSIM_OK)
        return;
    if (writer->depth == 0 || writer->open[writer->depth - 1] != kind) {
        writer_fail(writer, PNSIM_ERR_INTERNAL,
                    "JSON writer: end of an %s that is not open", what);
        return;
    }
    if (writer->after_key) {
        writer_fail(writer, PNSIM_ERR_INTERNAL,
                    "JSON writer: end of an object after a key without value");
        return;
    }
    writer->depth--;
    /* Empty containers stay on one line: {} and []. */
    if (!writer->empty && pretty(writer))
        put_indent(writer, writer->depth);
    put(writer, kind == OPEN_OBJECT ? "}" : "]", 1);
    /* The container just closed is an entry of its parent. */
    writer->empty = false;
    value_end(writer);
}

void json_begin_object(json_writer *writer)
{
    container_begin(writer, OPEN_OBJECT);
}

void json_end_object(json_writer *writer)
{
    container_end(writer, OPEN_OBJECT);
}

void json_begin_array(json_writer *writer)
{
    container_begin(writer, OPEN_ARRAY);
}

void json_end_array(json_writer *writer)
{
    container_end(writer, OPEN_ARRAY);
}

/* Writes `length` bytes as a quoted JSON string.  Bytes that need no escape
 * are written in runs, not one by one. */
static void put_string(json_writer *writer, const char *text, size_t length)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t run = 0;    /* start of the bytes not yet written */
    size_t i = 0;

    put(writer, "\"", 1);
    while (i < length) {
        unsigned char c = s[i];
        const char *escape;
        size_t consumed = 1;
        char buffer[8];

        if (c >= 0x80) {
            bool valid;
            consumed = utf8_sequence(s + i, length - i, &valid);
            if (valid) {
                i += consumed;
                continue;
            }
            escape = "\xEF\xBF\xBD";          /* U+FFFD REPLACEMENT CHARACTER */
        } else if (c == '"') {
            escape = "\\\"";
        } else if (c == '\\') {
            escape = "\\\\";
        } else if (c >= 0x20) {
            i++;
            continue;
        } else if (c == '\n') {
            escape = "\\n";
        } else if (c == '\t') {
            escape = "\\t";
        } else if (c == '\r') {
            escape = "\\r";
        } else if (c == '\b') {
            escape = "\\b";
        } else if (c == '\f') {
            escape = "\\f";
        } else {
            snprintf(buffer, sizeof buffer, "\\u%04x", (unsigned)c);
            escape = buffer;
        }
        put(writer, s + run, i - run);
        put_text(writer, escape);
        i += consumed;
        run = i;
    }
    put(writer, s + run, i - run);
    put(writer, "\"", 1);
}

/* A key of `length` bytes; json_key is the C-string form.  Parsed keys can
 * hold "\0" (from \u0000), so json_write_value needs the explicit length. */
static void put_key(json_writer *writer, const char *key, size_t length)
{
    if (writer->status != PNSIM_OK)
        return;
    if (writer->depth == 0 || writer->open[writer->depth - 1] != OPEN_OBJECT) {
        writer_fail(writer, PNSIM_ERR_INTERNAL,
                    "JSON writer: key \"%.40s\" outside an object", key);
        return;
    }
    if (writer->after_key) {
        writer_fail(writer, PNSIM_ERR_INTERNAL,
                    "JSON writer: key \"%.40s\" where a value is due", key);
        return;
    }
    if (!writer->empty)
        put(writer, ",", 1);
    if (pretty(writer))
        put_indent(writer, writer->depth);
    put_string(writer, key, length);
    put_text(writer, pretty(writer) ? ": " : ":");
    writer->empty = false;
    writer->after_key = true;
}

void json_key(json_writer *writer, const char *key)
{
    put_key(writer, key, strlen(key));
}

void json_string_n(json_writer *writer, const char *text, size_t length)
{
    if (!value_begin(writer, "string"))
        return;
    put_string(writer, text, length);
    value_end(writer);
}

void json_string(json_writer *writer, const char *text)
{
    if (text == NULL)
        json_null(writer);
    else
        json_string_n(writer, text, strlen(text));
}

/* A value written as a ready-made token: numbers, literals. */
static void put_token(json_writer *writer, const char *what, const char *token)
{
    if (!value_begin(writer, what))
        return;
    put_text(writer, token);
    value_end(writer);
}

void json_uint(json_writer *writer, uint64_t number)
{
    char buffer[24];
    snprintf(buffer, sizeof buffer, "%" PRIu64, number);
    put_token(writer, "number", buffer);
}

void json_int(json_writer *writer, int64_t number)
{
    char buffer[24];
    snprintf(buffer, sizeof buffer, "%" PRId64, number);
    put_token(writer, "number", buffer);
}

void json_double(json_writer *writer, double number)
{
    char buffer[32];

    /* JSON has no NaN or infinity; null is what JavaScript writes too. */
    if (!isfinite(number)) {
        put_token(writer, "number", "null");
        return;
    }
    /* The fewest digits that read back as the same double: 0.1 stays
     * "0.1" rather than "0.10000000000000001"; 17 always suffice.  Doubles
     * are rare in pnsim's output (times, rates), so trying them all is
     * cheap enough. */
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buffer, sizeof buffer, "%.*g", digits, number);
        if (strtod(buffer, NULL) == number)
            break;
    }
    put_token(writer, "number", buffer);
}

void json_bool(json_writer *writer, bool flag)
{
    put_token(writer, "boolean", flag ? "true" : "false");
}

void json_null(json_writer *writer)
{
    put_token(writer, "null", "null");
}

void json_write_value(json_writer *writer, const json_value *value)
{
    if (value == NULL) {
        json_null(writer);
        return;
    }
    switch (value->kind) {
    case JSON_NULL:
        json_null(writer);
        break;
    case JSON_BOOL:
        json_bool(writer, value->as.boolean);
        break;
    case JSON_NUMBER:
        /* The original text: exact, and already checked by the parser. */
        put_token(writer, "number", value->as.number.text);
        break;
    case JSON_STRING:
        json_string_n(writer, value->as.string.data, value->as.string.length);
        break;
    case JSON_ARRAY:
        json_begin_array(writer);
        for (size_t i = 0; i < value->as.array.count; i++)
            json_write_value(writer, value->as.array.items[i]);
        json_end_array(writer);
        break;
    case JSON_OBJECT:
        json_begin_object(writer);
        for (size_t i = 0; i < value->as.object.count; i++) {
            const json_member *member = &value->as.object.members[i];
            put_key(writer, member->key, member->key_length);
            json_write_value(writer, member->value);
        }
        json_end_object(writer);
        break;
    }
}

pnsim_status json_writer_finish(json_writer *writer, pnsim_error *error)
{
    if (writer->status == PNSIM_OK) {
        if (writer->depth > 0)
            writer_fail(writer, PNSIM_ERR_INTERNAL,
                        "JSON writer: %zu array(s) or object(s) left open",
                        writer->depth);
        else if (!writer->done)
            writer_fail(writer, PNSIM_ERR_INTERNAL,
                        "JSON writer: no value written");
    }
    put(writer, "\n", 1);
    if (writer->status == PNSIM_OK
        && (fflush(writer->out) != 0 || ferror(writer->out)))
        writer_fail(writer, PNSIM_ERR_IO, "cannot write JSON output: %s",
                    strerror(errno));
    if (writer->status != PNSIM_OK)
        pnsim_error_set(error, writer->status, "%s", writer->message);
    return writer->status;
}

/* ====================================================================== */
/* Reader                                                                  */
/* ====================================================================== */

typedef struct parser {
    const unsigned char *data;
    size_t size;
    size_t pos;              /* next byte to look at */
    size_t depth;            /* containers open around pos */
    const char *name;        /* for error messages */
    pnsim_error *error;
    bool failed;             /* an error is recorded: unwind */
    /* Where each value starts: values begin in increasing byte order, so
     * the line and column are advanced from the previous value's. */
    size_t mark_offset;
    unsigned long mark_line, mark_column;
} parser;

/* Records a syntax error at byte `offset`, giving its line and column. */
static void fail_at(parser *p, size_t offset, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void fail_at(parser *p, size_t offset, const char *format, ...)
{
    if (p->failed)
        return;
    p->failed = true;

    unsigned long line = 1, column = 1;
    for (size_t i = 0; i < offset && i < p->size; i++) {
        if (p->data[i] == '\n') {
            line++;
            column = 1;
        } else if ((p->data[i] & 0xC0) != 0x80) {
            column++;       /* UTF-8 continuation bytes are no new column */
        }
    }

    char message[sizeof p->error->message];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    pnsim_error_set_at(p->error, PNSIM_ERR_INPUT, p->name, line, column,
                       "%s", message);
}

static void fail_nomem(parser *p)
{
    if (p->failed)
        return;
    p->failed = true;
    pnsim_error_set_at(p->error, PNSIM_ERR_NOMEM, p->name, 0, 0,
                       "out of memory while reading JSON");
}

/* Describes the byte at `offset` for a message: 'x', or end of input. */
static const char *describe(parser *p, size_t offset, char *buffer,
                            size_t size)
{
    if (offset >= p->size)
        return "end of input";
    unsigned char c = p->data[offset];
    if (c > 0x20 && c < 0x7F)
        snprintf(buffer, size, "'%c'", c);
    else
        snprintf(buffer, size, "byte 0x%02x", (unsigned)c);
    return buffer;
}

static void skip_space(parser *p)
{
    while (p->pos < p->size) {
        unsigned char c = p->data[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static json_value *value_new(parser *p, json_kind kind)
{
    json_value *value = calloc(1, sizeof *value);
    if (value == NULL) {
        fail_nomem(p);
        return NULL;
    }
    value->kind = kind;
    return value;
}

/* Makes room for one more element of `size` bytes in *items. */
static bool grow(parser *p, void **items, size_t count, size_t *capacity,
                 size_t size)
{
    if (count < *capacity)
        return true;
    size_t wanted = *capacity == 0 ? 4 : *capacity * 2;
    if (wanted > SIZE_MAX / size) {
        fail_nomem(p);
        return false;
    }
    void *bigger = realloc(*items, wanted * size);
    if (bigger == NULL) {
        fail_nomem(p);
        return false;
    }
    *items = bigger;
    *capacity = wanted;
    return true;
}

static json_value *parse_value(parser *p);

/* Reads 4 hex digits at `offset` into *out. */
static bool read_hex4(parser *p, size_t offset, uint32_t *out)
{
    uint32_t cp = 0;
    if (offset > p->size || p->size - offset < 4)
        return false;
    for (size_t i = 0; i < 4; i++) {
        unsigned char c = p->data[offset + i];
        cp <<= 4;
        if (c >= '0' && c <= '9')
            cp |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            cp |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            cp |= (uint32_t)(c - 'A' + 10);
        else
            return false;
    }
    *out = cp;
    return true;
}

/*
 * Parses the string whose opening quote is at p->pos.  On success stores a
 * malloc'ed, NUL-terminated copy in *out and its length in *length.
 */
static bool parse_string(parser *p, char **out, size_t *length)
{
    size_t open = p->pos++;

    /* The decoded text is never longer than its source (every escape
     * shrinks or keeps its length), so one allocation sized by the source
     * up to the closing quote suffices. */
    size_t end = p->pos;
    while (end < p->size && p->data[end] != '"')
        end += p->data[end] == '\\' ? 2 : 1;
    if (end > p->size)
        end = p->size;

    char *text = malloc(end - p->pos + 1);
    if (text == NULL) {
        fail_nomem(p);
        return false;
    }
    size_t n = 0;

    for (;;) {
        if (p->pos >= p->size) {
            fail_at(p, open, "unterminated string");
            goto failed;
        }
        unsigned char c = p->data[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            fail_at(p, p->pos, "control character U+%04X in a string must "
                    "be escaped", (unsigned)c);
            goto failed;
        }
        if (c >= 0x80) {
            bool valid;
            size_t sequence = utf8_sequence(p->data + p->pos,
                                            p->size - p->pos, &valid);
            if (!valid) {
                fail_at(p, p->pos, "invalid UTF-8 (byte 0x%02x) in a string",
                        (unsigned)c);
                goto failed;
            }
            memcpy(text + n, p->data + p->pos, sequence);
            n += sequence;
            p->pos += sequence;
            continue;
        }
        if (c != '\\') {
            text[n++] = (char)c;
            p->pos++;
            continue;
        }

        size_t escape = p->pos;
        if (escape + 1 >= p->size) {
            fail_at(p, open, "unterminated string");
            goto failed;
        }
        unsigned char e = p->data[escape + 1];
        p->pos += 2;
        switch (e) {
        case '"':  text[n++] = '"';  break;
        case '\\': text[n++] = '\\'; break;
        case '/':  text[n++] = '/';  break;
        case 'b':  text[n++] = '\b'; break;
        case 'f':  text[n++] = '\f'; break;
        case 'n':  text[n++] = '\n'; break;
        case 'r':  text[n++] = '\r'; break;
        case 't':  text[n++] = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (!read_hex4(p, p->pos, &cp)) {
                fail_at(p, escape, "invalid escape: \\u needs 4 hex digits");
                goto failed;
            }
            p->pos += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail_at(p, escape, "invalid escape: \\u%04X is a low "
                        "surrogate without a high one before it",
                        (unsigned)cp);
                goto failed;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                /* Characters above U+FFFF come as a UTF-16 pair. */
                uint32_t low;
                if (p->pos + 1 >= p->size || p->data[p->pos] != '\\'
                    || p->data[p->pos + 1] != 'u'
                    || !read_hex4(p, p->pos + 2, &low)
                    || low < 0xDC00 || low > 0xDFFF) {
                    fail_at(p, escape, "invalid escape: \\u%04X is a high "
                            "surrogate without a low one after it",
                            (unsigned)cp);
                    goto failed;
                }
                p->pos += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            n += utf8_encode(cp, text + n);
            break;
        }
        default: {
            char buffer[16];
            fail_at(p, escape, "invalid escape: '\\' followed by %s",
                    describe(p, escape + 1, buffer, sizeof buffer));
            goto failed;
        }
        }
    }

    text[n] = '\0';
    *out = text;
    *length = n;
    return true;

failed:
    free(text);
    return false;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Parses the number at p->pos, following RFC 8259's grammar exactly. */
static json_value *parse_number(parser *p)
{
    size_t start = p->pos;
    char buffer[16];

    if (p->data[p->pos] == '-')
        p->pos++;
    if (p->pos < p->size && p->data[p->pos] == '0') {
        p->pos++;
        if (p->pos < p->size && is_digit(p->data[p->pos])) {
            fail_at(p, start, "numbers must not have leading zeros");
            return NULL;
        }
    } else if (p->pos < p->size && is_digit(p->data[p->pos])) {
        while (p->pos < p->size && is_digit(p->data[p->pos]))
            p->pos++;
    } else {
        fail_at(p, p->pos, "expected a digit, found %s",
                describe(p, p->pos, buffer, sizeof buffer));
        return NULL;
    }
    if (p->pos < p->size && p->data[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->size || !is_digit(p->data[p->pos])) {
            fail_at(p, p->pos, "expected a digit after '.', found %s",
                    describe(p, p->pos, buffer, sizeof buffer));
            return NULL;
        }
        while (p->pos < p->size && is_digit(p->data[p->pos]))
            p->pos++;
    }
    if (p->pos < p->size && (p->data[p->pos] == 'e' || p->data[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->size
            && (p->data[p->pos] == '+' || p->data[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->size || !is_digit(p->data[p->pos])) {
            fail_at(p, p->pos, "expected a digit in the exponent, found %s",
                    describe(p, p->pos, buffer, sizeof buffer));
            return NULL;
        }
        while (p->pos < p->size && is_digit(p->data[p->pos]))
            p->pos++;
    }

    json_value *value = value_new(p, JSON_NUMBER);
    if (value == NULL)
        return NULL;
    size_t length = p->pos - start;
    value->as.number.text = malloc(length + 1);
    if (value->as.number.text == NULL) {
        free(value);
        fail_nomem(p);
        return NULL;
    }
    memcpy(value->as.number.text, p->data + start, length);
    value->as.number.text[length] = '\0';
    /* The text is a valid JSON number, so strtod takes all of it; out of
     * range it gives ±HUGE_VAL or 0, and the text stays exact. */
    value->as.number.value = strtod(value->as.number.text, NULL);
    return value;
}

/* Parses `word` (true, false, null) at p->pos. */
static bool parse_word(parser *p, const char *word)
{
    size_t length = strlen(word);
    if (p->size - p->pos < length
        || memcmp(p->data + p->pos, word, length) != 0) {
        fail_at(p, p->pos, "invalid literal (expected '%s')", word);
        return false;
    }
    p->pos += length;
    return true;
}

/* Opens a container at p->pos, enforcing JSON_MAX_DEPTH. */
static bool enter(parser *p)
{
    if (p->depth >= JSON_MAX_DEPTH) {
        fail_at(p, p->pos, "nesting too deep (more than %d arrays and "
                "objects)", JSON_MAX_DEPTH);
        return false;
    }
    p->depth++;
    p->pos++;
    return true;
}

/*
 * After an item of a container closed by `close`: consumes the ',' or the
 * closing bracket.  Returns 1 for "another item follows", 0 for "container
 * closed", -1 on error.
 */
static int next_item(parser *p, unsigned char close, const char *what)
{
    char buffer[16];

    skip_space(p);
    if (p->pos >= p->size) {
        fail_at(p, p->pos, "unexpected end of input: expected ',' or '%c' "
                "after %s", close, what);
        return -1;
    }
    if (p->data[p->pos] == close) {
        p->pos++;
        return 0;
    }
    if (p->data[p->pos] != ',') {
        fail_at(p, p->pos, "expected ',' or '%c' after %s, found %s", close,
                what, describe(p, p->pos, buffer, sizeof buffer));
        return -1;
    }
    size_t comma = p->pos++;
    skip_space(p);
    if (p->pos < p->size && p->data[p->pos] == close) {
        fail_at(p, comma, "trailing comma before '%c'", close);
        return -1;
    }
    return 1;
}

static json_value *parse_array(parser *p)
{
    if (!enter(p))
        return NULL;
    json_value *array = value_new(p, JSON_ARRAY);
    if (array == NULL)
        return NULL;
    size_t capacity = 0;

    skip_space(p);
    if (p->pos < p->size && p->data[p->pos] == ']') {
        p->pos++;
        p->depth--;
        return array;
    }
    for (;;) {
        json_value *item = parse_value(p);
        if (item == NULL)
            goto failed;
        if (!grow(p, (void **)&array->as.array.items, array->as.array.count,
                  &capacity, sizeof *array->as.array.items)) {
            json_value_free(item);
            goto failed;
        }
        array->as.array.items[array->as.array.count++] = item;
        int more = next_item(p, ']', "an array item");
        if (more < 0)
            goto failed;
        if (more == 0)
            break;
    }
    p->depth--;
    return array;

failed:
    json_value_free(array);
    return NULL;
}

static json_value *parse_object(parser *p)
{
    char buffer[16];

    if (!enter(p))
        return NULL;
    json_value *object = value_new(p, JSON_OBJECT);
    if (object == NULL)
        return NULL;
    size_t capacity = 0;

    skip_space(p);
    if (p->pos < p->size && p->data[p->pos] == '}') {
        p->pos++;
        p->depth--;
        return object;
    }
    for (;;) {
        skip_space(p);
        if (p->pos >= p->size || p->data[p->pos] != '"') {
            fail_at(p, p->pos, "expected a string key, found %s",
                    describe(p, p->pos, buffer, sizeof buffer));
            goto failed;
        }
        char *key;
        size_t key_length;
        if (!parse_string(p, &key, &key_length))
            goto failed;

        skip_space(p);
        if (p->pos >= p->size || p->data[p->pos] != ':') {
            fail_at(p, p->pos, "expected ':' after the key \"%.40s\", "
                    "found %s", key, describe(p, p->pos, buffer,
                                              sizeof buffer));
            free(key);
            goto failed;
        }
        p->pos++;

        json_value *value = parse_value(p);
        if (value == NULL
            || !grow(p, (void **)&object->as.object.members,
                     object->as.object.count, &capacity,
                     sizeof *object->as.object.members)) {
            free(key);
            json_value_free(value);
            goto failed;
        }
        json_member *member =
            &object->as.object.members[object->as.object.count++];
        member->key = key;
        member->key_length = key_length;
        member->value = value;

        int more = next_item(p, '}', "an object member");
        if (more < 0)
            goto failed;
        if (more == 0)
            break;
    }
    p->depth--;
    return object;

failed:
    json_value_free(object);
    return NULL;
}

/* Moves the position mark forward to byte `offset`. */
static void mark_to(parser *p, size_t offset)
{
    for (; p->mark_offset < offset && p->mark_offset < p->size;
         p->mark_offset++) {
        unsigned char c = p->data[p->mark_offset];
        if (c == '\n') {
            p->mark_line++;
            p->mark_column = 1;
        } else if ((c & 0xC0) != 0x80) {
            p->mark_column++;
        }
    }
}

static json_value *parse_value_here(parser *p);

/* A value, with the line and column where it starts. */
static json_value *parse_value(parser *p)
{
    skip_space(p);
    mark_to(p, p->pos);
    unsigned long line = p->mark_line, column = p->mark_column;
    json_value *value = parse_value_here(p);
    if (value != NULL) {
        value->line = line;
        value->column = column;
    }
    return value;
}

static json_value *parse_value_here(parser *p)
{
    char buffer[16];
    json_value *value;

    skip_space(p);
    if (p->pos >= p->size) {
        fail_at(p, p->pos, "unexpected end of input: expected a value");
        return NULL;
    }
    switch (p->data[p->pos]) {
    case '{':
        return parse_object(p);
    case '[':
        return parse_array(p);
    case '"':
        value = value_new(p, JSON_STRING);
        if (value != NULL && !parse_string(p, &value->as.string.data,
                                           &value->as.string.length)) {
            free(value);
            value = NULL;
        }
        return value;
    case 't':
    case 'f': {
        bool flag = p->data[p->pos] == 't';
        if (!parse_word(p, flag ? "true" : "false"))
            return NULL;
        value = value_new(p, JSON_BOOL);
        if (value != NULL)
            value->as.boolean = flag;
        return value;
    }
    case 'n':
        if (!parse_word(p, "null"))
            return NULL;
        return value_new(p, JSON_NULL);
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return parse_number(p);
    default:
        fail_at(p, p->pos, "expected a value, found %s",
                describe(p, p->pos, buffer, sizeof buffer));
        return NULL;
    }
}

json_value *json_parse(const char *data, size_t size, const char *name,
                       pnsim_error *error)
{
    parser p = {
        .data = (const unsigned char *)data,
        .size = size,
        .name = name != NULL ? name : "<json>",
        .error = error,
        .mark_line = 1,
        .mark_column = 1,
    };

    /* RFC 8259 lets a parser ignore a byte order mark; editors add them. */
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;

    json_value *root = parse_value(&p);
    if (root == NULL)
        return NULL;
    skip_space(&p);
    if (p.pos < p.size) {
        char buffer[16];
        fail_at(&p, p.pos, "unexpected %s after the JSON value",
                describe(&p, p.pos, buffer, sizeof buffer));
        json_value_free(root);
        return NULL;
    }
    return root;
}

json_value *json_parse_file(const char *path, pnsim_error *error)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        pnsim_error_set_at(error, PNSIM_ERR_IO, path, 0, 0,
                           "cannot open: %s", strerror(errno));
        return NULL;
    }

    /* Read in growing chunks rather than trusting a file size: the path
     * may be a pipe or /dev/stdin. */
    size_t size = 0, capacity = (size_t)64 * 1024;
    char *data = malloc(capacity);
    while (data != NULL) {
        size += fread(data + size, 1, capacity - size, file);
        if (size < capacity)
            break;                              /* end of file or error */
        char *bigger = capacity <= SIZE_MAX / 2
                           ? realloc(data, capacity * 2) : NULL;
        if (bigger == NULL)
            free(data);
        data = bigger;
        capacity *= 2;
    }
    if (data == NULL) {
        fclose(file);
        pnsim_error_set_at(error, PNSIM_ERR_NOMEM, path, 0, 0,
                           "out of memory while reading");
        return NULL;
    }
    if (ferror(file)) {
        int saved = errno;
        fclose(file);
        free(data);
        pnsim_error_set_at(error, PNSIM_ERR_IO, path, 0, 0,
                           "cannot read: %s", strerror(saved));
        return NULL;
    }
    fclose(file);

    json_value *root = json_parse(data, size, path, error);
    free(data);
    return root;
}

void json_value_free(json_value *value)
{
    if (value == NULL)
        return;
    switch (value->kind) {
    case JSON_NULL:
    case JSON_BOOL:
        break;
    case JSON_NUMBER:
        free(value->as.number.text);
        break;
    case JSON_STRING:
        free(value->as.string.data);
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < value->as.array.count; i++)
            json_value_free(value->as.array.items[i]);
        free(value->as.array.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < value->as.object.count; i++) {
            free(value->as.object.members[i].key);
            json_value_free(value->as.object.members[i].value);
        }
        free(value->as.object.members);
        break;
    }
    free(value);
}

/* ====================================================================== */
/* Lookup helpers                                                          */
/* ====================================================================== */

const char *json_kind_name(json_kind kind)
{
    switch (kind) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "bool";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    }
    return "unknown";
}

const json_value *json_object_get(const json_value *object, const char *key)
{
    if (object == NULL || object->kind != JSON_OBJECT || key == NULL)
        return NULL;
    size_t length = strlen(key);
    for (size_t i = 0; i < object->as.object.count; i++) {
        const json_member *member = &object->as.object.members[i];
        if (member->key_length == length
            && memcmp(member->key, key, length) == 0)
            return member->value;
    }
    return NULL;
}

size_t json_object_size(const json_value *object)
{
    return object != NULL && object->kind == JSON_OBJECT
               ? object->as.object.count : 0;
}

const json_member *json_object_member_at(const json_value *object,
                                         size_t index)
{
    if (index >= json_object_size(object))
        return NULL;
    return &object->as.object.members[index];
}

size_t json_array_length(const json_value *array)
{
    return array != NULL && array->kind == JSON_ARRAY ? array->as.array.count
                                                      : 0;
}

const json_value *json_array_at(const json_value *array, size_t index)
{
    if (index >= json_array_length(array))
        return NULL;
    return array->as.array.items[index];
}

bool json_is_null(const json_value *value)
{
    return value != NULL && value->kind == JSON_NULL;
}

const char *json_as_string(const json_value *value)
{
    return value != NULL && value->kind == JSON_STRING
               ? value->as.string.data : NULL;
}

size_t json_string_length(const json_value *value)
{
    return value != NULL && value->kind == JSON_STRING
               ? value->as.string.length : 0;
}

const char *json_number_text(const json_value *value)
{
    return value != NULL && value->kind == JSON_NUMBER
               ? value->as.number.text : NULL;
}

bool json_as_bool(const json_value *value, bool *out)
{
    if (value == NULL || value->kind != JSON_BOOL)
        return false;
    *out = value->as.boolean;
    return true;
}

bool json_as_double(const json_value *value, double *out)
{
    if (value == NULL || value->kind != JSON_NUMBER)
        return false;
    *out = value->as.number.value;
    return true;
}

/*
 * The text of an integer: a number's text, or a string's bytes.  Checks
 * the shape "-?[0-9]+" (the sign only when `signed_ok`) and returns the
 * digits' start, with *negative set; NULL when it has another shape.
 */
static const char *integer_digits(const json_value *value, bool signed_ok,
                                  bool *negative)
{
    const char *text;
    size_t length;

    if (value == NULL)
        return NULL;
    if (value->kind == JSON_NUMBER) {
        text = value->as.number.text;
        length = strlen(text);
    } else if (value->kind == JSON_STRING) {
        text = value->as.string.data;
        length = value->as.string.length;
    } else {
        return NULL;
    }
    *negative = length > 0 && text[0] == '-';
    if (*negative) {
        if (!signed_ok)
            return NULL;
        text++;
        length--;
    }
    if (length == 0)
        return NULL;
    for (size_t i = 0; i < length; i++)
        if (!is_digit((unsigned char)text[i]))
            return NULL;
    return text;
}

/* Accumulates decimal digits into *out, false on overflow past `limit`. */
static bool digits_value(const char *digits, uint64_t limit, uint64_t *out)
{
    uint64_t result = 0;
    for (; *digits != '\0'; digits++) {
        uint64_t digit = (uint64_t)(*digits - '0');
        if (result > (limit - digit) / 10)
            return false;
        result = result * 10 + digit;
    }
    *out = result;
    return true;
}

bool json_as_uint64(const json_value *value, uint64_t *out)
{
    bool negative;
    uint64_t result;
    const char *digits = integer_digits(value, false, &negative);
    if (digits == NULL || !digits_value(digits, UINT64_MAX, &result))
        return false;
    *out = result;
    return true;
}

bool json_as_int64(const json_value *value, int64_t *out)
{
    bool negative = false;   /* read below even when there are no digits */
    uint64_t magnitude;
    const char *digits = integer_digits(value, true, &negative);
    /* INT64_MIN's magnitude is one more than INT64_MAX. */
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (digits == NULL || !digits_value(digits, limit, &magnitude))
        return false;
    if (!negative)
        *out = (int64_t)magnitude;
    else if (magnitude == (uint64_t)INT64_MAX + 1)
        *out = INT64_MIN;
    else
        *out = -(int64_t)magnitude;
    return true;
}
