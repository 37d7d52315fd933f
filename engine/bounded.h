/*
 * bounded.h — the witness that a model is unbounded.
 *
 * An exploration with find_pumping (explore.h) on a monotone model
 * (model.monotone: a Petri net without inhibitor arcs) ends with outcome
 * EXPLORE_UNBOUNDED when it reaches a state that strictly covers one of its
 * ancestors: at least as many tokens in every place, more in some.  The
 * steps from the ancestor to that state can then fire again from the
 * covering state, and again, each time adding the same tokens: the
 * pumping sequence.  Karp and Miller's coverability tree marks those places
 * omega; pnsim reports the run and the places that grow.
 */
#ifndef PNSIM_BOUNDED_H
#define PNSIM_BOUNDED_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "explore.h"
#include "model.h"

typedef struct bounded_pumping {
    explore_trace trace;   /* a shortest run to the covering state */
    size_t from;           /* trace.states[from] is the covered ancestor;
                              steps from .. trace.length - 1 pump */
    size_t growing_count;  /* slots larger in the covering state */
    uint32_t *growing;
} bounded_pumping;

/* Builds the witness of an exploration that ended EXPLORE_UNBOUNDED.
 * Returns PNSIM_OK, or an error (PNSIM_ERR_USAGE when the result holds no
 * pumping).  Free with bounded_pumping_free. */
pnsim_status bounded_pumping_build(const model *model,
                                   const explore_result *result,
                                   bounded_pumping *pumping,
                                   pnsim_error *error);

void bounded_pumping_free(bounded_pumping *pumping);

#endif
