/*
 * test_csp_race.c — races in CSPm scripts: the `{-# pnsim shared ... #-}`
 * pragma (csp_pragma.h), the race facts the compiler gives the model
 * (accesses, owners, consumes; csp_compile.h) and the race check (race.h)
 * on hand-made scripts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "csp/csp.h"
#include "explore.h"
#include "race.h"

/* A script, the model of its race-check process, its exploration and the
 * race report. */
typedef struct checked {
    csp_script *script;
    model *model;
    explore_result *result;
    race_report report;
} checked;

static void check(checked *c, const char *text, const char *process)
{
    pnsim_error error;
    c->script = csp_load_text("race.csp", text, &error);
    if (c->script == NULL)
        fail_msg("%s:%lu:%lu: %s", error.file, error.line, error.column,
                 error.message);
    c->model = csp_shared_model(c->script, process, NULL, &error);
    if (c->model == NULL)
        fail_msg("%s", error.message);
    explore_options options;
    explore_options_init(&options);
    options.threads = 2;
    c->result = explore_run(c->model, &options, &error);
    assert_non_null(c->result);
    assert_int_equal(explore_result_outcome(c->result), EXPLORE_COMPLETE);
    assert_int_equal(race_check(c->model, c->result, &c->report, &error),
                     PNSIM_OK);
}

static void release(checked *c)
{
    race_report_free(&c->report);
    explore_result_free(c->result);
    model_destroy(c->model);
    csp_free(c->script);
}

static const race_found *race_on(const checked *c, const char *resource)
{
    for (size_t r = 0; r < c->report.count; r++)
        if (strcmp(c->model->resource_names[r], resource) == 0)
            return &c->report.races[r];
    fail_msg("no resource %s", resource);
    return NULL;
}

static const char *name_of(const checked *c, uint32_t t)
{
    return c->model->transitions[t].name;
}

/* The first transition called `name`. */
static uint32_t transition(const checked *c, const char *name)
{
    long t = model_find_transition(c->model, name);
    if (t < 0)
        fail_msg("no transition %s", name);
    return (uint32_t)t;
}

/* Loads `text` and expects an error at line:column mentioning `words`. */
static void expect_error(const char *text, unsigned long line,
                         unsigned long column, const char *words)
{
    pnsim_error error;
    csp_script *script = csp_load_text("bad.csp", text, &error);
    if (script != NULL) {
        csp_free(script);
        fail_msg("accepted: %s", text);
    }
    if (error.line != line || error.column != column ||
        strstr(error.message, words) == NULL)
        fail_msg("%s:%lu:%lu: %s (expected %lu:%lu: ...%s...)", error.file,
                 error.line, error.column, error.message, line, column, words);
    assert_string_equal(error.file, "bad.csp");
    assert_int_equal(error.status, PNSIM_ERR_INPUT);
}

/* ---- scripts ---------------------------------------------------------------
 *
 * Two threads and a variable process X; each thread starts, then writes
 * X (wr) or reads it (rd).  The threads are leaves of their own (|||), X
 * takes part in every access: it owns the resource. */

#define VARIABLE                                                             \
    "channel start : {0,1}\n"                                                \
    "channel wr, rd : {0,1}.{0,1}\n"                                         \
    "channel acq, rel : {0,1}\n"                                             \
    "{-# pnsim shared name: x write: {| wr |} read: {| rd |} #-}\n"          \
    "X(v) = wr?t?w -> X(w) [] rd?t!v -> X(v)\n"

static const char racy[] = VARIABLE
    "T(t) = start.t -> wr.t.t -> SKIP\n"
    "SYSTEM = (T(0) ||| T(1)) [| {| wr, rd |} |] X(0)\n";

static const char locked[] = VARIABLE
    "LOCK = acq?t -> rel!t -> LOCK\n"
    "T(t) = start.t -> acq.t -> wr.t.t -> rel.t -> SKIP\n"
    "SYSTEM = ((T(0) ||| T(1)) [| {| wr, rd |} |] X(0))\n"
    "           [| {| acq, rel |} |] LOCK\n";

static const char readers[] = VARIABLE
    "T(t) = start.t -> rd.t?v -> SKIP\n"
    "SYSTEM = (T(0) ||| T(1)) [| {| wr, rd |} |] X(0)\n";

/* ---- tests ---------------------------------------------------------------- */

static void test_unlocked_writes_race(void **unused)
{
    (void)unused;
    checked c;
    check(&c, racy, NULL);
    assert_int_equal(c.model->resource_count, 1);
    assert_string_equal(c.model->resource_names[0], "x");
    const race_found *race = race_on(&c, "x");
    assert_true(race->state != EXPLORE_NO_STATE);
    assert_string_equal(name_of(&c, race->first), "wr.0.0");
    assert_string_equal(name_of(&c, race->second), "wr.1.1");
    assert_int_equal(race->first_access, MODEL_ACCESS_WRITE);
    assert_int_equal(race->second_access, MODEL_ACCESS_WRITE);

    /* shortest: both threads must have started, two steps */
    explore_trace trace;
    pnsim_error error;
    assert_int_equal(explore_trace_to(c.result, race->state, &trace, &error),
                     PNSIM_OK);
    assert_int_equal(trace.length, 2);
    assert_string_equal(name_of(&c, trace.transitions[0]), "start.0");
    assert_string_equal(name_of(&c, trace.transitions[1]), "start.1");
    explore_trace_free(&trace);
    release(&c);
}

static void test_model_facts(void **unused)
{
    (void)unused;
    checked c;
    check(&c, racy, NULL);
    /* leaves: T(0), T(1), X(0); X owns x, so a write takes its thread only */
    assert_int_equal(c.model->component_count, 3);
    uint32_t write = transition(&c, "wr.0.0");
    const model_transition *t = &c.model->transitions[write];
    assert_int_equal(t->access_count, 1);
    assert_int_equal(t->accesses[0].resource, 0);
    assert_int_equal(t->accesses[0].kind, MODEL_ACCESS_WRITE);
    assert_int_equal(t->component_count, 2);
    assert_int_equal(t->consume_count, 1);
    assert_int_equal(t->consumes[0], 0);          /* T(0) */
    assert_int_equal(race_access(c.model, write, 0), 2);
    /* a transition that accesses nothing takes every leaf in it */
    uint32_t start = transition(&c, "start.1");
    assert_int_equal(c.model->transitions[start].access_count, 0);
    assert_int_equal(c.model->transitions[start].consume_count, 1);
    assert_int_equal(c.model->transitions[start].consumes[0], 1);
    /* ✓ and τ take part in no access */
    release(&c);
}

static void test_locked_writes_do_not_race(void **unused)
{
    (void)unused;
    checked c;
    check(&c, locked, NULL);
    assert_int_equal(race_on(&c, "x")->state, EXPLORE_NO_STATE);
    assert_true(c.report.states_checked ==
                explore_result_stats(c.result)->states);

    /* the threads contend for the lock after starting: the two acquires
     * are enabled together and compete (the lock is control), which is
     * no race */
    model_value state[8] = {0};
    assert_true(c.model->state_length <= 8);
    model_initial_state(c.model, state);
    uint32_t a0 = transition(&c, "acq.0"), a1 = transition(&c, "acq.1");
    assert_true(race_compete(c.model, state, a0, a1));
    assert_int_equal(race_access(c.model, a0, 0), 0);
    release(&c);
}

static void test_two_reads_do_not_race(void **unused)
{
    (void)unused;
    checked c;
    check(&c, readers, NULL);
    assert_int_equal(race_on(&c, "x")->state, EXPLORE_NO_STATE);
    uint32_t r0 = transition(&c, "rd.0.0");
    assert_int_equal(race_access(c.model, r0, 0), 1);
    release(&c);

    /* a read beside a write does race */
    checked mixed;
    check(&mixed, VARIABLE
          "T(0) = start.0 -> rd.0?v -> SKIP\n"
          "T(1) = start.1 -> wr.1.1 -> SKIP\n"
          "SYSTEM = (T(0) ||| T(1)) [| {| wr, rd |} |] X(0)\n", NULL);
    const race_found *race = race_on(&mixed, "x");
    assert_true(race->state != EXPLORE_NO_STATE);
    assert_string_equal(name_of(&mixed, race->first), "wr.1.1");
    assert_int_equal(race->first_access, MODEL_ACCESS_WRITE);
    assert_string_equal(name_of(&mixed, race->second), "rd.0.0");
    assert_int_equal(race->second_access, MODEL_ACCESS_READ);
    release(&mixed);
}

static void test_one_thread_does_not_race(void **unused)
{
    (void)unused;
    checked c;
    check(&c, VARIABLE
          "T = wr.0.1 -> rd.0?v -> wr.0.0 -> SKIP\n"
          "SYSTEM = T [| {| wr, rd |} |] X(0)\n", NULL);
    assert_int_equal(race_on(&c, "x")->state, EXPLORE_NO_STATE);
    release(&c);
}

static void test_hidden_accesses_still_race(void **unused)
{
    (void)unused;
    checked c;
    check(&c, racy, "SYSTEM \\ {| wr |}");
    const race_found *race = race_on(&c, "x");
    assert_true(race->state != EXPLORE_NO_STATE);
    assert_int_equal(c.model->transitions[race->first].kind, MODEL_INTERNAL);
    release(&c);
}

static void test_process_of_the_pragma(void **unused)
{
    (void)unused;
    /* process: names the process; without SYSTEM it is needed */
    checked c;
    check(&c, "channel wr, rd : {0,1}.{0,1}\n"
              "{-# pnsim shared write: {| wr |} read: {rd.0.0}\n"
              "    process: (T(0) ||| T(1)) [| {| wr |} |] X #-}\n"
              "X = wr?t?w -> X\n"
              "T(t) = wr.t.t -> SKIP\n", NULL);
    assert_string_equal(c.model->resource_names[0], "wr/rd");
    assert_true(race_on(&c, "wr/rd")->state != EXPLORE_NO_STATE);
    release(&c);

    pnsim_error error;
    csp_script *script = csp_load_text(
        "nosys.csp", "channel wr : {0,1}\n"
                     "\n"
                     "  {-# pnsim shared write: {| wr |} #-}\n"
                     "P = wr?x -> P\n", &error);
    assert_non_null(script);
    assert_int_equal(csp_shared_count(script), 1);
    assert_null(csp_shared_model(script, NULL, NULL, &error));
    assert_int_equal(error.line, 3);
    assert_int_equal(error.column, 3);
    assert_non_null(strstr(error.message, "no SYSTEM"));
    model *m = csp_shared_model(script, "P", NULL, &error);
    assert_non_null(m);
    assert_int_equal(m->resource_count, 1);
    model_destroy(m);
    csp_free(script);
}

static void test_other_comments_are_not_pragmas(void **unused)
{
    (void)unused;
    pnsim_error error;
    csp_script *script = csp_load_text(
        "plain.csp", "channel wr : {0,1}\n"
                     "{-# LANGUAGE anything #-}\n"
                     "{- {-# pnsim shared junk #-} -}\n"
                     "-- {-# pnsim shared junk #-}\n"
                     "SYSTEM = wr?x -> SYSTEM\n", &error);
    assert_non_null(script);
    assert_int_equal(csp_shared_count(script), 0);
    assert_null(csp_shared_model(script, "SYSTEM", NULL, &error));
    assert_int_equal(error.status, PNSIM_ERR_USAGE);
    model *m = csp_process_model(script, "SYSTEM", NULL, &error);
    assert_non_null(m);
    assert_int_equal(m->resource_count, 0);
    model_destroy(m);
    csp_free(script);
}

static void test_malformed_pragmas(void **unused)
{
    (void)unused;
#define HEAD "channel wr, rd : {0,1}\nSYSTEM = wr?x -> SYSTEM\n"
    expect_error(HEAD "{-# pnsim shared write: {| wr |} -}\n", 3, 1,
                 "ends with #-}");
    expect_error(HEAD "{-# pnsim sharde write: {| wr |} #-}\n", 3, 11,
                 "expected `shared`");
    expect_error(HEAD "{-# pnsim shared name: x #-}\n", 3, 1,
                 "needs write: or read:");
    expect_error(HEAD "{-# pnsim shared oops write: {| wr |} #-}\n", 3, 18,
                 "expected write:, read:");
    expect_error(HEAD "{-# pnsim shared write: {| wr |} write: {| rd |} #-}\n",
                 3, 34, "given twice");
    expect_error(HEAD "{-# pnsim shared read: #-}\n", 3, 18, "needs a value");
    expect_error(HEAD "{-# pnsim shared\n    write: {| wr |}\n"
                 "    read: {| nothing |} #-}\n", 5, 14, "not in scope");
    expect_error(HEAD "{-# pnsim shared write: {0..3} #-}\n", 3, 25,
                 "is not an event");
    expect_error(HEAD "{-# pnsim shared write: 1 + 1 #-}\n", 3, 25,
                 "needs a set of events");
    expect_error(HEAD "{-# pnsim shared name: a b write: {| wr |} #-}\n", 3, 25,
                 "one word");
    expect_error(HEAD "{-# pnsim shared write: {| wr |} #-}\n"
                 "{-# pnsim shared read: {| wr |} #-}\n", 4, 1,
                 "declared twice");
    expect_error(HEAD "{-# pnsim shared name: a write: {| wr |} process: SYSTEM #-}\n"
                 "{-# pnsim shared name: b write: {| rd |} process: P #-}\n",
                 4, 42, "the same process");
#undef HEAD
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unlocked_writes_race),
        cmocka_unit_test(test_model_facts),
        cmocka_unit_test(test_locked_writes_do_not_race),
        cmocka_unit_test(test_two_reads_do_not_race),
        cmocka_unit_test(test_one_thread_does_not_race),
        cmocka_unit_test(test_hidden_accesses_still_race),
        cmocka_unit_test(test_process_of_the_pragma),
        cmocka_unit_test(test_other_comments_are_not_pragmas),
        cmocka_unit_test(test_malformed_pragmas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
