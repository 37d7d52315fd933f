/*
 * test_json.c — the JSON writer and reader (tools/json.h).
 *
 * Writer tests capture the output in memory (open_memstream) and compare
 * it byte for byte, since the exact text is what scripts and users see.
 * Reader tests cover the tree, exact integers, \u escapes, and that every
 * kind of malformed input is rejected with the right line and column.
 * The last tests read answer files from the shared MCC corpus; they skip,
 * with a message, when the corpus is not beside the repository.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

/* A writer whose output lands in memory. */
typedef struct capture {
    FILE *stream;
    char *text;
    size_t size;
    json_writer writer;
} capture;

static void capture_open(capture *c, unsigned flags)
{
    c->text = NULL;
    c->size = 0;
    c->stream = open_memstream(&c->text, &c->size);
    assert_non_null(c->stream);
    json_writer_init(&c->writer, c->stream, flags);
}

/* Finishes the document, expecting success; returns the text (caller
 * frees). */
static char *capture_close(capture *c)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    pnsim_status status = json_writer_finish(&c->writer, &error);
    if (status != PNSIM_OK)
        fail_msg("json_writer_finish: %s", error.message);
    fclose(c->stream);
    return c->text;
}

/* Finishes a document that is expected to be wrong; returns the status. */
static pnsim_status capture_close_failing(capture *c, pnsim_error *error)
{
    pnsim_error_clear(error);
    pnsim_status status = json_writer_finish(&c->writer, error);
    fclose(c->stream);
    free(c->text);
    return status;
}

static json_value *parse_ok(const char *text)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    json_value *value = json_parse(text, strlen(text), "test.json", &error);
    if (value == NULL) {
        char buffer[1200];
        fail_msg("parse failed: %s",
                 pnsim_error_format(&error, buffer, sizeof buffer));
    }
    return value;
}

/* Parses `text`, which must be rejected at `line`:`column` with a message
 * containing `words`. */
static void expect_error_n(const char *text, size_t size, unsigned long line,
                           unsigned long column, const char *words)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    json_value *value = json_parse(text, size, "bad.json", &error);
    if (value != NULL) {
        json_value_free(value);
        fail_msg("accepted bad input: %.60s", text);
    }
    char buffer[1200];
    pnsim_error_format(&error, buffer, sizeof buffer);
    assert_int_equal(error.status, PNSIM_ERR_INPUT);
    assert_string_equal(error.file, "bad.json");
    if (error.line != line || error.column != column
        || strstr(error.message, words) == NULL)
        fail_msg("for %.60s: got \"%s\", want %lu:%lu and \"%s\"", text,
                 buffer, line, column, words);
}

static void expect_error(const char *text, unsigned long line,
                         unsigned long column, const char *words)
{
    expect_error_n(text, strlen(text), line, column, words);
}

/* Writes `value` compactly and returns the text without the final
 * newline (caller frees). */
static char *write_compact(const json_value *value)
{
    capture c;
    capture_open(&c, JSON_WRITE_COMPACT);
    json_write_value(&c.writer, value);
    char *text = capture_close(&c);
    size_t length = strlen(text);
    assert_true(length > 0 && text[length - 1] == '\n');
    text[length - 1] = '\0';
    return text;
}

/* Structural equality, numbers compared by text. */
static bool values_equal(const json_value *a, const json_value *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case JSON_NULL:
        return true;
    case JSON_BOOL:
        return a->as.boolean == b->as.boolean;
    case JSON_NUMBER:
        return strcmp(a->as.number.text, b->as.number.text) == 0;
    case JSON_STRING:
        return a->as.string.length == b->as.string.length
               && memcmp(a->as.string.data, b->as.string.data,
                         a->as.string.length) == 0;
    case JSON_ARRAY:
        if (a->as.array.count != b->as.array.count)
            return false;
        for (size_t i = 0; i < a->as.array.count; i++)
            if (!values_equal(a->as.array.items[i], b->as.array.items[i]))
                return false;
        return true;
    case JSON_OBJECT:
        if (a->as.object.count != b->as.object.count)
            return false;
        for (size_t i = 0; i < a->as.object.count; i++) {
            const json_member *x = &a->as.object.members[i];
            const json_member *y = &b->as.object.members[i];
            if (x->key_length != y->key_length
                || memcmp(x->key, y->key, x->key_length) != 0
                || !values_equal(x->value, y->value))
                return false;
        }
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* Writer                                                                  */
/* ---------------------------------------------------------------------- */

static void write_report(json_writer *w)
{
    json_begin_object(w);
    json_key(w, "verdict");
    json_string(w, "pass");
    json_key(w, "states");
    json_uint(w, 243);
    json_key(w, "delta");
    json_int(w, -7);
    json_key(w, "seconds");
    json_double(w, 0.25);
    json_key(w, "complete");
    json_bool(w, true);
    json_key(w, "witness");
    json_null(w);
    json_key(w, "trace");
    json_begin_array(w);
    json_string(w, "run_cnn");
    json_begin_object(w);
    json_end_object(w);
    json_begin_array(w);
    json_end_array(w);
    json_end_array(w);
    json_end_object(w);
}

static void test_write_compact(void **state)
{
    (void)state;
    capture c;
    capture_open(&c, JSON_WRITE_COMPACT);
    write_report(&c.writer);
    char *text = capture_close(&c);
    assert_string_equal(text,
        "{\"verdict\":\"pass\",\"states\":243,\"delta\":-7,\"seconds\":0.25,"
        "\"complete\":true,\"witness\":null,"
        "\"trace\":[\"run_cnn\",{},[]]}\n");
    free(text);
}

static void test_write_pretty(void **state)
{
    (void)state;
    capture c;
    capture_open(&c, JSON_WRITE_PRETTY);
    write_report(&c.writer);
    char *text = capture_close(&c);
    assert_string_equal(text,
        "{\n"
        "  \"verdict\": \"pass\",\n"
        "  \"states\": 243,\n"
        "  \"delta\": -7,\n"
        "  \"seconds\": 0.25,\n"
        "  \"complete\": true,\n"
        "  \"witness\": null,\n"
        "  \"trace\": [\n"
        "    \"run_cnn\",\n"
        "    {},\n"
        "    []\n"
        "  ]\n"
        "}\n");
    free(text);
}

static void test_write_scalar_document(void **state)
{
    (void)state;
    capture c;
    capture_open(&c, JSON_WRITE_PRETTY);
    json_uint(&c.writer, 5);
    char *text = capture_close(&c);
    assert_string_equal(text, "5\n");
    free(text);
}

static void test_write_escaping(void **state)
{
    (void)state;
    capture c;
    capture_open(&c, JSON_WRITE_COMPACT);
    json_begin_array(&c.writer);
    json_string(&c.writer, "quote \" backslash \\ slash /");
    json_string(&c.writer, "\n\t\r\b\f \x01\x1f\x7f");
    json_string_n(&c.writer, "a\0b", 3);
    /* é, €, 😀: valid UTF-8 passes through untouched. */
    json_string(&c.writer, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    /* A stray byte, a truncated sequence, an overlong '/', an encoded
     * surrogate and a code point above U+10FFFF: one U+FFFD each. */
    json_string(&c.writer, "x\xFFy");
    json_string(&c.writer, "x\xE2\x82y");
    json_string(&c.writer, "x\xC0\xAFy");
    json_string(&c.writer, "x\xED\xA0\x80y");
    json_string(&c.writer, "x\xF4\x90\x80\x80y");
    json_string(&c.writer, "end\xE2");
    json_end_array(&c.writer);
    char *text = capture_close(&c);
    assert_string_equal(text,
        "[\"quote \\\" backslash \\\\ slash /\","
        "\"\\n\\t\\r\\b\\f \\u0001\\u001f\x7f\","
        "\"a\\u0000b\","
        "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\","
        "\"x\xEF\xBF\xBDy\","
        "\"x\xEF\xBF\xBDy\","
        "\"x\xEF\xBF\xBD\xEF\xBF\xBDy\","
        "\"x\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDy\","
        "\"x\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDy\","
        "\"end\xEF\xBF\xBD\"]\n");
    free(text);
}

static void test_write_keys_are_escaped(void **state)
{
    (void)state;
    capture c;
    capture_open(&c, JSON_WRITE_COMPACT);
    json_begin_object(&c.writer);
    json_key(&c.writer, "a\"b\n");
    json_uint(&c.writer, 1);
    json_end_object(&c.writer);
    char *text = capture_close(&c);
    assert_string_equal(text, "{\"a\\\"b\\n\":1}\n");
    free(text);
}

static void test_write_numbers(void **state)
{
    (void)state;
    capture c;
    capture_open(&c, JSON_WRITE_COMPACT);
    json_begin_array(&c.writer);
    json_uint(&c.writer, UINT64_MAX);
    json_int(&c.writer, INT64_MIN);
    json_int(&c.writer, INT64_MAX);
    json_uint(&c.writer, 0);
    json_double(&c.writer, 0.1);
    json_double(&c.writer, 1.0 / 3.0);
    json_double(&c.writer, 1e300);
    json_double(&c.writer, -0.0);
    json_double(&c.writer, 5e-324);
    json_double(&c.writer, NAN);
    json_double(&c.writer, INFINITY);
    json_double(&c.writer, -INFINITY);
    json_end_array(&c.writer);
    char *text = capture_close(&c);
    assert_string_equal(text,
        "[18446744073709551615,-9223372036854775808,9223372036854775807,0,"
        "0.1,0.3333333333333333,1e+300,-0,5e-324,"
        "null,null,null]\n");

    /* Every double written reads back as the same double. */
    json_value *root = parse_ok(text);
    double third;
    assert_true(json_as_double(json_array_at(root, 5), &third));
    assert_true(third == 1.0 / 3.0);
    double tiny;
    assert_true(json_as_double(json_array_at(root, 8), &tiny));
    assert_true(tiny == 5e-324);
    json_value_free(root);
    free(text);
}

static void test_write_misuse(void **state)
{
    (void)state;
    capture c;
    pnsim_error error;

    capture_open(&c, JSON_WRITE_COMPACT);
    json_key(&c.writer, "states");              /* key at top level */
    assert_int_equal(capture_close_failing(&c, &error), PNSIM_ERR_INTERNAL);
    assert_non_null(strstr(error.message, "outside an object"));

    capture_open(&c, JSON_WRITE_COMPACT);
    json_begin_object(&c.writer);
    json_uint(&c.writer, 1);                    /* value without key */
    json_end_object(&c.writer);
    assert_int_equal(capture_close_failing(&c, &error), PNSIM_ERR_INTERNAL);
    assert_non_null(strstr(error.message, "without a key"));

    capture_open(&c, JSON_WRITE_COMPACT);
    json_begin_array(&c.writer);
    json_end_object(&c.writer);                 /* wrong closer */
    assert_int_equal(capture_close_failing(&c, &error), PNSIM_ERR_INTERNAL);
    assert_non_null(strstr(error.message, "not open"));

    capture_open(&c, JSON_WRITE_COMPACT);
    json_begin_object(&c.writer);
    json_key(&c.writer, "a");
    json_end_object(&c.writer);                 /* key without value */
    assert_int_equal(capture_close_failing(&c, &error), PNSIM_ERR_INTERNAL);

    capture_open(&c, JSON_WRITE_COMPACT);
    json_begin_array(&c.writer);                /* never closed */
    assert_int_equal(capture_close_failing(&c, &error), PNSIM_ERR_INTERNAL);
    assert_non_null(strstr(error.message, "left open"));

    capture_open(&c, JSON_WRITE_COMPACT);
    json_null(&c.writer);
    json_null(&c.writer);                       /* two documents */
    assert_int_equal(capture_close_failing(&c, &error), PNSIM_ERR_INTERNAL);

    capture_open(&c, JSON_WRITE_COMPACT);       /* nothing at all */
    assert_int_equal(capture_close_failing(&c, &error), PNSIM_ERR_INTERNAL);

    capture_open(&c, JSON_WRITE_COMPACT);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        json_begin_array(&c.writer);
    assert_int_equal(capture_close_failing(&c, &error), PNSIM_ERR_INTERNAL);
    assert_non_null(strstr(error.message, "nested"));
}

static void test_write_io_error(void **state)
{
    (void)state;
    FILE *full = fopen("/dev/full", "w");
    if (full == NULL) {
        printf("skipped: /dev/full is not available\n");
        return;
    }
    json_writer w;
    json_writer_init(&w, full, JSON_WRITE_COMPACT);
    json_string(&w, "this cannot be written");
    pnsim_error error;
    pnsim_error_clear(&error);
    assert_int_equal(json_writer_finish(&w, &error), PNSIM_ERR_IO);
    fclose(full);
}

/* ---------------------------------------------------------------------- */
/* Reader                                                                  */
/* ---------------------------------------------------------------------- */

static void test_read_tree(void **state)
{
    (void)state;
    json_value *root = parse_ok(
        " \r\n\t{\"name\": \"threadpool\", \"states\": 649, \"safe\": true,\n"
        "  \"dead\": false, \"note\": null, \"rate\": -1.5e2,\n"
        "  \"trace\": [\"run_cnn\", \"ok_cnn\", []], \"empty\": {}} \n");

    assert_int_equal(root->kind, JSON_OBJECT);
    assert_int_equal(json_object_size(root), 8);

    /* Members stay in file order. */
    const char *order[] = {"name", "states", "safe", "dead", "note", "rate",
                           "trace", "empty"};
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(json_object_member_at(root, i)->key, order[i]);
    assert_null(json_object_member_at(root, 8));

    assert_string_equal(json_as_string(json_object_get(root, "name")),
                        "threadpool");
    uint64_t states;
    assert_true(json_as_uint64(json_object_get(root, "states"), &states));
    assert_int_equal(states, 649);
    bool flag = false;
    assert_true(json_as_bool(json_object_get(root, "safe"), &flag));
    assert_true(flag);
    assert_true(json_as_bool(json_object_get(root, "dead"), &flag));
    assert_false(flag);
    assert_true(json_is_null(json_object_get(root, "note")));
    double rate;
    assert_true(json_as_double(json_object_get(root, "rate"), &rate));
    assert_true(rate == -150.0);
    assert_string_equal(json_number_text(json_object_get(root, "rate")),
                        "-1.5e2");

    const json_value *trace = json_object_get(root, "trace");
    assert_int_equal(json_array_length(trace), 3);
    assert_string_equal(json_as_string(json_array_at(trace, 1)), "ok_cnn");
    assert_int_equal(json_array_at(trace, 2)->kind, JSON_ARRAY);
    assert_null(json_array_at(trace, 3));
    assert_int_equal(json_object_size(json_object_get(root, "empty")), 0);

    /* Wrong kinds and missing keys give NULL/false, so lookups chain. */
    assert_null(json_object_get(root, "missing"));
    assert_null(json_object_get(json_object_get(root, "missing"), "x"));
    assert_null(json_as_string(json_object_get(root, "states")));
    assert_false(json_as_bool(json_object_get(root, "name"), &flag));
    assert_int_equal(json_array_length(root), 0);
    assert_false(json_as_uint64(json_object_get(root, "rate"), &states));
    assert_string_equal(json_kind_name(root->kind), "object");
    json_value_free(root);
}

static void test_read_scalars_and_duplicates(void **state)
{
    (void)state;
    json_value *root = parse_ok("\xEF\xBB\xBF 42 ");   /* with a BOM */
    assert_int_equal(root->kind, JSON_NUMBER);
    json_value_free(root);

    root = parse_ok("{\"k\": 1, \"k\": 2}");
    assert_int_equal(json_object_size(root), 2);
    assert_string_equal(json_number_text(json_object_get(root, "k")), "1");
    json_value_free(root);
}

static void test_read_exact_integers(void **state)
{
    (void)state;
    json_value *root = parse_ok(
        "[18446744073709551615, 9007199254740993, -9223372036854775808,"
        " 18446744073709551616, \"243\", \"-12\", \"12a\", \"\", 1.0, 1e3,"
        " 0, -0]");
    uint64_t u;
    int64_t i;

    assert_true(json_as_uint64(json_array_at(root, 0), &u));
    assert_true(u == UINT64_MAX);
    assert_false(json_as_int64(json_array_at(root, 0), &i));

    /* 2^53 + 1: the double rounds, the text and the integer do not. */
    assert_string_equal(json_number_text(json_array_at(root, 1)),
                        "9007199254740993");
    assert_true(json_as_uint64(json_array_at(root, 1), &u));
    assert_true(u == 9007199254740993ULL);
    double d;
    assert_true(json_as_double(json_array_at(root, 1), &d));
    assert_true(d == 9007199254740992.0);

    assert_true(json_as_int64(json_array_at(root, 2), &i));
    assert_true(i == INT64_MIN);
    assert_false(json_as_uint64(json_array_at(root, 2), &u));

    assert_false(json_as_uint64(json_array_at(root, 3), &u)); /* 2^64 */
    assert_string_equal(json_number_text(json_array_at(root, 3)),
                        "18446744073709551616");

    /* Decimal strings, as in MCC answer files. */
    assert_true(json_as_uint64(json_array_at(root, 4), &u));
    assert_int_equal(u, 243);
    assert_true(json_as_int64(json_array_at(root, 5), &i));
    assert_true(i == -12);
    assert_false(json_as_uint64(json_array_at(root, 6), &u));
    assert_false(json_as_uint64(json_array_at(root, 7), &u));

    /* Not written as integers. */
    assert_false(json_as_uint64(json_array_at(root, 8), &u));
    assert_false(json_as_uint64(json_array_at(root, 9), &u));

    assert_true(json_as_uint64(json_array_at(root, 10), &u));
    assert_int_equal(u, 0);
    assert_true(json_as_int64(json_array_at(root, 11), &i));
    assert_int_equal(i, 0);
    json_value_free(root);
}

static void test_read_escapes(void **state)
{
    (void)state;
    json_value *root = parse_ok(
        "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\", "
        "\"\\ud83d\\ude00\", \"a\\u0000b\", \"caf\xC3\xA9\"]");

    assert_string_equal(json_as_string(json_array_at(root, 0)),
                        "\"\\/\b\f\n\r\t");
    assert_string_equal(json_as_string(json_array_at(root, 1)),
                        "\xC3\xA9\xE2\x82\xAC");
    assert_string_equal(json_as_string(json_array_at(root, 2)),
                        "\xF0\x9F\x98\x80");

    const json_value *nul = json_array_at(root, 3);
    assert_int_equal(json_string_length(nul), 3);
    assert_memory_equal(json_as_string(nul), "a\0b", 4);

    assert_string_equal(json_as_string(json_array_at(root, 4)),
                        "caf\xC3\xA9");
    json_value_free(root);
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *canonical =
        "{\"net\":{\"place\":25,\"rate\":-1.50E+2,\"big\":123456789012345678901234567890},"
        "\"list\":[true,false,null,[],{},\"\\n\\u0000\\u001f\"],"
        "\"utf8\":\"\xC3\xA9\xF0\x9F\x98\x80\",\"a\\u0000b\":0}";
    json_value *first = parse_ok(canonical);
    char *written = write_compact(first);
    assert_string_equal(written, canonical);

    json_value *second = parse_ok(written);
    assert_true(values_equal(first, second));

    /* Escapes normalise, but the value survives a second trip. */
    json_value *escaped = parse_ok("[\"\\u00e9\\/\\ud83d\\ude00\"]");
    char *text = write_compact(escaped);
    assert_string_equal(text, "[\"\xC3\xA9/\xF0\x9F\x98\x80\"]");

    /* Pretty output parses back to the same tree. */
    capture c;
    capture_open(&c, JSON_WRITE_PRETTY);
    json_write_value(&c.writer, first);
    char *pretty_text = capture_close(&c);
    json_value *third = parse_ok(pretty_text);
    assert_true(values_equal(first, third));

    free(pretty_text);
    free(text);
    free(written);
    json_value_free(escaped);
    json_value_free(third);
    json_value_free(second);
    json_value_free(first);
}

static void test_read_errors(void **state)
{
    (void)state;
    /* Truncated documents: reported where the input ends. */
    expect_error("", 1, 1, "unexpected end of input");
    expect_error("   ", 1, 4, "unexpected end of input");
    expect_error("{\"states\": [1, 2", 1, 17, "unexpected end of input");
    expect_error("{\n  \"states\": ", 2, 13, "unexpected end of input");
    expect_error("{\"a\"", 1, 5, "expected ':'");
    expect_error("[1,\n", 2, 1, "unexpected end of input");
    expect_error("tru", 1, 1, "invalid literal");
    /* An unterminated string is reported at its opening quote. */
    expect_error("[\"abc", 1, 2, "unterminated string");
    expect_error("[\"abc\\", 1, 2, "unterminated string");

    /* Trailing commas: reported at the comma. */
    expect_error("[1, 2,]", 1, 6, "trailing comma");
    expect_error("{\"a\": 1,\n}", 1, 8, "trailing comma");

    /* Bad escapes. */
    expect_error("[\"ab\\x\"]", 1, 5, "invalid escape");
    expect_error("\"\\u12G4\"", 1, 2, "4 hex digits");
    expect_error("\"\\u12\"", 1, 2, "4 hex digits");
    expect_error("\"\\ud83d\"", 1, 2, "high surrogate");
    expect_error("\"\\ud83d\\u0041\"", 1, 2, "high surrogate");
    expect_error("\"\\ude00\"", 1, 2, "low surrogate");

    /* Strings must be UTF-8 without raw control characters; columns count
     * characters, so the 'é' before the bad byte is one column. */
    expect_error("[\"\xC3\xA9\xFF\"]", 1, 4, "invalid UTF-8");
    expect_error("[\"a\nb\"]", 1, 4, "control character");

    /* Numbers follow RFC 8259 exactly. */
    expect_error("[01]", 1, 2, "leading zeros");
    expect_error("[1.]", 1, 4, "after '.'");
    expect_error("[1e]", 1, 4, "exponent");
    expect_error("[-]", 1, 3, "expected a digit");
    expect_error("[+1]", 1, 2, "expected a value");
    expect_error("[.5]", 1, 2, "expected a value");
    expect_error("NaN", 1, 1, "expected a value");

    /* Other shapes. */
    expect_error("{1: 2}", 1, 2, "expected a string key");
    expect_error("{'a': 1}", 1, 2, "expected a string key");
    expect_error("[1 2]", 1, 4, "expected ',' or ']'");
    expect_error("{\"a\": 1 \"b\": 2}", 1, 9, "expected ',' or '}'");
    expect_error("[1] // comment", 1, 5, "after the JSON value");
    expect_error("{}\n\n  x", 3, 3, "after the JSON value");
    expect_error("[] []", 1, 4, "after the JSON value");
    expect_error_n("[1]\0", 4, 1, 4, "after the JSON value");
}

static void test_read_depth_limit(void **state)
{
    (void)state;
    /* JSON_MAX_DEPTH levels are fine; one more is refused where it opens. */
    size_t depth = JSON_MAX_DEPTH;
    char *text = malloc(2 * depth + 3);
    assert_non_null(text);
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    text[2 * depth] = '\0';
    json_value *root = parse_ok(text);
    json_value_free(root);

    memset(text, '[', depth + 1);
    memset(text + depth + 1, ']', depth + 1);
    text[2 * depth + 2] = '\0';
    expect_error(text, 1, JSON_MAX_DEPTH + 1, "nesting too deep");

    /* A hostile input far deeper than the limit fails fast, no crash. */
    size_t hostile = 1000000;
    char *deep = malloc(hostile);
    assert_non_null(deep);
    memset(deep, '[', hostile);
    expect_error_n(deep, hostile, 1, JSON_MAX_DEPTH + 1, "nesting too deep");
    free(deep);
    free(text);
}

static void test_read_file(void **state)
{
    (void)state;
    pnsim_error error;
    pnsim_error_clear(&error);
    assert_null(json_parse_file("/nonexistent/pnsim/answer.json", &error));
    assert_int_equal(error.status, PNSIM_ERR_IO);
    assert_string_equal(error.file, "/nonexistent/pnsim/answer.json");

    /* A file bigger than the first read chunk, with an error near its end
     * so that the position proves the whole file was read. */
    char path[] = "/tmp/pnsim_test_json_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *file = fdopen(fd, "w");
    assert_non_null(file);
    fputs("[\n", file);
    for (int i = 0; i < 20000; i++)
        fprintf(file, "  %d,\n", i);
    fputs("  20000,\n]\n", file);
    fclose(file);

    pnsim_error_clear(&error);
    assert_null(json_parse_file(path, &error));
    assert_int_equal(error.status, PNSIM_ERR_INPUT);
    assert_int_equal(error.line, 20002);
    assert_int_equal(error.column, 8);
    assert_string_equal(error.file, path);
    unlink(path);
}

/* ---------------------------------------------------------------------- */
/* The shared MCC corpus                                                   */
/* ---------------------------------------------------------------------- */

/* The corpus folder, or NULL (with a message) when it is not there. */
static const char *corpus_dir(void)
{
    static char path[1024];
    const char *env = getenv("PNSIM_CORPUS");
    if (env != NULL && env[0] != '\0')
        snprintf(path, sizeof path, "%s", env);
    else
        snprintf(path, sizeof path, "%s/../shared/corpus", PNSIM_SOURCE_DIR);
    if (access(path, R_OK) != 0) {
        printf("skipped: no corpus at %s (set PNSIM_CORPUS)\n", path);
        return NULL;
    }
    return path;
}

static void test_corpus_philosophers(void **state)
{
    (void)state;
    const char *corpus = corpus_dir();
    if (corpus == NULL)
        return;
    char path[1200];
    snprintf(path, sizeof path,
             "%s/mcc/Philosophers-PT-000005/expected.json", corpus);
    if (access(path, R_OK) != 0) {
        printf("skipped: %s is missing\n", path);
        return;
    }

    pnsim_error error;
    pnsim_error_clear(&error);
    json_value *root = json_parse_file(path, &error);
    if (root == NULL)
        fail_msg("%s:%lu:%lu: %s", error.file, error.line, error.column,
                 error.message);

    const json_value *states =
        json_object_get(json_object_get(root, "state_space"), "states");
    assert_string_equal(json_as_string(states), "243");
    uint64_t count;
    assert_true(json_as_uint64(states, &count));
    assert_int_equal(count, 243);
    assert_string_equal(json_as_string(json_object_get(root, "instance")),
                        "Philosophers-PT-000005");
    json_value_free(root);
}

static void test_corpus_all_answers(void **state)
{
    (void)state;
    const char *corpus = corpus_dir();
    if (corpus == NULL)
        return;
    char pattern[1200];
    snprintf(pattern, sizeof pattern, "%s/mcc/*/expected.json", corpus);
    glob_t found;
    if (glob(pattern, 0, NULL, &found) != 0) {
        printf("skipped: nothing matches %s\n", pattern);
        return;
    }

    /* Every answer file parses, and survives a write/read round trip. */
    for (size_t i = 0; i < found.gl_pathc; i++) {
        pnsim_error error;
        pnsim_error_clear(&error);
        json_value *root = json_parse_file(found.gl_pathv[i], &error);
        if (root == NULL)
            fail_msg("%s:%lu:%lu: %s", error.file, error.line, error.column,
                     error.message);
        assert_int_equal(root->kind, JSON_OBJECT);
        assert_non_null(json_object_get(root, "state_space"));

        char *text = write_compact(root);
        json_value *again = parse_ok(text);
        assert_true(values_equal(root, again));
        json_value_free(again);
        free(text);
        json_value_free(root);
    }
    printf("parsed %zu MCC answer files\n", found.gl_pathc);
    globfree(&found);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_compact),
        cmocka_unit_test(test_write_pretty),
        cmocka_unit_test(test_write_scalar_document),
        cmocka_unit_test(test_write_escaping),
        cmocka_unit_test(test_write_keys_are_escaped),
        cmocka_unit_test(test_write_numbers),
        cmocka_unit_test(test_write_misuse),
        cmocka_unit_test(test_write_io_error),
        cmocka_unit_test(test_read_tree),
        cmocka_unit_test(test_read_scalars_and_duplicates),
        cmocka_unit_test(test_read_exact_integers),
        cmocka_unit_test(test_read_escapes),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_read_depth_limit),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_corpus_philosophers),
        cmocka_unit_test(test_corpus_all_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
