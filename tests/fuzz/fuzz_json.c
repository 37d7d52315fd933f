/*
 * fuzz_json.c — the JSON reader on arbitrary bytes; what it accepts is
 * walked with the lookup helpers and written back with the writer.
 */
#include "fuzz.h"

#include <stdio.h>

#include "json.h"

static void walk(const json_value *value)
{
    uint64_t unsigned_number;
    int64_t signed_number;
    double real;
    bool flag;
    (void)json_as_uint64(value, &unsigned_number);
    (void)json_as_int64(value, &signed_number);
    (void)json_as_double(value, &real);
    (void)json_as_bool(value, &flag);
    (void)json_as_string(value);
    (void)json_number_text(value);
    for (size_t i = 0; i < json_array_length(value); i++)
        walk(json_array_at(value, i));
    for (size_t i = 0; i < json_object_size(value); i++) {
        const json_member *member = json_object_member_at(value, i);
        (void)json_object_get(value, member->key);
        walk(member->value);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    pnsim_error error;
    pnsim_error_clear(&error);
    json_value *root = json_parse((const char *)data, size, "fuzz.json",
                                  &error);
    if (root == NULL)
        return 0;
    walk(root);
    if (sink != NULL) {
        json_writer writer;
        json_writer_init(&writer, sink, JSON_WRITE_PRETTY);
        json_write_value(&writer, root);
        (void)json_writer_finish(&writer, NULL);
    }
    json_value_free(root);
    return 0;
}
