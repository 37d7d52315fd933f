/*
 * model.h — the one interface between pnsim's front ends and its algorithms.
 *
 * A model is a transition system given implicitly, in the manner of LTSmin's
 * PINS interface:
 *
 *   - a state is a fixed-length vector of `state_length` unsigned 64-bit
 *     slots.  A Petri net uses one slot per place (its token count); a CSP
 *     system uses one slot per leaf process (its local control state);
 *   - `initial_state` writes the initial state;
 *   - `successors` enumerates, for one state, every (transition, successor)
 *     pair: one call of the visitor per enabled transition (per way of
 *     firing it, for front ends where a transition can fire in several ways);
 *   - per-transition facts say what each transition is called, which
 *     components (threads, processes) take part in it and which shared
 *     resources it reads or writes.
 *
 * Every algorithm — exploration, deadlock and race checks, simulation, graph
 * export — sees a model only through this header.  No algorithm knows the
 * input language, and no front end knows how states are stored or searched.
 * A feature that seems to need more must widen this interface for every
 * front end.
 *
 * Threads.  `successors` and `is_final` may be called concurrently from many
 * threads on the same model: they must not modify the model.  Each caller
 * passes its own scratch buffer of `scratch_bytes` bytes, so the per-state
 * path needs no allocation and no locking.
 *
 * Ownership.  A front end's constructor returns a `model *` that the caller
 * owns and releases with model_destroy().  Every string and array reachable
 * from the struct belongs to the model and lives as long as it does.
 */
#ifndef PNSIM_MODEL_H
#define PNSIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef uint64_t model_value;

/* What a slot's value means; algorithms use it only for reporting. */
typedef enum model_slot_kind {
    MODEL_SLOT_TOKENS,  /* a count: a Petri net place's tokens */
    MODEL_SLOT_CONTROL  /* an index: a process's local control state */
} model_slot_kind;

/* How a transition touches a shared resource (for race detection). */
typedef enum model_access_kind {
    MODEL_ACCESS_READ,
    MODEL_ACCESS_WRITE
} model_access_kind;

typedef struct model_access {
    uint32_t resource;          /* index into model.resource_names */
    model_access_kind kind;
} model_access;

/* What an observer sees when a transition fires.  A Petri net's transitions
 * are all visible; a CSP process also has internal steps (tau) and
 * successful termination (tick), which refinement and divergence checks
 * treat specially. */
typedef enum model_transition_kind {
    MODEL_VISIBLE = 0,
    MODEL_INTERNAL,      /* tau: hidden or internal choice */
    MODEL_TERMINATION    /* tick: the process finished (SKIP) */
} model_transition_kind;

/* A condition of a linear transition (model.linear) on one slot: the
 * transition is enabled only when at_least <= value, and value < below
 * unless below is 0. */
typedef struct model_guard {
    uint32_t slot;
    model_value at_least;
    model_value below;          /* 0: no upper bound */
} model_guard;

/* What firing a linear transition does to one slot: value - take + give.
 * Its guards make sure the value is at least `take`. */
typedef struct model_effect {
    uint32_t slot;
    model_value take;
    model_value give;
} model_effect;

/* Facts about one transition.  Arrays may be NULL when their count is 0.
 * Names need not be unique (several CSP synchronisation rules can carry the
 * same event); `event` is what an observer sees and may equal `name`. */
typedef struct model_transition {
    const char *name;
    const char *event;          /* the visible label; NULL: same as name */
    model_transition_kind kind;
    double rate;                /* firing rate for timed simulation: a
                                   positive number, INFINITY for immediate;
                                   0 (unset) counts as 1 */
    size_t write_count;
    const uint32_t *writes;     /* the slots this transition may change, so
                                   that the explorer re-encodes and re-hashes
                                   only those; NULL: unknown, any slot (an
                                   empty list is non-NULL with count 0) */
    size_t component_count;
    const uint32_t *components; /* indices into model.component_names */
    size_t access_count;
    const model_access *accesses;
    /* The control this transition takes, for race detection: the slots it
     * takes from when it fires, other than shared resources.  For a Petri
     * net, its input places that are not shared, with the weight of the
     * consuming arc (a place it consumes from and refills counts: the
     * token is held during the step; read arcs do not take); for a CSP
     * system, the slots of the leaf processes taking part, apart from the
     * processes that own a resource.  Two transitions compete for control
     * in a state when they take from a common slot that is a control slot
     * (MODEL_SLOT_CONTROL), or a token slot holding fewer tokens than their
     * two weights together (two tokens in a place are two threads, and
     * each may take one).  `consume_weights` may be NULL: 1 each. */
    size_t consume_count;
    const uint32_t *consumes;
    const model_value *consume_weights;
    /* A linear model's transitions (model.linear) say all they do here:
     * enabled exactly when every guard holds, firing changes exactly the
     * slots of the effects (the `writes`, in the same order). */
    size_t guard_count;
    const model_guard *guards;
    size_t effect_count;
    const model_effect *effects;
} model_transition;

/* Outcome of model_successors(). */
typedef enum model_result {
    MODEL_DONE = 0,   /* every successor was visited */
    MODEL_STOPPED,    /* the visitor returned nonzero */
    MODEL_FAILED      /* the model could not compute a successor (error set) */
} model_result;

/*
 * Called once per (transition, successor) pair.  `successor` points into the
 * caller's scratch buffer and is valid only during the call: copy it to keep
 * it.  Return 0 to go on, nonzero to stop the enumeration.
 */
typedef int (*model_visit_fn)(void *context, uint32_t transition,
                              const model_value *successor);

typedef struct model model;

typedef struct model_ops {
    /* Writes the initial state into `state` (state_length slots). */
    void (*initial_state)(const model *model, model_value *state);

    /* Enumerates the successors of `state` in a fixed, deterministic order.
     * `scratch` holds at least model.scratch_bytes bytes, aligned for
     * model_value.  On MODEL_FAILED `error` says why (for instance a token
     * count that would exceed 2^64 - 1). */
    model_result (*successors)(const model *model, const model_value *state,
                               void *scratch, model_visit_fn visit,
                               void *context, pnsim_error *error);

    /* True when `state`, if it has no successor, is an intended end of the
     * system (threads joined, SKIP) rather than a deadlock.  May be NULL:
     * then no state is final. */
    bool (*is_final)(const model *model, const model_value *state);

    /* Releases the model and everything it owns. */
    void (*destroy)(model *model);
} model_ops;

struct model {
    const model_ops *ops;
    void *implementation;               /* the front end's own data */

    const char *format;                 /* "pnml", "csp", ... */
    const char *name;                   /* the model's own name */

    size_t state_length;                /* slots per state */
    model_slot_kind slot_kind;
    const char *const *slot_names;      /* state_length names */

    size_t transition_count;
    const model_transition *transitions;

    /* Threads, processes; may be 0.  CSP: one per leaf process, named by
     * its text.  PNML: none (0); a sequence chart (msc.h) then groups the
     * transitions by the part of their name before the first '_'. */
    size_t component_count;
    const char *const *component_names;

    size_t resource_count;              /* shared resources; may be 0 */
    const char *const *resource_names;

    /* True when enabledness is monotone in the slots: whatever a state
     * enables, a state with at least as large a value in every slot
     * enables too, with the same effect.  Petri nets without inhibitor
     * arcs are monotone; then a reachable state that strictly covers one
     * of its ancestors proves that some slot grows without bound (Karp and
     * Miller).  False unless a front end knows better. */
    bool monotone;

    /* True when every transition is given by its guards and effects
     * (model_transition) and successors() visits exactly the enabled
     * transitions, each once, in index order, with the successor those
     * facts give (failing where a value would exceed 2^64 - 1).  An
     * algorithm may then compute successors from the facts alone, on
     * states in its own encoding (the explorer works on packed vectors).
     * A Petri net is linear; a CSP system is not. */
    bool linear;

    /* Per slot, the largest value it can take in a reachable state, as
     * the front end can prove it from the structure (a Petri net: from
     * P-invariants, or a NUPN safe declaration); UINT64_MAX where unknown.
     * May be NULL: nothing known.  The explorer takes them as slot widths
     * (still widening a slot whose value exceeds its width, so a wrong
     * bound costs speed, not a verdict). */
    const model_value *slot_bounds;

    /* Sets of slots of which exactly one holds 1, and every other 0, in
     * every reachable state: a Petri net's P-semiflows of unit weights
     * whose places hold one token in all initially, such as a process's
     * control places or the two sides of a flag.  Set k is
     * exclusive_slots[exclusive_start[k] .. exclusive_start[k + 1] - 1];
     * sets may overlap.  The explorer stores one slot less per set it
     * uses (codec.h).  It uses a set only on a linear model, and only
     * after checking it: the initial state holds 1 in it, and every
     * transition gives it exactly what it takes.  A wrong set is ignored,
     * never believed.  exclusive_count 0: none known. */
    size_t exclusive_count;
    const size_t *exclusive_start;
    const uint32_t *exclusive_slots;

    size_t scratch_bytes;               /* per-caller buffer for successors */
};

static inline void model_initial_state(const model *model, model_value *state)
{
    model->ops->initial_state(model, state);
}

static inline model_result model_successors(const model *model,
                                            const model_value *state,
                                            void *scratch, model_visit_fn visit,
                                            void *context, pnsim_error *error)
{
    return model->ops->successors(model, state, scratch, visit, context,
                                  error);
}

static inline bool model_is_final(const model *model, const model_value *state)
{
    return model->ops->is_final != NULL && model->ops->is_final(model, state);
}

/* Releases `model`; NULL is allowed. */
static inline void model_destroy(model *model)
{
    if (model != NULL)
        model->ops->destroy(model);
}

/* True when `model` proves a bound for every slot (slot_bounds): its
 * state space is finite, and no covering state need be looked for. */
bool model_bounds_every_slot(const model *model);

/* Index of the slot called `name`, or -1. */
long model_find_slot(const model *model, const char *name);

/* Index of the transition called `name`, or -1. */
long model_find_transition(const model *model, const char *name);

#endif
