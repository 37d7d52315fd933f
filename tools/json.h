/*
 * json.h — JSON output and input for the pnsim command-line tool.
 *
 * Two independent halves:
 *
 * The writer streams a document to a FILE* as the caller describes it, one
 * call per token:
 *
 *     json_writer w;
 *     json_writer_init(&w, stdout, JSON_WRITE_PRETTY);
 *     json_begin_object(&w);
 *     json_key(&w, "states");
 *     json_uint(&w, 243);
 *     json_end_object(&w);
 *     if (json_writer_finish(&w, &error) != PNSIM_OK) ...
 *
 * It keeps a stack of the open containers, so it places the commas, colons,
 * newlines and indentation itself and can tell when the calls do not form
 * one well-formed document (a key outside an object, a value where a key is
 * due, an unclosed array, ...).  Such a mistake, or a write error on the
 * stream, is sticky: later calls do nothing and json_writer_finish()
 * reports it.  Nothing is allocated, so the writer lives on the caller's
 * stack and needs no freeing.  Strings are escaped completely and always
 * come out as valid UTF-8 (invalid input bytes become U+FFFD); doubles that
 * JSON cannot express (NaN, infinities) become null.
 *
 * The reader parses a whole document, from memory or a file, into a tree of
 * json_value nodes (a DOM).  It is strict RFC 8259: no comments, no trailing
 * commas, no NaN, no leading zeros, no raw control characters or invalid
 * UTF-8 in strings, nothing but white space after the value.  An optional
 * UTF-8 byte order mark is skipped.  Errors carry the line and column (both
 * 1-based, the column counted in characters) of the offending character.
 * Numbers keep their original text next to their double value, because the
 * counts pnsim compares against (state spaces of MCC models) exceed the 53
 * bits a double holds exactly.  Objects keep their members in file order,
 * duplicates included; lookup returns the first match.
 *
 * Nesting is limited to JSON_MAX_DEPTH containers on both sides: the reader
 * recurses once per level, and a hostile "[[[[..." must not exhaust the
 * stack.
 *
 * Numbers go through snprintf and strtod, which follow LC_NUMERIC: pnsim
 * leaves the C locale alone, so the decimal point is always '.'.
 */
#ifndef PNSIM_JSON_H
#define PNSIM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../engine/error.h"

/* Deepest nesting of arrays and objects either half accepts. */
#define JSON_MAX_DEPTH 512

/* ---------------------------------------------------------------------- */
/* Reader: the document tree                                               */
/* ---------------------------------------------------------------------- */

typedef enum json_kind {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_kind;

typedef struct json_value json_value;

typedef struct json_member {
    char *key;                /* NUL-terminated; may also hold "\0" bytes */
    size_t key_length;        /* bytes, without the terminator */
    json_value *value;
} json_member;

/*
 * One node.  The fields may be read directly; the accessors below are
 * shorter and check the kind.  Everything belongs to the root the parser
 * returned and is released with it.
 */
struct json_value {
    json_kind kind;
    unsigned long line, column; /* where the value starts in the input,
                                   1-based, the column in characters; for
                                   messages about well-formed JSON that
                                   holds the wrong thing */
    union {
        bool boolean;                   /* JSON_BOOL */
        struct {
            double value;               /* nearest double; ±HUGE_VAL if out
                                           of range */
            char *text;                 /* exactly as written in the input */
        } number;                       /* JSON_NUMBER */
        struct {
            char *data;                 /* UTF-8, NUL-terminated, may hold
                                           "\0" bytes (from \u0000) */
            size_t length;              /* bytes, without the terminator */
        } string;                       /* JSON_STRING */
        struct {
            json_value **items;
            size_t count;
        } array;                        /* JSON_ARRAY */
        struct {
            json_member *members;       /* in input order */
            size_t count;
        } object;                       /* JSON_OBJECT */
    } as;
};

/*
 * Parses the `size` bytes at `data` as one JSON document.  `name` stands for
 * the file name in error messages (NULL: "<json>").  Returns the root, which
 * the caller frees with json_value_free(), or NULL with `error` set:
 * PNSIM_ERR_INPUT with line and column for malformed input, PNSIM_ERR_NOMEM.
 */
json_value *json_parse(const char *data, size_t size, const char *name,
                       pnsim_error *error);

/* Same, reading the whole file at `path` first (PNSIM_ERR_IO if it cannot). */
json_value *json_parse_file(const char *path, pnsim_error *error);

/* Frees `value` and everything below it.  NULL is allowed. */
void json_value_free(json_value *value);

/* "null", "bool", "number", "string", "array" or "object". */
const char *json_kind_name(json_kind kind);

/*
 * Lookup helpers.  Each accepts NULL or a value of the wrong kind and then
 * returns NULL, 0 or false, so that lookups chain without checks in between:
 *
 *     json_as_string(json_object_get(json_object_get(root, "state_space"),
 *                                    "states"))
 */

/* The first member called `key` of an object, or NULL. */
const json_value *json_object_get(const json_value *object, const char *key);
size_t json_object_size(const json_value *object);
/* The index-th member in input order, or NULL past the end. */
const json_member *json_object_member_at(const json_value *object,
                                         size_t index);

size_t json_array_length(const json_value *array);
const json_value *json_array_at(const json_value *array, size_t index);

bool json_is_null(const json_value *value);

/* A string's bytes (NUL-terminated), or NULL if `value` is no string. */
const char *json_as_string(const json_value *value);
/* A string's length in bytes, 0 if `value` is no string. */
size_t json_string_length(const json_value *value);

/* A number's original text ("1.50", "18446744073709551615"), or NULL. */
const char *json_number_text(const json_value *value);

/* Store the value in *out and return true when `value` has that kind. */
bool json_as_bool(const json_value *value, bool *out);
bool json_as_double(const json_value *value, double *out);

/*
 * Exact integers.  Accept a number written as an integer (no fraction, no
 * exponent) or a string of decimal digits, since MCC answer files write
 * counts as strings ("243") to keep them exact.  Return false, leaving *out
 * alone, for anything else, including values out of range.
 */
bool json_as_uint64(const json_value *value, uint64_t *out);
bool json_as_int64(const json_value *value, int64_t *out);

/* ---------------------------------------------------------------------- */
/* Writer                                                                  */
/* ---------------------------------------------------------------------- */

/* Flags for json_writer_init(). */
enum {
    JSON_WRITE_COMPACT = 0,
    JSON_WRITE_PRETTY = 1       /* one member or item per line, 2-space
                                   indentation, "key": value */
};

/* Fields are private: use the functions. */
typedef struct json_writer {
    FILE *out;
    unsigned flags;
    size_t depth;                         /* open containers */
    unsigned char open[JSON_MAX_DEPTH];   /* their kinds, outermost first */
    bool empty;              /* the innermost container has no entry yet */
    bool after_key;          /* a key was written, its value is due */
    bool done;               /* the top-level value is complete */
    pnsim_status status;     /* first failure, sticky */
    char message[160];       /* what went wrong, for json_writer_finish */
} json_writer;

void json_writer_init(json_writer *writer, FILE *out, unsigned flags);

void json_begin_object(json_writer *writer);
void json_end_object(json_writer *writer);
void json_begin_array(json_writer *writer);
void json_end_array(json_writer *writer);

/* Inside an object, names the value that the next call writes. */
void json_key(json_writer *writer, const char *key);

/* A NUL-terminated string; NULL writes null. */
void json_string(json_writer *writer, const char *text);
/* `length` bytes, which may include NUL bytes (written as \u0000). */
void json_string_n(json_writer *writer, const char *text, size_t length);

void json_uint(json_writer *writer, uint64_t number);
void json_int(json_writer *writer, int64_t number);
/* Shortest text that reads back as the same double; null if not finite. */
void json_double(json_writer *writer, double number);
void json_bool(json_writer *writer, bool flag);
void json_null(json_writer *writer);

/* Writes a parsed tree back, numbers in their original text. */
void json_write_value(json_writer *writer, const json_value *value);

/*
 * Ends the document: checks that exactly one complete value was written,
 * writes a final newline and flushes.  Returns PNSIM_OK, or the first
 * failure with `error` set: PNSIM_ERR_INTERNAL for calls that do not form a
 * document (a bug in the caller), PNSIM_ERR_IO for a failed write.
 */
pnsim_status json_writer_finish(json_writer *writer, pnsim_error *error);

#endif
