/*
 * test_csp_semantics.c — CSP processes compiled to models: state counts of
 * small processes, τ and ✓ per the firing rules (hiding, sequential
 * composition, distributed termination), and the checks of lts_check.h
 * with their shortest counterexamples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csp/csp.h"
#include "csp_fixture.h"
#include "explore.h"
#include "lts_check.h"

static const char script_text[] =
    "channel a, b, c\n"
    "channel ch : {0..2}\n"
    "LOOP = a -> LOOP\n"
    "DIVERGES = b -> (LOOP \\ {a})\n"
    "SEQ = (a -> SKIP) ; (b -> SKIP)\n"
    "PAR = (a -> SKIP) [| {a} |] (a -> b -> SKIP)\n"
    "STUCK = (a -> STOP) [| {a, b} |] (b -> STOP)\n"
    "NONDET = (a -> STOP) |~| (a -> b -> STOP)\n"
    "DET = a -> b -> DET [] c -> STOP\n"
    "TICKY = SKIP [] a -> STOP\n"
    "COUNT(n) = n < 2 & ch!n -> COUNT(n+1)\n"
    "REN = LOOP [[ a <- b, a <- c ]]\n"
    "INF(n) = a -> INF(n+1)\n";

static int setup(void **state)
{
    (void)state;
    return csp_fixture_load("sem.csp", script_text);
}

static void explore_opts(explore_options *options)
{
    explore_options_init(options);
    options->threads = 1;
}

static void test_state_spaces(void **state)
{
    (void)state;
    struct { const char *process; uint64_t states; } cases[] = {
        {"LOOP", 1}, {"SEQ", 5}, {"COUNT(0)", 3}, {"DIVERGES", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        model *m = build(cases[i].process);
        explore_options options;
        explore_opts(&options);
        pnsim_error error;
        explore_result *result = explore_run(m, &options, &error);
        assert_non_null(result);
        if (explore_result_stats(result)->states != cases[i].states)
            fail_msg("%s: %llu states", cases[i].process,
                     (unsigned long long)explore_result_stats(result)->states);
        explore_result_free(result);
        model_destroy(m);
    }
}

static void test_termination_and_tau(void **state)
{
    (void)state;
    explore_options options;
    explore_opts(&options);
    lts_check_result r;
    pnsim_error error;
    /* SEQ: a, τ (a's ✓), b, ✓ then Ω: no deadlock */
    model *m = build("SEQ");
    assert_int_equal(lts_check_deadlock(m, &options, true, &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_HOLDS);
    lts_check_result_free(&r);
    bool has_tau = false, has_tick = false;
    for (size_t t = 0; t < m->transition_count; t++) {
        has_tau |= m->transitions[t].kind == MODEL_INTERNAL;
        has_tick |= m->transitions[t].kind == MODEL_TERMINATION;
    }
    assert_true(has_tau && has_tick);
    model_destroy(m);
    /* distributed termination: PAR terminates once both sides have */
    m = build("PAR");
    assert_int_equal(lts_check_deadlock(m, &options, false, &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_HOLDS);
    lts_check_result_free(&r);
    model_destroy(m);
}

static void test_deadlock_trace(void **state)
{
    (void)state;
    explore_options options;
    explore_opts(&options);
    lts_check_result r;
    pnsim_error error;
    model *m = build("STUCK");
    assert_int_equal(lts_check_deadlock(m, &options, false, &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_VIOLATED);
    assert_int_equal(r.ending, LTS_END_DEADLOCK);
    assert_int_equal(r.length, 0);  /* deadlocked from the start */
    lts_check_result_free(&r);
    model_destroy(m);
}

static void test_divergence(void **state)
{
    (void)state;
    explore_options options;
    explore_opts(&options);
    lts_check_result r;
    pnsim_error error;
    model *m = build("DIVERGES");
    assert_int_equal(lts_check_divergence(m, &options, &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_VIOLATED);
    assert_int_equal(r.length, 1);
    assert_string_equal(lts_event_of(m, r.transitions[0]), "b");
    assert_int_equal(r.loop_length, 1);
    assert_int_equal(m->transitions[r.loop[0]].kind, MODEL_INTERNAL);
    lts_check_result_free(&r);
    /* deadlock free in F, not in FD (divergence) */
    assert_int_equal(lts_check_deadlock(m, &options, false, &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_HOLDS);
    lts_check_result_free(&r);
    assert_int_equal(lts_check_deadlock(m, &options, true, &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_VIOLATED);
    assert_int_equal(r.ending, LTS_END_DIVERGENCE);
    lts_check_result_free(&r);
    model_destroy(m);
}

static void test_determinism(void **state)
{
    (void)state;
    explore_options options;
    explore_opts(&options);
    lts_check_result r;
    pnsim_error error;
    model *m = build("NONDET");
    assert_int_equal(lts_check_determinism(m, &options, true, &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_VIOLATED);
    assert_int_equal(r.length, 1);
    assert_string_equal(r.events[0], "a");
    assert_string_equal(r.event, "b");
    lts_check_result_free(&r);
    model_destroy(m);
    m = build("DET");
    assert_int_equal(lts_check_determinism(m, &options, true, &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_HOLDS);
    lts_check_result_free(&r);
    model_destroy(m);
    m = build("TICKY");     /* ✓ is a signal: SKIP [] a may refuse a */
    assert_int_equal(lts_check_determinism(m, &options, false, &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_VIOLATED);
    lts_check_result_free(&r);
    model_destroy(m);
}

static void test_has_trace_and_renaming(void **state)
{
    (void)state;
    explore_options options;
    explore_opts(&options);
    lts_check_result r;
    pnsim_error error;
    model *m = build("REN");
    const char *yes[] = {"b", "c", "b"};
    assert_int_equal(lts_check_has_trace(m, &options, yes, 3, &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_HOLDS);
    lts_check_result_free(&r);
    const char *no[] = {"b", "a"};
    assert_int_equal(lts_check_has_trace(m, &options, no, 2, &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_VIOLATED);
    assert_int_equal(r.length, 1);
    assert_string_equal(r.event, "a");
    lts_check_result_free(&r);
    model_destroy(m);
}

static void test_infinite_state_limit(void **state)
{
    (void)state;
    pnsim_error error;
    csp_build_options build_options = {.max_leaf_states = 1000};
    model *m = csp_process_model(fixture_script, "INF(0)", &build_options, &error);
    assert_null(m);
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_spaces),
        cmocka_unit_test(test_termination_and_tau),
        cmocka_unit_test(test_deadlock_trace),
        cmocka_unit_test(test_divergence),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_has_trace_and_renaming),
        cmocka_unit_test(test_infinite_state_limit),
    };
    return cmocka_run_group_tests(tests, setup, csp_fixture_free);
}
