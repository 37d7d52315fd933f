/*
 * lts_check.h — behavioural checks over any model whose transitions are
 * labelled visible, internal (τ) or termination (✓): deadlock freedom,
 * divergence freedom, determinism and "has trace", in the sense FDR gives
 * them for CSP processes.  They see a model only through model.h and
 * explore.h, so any front end whose transitions carry kinds can use them.
 *
 * Definitions (the model's events are compared by their `event` label, or
 * `name` when that is NULL):
 *   deadlock      a reachable state with no successor that is not an
 *                 intended final state (not after ✓)
 *   divergence    a reachable cycle of τ transitions
 *   determinism   no trace s and event a such that s^<a> is a trace and
 *                 some stable state reached by s refuses a; a state that
 *                 can terminate, stable or not, may refuse every visible
 *                 event (✓ is a signal).  The FD variant also requires
 *                 divergence freedom
 *   has trace     the process can perform the given visible trace
 *
 * Counterexamples are shortest: deadlocks and divergences come from the
 * breadth-first explorer's parent links (fewest transitions, τ included);
 * determinism and has-trace explore sets of states breadth-first (fewest
 * visible events).
 */
#ifndef PNSIM_LTS_CHECK_H
#define PNSIM_LTS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "explore.h"
#include "model.h"

typedef enum lts_verdict {
    LTS_HOLDS,
    LTS_VIOLATED,
    LTS_UNKNOWN         /* a limit or an interrupt ended the check first */
} lts_verdict;

/* What a counterexample ends with. */
typedef enum lts_ending {
    LTS_END_NONE,
    LTS_END_DEADLOCK,       /* the last state refuses everything */
    LTS_END_DIVERGENCE,     /* the last state starts a τ-cycle (`loop`) */
    LTS_END_NONDETERMINISM, /* after `trace`, `event` can be done and refused */
    LTS_END_TRACE_MISSING   /* after `trace`, `event` cannot be done */
} lts_ending;

typedef struct lts_check_result {
    lts_verdict verdict;
    explore_outcome outcome;        /* why the exploration ended */
    uint64_t states, edges;         /* what was explored */
    double seconds;
    lts_ending ending;
    /* the counterexample: transitions of the model, τ and ✓ included
     * (deadlock, divergence), or visible events only (determinism, has
     * trace; then the names are in `events`) */
    size_t length;
    uint32_t *transitions;          /* length entries, or NULL */
    const char **events;            /* length entries (visible traces) */
    size_t loop_length;
    uint32_t *loop;                 /* divergence: the τ-cycle */
    const char *event;              /* nondeterminism / missing event */
    model_value *final_state;       /* the state the run ends in (copy) */
} lts_check_result;

/* Fills `result` for each check.  `options` carries the limits, interrupt
 * flag and final-state predicate (explore.h); its hooks must be NULL.
 * Returns PNSIM_OK, or an error (out of memory, the model failed) with
 * `error` set; a limit is not an error but an LTS_UNKNOWN verdict.  The
 * caller frees the result with lts_check_result_free. */
pnsim_status lts_check_deadlock(const model *model, const explore_options *options,
                                bool divergence_too, lts_check_result *result,
                                pnsim_error *error);
pnsim_status lts_check_divergence(const model *model,
                                  const explore_options *options,
                                  lts_check_result *result, pnsim_error *error);
pnsim_status lts_check_determinism(const model *model,
                                   const explore_options *options,
                                   bool divergence_too, lts_check_result *result,
                                   pnsim_error *error);
pnsim_status lts_check_has_trace(const model *model,
                                 const explore_options *options,
                                 const char *const *trace, size_t trace_length,
                                 lts_check_result *result, pnsim_error *error);

void lts_check_result_free(lts_check_result *result);

/* The label an observer sees for transition `t`. */
const char *lts_event_of(const model *model, uint32_t t);

#endif
