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
 * smaller t that commutes with g is also a successor of x' = p·t by g, so
 * some other edge of the same level brings it into the store.
 *
 * Only the pairs that do not commute are kept: for each transition, the
 * smaller transitions it conflicts with, in increasing order.  A
 * transition of one process conflicts with the few that share its slots,
 * so the lists stay short where a matrix of pairs would grow with the
 * square of the transitions.
 */
#ifndef PNSIM_COMMUTE_H
#define PNSIM_COMMUTE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

typedef struct commute_table commute_table;

/* The most entries (pairs that do not commute) a table may hold: past it
 * commute_table_create gives up, as on a net whose transitions nearly all
 * share one slot, where hardly a pair commutes. */
#define COMMUTE_MAX_ENTRIES ((size_t)1 << 22)

/* Builds the table of `model`, which must outlive it.  Returns NULL when
 * the model is not linear, when it has more pairs that do not commute than
 * COMMUTE_MAX_ENTRIES, or when memory is short.  The caller owns the
 * result (commute_table_free). */
commute_table *commute_table_create(const model *model);

void commute_table_free(commute_table *table);

/* The transitions smaller than `transition` that do not commute with it,
 * in increasing order; their number goes to `count`.  The array belongs to
 * the table. */
const uint32_t *commute_conflicts(const commute_table *table,
                                  uint32_t transition, size_t *count);

#endif
