/*
 * refine_product.h — the product of a normal form and an implementation,
 * as a model (model.h), so that the breadth-first explorer (explore.h)
 * searches it on all its threads.
 *
 * A product state is the vector
 *
 *     slot 0   the normal node (lts_normal.h) of the specification
 *     slot 1   REFINE_PRODUCT_PAIR, or the kind of violation
 *     slot 2.. the implementation's state
 *
 * A pair's successors are the implementation's: τ keeps the node, a
 * visible event moves it along the normal form's edge, ✓ ends the run (no
 * successor).  A violation is a transition to an error state (the pair's
 * node and implementation state, slot 1 saying which violation):
 *
 *   REFINE_PRODUCT_TRACE       by the implementation's own transition,
 *                              whose event the node cannot do;
 *   REFINE_PRODUCT_REFUSAL     by transition `refusal_transition` from a
 *                              stable implementation state that offers
 *                              none of the node's minimal acceptances;
 *   REFINE_PRODUCT_DIVERGENCE  by transition `divergence_transition`
 *                              from an implementation state on a τ-cycle
 *                              (given as a set of states) when the node
 *                              is not divergent.
 *
 * Every pair is a final state and the error states are the only dead
 * states that are not, so the explorer's stop_at_deadlock ends at the
 * first violation in breadth-first order, whatever the number of threads,
 * and its parent links give a shortest run to it.  In FD a divergent node
 * allows everything after it: such pairs have no successor.
 */
#ifndef PNSIM_REFINE_PRODUCT_H
#define PNSIM_REFINE_PRODUCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "lts_normal.h"
#include "model.h"

enum {
    REFINE_PRODUCT_PAIR = 0,
    REFINE_PRODUCT_TRACE = 1,
    REFINE_PRODUCT_REFUSAL = 2,
    REFINE_PRODUCT_DIVERGENCE = 3
};

/* Everything is borrowed and must outlive the product model. */
typedef struct refine_product_config {
    const model *impl;
    const lts_normal *normal;
    const uint32_t *label_of;   /* per implementation transition: a label
                                   of the normal form, `tau` or `tick` */
    uint32_t tau, tick;
    size_t label_count;         /* every label (tick included) is below */
    bool failures;              /* check refusals (F, FD) */
    bool divergences;           /* check divergence (FD) */
    size_t divergent_count;     /* FD: the implementation states on */
    const model_value *divergent; /* τ-cycles, state_length slots each */
} refine_product_config;

/* Builds the product model; the caller owns it (model_destroy).  Returns
 * NULL when out of memory (error set). */
model *refine_product_create(const refine_product_config *config, pnsim_error *error);

/* The transitions that lead to refusal and divergence error states; the
 * implementation's transitions keep their numbers below them. */
uint32_t refine_product_refusal_transition(const model *product);
uint32_t refine_product_divergence_transition(const model *product);

/* Index of implementation state `state` in the config's divergent array,
 * or -1. */
long refine_product_divergent_index(const model *product, const model_value *state);

#endif
