/*
 * test_msc.c — message sequence charts (msc.h).
 *
 * The charts are written as DOT, read back with Graphviz's parser and
 * checked node by node: the lifelines, one row per step, the arrows of a
 * synchronisation and of a token passed between lifelines, the end marker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cgraph.h>

#include "msc.h"

/* A model that is only looked at, never run. */
static void no_initial(const model *model, model_value *state)
{
    (void)model;
    (void)state;
}

static model_result no_successors(const model *model, const model_value *state,
                                  void *scratch, model_visit_fn visit,
                                  void *context, pnsim_error *error)
{
    (void)model;
    (void)state;
    (void)scratch;
    (void)visit;
    (void)context;
    (void)error;
    return MODEL_DONE;
}

static void no_destroy(model *model)
{
    (void)model;
}

static const model_ops static_ops = {no_initial, no_successors, NULL,
                                     no_destroy};

static char directory[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(directory, sizeof directory, "/tmp/pnsim-msc-XXXXXX");
    return mkdtemp(directory) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return rmdir(directory);
}

static const char *output(const char *file)
{
    snprintf(path, sizeof path, "%s/%s", directory, file);
    return path;
}

static Agraph_t *read_back(void)
{
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    Agraph_t *graph = agread(in, NULL);
    fclose(in);
    assert_non_null(graph);
    return graph;
}

/* Nodes whose name is `prefix` followed by digits only. */
static size_t count_nodes(Agraph_t *graph, const char *prefix)
{
    size_t count = 0, length = strlen(prefix);
    for (Agnode_t *n = agfstnode(graph); n != NULL; n = agnxtnode(graph, n)) {
        const char *name = agnameof(n);
        if (strncmp(name, prefix, length) != 0 || name[length] == '\0')
            continue;
        bool digits = true;
        for (const char *c = name + length; *c != '\0'; c++)
            digits &= *c >= '0' && *c <= '9';
        count += digits;
    }
    return count;
}

static const char *label_of(Agraph_t *graph, const char *node)
{
    Agnode_t *n = agnode(graph, (char *)node, 0);
    assert_non_null(n);
    return agget(n, "label");
}

/* ---- Components: three processes, a synchronisation of two and of three */

static const char *const three_names[] = {"A", "B", "C"};
static const uint32_t only_a[] = {0}, a_and_b[] = {0, 1}, b_c_a[] = {1, 2, 0};
static const model_transition three_transitions[] = {
    {.name = "work", .component_count = 1, .components = only_a},
    {.name = "pass", .event = "pass.1", .component_count = 2,
     .components = a_and_b},
    {.name = "all", .component_count = 3, .components = b_c_a},
};

static model three_model(void)
{
    model m = {.ops = &static_ops, .format = "test", .name = "three",
               .slot_kind = MODEL_SLOT_CONTROL,
               .transition_count = 3, .transitions = three_transitions,
               .component_count = 3, .component_names = three_names};
    return m;
}

static void test_components_and_deadlock(void **state)
{
    (void)state;
    model m = three_model();
    const msc_step steps[] = {{0, NULL}, {1, NULL}, {2, NULL}};
    msc_chart chart = {.step_count = 3, .steps = steps,
                       .ending = MSC_END_DEADLOCK, .note = "stuck \\ here"};
    msc_summary summary;
    pnsim_error error;
    assert_int_equal(msc_draw(&m, &chart, output("three.dot"), &summary,
                              &error), PNSIM_OK);
    assert_int_equal(summary.lifelines, 3);
    assert_int_equal(summary.steps, 3);
    assert_int_equal(summary.arrows, 3);     /* A->B, then B->C and B->A */

    Agraph_t *graph = read_back();
    assert_int_equal(count_nodes(graph, "head"), 3);
    assert_int_equal(count_nodes(graph, "num"), 3);
    assert_string_equal(label_of(graph, "head1"), "B");
    assert_string_equal(label_of(graph, "step0"), "work");   /* a box on A */
    assert_string_equal(label_of(graph, "label1"), "pass.1");
    assert_non_null(agnode(graph, "step2_2", 0));            /* 3 dots */
    /* the note is shown as written: its backslash is escaped once */
    assert_string_equal(label_of(graph, "end"), "deadlock: stuck \\\\ here");
    agclose(graph);
}

/* ---- Threads passing tokens, and a race ------------------------------------ */

static const char *const token_slots[] = {"box", "other"};
static const uint32_t takes_box[] = {0};
static const uint32_t thread_p0[] = {0}, thread_p1[] = {1}, thread_solo[] = {2};
static const char *const thread_names[] = {"p0", "p1", "solo"};
static const model_transition named_transitions[] = {
    {.name = "p0_put", .component_count = 1, .components = thread_p0},
    {.name = "p1_take", .consume_count = 1, .consumes = takes_box,
     .component_count = 1, .components = thread_p1},
    {.name = "p0_rest", .component_count = 1, .components = thread_p0},
    {.name = "solo", .component_count = 1, .components = thread_solo},
};

static void test_threads_tokens_and_race(void **state)
{
    (void)state;
    model m = {.ops = &static_ops, .format = "test", .name = "named",
               .state_length = 2, .slot_kind = MODEL_SLOT_TOKENS,
               .slot_names = token_slots, .transition_count = 4,
               .transitions = named_transitions, .component_count = 3,
               .component_names = thread_names};
    const model_value s0[] = {0, 0}, s1[] = {1, 0}, s2[] = {0, 0};
    const model_value *const states[] = {s0, s1, s2};
    const msc_step steps[] = {{0, NULL}, {1, NULL}};
    const uint32_t marked[] = {2, 1};
    msc_chart chart = {.step_count = 2, .steps = steps, .states = states,
                       .ending = MSC_END_RACE, .note = "on box",
                       .marked_count = 2, .marked = marked};
    msc_summary summary;
    pnsim_error error;
    assert_int_equal(msc_draw(&m, &chart, output("named.dot"), &summary,
                              &error), PNSIM_OK);
    assert_int_equal(summary.lifelines, 3);  /* p0, p1, solo */
    assert_int_equal(summary.steps, 2);
    assert_int_equal(summary.arrows, 1);     /* the token p0 put, p1 took */

    Agraph_t *graph = read_back();
    assert_string_equal(label_of(graph, "head0"), "p0");
    assert_string_equal(label_of(graph, "head1"), "p1");
    assert_string_equal(label_of(graph, "head2"), "solo");
    Agnode_t *put = agnode(graph, "step0", 0), *take = agnode(graph, "step1", 0);
    assert_non_null(agedge(graph, put, take, NULL, 0));
    assert_string_equal(label_of(graph, "race0"), "enabled: p0_rest");
    assert_string_equal(label_of(graph, "race1"), "enabled: p1_take");
    assert_string_equal(label_of(graph, "end"), "race on box");
    agclose(graph);
}

/* ---- No components: one lifeline, named after the model ------------------- */

static const model_transition anonymous_transitions[] = {
    {.name = "p0_put"},
    {.name = "p1_take"},
};

static void test_no_components(void **state)
{
    (void)state;
    model m = {.ops = &static_ops, .format = "test", .name = "anonymous",
               .state_length = 2, .slot_kind = MODEL_SLOT_TOKENS,
               .slot_names = token_slots, .transition_count = 2,
               .transitions = anonymous_transitions};
    const msc_step steps[] = {{0, NULL}, {1, NULL}};
    msc_chart chart = {.step_count = 2, .steps = steps};
    msc_summary summary;
    pnsim_error error;
    assert_int_equal(msc_draw(&m, &chart, output("anonymous.dot"), &summary,
                              &error), PNSIM_OK);
    assert_int_equal(summary.lifelines, 1);
    assert_int_equal(summary.steps, 2);
    assert_int_equal(summary.arrows, 0);
    Agraph_t *graph = read_back();
    assert_string_equal(label_of(graph, "head0"), "anonymous");
    assert_string_equal(label_of(graph, "step1"), "p1_take");
    agclose(graph);
}

/* ---- Long or repeated component names are numbered and cut --------------- */

static void test_long_names(void **state)
{
    (void)state;
    static const char *const names[] = {
        "a -> b -> c -> d -> e -> f -> SKIP", "a -> b -> c -> d -> e -> f -> SKIP",
        "C"};
    model m = three_model();
    m.component_names = names;
    msc_chart chart = {.ending = MSC_END_NONE};
    msc_summary summary;
    pnsim_error error;
    assert_int_equal(msc_draw(&m, &chart, output("long.dot"), &summary,
                              &error), PNSIM_OK);
    assert_int_equal(summary.steps, 0);
    Agraph_t *graph = read_back();
    assert_int_equal(count_nodes(graph, "head"), 3);
    const char *first = label_of(graph, "head0");
    assert_true(strncmp(first, "0: a -> b", 9) == 0);
    assert_non_null(strstr(first, "\xe2\x80\xa6"));
    assert_string_equal(label_of(graph, "head2"), "2: C");
    assert_null(agnode(graph, "end", 0));
    agclose(graph);
}

/* ---- Errors -------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    model m = three_model();
    const msc_step bad[] = {{7, NULL}};
    msc_chart chart = {.step_count = 1, .steps = bad};
    pnsim_error error;
    assert_int_equal(msc_draw(&m, &chart, output("bad.svg"), NULL, &error),
                     PNSIM_ERR_USAGE);
    assert_int_equal(access(path, F_OK), -1);
    msc_chart empty = {0};
    assert_int_equal(msc_draw(&m, &empty, output("chart.txt"), NULL, &error),
                     PNSIM_ERR_USAGE);
    assert_int_equal(access(path, F_OK), -1);
    /* an event the model cannot attribute is drawn on no lifeline */
    const msc_step loose[] = {{MSC_NO_TRANSITION, "tick"}};
    msc_chart free_step = {.step_count = 1, .steps = loose};
    msc_summary summary;
    assert_int_equal(msc_draw(&m, &free_step, output("loose.svg"), &summary,
                              &error), PNSIM_OK);
    assert_int_equal(summary.steps, 1);
    assert_int_equal(summary.arrows, 0);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    char head[6] = {0};
    assert_int_equal(fread(head, 1, 5, in), 5);
    fclose(in);
    assert_true(strcmp(head, "<?xml") == 0 || strncmp(head, "<svg", 4) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_components_and_deadlock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_no_components, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_tokens_and_race, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_long_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
