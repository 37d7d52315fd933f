/*
 * test_commute.c — which transitions commute (commute.h).
 *
 * A hand-made net of two processes and a lock, where each pair's answer
 * can be read off the arcs; a pool of tokens, whose pairs commute only in
 * some states, and which ones are to be tested there; transitions that
 * undo others; and the limits: a model that is not linear,
 * one where nearly no pair commutes, and one of too many transitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commute.h"
#include "pnml/pn_net.h"

#define PNML_OPEN                                                         \
    "<?xml version=\"1.0\"?>\n<pnml xmlns=\"http://www.pnml.org/"          \
    "version-2009/grammar/pnml\"><net id=\"n\" type=\"http://"              \
    "www.pnml.org/version-2009/grammar/ptnet\"><page id=\"g\">\n"
#define PNML_CLOSE "</page></net></pnml>\n"

#define ARC(id, from, to) \
    "<arc id=\"" id "\" source=\"" from "\" target=\"" to "\"/>\n"

/* Two processes a and b share a lock; `look` reads a1 and counts in c,
 * below 2 (an inhibitor arc).  Transitions, in index order:
 *   0 a_start  a0 -> a1         1 b_start  b0 -> b1
 *   2 a_lock   a1, lock -> a2   3 b_lock   b1, lock -> b2
 *   4 a_free   a2 -> a0, lock   5 look     reads a1, c < 2: c + 1 */
static const char lock_net[] =
    PNML_OPEN
    "<place id=\"a0\"><initialMarking><text>1</text></initialMarking>"
    "</place><place id=\"a1\"/><place id=\"a2\"/>\n"
    "<place id=\"b0\"><initialMarking><text>1</text></initialMarking>"
    "</place><place id=\"b1\"/><place id=\"b2\"/>\n"
    "<place id=\"lock\"><initialMarking><text>1</text></initialMarking>"
    "</place><place id=\"c\"/>\n"
    "<transition id=\"a_start\"/><transition id=\"b_start\"/>\n"
    "<transition id=\"a_lock\"/><transition id=\"b_lock\"/>\n"
    "<transition id=\"a_free\"/><transition id=\"look\"/>\n"
    ARC("1", "a0", "a_start") ARC("2", "a_start", "a1")
    ARC("3", "b0", "b_start") ARC("4", "b_start", "b1")
    ARC("5", "a1", "a_lock") ARC("6", "lock", "a_lock")
    ARC("7", "a_lock", "a2")
    ARC("8", "b1", "b_lock") ARC("9", "lock", "b_lock")
    ARC("10", "b_lock", "b2")
    ARC("11", "a2", "a_free") ARC("12", "a_free", "a0")
    ARC("13", "a_free", "lock")
    "<arc id=\"14\" source=\"a1\" target=\"look\"><type value=\"read\"/>"
    "</arc>\n"
    "<arc id=\"15\" source=\"c\" target=\"look\"><type value=\"inhibitor\"/>"
    "<inscription><text>2</text></inscription></arc>\n"
    ARC("16", "look", "c")
    PNML_CLOSE;

static model *read_model(const char *text, size_t length, pn_net **net)
{
    pnsim_error error;
    *net = pnml_read_memory(text, length, "net.pnml", &error);
    assert_non_null(*net);
    model *m = pn_net_model(*net, &error);
    assert_non_null(m);
    return m;
}

/* Checks that the transitions of the `transitions` that do not commute
 * with `transition` are the `count` of `expected`, in increasing order:
 * its row has every other transition, and nothing else. */
static void expect_conflicts(const commute_table *table, size_t transitions,
                             uint32_t transition, const uint32_t *expected,
                             size_t count)
{
    size_t words, next = 0;
    const uint64_t *row = commute_row(table, transition, &words);
    assert_int_equal(words, (transitions + 63) / 64);
    for (uint32_t t = 0; t < words * 64; t++) {
        bool commutes = (row[t / 64] >> (t % 64)) & 1;
        bool conflicts =
            expected != NULL && next < count && expected[next] == t;
        next += conflicts;
        assert_int_equal(commutes,
                         t < transitions && t != transition && !conflicts);
    }
    assert_int_equal(next, count);
}

static void test_two_processes_and_a_lock(void **state)
{
    (void)state;
    pn_net *net;
    model *m = read_model(lock_net, strlen(lock_net), &net);
    assert_int_equal(m->transition_count, 6);
    commute_table *table = commute_table_create(m);
    assert_non_null(table);
    /* The processes' steps commute, but for the lock; `look` conflicts
     * with the steps that move a's token into or out of a1. */
    expect_conflicts(table, 6, 0, (const uint32_t[]){2, 4, 5}, 3);
    expect_conflicts(table, 6, 1, (const uint32_t[]){3}, 1);
    expect_conflicts(table, 6, 2, (const uint32_t[]){0, 3, 4, 5}, 4);
    expect_conflicts(table, 6, 3, (const uint32_t[]){1, 2, 4}, 3);
    expect_conflicts(table, 6, 4, (const uint32_t[]){0, 2, 3}, 3);
    expect_conflicts(table, 6, 5, (const uint32_t[]){0, 2}, 2);
    /* Place c may hold 2, so pairs are tested in a state; but every pair
     * that does not commute shares a place holding at most 1, and never
     * commutes in a state: none is to be tested. */
    for (uint32_t g = 0; g < 6; g++) {
        assert_non_null(commute_testing_row(table, g));
        assert_int_equal(commute_testing_row(table, g)[0], 0);
    }
    /* No step undoes another (a_free gives a0, not a1): no undoing rows. */
    for (uint32_t g = 0; g < 6; g++)
        assert_null(commute_undoing_row(table, g));
    commute_table_free(table);

    /* A model that is not linear says nothing of its transitions. */
    model asking = *m;
    asking.linear = false;
    assert_null(commute_table_create(&asking));
    model_destroy(m);
    pn_net_free(net);
}

/* An inhibitor arc reads its place: the steps that fill it conflict with
 * the one it guards, though that one takes nothing there. */
static void test_inhibitor_reads(void **state)
{
    (void)state;
    static const char text[] =
        PNML_OPEN
        "<place id=\"p\"/><place id=\"q\"><initialMarking><text>1</text>"
        "</initialMarking></place><place id=\"r\"/>\n"
        "<transition id=\"fill\"/><transition id=\"guarded\"/>\n"
        ARC("1", "fill", "p") ARC("2", "q", "guarded")
        ARC("3", "guarded", "r")
        "<arc id=\"4\" source=\"p\" target=\"guarded\"><type "
        "value=\"inhibitor\"/></arc>\n"
        PNML_CLOSE;
    pn_net *net;
    model *m = read_model(text, strlen(text), &net);
    commute_table *table = commute_table_create(m);
    assert_non_null(table);
    expect_conflicts(table, 2, 0, (const uint32_t[]){1}, 1);
    expect_conflicts(table, 2, 1, (const uint32_t[]){0}, 1);
    commute_table_free(table);
    model_destroy(m);
    pn_net_free(net);
}

/* Three transitions take a token each from a pool of `tokens` into places
 * of their own, and `peek`, once, takes none but needs the pool empty (an
 * inhibitor arc).  All four share the pool. */
static model *read_pool(unsigned tokens, pn_net **net)
{
    char text[2048];
    int length = snprintf(
        text, sizeof text,
        PNML_OPEN "<place id=\"pool\"><initialMarking><text>%u</text>"
                  "</initialMarking></place><place id=\"q0\"/>"
                  "<place id=\"q1\"/><place id=\"q2\"/>"
                  "<place id=\"once\"><initialMarking><text>1</text>"
                  "</initialMarking></place><place id=\"done\"/>\n"
                  "<transition id=\"t0\"/><transition id=\"t1\"/>"
                  "<transition id=\"t2\"/><transition id=\"peek\"/>\n"
                  ARC("1", "pool", "t0") ARC("2", "t0", "q0")
                  ARC("3", "pool", "t1") ARC("4", "t1", "q1")
                  ARC("5", "pool", "t2") ARC("6", "t2", "q2")
                  "<arc id=\"7\" source=\"pool\" target=\"peek\"><type "
                  "value=\"inhibitor\"/></arc>\n"
                  ARC("8", "once", "peek") ARC("9", "peek", "done")
                  PNML_CLOSE,
        tokens);
    assert_true(length > 0 && (size_t)length < sizeof text);
    return read_model(text, (size_t)length, net);
}

/* Bits of a row's first word. */
static uint64_t bits(const uint32_t *transitions, size_t count)
{
    uint64_t row = 0;
    for (size_t i = 0; i < count; i++)
        row |= (uint64_t)1 << transitions[i];
    return row;
}

/* Transitions sharing a pool of tokens commute in no state in general, but
 * in the states where the pool holds enough for both: every pair is to be
 * tested, and those that take from the pool change what the others read.
 * With one token in the pool no place holds more than 1: nothing is. */
static void test_pool_is_tested(void **state)
{
    (void)state;
    pn_net *net;
    model *m = read_pool(3, &net);
    commute_table *table = commute_table_create(m);
    assert_non_null(table);
    static const uint32_t others[4][3] = {
        {1, 2, 3}, {0, 2, 3}, {0, 1, 3}, {0, 1, 2}};
    for (uint32_t g = 0; g < 4; g++) {
        expect_conflicts(table, 4, g, others[g], 3);
        assert_int_equal(commute_testing_row(table, g)[0],
                         bits(others[g], 3));
        /* Only the takers change the pool; peek changes what only it
         * reads. */
        assert_int_equal(commute_changing_row(table, g)[0],
                         bits(others[g], 3) & ~((uint64_t)1 << 3));
    }
    commute_table_free(table);
    model_destroy(m);
    pn_net_free(net);

    m = read_pool(1, &net);
    table = commute_table_create(m);
    assert_non_null(table);
    for (uint32_t g = 0; g < 4; g++) {
        expect_conflicts(table, 4, g, others[g], 3);
        assert_null(commute_testing_row(table, g));
        assert_null(commute_changing_row(table, g));
    }
    commute_table_free(table);
    model_destroy(m);
    pn_net_free(net);
}

/* Transitions that undo others: each slot given back what another took,
 * and taken what it was given; a place read on the way (a read arc, or a
 * place taken from and refilled) counts as not changed (the lock net,
 * where none does, is above).  In index order:
 *   0 enter      idle, lock -> busy       1 leave      busy -> idle, lock
 *   2 finish     busy -> done, lock       3 enter2     2 idle -> busy
 *   4 back2      busy -> 2 idle           5 enter_flag idle, lock -> busy,
 *                                                      reading flag
 *   6 enter_loop idle, lock, flag -> busy, flag */
static const char undo_net[] =
    PNML_OPEN
    "<place id=\"idle\"><initialMarking><text>3</text></initialMarking>"
    "</place><place id=\"busy\"/><place id=\"done\"/>\n"
    "<place id=\"lock\"><initialMarking><text>1</text></initialMarking>"
    "</place><place id=\"flag\"><initialMarking><text>1</text>"
    "</initialMarking></place>\n"
    "<transition id=\"enter\"/><transition id=\"leave\"/>"
    "<transition id=\"finish\"/><transition id=\"enter2\"/>"
    "<transition id=\"back2\"/><transition id=\"enter_flag\"/>"
    "<transition id=\"enter_loop\"/>\n"
    ARC("1", "idle", "enter") ARC("2", "lock", "enter") ARC("3", "enter", "busy")
    ARC("4", "busy", "leave") ARC("5", "leave", "idle") ARC("6", "leave", "lock")
    ARC("7", "busy", "finish") ARC("8", "finish", "done")
    ARC("9", "finish", "lock")
    "<arc id=\"10\" source=\"idle\" target=\"enter2\"><inscription>"
    "<text>2</text></inscription></arc>\n"
    ARC("11", "enter2", "busy") ARC("12", "busy", "back2")
    "<arc id=\"13\" source=\"back2\" target=\"idle\"><inscription>"
    "<text>2</text></inscription></arc>\n"
    ARC("14", "idle", "enter_flag") ARC("15", "lock", "enter_flag")
    ARC("16", "enter_flag", "busy")
    "<arc id=\"17\" source=\"flag\" target=\"enter_flag\"><type "
    "value=\"read\"/></arc>\n"
    ARC("18", "idle", "enter_loop") ARC("19", "lock", "enter_loop")
    ARC("20", "flag", "enter_loop") ARC("21", "enter_loop", "busy")
    ARC("22", "enter_loop", "flag")
    PNML_CLOSE;

static void test_undoing(void **state)
{
    (void)state;
    pn_net *net;
    model *m = read_model(undo_net, strlen(undo_net), &net);
    assert_int_equal(m->transition_count, 7);
    commute_table *table = commute_table_create(m);
    assert_non_null(table);
    static const uint64_t undoing[7] = {
        1u << 1, 1u << 0 | 1u << 5 | 1u << 6, 0, 1u << 4, 1u << 3,
        1u << 1, 1u << 1};
    for (uint32_t g = 0; g < 7; g++) {
        assert_non_null(commute_undoing_row(table, g));
        assert_int_equal(commute_undoing_row(table, g)[0], undoing[g]);
    }
    commute_table_free(table);
    model_destroy(m);
    pn_net_free(net);
}

/* A net of `transitions` transitions, each taking a token from a place and
 * putting it into another: all from place p (`shared`), which makes every
 * pair conflict, or each from places of its own, which makes every pair
 * commute. */
static model *read_many(size_t transitions, bool shared, pn_net **net)
{
    size_t size = 4096 + transitions * 256;
    char *text = malloc(size);
    assert_non_null(text);
    size_t length = (size_t)snprintf(
        text, size,
        PNML_OPEN "<place id=\"p\"><initialMarking><text>1</text>"
                  "</initialMarking></place><place id=\"q\"/>\n");
    for (size_t t = 0; t < transitions; t++) {
        if (!shared)
            length += (size_t)snprintf(
                text + length, size - length,
                "<place id=\"p%zu\"/><place id=\"q%zu\"/>", t, t);
        length += (size_t)snprintf(
            text + length, size - length,
            shared ? "<transition id=\"t%zu\"/><arc id=\"i%zu\" "
                     "source=\"p\" target=\"t%zu\"/><arc id=\"o%zu\" "
                     "source=\"t%zu\" target=\"q\"/>\n"
                   : "<transition id=\"t%zu\"/><arc id=\"i%zu\" "
                     "source=\"p%zu\" target=\"t%zu\"/><arc id=\"o%zu\" "
                     "source=\"t%zu\" target=\"q%zu\"/>\n",
            t, t, t, t, t, t, t);
    }
    length += (size_t)snprintf(text + length, size - length, PNML_CLOSE);
    assert_true(length < size);
    model *m = read_model(text, length, net);
    free(text);
    return m;
}

/* 3000 transitions that all take from one place: no two commute, some 4.5
 * million pairs, past COMMUTE_MAX_ENTRIES. */
static void test_too_many_conflicts(void **state)
{
    (void)state;
    size_t transitions = 3000;
    assert_true(transitions * (transitions - 1) / 2 > COMMUTE_MAX_ENTRIES);
    pn_net *net;
    model *m = read_many(transitions, true, &net);
    assert_null(commute_table_create(m));
    model_destroy(m);
    pn_net_free(net);
}

/* Transitions of processes of their own all commute: every row is full,
 * up to COMMUTE_MAX_TRANSITIONS; past it there is no table. */
static void test_rows_and_too_many_transitions(void **state)
{
    (void)state;
    pn_net *net;
    model *m = read_many(COMMUTE_MAX_TRANSITIONS, false, &net);
    commute_table *table = commute_table_create(m);
    assert_non_null(table);
    for (uint32_t g = 0; g < COMMUTE_MAX_TRANSITIONS; g += 61) {
        size_t words;
        const uint64_t *row = commute_row(table, g, &words);
        assert_int_equal(words, COMMUTE_MAX_TRANSITIONS / 64);
        for (size_t k = 0; k < words; k++)
            assert_true(row[k] == (k == g / 64
                                       ? ~((uint64_t)1 << (g % 64))
                                       : ~(uint64_t)0));
    }
    commute_table_free(table);
    model_destroy(m);
    pn_net_free(net);

    m = read_many(COMMUTE_MAX_TRANSITIONS + 1, false, &net);
    assert_null(commute_table_create(m));
    model_destroy(m);
    pn_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_processes_and_a_lock),
        cmocka_unit_test(test_inhibitor_reads),
        cmocka_unit_test(test_pool_is_tested),
        cmocka_unit_test(test_undoing),
        cmocka_unit_test(test_too_many_conflicts),
        cmocka_unit_test(test_rows_and_too_many_transitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
