/*
 * refine.h — refinement checking in CSP's traces (T), stable failures (F)
 * and failures-divergences (FD) models, over any model whose transitions
 * are labelled visible, internal (τ) or termination (✓).  It sees models
 * only through model.h and explore.h.
 *
 * The method is FDR's:
 *   1. The specification is explored and normalised (lts_normal.h):
 *      τ-closure and subset construction give a deterministic transition
 *      system over visible events; each normal state (a τ-closed set of
 *      specification states) carries its minimal acceptances (the initials
 *      of its stable members, {✓} for any member that can terminate, minimal
 *      ones kept) and a divergence flag (a member lies on a τ-cycle).
 *   2. Pairs (normal state, implementation state) are explored breadth-first
 *      from the pair of initial states by the parallel explorer (explore.h),
 *      as the states of a product model (refine_product.h) in which a
 *      violation is a step to an error state, the product's only kind of
 *      deadlock; the implementation is explored on the fly, so a violation
 *      is found without exploring all of it, and the first one met has a
 *      shortest run (fewest implementation steps, τ included), the same
 *      run on any number of threads:
 *        T   the implementation does an event (or ✓) the normal state
 *            cannot;
 *        F   also: a stable implementation state whose acceptance contains
 *            none of the normal state's minimal acceptances (it refuses
 *            more than the specification allows);
 *        FD  also: an implementation state on a τ-cycle where the normal
 *            state is not divergent.  In FD a divergent normal state allows
 *            everything after it, so pairs with one are not expanded.
 *      ✓ ends a run: after it nothing is compared.  A stable state that can
 *      terminate may refuse every visible event, not ✓.
 *
 * Divergence (FD) and its trade-off.  Whether an implementation state lies
 * on a τ-cycle is a property of the whole τ-graph around it, which a
 * successor function that may run on any thread, without shared mutable
 * state, cannot settle cheaply: a search of the τ-closure from every state
 * costs the closure's size per state (quadratic in a heavily hidden
 * system) and needs a bound.  So for FD, and only when the implementation
 * has τ transitions at all, it is first explored once completely on its
 * own (one thread: the graph is recorded through the explorer's hooks),
 * Tarjan's algorithm marks its states on τ-cycles, and the product looks
 * them up in a read-only set.  The price: an FD check explores the whole
 * implementation even when a violation is near the start, and an infinite
 * implementation with τ makes it inconclusive (the state limit) where T and
 * F can still find a violation.  `impl_states` counts the states of that
 * pass; T and F checks, and FD checks of implementations without τ, leave
 * it 0 (the implementation is explored only inside the product, `pairs`).
 *
 * Events of the two models are matched by label (`event`, or `name` when
 * that is NULL).  The product runs on options->threads threads.  Limits
 * (states, memory, time, interrupt) apply to each phase: `max_states`
 * bounds the specification's exploration, its normal states, the
 * implementation's exploration for FD and the pairs alike.
 */
#ifndef PNSIM_REFINE_H
#define PNSIM_REFINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "explore.h"
#include "lts_check.h"
#include "model.h"

typedef enum refine_semantics {
    REFINE_TRACES,
    REFINE_FAILURES,
    REFINE_FAILURES_DIVERGENCES
} refine_semantics;

typedef enum refine_ending {
    REFINE_END_NONE,
    REFINE_END_TRACE,       /* after `trace`, the implementation does `event`
                               and the specification cannot */
    REFINE_END_REFUSAL,     /* after `trace`, a stable implementation state
                               refuses `refusal` (it offers only `offers`),
                               which no specification acceptance allows */
    REFINE_END_DIVERGENCE   /* after `trace`, the implementation diverges
                               (`loop`: the τ-cycle) and the specification
                               cannot */
} refine_ending;

/* The label refine uses for ✓. */
#define REFINE_TICK "✓"

typedef struct refine_result {
    lts_verdict verdict;
    explore_outcome outcome;    /* why the check ended (limits) */
    uint64_t spec_states;       /* specification states explored */
    uint64_t normal_states;     /* states of its normal form */
    uint64_t impl_states;       /* implementation states explored on their
                                   own (FD with τ only; else 0) */
    uint64_t pairs, edges;      /* the product explored */
    double seconds;
    refine_ending ending;
    /* Strings point into the models (or are REFINE_TICK): keep the models
     * alive while the result is used. */
    size_t length;
    const char **trace;         /* visible events, length entries */
    const char *event;          /* REFINE_END_TRACE */
    size_t refusal_count;       /* REFINE_END_REFUSAL: the events of the */
    const char **refusal;       /* specification's acceptances refused */
    size_t offer_count;
    const char **offers;        /* what the implementation state offers */
    size_t acceptance_count;    /* the specification's minimal acceptances */
    size_t *acceptance_sizes;   /* there: acceptance k has sizes[k] events, */
    const char **acceptance_events; /* consecutive in this array */
    size_t loop_length;         /* REFINE_END_DIVERGENCE */
    const char **loop;          /* names of the τ transitions of the cycle */
} refine_result;

/* Checks `spec` ⊑ `impl` in `semantics`.  `options` carries the limits and
 * interrupt flag; its hooks must be NULL.  Returns PNSIM_OK with `result`
 * filled (a limit gives LTS_UNKNOWN, not an error), or an error.  The caller
 * frees the result with refine_result_free. */
pnsim_status refine_check(const model *spec, const model *impl,
                          refine_semantics semantics,
                          const explore_options *options, refine_result *result,
                          pnsim_error *error);

void refine_result_free(refine_result *result);

/* ---- the normal form, for inspection ---------------------------------- */

typedef struct refine_normal refine_normal;

/* Explores and normalises `spec`.  Returns PNSIM_OK and *normal (NULL when
 * a limit ended it: *outcome says which), or an error. */
pnsim_status refine_normalise(const model *spec, const explore_options *options,
                              refine_normal **normal, explore_outcome *outcome,
                              pnsim_error *error);
void refine_normal_free(refine_normal *normal);

/* Normal states are numbered 0 (initial) .. count - 1. */
size_t refine_normal_count(const refine_normal *normal);
bool refine_normal_divergent(const refine_normal *normal, size_t state);
bool refine_normal_can_terminate(const refine_normal *normal, size_t state);
/* The normal state after visible `event`, or -1 when it cannot happen. */
long refine_normal_after(const refine_normal *normal, size_t state,
                         const char *event);
/* Number of specification states in the τ-closed set. */
size_t refine_normal_members(const refine_normal *normal, size_t state);
/* Minimal acceptances: how many, and the k-th as event names (✓ as
 * REFINE_TICK), sorted by the label's first appearance; *events points
 * into a buffer of the normal form valid until the next call. */
size_t refine_normal_acceptance_count(const refine_normal *normal, size_t state);
size_t refine_normal_acceptance(refine_normal *normal, size_t state, size_t k,
                                const char *const **events);

#endif
