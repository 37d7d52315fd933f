/*
 * simulate.h — random runs, step-by-step play and timed (stochastic)
 * simulation of a model.
 *
 * Where the explorer (explore.h) visits every reachable state, the simulator
 * follows one run at a time, choosing among the enabled steps with a seeded
 * pseudo-random generator of its own.  Everything goes through the model
 * interface (model.h), so a CSP model simulates exactly as a Petri net does.
 *
 * Three layers, each usable alone:
 *
 *   - simulate_rng: xoshiro256** seeded through splitmix64.  The same seed
 *     gives the same numbers on every machine (rand() would not).  Run r of
 *     a batch draws from its own generator seeded from (seed, r), so a run
 *     does not depend on the runs before it.
 *
 *   - simulate_enabled and simulate_trace: the enabled steps of one state,
 *     with their successors, and a growing run (push, pop) — the pieces the
 *     interactive token game and trace replay are built from.
 *
 *   - simulate_batch(): N runs, untimed or timed, with aggregate statistics.
 *
 * Untimed runs choose uniformly among the enabled (transition, successor)
 * pairs and end in a dead state or after `max_steps` steps.  Rates play no
 * part: every reachable state can be reached.
 *
 * Timed runs read the model as a generalised stochastic Petri net and use
 * Gillespie's direct method.  A transition with rate INFINITY is immediate:
 * while any immediate step is enabled, one of them (uniformly) fires in zero
 * time.  Otherwise every enabled step k has rate r_k (0 means 1), the next
 * firing comes after an exponential delay of total rate R = sum r_k, and
 * step k is the one with probability r_k / R.  A run ends at a dead state
 * (it is absorbed), when the clock would pass `until`, or after
 * `max_steps` steps.
 *
 * Timed estimates pool the runs.  A run contributes its firings of each
 * transition, the time integral of each slot, and its observation window:
 * [0, until], or [0, absorption time] when it is absorbed earlier (a
 * finished system does no more work, and counting idle time after the end
 * would make its throughput depend on `until`), or [0, time of the last
 * step] when the step bound ends it.  Then
 *   - throughput of transition t = all firings of t / all windows' time,
 *   - mean tokens of slot s      = all integrals of s / all windows' time,
 * the long-run rates of the renewal-reward theorem were the runs repeated
 * one after another (a batch of 5 URLs fetched again and again gives
 * 5 / E[duration] URLs per unit time, not E[5 / duration]).  With a fixed
 * `until` and no absorption this is simply the mean of the per-run values.
 * Their 95% confidence intervals use the delta method for a ratio of sums
 * and Student's t; the time to absorption is a plain mean over the runs
 * that reached a dead state.
 *
 * Ownership is written at each function.  Nothing here prints or exits.
 */
#ifndef PNSIM_SIMULATE_H
#define PNSIM_SIMULATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model.h"
#include "predicate.h"

/* ---- Pseudo-random numbers -------------------------------------------- */

/* xoshiro256** state; a plain value, copy it to fork a stream. */
typedef struct simulate_rng {
    uint64_t s[4];
} simulate_rng;

/* Seeds `rng` from `seed` and a stream number (the run index of a batch):
 * distinct (seed, stream) pairs give independent-looking streams. */
void simulate_rng_seed(simulate_rng *rng, uint64_t seed, uint64_t stream);

/* The next 64 random bits. */
uint64_t simulate_rng_next(simulate_rng *rng);

/* A uniform integer in [0, bound), without modulo bias; bound > 0. */
uint64_t simulate_rng_below(simulate_rng *rng, uint64_t bound);

/* A uniform double in [0, 1), 53 random bits. */
double simulate_rng_uniform(simulate_rng *rng);

/* An exponentially distributed delay with the given rate (> 0). */
double simulate_rng_exponential(simulate_rng *rng, double rate);

/* ---- Enabled steps of a state ----------------------------------------- */

/* The steps enabled in one state: step i fires transitions[i] and leads to
 * the successor simulate_enabled_successor(i).  Steps are in a canonical
 * order — by transition index, then by successor state — whatever order the
 * model enumerated them in, so that a seed's runs depend on the model's
 * meaning and not on how a front end happens to search for enabled
 * transitions.  Owns its arrays; reuse it across states to avoid
 * reallocation. */
typedef struct simulate_enabled {
    size_t count;
    uint32_t *transitions;
    model_value *successors;   /* count * state_length slots */
    size_t capacity;           /* steps the arrays hold */
    size_t state_length;
    void *scratch;             /* the model's scratch buffer */
    size_t *order;             /* sorting: a permutation of the steps */
    size_t *order_spare;       /* sorting: merge buffer */
    uint32_t *spare_transitions;   /* sorting: the steps rearranged */
    model_value *spare_successors;
} simulate_enabled;

/* Prepares an empty set for `model`.  Returns PNSIM_OK or PNSIM_ERR_NOMEM;
 * the caller releases it with simulate_enabled_free() in either case. */
pnsim_status simulate_enabled_init(simulate_enabled *enabled,
                                   const model *model, pnsim_error *error);

/* Replaces the set with the steps enabled in `state`.  Fails with the
 * model's error (MODEL_FAILED) or PNSIM_ERR_NOMEM, leaving count 0. */
pnsim_status simulate_enabled_compute(simulate_enabled *enabled,
                                      const model *model,
                                      const model_value *state,
                                      pnsim_error *error);

/* Successor of step i; points into `enabled`, valid until the next compute. */
const model_value *simulate_enabled_successor(const simulate_enabled *enabled,
                                              size_t i);

/* Index of the first step firing transition `transition`, or -1. */
long simulate_enabled_find(const simulate_enabled *enabled,
                           uint32_t transition);

/* Releases the arrays; the struct itself belongs to the caller. */
void simulate_enabled_free(simulate_enabled *enabled);

/* ---- Runs ------------------------------------------------------------- */

/* A run: `length` steps, step i firing transitions[i] and reaching state
 * i + 1; state 0 is where it started.  Times are kept for timed runs
 * (times[i] is when state i was entered) and are 0 otherwise. */
typedef struct simulate_trace {
    size_t length;
    size_t state_length;
    uint32_t *transitions;     /* length entries */
    model_value *states;       /* (length + 1) * state_length slots */
    double *times;             /* length + 1 entries */
    size_t capacity;           /* steps the arrays hold */
} simulate_trace;

/* Starts a run at `initial` (copied).  Returns PNSIM_OK or PNSIM_ERR_NOMEM;
 * the caller releases the trace with simulate_trace_free() either way. */
pnsim_status simulate_trace_init(simulate_trace *trace, const model *model,
                                 const model_value *initial,
                                 pnsim_error *error);

/* Empties the run and restarts it at `initial` (copied); keeps the memory. */
void simulate_trace_reset(simulate_trace *trace, const model_value *initial);

/* Appends a step: `transition` fired at `time`, reaching `state` (copied).
 * Returns PNSIM_OK or PNSIM_ERR_NOMEM (the trace is unchanged then). */
pnsim_status simulate_trace_push(simulate_trace *trace, uint32_t transition,
                                 const model_value *state, double time,
                                 pnsim_error *error);

/* Drops the last step (undo); false when the run has none. */
bool simulate_trace_pop(simulate_trace *trace);

/* State i (0 .. length); points into the trace, valid until it changes. */
const model_value *simulate_trace_state(const simulate_trace *trace, size_t i);

/* The state the run is in now. */
const model_value *simulate_trace_last(const simulate_trace *trace);

/* Releases the arrays; the struct itself belongs to the caller. */
void simulate_trace_free(simulate_trace *trace);

/* ---- Batches ---------------------------------------------------------- */

typedef enum simulate_end {
    SIMULATE_END_FINAL,        /* dead in an intended final state */
    SIMULATE_END_DEADLOCK,     /* dead, and not final */
    SIMULATE_END_STEPS,        /* max_steps steps were taken */
    SIMULATE_END_TIME          /* timed: the clock reached `until` */
} simulate_end;

/* A word for an end: "final", "deadlock", "step bound", "time bound". */
const char *simulate_end_name(simulate_end end);

/* What the run hook is told about a finished run. */
typedef struct simulate_run_info {
    uint64_t run;                    /* 0-based index in the batch */
    simulate_end end;
    uint64_t steps;
    double time;                     /* timed: when the run ended (the
                                        absorption time for a dead end);
                                        untimed: 0 */
    const model_value *final_state;  /* where it ended */
    const simulate_trace *trace;     /* NULL unless record_traces */
} simulate_run_info;

/* Called after each run; the pointers are valid during the call only.
 * Return 0 to go on, nonzero to end the batch (the statistics then cover
 * the runs done so far). */
typedef int (*simulate_run_hook)(void *context, const simulate_run_info *info);

typedef struct simulate_options {
    uint64_t runs;                   /* >= 1 */
    uint64_t max_steps;              /* 0: no bound (then a timed batch
                                        needs a finite `until`, or runs that
                                        never end rely on `interrupt`) */
    uint64_t seed;
    bool timed;
    double until;                    /* timed: INFINITY for no bound */
    const state_predicate *final;    /* overrides model_is_final when set */
    bool record_traces;              /* give the hook each run's trace */
    simulate_run_hook on_run;        /* may be NULL */
    void *hook_context;
    volatile sig_atomic_t *interrupt;/* raised (nonzero) to stop; may be NULL */
} simulate_options;

/* Defaults: 1 run, 1000 steps, seed 1, untimed, until INFINITY, no hooks. */
void simulate_options_init(simulate_options *options);

/* A mean with its 95% confidence interval [mean - half_width, mean +
 * half_width]; half_width is INFINITY with fewer than two samples, and
 * samples is 0 (mean NaN) when there is nothing to estimate from (no run
 * absorbed; every window empty). */
typedef struct simulate_estimate {
    uint64_t samples;
    double mean;
    double half_width;
} simulate_estimate;

/* One distinct end state and how many runs ended there. */
typedef struct simulate_end_state {
    const model_value *state;        /* state_length slots, in the stats */
    uint64_t runs;
    simulate_end end;                /* how the first such run ended */
} simulate_end_state;

typedef struct simulate_stats {
    uint64_t runs;                   /* runs completed */
    bool stopped;                    /* the hook or the interrupt ended the
                                        batch before `runs` runs */
    uint64_t ended[4];               /* runs per simulate_end */
    uint64_t total_steps;

    /* Deadlocked runs: after how many steps. */
    uint64_t deadlock_steps_min, deadlock_steps_max;
    double deadlock_steps_mean;

    size_t transition_count;
    uint64_t *firings;               /* transition_count: over all runs */

    /* The distinct end states, most frequent first (ties: first reached
     * first), so the order depends only on the seed. */
    size_t end_state_count;
    simulate_end_state *end_states;

    /* Timed batches only (NULL / zero otherwise). */
    bool timed;
    size_t state_length;
    simulate_estimate *throughput;   /* transition_count: firings per unit
                                        time */
    simulate_estimate *mean_tokens;  /* state_length: time-average value */
    simulate_estimate absorption_time; /* samples = runs that were absorbed */
    simulate_estimate end_time;      /* when runs ended, all runs */

    void *implementation;            /* storage behind end_states */
} simulate_stats;

/*
 * Runs a batch on `model`.  Returns statistics the caller owns (free with
 * simulate_stats_free), or NULL with `error` set: PNSIM_ERR_USAGE for bad
 * options, PNSIM_ERR_NOMEM, or the model's error when it cannot compute a
 * successor.
 */
simulate_stats *simulate_batch(const model *model,
                               const simulate_options *options,
                               pnsim_error *error);

void simulate_stats_free(simulate_stats *stats);

/* Two-sided 95% quantile of Student's t with `degrees` degrees of freedom
 * (1.96 for large degrees). */
double simulate_t95(uint64_t degrees);

#endif
