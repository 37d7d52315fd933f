/*
 * test_graphviz.c — the pictures: reachability graphs (graph_export.h) and
 * net drawings (pn_draw.h).
 *
 * The DOT output is read back with Graphviz's own parser and checked node by
 * node and edge by edge, so the tests state what the picture shows (three
 * states, the dead one red) rather than how the text happens to be spelled.
 * Rendered formats are checked by their magic bytes.
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

#include "graph_export.h"
#include "pnml/pn_draw.h"
#include "predicate.h"

#define EMPTY_SET "\xe2\x88\x85"
#define TOKEN "\xe2\x97\x8f"

/* ---- A worker model: idle --start--> busy --finish--> idle, and
 * busy --crash--> (nothing).  Three states, three edges, one dead state
 * (no tokens at all), which is final when `dead_is_final` is set. -------- */

typedef struct worker {
    model model;
    bool dead_is_final;
} worker;

static const char *const worker_slot_names[] = {"idle", "busy"};
static const model_transition worker_transitions[] = {
    {.name = "start"}, {.name = "finish"}, {.name = "crash"},
};

static void worker_initial(const model *model, model_value *state)
{
    (void)model;
    state[0] = 1;
    state[1] = 0;
}

static model_result worker_successors(const model *model,
                                      const model_value *state, void *scratch,
                                      model_visit_fn visit, void *context,
                                      pnsim_error *error)
{
    (void)model;
    (void)error;
    model_value *next = scratch;
    if (state[0] >= 1) {
        next[0] = state[0] - 1;
        next[1] = state[1] + 1;
        if (visit(context, 0, next) != 0)
            return MODEL_STOPPED;
    }
    if (state[1] >= 1) {
        next[0] = state[0] + 1;
        next[1] = state[1] - 1;
        if (visit(context, 1, next) != 0)
            return MODEL_STOPPED;
        next[0] = state[0];
        next[1] = state[1] - 1;
        if (visit(context, 2, next) != 0)
            return MODEL_STOPPED;
    }
    return MODEL_DONE;
}

static bool worker_is_final(const model *model, const model_value *state)
{
    const worker *w = (const worker *)model;
    return w->dead_is_final && state[0] == 0 && state[1] == 0;
}

static void worker_destroy(model *model)
{
    (void)model;
}

static const model_ops worker_ops = {
    .initial_state = worker_initial,
    .successors = worker_successors,
    .is_final = worker_is_final,
    .destroy = worker_destroy,
};

static void worker_init(worker *w, bool dead_is_final)
{
    memset(w, 0, sizeof *w);
    w->dead_is_final = dead_is_final;
    w->model.ops = &worker_ops;
    w->model.implementation = w;
    w->model.format = "test";
    w->model.name = "worker";
    w->model.state_length = 2;
    w->model.slot_kind = MODEL_SLOT_TOKENS;
    w->model.slot_names = worker_slot_names;
    w->model.transition_count = 3;
    w->model.transitions = worker_transitions;
    w->model.scratch_bytes = 2 * sizeof(model_value);
}

/* ---- A counter model: n counts from 0 to `limit` (limit + 1 states). ---- */

typedef struct counter {
    model model;
    model_value limit;
} counter;

static const char *const counter_slot_names[] = {"n"};
static const model_transition counter_transitions[] = {{.name = "inc"}};

static void counter_initial(const model *model, model_value *state)
{
    (void)model;
    state[0] = 0;
}

static model_result counter_successors(const model *model,
                                       const model_value *state,
                                       void *scratch, model_visit_fn visit,
                                       void *context, pnsim_error *error)
{
    (void)error;
    const counter *c = (const counter *)model;
    model_value *next = scratch;
    if (state[0] < c->limit) {
        next[0] = state[0] + 1;
        if (visit(context, 0, next) != 0)
            return MODEL_STOPPED;
    }
    return MODEL_DONE;
}

static const model_ops counter_ops = {
    .initial_state = counter_initial,
    .successors = counter_successors,
    .destroy = worker_destroy,
};

static void counter_init(counter *c, model_value limit)
{
    memset(c, 0, sizeof *c);
    c->limit = limit;
    c->model.ops = &counter_ops;
    c->model.implementation = c;
    c->model.format = "test";
    c->model.name = "counter";
    c->model.state_length = 1;
    c->model.slot_kind = MODEL_SLOT_TOKENS;
    c->model.slot_names = counter_slot_names;
    c->model.transition_count = 1;
    c->model.transitions = counter_transitions;
    c->model.scratch_bytes = sizeof(model_value);
}

/* ---- Two processes P and Q, each stepping once from control state 0 to 1:
 * four states, four edges, one dead state (P=1, Q=1). -------------------- */

static const char *const pair_slot_names[] = {"P", "Q"};
static const model_transition pair_transitions[] = {
    {.name = "p_step"}, {.name = "q_step"},
};

static model_result pair_successors(const model *model,
                                    const model_value *state, void *scratch,
                                    model_visit_fn visit, void *context,
                                    pnsim_error *error)
{
    (void)model;
    (void)error;
    model_value *next = scratch;
    for (uint32_t t = 0; t < 2; t++) {
        if (state[t] != 0)
            continue;
        next[0] = state[0];
        next[1] = state[1];
        next[t] = 1;
        if (visit(context, t, next) != 0)
            return MODEL_STOPPED;
    }
    return MODEL_DONE;
}

static void pair_initial(const model *model, model_value *state)
{
    (void)model;
    state[0] = 0;
    state[1] = 0;
}

static const model_ops pair_ops = {
    .initial_state = pair_initial,
    .successors = pair_successors,
    .destroy = worker_destroy,
};

static void pair_init(model *m)
{
    memset(m, 0, sizeof *m);
    m->ops = &pair_ops;
    m->format = "test";
    m->name = "pair";
    m->state_length = 2;
    m->slot_kind = MODEL_SLOT_CONTROL;
    m->slot_names = pair_slot_names;
    m->transition_count = 2;
    m->transitions = pair_transitions;
    m->scratch_bytes = 2 * sizeof(model_value);
}

/* ---- Files -------------------------------------------------------------- */

static char test_directory[] = "/tmp/pnsim-graphviz-XXXXXX";

static int group_setup(void **state)
{
    (void)state;
    return mkdtemp(test_directory) != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", test_directory);
    return system(command) == 0 ? 0 : -1;
}

/* A path in the test directory, in one of a ring of static buffers: valid
 * until eight more paths have been made. */
static const char *test_path(const char *name)
{
    static char paths[8][512];
    static unsigned next;
    char *path = paths[next++ % 8];
    snprintf(path, sizeof paths[0], "%s/%s", test_directory, name);
    return path;
}

/* The whole file, NUL-terminated; *size gets its length.  NULL if absent. */
static char *read_whole_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *data = malloc((size_t)length + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)length, file), (size_t)length);
    data[length] = '\0';
    fclose(file);
    if (size != NULL)
        *size = (size_t)length;
    return data;
}

static bool file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Reads a DOT file back with Graphviz's parser. */
static Agraph_t *read_dot(const char *path)
{
    char *text = read_whole_file(path, NULL);
    assert_non_null(text);
    Agraph_t *graph = agmemread(text);
    free(text);
    assert_non_null(graph);
    return graph;
}

static const char *attribute(void *object, const char *name)
{
    const char *value = agget(object, (char *)name);
    return value != NULL ? value : "";
}

static Agnode_t *node_labelled(Agraph_t *graph, const char *label)
{
    for (Agnode_t *n = agfstnode(graph); n != NULL; n = agnxtnode(graph, n))
        if (strcmp(attribute(n, "label"), label) == 0)
            return n;
    return NULL;
}

/* True when a "#rrggbb" colour is clearly red (or green): the test names
 * the hue it expects, not the exact shade. */
static bool colour_is(const char *colour, char hue)
{
    unsigned r, g, b;
    if (sscanf(colour, "#%2x%2x%2x", &r, &g, &b) != 3)
        return false;
    if (hue == 'r')
        return r >= 0xc0 && g + 0x40 <= r && b + 0x40 <= r;
    return g >= 0xc0 && r + 0x40 <= g && b + 0x40 <= g;
}

/* Counts edges, leaving out the start arrow from the invisible point. */
static int count_state_edges(Agraph_t *graph)
{
    int count = 0;
    for (Agnode_t *n = agfstnode(graph); n != NULL; n = agnxtnode(graph, n))
        for (Agedge_t *e = agfstout(graph, n); e != NULL;
             e = agnxtout(graph, e))
            if (strcmp(agnameof(agtail(e)), "start") != 0)
                count++;
    return count;
}

/* ---- Reachability graphs ------------------------------------------------ */

static void test_dot_nodes_edges_and_colours(void **state)
{
    (void)state;
    worker w;
    worker_init(&w, false);
    graph_export_summary summary;
    graph_export_options options;
    graph_export_options_init(&options);
    options.summary = &summary;
    pnsim_error error;
    const char *path = test_path("worker.dot");
    assert_int_equal(graph_export_reachability(&w.model, &options, path,
                                               &error), PNSIM_OK);
    assert_int_equal(summary.states, 3);
    assert_int_equal(summary.edges, 3);
    assert_int_equal(summary.deadlocks, 1);
    assert_int_equal(summary.final_states, 0);
    assert_int_equal(summary.outcome, EXPLORE_COMPLETE);

    Agraph_t *graph = read_dot(path);
    assert_true(agisdirected(graph));
    /* Three states plus the invisible point the start arrow comes from. */
    assert_int_equal(agnnodes(graph), 4);
    assert_int_equal(agnedges(graph), 4);
    assert_int_equal(count_state_edges(graph), 3);

    Agnode_t *start = agnode(graph, "start", 0);
    assert_non_null(start);
    assert_string_equal(attribute(start, "style"), "invis");
    Agedge_t *arrow = agfstout(graph, start);
    assert_non_null(arrow);
    assert_string_equal(agnameof(aghead(arrow)), "s0");

    Agnode_t *initial = agnode(graph, "s0", 0);
    assert_non_null(initial);
    assert_string_equal(attribute(initial, "label"), "idle");
    assert_string_equal(attribute(initial, "penwidth"), "2.5");
    assert_false(colour_is(attribute(initial, "fillcolor"), 'r'));

    Agnode_t *busy = node_labelled(graph, "busy");
    assert_non_null(busy);
    assert_null(strstr(attribute(busy, "style"), "filled"));

    Agnode_t *dead = node_labelled(graph, EMPTY_SET);
    assert_non_null(dead);
    assert_non_null(strstr(attribute(dead, "style"), "filled"));
    assert_true(colour_is(attribute(dead, "fillcolor"), 'r'));

    /* One edge per firing, labelled with the transition. */
    Agedge_t *e = agfstout(graph, initial);
    assert_non_null(e);
    assert_ptr_equal(aghead(e), busy);
    assert_string_equal(attribute(e, "label"), "start");
    assert_null(agnxtout(graph, e));
    int finish = 0, crash = 0;
    for (e = agfstout(graph, busy); e != NULL; e = agnxtout(graph, e)) {
        if (strcmp(attribute(e, "label"), "finish") == 0 &&
            aghead(e) == initial)
            finish++;
        if (strcmp(attribute(e, "label"), "crash") == 0 && aghead(e) == dead)
            crash++;
    }
    assert_int_equal(finish, 1);
    assert_int_equal(crash, 1);
    assert_null(agfstout(graph, dead));
    agclose(graph);
}

static void test_final_dead_state_is_green(void **state)
{
    (void)state;
    worker w;
    worker_init(&w, true);
    pnsim_error error;
    const char *path = test_path("worker-final.dot");
    assert_int_equal(graph_export_reachability(&w.model, NULL, path, &error),
                     PNSIM_OK);
    Agraph_t *graph = read_dot(path);
    Agnode_t *dead = node_labelled(graph, EMPTY_SET);
    assert_non_null(dead);
    assert_true(colour_is(attribute(dead, "fillcolor"), 'g'));
    assert_false(colour_is(attribute(dead, "fillcolor"), 'r'));
    assert_string_equal(attribute(dead, "peripheries"), "2");
    agclose(graph);
}

static void test_control_slots_and_final_predicate(void **state)
{
    (void)state;
    model pair;
    pair_init(&pair);
    pnsim_error error;
    state_predicate *final = state_predicate_parse("P==1,Q==1", &pair,
                                                   &error);
    assert_non_null(final);
    graph_export_summary summary;
    graph_export_options options;
    graph_export_options_init(&options);
    options.final = final;
    options.left_to_right = true;
    options.summary = &summary;
    const char *path = test_path("pair.dot");
    assert_int_equal(graph_export_reachability(&pair, &options, path, &error),
                     PNSIM_OK);
    state_predicate_free(final);
    assert_int_equal(summary.states, 4);
    assert_int_equal(summary.deadlocks, 0);
    assert_int_equal(summary.final_states, 1);

    Agraph_t *graph = read_dot(path);
    assert_int_equal(agnnodes(graph), 5);
    assert_int_equal(count_state_edges(graph), 4);
    assert_string_equal(attribute(graph, "rankdir"), "LR");
    /* Every control slot is named, zero or not. */
    assert_string_equal(attribute(agnode(graph, "s0", 0), "label"),
                        "P=0, Q=0");
    Agnode_t *end = node_labelled(graph, "P=1, Q=1");
    assert_non_null(end);
    assert_true(colour_is(attribute(end, "fillcolor"), 'g'));
    /* Breadth-first numbering over edges in transition order. */
    assert_string_equal(attribute(agnode(graph, "s1", 0), "label"),
                        "P=1, Q=0");
    assert_string_equal(agnameof(end), "s3");
    agclose(graph);
}

static void test_too_many_states(void **state)
{
    (void)state;
    counter c;
    counter_init(&c, 10);   /* 11 states */
    graph_export_options options;
    graph_export_options_init(&options);
    pnsim_error error;
    const char *path = test_path("counter.dot");

    options.max_nodes = 10;
    pnsim_error_clear(&error);
    assert_int_equal(graph_export_reachability(&c.model, &options, path,
                                               &error), PNSIM_ERR_USAGE);
    assert_int_equal(error.status, PNSIM_ERR_USAGE);
    assert_non_null(strstr(error.message, "more than 10 states"));
    assert_non_null(strstr(error.message, "--max-nodes"));
    assert_false(file_exists(path));

    /* Exactly at the limit is fine. */
    options.max_nodes = 11;
    assert_int_equal(graph_export_reachability(&c.model, &options, path,
                                               &error), PNSIM_OK);
    Agraph_t *graph = read_dot(path);
    assert_int_equal(agnnodes(graph), 12);
    agclose(graph);

    /* The default limit is 2000 states. */
    counter_init(&c, 2000);   /* 2001 states */
    assert_int_equal(graph_export_reachability(&c.model, NULL,
                                               test_path("big.dot"), &error),
                     PNSIM_ERR_USAGE);
    assert_non_null(strstr(error.message, "more than 2000 states"));
    assert_false(file_exists(test_path("big.dot")));
}

/* The smallest graph: the initial state alone, and dead. */
static void test_single_dead_state(void **state)
{
    (void)state;
    counter c;
    counter_init(&c, 0);
    pnsim_error error;
    const char *path = test_path("single.dot");
    assert_int_equal(graph_export_reachability(&c.model, NULL, path, &error),
                     PNSIM_OK);
    Agraph_t *graph = read_dot(path);
    assert_int_equal(agnnodes(graph), 2);
    assert_int_equal(count_state_edges(graph), 0);
    Agnode_t *only = agnode(graph, "s0", 0);
    assert_string_equal(attribute(only, "label"), EMPTY_SET);
    assert_true(colour_is(attribute(only, "fillcolor"), 'r'));
    agclose(graph);
}

static void test_bad_extension_and_unwritable_file(void **state)
{
    (void)state;
    worker w;
    worker_init(&w, false);
    pnsim_error error;
    const char *path = test_path("worker.jpg");
    assert_int_equal(graph_export_reachability(&w.model, NULL, path, &error),
                     PNSIM_ERR_USAGE);
    assert_non_null(strstr(error.message, "worker.jpg"));
    assert_non_null(strstr(error.message, ".svg"));
    assert_false(file_exists(path));
    assert_int_equal(graph_export_reachability(&w.model, NULL,
                                               test_path("no-extension"),
                                               &error), PNSIM_ERR_USAGE);

    assert_int_equal(graph_export_reachability(&w.model, NULL,
                                               "/nonexistent/dir/g.svg",
                                               &error), PNSIM_ERR_IO);
    assert_non_null(strstr(error.message, "/nonexistent/dir/g.svg"));
    assert_int_equal(graph_export_reachability(&w.model, NULL,
                                               "/nonexistent/dir/g.dot",
                                               &error), PNSIM_ERR_IO);
}

static void test_interrupt(void **state)
{
    (void)state;
    counter c;
    counter_init(&c, 100);
    volatile sig_atomic_t interrupt = 1;
    graph_export_summary summary;
    graph_export_options options;
    graph_export_options_init(&options);
    options.interrupt = &interrupt;
    options.summary = &summary;
    pnsim_error error;
    const char *path = test_path("interrupted.dot");
    assert_int_equal(graph_export_reachability(&c.model, &options, path,
                                               &error), PNSIM_ERR_USAGE);
    assert_int_equal(summary.outcome, EXPLORE_INTERRUPTED);
    assert_non_null(strstr(error.message, "interrupted"));
    assert_false(file_exists(path));
}

static void test_output_is_deterministic(void **state)
{
    (void)state;
    model pair;
    pair_init(&pair);
    graph_export_options options;
    graph_export_options_init(&options);
    pnsim_error error;
    char *first = NULL;
    size_t first_size = 0;
    for (unsigned threads = 1; threads <= 4; threads++) {
        options.threads = threads;
        const char *path = test_path("again.dot");
        assert_int_equal(graph_export_reachability(&pair, &options, path,
                                                   &error), PNSIM_OK);
        size_t size;
        char *text = read_whole_file(path, &size);
        assert_non_null(text);
        if (first == NULL) {
            first = text;
            first_size = size;
        } else {
            assert_int_equal(size, first_size);
            assert_memory_equal(text, first, size);
            free(text);
        }
    }
    free(first);
}

/* Asserts that `path` exists, is not empty and starts (or, for SVG, whose
 * XML prologue comes first, begins early) with `magic`. */
static void assert_rendered(const char *path, const char *magic,
                            size_t magic_length, bool anywhere_early)
{
    size_t size;
    char *data = read_whole_file(path, &size);
    assert_non_null(data);
    assert_true(size > 100);
    if (anywhere_early) {
        assert_non_null(strstr(data, magic));
        assert_true((size_t)(strstr(data, magic) - data) < 1024);
    } else {
        assert_true(size >= magic_length);
        assert_memory_equal(data, magic, magic_length);
    }
    free(data);
}

static void test_svg_png_pdf(void **state)
{
    (void)state;
    worker w;
    worker_init(&w, false);
    pnsim_error error;
    assert_int_equal(graph_export_reachability(&w.model, NULL,
                                               test_path("worker.svg"),
                                               &error), PNSIM_OK);
    assert_rendered(test_path("worker.svg"), "<svg", 4, true);
    assert_int_equal(graph_export_reachability(&w.model, NULL,
                                               test_path("worker.PNG"),
                                               &error), PNSIM_OK);
    assert_rendered(test_path("worker.PNG"), "\x89PNG\r\n\x1a\n", 8, false);
    assert_int_equal(graph_export_reachability(&w.model, NULL,
                                               test_path("worker.pdf"),
                                               &error), PNSIM_OK);
    assert_rendered(test_path("worker.pdf"), "%PDF-", 5, false);
}

/* ---- The Graphviz toolkit ----------------------------------------------- */

static pnsim_status build_two_nodes(void *context, Agraph_t *graph,
                                    pnsim_error *error)
{
    (void)context;
    (void)error;
    Agnode_t *a = agnode(graph, "a", 1);
    Agnode_t *b = agnode(graph, "b", 1);
    return agedge(graph, a, b, NULL, 1) != NULL ? PNSIM_OK
                                                 : PNSIM_ERR_NOMEM;
}

static pnsim_status build_fails(void *context, Agraph_t *graph,
                                pnsim_error *error)
{
    (void)context;
    (void)graph;
    return pnsim_error_set(error, PNSIM_ERR_INPUT, "the builder gave up");
}

/* Graphviz's complaints become the error's message, never stderr, and the
 * process-wide error settings are put back afterwards. */
static void test_graphviz_messages_are_captured(void **state)
{
    (void)state;
    const char *captured = test_path("stderr.txt");
    fflush(stderr);
    int saved = dup(2);
    FILE *sink = fopen(captured, "w");
    assert_non_null(sink);
    assert_true(dup2(fileno(sink), 2) >= 0);

    pnsim_error error;
    const char *path = test_path("nosuch.png");
    pnsim_status status = graph_export_draw("g", "nosuch", build_two_nodes,
                                            NULL, path, &error);
    pnsim_status builder = graph_export_draw("g", "dot", build_fails, NULL,
                                             test_path("fails.svg"), &error);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(sink);

    assert_int_equal(status, PNSIM_ERR_INTERNAL);
    assert_int_equal(builder, PNSIM_ERR_INPUT);
    assert_string_equal(error.message, "the builder gave up");
    assert_false(file_exists(path));
    assert_false(file_exists(test_path("fails.svg")));
    size_t size;
    char *text = read_whole_file(captured, &size);
    assert_non_null(text);
    assert_int_equal(size, 0);
    free(text);
    assert_null(agseterrf(NULL));

    /* The message is Graphviz's own, on one line. */
    graph_export_draw("g", "nosuch", build_two_nodes, NULL, path, &error);
    assert_non_null(strstr(error.message, "nosuch"));
    assert_non_null(strstr(error.message, "not recognized"));
    assert_null(strchr(error.message, '\n'));

    /* The same builder with a real layout works. */
    assert_int_equal(graph_export_draw("g", "dot", build_two_nodes, NULL,
                                       test_path("two.svg"), &error),
                     PNSIM_OK);
    assert_rendered(test_path("two.svg"), "<svg", 4, true);
}

/* ---- Net drawings ---------------------------------------------------------
 *
 * A small net built by hand: a pool of three idle workers, a lock the start
 * transition only reads, an inhibitor from `done` back to start, a weight-2
 * arc, a final place and a shared one. */

static pn_place demo_places[] = {
    {.id = "idle", .name = "idle", .initial = 3},
    {.id = "busy", .name = "busy"},
    {.id = "done", .name = "done", .final = true},
    {.id = "lock", .name = "lock", .initial = 1, .shared = true},
    {.id = "queue", .name = "queue", .initial = 7},
};
static pn_transition demo_transitions[] = {
    {.id = "start", .name = "start", .rate = 1},
    {.id = "finish", .name = "finish", .rate = 1},
};
static pn_arc demo_arcs[] = {
    {.id = "a1", .place = 0, .transition = 0, .to_transition = true,
     .kind = PN_ARC_NORMAL, .weight = 1},
    {.id = "a2", .place = 1, .transition = 0, .to_transition = false,
     .kind = PN_ARC_NORMAL, .weight = 2},
    {.id = "a3", .place = 1, .transition = 1, .to_transition = true,
     .kind = PN_ARC_NORMAL, .weight = 1},
    {.id = "a4", .place = 2, .transition = 1, .to_transition = false,
     .kind = PN_ARC_NORMAL, .weight = 1},
    {.id = "a5", .place = 3, .transition = 0, .to_transition = true,
     .kind = PN_ARC_READ, .weight = 1},
    {.id = "a6", .place = 2, .transition = 0, .to_transition = true,
     .kind = PN_ARC_INHIBITOR, .weight = 3},
    {.id = "a7", .place = 4, .transition = 0, .to_transition = true,
     .kind = PN_ARC_NORMAL, .weight = 1},
};

static void demo_net(pn_net *net)
{
    memset(net, 0, sizeof *net);
    net->id = "demo";
    net->name = "demo";
    net->place_count = sizeof demo_places / sizeof demo_places[0];
    net->transition_count = 2;
    net->arc_count = sizeof demo_arcs / sizeof demo_arcs[0];
    net->places = demo_places;
    net->transitions = demo_transitions;
    net->arcs = demo_arcs;
}

/* The edge between two named nodes (the first one). */
static Agedge_t *edge_between(Agraph_t *graph, const char *tail,
                              const char *head)
{
    Agnode_t *t = agnode(graph, (char *)tail, 0);
    Agnode_t *h = agnode(graph, (char *)head, 0);
    assert_non_null(t);
    assert_non_null(h);
    return agedge(graph, t, h, NULL, 0);
}

/*
 * In the default left-to-right layout, and with the file's positions, a
 * node's name is the first or last line of its label, over or under the
 * shape: the label is padded with empty lines so that the tokens (or, for a
 * bar, nothing) stay on the shape's centre.  Checks that the label of
 * `node` is `name` over (or under) the token lines `tokens` (an array of
 * `token_lines` strings), and that the tokens are centred.
 */
static void assert_name_beside(Agnode_t *node, const char *name, bool above,
                               const char *const *tokens, int token_lines)
{
    char label[256];
    snprintf(label, sizeof label, "%s", attribute(node, "label"));
    /* Graphviz's lines: a break at the very end ends the last line. */
    const char *lines[32];
    int count = 0;
    char *start = label;
    for (;;) {
        char *end = strstr(start, "\\n");
        assert_true(count < 32);
        lines[count++] = start;
        if (end == NULL)
            break;
        *end = '\0';
        start = end + 2;
    }
    if (count > 1 && lines[count - 1][0] == '\0')
        count--;
    assert_string_equal(lines[above ? 0 : count - 1], name);
    if (token_lines == 0) {
        /* A middle line for the (empty) centre, name at one end. */
        assert_true(count % 2 == 1);
        assert_true(count >= 3);
        for (int i = 0; i < count; i++)
            if (i != (above ? 0 : count - 1))
                assert_string_equal(lines[i], "");
        return;
    }
    int first = above ? 1 : 0;
    while (first < count && lines[first][0] == '\0')
        first++;
    assert_true(first + token_lines <= count);
    for (int i = 0; i < token_lines; i++)
        assert_string_equal(lines[first + i], tokens[i]);
    int after = count - first - token_lines;
    assert_int_equal(first, after);
    assert_true(first >= 2);   /* clear of the shape */
}

static void assert_name_below(Agnode_t *node, const char *name,
                              const char *const *tokens, int token_lines)
{
    assert_name_beside(node, name, false, tokens, token_lines);
}

static void test_draw_net_dot(void **state)
{
    (void)state;
    pn_net net;
    demo_net(&net);
    pnsim_error error;
    const char *path = test_path("demo.dot");
    assert_int_equal(pn_draw(&net, path, &error), PNSIM_OK);
    Agraph_t *graph = read_dot(path);
    assert_int_equal(agnnodes(graph), 7);
    assert_int_equal(agnedges(graph), 7);
    /* No positions in the net: dot, left to right. */
    assert_string_equal(attribute(graph, "rankdir"), "LR");
    assert_string_equal(attribute(graph, "label"), "demo");

    /* Places: circles with their tokens, names below. */
    Agnode_t *idle = agnode(graph, "p0", 0);
    assert_string_equal(attribute(idle, "shape"), "circle");
    const char *three[] = {TOKEN, TOKEN TOKEN};
    assert_name_below(idle, "idle", three, 2);
    assert_null(strstr(attribute(idle, "style"), "filled"));
    Agnode_t *busy = agnode(graph, "p1", 0);
    assert_string_equal(attribute(busy, "shape"), "circle");
    assert_name_below(busy, "busy", NULL, 0);
    const char *seven[] = {"7"};
    assert_name_below(agnode(graph, "p4", 0), "queue", seven, 1);
    Agnode_t *done = agnode(graph, "p2", 0);
    assert_string_equal(attribute(done, "shape"), "doublecircle");
    Agnode_t *lock = agnode(graph, "p3", 0);
    const char *one[] = {TOKEN};
    assert_name_below(lock, "lock", one, 1);
    assert_non_null(strstr(attribute(lock, "style"), "filled"));
    assert_true(strlen(attribute(lock, "fillcolor")) > 0);

    /* Transitions: filled black bars, upright across the flow. */
    for (int i = 0; i < 2; i++) {
        Agnode_t *t = agnode(graph, i == 0 ? "t0" : "t1", 0);
        assert_non_null(t);
        assert_string_equal(attribute(t, "shape"), "box");
        assert_string_equal(attribute(t, "style"), "filled");
        assert_string_equal(attribute(t, "fillcolor"), "black");
        assert_true(atof(attribute(t, "width")) * 3 <
                    atof(attribute(t, "height")));
    }
    assert_name_below(agnode(graph, "t1", 0), "finish", NULL, 0);

    /* Arcs: direction, weight, read and inhibitor looks. */
    Agedge_t *consume = edge_between(graph, "p0", "t0");
    assert_non_null(consume);
    assert_string_equal(attribute(consume, "label"), "");
    assert_string_equal(attribute(consume, "arrowhead"), "");
    Agedge_t *produce = edge_between(graph, "t0", "p1");
    assert_non_null(produce);
    assert_string_equal(attribute(produce, "label"), "2");
    Agedge_t *read = edge_between(graph, "p3", "t0");
    assert_non_null(read);
    assert_string_equal(attribute(read, "style"), "dashed");
    assert_string_equal(attribute(read, "arrowhead"), "none");
    Agedge_t *inhibitor = edge_between(graph, "p2", "t0");
    assert_non_null(inhibitor);
    assert_non_null(strstr(attribute(inhibitor, "arrowhead"), "odot"));
    assert_string_equal(attribute(inhibitor, "label"), "3");
    int odot = 0;
    for (Agnode_t *n = agfstnode(graph); n != NULL; n = agnxtnode(graph, n))
        for (Agedge_t *e = agfstout(graph, n); e != NULL;
             e = agnxtout(graph, e))
            odot += strstr(attribute(e, "arrowhead"), "odot") != NULL;
    assert_int_equal(odot, 1);
    assert_null(edge_between(graph, "t0", "p2"));
    agclose(graph);
}

static void test_draw_net_keeps_positions(void **state)
{
    (void)state;
    pn_net net;
    demo_net(&net);
    pn_place places[5];
    pn_transition transitions[2];
    memcpy(places, demo_places, sizeof places);
    memcpy(transitions, demo_transitions, sizeof transitions);
    for (int i = 0; i < 5; i++)
        places[i].position = (pn_position){true, 100.0 * i, 40.0 * i};
    transitions[0].position = (pn_position){true, 50, 200};
    transitions[1].position = (pn_position){true, 150, 200};
    net.places = places;
    net.transitions = transitions;

    pnsim_error error;
    const char *path = test_path("positions.dot");
    assert_int_equal(pn_draw(&net, path, &error), PNSIM_OK);
    Agraph_t *graph = read_dot(path);
    assert_string_equal(attribute(graph, "layout"), "nop");
    /* Pinned, in points, with PNML's downward y turned upward. */
    assert_string_equal(attribute(agnode(graph, "p2", 0), "pos"),
                        "200.00,-80.00!");
    assert_string_equal(attribute(agnode(graph, "t0", 0), "pos"),
                        "50.00,-200.00!");
    /* Names beside the shapes as in the default layout, over them where
     * arcs leave downwards: idle's one arc drops steeply to start. */
    const char *three[] = {TOKEN, TOKEN TOKEN};
    assert_name_beside(agnode(graph, "p0", 0), "idle", true, three, 2);
    /* finish: one arc in from busy above it, one out to done above it. */
    assert_name_below(agnode(graph, "t1", 0), "finish", NULL, 0);
    /* queue, at (400, 160), meets start at (50, 200) almost level. */
    const char *seven[] = {"7"};
    assert_name_below(agnode(graph, "p4", 0), "queue", seven, 1);
    agclose(graph);
    assert_int_equal(pn_draw(&net, test_path("positions.png"), &error),
                     PNSIM_OK);
    assert_rendered(test_path("positions.png"), "\x89PNG\r\n\x1a\n", 8,
                    false);

    /* Nodes too close for their names are spread out: the two bars, 50
     * units apart on one row, carry names of 20 characters. */
    transitions[0].name = "transition_number_01";
    transitions[1].name = "transition_number_02";
    transitions[1].position = (pn_position){true, 100, 200};
    assert_int_equal(pn_draw(&net, path, &error), PNSIM_OK);
    graph = read_dot(path);
    double x0, y0, x1, y1;
    assert_int_equal(sscanf(attribute(agnode(graph, "t0", 0), "pos"),
                            "%lf,%lf!", &x0, &y0), 2);
    assert_int_equal(sscanf(attribute(agnode(graph, "t1", 0), "pos"),
                            "%lf,%lf!", &x1, &y1), 2);
    assert_true(y0 == y1);
    assert_true(x1 - x0 > 20 * 5.0);   /* room for both half names */
    assert_true(x1 - x0 < 3 * 50 + 0.01);
    agclose(graph);
    /* An explicit scale is taken as given. */
    pn_draw_options scaled;
    pn_draw_options_init(&scaled);
    scaled.scale = 0.5;
    assert_int_equal(pn_draw_with_options(&net, &scaled, path, &error),
                     PNSIM_OK);
    graph = read_dot(path);
    assert_string_equal(attribute(agnode(graph, "t1", 0), "pos"),
                        "50.00,-100.00!");
    assert_string_equal(attribute(agnode(graph, "p0", 0), "pos"),
                        "0.00,0.00!");
    agclose(graph);
    scaled.scale = -1;
    assert_int_equal(pn_draw_with_options(&net, &scaled, path, &error),
                     PNSIM_ERR_USAGE);

    /* One node without a position: dot lays out everything. */
    transitions[1].position.known = false;
    assert_int_equal(pn_draw(&net, path, &error), PNSIM_OK);
    graph = read_dot(path);
    assert_string_equal(attribute(agnode(graph, "p2", 0), "pos"), "");
    assert_string_equal(attribute(graph, "rankdir"), "LR");
    agclose(graph);

    /* Top to bottom: the bars lie across the flow. */
    pn_draw_options options;
    pn_draw_options_init(&options);
    options.ignore_positions = true;
    options.top_to_bottom = true;
    options.title = false;
    assert_int_equal(pn_draw_with_options(&net, &options, path, &error),
                     PNSIM_OK);
    graph = read_dot(path);
    assert_string_equal(attribute(graph, "rankdir"), "TB");
    assert_string_equal(attribute(graph, "label"), "");
    Agnode_t *bar = agnode(graph, "t0", 0);
    assert_true(atof(attribute(bar, "width")) >
                3 * atof(attribute(bar, "height")));
    assert_string_equal(attribute(bar, "xlabel"), "transition_number_01");
    agclose(graph);
}

static void test_draw_net_formats_and_errors(void **state)
{
    (void)state;
    pn_net net;
    demo_net(&net);
    pnsim_error error;
    assert_int_equal(pn_draw(&net, test_path("demo.svg"), &error), PNSIM_OK);
    assert_rendered(test_path("demo.svg"), "<svg", 4, true);
    assert_int_equal(pn_draw(&net, test_path("demo.png"), &error), PNSIM_OK);
    assert_rendered(test_path("demo.png"), "\x89PNG\r\n\x1a\n", 8, false);
    assert_int_equal(pn_draw(&net, test_path("demo.pdf"), &error), PNSIM_OK);
    assert_rendered(test_path("demo.pdf"), "%PDF-", 5, false);

    assert_int_equal(pn_draw(&net, test_path("demo.txt"), &error),
                     PNSIM_ERR_USAGE);
    assert_non_null(strstr(error.message, "demo.txt"));
    assert_false(file_exists(test_path("demo.txt")));
    assert_int_equal(pn_draw(&net, "/nonexistent/dir/net.png", &error),
                     PNSIM_ERR_IO);
}

/* Names are shown as written, even with characters Graphviz treats as
 * escapes or quotes. */
static void test_draw_net_odd_names(void **state)
{
    (void)state;
    pn_net net;
    demo_net(&net);
    pn_place places[5];
    memcpy(places, demo_places, sizeof places);
    places[0].name = "C:\\N \"quoted\"";
    net.places = places;
    pnsim_error error;
    const char *path = test_path("odd.dot");
    assert_int_equal(pn_draw(&net, path, &error), PNSIM_OK);
    Agraph_t *graph = read_dot(path);
    /* The label escape for one backslash is two. */
    const char *three[] = {TOKEN, TOKEN TOKEN};
    assert_name_below(agnode(graph, "p0", 0), "C:\\\\N \"quoted\"", three,
                      2);
    agclose(graph);
    assert_int_equal(pn_draw(&net, test_path("odd.svg"), &error), PNSIM_OK);
    char *svg = read_whole_file(test_path("odd.svg"), NULL);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "C:\\N &quot;quoted&quot;"));
    free(svg);
}

/* Graphviz and fontconfig leak on their own (see tests/lsan.supp); the
 * sanitizer calls this at start-up to learn where the suppressions are. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "suppressions=" PNSIM_SOURCE_DIR "/tests/lsan.supp"
           ":print_suppressions=0";
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dot_nodes_edges_and_colours),
        cmocka_unit_test(test_final_dead_state_is_green),
        cmocka_unit_test(test_control_slots_and_final_predicate),
        cmocka_unit_test(test_too_many_states),
        cmocka_unit_test(test_single_dead_state),
        cmocka_unit_test(test_bad_extension_and_unwritable_file),
        cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_output_is_deterministic),
        cmocka_unit_test(test_svg_png_pdf),
        cmocka_unit_test(test_graphviz_messages_are_captured),
        cmocka_unit_test(test_draw_net_dot),
        cmocka_unit_test(test_draw_net_keeps_positions),
        cmocka_unit_test(test_draw_net_formats_and_errors),
        cmocka_unit_test(test_draw_net_odd_names),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
