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
#include "csp_fixture.h"
#include "explore.h"
#include "lts_check.h"
#include "lts_normal.h"
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
    "TWICE = (a -> a -> STOP) [] (a -> a -> STOP)\n"
    "W(n) = if n == 0 then c -> STOP else (a -> W(n-1) [] b -> W(n-1))\n"
    "WIDE = W(9) ||| W(9) ||| W(9) ||| W(9)\n"
    "SPIN(n) = if n == 0 then (a -> SPIN(0)) else b -> SPIN(n-1)\n"
    "SPINS = (SPIN(7) ||| SPIN(7) ||| SPIN(7)) \\ {a}\n";

static int setup(void **state)
{
    (void)state;
    return csp_fixture_load("refine.csp", script_text);
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

    /* an unstable member that can terminate counts too: {✓} beside the
     * stable a -> STOP's {a} */
    normal = normalise("SKIP [> a -> STOP", &m);
    assert_true(refine_normal_can_terminate(normal, 0));
    assert_int_equal(refine_normal_acceptance_count(normal, 0), 2);
    const char *first = acceptance(normal, 0, 0);
    bool has_tick = strcmp(first, "{" REFINE_TICK "}") == 0;
    const char *second = acceptance(normal, 0, 1);
    has_tick |= strcmp(second, "{" REFINE_TICK "}") == 0;
    assert_true(has_tick);
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
    /* ✓ is a signal: a state that can terminate may refuse every visible
     * event, also when it is unstable.  SKIP [> a -> STOP is
     * (SKIP [] a -> STOP) |~| a -> STOP, so it is refined by its first
     * branch but not the other way round (it may refuse ✓). */
    assert_int_equal(check("SKIP [> a -> STOP", "TICKY", REFINE_FAILURES, NULL,
                           NULL), LTS_HOLDS);
    assert_int_equal(check("SKIP [> a -> STOP", "TICKY",
                           REFINE_FAILURES_DIVERGENCES, NULL, NULL), LTS_HOLDS);
    assert_int_equal(check("TICKY", "SKIP [> a -> STOP", REFINE_FAILURES, &r,
                           models), LTS_VIOLATED);
    assert_int_equal(r.ending, REFINE_END_REFUSAL);
    assert_string_equal(r.refusal[0], REFINE_TICK);
    release(&r, models);
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

/* sbisim reduces a leaf by strong bisimulation, normal normalises it; the
 * others are the identity */
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

/* ---- the normaliser on hand-made graphs --------------------------------- */

enum { L_TICK = 0, L_A = 1, L_B = 2, L_TAU = 99 };

static lts_normal *normal_of(uint32_t states, const uint64_t *row, const uint32_t *label,
                             const uint32_t *target)
{
    lts_normal_graph g = {states, row, label, target, L_TAU, L_TICK};
    lts_normal *nf = NULL;
    pnsim_error error;
    assert_int_equal(lts_normal_build(&g, NULL, NULL, &nf, &error), PNSIM_OK);
    assert_non_null(nf);
    return nf;
}

/* The labels of acceptance k of `node`, as a bit set. */
static unsigned acceptance_bits(const lts_normal *nf, uint32_t node, size_t k)
{
    uint64_t set = nf->acc_start[node] + k;
    assert_true(set < nf->acc_start[node + 1]);
    unsigned bits = 0;
    for (uint64_t i = nf->acc_set[set]; i < nf->acc_set[set + 1]; i++)
        bits |= 1u << nf->acc_events[i];
    return bits;
}

static size_t acceptances(const lts_normal *nf, uint32_t node)
{
    return nf->acc_start[node + 1] - nf->acc_start[node];
}

static int stop_after_one(void *context, uint64_t nodes, uint64_t bytes)
{
    (void)context;
    (void)bytes;
    return nodes > 1;
}

static void test_normaliser(void **state)
{
    (void)state;
    /* (a -> STOP) |~| (a -> b -> STOP [] b -> STOP):
     * 0 -τ-> 1, 0 -τ-> 2, 1 -a-> 3, 2 -a-> 4, 2 -b-> 3, 4 -b-> 3 */
    static const uint64_t row1[] = {0, 2, 3, 5, 5, 6};
    static const uint32_t label1[] = {L_TAU, L_TAU, L_A, L_A, L_B, L_B};
    static const uint32_t target1[] = {1, 2, 3, 4, 3, 3};
    lts_normal *nf = normal_of(5, row1, label1, target1);
    assert_int_equal(nf->count, 3);
    assert_int_equal(nf->set_start[1] - nf->set_start[0], 3);
    assert_false(nf->divergent[0]);
    assert_false(nf->can_tick[0]);
    /* the stable branches accept {a} and {a, b}: {a} is the minimal one */
    assert_int_equal(acceptances(nf, 0), 1);
    assert_int_equal(acceptance_bits(nf, 0, 0), 1u << L_A);
    uint32_t after_a = lts_normal_step(nf, 0, L_A), after_b = lts_normal_step(nf, 0, L_B);
    assert_int_not_equal(after_a, LTS_NORMAL_NONE);
    assert_int_not_equal(after_b, LTS_NORMAL_NONE);
    assert_int_equal(nf->set_start[after_a + 1] - nf->set_start[after_a], 2);
    /* after a: STOP or b -> STOP; STOP's empty acceptance is the minimal */
    assert_int_equal(acceptances(nf, after_a), 1);
    assert_int_equal(acceptance_bits(nf, after_a, 0), 0);
    assert_int_equal(lts_normal_step(nf, after_a, L_B), after_b);
    assert_int_equal(lts_normal_step(nf, after_b, L_A), LTS_NORMAL_NONE);
    lts_normal_free(nf);

    /* a -> µX. (τ -> τ -> X [] b -> ...): 0 -a-> 1, 1 -τ-> 2, 2 -τ-> 1,
     * 2 -b-> 0; the node after a diverges and has no stable member */
    static const uint64_t row2[] = {0, 1, 2, 4};
    static const uint32_t label2[] = {L_A, L_TAU, L_TAU, L_B};
    static const uint32_t target2[] = {1, 2, 1, 0};
    nf = normal_of(3, row2, label2, target2);
    assert_int_equal(nf->count, 2);
    assert_false(nf->divergent[0]);
    assert_int_equal(acceptances(nf, 0), 1);
    assert_int_equal(acceptance_bits(nf, 0, 0), 1u << L_A);
    uint32_t loop = lts_normal_step(nf, 0, L_A);
    assert_int_equal(loop, 1);
    assert_true(nf->divergent[loop]);
    assert_int_equal(acceptances(nf, loop), 0);
    assert_int_equal(lts_normal_step(nf, loop, L_B), 0);
    lts_normal_free(nf);

    /* SKIP [] a -> STOP: a stable state that can terminate accepts {✓} */
    static const uint64_t row3[] = {0, 2, 2, 2};
    static const uint32_t label3[] = {L_TICK, L_A};
    static const uint32_t target3[] = {2, 1};
    nf = normal_of(3, row3, label3, target3);
    assert_true(nf->can_tick[0]);
    assert_int_equal(acceptances(nf, 0), 1);
    assert_int_equal(acceptance_bits(nf, 0, 0), 1u << L_TICK);
    assert_int_equal(nf->count, 2);     /* after ✓ nothing is compared */
    lts_normal_free(nf);

    /* the limit function stops a build */
    lts_normal_graph g = {5, row1, label1, target1, L_TAU, L_TICK};
    pnsim_error error;
    assert_int_equal(lts_normal_build(&g, stop_after_one, NULL, &nf, &error), PNSIM_OK);
    assert_null(nf);
}

/* ---- normal(P) keeps every verdict of P -------------------------------- */

static const char compress_text[] =
    "channel a, b, c\n"
    "LOOP = a -> LOOP\n"
    "NONDET = (a -> STOP) |~| (a -> b -> STOP)\n"
    "DIVB = b -> (LOOP \\ {a})\n"
    "TICKY = SKIP [] a -> STOP\n"
    "MIX = (a -> MIX) |~| (b -> SKIP)\n"
    "SEQD = (a -> SKIP) ; ((b -> STOP) |~| (c -> SEQD))\n"
    "HID = ((a -> b -> HID) [] (c -> STOP)) \\ {b}\n"
    "PARTLY = (a -> PARTLY) [] (LOOP \\ {a}) [] (c -> SKIP)\n"
    "DET = a -> (b -> DET [] c -> STOP)\n";

static lts_verdict lts_verdict_of(pnsim_status (*run)(const model *,
                                                      const explore_options *, bool,
                                                      lts_check_result *, pnsim_error *),
                                  const model *m, bool fd)
{
    explore_options options;
    explore_options_init(&options);
    lts_check_result r;
    pnsim_error error;
    assert_int_equal(run(m, &options, fd, &r, &error), PNSIM_OK);
    lts_verdict verdict = r.verdict;
    lts_check_result_free(&r);
    return verdict;
}

static lts_verdict refines(const model *spec, const model *impl, refine_semantics semantics)
{
    explore_options options;
    explore_options_init(&options);
    refine_result r;
    pnsim_error error;
    assert_int_equal(refine_check(spec, impl, semantics, &options, &r, &error), PNSIM_OK);
    lts_verdict verdict = r.verdict;
    refine_result_free(&r);
    return verdict;
}

static void test_normal_keeps_verdicts(void **state)
{
    (void)state;
    static const char *const processes[] = {"NONDET", "DIVB", "TICKY", "MIX", "SEQD",
                                            "HID", "PARTLY", "DET", "LOOP"};
    static const char *const specs[] = {"LOOP", "STOP", "DET", "SKIP",
                                        "CHAOS({a, b, c})"};
    pnsim_error error;
    /* two scripts: once marked, a term is normalised wherever it is a leaf */
    csp_script *plain = csp_load_text("plain.csp", compress_text, &error);
    csp_script *normal = csp_load_text("normal.csp", compress_text, &error);
    assert_non_null(plain);
    assert_non_null(normal);
    for (size_t i = 0; i < sizeof processes / sizeof *processes; i++) {
        char text[64];
        snprintf(text, sizeof text, "normal(%s)", processes[i]);
        model *p = csp_fixture_model_in(plain, processes[i], NULL);
        model *n = csp_fixture_model_in(normal, text, NULL);
        for (int fd = 0; fd <= 1; fd++) {
            assert_int_equal(lts_verdict_of(lts_check_deadlock, n, fd),
                             lts_verdict_of(lts_check_deadlock, p, fd));
            assert_int_equal(lts_verdict_of(lts_check_determinism, n, fd),
                             lts_verdict_of(lts_check_determinism, p, fd));
        }
        explore_options options;
        explore_options_init(&options);
        lts_check_result rp, rn;
        assert_int_equal(lts_check_divergence(p, &options, &rp, &error), PNSIM_OK);
        assert_int_equal(lts_check_divergence(n, &options, &rn, &error), PNSIM_OK);
        assert_int_equal(rn.verdict, rp.verdict);
        lts_check_result_free(&rp);
        lts_check_result_free(&rn);
        for (int sem = REFINE_TRACES; sem <= REFINE_FAILURES_DIVERGENCES; sem++) {
            /* equivalent in every model: refinement both ways */
            assert_int_equal(refines(p, n, (refine_semantics)sem), LTS_HOLDS);
            assert_int_equal(refines(n, p, (refine_semantics)sem), LTS_HOLDS);
            for (size_t k = 0; k < sizeof specs / sizeof *specs; k++) {
                model *spec = csp_fixture_model_in(plain, specs[k], NULL);
                assert_int_equal(refines(spec, n, (refine_semantics)sem),
                                 refines(spec, p, (refine_semantics)sem));
                model_destroy(spec);
            }
        }
        model_destroy(p);
        model_destroy(n);
    }
    /* the normal form's shape: NONDET is one stable node before a; after a
     * the node {STOP, b -> STOP}, whose one minimal acceptance {} is not
     * all it can do, so it is unstable with one acceptance state; after b,
     * STOP: 4 states */
    model *n = csp_fixture_model_in(normal, "normal(NONDET)", NULL);
    explore_options options;
    explore_options_init(&options);
    explore_result *r = explore_run(n, &options, &error);
    assert_non_null(r);
    assert_int_equal(explore_result_stats(r)->states, 4);
    explore_result_free(r);
    model_destroy(n);
    csp_free(plain);
    csp_free(normal);
}

/* The subset construction of (a|b)* a (a|b)^5 has 2^6 nodes from 7
 * states: with a leaf limit of 20 it stops at the limit. */
static void test_normal_blow_up(void **state)
{
    (void)state;
    static const char text[] =
        "channel a, b\n"
        "S(n) = if n == 0 then (a -> S(0) [] b -> S(0) [] a -> S(1))\n"
        "       else if n < 6 then (a -> S(n+1) [] b -> S(n+1)) else STOP\n";
    pnsim_error error;
    csp_script *s = csp_load_text("blowup.csp", text, &error);
    assert_non_null(s);
    csp_build_options options = {.max_leaf_states = 20};
    model *m = csp_fixture_model_in(s, "S(0)", &options);
    model_destroy(m);
    m = csp_process_model(s, "normal(S(0))", &options, &error);
    assert_null(m);
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_LIMIT);
    assert_non_null(strstr(error.message, "normal"));
    options.max_leaf_states = 0;
    m = csp_fixture_model_in(s, "normal(S(0))", &options);
    explore_options explore;
    explore_options_init(&explore);
    explore_result *r = explore_run(m, &explore, &error);
    assert_non_null(r);
    assert_true(explore_result_stats(r)->states >= 64);
    explore_result_free(r);
    model_destroy(m);
    csp_free(s);
}

/* ---- the product on one and on two threads ----------------------------- */

/* The result's names point into the models: release(r, models) frees both. */
static void run_with_threads(const char *spec, const char *impl, refine_semantics semantics,
                             unsigned threads, refine_result *r, model **models)
{
    models[0] = build(spec);
    models[1] = build(impl);
    explore_options options;
    explore_options_init(&options);
    options.threads = threads;
    pnsim_error error;
    assert_int_equal(refine_check(models[0], models[1], semantics, &options, r, &error),
                     PNSIM_OK);
}

static void assert_same_names(const char *const *x, const char *const *y, size_t n)
{
    for (size_t k = 0; k < n; k++)
        assert_string_equal(x[k], y[k]);
}

static void test_threads_agree(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *impl;
        refine_semantics semantics;
        lts_verdict verdict;
        refine_ending ending;
    } cases[] = {
        /* c comes after nine steps of one W: many shortest runs */
        {"CHAOS({a, b})", "WIDE", REFINE_TRACES, LTS_VIOLATED, REFINE_END_TRACE},
        {"RUN({a, b})", "WIDE", REFINE_FAILURES, LTS_VIOLATED, REFINE_END_TRACE},
        {"RUN({a, b, c})", "WIDE", REFINE_FAILURES, LTS_VIOLATED, REFINE_END_REFUSAL},
        {"CHAOS({a, b, c})", "WIDE", REFINE_FAILURES_DIVERGENCES, LTS_HOLDS,
         REFINE_END_NONE},
        /* a SPIN diverges once it has done seven b */
        {"CHAOS({b})", "SPINS", REFINE_FAILURES_DIVERGENCES, LTS_VIOLATED,
         REFINE_END_DIVERGENCE},
        {"CHAOS({b})", "SPINS", REFINE_FAILURES, LTS_HOLDS, REFINE_END_NONE},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        refine_result one, two;
        model *models_one[2], *models_two[2];
        run_with_threads(cases[c].spec, cases[c].impl, cases[c].semantics, 1, &one,
                         models_one);
        run_with_threads(cases[c].spec, cases[c].impl, cases[c].semantics, 2, &two,
                         models_two);
        assert_int_equal(one.verdict, cases[c].verdict);
        assert_int_equal(one.ending, cases[c].ending);
        assert_int_equal(two.verdict, one.verdict);
        assert_int_equal(two.ending, one.ending);
        assert_int_equal(two.length, one.length);
        assert_same_names(two.trace, one.trace, one.length);
        if (one.event != NULL)
            assert_string_equal(two.event, one.event);
        assert_int_equal(two.refusal_count, one.refusal_count);
        assert_same_names(two.refusal, one.refusal, one.refusal_count);
        assert_int_equal(two.offer_count, one.offer_count);
        assert_same_names(two.offers, one.offers, one.offer_count);
        assert_int_equal(two.loop_length, one.loop_length);
        assert_same_names(two.loop, one.loop, one.loop_length);
        if (one.verdict == LTS_HOLDS) {
            assert_int_equal(two.pairs, one.pairs);
            assert_int_equal(two.edges, one.edges);
        }
        release(&one, models_one);
        release(&two, models_two);
    }
    /* the shortest runs: c after nine events; the divergence after 7 b */
    refine_result r;
    model *models[2];
    run_with_threads("CHAOS({a, b})", "WIDE", REFINE_TRACES, 2, &r, models);
    assert_int_equal(r.length, 9);
    assert_string_equal(r.event, "c");
    release(&r, models);
    run_with_threads("CHAOS({b})", "SPINS", REFINE_FAILURES_DIVERGENCES, 2, &r, models);
    assert_int_equal(r.length, 7);
    assert_true(r.loop_length >= 1);
    release(&r, models);
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
        /* one normal state: one pair per counter value; FD explores the
         * counter on its own first, for its τ-cycles */
        assert_int_equal(r.pairs, 4);
        assert_int_equal(r.impl_states, semantics == REFINE_FAILURES_DIVERGENCES ? 4 : 0);
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
        cmocka_unit_test(test_normaliser),
        cmocka_unit_test(test_normal_keeps_verdicts),
        cmocka_unit_test(test_normal_blow_up),
        cmocka_unit_test(test_threads_agree),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_command_line),
    };
    return cmocka_run_group_tests(tests, setup, csp_fixture_free);
}
