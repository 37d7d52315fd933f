/*
 * test_packed.c — successors on packed vectors (packed.h) against the
 * model's own successors().
 *
 * A Petri net is a linear model, so the explorer fires its transitions on
 * packed states.  The same net seen through a copy of its model with
 * `linear` off makes the explorer ask the model instead.  Both searches
 * number states alike (transitions in index order), so they must agree
 * state by state, not only in their counts.  The nets are generated at
 * random, with weights, read and inhibitor arcs, self-loops, places that
 * outgrow their first width (the store is re-encoded) and counts near
 * 2^64 (the model must fail).  Nets of processes (state machines with one
 * token each) have exclusive sets (model.h): the packed search stores one
 * place less per set, the model's search none, and they must still agree,
 * down to which places kept their initial marking.  The packed search also
 * counts the edges of diamonds without following them (explore.c), with
 * parent links and, counting only, with tags in a compact store: it must
 * still find every state, and count every edge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "packed.h"
#include "pnml/pn_net.h"

/* A net's text up to its page's first element, and after its last. */
#define PNML_OPEN                                                         \
    "<?xml version=\"1.0\"?>\n<pnml xmlns=\"http://www.pnml.org/"          \
    "version-2009/grammar/pnml\"><net id=\"n\" type=\"http://"              \
    "www.pnml.org/version-2009/grammar/ptnet\"><page id=\"g\">\n"
#define PNML_CLOSE "</page></net></pnml>\n"

/* A small deterministic generator (xorshift64*). */
static uint64_t random_state = 0x9E3779B97F4A7C15u;

static uint64_t random_below(uint64_t bound)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return (random_state * 0x2545F4914F6CDD1Du >> 11) % bound;
}

/* Appends to a growing text. */
typedef struct text {
    char buffer[1 << 19];
    size_t length;
} text;

static void text_add(text *out, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void text_add(text *out, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    int written = vsnprintf(out->buffer + out->length,
                            sizeof out->buffer - out->length, format,
                            arguments);
    va_end(arguments);
    assert_true(written >= 0 &&
                (size_t)written < sizeof out->buffer - out->length);
    out->length += (size_t)written;
}

/* A random net of a few places and transitions. */
static void random_net(text *out, bool huge)
{
    size_t places = 1 + random_below(7);
    /* Up to five transitions per place: some nets take the second watch
     * index (packed.h). */
    size_t transitions = 1 + random_below(5 * places + 4);
    out->length = 0;
    text_add(out, PNML_OPEN);
    for (size_t p = 0; p < places; p++) {
        unsigned long long tokens = random_below(4) == 0 ? random_below(4) : 0;
        if (huge && p == 0)
            tokens = UINT64_MAX - random_below(3);
        text_add(out,
                 "<place id=\"p%zu\"><initialMarking><text>%llu</text>"
                 "</initialMarking></place>\n",
                 p, tokens);
    }
    for (size_t t = 0; t < transitions; t++)
        text_add(out, "<transition id=\"t%zu\"/>\n", t);
    size_t arcs = 0;
    for (size_t t = 0; t < transitions; t++)
        for (size_t p = 0; p < places; p++) {
            unsigned kind = (unsigned)random_below(9);
            unsigned weight = 1 + (unsigned)random_below(3);
            const char *source = kind == 1 ? "t" : "p";
            const char *type = kind == 3   ? "<type value=\"read\"/>"
                               : kind == 4 ? "<type value=\"inhibitor\"/>"
                                           : "";
            if (kind > 4)
                continue;   /* most pairs have no arc */
            if (kind == 2) {  /* both ways: a self-loop or a net change */
                text_add(out,
                         "<arc id=\"a%zu\" source=\"p%zu\" target=\"t%zu\">"
                         "<inscription><text>%u</text></inscription></arc>\n",
                         arcs++, p, t, weight);
                source = "t";
                weight = 1 + (unsigned)random_below(3);
            }
            if (source[0] == 't')
                text_add(out,
                         "<arc id=\"a%zu\" source=\"t%zu\" target=\"p%zu\">"
                         "<inscription><text>%u</text></inscription></arc>\n",
                         arcs++, t, p, weight);
            else
                text_add(out,
                         "<arc id=\"a%zu\" source=\"p%zu\" target=\"t%zu\">%s"
                         "<inscription><text>%u</text></inscription></arc>\n",
                         arcs++, p, t, type, weight);
        }
    text_add(out, PNML_CLOSE);
}

/* A random net of processes: each a state machine of 1 to 5 places with
 * one token, whose transitions move one process (sometimes two together)
 * and may read, test for absence (inhibitor) or change a few shared
 * counters and other processes' places.  At most 24 places.  A dense
 * net has over a thousand transitions, most of them moving two processes
 * or reading another's place: the packed model then watches a second
 * place, most often a member of another process's set, and keys them
 * (packed.h).  A wide one is as dense, with 130 to 1,279 transitions:
 * sets of 3 to 20 words, rows of every length the enabledness table ANDs
 * by a loop of its own (packed_table.c). */
typedef enum process_net_kind {
    PROCESS_NET_SPARSE,
    PROCESS_NET_DENSE,
    PROCESS_NET_WIDE,
} process_net_kind;

static void random_process_net(text *out, process_net_kind kind)
{
    bool dense = kind != PROCESS_NET_SPARSE;
    size_t processes = 1 + random_below(4), counters = random_below(3);
    size_t states[4], places = counters;
    out->length = 0;
    text_add(out, PNML_OPEN);
    for (size_t i = 0; i < processes; i++) {
        states[i] = 1 + random_below(5);
        size_t start = random_below(states[i]);
        for (size_t j = 0; j < states[i]; j++)
            text_add(out,
                     "<place id=\"s%zu_%zu\"><initialMarking><text>%d</text>"
                     "</initialMarking></place>\n",
                     i, j, j == start);
        places += states[i];
    }
    assert_true(places <= 24);
    for (size_t c = 0; c < counters; c++)
        text_add(out,
                 "<place id=\"c%zu\"><initialMarking><text>%d</text>"
                 "</initialMarking></place>\n",
                 c, (int)random_below(2));
    size_t transitions =
        kind == PROCESS_NET_DENSE  ? 1024 + random_below(256)
        : kind == PROCESS_NET_WIDE ? 130 + random_below(1150)
                                   : 1 + random_below(4 * places + 2);
    size_t arcs = 0;
    for (size_t t = 0; t < transitions; t++) {
        text_add(out, "<transition id=\"t%zu\"/>\n", t);
        /* One process moves, or two different ones together. */
        size_t movers = 1 + (processes > 1 &&
                             random_below(4) < (dense ? 3u : 1u));
        size_t first = random_below(processes);
        size_t second =
            (first + 1 + (processes > 1 ? random_below(processes - 1) : 0)) %
            processes;
        for (size_t k = 0; k < movers; k++) {
            size_t i = k == 0 ? first : second;
            size_t from = random_below(states[i]), to = random_below(states[i]);
            text_add(out,
                     "<arc id=\"a%zu\" source=\"s%zu_%zu\" target=\"t%zu\"/>"
                     "<arc id=\"a%zu\" source=\"t%zu\" target=\"s%zu_%zu\"/>\n",
                     arcs, i, from, t, arcs + 1, t, i, to);
            arcs += 2;
        }
        /* A look at another place: read, inhibitor, or a counter's
         * change. */
        if (random_below(2) == 0) {
            size_t i = random_below(processes);
            /* Dense: a set with three members tested for absence is not
             * used (codec.h), and a thousand transitions would test them
             * all. */
            const char *type =
                dense || random_below(2) ? "read" : "inhibitor";
            text_add(out,
                     "<arc id=\"a%zu\" source=\"s%zu_%zu\" target=\"t%zu\">"
                     "<type value=\"%s\"/></arc>\n",
                     arcs++, i, (size_t)random_below(states[i]), t, type);
        }
        /* A counter gains only below 3 (an inhibitor arc): the nets are
         * bounded, so searches end complete whatever their encoding. */
        if (counters > 0 && random_below(2) == 0) {
            size_t c = random_below(counters);
            if (random_below(2) == 0)
                text_add(out,
                         "<arc id=\"a%zu\" source=\"t%zu\" target=\"c%zu\"/>"
                         "<arc id=\"a%zu\" source=\"c%zu\" target=\"t%zu\">"
                         "<type value=\"inhibitor\"/><inscription><text>3"
                         "</text></inscription></arc>\n",
                         arcs, t, c, arcs + 1, c, t);
            else
                text_add(out,
                         "<arc id=\"a%zu\" source=\"c%zu\" target=\"t%zu\"/>\n",
                         arcs, c, t);
            arcs += 2;
        }
    }
    text_add(out, PNML_CLOSE);
}

/* Explores `m` on `threads` threads up to `limit` states, finding enabled
 * transitions by table look-ups where they pay, or `by_candidates`. */
static explore_result *explore_enabled_by(const model *m, unsigned threads,
                                          uint64_t limit, bool by_candidates,
                                          pnsim_error *error)
{
    explore_options options;
    explore_options_init(&options);
    options.threads = threads;
    options.max_states = limit;
    options.without_enabled_table = by_candidates;
    explore_result *result = explore_run(m, &options, error);
    assert_non_null(result);
    return result;
}

/* Explores `m` on `threads` threads up to `limit` states. */
static explore_result *explore(const model *m, unsigned threads,
                               uint64_t limit, pnsim_error *error)
{
    return explore_enabled_by(m, threads, limit, false, error);
}

/* As explore, counting only: no parent links, so that one-word states go
 * to a compact store and diamonds use its tags (explore.c); up to `limit`
 * states (0: none), the side chosen, if left to the search, by pilot
 * searches of `pilot_states` states each (0: the search's own, 2,000). */
static explore_result *explore_counting_piloted_to(const model *m,
                                                   unsigned threads,
                                                   explore_diamond_side side,
                                                   uint64_t limit,
                                                   uint64_t pilot_states,
                                                   pnsim_error *error)
{
    explore_options options;
    explore_options_init(&options);
    options.threads = threads;
    options.max_states = limit;
    options.diamond_side = side;
    options.pilot_states = pilot_states;
    options.skip_traces = true;
    options.forget_expanded = true;
    explore_result *result = explore_run(m, &options, error);
    assert_non_null(result);
    return result;
}

/* As explore_counting_piloted_to, with the search's own pilots. */
static explore_result *explore_counting_to(const model *m, unsigned threads,
                                           explore_diamond_side side,
                                           uint64_t limit, pnsim_error *error)
{
    return explore_counting_piloted_to(m, threads, side, limit, 0, error);
}

/* As explore_counting_piloted_to, without a limit, the side left to
 * pilots of `pilot_states` states. */
static explore_result *explore_counting_piloted(const model *m,
                                                unsigned threads,
                                                uint64_t pilot_states,
                                                pnsim_error *error)
{
    return explore_counting_piloted_to(m, threads, EXPLORE_DIAMONDS_CHOOSE, 0,
                                       pilot_states, error);
}

/* As explore_counting_to, without a limit. */
static explore_result *explore_counting_side(const model *m, unsigned threads,
                                             explore_diamond_side side,
                                             pnsim_error *error)
{
    return explore_counting_to(m, threads, side, 0, error);
}

/* As explore_counting_side, the side of the diamonds left to the search. */
static explore_result *explore_counting(const model *m, unsigned threads,
                                        pnsim_error *error)
{
    return explore_counting_side(m, threads, EXPLORE_DIAMONDS_CHOOSE, error);
}

/* The run to the first deadlock of `linked` (a search with parent links
 * that found one), rebuilt after a counting search on `threads` threads
 * (explore_rebuild.c), depth first or from the levels, is the same run;
 * returns 1 (0 when `linked` found no deadlock).  From a search that
 * released its levels, marking them rebuilds nothing; a model not
 * computed on packed vectors allows no rebuild. */
static size_t expect_rebuilt_run(const model *m, const model *asking,
                                 const explore_result *linked,
                                 unsigned threads, const char *net)
{
    const explore_stats *stats = explore_result_stats(linked);
    if (explore_result_outcome(linked) != EXPLORE_COMPLETE ||
        stats->dead_nonfinal == 0)
        return 0;
    explore_trace expected;
    assert_int_equal(explore_trace_to(linked, stats->first_deadlock,
                                      &expected, NULL),
                     PNSIM_OK);
    explore_options options;
    explore_options_init(&options);
    options.threads = threads;
    options.skip_traces = true;
    explore_result *counted = explore_run(m, &options, NULL);
    assert_non_null(counted);
    assert_true(explore_result_levels_kept(counted));
    assert_true(explore_rebuild_possible(counted));
    /* Depth first (where it ends within its budget), and by marking;
     * and from a search that released its levels, depth first, or
     * nothing by marking. */
    for (int way = 0; way < 4; way++) {
        if (way == 2) {
            explore_result_free(counted);
            options.forget_expanded = true;
            counted = explore_run(m, &options, NULL);
            assert_non_null(counted);
            assert_true(explore_rebuild_possible(counted));
        }
        options.rebuild_by_marking = way % 2 == 1;
        explore_trace rebuilt;
        bool stopped = true;
        assert_int_equal(explore_rebuild_deadlock_run(counted, &options,
                                                      &rebuilt, &stopped,
                                                      NULL),
                         PNSIM_OK);
        assert_false(stopped);
        if (rebuilt.states == NULL) {
            /* Only a search that released its levels needs them. */
            assert_false(explore_result_levels_kept(counted));
            continue;
        }
        if (rebuilt.length != expected.length ||
            memcmp(rebuilt.transitions, expected.transitions,
                   expected.length * sizeof *expected.transitions) != 0)
            fprintf(stderr, "rebuilt run differs on:\n%s\n", net);
        assert_int_equal(rebuilt.length, expected.length);
        for (size_t i = 0; i < expected.length; i++)
            assert_int_equal(rebuilt.transitions[i], expected.transitions[i]);
        for (size_t i = 0; i <= expected.length; i++)
            assert_memory_equal(rebuilt.states[i], expected.states[i],
                                m->state_length * sizeof(model_value));
        explore_trace_free(&rebuilt);
    }
    explore_result_free(counted);
    /* A model not computed on packed vectors: no rebuild. */
    options.forget_expanded = false;
    counted = explore_run(asking, &options, NULL);
    assert_non_null(counted);
    assert_false(explore_rebuild_possible(counted));
    explore_result_free(counted);
    explore_trace_free(&expected);
    return 1;
}

/* Whether every transition of `m` gives as many tokens as it takes. */
static bool conserves_tokens(const model *m)
{
    for (uint32_t t = 0; t < m->transition_count; t++) {
        const model_transition *facts = &m->transitions[t];
        model_value taken = 0, given = 0;
        for (size_t e = 0; e < facts->effect_count; e++) {
            taken += facts->effects[e].take;
            given += facts->effects[e].give;
        }
        if (taken != given)
            return false;
    }
    return true;
}

/* The two searches agree in everything they report, and state by state. */
static void expect_same(const model *m, const explore_result *packed,
                        const explore_result *asked, const char *net)
{
    const explore_stats *a = explore_result_stats(packed);
    const explore_stats *b = explore_result_stats(asked);
    bool edges_must_agree = explore_result_outcome(packed) ==
                                EXPLORE_COMPLETE ||
                            a->diamond_edges == 0;
    if (explore_result_outcome(packed) != explore_result_outcome(asked) ||
        (explore_result_outcome(packed) != EXPLORE_FAILED &&
         (a->states != b->states ||
          (edges_must_agree && a->edges != b->edges))))
        fprintf(stderr, "disagreement on:\n%s\n", net);
    assert_int_equal(explore_result_outcome(packed),
                     explore_result_outcome(asked));
    /* A failed search stops in the middle of a state: what it counted of
     * that state's successors depends on when they were inserted. */
    if (explore_result_outcome(packed) == EXPLORE_FAILED)
        return;
    assert_int_equal(a->states, b->states);
    /* Edges are counted as successors are inserted, or found among the
     * recent states, or (the packed search) skipped as diamonds
     * (explore.c): at a limit, with successors in flight, the two count
     * different parts of the states they stopped in. */
    if (edges_must_agree)
        assert_int_equal(a->edges, b->edges);
    assert_int_equal(a->levels, b->levels);
    assert_true(a->max_slot_value == b->max_slot_value);
    assert_true(a->max_slot_sum == b->max_slot_sum);
    assert_int_equal(a->dead_final, b->dead_final);
    assert_int_equal(a->dead_nonfinal, b->dead_nonfinal);
    assert_int_equal(a->first_deadlock, b->first_deadlock);
    for (uint32_t t = 0; t < m->transition_count; t++)
        assert_int_equal(explore_result_transition_fired(packed, t),
                         explore_result_transition_fired(asked, t));
    for (size_t slot = 0; slot < m->state_length; slot++)
        assert_int_equal(explore_result_slot_constant(packed, slot),
                         explore_result_slot_constant(asked, slot));
    model_value x[24], y[24];
    for (uint64_t id = 0; id < a->states; id++) {
        bool in_a = explore_result_decode(packed, id, x);
        bool in_b = explore_result_decode(asked, id, y);
        assert_int_equal(in_a, in_b);
        if (in_a)
            assert_memory_equal(x, y, m->state_length * sizeof *x);
    }
}

/* PNSIM_PACKED_NETS, when set, caps the number of nets (the
 * ThreadSanitizer run takes few: it looks for races, not for shapes). */
static size_t net_count(size_t count)
{
    const char *cap = getenv("PNSIM_PACKED_NETS");
    size_t most = cap != NULL ? (size_t)strtoul(cap, NULL, 10) : count;
    return most > 0 && most < count ? most : count;
}

/* How many transitions of `m` a packed model keys (packed.h), with the
 * exclusive sets and widths the explorer would choose. */
static size_t keyed_transitions(const model *m)
{
    model_value initial[24];
    assert_true(m->state_length <= 24);
    model_initial_state(m, initial);
    state_codec_sets sets;
    assert_int_equal(state_codec_choose_sets(m, initial, &sets), 0);
    uint8_t widths[24];
    for (size_t slot = 0; slot < m->state_length; slot++)
        widths[slot] = (uint8_t)state_codec_bits(
            m->slot_bounds != NULL && m->slot_bounds[slot] < 255
                ? m->slot_bounds[slot]
                : 255);
    state_codec codec;
    assert_int_equal(state_codec_init(&codec, m->state_length, widths, NULL,
                                      &sets), 0);
    /* The keyed watches are the candidates' (a table needs none). */
    packed_model *packed = packed_model_create(m, &codec, false);
    assert_non_null(packed);
    size_t keyed = packed->keyed.transitions;
    packed_model_free(packed);
    state_codec_free(&codec);
    state_codec_sets_free(&sets);
    return keyed;
}

/* Compares `count` random nets (random_process_net when `processes`, a
 * dense one when `dense`); returns in how many the packed search stored
 * exclusive sets, and adds to *keyed those whose packed model keys
 * transitions. */
static size_t compare_random_nets(size_t count, bool huge, bool processes,
                                  process_net_kind kind, size_t *keyed)
{
    static text net;
    count = net_count(count);
    size_t failed = 0, with_sets = 0, with_diamonds = 0, conserving = 0;
    size_t above_diamonds = 0, chose_above = 0, limited = 0, rebuilt = 0;
    size_t chose_below_whole = 0;
    for (size_t i = 0; i < count; i++) {
        if (processes)
            random_process_net(&net, kind);
        else
            random_net(&net, huge);
        pnsim_error error;
        pn_net *parsed = pnml_read_memory(net.buffer, net.length, "random.pnml",
                                          &error);
        assert_non_null(parsed);
        model *m = pn_net_model(parsed, &error);
        assert_non_null(m);
        assert_true(m->linear);
        model asking = *m;
        asking.linear = false;
        if (keyed != NULL)
            *keyed += keyed_transitions(m) > 0;

        pnsim_error error_packed, error_asked;
        pnsim_error_clear(&error_packed);
        pnsim_error_clear(&error_asked);
        /* Process nets are bounded and small: no limit, so that the
         * counts at a limit (which depend on the encoding) never show. */
        uint64_t limit = processes ? 0 : 3000;
        explore_result *packed = explore(m, 1, limit, &error_packed);
        explore_result *asked = explore(&asking, 1, limit, &error_asked);
        expect_same(m, packed, asked, net.buffer);
        /* Small nets find enabled transitions by table (packed_table.h):
         * by testing candidates, the same states. */
        explore_result *tested =
            explore_enabled_by(m, 1, limit, true, &error_packed);
        expect_same(m, tested, asked, net.buffer);
        explore_result_free(tested);
        /* Only a linear model's sets are checked, so only they are used. */
        assert_int_equal(explore_result_stats(asked)->exclusive_sets, 0);
        with_sets += explore_result_stats(packed)->exclusive_sets > 0;
        /* The packed search takes a conserving net's sum from its initial
         * state (explore.c), the model's adds up every state's. */
        conserving += conserves_tokens(m);
        if (explore_result_outcome(packed) == EXPLORE_FAILED) {
            failed++;
            assert_int_equal(error_packed.status, PNSIM_ERR_OVERFLOW);
            assert_string_equal(error_packed.message, error_asked.message);
        }
        /* Two threads: the same states, in the same order (a state limit
         * may stop them a little earlier). */
        explore_result *parallel = explore(m, 2, limit, &error_packed);
        if (explore_result_outcome(packed) == EXPLORE_COMPLETE)
            expect_same(m, parallel, asked, net.buffer);
        explore_result_free(parallel);
        /* The run to the first deadlock, rebuilt from a counting
         * search's levels on one thread and two. */
        if (explore_result_outcome(packed) == EXPLORE_COMPLETE) {
            rebuilt += expect_rebuilt_run(m, &asking, packed, 1, net.buffer);
            expect_rebuilt_run(m, &asking, packed, 2, net.buffer);
        }
        /* Counting, on one thread and two, and on one thread with the
         * diamonds on either side of the reaching transition (explore.c):
         * the same figures.  On two threads the side is chosen by pilots
         * of a few states, which seldom find every state of these nets. */
        for (unsigned run = 0;
             explore_result_outcome(asked) == EXPLORE_COMPLETE && run < 4;
             run++) {
            unsigned threads = run == 1 ? 2 : 1;
            explore_diamond_side side = run == 2   ? EXPLORE_DIAMONDS_BELOW
                                        : run == 3 ? EXPLORE_DIAMONDS_ABOVE
                                                   : EXPLORE_DIAMONDS_CHOOSE;
            explore_result *counted =
                run == 1 ? explore_counting_piloted(m, threads, 16,
                                                    &error_packed)
                         : explore_counting_side(m, threads, side,
                                                 &error_packed);
            const explore_stats *a = explore_result_stats(counted);
            const explore_stats *b = explore_result_stats(asked);
            if (a->states != b->states || a->edges != b->edges)
                fprintf(stderr, "counting disagrees on:\n%s\n", net.buffer);
            assert_int_equal(explore_result_outcome(counted),
                             EXPLORE_COMPLETE);
            assert_int_equal(a->states, b->states);
            assert_int_equal(a->edges, b->edges);
            assert_int_equal(a->levels, b->levels);
            assert_int_equal(a->dead_nonfinal, b->dead_nonfinal);
            assert_true(a->max_slot_value == b->max_slot_value);
            assert_true(a->max_slot_sum == b->max_slot_sum);
            for (uint32_t t = 0; t < m->transition_count; t++)
                assert_int_equal(explore_result_transition_fired(counted, t),
                                 explore_result_transition_fired(asked, t));
            with_diamonds += a->diamond_edges > 0;
            if (side == EXPLORE_DIAMONDS_ABOVE)
                above_diamonds += a->diamond_edges > 0 &&
                                  a->diamond_levels_above == a->levels;
            if (run == 1)
                chose_above += a->diamond_levels_above > 0;
            /* Pilots of 2,000 states: the first finds every state of a
             * smaller net, and leaves the diamonds below. */
            if (run == 0 && a->states < 2000) {
                assert_int_equal(a->diamond_levels_above, 0);
                chose_below_whole++;
            }
            explore_result_free(counted);
        }
        /* Counting on one thread stops at a state limit where the
         * model's search does: successors inserted in runs (explore.c)
         * go one by one near the limit. */
        if (explore_result_outcome(asked) == EXPLORE_LIMIT_STATES) {
            explore_result *counted = explore_counting_to(
                m, 1, EXPLORE_DIAMONDS_CHOOSE, limit, &error_packed);
            assert_int_equal(explore_result_outcome(counted),
                             EXPLORE_LIMIT_STATES);
            assert_int_equal(explore_result_stats(counted)->states,
                             explore_result_stats(asked)->states);
            limited++;
            explore_result_free(counted);
        }
        with_diamonds += explore_result_stats(packed)->diamond_edges > 0;
        explore_result_free(packed);
        explore_result_free(asked);
        model_destroy(m);
        pn_net_free(parsed);
    }
    /* Nets that start next to 2^64 - 1 do overflow, some of them. */
    if (huge)
        assert_true(failed > 0);
    /* Some nets have deadlocks, and so runs to them were rebuilt. */
    /* Sparse nets have deadlocks, often (a sixth to a quarter of them),
     * and so the runs to them were rebuilt and compared. */
    if (kind == PROCESS_NET_SPARSE && !huge)
        assert_true(rebuilt > 0);
    /* Some random nets reach the limit, and so the comparison above
     * tests it. */
    if (!processes)
        assert_true(limited * 10 > count);
    /* Searches skip diamonds in most nets of processes (their steps
     * commute), and so the comparisons above test them. */
    if (processes)
        assert_true(with_diamonds > count);
    if (processes)
        assert_true(conserving * 10 > count);
    /* Diamonds above the reaching transition were counted, forced and
     * chosen by pilot searches of a few states; pilots of 2,000 found
     * every state of most of these nets, and left their diamonds below. */
    if (processes)
        assert_true(above_diamonds * 2 > count && chose_above > 0 &&
                    chose_below_whole * 2 > count);
    return with_sets;
}

static void test_random_nets(void **state)
{
    (void)state;
    compare_random_nets(300, false, false, PROCESS_NET_SPARSE, NULL);
}

static void test_random_nets_near_overflow(void **state)
{
    (void)state;
    compare_random_nets(80, true, false, PROCESS_NET_SPARSE, NULL);
}

/* Nets of processes: most store exclusive sets. */
static void test_random_process_nets(void **state)
{
    (void)state;
    size_t count = net_count(300);
    assert_true(compare_random_nets(count, false, true, PROCESS_NET_SPARSE,
                                    NULL) * 2 >
                count);
}

/* Dense nets of processes: most key some of their transitions, and the
 * keyed candidates find the same successors as the model. */
static void test_random_dense_process_nets(void **state)
{
    (void)state;
    size_t count = net_count(60), keyed = 0;
    assert_true(compare_random_nets(count, false, true, PROCESS_NET_DENSE,
                                    &keyed) * 2 >
                count);
    assert_true(keyed * 2 > count);
}

/* Wide nets of processes: sets of transitions of every length in words
 * up to 20, and so every loop of the enabledness table. */
static void test_random_wide_process_nets(void **state)
{
    (void)state;
    size_t count = net_count(60);
    assert_true(compare_random_nets(count, false, true, PROCESS_NET_WIDE,
                                    NULL) * 2 > count);
}

/* 22 processes of one step each: 2^22 states, and a level of 705,432
 * (22 choose 11), more than a chunk of the store's tags, which the search
 * releases while other threads still expand that level.  Every step
 * commutes with every other: a state whose steps done are F is reached by
 * the edge of the largest step of F alone, the others are diamonds. */
static void test_diamonds_wide_level(void **state)
{
    (void)state;
    enum { PROCESSES = 22 };
    static text net;
    net.length = 0;
    text_add(&net, PNML_OPEN);
    for (int i = 0; i < PROCESSES; i++)
        text_add(&net,
                 "<place id=\"p%d\"><initialMarking><text>1</text>"
                 "</initialMarking></place><place id=\"q%d\"/>"
                 "<transition id=\"t%d\"/><arc id=\"a%d\" source=\"p%d\" "
                 "target=\"t%d\"/><arc id=\"b%d\" source=\"t%d\" "
                 "target=\"q%d\"/>\n",
                 i, i, i, i, i, i, i, i, i);
    text_add(&net, PNML_CLOSE);
    pnsim_error error;
    pn_net *parsed =
        pnml_read_memory(net.buffer, net.length, "steps.pnml", &error);
    assert_non_null(parsed);
    model *m = pn_net_model(parsed, &error);
    assert_non_null(m);
    explore_result *result = explore_counting(m, 2, &error);
    const explore_stats *stats = explore_result_stats(result);
    assert_int_equal(explore_result_outcome(result), EXPLORE_COMPLETE);
    assert_int_equal(stats->states, (uint64_t)1 << PROCESSES);
    assert_int_equal(stats->edges, (uint64_t)PROCESSES << (PROCESSES - 1));
    assert_int_equal(stats->diamond_edges,
                     stats->edges - (stats->states - 1));
    assert_int_equal(stats->levels, PROCESSES + 1);
    assert_int_equal(stats->dead_nonfinal, 1);
    explore_result_free(result);
    model_destroy(m);
    pn_net_free(parsed);
}

/* The searches of `net` (named `name`), of `states` states and `edges`
 * edges: the model's own search finds them all with no diamond; with
 * parent links and counting, on one thread and two, on both sides, every
 * state is found, every edge counted, the states numbered as the model's
 * own search numbers them, and one edge followed into each state but the
 * first. */
static void expect_one_edge_into_each(const text *net, const char *name,
                                      uint64_t states, uint64_t edges)
{
    pnsim_error error;
    pn_net *parsed = pnml_read_memory(net->buffer, net->length, name, &error);
    assert_non_null(parsed);
    model *m = pn_net_model(parsed, &error);
    assert_non_null(m);
    model asking = *m;
    asking.linear = false;
    explore_result *asked = explore(&asking, 1, 0, &error);
    assert_int_equal(explore_result_stats(asked)->states, states);
    assert_int_equal(explore_result_stats(asked)->edges, edges);
    assert_int_equal(explore_result_stats(asked)->diamond_edges, 0);
    for (unsigned threads = 1; threads <= 2; threads++) {
        explore_result *linked = explore(m, threads, 0, &error);
        expect_same(m, linked, asked, net->buffer);
        assert_int_equal(explore_result_stats(linked)->diamond_edges,
                         edges - (states - 1));
        explore_result_free(linked);
        for (int side = 0; side < 2; side++) {
            explore_result *counted = explore_counting_side(
                m, threads,
                side ? EXPLORE_DIAMONDS_ABOVE : EXPLORE_DIAMONDS_BELOW,
                &error);
            const explore_stats *stats = explore_result_stats(counted);
            assert_int_equal(explore_result_outcome(counted),
                             EXPLORE_COMPLETE);
            assert_int_equal(stats->states, states);
            assert_int_equal(stats->edges, edges);
            assert_int_equal(stats->diamond_edges, edges - (states - 1));
            explore_result_free(counted);
        }
    }
    explore_result_free(asked);
    model_destroy(m);
    pn_net_free(parsed);
}

/* Eight transitions take a token each from a pool of six into places of
 * their own: 3,003 states (the ways to share six tokens among nine
 * places), 10,296 edges (eight from each of the 1,287 states with tokens
 * left in the pool).  No two transitions commute in every state, as they
 * share the pool, but two commute where it holds a token for each: the
 * diamonds found by testing that (explore.c) leave one edge into each
 * state but the first, as in test_diamonds_wide_level, and the searches
 * still find every state, count every edge, and number the states as the
 * model's own search does. */
static void test_diamonds_from_a_pool(void **state)
{
    (void)state;
    enum { TAKERS = 8, TOKENS = 6 };
    static text net;
    net.length = 0;
    text_add(&net, PNML_OPEN "<place id=\"pool\"><initialMarking><text>%d"
                             "</text></initialMarking></place>\n",
             TOKENS);
    for (int i = 0; i < TAKERS; i++)
        text_add(&net,
                 "<place id=\"q%d\"/><transition id=\"t%d\"/>"
                 "<arc id=\"a%d\" source=\"pool\" target=\"t%d\"/>"
                 "<arc id=\"b%d\" source=\"t%d\" target=\"q%d\"/>\n",
                 i, i, i, i, i, i, i);
    text_add(&net, PNML_CLOSE);
    expect_one_edge_into_each(&net, "pool.pnml", 3003, 10296);
}

/* Six processes that each go from a to b and back: 64 states, 384 edges.
 * In a state reached by go_i, back_i leads back to the state go_i was
 * fired in (commute.h, "undoes"): its edge is counted and not followed,
 * on either side, as are the diamonds of two processes' steps, which
 * leaves one edge followed into each state but the first: 63 edges
 * followed, where without the edges back the same rule follows 126 (each
 * back_i too, to the state before). */
static void test_edges_back(void **state)
{
    (void)state;
    enum { PROCESSES = 6 };
    static text net;
    net.length = 0;
    text_add(&net, PNML_OPEN);
    for (int i = 0; i < PROCESSES; i++)
        text_add(&net,
                 "<place id=\"a%d\"><initialMarking><text>1</text>"
                 "</initialMarking></place><place id=\"b%d\"/>"
                 "<transition id=\"go%d\"/><transition id=\"back%d\"/>"
                 "<arc id=\"g%d\" source=\"a%d\" target=\"go%d\"/>"
                 "<arc id=\"h%d\" source=\"go%d\" target=\"b%d\"/>"
                 "<arc id=\"k%d\" source=\"b%d\" target=\"back%d\"/>"
                 "<arc id=\"l%d\" source=\"back%d\" target=\"a%d\"/>\n",
                 i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i);
    text_add(&net, PNML_CLOSE);
    expect_one_edge_into_each(&net, "back.pnml", 1u << PROCESSES,
                              (1u << PROCESSES) * PROCESSES);
}

/* A random net (random_net) into `out`, its parse into *parsed and its
 * model, and in *codec a codec of random widths: one slot in `wide_one_in`
 * 60 to 64 bits wide, the others 1 to `narrow` bits. */
static model *random_net_and_codec(text *out, unsigned wide_one_in,
                                   unsigned narrow, pn_net **parsed,
                                   state_codec *codec)
{
    random_net(out, false);
    pnsim_error error;
    *parsed = pnml_read_memory(out->buffer, out->length, "r.pnml", &error);
    assert_non_null(*parsed);
    model *m = pn_net_model(*parsed, &error);
    assert_non_null(m);
    uint8_t widths[8];
    for (size_t p = 0; p < m->state_length; p++)
        widths[p] = random_below(wide_one_in) == 0
                        ? (uint8_t)(60 + random_below(5))
                        : (uint8_t)(1 + random_below(narrow));
    assert_int_equal(
        state_codec_init(codec, m->state_length, widths, NULL, NULL), 0);
    return m;
}

/* Random values for the slots of `codec` into `values`, packed into
 * `packed`: one in `full_one_in` the largest the slot holds, the others
 * below `small` (as far as the slot holds them). */
static void random_values(const state_codec *codec, unsigned full_one_in,
                          unsigned small, model_value *values,
                          uint64_t *packed)
{
    for (size_t p = 0; p < codec->slots; p++)
        values[p] = random_below(full_one_in) == 0
                        ? codec->limit[p]
                        : random_below(small) & codec->limit[p];
    assert_int_equal(state_codec_encode(codec, values, packed), -1);
}

/* Firing adds and subtracts whole words (packed_delta): on random nets
 * under random narrow widths, packed fields sit side by side and at the
 * top of words, and every enabled transition must give the model's
 * successor, or, where a value outgrows its field, name a slot that
 * overflowed, with its new value. */
static void test_fire_word_arithmetic(void **state)
{
    (void)state;
    static text out;
    size_t fired = 0, overflowed = 0;
    for (unsigned round = 0; round < 300; round++) {
        pn_net *parsed;
        state_codec codec;
        model *m = random_net_and_codec(&out, 4, 4, &parsed, &codec);
        size_t places = m->state_length;
        packed_model *packed = packed_model_create(m, &codec, true);
        assert_non_null(packed);
        for (unsigned trial = 0; trial < 20; trial++) {
            model_value values[8], expected[8], decoded[8], value;
            uint64_t packed_state[8], child[8], candidates[2];
            uint32_t enabled[64];
            random_values(&codec, 2, 4, values, packed_state);
            size_t count = packed_model_enabled(packed, packed_state,
                                                candidates, enabled);
            for (size_t i = 0; i < count; i++) {
                const model_transition *facts = &m->transitions[enabled[i]];
                memcpy(expected, values, places * sizeof *values);
                /* Past 2^64 - 1, no width holds a value. */
                bool wraps[8] = {false}, wrapped = false, over = false;
                for (size_t e = 0; e < facts->effect_count; e++) {
                    const model_effect *effect = &facts->effects[e];
                    model_value *slot = &expected[effect->slot];
                    wraps[effect->slot] = __builtin_add_overflow(
                        *slot - effect->take, effect->give, slot);
                    wrapped = wrapped || wraps[effect->slot];
                }
                for (size_t p = 0; p < places; p++)
                    over = over || wraps[p] || expected[p] > codec.limit[p];
                long result = packed_model_fire(packed, enabled[i],
                                                packed_state, child, &value);
                fired++;
                if (result == PACKED_OVERFLOW) {
                    assert_true(wrapped);
                    continue;
                }
                if (!over) {
                    assert_int_equal(result, PACKED_FIRED);
                    state_codec_decode(&codec, child, decoded);
                    assert_memory_equal(decoded, expected,
                                        places * sizeof *expected);
                    continue;
                }
                overflowed++;
                assert_true(result >= 0 && (size_t)result < places);
                assert_true(!wraps[result] &&
                            expected[result] > codec.limit[result]);
                assert_true(value == expected[result]);
            }
        }
        packed_model_free(packed);
        state_codec_free(&codec);
        model_destroy(m);
        pn_net_free(parsed);
    }
    /* Both outcomes were seen many times. */
    assert_true(fired > 1000 && overflowed > 100 && fired - overflowed > 100);
}

/* The compiled tests and changes themselves, on a hand-made net: a
 * one-bit place, a counter and an inhibitor. */
static void test_fire_and_widen(void **state)
{
    (void)state;
    static const char net[] =
        PNML_OPEN
        "<place id=\"bit\"><initialMarking><text>1</text></initialMarking>"
        "</place><place id=\"count\"/>\n"
        "<transition id=\"add\"/><transition id=\"stop\"/>\n"
        "<arc id=\"1\" source=\"bit\" target=\"add\"><type value=\"read\"/>"
        "</arc><arc id=\"2\" source=\"add\" target=\"count\"/>\n"
        "<arc id=\"3\" source=\"count\" target=\"stop\"><type "
        "value=\"inhibitor\"/><inscription><text>3</text></inscription>"
        "</arc><arc id=\"4\" source=\"bit\" target=\"stop\"/>\n"
        PNML_CLOSE;
    pnsim_error error;
    pn_net *parsed = pnml_read_memory(net, strlen(net), "n.pnml", &error);
    assert_non_null(parsed);
    model *m = pn_net_model(parsed, &error);
    assert_non_null(m);
    /* Both places one bit wide: count = 1 does not fit a second time. */
    state_codec codec;
    assert_int_equal(state_codec_init(&codec, 2, (uint8_t[]){1, 1}, NULL, NULL), 0);
    packed_model *packed = packed_model_create(m, &codec, true);
    assert_non_null(packed);
    uint64_t candidates[2], state_packed[1], child[1];
    uint32_t enabled[2];
    model_value value;
    assert_int_equal(state_codec_encode(&codec, (model_value[]){1, 0},
                                        state_packed), -1);
    assert_int_equal(packed_model_enabled(packed, state_packed, candidates,
                                          enabled), 2);
    assert_int_equal(enabled[0], 0);
    assert_int_equal(enabled[1], 1);
    assert_int_equal(packed_model_fire(packed, 0, state_packed, child, &value),
                     PACKED_FIRED);
    model_value decoded[2];
    state_codec_decode(&codec, child, decoded);
    assert_true(decoded[0] == 1 && decoded[1] == 1);
    assert_int_equal(packed_model_fire(packed, 1, state_packed, child, &value),
                     PACKED_FIRED);
    state_codec_decode(&codec, child, decoded);
    assert_true(decoded[0] == 0 && decoded[1] == 0);
    /* From count = 1, add asks for a wider count. */
    assert_int_equal(state_codec_encode(&codec, (model_value[]){1, 1},
                                        state_packed), -1);
    assert_int_equal(packed_model_fire(packed, 0, state_packed, child, &value),
                     1);
    assert_true(value == 2);
    packed_model_free(packed);
    state_codec_free(&codec);

    /* Three bits: the inhibitor (count < 3) now shows. */
    assert_int_equal(state_codec_init(&codec, 2, (uint8_t[]){1, 3}, NULL, NULL), 0);
    packed = packed_model_create(m, &codec, true);
    assert_non_null(packed);
    assert_int_equal(state_codec_encode(&codec, (model_value[]){1, 3},
                                        state_packed), -1);
    assert_int_equal(packed_model_enabled(packed, state_packed, candidates,
                                          enabled), 1);
    assert_int_equal(enabled[0], 0);
    assert_int_equal(state_codec_encode(&codec, (model_value[]){0, 2},
                                        state_packed), -1);
    assert_int_equal(packed_model_enabled(packed, state_packed, candidates,
                                          enabled), 0);
    /* A model that is not linear compiles to nothing. */
    model asking = *m;
    asking.linear = false;
    assert_null(packed_model_create(&asking, &codec, true));
    packed_model_free(packed);
    state_codec_free(&codec);
    model_destroy(m);
    pn_net_free(parsed);
}

/* The explorer uses only the exclusive sets it can check (codec.h): those
 * that save the most bits first, with members tested for 0 at the first
 * and the last index, and none with three such members. */
static void test_exclusive_sets_checked(void **state)
{
    (void)state;
    /* Process a cycles a0 -> a1 -> a2 -> a3 -> a0, a1 -> a2 only while b
     * is at b1; process b goes b0 -> b1 unless a is at a2, and back unless
     * a is at a1.  The second time, a0 -> a1 also needs a3 empty (always
     * so there): a third member of a tested for 0. */
    for (int third = 0; third <= 1; third++) {
        char net[4096];
        snprintf(net, sizeof net,
                 PNML_OPEN
                 "<place id=\"a0\"><initialMarking><text>1</text>"
                 "</initialMarking></place><place id=\"a1\"/>"
                 "<place id=\"a2\"/><place id=\"a3\"/>\n"
                 "<place id=\"b0\"><initialMarking><text>1</text>"
                 "</initialMarking></place><place id=\"b1\"/>\n"
                 "<transition id=\"a01\"/><transition id=\"a12\"/>"
                 "<transition id=\"a23\"/><transition id=\"a30\"/>"
                 "<transition id=\"b01\"/><transition id=\"b10\"/>\n"
                 "<arc id=\"1\" source=\"a0\" target=\"a01\"/>"
                 "<arc id=\"2\" source=\"a01\" target=\"a1\"/>"
                 "<arc id=\"3\" source=\"a1\" target=\"a12\"/>"
                 "<arc id=\"4\" source=\"a12\" target=\"a2\"/>"
                 "<arc id=\"5\" source=\"b1\" target=\"a12\">"
                 "<type value=\"read\"/></arc>"
                 "<arc id=\"6\" source=\"a2\" target=\"a23\"/>"
                 "<arc id=\"7\" source=\"a23\" target=\"a3\"/>"
                 "<arc id=\"8\" source=\"a3\" target=\"a30\"/>"
                 "<arc id=\"9\" source=\"a30\" target=\"a0\"/>"
                 "<arc id=\"10\" source=\"b0\" target=\"b01\"/>"
                 "<arc id=\"11\" source=\"b01\" target=\"b1\"/>"
                 "<arc id=\"12\" source=\"a2\" target=\"b01\"><type "
                 "value=\"inhibitor\"/></arc>"
                 "<arc id=\"13\" source=\"b1\" target=\"b10\"/>"
                 "<arc id=\"14\" source=\"b10\" target=\"b0\"/>"
                 "<arc id=\"15\" source=\"a1\" target=\"b10\"><type "
                 "value=\"inhibitor\"/></arc>\n%s"
                 PNML_CLOSE,
                 third ? "<arc id=\"16\" source=\"a3\" target=\"a01\">"
                         "<type value=\"inhibitor\"/></arc>\n"
                       : "");
        pnsim_error error;
        pn_net *parsed = pnml_read_memory(net, strlen(net), "n.pnml", &error);
        assert_non_null(parsed);
        model *m = pn_net_model(parsed, &error);
        assert_non_null(m);
        /* The front end proves {a0, a1, a2, a3} and {b0, b1}. */
        assert_int_equal(m->exclusive_count, 2);
        /* Claims, some wrong: {a1, a2} holds no token initially; {a0, a1}
         * loses its token to a2; {a0, b0} holds two; {b1, b0} and {a3,
         * a2, a0, a1} are right, and the larger saves more bits. */
        static const size_t start[] = {0, 2, 4, 6, 8, 12};
        static const uint32_t slots[] = {1, 2, 0, 1, 0, 4, 5, 4, 3, 2, 0, 1};
        model claimed = *m;
        claimed.exclusive_count = 5;
        claimed.exclusive_start = start;
        claimed.exclusive_slots = slots;
        model_value initial[6];
        model_initial_state(m, initial);
        state_codec_sets sets;
        assert_int_equal(state_codec_choose_sets(&claimed, initial, &sets), 0);
        if (third) {
            /* a1, a2 and a3 are tested for 0: set a is left out. */
            static const uint32_t chosen[] = {5, 4};
            assert_int_equal(sets.count, 1);
            assert_memory_equal(sets.slots, chosen, sizeof chosen);
        } else {
            /* a2 and a1, tested for 0, take indices 0 and 3. */
            static const uint32_t chosen[] = {2, 3, 0, 1, 5, 4};
            assert_int_equal(sets.count, 2);
            assert_int_equal(sets.start[1], 4);
            assert_int_equal(sets.start[2], 6);
            assert_memory_equal(sets.slots, chosen, sizeof chosen);
        }
        state_codec_sets_free(&sets);
        /* A model that is not linear keeps its sets unchecked: none used. */
        model asking = *m;
        asking.linear = false;
        assert_int_equal(state_codec_choose_sets(&asking, initial, &sets), 0);
        assert_int_equal(sets.count, 0);
        state_codec_sets_free(&sets);

        /* Searches with the claims, and without sets, agree. */
        pnsim_error error_asked;
        explore_result *packed = explore(&claimed, 2, 0, &error);
        explore_result *asked = explore(&asking, 1, 0, &error_asked);
        expect_same(m, packed, asked, net);
        const explore_stats *stats = explore_result_stats(packed);
        assert_int_equal(stats->exclusive_sets, third ? 1 : 2);
        assert_int_equal(stats->state_words, 1);
        assert_true(stats->max_slot_sum == 2 && stats->max_slot_value == 1);
        assert_true(stats->states > 4);
        explore_result_free(packed);
        explore_result_free(asked);
        model_destroy(m);
        pn_net_free(parsed);
    }
}

/* Whether transition t's guards hold for `values`, from the model's facts
 * alone. */
static bool guards_hold(const model *m, uint32_t t, const model_value *values)
{
    const model_transition *facts = &m->transitions[t];
    for (size_t g = 0; g < facts->guard_count; g++) {
        const model_guard *guard = &facts->guards[g];
        model_value value = values[guard->slot];
        if (value < guard->at_least ||
            (guard->below != 0 && value >= guard->below))
            return false;
    }
    return true;
}

/* Enabledness by table (packed_table.h): on random nets under random
 * widths, fields sit across what would be byte boundaries and some are
 * wider than a chunk (their guards are tested whole after the look-ups).
 * In random states the table must give exactly the transitions whose
 * guards hold, as the candidates' tests do. */
static void test_enabled_table(void **state)
{
    (void)state;
    static text out;
    size_t rounds = 300, with_rest = 0, enabled_seen = 0, disabled_seen = 0;
    for (size_t round = 0; round < rounds; round++) {
        pn_net *parsed;
        state_codec codec;
        model *m = random_net_and_codec(&out, 6, 10, &parsed, &codec);
        packed_model *by_table = packed_model_create(m, &codec, true);
        packed_model *by_tests = packed_model_create(m, &codec, false);
        assert_non_null(by_table);
        assert_non_null(by_tests);
        /* A few places and transitions: a table always pays. */
        assert_non_null(by_table->table);
        assert_null(by_tests->table);
        with_rest += by_table->table->rest_count > 0;
        for (unsigned trial = 0; trial < 40; trial++) {
            model_value values[8];
            uint64_t packed_state[8], candidates[2];
            uint32_t from_table[64], from_tests[64];
            random_values(&codec, 3, 5, values, packed_state);
            size_t count = packed_model_enabled(by_table, packed_state,
                                                candidates, from_table);
            assert_int_equal(packed_model_enabled(by_tests, packed_state,
                                                  candidates, from_tests),
                             count);
            assert_memory_equal(from_table, from_tests,
                                count * sizeof *from_table);
            size_t next = 0;
            for (uint32_t t = 0; t < m->transition_count; t++) {
                bool holds = guards_hold(m, t, values);
                bool listed = next < count && from_table[next] == t;
                assert_true(holds == listed);
                next += listed;
                enabled_seen += holds;
                disabled_seen += !holds;
            }
        }
        packed_model_free(by_table);
        packed_model_free(by_tests);
        state_codec_free(&codec);
        model_destroy(m);
        pn_net_free(parsed);
    }
    /* Both answers, and guards the table leaves to a whole test, came up. */
    assert_true(with_rest > rounds / 10);
    assert_true(enabled_seen > 1000 && disabled_seen > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fire_and_widen),
        cmocka_unit_test(test_fire_word_arithmetic),
        cmocka_unit_test(test_enabled_table),
        cmocka_unit_test(test_diamonds_wide_level),
        cmocka_unit_test(test_diamonds_from_a_pool),
        cmocka_unit_test(test_edges_back),
        cmocka_unit_test(test_random_nets),
        cmocka_unit_test(test_random_nets_near_overflow),
        cmocka_unit_test(test_random_process_nets),
        cmocka_unit_test(test_random_dense_process_nets),
        cmocka_unit_test(test_random_wide_process_nets),
        cmocka_unit_test(test_exclusive_sets_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
