/*
 * race.h — races on shared resources, found in an explored state space.
 *
 * Definition.  A race is a reachable state in which two different
 * transitions that access the same shared resource, at least one of them
 * writing it, are both enabled and independent in control: they do not
 * compete for any control (token or component) other than the shared
 * resource itself.  Competition is read from the model interface
 * (model_transition.consumes): two transitions compete in a state when
 * they take from a common control slot (a CSP process), or from a common
 * token slot that holds fewer tokens than both need together.  So two
 * tokens in one place are two threads: two different transitions taking
 * one token each from a place with two tokens race when they conflict on
 * a resource, while the same transition enabled twice does not race with
 * itself.  Accesses inside a correctly locked critical section are never
 * enabled together (the lock token is in one of them), and a contention
 * for the lock itself is no race: the lock is control, not a resource.
 *
 * The check looks at every explored state in id order, so that the race it
 * reports for a resource is in a state with a shortest run from the
 * initial state (explore_trace_to).  It needs only the model interface and
 * the exploration result: any front end that fills the resource facts
 * gets it.
 */
#ifndef PNSIM_RACE_H
#define PNSIM_RACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "explore.h"
#include "model.h"

/* The first race found on one resource. */
typedef struct race_found {
    uint32_t resource;            /* index into model.resource_names */
    explore_state_id state;       /* EXPLORE_NO_STATE: no race found */
    uint32_t first, second;       /* the two transitions, a writer first */
    model_access_kind first_access, second_access;
} race_found;

typedef struct race_report {
    size_t count;                 /* model.resource_count */
    race_found *races;            /* one per resource, in resource order */
    uint64_t states_checked;
} race_report;

/* Checks every state of `result` (an exploration of `model`).  Fills
 * `report` (free with race_report_free).  Returns PNSIM_OK, or
 * PNSIM_ERR_NOMEM with `error` set. */
pnsim_status race_check(const model *model, const explore_result *result,
                        race_report *report, pnsim_error *error);

void race_report_free(race_report *report);

/* How transition `t` accesses `resource`: 0 not at all, 1 reads, 2 writes. */
int race_access(const model *model, uint32_t t, uint32_t resource);

/* True when transitions `a` and `b`, both enabled in `state`, compete for
 * control there (see above). */
bool race_compete(const model *model, const model_value *state, uint32_t a,
                  uint32_t b);

#endif
