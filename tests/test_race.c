/*
 * test_race.c — the race check (race.h) and the unboundedness proof of the
 * explorer (find_pumping, bounded.h) on small hand-made nets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounded.h"
#include "explore.h"
#include "pnml/pn_net.h"
#include "race.h"

/* ---- building nets ------------------------------------------------------
 *
 * A net is written as lines:
 *   "p NAME TOKENS [shared] [final]"   a place
 *   "t NAME"                            a transition
 *   "a FROM TO [WEIGHT] [inhibitor]"   an arc (place->transition or back)
 * and turned into PNML text. */

static char *net_text(const char *const *lines)
{
    size_t size = 1 << 16;
    char *text = malloc(size);
    assert_non_null(text);
    size_t used = (size_t)snprintf(
        text, size,
        "<?xml version=\"1.0\"?>\n"
        "<pnml xmlns=\"http://www.pnml.org/version-2009/grammar/pnml\">"
        "<net id=\"n\" type=\"http://www.pnml.org/version-2009/grammar/"
        "ptnet\"><page id=\"g\">\n");
    for (size_t i = 0; lines[i] != NULL; i++) {
        char kind, a[64], b[64] = "", c[64] = "", d[64] = "";
        int fields = sscanf(lines[i], "%c %63s %63s %63s %63s", &kind, a, b,
                            c, d);
        assert_true(fields >= 2);
        char *at = text + used;
        size_t room = size - used;
        int n = 0;
        if (kind == 'p') {
            bool shared = strcmp(c, "shared") == 0 || strcmp(d, "shared") == 0;
            bool final = strcmp(c, "final") == 0 || strcmp(d, "final") == 0;
            n = snprintf(at, room,
                         "<place id=\"%s\"><initialMarking><text>%s</text>"
                         "</initialMarking>%s%s%s%s</place>\n",
                         a, b,
                         shared || final
                             ? "<toolspecific tool=\"pnsim\" version=\"1\">"
                             : "",
                         shared ? "<shared/>" : "", final ? "<final/>" : "",
                         shared || final ? "</toolspecific>" : "");
        } else if (kind == 't') {
            n = snprintf(at, room, "<transition id=\"%s\"/>\n", a);
        } else {
            const char *weight = b[0] != '\0' && c[0] >= '0' && c[0] <= '9'
                                     ? c : "1";
            bool inhibitor = strcmp(c, "inhibitor") == 0 ||
                             strcmp(d, "inhibitor") == 0;
            n = snprintf(at, room,
                         "<arc id=\"arc%zu\" source=\"%s\" target=\"%s\">"
                         "<inscription><text>%s</text></inscription>%s</arc>\n",
                         i, a, b, weight,
                         inhibitor ? "<type value=\"inhibitor\"/>" : "");
        }
        assert_true(n > 0 && (size_t)n < room);
        used += (size_t)n;
    }
    snprintf(text + used, size - used, "</page></net></pnml>\n");
    return text;
}

typedef struct loaded {
    pn_net *net;
    model *model;
    explore_result *result;
} loaded;

static void load(loaded *l, const char *const *lines, bool find_pumping,
                 unsigned threads, uint64_t max_states)
{
    char *text = net_text(lines);
    pnsim_error error;
    l->net = pnml_read_memory(text, strlen(text), "test.pnml", &error);
    free(text);
    if (l->net == NULL)
        fail_msg("%s", error.message);
    l->model = pn_net_model(l->net, &error);
    assert_non_null(l->model);
    explore_options options;
    explore_options_init(&options);
    options.find_pumping = find_pumping;
    options.threads = threads;
    options.max_states = max_states;
    l->result = explore_run(l->model, &options, &error);
    assert_non_null(l->result);
}

static void unload(loaded *l)
{
    explore_result_free(l->result);
    model_destroy(l->model);
    pn_net_free(l->net);
}

static const race_found *race_on(const loaded *l, race_report *report,
                                 const char *resource)
{
    pnsim_error error;
    assert_int_equal(race_check(l->model, l->result, report, &error),
                     PNSIM_OK);
    for (size_t r = 0; r < report->count; r++)
        if (strcmp(l->model->resource_names[r], resource) == 0)
            return &report->races[r];
    fail_msg("no resource %s", resource);
    return NULL;
}

static const char *name_of(const loaded *l, uint32_t t)
{
    return l->model->transitions[t].name;
}

/* ---- races ---------------------------------------------------------------- */

/* Two threads do counter += 1 as a load and a store; the counter is the
 * one-hot value places c0..c2, shared. */
#define COUNTER_PLACES                                                        \
    "p c0 1 shared", "p c1 0 shared", "p c2 0 shared", "p a_ready 1",        \
        "p a_loaded0 0", "p a_loaded1 0", "p a_done 0 final", "p b_ready 1", \
        "p b_loaded0 0", "p b_loaded1 0", "p b_done 0 final"
#define THREAD(x, first, last)                                               \
    "t " x "_load0", "a " x "_" first " " x "_load0", "a c0 " x "_load0",    \
        "a " x "_load0 c0", "a " x "_load0 " x "_loaded0",                   \
        "t " x "_load1", "a " x "_" first " " x "_load1", "a c1 " x "_load1", \
        "a " x "_load1 c1", "a " x "_load1 " x "_loaded1",                   \
        "t " x "_store1", "a " x "_loaded0 " x "_store1", "a c0 " x "_store1", \
        "a " x "_store1 c1", "a " x "_store1 " x "_" last,                   \
        "t " x "_store2", "a " x "_loaded1 " x "_store2", "a c1 " x "_store2", \
        "a " x "_store2 c2", "a " x "_store2 " x "_" last

static void test_unlocked_counter_races(void **unused)
{
    (void)unused;
    const char *const lines[] = {COUNTER_PLACES,
                                 THREAD("a", "ready", "done"),
                                 THREAD("b", "ready", "done"), NULL};
    loaded l;
    load(&l, lines, false, 1, 0);
    race_report report;
    const race_found *race = race_on(&l, &report, "c0");
    assert_int_not_equal(race->state, EXPLORE_NO_STATE);
    /* One load is enough: a_store1 (writes c0) and b_load0 (reads c0). */
    explore_trace trace;
    pnsim_error error;
    assert_int_equal(explore_trace_to(l.result, race->state, &trace, &error),
                     PNSIM_OK);
    assert_int_equal(trace.length, 1);
    explore_trace_free(&trace);
    assert_int_equal(race->first_access, MODEL_ACCESS_WRITE);
    assert_int_equal(race->second_access, MODEL_ACCESS_READ);
    const char *writer = name_of(&l, race->first);
    const char *reader = name_of(&l, race->second);
    assert_true(strcmp(writer, "a_store1") == 0 ||
                strcmp(writer, "b_store1") == 0);
    assert_true(strcmp(reader, "a_load0") == 0 ||
                strcmp(reader, "b_load0") == 0);
    assert_true(writer[0] != reader[0]);
    race_report_free(&report);
    unload(&l);
}

static void test_locked_counter_has_no_race(void **unused)
{
    (void)unused;
    const char *const lines[] = {
        COUNTER_PLACES, "p lock 1", "p a_held 0", "p b_held 0",
        "p a_out 0", "p b_out 0",
        "t a_acquire", "a a_ready a_acquire", "a lock a_acquire",
        "a a_acquire a_held",
        "t b_acquire", "a b_ready b_acquire", "a lock b_acquire",
        "a b_acquire b_held",
        THREAD("a", "held", "out"), THREAD("b", "held", "out"),
        "t a_release", "a a_out a_release", "a a_release lock",
        "a a_release a_done",
        "t b_release", "a b_out b_release", "a b_release lock",
        "a b_release b_done", NULL};
    loaded l;
    load(&l, lines, false, 1, 0);
    assert_int_equal(explore_result_outcome(l.result), EXPLORE_COMPLETE);
    race_report report;
    pnsim_error error;
    assert_int_equal(race_check(l.model, l.result, &report, &error), PNSIM_OK);
    assert_int_equal(report.count, 3);
    for (size_t r = 0; r < report.count; r++)
        assert_int_equal(report.races[r].state, EXPLORE_NO_STATE);
    assert_int_equal(report.states_checked,
                     explore_result_stats(l.result)->states);
    /* The two acquires are enabled together at first: a contention for the
     * lock, which is control, not a race. */
    const model_value *initial = explore_result_state(l.result, 0);
    long a = model_find_transition(l.model, "a_acquire");
    long b = model_find_transition(l.model, "b_acquire");
    assert_true(race_compete(l.model, initial, (uint32_t)a, (uint32_t)b));
    race_report_free(&report);
    unload(&l);
}

/* Two threads in one place: two different transitions each taking one
 * token race; with one token they compete; one transition enabled twice
 * does not race with itself. */
static void test_two_tokens_are_two_threads(void **unused)
{
    (void)unused;
    const char *const two[] = {
        "p ready 2", "p x 1 shared", "p read_done 0 final",
        "p wrote 0 final",
        "t reader", "a ready reader", "a x reader", "a reader x",
        "a reader read_done",
        "t writer", "a ready writer", "a x writer", "a writer x 2",
        "a writer wrote", NULL};
    loaded l;
    load(&l, two, false, 1, 0);
    race_report report;
    const race_found *race = race_on(&l, &report, "x");
    assert_int_equal(race->state, 0);   /* in the initial marking */
    assert_string_equal(name_of(&l, race->first), "writer");
    assert_string_equal(name_of(&l, race->second), "reader");
    race_report_free(&report);
    unload(&l);

    const char *const one[] = {
        "p ready 1", "p x 1 shared", "p read_done 0 final",
        "p wrote 0 final",
        "t reader", "a ready reader", "a x reader", "a reader x",
        "a reader read_done",
        "t writer", "a ready writer", "a x writer", "a writer x 2",
        "a writer wrote", NULL};
    load(&l, one, false, 1, 0);
    race = race_on(&l, &report, "x");
    assert_int_equal(race->state, EXPLORE_NO_STATE);
    race_report_free(&report);
    unload(&l);

    const char *const same[] = {
        "p ready 2", "p x 1 shared", "p wrote 0 final",
        "t writer", "a ready writer", "a x writer", "a writer x 2",
        "a writer wrote", NULL};
    load(&l, same, false, 1, 0);
    race = race_on(&l, &report, "x");
    assert_int_equal(race->state, EXPLORE_NO_STATE);
    race_report_free(&report);
    unload(&l);
}

/* Readers never race with readers. */
static void test_two_readers_do_not_race(void **unused)
{
    (void)unused;
    const char *const lines[] = {
        "p a 1", "p b 1", "p x 1 shared", "p a_done 0 final",
        "p b_done 0 final",
        "t a_read", "a a a_read", "a x a_read", "a a_read x",
        "a a_read a_done",
        "t b_read", "a b b_read", "a x b_read", "a b_read x",
        "a b_read b_done", NULL};
    loaded l;
    load(&l, lines, false, 1, 0);
    race_report report;
    assert_int_equal(race_on(&l, &report, "x")->state, EXPLORE_NO_STATE);
    race_report_free(&report);
    unload(&l);
}

/* ---- unboundedness --------------------------------------------------------- */

/* setup puts the thread in a loop whose round adds a token to q. */
#define PUMP_NET                                                              \
    "p start 1", "p a 0", "p b 0", "p q 0", "t setup", "a start setup",      \
        "a setup a", "t step", "a a step", "a step b", "t round", "a b round", \
        "a round a", "a round q"

static void test_pumping_sequence(void **unused)
{
    (void)unused;
    const char *const lines[] = {PUMP_NET, NULL};
    for (unsigned threads = 1; threads <= 4; threads *= 2) {
        loaded l;
        load(&l, lines, true, threads, 0);
        assert_true(l.model->monotone);
        assert_int_equal(explore_result_outcome(l.result), EXPLORE_UNBOUNDED);
        bounded_pumping pumping;
        pnsim_error error;
        assert_int_equal(bounded_pumping_build(l.model, l.result, &pumping,
                                               &error),
                         PNSIM_OK);
        assert_int_equal(pumping.trace.length, 3);
        assert_int_equal(pumping.from, 1);
        assert_string_equal(name_of(&l, pumping.trace.transitions[1]), "step");
        assert_string_equal(name_of(&l, pumping.trace.transitions[2]),
                            "round");
        assert_int_equal(pumping.growing_count, 1);
        assert_string_equal(l.model->slot_names[pumping.growing[0]], "q");
        bounded_pumping_free(&pumping);
        unload(&l);
    }
}

/* Without find_pumping the same net runs into the state limit; a bounded
 * net explores completely with it. */
static void test_pumping_only_when_asked(void **unused)
{
    (void)unused;
    const char *const pump[] = {PUMP_NET, NULL};
    loaded l;
    load(&l, pump, false, 1, 100);
    assert_int_equal(explore_result_outcome(l.result), EXPLORE_LIMIT_STATES);
    assert_int_equal(explore_result_stats(l.result)->pumping_state,
                     EXPLORE_NO_STATE);
    unload(&l);

    /* A thread that forks a worker and joins it: tokens grow, then shrink. */
    const char *const bounded[] = {
        "p main 1", "p forked 0", "p worker 0", "p worker_done 0",
        "p joined 0 final",
        "t fork", "a main fork", "a fork forked", "a fork worker",
        "t work", "a worker work", "a work worker_done",
        "t join", "a forked join", "a worker_done join", "a join joined",
        NULL};
    load(&l, bounded, true, 2, 0);
    assert_int_equal(explore_result_outcome(l.result), EXPLORE_COMPLETE);
    assert_int_equal(explore_result_stats(l.result)->states, 4);
    unload(&l);
}

/* A model that proves every slot bounded is not searched for covering
 * states: its search ends by itself.  Were a bound wrong (here, bounds of
 * 1 claimed for PUMP_NET, where q grows), the search would end at a
 * limit, never with a wrong verdict: neither complete nor unbounded. */
static void test_pumping_skipped_when_bounded(void **unused)
{
    (void)unused;
    const char *const lines[] = {PUMP_NET, NULL};
    char *text = net_text(lines);
    pnsim_error error;
    pn_net *net = pnml_read_memory(text, strlen(text), "test.pnml", &error);
    free(text);
    assert_non_null(net);
    model *m = pn_net_model(net, &error);
    assert_non_null(m);
    model_value wrong[4] = {1, 1, 1, 1};
    assert_int_equal(m->state_length, 4);
    const model_value *proved = m->slot_bounds;
    m->slot_bounds = wrong;
    for (unsigned threads = 1; threads <= 2; threads++) {
        explore_options options;
        explore_options_init(&options);
        options.find_pumping = true;
        options.threads = threads;
        options.max_states = 50;
        explore_result *result = explore_run(m, &options, &error);
        assert_non_null(result);
        assert_int_equal(explore_result_outcome(result),
                         EXPLORE_LIMIT_STATES);
        assert_int_equal(explore_result_stats(result)->pumping_state,
                         EXPLORE_NO_STATE);
        explore_result_free(result);
    }
    m->slot_bounds = proved;
    model_destroy(m);
    pn_net_free(net);
}

/* A limit that stops the search before the covering state is expanded:
 * the last pass over the unexpanded states still finds it. */
static void test_pumping_behind_a_limit(void **unused)
{
    (void)unused;
    const char *const lines[] = {PUMP_NET, NULL};
    loaded l;
    load(&l, lines, true, 1, 3);
    assert_int_equal(explore_result_outcome(l.result), EXPLORE_UNBOUNDED);
    unload(&l);
}

/* An inhibitor arc makes a net non-monotone: no pumping is claimed, even
 * where more tokens would disable a transition. */
static void test_inhibitor_net_is_not_monotone(void **unused)
{
    (void)unused;
    const char *const lines[] = {PUMP_NET, "p never 0", "a never round 1 inhibitor",
                                 NULL};
    loaded l;
    load(&l, lines, true, 1, 200);
    assert_false(l.model->monotone);
    assert_int_equal(explore_result_outcome(l.result), EXPLORE_LIMIT_STATES);
    unload(&l);

    const char *const plain[] = {PUMP_NET, NULL};
    load(&l, plain, false, 1, 10);
    assert_true(l.model->monotone);
    unload(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unlocked_counter_races),
        cmocka_unit_test(test_locked_counter_has_no_race),
        cmocka_unit_test(test_two_tokens_are_two_threads),
        cmocka_unit_test(test_two_readers_do_not_race),
        cmocka_unit_test(test_pumping_sequence),
        cmocka_unit_test(test_pumping_only_when_asked),
        cmocka_unit_test(test_pumping_skipped_when_bounded),
        cmocka_unit_test(test_pumping_behind_a_limit),
        cmocka_unit_test(test_inhibitor_net_is_not_monotone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
