/*
 * test_refine.c — refinement checking (engine/refine.h): normal forms of
 * small processes (internal choice, divergence, termination), refinement
 * with known answers in the T, F and FD models and their shortest
 * counterexamples, and the limits.  Processes come from CSPm text through
 * the front end, and from a hand-made table model that shows the checker
 * needs nothing but model.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "csp/csp.h"
#include "explore.h"
#include "refine.h"

static const char script_text[] =
    "channel a, b, c\n"
    "LOOP = a -> LOOP\n"
    "DIVERGES = b -> (LOOP \\ {a})\n"
    "ICHOICE = (a -> b -> STOP) |~| (a -> c -> STOP)\n"
    "ECHOICE = a -> (b -> STOP [] c -> STOP)\n"
    "TICKY = SKIP [] a -> STOP\n"
    "CYCLE = a -> b -> CYCLE\n"
    "BUF = a -> c -> BUF\n"
    "AA = a -> a -> AA\n"
    "TWICE = (a -> a -> STOP) [] (a -> a -> STOP)\n";

static csp_script *script;

static int setup(void **state)
{
    (void)state;
    pnsim_error error;
    script = csp_load_text("refine.csp", script_text, &error);
    return script == NULL;
}

static int teardown(void **state)
{
    (void)state;
    csp_free(script);
    return 0;
}

static model *build(const char *process)
{
    pnsim_error error;
    model *m = csp_process_model(script, process, NULL, &error);
    if (m == NULL)
        fail_msg("%s: %s", process, error.message);
    return m;
}

static refine_normal *normalise(const char *process, model **m)
{
    *m = build(process);
    explore_options options;
    explore_options_init(&options);
    refine_normal *normal = NULL;
    explore_outcome outcome;
    pnsim_error error;
    assert_int_equal(refine_normalise(*m, &options, &normal, &outcome, &error),
                     PNSIM_OK);
    assert_int_equal(outcome, EXPLORE_COMPLETE);
    assert_non_null(normal);
    return normal;
}

/* The k-th minimal acceptance of `state` as "{x,y}". */
static const char *acceptance(refine_normal *normal, size_t state, size_t k)
{
    static char text[256];
    const char *const *events;
    size_t n = refine_normal_acceptance(normal, state, k, &events);
    size_t at = (size_t)snprintf(text, sizeof text, "{");
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "%s%s", i ? "," : "",
                               events[i]);
    snprintf(text + at, sizeof text - at, "}");
    return text;
}

static void test_normal_internal_choice(void **state)
{
    (void)state;
    model *m;
    refine_normal *normal = normalise("ICHOICE", &m);
    /* initially: both branches accept {a}: one minimal acceptance */
    assert_int_equal(refine_normal_acceptance_count(normal, 0), 1);
    assert_string_equal(acceptance(normal, 0, 0), "{a}");
    assert_false(refine_normal_divergent(normal, 0));
    assert_int_equal(refine_normal_after(normal, 0, "b"), -1);
    long after_a = refine_normal_after(normal, 0, "a");
    assert_true(after_a > 0);
    /* after a: the choice was made: {b} or {c}, two minimal acceptances,
     * while the deterministic ECHOICE has the single {b,c} */
    assert_int_equal(refine_normal_members(normal, (size_t)after_a), 2);
    assert_int_equal(refine_normal_acceptance_count(normal, (size_t)after_a), 2);
    assert_string_equal(acceptance(normal, (size_t)after_a, 0), "{b}");
    assert_string_equal(acceptance(normal, (size_t)after_a, 1), "{c}");
    long after_ab = refine_normal_after(normal, (size_t)after_a, "b");
    assert_true(after_ab > 0);
    assert_int_equal(refine_normal_acceptance_count(normal, (size_t)after_ab), 1);
    assert_string_equal(acceptance(normal, (size_t)after_ab, 0), "{}");
    refine_normal_free(normal);
    model_destroy(m);

    normal = normalise("ECHOICE", &m);
    long e = refine_normal_after(normal, 0, "a");
    assert_true(e > 0);
    assert_int_equal(refine_normal_acceptance_count(normal, (size_t)e), 1);
    assert_string_equal(acceptance(normal, (size_t)e, 0), "{b,c}");
    refine_normal_free(normal);
    model_destroy(m);
}

static void test_normal_divergent_and_tick(void **state)
{
    (void)state;
    model *m;
    refine_normal *normal = normalise("DIVERGES", &m);
    assert_false(refine_normal_divergent(normal, 0));
    long after_b = refine_normal_after(normal, 0, "b");
    assert_true(after_b > 0);
    assert_true(refine_normal_divergent(normal, (size_t)after_b));
    /* a hidden loop has no stable state: no acceptance at all */
    assert_int_equal(refine_normal_acceptance_count(normal, (size_t)after_b), 0);
    assert_int_equal(refine_normal_count(normal), 2);
    refine_normal_free(normal);
    model_destroy(m);

    normal = normalise("TICKY", &m);
    assert_true(refine_normal_can_terminate(normal, 0));
    assert_int_equal(refine_normal_acceptance_count(normal, 0), 1);
    assert_string_equal(acceptance(normal, 0, 0), "{" REFINE_TICK "}");
    assert_true(refine_normal_after(normal, 0, "a") > 0);
    refine_normal_free(normal);
    model_destroy(m);
}

/* Checks spec ⊑ impl and returns the verdict; keeps the result in *out
 * when `out` is not NULL (the caller frees it and the models). */
static lts_verdict check(const char *spec, const char *impl,
                         refine_semantics semantics, refine_result *out,
                         model **models)
{
    model *s = build(spec), *i = build(impl);
    explore_options options;
    explore_options_init(&options);
    refine_result result;
    pnsim_error error;
    assert_int_equal(refine_check(s, i, semantics, &options, &result, &error),
                     PNSIM_OK);
    assert_int_equal(result.outcome, EXPLORE_COMPLETE);
    lts_verdict verdict = result.verdict;
    if (out != NULL) {
        *out = result;
        models[0] = s;
        models[1] = i;
    } else {
        refine_result_free(&result);
        model_destroy(s);
        model_destroy(i);
    }
    return verdict;
}

static void release(refine_result *result, model **models)
{
    refine_result_free(result);
    model_destroy(models[0]);
    model_destroy(models[1]);
}

static void test_traces(void **state)
{
    (void)state;
    assert_int_equal(check("a -> b -> STOP", "a -> STOP", REFINE_TRACES, NULL, NULL),
                     LTS_HOLDS);
    assert_int_equal(check("CYCLE", "CYCLE", REFINE_TRACES, NULL, NULL), LTS_HOLDS);
    assert_int_equal(check("ICHOICE", "ECHOICE", REFINE_TRACES, NULL, NULL),
                     LTS_HOLDS);
    refine_result r;
    model *models[2];
    assert_int_equal(check("CYCLE", "BUF", REFINE_TRACES, &r, models), LTS_VIOLATED);
    assert_int_equal(r.ending, REFINE_END_TRACE);
    assert_int_equal(r.length, 1);
    assert_string_equal(r.trace[0], "a");
    assert_string_equal(r.event, "c");
    release(&r, models);
    /* ✓ must be matched */
    assert_int_equal(check("SKIP", "STOP", REFINE_TRACES, NULL, NULL), LTS_HOLDS);
    assert_int_equal(check("STOP", "SKIP", REFINE_TRACES, &r, models), LTS_VIOLATED);
    assert_string_equal(r.event, REFINE_TICK);
    assert_int_equal(r.length, 0);
    release(&r, models);
}

static void test_failures(void **state)
{
    (void)state;
    /* internal choice is refined by either branch and by external choice */
    assert_int_equal(check("(a -> STOP) |~| (b -> STOP)", "a -> STOP",
                           REFINE_FAILURES, NULL, NULL), LTS_HOLDS);
    assert_int_equal(check("(a -> STOP) |~| (b -> STOP)", "a -> STOP [] b -> STOP",
                           REFINE_FAILURES, NULL, NULL), LTS_HOLDS);
    assert_int_equal(check("ECHOICE", "ICHOICE", REFINE_TRACES, NULL, NULL),
                     LTS_HOLDS);
    refine_result r;
    model *models[2];
    assert_int_equal(check("ECHOICE", "ICHOICE", REFINE_FAILURES, &r, models),
                     LTS_VIOLATED);
    assert_int_equal(r.ending, REFINE_END_REFUSAL);
    assert_int_equal(r.length, 1);
    assert_string_equal(r.trace[0], "a");
    assert_int_equal(r.refusal_count, 1);
    assert_int_equal(r.offer_count, 1);
    assert_string_not_equal(r.refusal[0], r.offers[0]);
    assert_int_equal(r.acceptance_count, 1);
    assert_int_equal(r.acceptance_sizes[0], 2);
    release(&r, models);
    /* STOP refuses ✓, SKIP does not */
    assert_int_equal(check("SKIP", "STOP", REFINE_FAILURES, &r, models), LTS_VIOLATED);
    assert_int_equal(r.ending, REFINE_END_REFUSAL);
    assert_int_equal(r.refusal_count, 1);
    assert_string_equal(r.refusal[0], REFINE_TICK);
    release(&r, models);
    assert_int_equal(check("STOP |~| SKIP", "SKIP", REFINE_FAILURES, NULL, NULL),
                     LTS_HOLDS);
    /* the stable failures model ignores divergence */
    assert_int_equal(check("STOP", "LOOP \\ {a}", REFINE_FAILURES, NULL, NULL),
                     LTS_HOLDS);
}

static void test_failures_divergences(void **state)
{
    (void)state;
    refine_result r;
    model *models[2];
    assert_int_equal(check("STOP", "LOOP \\ {a}", REFINE_FAILURES_DIVERGENCES, &r,
                           models), LTS_VIOLATED);
    assert_int_equal(r.ending, REFINE_END_DIVERGENCE);
    assert_int_equal(r.length, 0);
    assert_true(r.loop_length >= 1);
    release(&r, models);
    assert_int_equal(check("a -> STOP", "b -> (LOOP \\ {a})",
                           REFINE_FAILURES_DIVERGENCES, &r, models), LTS_VIOLATED);
    assert_int_equal(r.ending, REFINE_END_TRACE);
    assert_string_equal(r.event, "b");
    release(&r, models);
    /* after b the divergent specification allows anything */
    assert_int_equal(check("DIVERGES", "b -> (LOOP \\ {a})",
                           REFINE_FAILURES_DIVERGENCES, NULL, NULL), LTS_HOLDS);
    assert_int_equal(check("DIVERGES", "b -> c -> STOP", REFINE_FAILURES_DIVERGENCES,
                           NULL, NULL), LTS_HOLDS);
    assert_int_equal(check("DIVERGES", "b -> c -> STOP", REFINE_TRACES, NULL, NULL),
                     LTS_VIOLATED);
    assert_int_equal(check("ICHOICE", "ECHOICE", REFINE_FAILURES_DIVERGENCES, NULL,
                           NULL), LTS_HOLDS);
}

static uint64_t state_count(model *m)
{
    explore_options options;
    explore_options_init(&options);
    pnsim_error error;
    explore_result *r = explore_run(m, &options, &error);
    assert_non_null(r);
    uint64_t states = explore_result_stats(r)->states;
    explore_result_free(r);
    model_destroy(m);
    return states;
}

/* sbisim and normal reduce a leaf by strong bisimulation; the others are
 * the identity */
static void test_compressions(void **state)
{
    (void)state;
    /* (once marked, a term is reduced wherever it is a leaf: test the
     * identities first) */
    assert_int_equal(state_count(build("AA")), 2);
    assert_int_equal(state_count(build("diamond(AA)")), 2);
    assert_int_equal(state_count(build("wbisim(AA)")), 2);
    assert_int_equal(state_count(build("sbisim(AA)")), 1);
    assert_int_equal(state_count(build("normal(AA)")), 1);
    /* the two branches are different terms with the same behaviour */
    assert_int_equal(state_count(build("TWICE")), 4);
    assert_int_equal(state_count(build("sbisim(TWICE)")), 3);
    assert_int_equal(state_count(build("sbisim(a -> STOP [] b -> SKIP)")), 4);
    /* inside a network: the marked term is reduced wherever it is a leaf */
    assert_int_equal(state_count(build("sbisim(AA) [| {a} |] AA")), 1);
    assert_int_equal(state_count(build("sbisim(AA) [| {a} |] BUF")), 2);
    assert_int_equal(check("AA", "sbisim(AA)", REFINE_FAILURES_DIVERGENCES, NULL, NULL),
                     LTS_HOLDS);
    assert_int_equal(check("sbisim(AA)", "AA", REFINE_FAILURES_DIVERGENCES, NULL, NULL),
                     LTS_HOLDS);
    assert_int_equal(check("sbisim(TICKY)", "STOP", REFINE_FAILURES, NULL, NULL),
                     LTS_VIOLATED);
}

/* ---- a hand-made model: a counter that never stops ---------------------- */

static const model_transition counter_transitions[] = {
    {.name = "up", .event = "a", .kind = MODEL_VISIBLE},
    {.name = "tau", .kind = MODEL_INTERNAL},
};
static const model_transition hidden_counter_transitions[] = {
    {.name = "up", .kind = MODEL_INTERNAL},
    {.name = "tau", .kind = MODEL_INTERNAL},
};
static const char *const counter_slots[] = {"n"};

static void counter_initial(const model *m, model_value *s)
{
    (void)m;
    s[0] = 0;
}

static model_value counter_modulus;     /* 0: counts for ever */

/* n --a--> n + 1 (modulo counter_modulus); even states above 0 also have a
 * τ back to 0 */
static model_result counter_successors(const model *m, const model_value *s,
                                       void *scratch, model_visit_fn visit,
                                       void *context, pnsim_error *error)
{
    (void)m;
    (void)error;
    model_value *next = scratch;
    next[0] = s[0] + 1;
    if (counter_modulus != 0)
        next[0] %= counter_modulus;
    if (visit(context, 0, next))
        return MODEL_STOPPED;
    if (s[0] % 2 == 0 && s[0] > 0) {
        next[0] = 0;
        if (visit(context, 1, next))
            return MODEL_STOPPED;
    }
    return MODEL_DONE;
}

static void counter_destroy(model *m)
{
    (void)m;
}

static const model_ops counter_ops = {counter_initial, counter_successors, NULL,
                                      counter_destroy};

static void test_limits(void **state)
{
    (void)state;
    model counter = {
        .ops = &counter_ops, .format = "table", .name = "counter",
        .state_length = 1, .slot_kind = MODEL_SLOT_CONTROL, .slot_names = counter_slots,
        .transition_count = 2, .transitions = counter_transitions,
        .scratch_bytes = sizeof(model_value),
    };
    model *loop = build("LOOP");
    explore_options options;
    explore_options_init(&options);
    options.max_states = 500;
    refine_result r;
    pnsim_error error;
    /* an infinite specification stops at the limit */
    assert_int_equal(refine_check(&counter, loop, REFINE_TRACES, &options, &r, &error),
                     PNSIM_OK);
    assert_int_equal(r.verdict, LTS_UNKNOWN);
    assert_true(explore_outcome_is_limit(r.outcome));
    refine_result_free(&r);
    /* so does an infinite implementation */
    assert_int_equal(refine_check(loop, &counter, REFINE_FAILURES, &options, &r, &error),
                     PNSIM_OK);
    assert_int_equal(r.verdict, LTS_UNKNOWN);
    refine_result_free(&r);
    /* an endless run of τ: the divergence search stops at the limit too */
    model hidden = counter;
    hidden.transitions = hidden_counter_transitions;
    assert_int_equal(refine_check(loop, &hidden, REFINE_FAILURES_DIVERGENCES, &options,
                                  &r, &error), PNSIM_OK);
    assert_int_equal(r.verdict, LTS_UNKNOWN);
    assert_int_equal(r.outcome, EXPLORE_LIMIT_STATES);
    refine_result_free(&r);
    /* a finite counter: its τ does not change what an observer sees */
    counter_modulus = 4;
    options.max_states = 0;
    for (int semantics = REFINE_TRACES; semantics <= REFINE_FAILURES_DIVERGENCES;
         semantics++) {
        assert_int_equal(refine_check(loop, &counter, (refine_semantics)semantics,
                                      &options, &r, &error), PNSIM_OK);
        assert_int_equal(r.verdict, LTS_HOLDS);
        assert_int_equal(r.impl_states, 4);
        refine_result_free(&r);
        assert_int_equal(refine_check(&counter, loop, (refine_semantics)semantics,
                                      &options, &r, &error), PNSIM_OK);
        assert_int_equal(r.verdict, LTS_HOLDS);
        refine_result_free(&r);
    }
    counter_modulus = 0;
    model_destroy(loop);
}

/* ---- the command line: exit codes and the JSON counterexample ---------- */

static int run_cli(const char *script_path, const char *extra, char *out, size_t size)
{
    const char *binary = getenv("PNSIM_BINARY");
    char command[2048];
    snprintf(command, sizeof command, "'%s' check '%s' --json %s", binary, script_path,
             extra);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    size_t n = fread(out, 1, size - 1, pipe);
    out[n] = '\0';
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_command_line(void **state)
{
    (void)state;
    if (getenv("PNSIM_BINARY") == NULL) {
        printf("SKIPPED: PNSIM_BINARY is not set\n");
        skip();
        return;
    }
    char path[] = "/tmp/pnsim-refine-XXXXXX.csp";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    static const char text[] =
        "channel a, b, c\n"
        "SPEC = a -> (b -> SPEC [] c -> SPEC)\n"
        "IMPL = a -> (b -> IMPL |~| c -> IMPL)\n"
        "assert SPEC [T= IMPL\n"
        "assert SPEC [F= IMPL\n"
        "assert not SPEC [FD= IMPL\n"
        "assert STOP [FD= (a -> SPEC) \\ {a}\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    static char out[65536];
    assert_int_equal(run_cli(path, "--assert 1", out, sizeof out), 0);
    assert_non_null(strstr(out, "\"semantic_model\": \"T\""));
    assert_int_equal(run_cli(path, "--assert 2", out, sizeof out), 1);
    assert_non_null(strstr(out, "\"ending\": \"refusal\""));
    assert_non_null(strstr(out, "\"spec_acceptances\""));
    assert_int_equal(run_cli(path, "--assert 3", out, sizeof out), 0);
    assert_int_equal(run_cli(path, "--assert 4", out, sizeof out), 1);
    assert_non_null(strstr(out, "\"ending\": \"trace-violation\""));
    assert_int_equal(run_cli(path, "--assert 2 --max-states 1", out, sizeof out), 3);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_internal_choice),
        cmocka_unit_test(test_normal_divergent_and_tick),
        cmocka_unit_test(test_traces),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_failures_divergences),
        cmocka_unit_test(test_compressions),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_command_line),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
