/*
 * explore.h — breadth-first exploration of a model's reachable states.
 *
 * The explorer visits every reachable state once, level by level, and keeps
 * for each state the state it was first reached from and the transition
 * taken.  Because the search is breadth-first, following those links back
 * from any state gives a shortest run to it: every counterexample pnsim
 * prints is a shortest one.
 *
 * While it explores it gathers the figures the Model Checking Contest
 * defines (states; edges, one per (state, enabled transition); the largest
 * slot value and slot sum) and the facts the checks need: dead states, split
 * into intended final states and deadlocks, and which transitions fired.
 *
 * The search ends when the state space is exhausted, when a deadlock is found
 * (if asked to stop there), when a limit is reached (states, memory, time) or
 * when the caller's interrupt flag is raised (Ctrl-C).  Whatever the reason,
 * the statistics gathered so far are returned.
 *
 * Hooks let other algorithms (graph export, simulation seeds) watch the
 * search without knowing how it stores states.
 */
#ifndef PNSIM_EXPLORE_H
#define PNSIM_EXPLORE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "model.h"
#include "predicate.h"

typedef uint64_t explore_state_id;   /* dense: 0 is the initial state */
#define EXPLORE_NO_STATE UINT64_MAX

typedef enum explore_outcome {
    EXPLORE_COMPLETE,        /* every reachable state was visited */
    EXPLORE_FOUND_DEADLOCK,  /* stopped at the first deadlock, as asked */
    EXPLORE_STOPPED_BY_HOOK, /* a hook asked to stop */
    EXPLORE_LIMIT_STATES,    /* --max-states reached */
    EXPLORE_LIMIT_MEMORY,    /* --max-memory reached */
    EXPLORE_LIMIT_TIME,      /* --time-limit reached */
    EXPLORE_INTERRUPTED,     /* the interrupt flag was raised */
    EXPLORE_FAILED,          /* an error (see the error argument) */
    EXPLORE_UNBOUNDED        /* find_pumping found a state that strictly
                                covers an ancestor (stats.pumping_*) */
} explore_outcome;

/* Hooks.  Each returns 0 to go on, nonzero to stop the search. */

/* A state has been expanded: all its successors are known.  `edge_count` is
 * its number of outgoing edges (0: dead), `is_final` whether it is an
 * intended final state. */
typedef int (*explore_state_hook)(void *context, explore_state_id id,
                                  const model_value *state, uint64_t edge_count,
                                  bool is_final);

/* An edge source --transition--> target; target may be new or old. */
typedef int (*explore_edge_hook)(void *context, explore_state_id source,
                                 uint32_t transition, explore_state_id target);

/* Progress, for a report once a second; figures may lag by a level. */
typedef struct explore_progress {
    uint64_t states;
    uint64_t edges;               /* of the completed levels */
    uint64_t levels;
    uint64_t frontier;            /* states of this level still to expand */
    uint64_t store_bytes;
    double seconds;
} explore_progress;

typedef void (*explore_progress_hook)(void *context,
                                      const explore_progress *progress);

/* The side of the transition that reached a state on which a search
 * counts diamonds (explore.c). */
typedef enum explore_diamond_side {
    EXPLORE_DIAMONDS_CHOOSE = 0,  /* the side pilot searches find better */
    EXPLORE_DIAMONDS_BELOW,       /* smaller transitions */
    EXPLORE_DIAMONDS_ABOVE        /* larger transitions */
} explore_diamond_side;

typedef struct explore_options {
    uint64_t max_states;      /* 0: no limit */
    uint64_t max_memory;      /* bytes for the state store; 0: no limit */
    double time_limit;        /* seconds; 0: no limit */
    volatile sig_atomic_t *interrupt; /* raised (nonzero) to stop; may be NULL */
    bool stop_at_deadlock;    /* end at the first non-final dead state */
    const state_predicate *final; /* overrides model_is_final when not NULL */
    unsigned threads;         /* worker threads; 0: all cores */
    bool skip_traces;         /* keep no parent links: less memory, but
                                 explore_trace_to is unavailable */
    bool forget_expanded;     /* with skip_traces, when the search can
                                 keep its states compact (store.h): release
                                 the vectors of the levels expanded, so
                                 that memory holds the set of states and
                                 the frontier only.  explore_result_decode
                                 and explore_result_state then fail for
                                 them. */
    bool tree_compression;    /* store states folded into one word each
                                 (store.h): less memory on vectors of two
                                 words or more, a slower search */
    bool without_enabled_table; /* never find a linear model's enabled
                                 transitions by table look-ups
                                 (packed_table.h), always by testing
                                 candidates: the same answers, there to
                                 compare the two ways */
    bool rebuild_by_marking;  /* explore_rebuild_deadlock_run: mark the
                                 levels at once, without trying depth
                                 first: the same run, there to compare the
                                 two ways */
    explore_diamond_side diamond_side; /* which side of the transition that
                                 reached a state its diamonds are taken on,
                                 counting only (explore.c, "Diamonds");
                                 EXPLORE_DIAMONDS_CHOOSE (0) lets two small
                                 pilot searches choose */
    uint64_t pilot_states;    /* states of each pilot search; 0: 2,000.  A
                                 pilot that finds every state leaves the
                                 diamonds below, with no second pilot */
    bool find_pumping;        /* for monotone models (model.monotone) with
                                 parent links: end the search when a state
                                 strictly covers one of its ancestors, which
                                 proves the model unbounded (Karp-Miller).
                                 Only states whose slot sum exceeds every
                                 ancestor's are compared, against their
                                 ancestors; 4 bytes per state, counted
                                 against max_memory.  Ignored
                                 for other models, and where the model
                                 proves every slot bounded
                                 (model.slot_bounds): the search ends
                                 anyway, and if a bound were wrong it
                                 would end at a limit, never with a
                                 wrong verdict. */
    explore_state_hook on_state;  /* may be NULL; with a hook the search */
    explore_edge_hook on_edge;    /* runs on one thread, in id order */
    void *hook_context;
    explore_progress_hook on_progress; /* about once a second; may be NULL */
    void *progress_context;
} explore_options;

/* Fills `options` with the defaults: no limits, all cores, no hooks. */
void explore_options_init(explore_options *options);

typedef struct explore_stats {
    uint64_t states;
    uint64_t edges;
    uint64_t diamond_edges;       /* edges counted without computing their
                                     target, which the search reaches by
                                     another path (explore.c, "Diamonds") */
    uint64_t diamond_levels_above; /* levels whose diamonds were the
                                     transitions above the one that reached
                                     a state (counting only) */
    uint64_t levels;              /* breadth-first levels completed */
    model_value max_slot_value;   /* MCC MAX_TOKEN_IN_PLACE for nets */
    model_value max_slot_sum;     /* MCC MAX_TOKEN_PER_MARKING for nets */
    bool max_slot_sum_overflow;   /* the sum exceeded 2^64 - 1 somewhere */
    uint64_t dead_final;          /* dead states that are intended ends */
    uint64_t dead_nonfinal;       /* deadlocks */
    explore_state_id first_deadlock; /* shortest, or EXPLORE_NO_STATE */
    explore_state_id pumping_state;  /* find_pumping: a state that strictly
                                        covers its ancestor pumping_ancestor
                                        (the first in id order of the levels
                                        expanded), or EXPLORE_NO_STATE */
    explore_state_id pumping_ancestor;
    unsigned threads;
    double seconds;
    uint64_t store_bytes;         /* memory held by the state store */
    uint64_t store_tree_nodes;    /* words and pairs that the store's tree
                                     compression keeps (store.h) */
    uint64_t state_words;         /* 64-bit words of a packed state */
    uint64_t exclusive_sets;      /* exclusive sets stored as the index of
                                     the member holding 1 (codec.h) */
} explore_stats;

typedef struct explore_result explore_result;

/*
 * Explores `model`.  Returns a result the caller owns (free with
 * explore_result_free) that keeps the visited states and their parent links
 * for traces, or NULL when nothing could be started (error set).  A run that
 * fails midway (a token count overflows) still returns its result, with
 * outcome EXPLORE_FAILED and `error` set.
 */
explore_result *explore_run(const model *model, const explore_options *options,
                            pnsim_error *error);

void explore_result_free(explore_result *result);

explore_outcome explore_result_outcome(const explore_result *result);
const explore_stats *explore_result_stats(const explore_result *result);

/* The state vector of a visited state (state_length slots), decoded into
 * memory the result owns: valid as long as the result.  Each call costs
 * memory: use it for a few states (the ones a report shows). */
const model_value *explore_result_state(const explore_result *result,
                                        explore_state_id id);

/* Decodes visited state `id` into `state` (state_length slots), without
 * keeping a copy.  Returns false when `id` is not a visited state. */
bool explore_result_decode(const explore_result *result, explore_state_id id,
                           model_value *state);

/* True when the vector of every state explored is still stored: no level
 * was released (forget_expanded). */
bool explore_result_levels_kept(const explore_result *result);

/* The ids of breadth-first level `level` (0: the initial state's), a
 * level the search expanded whole: [*first, *end).  False for another. */
bool explore_result_level(const explore_result *result, uint64_t level,
                          explore_state_id *first, explore_state_id *end);

/* True when transition `t` fired somewhere in the explored part. */
bool explore_result_transition_fired(const explore_result *result, uint32_t t);

/* True when `slot` kept its initial value in every explored state. */
bool explore_result_slot_constant(const explore_result *result, size_t slot);

/*
 * A run from the initial state to `target`: `length` steps, step i firing
 * `transitions[i]` and reaching `states[i + 1]`; `states[0]` is the initial
 * state.  The state pointers point into the result.
 */
typedef struct explore_trace {
    size_t length;
    uint32_t *transitions;          /* length entries */
    const model_value **states;     /* length + 1 entries */
    model_value *storage;           /* the states themselves */
} explore_trace;

/* Builds the shortest run to `target` into `trace` (caller frees with
 * explore_trace_free).  Returns PNSIM_OK or PNSIM_ERR_NOMEM. */
pnsim_status explore_trace_to(const explore_result *result,
                              explore_state_id target, explore_trace *trace,
                              pnsim_error *error);

void explore_trace_free(explore_trace *trace);

/* True when the run to `result`'s first deadlock can be rebuilt without
 * parent links (explore_rebuild.c): it found a deadlock in a level it
 * expanded whole, and computed successors on packed vectors (a linear
 * model). */
bool explore_rebuild_possible(const explore_result *result);

/* Builds into `trace` (the caller frees it: explore_trace_free) the run to
 * the first deadlock of `result`, a search with `options` for which
 * explore_rebuild_possible holds: the run a search with parent links
 * would show (explore_rebuild.c).  Uses options->threads.  Returns
 * PNSIM_OK with `trace` empty when options->interrupt is raised or
 * options->time_limit seconds pass (*stopped set), or when the run needs
 * the levels `result` released (explore_result_levels_kept; *stopped
 * false): a search that keeps them then gives it.  Returns
 * PNSIM_ERR_NOMEM when out of memory, PNSIM_ERR_INTERNAL when the run
 * cannot be rebuilt. */
pnsim_status explore_rebuild_deadlock_run(const explore_result *result,
                                          const explore_options *options,
                                          explore_trace *trace,
                                          bool *stopped, pnsim_error *error);

/* A word for an outcome: "complete", "state limit reached", ... */
const char *explore_outcome_name(explore_outcome outcome);

/* True for the outcomes that leave a verdict open (limits, interrupt). */
bool explore_outcome_is_limit(explore_outcome outcome);

#endif
