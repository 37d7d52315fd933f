/*
 * test_cli_json.c — the JSON that `pnsim check --json` and
 * `pnsim statespace --json` print, parsed back and checked field by field
 * (the schema CI users depend on).  Runs the real binary ($PNSIM_BINARY).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "json.h"

/* Runs pnsim with `arguments` (a shell-quoted string) from the source tree;
 * returns its parsed standard output and stores its exit code. */
static json_value *run_json(const char *arguments, int *exit_code)
{
    const char *binary = getenv("PNSIM_BINARY");
    assert_non_null(binary);
    char command[4096];
    snprintf(command, sizeof command, "cd '%s' && '%s' %s", PNSIM_SOURCE_DIR,
             binary, arguments);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    size_t size = 0, capacity = 1 << 16;
    char *text = malloc(capacity);
    assert_non_null(text);
    size_t got;
    while ((got = fread(text + size, 1, capacity - size, pipe)) > 0) {
        size += got;
        if (size == capacity) {
            capacity *= 2;
            /* A failed realloc ends the test at the assertion below. */
            // cppcheck-suppress memleakOnRealloc
            text = realloc(text, capacity);
            assert_non_null(text);
        }
    }
    int status = pclose(pipe);
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    pnsim_error error;
    json_value *value = json_parse(text, size, "pnsim output", &error);
    if (value == NULL)
        print_error("not JSON: %s\n%.*s\n", error.message, (int)size, text);
    free(text);
    assert_non_null(value);
    return value;
}

static const json_value *property(const json_value *root, const char *name)
{
    const json_value *properties = json_object_get(root, "properties");
    assert_non_null(properties);
    for (size_t i = 0; i < json_array_length(properties); i++) {
        const json_value *p = json_array_at(properties, i);
        const char *n = json_as_string(json_object_get(p, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return p;
    }
    fail_msg("no property named %s", name);
    return NULL;
}

static bool get_bool(const json_value *object, const char *key)
{
    bool value = false;
    assert_true(json_as_bool(json_object_get(object, key), &value));
    return value;
}

static uint64_t get_uint(const json_value *object, const char *key)
{
    uint64_t value = 0;
    assert_true(json_as_uint64(json_object_get(object, key), &value));
    return value;
}

static void test_check_pass_schema(void **unused)
{
    (void)unused;
    int code;
    json_value *root = run_json("check --json models/threadpool.pnml", &code);
    assert_int_equal(code, 0);
    assert_string_equal(json_as_string(json_object_get(root, "verdict")),
                        "pass");
    assert_string_equal(json_as_string(json_object_get(root, "format")),
                        "pnml");
    assert_string_equal(json_as_string(json_object_get(root, "model")),
                        "models/threadpool.pnml");
    const json_value *deadlock = property(root, "deadlock-free");
    assert_true(get_bool(deadlock, "holds"));
    assert_int_equal(get_uint(deadlock, "deadlocks"), 0);
    assert_true(get_uint(deadlock, "final_dead_states") >= 1);
    assert_null(json_object_get(deadlock, "trace"));
    assert_true(get_bool(property(root, "bounded"), "holds"));
    const json_value *stats = json_object_get(root, "stats");
    assert_true(get_uint(stats, "states") > 1);
    assert_true(get_uint(stats, "edges") >= get_uint(stats, "states") - 1);
    assert_true(get_uint(stats, "max_tokens_place") >= 1);
    assert_true(get_uint(stats, "max_tokens_marking") >=
                get_uint(stats, "max_tokens_place"));
    assert_true(get_uint(stats, "threads") >= 1);
    assert_true(get_uint(stats, "peak_memory_bytes") > 0);
    double seconds = -1;
    assert_true(json_as_double(json_object_get(stats, "seconds"), &seconds));
    assert_true(seconds >= 0);
    json_value_free(root);
}

static void test_check_fail_has_shortest_trace(void **unused)
{
    (void)unused;
    int code;
    json_value *root = run_json("check --json models/threadpool-nested-wait.pnml",
                                &code);
    assert_int_equal(code, 1);
    assert_string_equal(json_as_string(json_object_get(root, "verdict")),
                        "fail");
    const json_value *deadlock = property(root, "deadlock-free");
    bool holds = true;
    assert_true(json_as_bool(json_object_get(deadlock, "holds"), &holds));
    assert_false(holds);
    const json_value *trace = json_object_get(deadlock, "trace");
    assert_non_null(trace);
    /* N=1, M=1: the parent starts and takes the only worker; one step. */
    assert_int_equal(json_array_length(trace), 1);
    const json_value *step = json_array_at(trace, 0);
    assert_non_null(json_as_string(json_object_get(step, "transition")));
    assert_non_null(json_object_get(step, "marking"));
    const json_value *state = json_object_get(deadlock, "state");
    assert_non_null(state);
    assert_true(json_object_size(state) >= 1);
    /* The last step's marking is the dead state. */
    const json_value *last = json_object_get(step, "marking");
    assert_int_equal(json_object_size(last), json_object_size(state));
    json_value_free(root);
}

static void test_check_limit_is_inconclusive(void **unused)
{
    (void)unused;
    int code;
    json_value *root = run_json(
        "check --json --max-states 500 tests/data/cli/large.pnml", &code);
    assert_int_equal(code, 3);
    assert_string_equal(json_as_string(json_object_get(root, "verdict")),
                        "inconclusive");
    assert_true(json_is_null(json_object_get(property(root, "deadlock-free"),
                                             "holds")));
    assert_true(json_is_null(json_object_get(property(root, "bounded"),
                                             "holds")));
    const json_value *stats = json_object_get(root, "stats");
    assert_false(get_bool(stats, "complete"));
    assert_true(get_uint(stats, "states") >= 500);
    json_value_free(root);
}

static void test_statespace_json(void **unused)
{
    (void)unused;
    int code;
    json_value *root = run_json("statespace --json tests/data/cli/terminating.pnml",
                                &code);
    assert_int_equal(code, 0);
    assert_int_equal(get_uint(root, "states"), 3);
    assert_int_equal(get_uint(root, "edges"), 2);
    assert_int_equal(get_uint(root, "max_tokens_place"), 1);
    assert_int_equal(get_uint(root, "max_tokens_marking"), 1);
    json_value_free(root);

    root = run_json("statespace --json --max-states 10 "
                    "tests/data/cli/unbounded.pnml", &code);
    assert_int_equal(code, 3);
    assert_true(json_is_null(json_object_get(root, "states")));
    assert_true(json_is_null(json_object_get(root, "edges")));
    assert_true(json_is_null(json_object_get(root, "max_tokens_place")));
    assert_true(json_is_null(json_object_get(root, "max_tokens_marking")));
    json_value_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_pass_schema),
        cmocka_unit_test(test_check_fail_has_shortest_trace),
        cmocka_unit_test(test_check_limit_is_inconclusive),
        cmocka_unit_test(test_statespace_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
