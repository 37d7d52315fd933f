/*
 * commute.h — which transitions of a linear model commute.
 *
 * Two transitions g and t of a linear model (model.h) commute when neither
 * changes a slot that the other's guards read.  In any state p enabling
 * both, each is still enabled once the other has fired, and since effects
 * add up, firing them in either order reaches the same state: the paths
 * p -g-> x -t-> y and p -t-> x' -g-> y close a diamond.
 *
 * The explorer counts such edges without computing where they lead
 * (explore.c, "Diamonds"): in a state x reached by g, a successor by a
 * t that commutes with g (smaller than g, or on some levels larger) is
 * also a successor of x' = p·t by g, so some other edge of the same level
 * brings it into the store.
 *
 * Two transitions that do not commute in every state may still commute in
 * the state p where g was fired: when t is enabled there and g still is
 * once t has fired, as where they share a place that holds tokens for
 * both.  The explorer tests that in p (explore.c), and the table says
 * whom to test and what: not a pair that shares a slot holding at most 1
 * (slot_bounds), where the one that changes it turns the other's guard
 * on it from true to false or back (the guards of a safe net's
 * transitions on a shared place), so never commutes so; then t's guards
 * in p, and only for a t that changes a slot g reads, g's guards after t.
 *
 * A transition t whose effects are the opposite of g's undoes it: in a
 * state x reached by g from p, x·t = p, a state of the level before, so
 * its edge needs no look-up either, whatever the side (explore.c).  A
 * process's loops give such pairs: Kanban's tredo and tback, Dekker's try
 * and withdraw (Kanban-PT-00005: 1.95 million of the 4.5 million edges
 * it followed; Dekker-PT-015: 1.93 of 3.0 million).
 *
 * The table keeps, for each transition g, the transitions that commute
 * with g as a row of bits: the explorer ands it with the bits of the
 * enabled transitions, and counts the diamonds of a state with a few
 * popcounts instead of a look-up per enabled transition (Dekker-PT-020:
 * about a hundred enabled transitions a state, 86 of them diamonds); and
 * two more, unless no slot may hold more than 1: the transitions worth
 * testing, and those that change a slot g reads; and, where some pair
 * undoes each other, the transitions that undo g.  A row has (T + 63) / 64
 * words for T transitions, so the rows take at most T^2 / 2 bytes:
 * COMMUTE_MAX_TRANSITIONS bounds them.
 */
#ifndef PNSIM_COMMUTE_H
#define PNSIM_COMMUTE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Declared here so that commute_row, asked once for every state a search
 * expands, is inline; only commute.c builds and frees one. */
typedef struct commute_table {
    size_t *start;        /* transition t's row: rows[start[t] ..
                             start[t + 1] - 1], and likewise in changing */
    uint64_t *rows;       /* the transitions that commute with t */
    uint64_t *testing;    /* those that may commute with t in a state:
                             NULL when none may */
    uint64_t *changing;   /* the transitions that change a slot t reads,
                             NULL with `testing` */
    uint64_t *undoing;    /* the transitions whose effects are the
                             opposite of t's: NULL when none are */
} commute_table;

/* The most pairs that do not commute a table may have: past it
 * commute_table_create gives up, as on a net whose transitions nearly all
 * share one slot, where hardly a pair commutes. */
#define COMMUTE_MAX_ENTRIES ((size_t)1 << 22)

/* The most transitions a table takes: its rows then take 128 MiB at most. */
#define COMMUTE_MAX_TRANSITIONS ((size_t)1 << 14)

/* Builds the table of `model`, which must outlive it.  Returns NULL when
 * the model is not linear, has more than COMMUTE_MAX_TRANSITIONS
 * transitions or more pairs that do not commute than COMMUTE_MAX_ENTRIES,
 * or when memory is short.  The caller owns the result
 * (commute_table_free). */
commute_table *commute_table_create(const model *model);

void commute_table_free(commute_table *table);

/* The transitions other than `transition` that commute with it, as bits
 * (transition t is bit t % 64 of word t / 64); their number of words,
 * (T + 63) / 64 for T transitions, goes to `words`.  The array belongs to
 * the table. */
static inline const uint64_t *commute_row(const commute_table *table,
                                          uint32_t transition, size_t *words)
{
    *words = table->start[transition + 1] - table->start[transition];
    return table->rows + table->start[transition];
}

/* The transitions that do not commute with `transition` but may in some
 * states (see above), as bits, in as many words as commute_row's; NULL
 * when no two transitions may.  The array belongs to the table. */
static inline const uint64_t *commute_testing_row(const commute_table *table,
                                                  uint32_t transition)
{
    return table->testing != NULL ? table->testing + table->start[transition]
                                  : NULL;
}

/* The transitions other than `transition` that change a slot it reads:
 * those whose firing may enable or disable it, as bits, in as many words
 * as commute_row's; NULL with commute_testing_row.  The array belongs to
 * the table. */
static inline const uint64_t *commute_changing_row(const commute_table *table,
                                                   uint32_t transition)
{
    return table->changing != NULL
               ? table->changing + table->start[transition]
               : NULL;
}

/* The transitions whose effects are the opposite of `transition`'s (each
 * slot given back what it took, and taken what it was given), as bits, in
 * as many words as commute_row's; NULL when no two transitions undo each
 * other.  The array belongs to the table. */
static inline const uint64_t *commute_undoing_row(const commute_table *table,
                                                  uint32_t transition)
{
    return table->undoing != NULL ? table->undoing + table->start[transition]
                                  : NULL;
}

#endif
