/*
 * test_corpus_mcc.c — pnsim against the Model Checking Contest's answers.
 *
 * For every instance folder in $PNSIM_CORPUS/mcc (default: ../shared/corpus
 * beside the source tree) the test reads model.pnml and expected.json and:
 *
 *   - P/T nets with at most PNSIM_CORPUS_MAX_STATES (default 200,000)
 *     expected states: explores them completely and requires the exact
 *     states, edges, max tokens in a place and in a marking, and the
 *     ReachabilityDeadlock, OneSafe, QuasiLiveness and StableMarking
 *     answers (a place that never changes: the exclusive sets, stored as
 *     an index, must tell it as well as places stored as such);
 *   - unbounded nets: requires the run to end inconclusive under a small
 *     state limit, and no deadlock claimed where the contest says none;
 *   - coloured nets: requires the reader to refuse them as unsupported;
 *   - larger nets, or nets with no known answer: skipped, and counted as
 *     skipped, never as passed.
 *
 * It prints one table row per instance and a summary; it skips, saying so,
 * when the corpus is absent.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "explore.h"
#include "json.h"
#include "pnml/pn_net.h"

#define CORPUS_UNBOUNDED_LIMIT 20000

typedef struct corpus_expected {
    bool coloured;
    bool unbounded;
    bool known;                    /* the four figures are numbers */
    bool fits;                     /* and small enough to be within range */
    uint64_t states, edges, max_place, max_marking;
    int deadlock;                  /* 1 TRUE, 0 FALSE, -1 unknown */
    int one_safe, quasi_live, stable;   /* likewise */
} corpus_expected;

typedef struct corpus_tally {
    unsigned matched, mismatched, refused, inconclusive, skipped;
} corpus_tally;

static const char *corpus_root(void)
{
    const char *root = getenv("PNSIM_CORPUS");
    return root != NULL && root[0] != '\0' ? root
                                           : PNSIM_SOURCE_DIR "/../shared/corpus";
}

static uint64_t corpus_max_states(void)
{
    const char *text = getenv("PNSIM_CORPUS_MAX_STATES");
    return text != NULL ? strtoull(text, NULL, 10) : 200000;
}

static int corpus_compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A decimal string from expected.json into *value; false when it is not a
 * number that fits in 64 bits ("+inf", "-1", huge). */
static bool corpus_number(const json_value *object, const char *key,
                          uint64_t *value)
{
    const char *text = json_as_string(json_object_get(object, key));
    if (text == NULL || text[0] < '0' || text[0] > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *value = parsed;
    return true;
}

/* A global property's answer: 1 TRUE, 0 FALSE, -1 unknown ("?"). */
static int corpus_property(const json_value *properties, const char *name)
{
    bool value;
    return json_as_bool(json_object_get(properties, name), &value) ? value
                                                                   : -1;
}

/* True when `answer` is unknown or equals `found`. */
static bool corpus_agrees(int answer, bool found)
{
    return answer < 0 || answer == (int)found;
}

static bool corpus_read_expected(const char *path, corpus_expected *expected)
{
    pnsim_error error;
    json_value *root = json_parse_file(path, &error);
    if (root == NULL) {
        char message[2048];
        print_error("cannot read %s: %s\n", path,
                    pnsim_error_format(&error, message, sizeof message));
        return false;
    }
    memset(expected, 0, sizeof *expected);
    bool coloured = false;
    json_as_bool(json_object_get(root, "is_colored"), &coloured);
    expected->coloured = coloured;
    const json_value *space = json_object_get(root, "state_space");
    const char *states = json_as_string(json_object_get(space, "states"));
    expected->unbounded = states != NULL && strcmp(states, "+inf") == 0;
    expected->known = corpus_number(space, "states", &expected->states) &&
                      corpus_number(space, "transitions", &expected->edges) &&
                      corpus_number(space, "max_token_in_place",
                                    &expected->max_place) &&
                      corpus_number(space, "max_token_per_marking",
                                    &expected->max_marking);
    expected->fits = expected->known && expected->states <= corpus_max_states();
    const json_value *properties = json_object_get(root, "global_properties");
    expected->deadlock = corpus_property(properties, "ReachabilityDeadlock");
    expected->one_safe = corpus_property(properties, "OneSafe");
    expected->quasi_live = corpus_property(properties, "QuasiLiveness");
    expected->stable = corpus_property(properties, "StableMarking");
    json_value_free(root);
    return true;
}

static const char *corpus_bool_word(int value)
{
    return value < 0 ? "?" : value ? "TRUE" : "FALSE";
}

static void corpus_check_instance(const char *directory, const char *name,
                                  corpus_tally *tally)
{
    char path[4096];
    corpus_expected expected;
    if (snprintf(path, sizeof path, "%s/%s/expected.json", directory, name) >=
            (int)sizeof path ||
        !corpus_read_expected(path, &expected)) {
        tally->mismatched++;
        return;
    }
    if (snprintf(path, sizeof path, "%s/%s/model.pnml", directory, name) >=
        (int)sizeof path) {
        tally->mismatched++;
        return;
    }

    if (!expected.coloured && !expected.unbounded && !expected.fits) {
        printf("%-38s %12s  skipped: %s\n", name, "-",
               expected.known ? "above the state limit of this test"
                              : "no known state-space answer");
        tally->skipped++;
        return;
    }

    pnsim_error error;
    pnsim_error_clear(&error);
    pn_net *net = pnml_read(path, &error);
    if (expected.coloured) {
        bool refused = net == NULL && error.status == PNSIM_ERR_UNSUPPORTED;
        printf("%-38s %12s  %s\n", name, "coloured",
               refused ? "refused as unsupported: ok" : "NOT REFUSED");
        if (refused)
            tally->refused++;
        else
            tally->mismatched++;
        pn_net_free(net);
        return;
    }
    model *model = net != NULL ? pn_net_model(net, &error) : NULL;
    pn_net_free(net);
    if (model == NULL) {
        char message[2048];
        printf("%-38s %12s  MISMATCH: %s\n", name, "-",
               pnsim_error_format(&error, message, sizeof message));
        tally->mismatched++;
        return;
    }

    /* Every instance at one and at two threads, at two threads with tree
     * compression, and at two threads counting only, as `pnsim statespace`
     * does (no parent links, expanded levels forgotten: a one-word vector
     * goes to a compact store): the figures must match the contest's every
     * time, and a deadlock's shortest run must be the same run every time
     * (the search is deterministic). */
    explore_trace first_trace = {0};
    bool all_ok = true;
    for (unsigned run = 0; run < 4; run++) {
        unsigned threads = run == 0 ? 1 : 2;
        explore_options options;
        explore_options_init(&options);
        options.max_memory = (uint64_t)4 << 30;
        options.threads = threads;
        options.tree_compression = run == 2;
        options.skip_traces = options.forget_expanded = run == 3;
        if (expected.unbounded)
            options.max_states = CORPUS_UNBOUNDED_LIMIT;
        explore_result *result = explore_run(model, &options, &error);
        assert_non_null(result);
        const explore_stats *stats = explore_result_stats(result);
        explore_outcome outcome = explore_result_outcome(result);
        int deadlock = stats->dead_nonfinal > 0;
        bool ok;

        if (expected.unbounded) {
            ok = (explore_outcome_is_limit(outcome) ||
                  outcome == EXPLORE_FAILED) &&
                 !(deadlock && expected.deadlock == 0);
            printf("%-38s %12s  %s after %llu states, deadlock found %s, "
                   "%u thread%s%s: %s\n", name, "unbounded",
                   explore_outcome_name(outcome),
                   (unsigned long long)stats->states, deadlock ? "yes" : "no",
                   threads, threads == 1 ? "" : "s",
                   options.tree_compression ? ", tree"
                   : options.skip_traces    ? ", counting"
                                            : "",
                   ok ? "ok" : "MISMATCH");
        } else {
            bool quasi_live = true, stable = false;
            for (uint32_t t = 0; t < model->transition_count; t++)
                quasi_live = quasi_live &&
                             explore_result_transition_fired(result, t);
            for (size_t slot = 0; slot < model->state_length; slot++)
                stable = stable || explore_result_slot_constant(result, slot);
            bool properties =
                corpus_agrees(expected.one_safe, stats->max_slot_value <= 1) &&
                corpus_agrees(expected.quasi_live, quasi_live) &&
                corpus_agrees(expected.stable, stable);
            ok = outcome == EXPLORE_COMPLETE && properties &&
                 stats->states == expected.states &&
                 stats->edges == expected.edges &&
                 stats->max_slot_value == expected.max_place &&
                 !stats->max_slot_sum_overflow &&
                 stats->max_slot_sum == expected.max_marking &&
                 (expected.deadlock < 0 || deadlock == expected.deadlock);
            if (ok && deadlock && !options.skip_traces) {
                explore_trace trace;
                assert_int_equal(explore_trace_to(result, stats->first_deadlock,
                                                  &trace, &error), PNSIM_OK);
                if (run == 0) {
                    first_trace = trace;
                } else {
                    ok = trace.length == first_trace.length &&
                         memcmp(trace.transitions, first_trace.transitions,
                                trace.length * sizeof *trace.transitions) == 0;
                    explore_trace_free(&trace);
                }
            }
            printf("%-38s %12llu  %12llu %4llu %6llu %-5s %7.3fs %ut%s %s\n",
                   name, (unsigned long long)stats->states,
                   (unsigned long long)stats->edges,
                   (unsigned long long)stats->max_slot_value,
                   (unsigned long long)stats->max_slot_sum,
                   corpus_bool_word(deadlock), stats->seconds, threads,
                   options.tree_compression ? " tree"
                   : options.skip_traces    ? " counting"
                                            : "",
                   ok ? "ok" : "MISMATCH");
            if (!ok)
                printf("%-38s expected %llu states, %llu edges, %llu, %llu, "
                       "%s (%s); OneSafe %s, QuasiLiveness %s (found %s), "
                       "StableMarking %s (found %s)\n", "",
                       (unsigned long long)expected.states,
                       (unsigned long long)expected.edges,
                       (unsigned long long)expected.max_place,
                       (unsigned long long)expected.max_marking,
                       corpus_bool_word(expected.deadlock),
                       explore_outcome_name(outcome),
                       corpus_bool_word(expected.one_safe),
                       corpus_bool_word(expected.quasi_live),
                       corpus_bool_word(quasi_live),
                       corpus_bool_word(expected.stable),
                       corpus_bool_word(stable));
        }
        all_ok = all_ok && ok;
        explore_result_free(result);
    }
    explore_trace_free(&first_trace);
    if (!all_ok)
        tally->mismatched++;
    else if (expected.unbounded)
        tally->inconclusive++;
    else
        tally->matched++;
    model_destroy(model);
}

static void test_corpus_mcc(void **unused)
{
    (void)unused;
    char directory[4096];
    snprintf(directory, sizeof directory, "%s/mcc", corpus_root());
    DIR *folder = opendir(directory);
    if (folder == NULL) {
        printf("MCC corpus not found at %s (set PNSIM_CORPUS): skipped\n",
               directory);
        skip();
    }
    char **names = NULL;
    size_t count = 0, capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        if (entry->d_name[0] == '.' || strcmp(entry->d_name, "README.md") == 0 ||
            strchr(entry->d_name, '.') != NULL)
            continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            /* A failed realloc ends the test at the assertion below. */
            // cppcheck-suppress memleakOnRealloc
            names = realloc(names, capacity * sizeof *names);
            assert_non_null(names);
        }
        names[count++] = strdup(entry->d_name);
    }
    closedir(folder);
    if (count > 1)          /* names is NULL for an empty folder */
        qsort(names, count, sizeof *names, corpus_compare_names);

    printf("%-38s %12s  %12s %4s %6s %-5s %8s\n", "instance", "states",
           "edges", "maxP", "maxM", "dead", "time");
    corpus_tally tally = {0};
    for (size_t i = 0; i < count; i++) {
        corpus_check_instance(directory, names[i], &tally);
        free(names[i]);
    }
    free(names);
    printf("\nMCC corpus (each at 1 and 2 threads, 2 with tree "
           "compression, 2 counting): %u matched exactly, "
           "%u unbounded ended inconclusive, "
           "%u coloured refused, %u skipped (not counted), %u mismatched\n",
           tally.matched, tally.inconclusive, tally.refused, tally.skipped,
           tally.mismatched);
    assert_int_equal(tally.mismatched, 0);
    assert_true(tally.matched > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_mcc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
