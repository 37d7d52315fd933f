/*
 * test_pnml.c — the PNML front end: reading nets (pnml_reader.c), their
 * structural facts (pn_net.c) and the compiled model (pn_model.c).
 *
 * Good nets check every value read; bad nets check the status, the message
 * and the exact line and column the error points at.  Inputs are the small
 * hand-made files in tests/data/pnml/ and strings built here; one real MCC
 * net is read when the shared corpus is present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pnml/pn_net.h"

#define DATA_DIR PNSIM_SOURCE_DIR "/tests/data/pnml/"

#define PNML_HEAD                                                       \
    "<?xml version=\"1.0\"?>\n"                                         \
    "<pnml xmlns=\"http://www.pnml.org/version-2009/grammar/pnml\">\n"  \
    "<net id=\"n\" type=\"http://www.pnml.org/version-2009/grammar/"    \
    "ptnet\"><page id=\"g\">\n"
#define PNML_TAIL "</page></net></pnml>\n"

static pn_net *read_data(const char *file, pnsim_error *error)
{
    char path[1024];
    snprintf(path, sizeof path, DATA_DIR "%s", file);
    return pnml_read(path, error);
}

static pn_net *read_string(const char *text, pnsim_error *error)
{
    return pnml_read_memory(text, strlen(text), "test.pnml", error);
}

static long transition_index(const pn_net *net, const char *id)
{
    for (size_t i = 0; i < net->transition_count; i++)
        if (strcmp(net->transitions[i].id, id) == 0)
            return (long)i;
    return -1;
}

static const pn_arc *find_arc(const pn_net *net, const char *id)
{
    for (size_t i = 0; i < net->arc_count; i++)
        if (strcmp(net->arcs[i].id, id) == 0)
            return &net->arcs[i];
    return NULL;
}

/* ------------------------------------------------------------------------
 * Good nets.
 * ------------------------------------------------------------------------ */

static void test_read_small_net(void **state)
{
    (void)state;
    pnsim_error error;
    pn_net *net = read_data("small.pnml", &error);
    assert_non_null(net);
    assert_int_equal(error.status, PNSIM_OK);

    assert_string_equal(net->id, "small");
    assert_string_equal(net->name, "Small net");
    assert_string_equal(net->file, DATA_DIR "small.pnml");
    assert_int_equal(net->place_count, 4);       /* not the Tina "place" */
    assert_int_equal(net->transition_count, 3);
    assert_int_equal(net->arc_count, 8);         /* a8 merged into a0 */
    assert_int_equal(net->page_count, 3);        /* top, middle, bottom */
    assert_int_equal(net->nupn_units, 3);
    assert_true(net->nupn_safe);

    /* Places: in file order, through nested pages. */
    const pn_place *p = net->places;
    assert_string_equal(p[0].id, "p0");
    assert_string_equal(p[0].name, "ready");
    assert_int_equal(p[0].initial, 3);           /* " 3 " */
    assert_true(p[0].position.known);
    assert_true(p[0].position.x == 10.0 && p[0].position.y == 20.5);
    assert_string_equal(p[1].name, "p1");        /* no <name>: the id */
    assert_int_equal(p[1].initial, 0);
    assert_false(p[1].position.known);
    assert_string_equal(p[2].id, "p2");
    assert_string_equal(p[2].name, "done");
    assert_true(p[2].final);
    assert_false(p[2].shared);
    assert_string_equal(p[3].name, "p3");
    assert_true(p[3].shared);
    assert_false(p[3].final);
    assert_true(p[3].initial == UINT64_MAX);     /* 2^64 - 1 is allowed */

    const pn_transition *t = net->transitions;
    assert_string_equal(t[0].name, "work");
    assert_true(t[0].position.known);
    assert_true(t[0].position.x == -3.0 && t[0].position.y == 4.0);
    assert_true(t[0].rate == 2.5);
    assert_string_equal(t[1].name, "t1");
    assert_true(isinf(t[1].rate) && t[1].rate > 0);
    assert_string_equal(t[2].name, "t2");
    assert_true(t[2].rate == 1.0);               /* other tool: ignored */
    assert_string_equal(t[0].component, "worker");
    assert_null(t[1].component);

    /* Arcs: weights, directions, kinds, forward references. */
    const pn_arc *a0 = find_arc(net, "a0");
    assert_non_null(a0);
    assert_int_equal(a0->weight, 3);             /* 2 + the parallel 1 */
    assert_true(a0->to_transition);
    assert_int_equal(a0->place, 0);
    assert_int_equal(a0->transition, 0);
    assert_int_equal(a0->kind, PN_ARC_NORMAL);
    assert_null(find_arc(net, "a8"));
    const pn_arc *a1 = find_arc(net, "a1");      /* type="normal" tolerated */
    assert_false(a1->to_transition);
    assert_int_equal(a1->weight, 1);
    const pn_arc *a2 = find_arc(net, "a2");      /* t2 appears later */
    assert_int_equal(a2->transition, 2);
    assert_int_equal(a2->place, 1);
    assert_false(a2->to_transition);
    const pn_arc *a3 = find_arc(net, "a3");
    assert_int_equal(a3->kind, PN_ARC_READ);
    assert_int_equal(a3->weight, 5);
    assert_int_equal(a3->place, 3);
    const pn_arc *a6 = find_arc(net, "a6");
    assert_int_equal(a6->kind, PN_ARC_INHIBITOR);
    assert_int_equal(a6->weight, 2);             /* white space around */
    assert_int_equal(find_arc(net, "a7")->kind, PN_ARC_READ);  /* "test" */

    assert_int_equal(pn_net_find_place(net, "p2"), 2);
    assert_int_equal(pn_net_find_place(net, "done"), 2);
    assert_int_equal(pn_net_find_place(net, "nowhere"), -1);

    /* Rates reach the model; transitions are plain visible events. */
    model *m = pn_net_model(net, &error);
    assert_non_null(m);
    assert_true(m->transitions[0].rate == 2.5);
    assert_true(isinf(m->transitions[1].rate));
    assert_true(m->transitions[2].rate == 1.0);
    assert_int_equal(m->transitions[0].kind, MODEL_VISIBLE);
    assert_null(m->transitions[0].event);
    /* Components: the declared one, else the name up to its first '_'
     * (here the whole name), in order of first appearance. */
    assert_int_equal(m->component_count, 3);
    assert_string_equal(m->component_names[0], "worker");
    assert_string_equal(m->component_names[1], "t1");
    assert_string_equal(m->component_names[2], "t2");
    for (uint32_t k = 0; k < 3; k++) {
        assert_int_equal(m->transitions[k].component_count, 1);
        assert_int_equal(m->transitions[k].components[0], k);
    }
    model_destroy(m);
    pn_net_free(net);
}

/* Reference nodes, and names made unique in the model. */
static void test_read_modular_net(void **state)
{
    (void)state;
    pnsim_error error;
    pn_net *net = read_data("modular.pnml", &error);
    assert_non_null(net);
    assert_int_equal(net->page_count, 2);
    assert_int_equal(net->place_count, 3);
    assert_int_equal(net->transition_count, 2);
    assert_int_equal(net->arc_count, 2);         /* a1 and a2 merged */
    const pn_arc *a0 = find_arc(net, "a0");      /* p -> rt -> rt2 -> t */
    assert_int_equal(a0->place, pn_net_find_place(net, "p"));
    assert_int_equal(a0->transition, transition_index(net, "t"));
    const pn_arc *a1 = find_arc(net, "a1");      /* rt2 -> rq = t -> q */
    assert_false(a1->to_transition);
    assert_int_equal(a1->place, pn_net_find_place(net, "q"));
    assert_int_equal(a1->weight, 3);

    model *m = pn_net_model(net, &error);
    assert_non_null(m);
    assert_string_equal(m->slot_names[0], "same");
    assert_string_equal(m->slot_names[1], "same#q");
    assert_string_equal(m->slot_names[2], "same#q#same#q");
    assert_string_equal(m->transitions[0].name, "same");
    assert_string_equal(m->transitions[1].name, "same#u");
    assert_string_equal(m->name, "modular");     /* no <name>: the id */
    model_destroy(m);
    pn_net_free(net);
}

/* ------------------------------------------------------------------------
 * The compiled model.
 * ------------------------------------------------------------------------ */

/* a -move-> b; finish needs b and reads c, marks d (final); peek is
 * inhibited by b and loops on c; take consumes 2 from c; test2 consumes 1
 * from c but reads 2.  b and c are shared. */
static const char tiny_net[] =
    "<?xml version=\"1.0\"?>\n"
    "<pnml xmlns=\"http://www.pnml.org/version-2009/grammar/pnml\">\n"
    "<net id=\"tiny\" type=\"http://www.pnml.org/version-2009/grammar/ptnet\">"
    "<name><text>Tiny</text></name><page id=\"g\">\n"
    "<place id=\"a\"><initialMarking><text>1</text></initialMarking></place>\n"
    "<place id=\"b\"><toolspecific tool=\"pnsim\" version=\"1\"><shared/>"
    "</toolspecific></place>\n"
    "<place id=\"c\"><initialMarking><text>2</text></initialMarking>"
    "<toolspecific tool=\"pnsim\" version=\"1\"><shared/></toolspecific>"
    "</place>\n"
    "<place id=\"d\"><toolspecific tool=\"pnsim\" version=\"1\"><final/>"
    "</toolspecific></place>\n"
    "<transition id=\"move\"/><transition id=\"finish\"/>"
    "<transition id=\"peek\"/><transition id=\"take\"/>"
    "<transition id=\"test2\"/>\n"
    "<arc id=\"1\" source=\"a\" target=\"move\"/>"
    "<arc id=\"2\" source=\"move\" target=\"b\"/>\n"
    "<arc id=\"3\" source=\"b\" target=\"finish\"/>"
    "<arc id=\"4\" source=\"c\" target=\"finish\"><type value=\"read\"/></arc>"
    "<arc id=\"5\" source=\"finish\" target=\"d\"/>\n"
    "<arc id=\"6\" source=\"b\" target=\"peek\"><type value=\"inhibitor\"/>"
    "</arc><arc id=\"7\" source=\"c\" target=\"peek\"/>"
    "<arc id=\"8\" source=\"peek\" target=\"c\"/>\n"
    "<arc id=\"9\" source=\"c\" target=\"take\"><inscription><text>2</text>"
    "</inscription></arc>\n"
    "<arc id=\"10\" source=\"c\" target=\"test2\"/>"
    "<arc id=\"11\" source=\"c\" target=\"test2\"><type value=\"read\"/>"
    "<inscription><text>2</text></inscription></arc>\n"
    PNML_TAIL;

enum { MOVE, FINISH, PEEK, TAKE, TEST2 };

typedef struct successor_log {
    size_t length;                 /* slots per state */
    size_t count;
    uint32_t transitions[16];
    model_value states[16][8];
    size_t stop_at;                /* stop after this many; 0: never */
} successor_log;

static int log_successor(void *context, uint32_t transition,
                         const model_value *successor)
{
    successor_log *log = context;
    assert_true(log->count < 16);
    log->transitions[log->count] = transition;
    memcpy(log->states[log->count], successor,
           log->length * sizeof *successor);
    log->count++;
    return log->stop_at != 0 && log->count >= log->stop_at;
}

static void expect_successor(const successor_log *log, size_t i,
                             uint32_t transition, const model_value *state)
{
    assert_true(i < log->count);
    assert_int_equal(log->transitions[i], transition);
    for (size_t s = 0; s < log->length; s++)
        assert_true(log->states[i][s] == state[s]);
}

static model_result successors_of(const model *m, const model_value *state,
                                  successor_log *log, pnsim_error *error)
{
    model_value scratch[8];
    assert_true(m->scratch_bytes <= sizeof scratch);
    log->length = m->state_length;
    log->count = 0;
    return model_successors(m, state, scratch, log_successor, log, error);
}

static model *tiny_model(pn_net **net_out)
{
    pnsim_error error;
    pn_net *net = read_string(tiny_net, &error);
    assert_non_null(net);
    model *m = pn_net_model(net, &error);
    assert_non_null(m);
    *net_out = net;
    return m;
}

static void test_model_shape(void **state)
{
    (void)state;
    pn_net *net;
    model *m = tiny_model(&net);
    /* The model owns copies: the net can go. */
    pn_net_free(net);

    assert_string_equal(m->format, "pnml");
    assert_string_equal(m->name, "Tiny");
    assert_int_equal(m->state_length, 4);
    assert_int_equal(m->slot_kind, MODEL_SLOT_TOKENS);
    /* Four places, then the candidates as one word of bits. */
    assert_int_equal(m->scratch_bytes, 5 * sizeof(model_value));
    assert_string_equal(m->slot_names[2], "c");
    assert_int_equal(m->transition_count, 5);
    assert_string_equal(m->transitions[TEST2].name, "test2");
    assert_int_equal(model_find_slot(m, "d"), 3);
    assert_int_equal(model_find_transition(m, "peek"), PEEK);
    /* one component per transition name without '_' */
    assert_int_equal(m->component_count, 5);
    assert_string_equal(m->component_names[m->transitions[PEEK].components[0]],
                        "peek");

    model_value initial[4];
    model_initial_state(m, initial);
    assert_true(initial[0] == 1 && initial[1] == 0 && initial[2] == 2 &&
                initial[3] == 0);
    model_destroy(m);
}

static void test_model_successors(void **state)
{
    (void)state;
    pn_net *net;
    model *m = tiny_model(&net);
    pnsim_error error;
    successor_log log = {0};

    /* From the initial marking (a, b, c, d) = (1, 0, 2, 0): finish needs
     * b; peek is not inhibited (b = 0) and leaves c as it is; test2 needs
     * the 2 tokens its read arc asks for but consumes one. */
    model_value initial[4];
    model_initial_state(m, initial);
    assert_int_equal(successors_of(m, initial, &log, &error), MODEL_DONE);
    assert_int_equal(log.count, 4);
    expect_successor(&log, 0, MOVE, (model_value[]){0, 1, 2, 0});
    expect_successor(&log, 1, PEEK, (model_value[]){1, 0, 2, 0});
    expect_successor(&log, 2, TAKE, (model_value[]){1, 0, 0, 0});
    expect_successor(&log, 3, TEST2, (model_value[]){1, 0, 1, 0});
    /* The caller's state is never written. */
    assert_true(initial[0] == 1 && initial[2] == 2);

    /* b = 1 inhibits peek and enables finish, whose read arc keeps c. */
    model_value moved[4] = {0, 1, 2, 0};
    assert_int_equal(successors_of(m, moved, &log, &error), MODEL_DONE);
    assert_int_equal(log.count, 3);
    expect_successor(&log, 0, FINISH, (model_value[]){0, 0, 2, 1});
    expect_successor(&log, 1, TAKE, (model_value[]){0, 1, 0, 0});
    expect_successor(&log, 2, TEST2, (model_value[]){0, 1, 1, 0});

    /* One token on c: consuming 1 would do for test2, but it reads 2. */
    model_value low[4] = {1, 0, 1, 0};
    assert_int_equal(successors_of(m, low, &log, &error), MODEL_DONE);
    assert_int_equal(log.count, 2);
    expect_successor(&log, 0, MOVE, (model_value[]){0, 1, 1, 0});
    expect_successor(&log, 1, PEEK, (model_value[]){1, 0, 1, 0});

    /* Dead: nothing on a, b, c. */
    model_value dead[4] = {0, 0, 0, 1};
    assert_int_equal(successors_of(m, dead, &log, &error), MODEL_DONE);
    assert_int_equal(log.count, 0);

    /* A visitor that says stop is obeyed at once. */
    log.stop_at = 2;
    assert_int_equal(successors_of(m, initial, &log, &error), MODEL_STOPPED);
    assert_int_equal(log.count, 2);

    model_destroy(m);
    pn_net_free(net);
}

static void test_model_is_final(void **state)
{
    (void)state;
    pn_net *net;
    model *m = tiny_model(&net);
    assert_non_null(m->ops->is_final);
    assert_true(model_is_final(m, (model_value[]){0, 0, 0, 1}));
    assert_true(model_is_final(m, (model_value[]){0, 0, 0, 7}));
    assert_false(model_is_final(m, (model_value[]){0, 0, 0, 0}));
    assert_false(model_is_final(m, (model_value[]){1, 1, 1, 0}));
    model_destroy(m);
    pn_net_free(net);

    /* Without final places no state is final. */
    pnsim_error error;
    net = read_string(PNML_HEAD "<place id=\"p\"/>" PNML_TAIL, &error);
    assert_non_null(net);
    m = pn_net_model(net, &error);
    assert_non_null(m);
    assert_false(model_is_final(m, (model_value[]){0}));
    assert_false(model_is_final(m, (model_value[]){1}));
    model_destroy(m);
    pn_net_free(net);
}

/* How transition t touches resource r: READ, WRITE, or -1 for not. */
static int access_of(const model *m, size_t t, uint32_t resource)
{
    const model_transition *transition = &m->transitions[t];
    int found = -1;
    for (size_t i = 0; i < transition->access_count; i++) {
        if (transition->accesses[i].resource != resource)
            continue;
        assert_int_equal(found, -1);             /* one access per place */
        found = (int)transition->accesses[i].kind;
    }
    return found;
}

static void test_model_accesses(void **state)
{
    (void)state;
    pn_net *net;
    model *m = tiny_model(&net);
    enum { B, C };
    assert_int_equal(m->resource_count, 2);
    assert_string_equal(m->resource_names[B], "b");
    assert_string_equal(m->resource_names[C], "c");

    assert_int_equal(access_of(m, MOVE, B), MODEL_ACCESS_WRITE);
    assert_int_equal(access_of(m, MOVE, C), -1);
    assert_int_equal(m->transitions[MOVE].access_count, 1);
    assert_int_equal(access_of(m, FINISH, B), MODEL_ACCESS_WRITE);
    assert_int_equal(access_of(m, FINISH, C), MODEL_ACCESS_READ);
    assert_int_equal(access_of(m, PEEK, B), MODEL_ACCESS_READ);  /* inhibitor */
    assert_int_equal(access_of(m, PEEK, C), MODEL_ACCESS_READ);  /* loop */
    assert_int_equal(access_of(m, TAKE, C), MODEL_ACCESS_WRITE);
    assert_int_equal(access_of(m, TEST2, C), MODEL_ACCESS_WRITE);
    assert_int_equal(m->transitions[TEST2].access_count, 1);
    model_destroy(m);
    pn_net_free(net);
}

static void test_model_overflow(void **state)
{
    (void)state;
    pnsim_error error;
    pn_net *net = read_string(
        PNML_HEAD
        "<place id=\"p\"><name><text>big</text></name><initialMarking><text>"
        "18446744073709551615</text></initialMarking></place>\n"
        "<transition id=\"loop\"/><transition id=\"t\"><name><text>pump"
        "</text></name></transition>\n"
        "<arc id=\"1\" source=\"p\" target=\"loop\"/>"
        "<arc id=\"2\" source=\"loop\" target=\"p\"/>"
        "<arc id=\"3\" source=\"t\" target=\"p\"/>\n" PNML_TAIL,
        &error);
    assert_non_null(net);
    model *m = pn_net_model(net, &error);
    assert_non_null(m);
    model_value full[1];
    model_initial_state(m, full);
    assert_true(full[0] == UINT64_MAX);

    /* Transitions come in index order.  loop takes one token and gives it
     * back: no overflow.  pump adds one to 2^64 - 1: the model fails
     * rather than wrap around. */
    successor_log log = {0};
    pnsim_error_clear(&error);
    assert_int_equal(successors_of(m, full, &log, &error), MODEL_FAILED);
    assert_int_equal(log.count, 1);
    expect_successor(&log, 0, 0, (model_value[]){UINT64_MAX});
    assert_int_equal(error.status, PNSIM_ERR_OVERFLOW);
    assert_non_null(strstr(error.message, "'big'"));
    assert_non_null(strstr(error.message, "'pump'"));
    assert_non_null(strstr(error.message, "2^64-1"));

    model_value below[1] = {UINT64_MAX - 1};
    assert_int_equal(successors_of(m, below, &log, &error), MODEL_DONE);
    assert_int_equal(log.count, 2);
    expect_successor(&log, 0, 0, (model_value[]){UINT64_MAX - 1});
    expect_successor(&log, 1, 1, (model_value[]){UINT64_MAX});
    model_destroy(m);
    pn_net_free(net);
}

/* ------------------------------------------------------------------------
 * Facts.
 * ------------------------------------------------------------------------ */

static void test_facts_small(void **state)
{
    (void)state;
    pnsim_error error;
    pn_net *net = read_data("small.pnml", &error);
    assert_non_null(net);
    pn_net_facts facts;
    pn_net_compute_facts(net, &facts);
    assert_int_equal(facts.normal_arcs, 5);
    assert_int_equal(facts.read_arcs, 2);
    assert_int_equal(facts.inhibitor_arcs, 1);
    assert_int_equal(facts.max_weight, 5);
    assert_true(facts.initial_tokens == UINT64_MAX);    /* saturated */
    assert_true(facts.max_initial == UINT64_MAX);
    assert_int_equal(facts.source_transitions, 0);
    assert_int_equal(facts.sink_transitions, 0);
    assert_int_equal(facts.isolated_places, 0);
    assert_false(facts.ordinary);
    assert_false(facts.state_machine);    /* t2 has no normal input */
    assert_false(facts.marked_graph);     /* nothing feeds p0 */
    assert_true(facts.free_choice);       /* every place has one reader */
    assert_false(facts.conservative);     /* t0 takes 3, gives 1 */
    assert_int_equal(facts.final_places, 1);
    assert_int_equal(facts.shared_places, 1);
    pn_net_free(net);
}

static void test_facts_classes(void **state)
{
    (void)state;
    pnsim_error error;
    pn_net_facts facts;

    /* A ring p0 -> t0 -> p1 -> t1 -> p0: state machine and marked graph. */
    pn_net *ring = read_string(
        PNML_HEAD
        "<place id=\"p0\"><initialMarking><text>1</text></initialMarking>"
        "</place><place id=\"p1\"/><transition id=\"t0\"/>"
        "<transition id=\"t1\"/>\n"
        "<arc id=\"1\" source=\"p0\" target=\"t0\"/>"
        "<arc id=\"2\" source=\"t0\" target=\"p1\"/>"
        "<arc id=\"3\" source=\"p1\" target=\"t1\"/>"
        "<arc id=\"4\" source=\"t1\" target=\"p0\"/>\n" PNML_TAIL,
        &error);
    assert_non_null(ring);
    pn_net_compute_facts(ring, &facts);
    assert_true(facts.state_machine);
    assert_true(facts.marked_graph);
    assert_true(facts.free_choice);
    assert_true(facts.conservative);
    assert_true(facts.ordinary);
    assert_int_equal(facts.initial_tokens, 1);
    assert_int_equal(facts.normal_arcs, 4);
    pn_net_free(ring);

    /* p0 feeds t0 and t1, but t1 also needs p1: not free choice.  t2 has
     * no input (source), t0 no output (sink), p2 no arc (isolated). */
    pn_net *choice = read_string(
        PNML_HEAD
        "<place id=\"p0\"/><place id=\"p1\"/><place id=\"p2\"/>"
        "<transition id=\"t0\"/><transition id=\"t1\"/>"
        "<transition id=\"t2\"/>\n"
        "<arc id=\"1\" source=\"p0\" target=\"t0\"/>"
        "<arc id=\"2\" source=\"p0\" target=\"t1\"/>"
        "<arc id=\"3\" source=\"p1\" target=\"t1\"/>"
        "<arc id=\"4\" source=\"t1\" target=\"p0\"/>"
        "<arc id=\"5\" source=\"t2\" target=\"p1\"><inscription><text>2"
        "</text></inscription></arc>\n" PNML_TAIL,
        &error);
    assert_non_null(choice);
    pn_net_compute_facts(choice, &facts);
    assert_false(facts.free_choice);
    assert_false(facts.state_machine);
    assert_false(facts.marked_graph);
    assert_false(facts.conservative);
    assert_false(facts.ordinary);
    assert_int_equal(facts.max_weight, 2);
    assert_int_equal(facts.source_transitions, 1);
    assert_int_equal(facts.sink_transitions, 1);
    assert_int_equal(facts.isolated_places, 1);
    pn_net_free(choice);
}

/* ------------------------------------------------------------------------
 * Bad inputs.
 * ------------------------------------------------------------------------ */

typedef struct bad_input {
    const char *input;             /* a file in DATA_DIR, or PNML text */
    pnsim_status status;
    unsigned long line, column;    /* column 0: only check it is known */
    const char *message;           /* expected inside the message */
} bad_input;

static void expect_error(const bad_input *bad, const pnsim_error *error,
                         const char *file)
{
    char text[2048];
    print_message("  %s\n", pnsim_error_format(error, text, sizeof text));
    assert_int_equal(error->status, bad->status);
    assert_string_equal(error->file, file);
    assert_int_equal(error->line, bad->line);
    if (bad->column != 0)
        assert_int_equal(error->column, bad->column);
    assert_true(error->column > 0);
    assert_non_null(strstr(error->message, bad->message));
}

static void test_bad_files(void **state)
{
    (void)state;
    static const bad_input cases[] = {
        {"truncated.pnml", PNSIM_ERR_INPUT, 9, 1, "malformed XML"},
        {"empty.pnml", PNSIM_ERR_INPUT, 1, 1, "the file is empty"},
        {"not-pnml.pnml", PNSIM_ERR_INPUT, 2, 1,
         "not a PNML document: the root element is <html>"},
        {"unknown-endpoint.pnml", PNSIM_ERR_INPUT, 7, 43,
         "arc 'a2' has unknown target 'nowhere'"},
        {"duplicate-id.pnml", PNSIM_ERR_INPUT, 7, 24,
         "duplicate id 'p' (first defined at line 5, column 7)"},
        {"place-to-place.pnml", PNSIM_ERR_INPUT, 8, 7,
         "arc 'a' goes from place 'p' to place 'q'"},
        {"negative-marking.pnml", PNSIM_ERR_INPUT, 6, 25,
         "initial marking of place 'p' is negative: '-1'"},
        {"noninteger-weight.pnml", PNSIM_ERR_INPUT, 7, 54,
         "weight of arc 'a' is not a positive integer: '1.5'"},
        {"zero-weight.pnml", PNSIM_ERR_INPUT, 9, 11,
         "weight of arc 'a' is 0"},
        {"huge-marking.pnml", PNSIM_ERR_INPUT, 5, 37,
         "initial marking of place 'p' exceeds 2^64-1: "
         "'18446744073709551616'"},
        {"coloured.pnml", PNSIM_ERR_UNSUPPORTED, 3, 3,
         "coloured nets are not supported yet"},
        {"billion-laughs.pnml", PNSIM_ERR_INPUT, 3, 2,
         "entity declarations are not allowed"},
        {"xxe.pnml", PNSIM_ERR_INPUT, 2, 18,
         "entity declarations are not allowed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, DATA_DIR "%s", cases[i].input);
        pnsim_error error;
        assert_null(pnml_read(path, &error));
        expect_error(&cases[i], &error, path);
    }
}

static void test_bad_strings(void **state)
{
    (void)state;
    static const bad_input cases[] = {
        {"<?xml version=\"1.0\"?>\n<pnml>\n  <foo/>\n</pnml>\n",
         PNSIM_ERR_INPUT, 2, 1, "no <net> element"},
        {"<pnml>\n  <net id=\"n\"><page id=\"g\"/></net></pnml>",
         PNSIM_ERR_INPUT, 2, 3, "<net> without a type attribute"},
        {"<pnml><net id=\"n\" type=\"http://example.org/grammar/foonet\"/>"
         "</pnml>", PNSIM_ERR_INPUT, 1, 7, "unknown net type"},
        {"<pnml><net id=\"n\" type=\"http://www.pnml.org/version-2009/"
         "grammar/highlevelnet\"/></pnml>",
         PNSIM_ERR_UNSUPPORTED, 1, 7, "coloured nets are not supported yet"},
        {"<pnml><net type=\"ptnet\"/></pnml>",
         PNSIM_ERR_INPUT, 1, 7, "<net> has no id attribute"},
        {"<pnml><net id=\"a\" type=\"ptnet\"/>\n<net id=\"b\" "
         "type=\"ptnet\"/></pnml>",
         PNSIM_ERR_UNSUPPORTED, 2, 1, "a second <net>"},
        {PNML_HEAD "<place id=\"p\"/><transition id=\"t\"/>\n"
         "<arc id=\"a\" source=\"t\" target=\"p\"><type value=\"read\"/>"
         "</arc>" PNML_TAIL,
         PNSIM_ERR_INPUT, 5, 1,
         "read arc 'a' goes from transition 't' to place 'p'"},
        {PNML_HEAD "<place id=\"p\"/><transition id=\"t\"/>\n"
         "<arc id=\"a\" source=\"t\" target=\"p\"><type value=\"inhibitor\"/>"
         "</arc>" PNML_TAIL,
         PNSIM_ERR_INPUT, 5, 1, "inhibitor arc 'a' goes from transition"},
        {PNML_HEAD "<transition id=\"t\"/><transition id=\"u\"/>\n"
         "  <arc id=\"a\" source=\"t\" target=\"u\"/>" PNML_TAIL,
         PNSIM_ERR_INPUT, 5, 3,
         "arc 'a' goes from transition 't' to transition 'u'"},
        {PNML_HEAD "<place id=\"p\"/><arc id=\"a\" source=\"p\" "
         "target=\"a\"/>" PNML_TAIL,
         PNSIM_ERR_INPUT, 4, 16, "arc 'a' has target 'a', which is an arc"},
        {PNML_HEAD "<transition id=\"t\"><toolspecific tool=\"pnsim\" "
         "version=\"1\">\n <rate>-2</rate></toolspecific></transition>"
         PNML_TAIL,
         PNSIM_ERR_INPUT, 5, 2,
         "rate of transition 't' must be a positive number"},
        {PNML_HEAD "<transition id=\"t\"><toolspecific tool=\"pnsim\" "
         "version=\"1\"><rate>0</rate></toolspecific></transition>"
         PNML_TAIL, PNSIM_ERR_INPUT, 4, 0, "must be a positive number"},
        {PNML_HEAD "<transition id=\"t\"><toolspecific tool=\"pnsim\" "
         "version=\"1\"><rate>fast</rate></toolspecific></transition>"
         PNML_TAIL, PNSIM_ERR_INPUT, 4, 0, "must be a positive number"},
        {PNML_HEAD "<place id=\"p\"/><transition id=\"t\"/>\n"
         "<arc id=\"a\" source=\"p\" target=\"t\"><type value=\"reset\"/>"
         "</arc>" PNML_TAIL,
         PNSIM_ERR_UNSUPPORTED, 5, 35, "reset arcs are not supported"},
        {PNML_HEAD "<place id=\"p\"/><transition id=\"t\"/>\n"
         "<arc id=\"a\" source=\"p\" target=\"t\"><type value=\"odd\"/>"
         "</arc>" PNML_TAIL,
         PNSIM_ERR_INPUT, 5, 35, "unknown type 'odd'"},
        {PNML_HEAD "<place id=\"p\"/><transition id=\"t\"/>\n"
         "<arc id=\"a\" source=\"p\" target=\"t\"><inscription><text>-3"
         "</text></inscription></arc>" PNML_TAIL,
         PNSIM_ERR_INPUT, 5, 48, "weight of arc 'a' is negative: '-3'"},
        {PNML_HEAD "<place id=\"p\"/><transition id=\"t\"/>\n"
         "<arc id=\"a\" source=\"p\" target=\"t\"><inscription><text>"
         "99999999999999999999</text></inscription></arc>" PNML_TAIL,
         PNSIM_ERR_INPUT, 5, 48, "weight of arc 'a' exceeds 2^64-1"},
        {PNML_HEAD "<place id=\"p\"><initialMarking><text>two</text>"
         "</initialMarking></place>" PNML_TAIL,
         PNSIM_ERR_INPUT, 4, 31, "is not a non-negative integer: 'two'"},
        {PNML_HEAD "<place id=\"p\"/><transition id=\"t\"/>\n"
         "<arc id=\"a\" source=\"p\" target=\"t\"><inscription><text>"
         "18446744073709551615</text></inscription></arc>\n"
         "<arc id=\"b\" source=\"p\" target=\"t\"/>" PNML_TAIL,
         PNSIM_ERR_INPUT, 6, 1, "weights add up to more than 2^64-1"},
        {PNML_HEAD "<place/>" PNML_TAIL, PNSIM_ERR_INPUT, 4, 1,
         "<place> has no id attribute"},
        {PNML_HEAD "<place id=\"p\"/><transition id=\"t\"/>"
         "<arc id=\"a\" target=\"t\"/>" PNML_TAIL,
         PNSIM_ERR_INPUT, 4, 36, "<arc> has no source attribute"},
        {PNML_HEAD "<referencePlace id=\"r\" ref=\"s\"/>\n"
         "<referencePlace id=\"s\" ref=\"r\"/>" PNML_TAIL,
         PNSIM_ERR_INPUT, 4, 1, "cycle of references"},
        {PNML_HEAD "<referencePlace id=\"r\" ref=\"ghost\"/>" PNML_TAIL,
         PNSIM_ERR_INPUT, 4, 1, "refers to unknown node 'ghost'"},
        {PNML_HEAD "<transition id=\"t\"/><referencePlace id=\"r\" "
         "ref=\"t\"/>" PNML_TAIL,
         PNSIM_ERR_INPUT, 4, 21, "refers to 't', which is not a place"},
        /* Not well-formed: libxml2's message and position. */
        {"<pnml>\n<net id=\"n\" type=\"ptnet\">\n<page id=\"g\">\n</net>\n"
         "</pnml>\n", PNSIM_ERR_INPUT, 4, 0,
         "Opening and ending tag mismatch"},
        {"<pnml><net id=\"n\" type=\"ptnet\"/></pnml>\n<extra/>\n",
         PNSIM_ERR_INPUT, 2, 0, "Extra content at the end"},
        /* An external DTD is never loaded, so its entities are unknown. */
        {"<?xml version=\"1.0\"?>\n"
         "<!DOCTYPE pnml SYSTEM \"file:///etc/passwd\">\n"
         "<pnml><net id=\"n\" type=\"ptnet\"><name><text>&secret;</text>"
         "</name></net></pnml>\n", PNSIM_ERR_INPUT, 3, 0, "secret"},
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE pnml [\n"
         "  <!-- a ' quote in a comment -->\n"
         "  <!ENTITY e \"x\">\n]>\n<pnml/>\n",
         PNSIM_ERR_INPUT, 4, 3, "entity declarations are not allowed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pnsim_error error;
        print_message("case %zu\n", i);
        assert_null(read_string(cases[i].input, &error));
        expect_error(&cases[i], &error, "test.pnml");
    }

    /* A NUL byte (a UTF-16 file, say) is refused where it is. */
    static const char nul[] = "<pnml>\n  <net\0";
    pnsim_error error;
    assert_null(pnml_read_memory(nul, sizeof nul - 1, "nul.pnml", &error));
    assert_int_equal(error.status, PNSIM_ERR_INPUT);
    assert_int_equal(error.line, 2);
    assert_int_equal(error.column, 7);
    assert_non_null(strstr(error.message, "NUL byte"));

    /* A file that cannot be opened. */
    assert_null(pnml_read(DATA_DIR "no-such-file.pnml", &error));
    assert_int_equal(error.status, PNSIM_ERR_IO);
    assert_int_equal(error.line, 0);
    assert_non_null(strstr(error.message, "cannot open"));

    /* Empty memory, and white space only. */
    assert_null(pnml_read_memory(NULL, 0, "none", &error));
    assert_non_null(strstr(error.message, "the file is empty"));
    assert_null(read_string(" \n\t\n", &error));
    assert_non_null(strstr(error.message, "the file is empty"));
}

/* Entity declarations are refused before libxml2 sees them: at once, and
 * without opening the file an external entity names. */
static void test_entities_refused_quickly(void **state)
{
    (void)state;
    pnsim_error error;
    clock_t start = clock();
    assert_null(read_data("billion-laughs.pnml", &error));
    double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    assert_true(seconds < 0.5);
    assert_null(read_data("xxe.pnml", &error));
    assert_null(strstr(error.message, "root:"));
    assert_non_null(strstr(error.message, "entity"));
}

/* libxml2 must not print anything: capture stderr around bad parses. */
static void test_nothing_printed(void **state)
{
    (void)state;
    fflush(stderr);
    int saved = dup(2);
    FILE *capture = tmpfile();
    assert_true(saved >= 0 && capture != NULL);
    dup2(fileno(capture), 2);

    pnsim_error error;
    pn_net *truncated = read_data("truncated.pnml", &error);
    pn_net *laughs = read_data("billion-laughs.pnml", &error);
    pn_net *mismatch = read_string("<pnml><net></pnml>", &error);
    pn_net *undeclared = read_string("<pnml>&nothing;</pnml>", &error);
    pn_net *empty = read_data("empty.pnml", &error);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fseek(capture, 0, SEEK_END);
    long printed = ftell(capture);
    fclose(capture);
    assert_null(truncated);
    assert_null(laughs);
    assert_null(mismatch);
    assert_null(undeclared);
    assert_null(empty);
    assert_int_equal(printed, 0);
}

/* ------------------------------------------------------------------------
 * Positions and size.
 * ------------------------------------------------------------------------ */

/* Appends to a growing string. */
typedef struct text_buffer {
    char *data;
    size_t length, capacity;
} text_buffer;

__attribute__((format(printf, 2, 3)))
static void append(text_buffer *buffer, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    char piece[512];
    int length = vsnprintf(piece, sizeof piece, format, arguments);
    va_end(arguments);
    assert_true(length >= 0 && (size_t)length < sizeof piece);
    if (buffer->length + (size_t)length + 1 > buffer->capacity) {
        buffer->capacity = 2 * (buffer->length + (size_t)length + 1);
        buffer->data = realloc(buffer->data, buffer->capacity);
        assert_non_null(buffer->data);
    }
    memcpy(buffer->data + buffer->length, piece, (size_t)length + 1);
    buffer->length += (size_t)length;
}

/* MCC files put thousands of arcs on one line: the column must still name
 * the right one. */
static void test_position_on_long_line(void **state)
{
    (void)state;
    text_buffer text = {0};
    append(&text, PNML_HEAD "<place id=\"p\"/><transition id=\"t\"/>\n");
    unsigned long column = 0;
    for (int i = 0; i < 2000; i++) {
        if (i == 1500)
            column = (unsigned long)text.length -
                     (unsigned long)(strrchr(text.data, '\n') - text.data);
        append(&text, "<arc id=\"a%d\" source=\"p\" target=\"%s\"/>", i,
               i == 1500 ? "missing" : "t");
    }
    append(&text, "\n" PNML_TAIL);
    pnsim_error error;
    pn_net *net = read_string(text.data, &error);
    free(text.data);
    assert_null(net);
    assert_int_equal(error.line, 5);
    assert_int_equal(error.column, column);
    assert_non_null(strstr(error.message, "arc 'a1500' has unknown target"));
}

/* libxml2 keeps at most 65535 as an element's line; pnsim counts on. */
static void test_position_beyond_65535_lines(void **state)
{
    (void)state;
    text_buffer text = {0};
    append(&text, PNML_HEAD);
    for (int i = 0; i < 70000; i++)
        append(&text, "<!-- line %d -->\n", 4 + i);
    append(&text, "  <place id=\"p\"><initialMarking><text>x</text>"
                  "</initialMarking></place>\n" PNML_TAIL);
    pnsim_error error;
    pn_net *net = read_string(text.data, &error);
    free(text.data);
    assert_null(net);
    assert_int_equal(error.line, 70004);
    assert_int_equal(error.column, 33);         /* the <text> */
}

/* Records the successors of a marking of the generated ring below. */
typedef struct ring_visit {
    size_t count;
    uint32_t transition;
    model_value p0, p1;
} ring_visit;

static int log_ring_visit(void *context, uint32_t transition,
                          const model_value *successor)
{
    ring_visit *seen = context;
    seen->count++;
    seen->transition = transition;
    seen->p0 = successor[0];
    seen->p1 = successor[1];
    return 0;
}

/* A generated ring of n places and transitions, arcs first (all forward
 * references) and on one line: checks the id map scales. */
static void test_large_generated_net(void **state)
{
    (void)state;
    enum { N = 30000 };
    text_buffer text = {0};
    append(&text, PNML_HEAD);
    for (int i = 0; i < N; i++)
        append(&text, "<arc id=\"i%d\" source=\"p%d\" target=\"t%d\"/>"
                      "<arc id=\"o%d\" source=\"t%d\" target=\"p%d\"/>",
               i, i, i, i, i, (i + 1) % N);
    append(&text, "\n");
    for (int i = 0; i < N; i++)
        append(&text, "<place id=\"p%d\"><initialMarking><text>%d</text>"
                      "</initialMarking></place><transition id=\"t%d\"/>\n",
               i, i == 0, i);
    append(&text, PNML_TAIL);

    pnsim_error error;
    clock_t start = clock();
    pn_net *net = read_string(text.data, &error);
    double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    print_message("  %.1f MB parsed in %.3f s\n", text.length / 1e6, seconds);
    free(text.data);
    assert_non_null(net);
    assert_int_equal(net->place_count, N);
    assert_int_equal(net->transition_count, N);
    assert_int_equal(net->arc_count, 2 * N);
    pn_net_facts facts;
    pn_net_compute_facts(net, &facts);
    assert_true(facts.state_machine && facts.marked_graph);

    model *m = pn_net_model(net, &error);
    assert_non_null(m);
    model_value *marking = malloc(m->scratch_bytes);
    model_value *scratch = malloc(m->scratch_bytes);
    assert_non_null(marking);
    assert_non_null(scratch);
    model_initial_state(m, marking);

    /* Only t0 is enabled; it moves the token from p0 to p1. */
    ring_visit seen = {0};
    assert_int_equal(model_successors(m, marking, scratch, log_ring_visit,
                                      &seen, &error), MODEL_DONE);
    assert_int_equal(seen.count, 1);
    assert_int_equal(seen.transition, 0);
    assert_true(seen.p0 == 0 && seen.p1 == 1);
    free(marking);
    free(scratch);
    model_destroy(m);
    pn_net_free(net);
}

/* One real Model Checking Contest net, when the shared corpus is there. */
static void test_mcc_file(void **state)
{
    (void)state;
    const char *corpus = getenv("PNSIM_CORPUS");
    char path[2048];
    snprintf(path, sizeof path, "%s/mcc/Philosophers-PT-000005/model.pnml",
             corpus != NULL ? corpus : PNSIM_SOURCE_DIR "/../shared/corpus");
    FILE *probe = fopen(path, "r");
    if (probe == NULL) {
        print_message("  %s not found: skipped\n", path);
        skip();
    }
    fclose(probe);
    pnsim_error error;
    pn_net *net = pnml_read(path, &error);
    assert_non_null(net);
    assert_int_equal(net->place_count, 25);
    assert_int_equal(net->transition_count, 25);
    assert_int_equal(net->arc_count, 80);
    assert_int_equal(net->page_count, 1);
    assert_string_equal(net->id, "Philosophers-PT-000005");
    long think = pn_net_find_place(net, "Think_1");
    assert_true(think >= 0);
    assert_int_equal(net->places[think].initial, 1);
    pn_net_free(net);
}

/* Structural bounds from P-semiflows: a and b share three tokens (a + b
 * is invariant), c only grows, and one token of p becomes two of q and
 * back (2p + q is invariant). */
static void test_place_bounds(void **state)
{
    (void)state;
    pnsim_error error;
    pn_net *net = read_string(
        PNML_HEAD
        "<place id=\"a\"><initialMarking><text>3</text></initialMarking>"
        "</place><place id=\"b\"/><place id=\"c\"/>"
        "<place id=\"p\"><initialMarking><text>1</text></initialMarking>"
        "</place><place id=\"q\"/>\n"
        "<transition id=\"go\"/><transition id=\"back\"/>"
        "<transition id=\"grow\"/><transition id=\"split\"/>"
        "<transition id=\"join\"/>\n"
        "<arc id=\"1\" source=\"a\" target=\"go\"/>"
        "<arc id=\"2\" source=\"go\" target=\"b\"/>"
        "<arc id=\"3\" source=\"b\" target=\"back\"/>"
        "<arc id=\"4\" source=\"back\" target=\"a\"/>"
        /* grow tests a (read arc: no tokens move) and adds to c */
        "<arc id=\"5\" source=\"a\" target=\"grow\"><type value=\"read\"/>"
        "</arc><arc id=\"6\" source=\"grow\" target=\"c\"/>\n"
        /* one token of p is two of q: 2p + q is invariant */
        "<arc id=\"7\" source=\"p\" target=\"split\"/>"
        "<arc id=\"8\" source=\"split\" target=\"q\"><inscription>"
        "<text>2</text></inscription></arc>"
        "<arc id=\"9\" source=\"q\" target=\"join\"><inscription>"
        "<text>2</text></inscription></arc>"
        "<arc id=\"10\" source=\"join\" target=\"p\"/>\n" PNML_TAIL,
        &error);
    assert_non_null(net);
    model_value bounds[5];
    assert_true(pn_net_place_bounds(net, bounds, NULL));
    assert_true(bounds[0] == 3);            /* a: a + b = 3 */
    assert_true(bounds[1] == 3);            /* b */
    assert_true(bounds[2] == UINT64_MAX);   /* c grows without bound */
    assert_true(bounds[3] == 1);            /* p: 2p + q = 2 */
    assert_true(bounds[4] == 2);            /* q */
    /* The model hands them to the explorer. */
    model *m = pn_net_model(net, &error);
    assert_non_null(m);
    assert_non_null(m->slot_bounds);
    assert_true(m->slot_bounds[4] == 2);
    model_destroy(m);
    /* A NUPN safe declaration says 1 for every place. */
    net->nupn_safe = true;
    assert_true(pn_net_place_bounds(net, bounds, NULL));
    for (size_t p = 0; p < 5; p++)
        assert_true(bounds[p] == 1);
    pn_net_free(net);
}

/* The Farkas algorithm gives up when its rows would pass their limit, and
 * keeps the semiflows of the last whole step: here a token that goes
 * between x and y (x + y is found first, its columns add the fewest rows),
 * and a transition from 60 places to 60 others, whose cancelling would
 * need 3,600 rows. */
static void test_place_bounds_give_up(void **state)
{
    (void)state;
    enum { SIDE = 60 };
    size_t size = 64 * 1024, used = 0;
    char *text = malloc(size);
    assert_non_null(text);
    used += (size_t)snprintf(text + used, size - used, "%s",
                             PNML_HEAD
                             "<place id=\"x\"><initialMarking><text>1</text>"
                             "</initialMarking></place><place id=\"y\"/>"
                             "<transition id=\"xy\"/><transition id=\"yx\"/>"
                             "<transition id=\"all\"/>"
                             "<arc id=\"x1\" source=\"x\" target=\"xy\"/>"
                             "<arc id=\"x2\" source=\"xy\" target=\"y\"/>"
                             "<arc id=\"x3\" source=\"y\" target=\"yx\"/>"
                             "<arc id=\"x4\" source=\"yx\" target=\"x\"/>\n");
    for (int i = 0; i < SIDE; i++)
        used += (size_t)snprintf(
            text + used, size - used,
            "<place id=\"a%d\"><initialMarking><text>1</text>"
            "</initialMarking></place><place id=\"b%d\"/>"
            "<arc id=\"in%d\" source=\"a%d\" target=\"all\"/>"
            "<arc id=\"out%d\" source=\"all\" target=\"b%d\"/>\n",
            i, i, i, i, i, i);
    used += (size_t)snprintf(text + used, size - used, "%s", PNML_TAIL);
    assert_true(used < size);
    pnsim_error error;
    pn_net *net = read_string(text, &error);
    free(text);
    assert_non_null(net);
    model_value bounds[2 + 2 * SIDE];
    pn_exclusive_sets sets;
    assert_true(pn_net_place_bounds(net, bounds, &sets));
    long x = pn_net_find_place(net, "x"), y = pn_net_find_place(net, "y");
    assert_true(bounds[x] == 1 && bounds[y] == 1);
    for (size_t p = 0; p < net->place_count; p++)
        if ((long)p != x && (long)p != y)
            assert_true(bounds[p] == UINT64_MAX);
    /* x + y holds one token: an exclusive set. */
    assert_int_equal(sets.count, 1);
    assert_int_equal(sets.start[1] - sets.start[0], 2);
    pn_exclusive_sets_free(&sets);
    pn_net_free(net);
}

/* Exclusive sets: the unit semiflows with one token, of a mutex between
 * two processes (x0 + x1, y0 + y1, m + x1 + y1); with two tokens in m,
 * the last is no longer one. */
static void test_exclusive_sets(void **state)
{
    (void)state;
    for (int tokens = 1; tokens <= 2; tokens++) {
        char text[2048];
        snprintf(text, sizeof text,
                 PNML_HEAD
                 "<place id=\"x0\"><initialMarking><text>1</text>"
                 "</initialMarking></place><place id=\"x1\"/>"
                 "<place id=\"y0\"><initialMarking><text>1</text>"
                 "</initialMarking></place><place id=\"y1\"/>"
                 "<place id=\"m\"><initialMarking><text>%d</text>"
                 "</initialMarking></place>\n"
                 "<transition id=\"xin\"/><transition id=\"xout\"/>"
                 "<transition id=\"yin\"/><transition id=\"yout\"/>\n"
                 "<arc id=\"1\" source=\"x0\" target=\"xin\"/>"
                 "<arc id=\"2\" source=\"m\" target=\"xin\"/>"
                 "<arc id=\"3\" source=\"xin\" target=\"x1\"/>"
                 "<arc id=\"4\" source=\"x1\" target=\"xout\"/>"
                 "<arc id=\"5\" source=\"xout\" target=\"x0\"/>"
                 "<arc id=\"6\" source=\"xout\" target=\"m\"/>"
                 "<arc id=\"7\" source=\"y0\" target=\"yin\"/>"
                 "<arc id=\"8\" source=\"m\" target=\"yin\"/>"
                 "<arc id=\"9\" source=\"yin\" target=\"y1\"/>"
                 "<arc id=\"10\" source=\"y1\" target=\"yout\"/>"
                 "<arc id=\"11\" source=\"yout\" target=\"y0\"/>"
                 "<arc id=\"12\" source=\"yout\" target=\"m\"/>\n"
                 PNML_TAIL,
                 tokens);
        pnsim_error error;
        pn_net *net = read_string(text, &error);
        assert_non_null(net);
        /* A safe declaration gives the bounds; the sets are still sought. */
        net->nupn_safe = tokens == 1;
        model_value bounds[5];
        pn_exclusive_sets sets;
        assert_true(pn_net_place_bounds(net, bounds, &sets));
        assert_true(bounds[4] == (model_value)tokens);
        /* Two tokens in m: the processes' sets only. */
        size_t count = tokens == 1 ? 3 : 2;
        assert_int_equal(sets.count, count);
        /* Each found once, as its places in place order. */
        static const char *const expected[] = {"0 1", "2 3", "1 3 4"};
        bool found[3] = {false, false, false};
        for (size_t k = 0; k < sets.count; k++) {
            char members[32] = "";
            size_t length = 0;
            for (size_t j = sets.start[k]; j < sets.start[k + 1]; j++)
                length += (size_t)snprintf(members + length,
                                           sizeof members - length, "%s%u",
                                           length ? " " : "",
                                           sets.places[j]);
            for (size_t e = 0; e < 3; e++)
                if (strcmp(members, expected[e]) == 0) {
                    assert_false(found[e]);
                    found[e] = true;
                }
        }
        assert_true(found[0] && found[1] && found[2] == (tokens == 1));
        pn_exclusive_sets_free(&sets);
        /* The model hands them on. */
        model *m = pn_net_model(net, &error);
        assert_non_null(m);
        assert_int_equal(m->exclusive_count, count);
        model_destroy(m);
        pn_net_free(net);
    }
}

/* Appends printf-style text to `text` (of `size` bytes, `*length` used). */
static void text_append(char *text, size_t size, size_t *length,
                        const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int wrote = vsnprintf(text + *length, size - *length, format, args);
    va_end(args);
    assert_true(wrote >= 0 && (size_t)wrote < size - *length);
    *length += (size_t)wrote;
}

/* Only semiflows of minimal support count.  With one token in p0 and
 * moves go: p0 + p3 -> p1 + p2 and back: p2 + p3 -> p0 + p1, p0 + p2
 * (one token) and p1 + p3 (none) are the semiflows of minimal support, and
 * their sum, which cancelling `go` first builds, must be dropped: it would
 * make a second, overlapping exclusive set of all four places. */
static void test_semiflows_minimal(void **state)
{
    (void)state;
    pnsim_error error;
    pn_net *net = read_string(
        PNML_HEAD
        "<place id=\"p0\"><initialMarking><text>1</text></initialMarking>"
        "</place><place id=\"p1\"/><place id=\"p2\"/><place id=\"p3\"/>\n"
        "<transition id=\"go\"/><transition id=\"back\"/>\n"
        "<arc id=\"1\" source=\"p0\" target=\"go\"/>"
        "<arc id=\"2\" source=\"p3\" target=\"go\"/>"
        "<arc id=\"3\" source=\"go\" target=\"p1\"/>"
        "<arc id=\"4\" source=\"go\" target=\"p2\"/>"
        "<arc id=\"5\" source=\"p2\" target=\"back\"/>"
        "<arc id=\"6\" source=\"p3\" target=\"back\"/>"
        "<arc id=\"7\" source=\"back\" target=\"p0\"/>"
        "<arc id=\"8\" source=\"back\" target=\"p1\"/>\n" PNML_TAIL,
        &error);
    assert_non_null(net);
    model_value bounds[4];
    pn_exclusive_sets sets;
    assert_true(pn_net_place_bounds(net, bounds, &sets));
    assert_true(bounds[0] == 1 && bounds[2] == 1);
    assert_true(bounds[1] == 0 && bounds[3] == 0);
    assert_int_equal(sets.count, 1);
    assert_int_equal(sets.start[1], 2);
    assert_int_equal(sets.places[0], 0);
    assert_int_equal(sets.places[1], 2);
    pn_exclusive_sets_free(&sets);
    pn_net_free(net);
}

/* When the semiflows are too many, those already found still count.  A
 * cycle a0 <-> a1 with one token, beside a marked graph of twelve diamonds
 * t0 -> (p_i | q_i) -> t_i and a place r back from t12 to t0: each of its
 * 2^12 circuits is a minimal semiflow, more than the elimination keeps, so
 * it stops; the cycle's columns go first (they add one row), and a0 + a1
 * still bounds a0 and a1. */
static void test_semiflows_partial(void **state)
{
    (void)state;
    enum { DIAMONDS = 12 };
    static char text[16384];
    size_t length = 0, size = sizeof text;
    text_append(text, size, &length,
                PNML_HEAD "<place id=\"a0\"><initialMarking><text>1</text>"
                "</initialMarking></place><place id=\"a1\"/>"
                "<place id=\"r\"><initialMarking><text>1</text>"
                "</initialMarking></place>\n"
                "<transition id=\"ta\"/><transition id=\"tb\"/>"
                "<arc id=\"ta-in\" source=\"a0\" target=\"ta\"/>"
                "<arc id=\"ta-out\" source=\"ta\" target=\"a1\"/>"
                "<arc id=\"tb-in\" source=\"a1\" target=\"tb\"/>"
                "<arc id=\"tb-out\" source=\"tb\" target=\"a0\"/>\n"
                "<arc id=\"r1\" source=\"t%d\" target=\"r\"/>"
                "<arc id=\"r2\" source=\"r\" target=\"t0\"/>\n",
                DIAMONDS);
    for (int i = 0; i <= DIAMONDS; i++)
        text_append(text, size, &length, "<transition id=\"t%d\"/>", i);
    for (int i = 1; i <= DIAMONDS; i++)
        text_append(text, size, &length,
                    "<place id=\"p%d\"/><place id=\"q%d\"/>"
                    "<arc id=\"p%d-in\" source=\"t%d\" target=\"p%d\"/>"
                    "<arc id=\"p%d-out\" source=\"p%d\" target=\"t%d\"/>"
                    "<arc id=\"q%d-in\" source=\"t%d\" target=\"q%d\"/>"
                    "<arc id=\"q%d-out\" source=\"q%d\" target=\"t%d\"/>\n",
                    i, i, i, i - 1, i, i, i, i, i, i - 1, i, i, i, i);
    text_append(text, size, &length, "%s", PNML_TAIL);
    pnsim_error error;
    pn_net *net = read_string(text, &error);
    assert_non_null(net);
    assert_int_equal(net->place_count, 3 + 2 * DIAMONDS);
    model_value bounds[3 + 2 * DIAMONDS];
    pn_exclusive_sets sets;
    assert_true(pn_net_place_bounds(net, bounds, &sets));
    assert_true(bounds[pn_net_find_place(net, "a0")] == 1);
    assert_true(bounds[pn_net_find_place(net, "a1")] == 1);
    /* The elimination did stop: some diamond place is left unbounded. */
    bool unproved = false;
    for (size_t p = 0; p < net->place_count; p++)
        unproved = unproved || bounds[p] == UINT64_MAX;
    assert_true(unproved);
    /* a0 + a1 is an exclusive set too. */
    assert_true(sets.count >= 1);
    pn_exclusive_sets_free(&sets);
    pn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_small_net),
        cmocka_unit_test(test_read_modular_net),
        cmocka_unit_test(test_model_shape),
        cmocka_unit_test(test_model_successors),
        cmocka_unit_test(test_model_is_final),
        cmocka_unit_test(test_model_accesses),
        cmocka_unit_test(test_model_overflow),
        cmocka_unit_test(test_place_bounds),
        cmocka_unit_test(test_place_bounds_give_up),
        cmocka_unit_test(test_exclusive_sets),
        cmocka_unit_test(test_semiflows_minimal),
        cmocka_unit_test(test_semiflows_partial),
        cmocka_unit_test(test_facts_small),
        cmocka_unit_test(test_facts_classes),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_bad_strings),
        cmocka_unit_test(test_entities_refused_quickly),
        cmocka_unit_test(test_nothing_printed),
        cmocka_unit_test(test_position_on_long_line),
        cmocka_unit_test(test_position_beyond_65535_lines),
        cmocka_unit_test(test_large_generated_net),
        cmocka_unit_test(test_mcc_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
