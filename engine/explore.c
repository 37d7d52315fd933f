/*
 * explore.c — breadth-first exploration (see explore.h).
 *
 * The store hands out dense ids in order of discovery, so the ids themselves
 * are the breadth-first queue: states [0, expanded) are done, states
 * [expanded, count) wait, and the level ends where the count stood when it
 * began.  Per-state data is two parallel arrays indexed by id: the parent
 * state and the transition that first reached the state.
 */
#include "explore.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

struct explore_result {
    const model *model;
    state_store *store;
    uint64_t *parent;            /* parent[id]: where id was first reached */
    uint32_t *via;               /* via[id]: the transition taken */
    uint64_t link_capacity;
    unsigned char *fired;        /* one byte per transition */
    model_value *slot_min, *slot_max;
    explore_outcome outcome;
    explore_stats stats;
};

/* What the successor visitor needs while one state is expanded. */
typedef struct explore_step {
    explore_result *result;
    const explore_options *options;
    explore_state_id source;
    uint64_t edge_count;
    explore_outcome stop;        /* EXPLORE_COMPLETE while going on */
    pnsim_error *error;
} explore_step;

void explore_options_init(explore_options *options)
{
    memset(options, 0, sizeof *options);
}

static double explore_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* Grows the parent-link arrays to hold `needed` states; -1 when the memory
 * budget or malloc says no. */
static int explore_grow_links(explore_result *result, uint64_t needed)
{
    if (needed <= result->link_capacity)
        return 0;
    uint64_t capacity = result->link_capacity ? result->link_capacity * 2
                                              : 4096;
    while (capacity < needed)
        capacity *= 2;
    uint64_t per_state = sizeof *result->parent + sizeof *result->via;
    if (state_store_reserve(result->store,
                            (capacity - result->link_capacity) * per_state) != 0)
        return -1;
    uint64_t *parent = realloc(result->parent, capacity * sizeof *parent);
    if (parent == NULL)
        return -1;
    result->parent = parent;
    uint32_t *via = realloc(result->via, capacity * sizeof *via);
    if (via == NULL)
        return -1;
    result->via = via;
    result->link_capacity = capacity;
    return 0;
}

/* Folds a newly found state into the statistics. */
static void explore_account_state(explore_result *result,
                                  const model_value *state)
{
    explore_stats *stats = &result->stats;
    size_t length = result->model->state_length;
    model_value sum = 0;
    bool first = state_store_count(result->store) == 1;
    for (size_t i = 0; i < length; i++) {
        model_value value = state[i];
        if (value > stats->max_slot_value)
            stats->max_slot_value = value;
        if (sum > UINT64_MAX - value)
            stats->max_slot_sum_overflow = true;
        sum += value;
        if (first || value < result->slot_min[i])
            result->slot_min[i] = value;
        if (first || value > result->slot_max[i])
            result->slot_max[i] = value;
    }
    if (sum > stats->max_slot_sum)
        stats->max_slot_sum = sum;
}

/* Adds `state` (reached from `source` by `transition`, or the initial state
 * when source is EXPLORE_NO_STATE).  Returns the outcome that must end the
 * search, or EXPLORE_COMPLETE to go on. */
static explore_outcome explore_add(explore_result *result,
                                   const explore_options *options,
                                   const model_value *state,
                                   explore_state_id source,
                                   uint32_t transition, explore_state_id *id)
{
    switch (state_store_insert(result->store, state, id)) {
    case STORE_FOUND:
        return EXPLORE_COMPLETE;
    case STORE_FULL:
        return EXPLORE_LIMIT_MEMORY;
    case STORE_ADDED:
        break;
    }
    if (explore_grow_links(result, *id + 1) != 0)
        return EXPLORE_LIMIT_MEMORY;
    result->parent[*id] = source;
    result->via[*id] = transition;
    explore_account_state(result, state);
    if (options->max_states != 0 &&
        state_store_count(result->store) > options->max_states)
        return EXPLORE_LIMIT_STATES;
    return EXPLORE_COMPLETE;
}

static int explore_visit(void *context, uint32_t transition,
                         const model_value *successor)
{
    explore_step *step = context;
    explore_result *result = step->result;
    step->edge_count++;
    result->stats.edges++;
    result->fired[transition] = 1;

    explore_state_id target;
    explore_outcome outcome = explore_add(result, step->options, successor,
                                          step->source, transition, &target);
    if (outcome != EXPLORE_COMPLETE && outcome != EXPLORE_LIMIT_STATES) {
        step->stop = outcome;
        return 1;
    }
    if (step->options->on_edge != NULL &&
        step->options->on_edge(step->options->hook_context, step->source,
                               transition, target) != 0) {
        step->stop = EXPLORE_STOPPED_BY_HOOK;
        return 1;
    }
    if (outcome == EXPLORE_LIMIT_STATES) {
        step->stop = outcome;
        return 1;
    }
    return 0;
}

static bool explore_is_final(const model *model, const explore_options *options,
                             const model_value *state)
{
    if (options->final != NULL)
        return state_predicate_holds(options->final, state);
    return model_is_final(model, state);
}

static explore_result *explore_result_create(const model *model,
                                             const explore_options *options)
{
    explore_result *result = calloc(1, sizeof *result);
    if (result == NULL)
        return NULL;
    result->model = model;
    result->store = state_store_create(model->state_length,
                                       options->max_memory);
    size_t slots = model->state_length ? model->state_length : 1;
    result->slot_min = calloc(slots, sizeof *result->slot_min);
    result->slot_max = calloc(slots, sizeof *result->slot_max);
    result->fired = calloc(model->transition_count + 1, 1);
    if (result->store == NULL || result->slot_min == NULL ||
        result->slot_max == NULL || result->fired == NULL) {
        explore_result_free(result);
        return NULL;
    }
    result->stats.first_deadlock = EXPLORE_NO_STATE;
    result->stats.threads = 1;
    return result;
}

explore_result *explore_run(const model *model, const explore_options *options,
                            pnsim_error *error)
{
    double start = explore_now();
    explore_result *result = explore_result_create(model, options);
    void *scratch = malloc(model->scratch_bytes ? model->scratch_bytes : 1);
    model_value *initial = calloc(model->state_length ? model->state_length : 1,
                                  sizeof *initial);
    if (result == NULL || scratch == NULL || initial == NULL) {
        explore_result_free(result);
        free(scratch);
        free(initial);
        pnsim_error_set(error, PNSIM_ERR_NOMEM,
                        "out of memory starting the exploration");
        return NULL;
    }

    model_initial_state(model, initial);
    explore_state_id initial_id;
    explore_outcome outcome = explore_add(result, options, initial,
                                          EXPLORE_NO_STATE, 0, &initial_id);
    free(initial);
    if (outcome == EXPLORE_LIMIT_STATES)
        outcome = EXPLORE_COMPLETE;  /* the initial state is always kept */

    explore_step step = {
        .result = result, .options = options, .error = error,
    };
    uint64_t level_end = state_store_count(result->store);
    for (uint64_t next = 0;
         outcome == EXPLORE_COMPLETE && next < state_store_count(result->store);
         next++) {
        if (options->interrupt != NULL && *options->interrupt) {
            outcome = EXPLORE_INTERRUPTED;
            break;
        }
        if (options->time_limit > 0 && (next & 1023) == 0 &&
            explore_now() - start > options->time_limit) {
            outcome = EXPLORE_LIMIT_TIME;
            break;
        }

        const model_value *state = state_store_get(result->store, next);
        step.source = next;
        step.edge_count = 0;
        step.stop = EXPLORE_COMPLETE;
        model_result expanded = model_successors(model, state, scratch,
                                                 explore_visit, &step, error);
        if (expanded == MODEL_FAILED) {
            outcome = EXPLORE_FAILED;
            break;
        }
        if (step.stop != EXPLORE_COMPLETE) {
            outcome = step.stop;
            break;
        }

        bool is_final = false;
        if (step.edge_count == 0) {
            is_final = explore_is_final(model, options, state);
            if (is_final) {
                result->stats.dead_final++;
            } else {
                result->stats.dead_nonfinal++;
                if (result->stats.first_deadlock == EXPLORE_NO_STATE)
                    result->stats.first_deadlock = next;
            }
        }
        if (options->on_state != NULL &&
            options->on_state(options->hook_context, next, state,
                              step.edge_count, is_final) != 0) {
            outcome = EXPLORE_STOPPED_BY_HOOK;
            break;
        }
        if (step.edge_count == 0 && !is_final && options->stop_at_deadlock) {
            outcome = EXPLORE_FOUND_DEADLOCK;
            break;
        }
        if (next + 1 == level_end) {
            result->stats.levels++;
            level_end = state_store_count(result->store);
        }
    }

    free(scratch);
    result->outcome = outcome;
    result->stats.states = state_store_count(result->store);
    result->stats.store_bytes = state_store_bytes(result->store);
    result->stats.seconds = explore_now() - start;
    if (outcome == EXPLORE_LIMIT_MEMORY && error != NULL)
        pnsim_error_set(error, PNSIM_ERR_NOMEM,
                        "the state store reached its memory limit");
    return result;
}

void explore_result_free(explore_result *result)
{
    if (result == NULL)
        return;
    state_store_free(result->store);
    free(result->parent);
    free(result->via);
    free(result->fired);
    free(result->slot_min);
    free(result->slot_max);
    free(result);
}

explore_outcome explore_result_outcome(const explore_result *result)
{
    return result->outcome;
}

const explore_stats *explore_result_stats(const explore_result *result)
{
    return &result->stats;
}

const model_value *explore_result_state(const explore_result *result,
                                        explore_state_id id)
{
    return state_store_get(result->store, id);
}

bool explore_result_transition_fired(const explore_result *result, uint32_t t)
{
    return t < result->model->transition_count && result->fired[t] != 0;
}

model_value explore_result_slot_min(const explore_result *result, size_t slot)
{
    return result->slot_min[slot];
}

model_value explore_result_slot_max(const explore_result *result, size_t slot)
{
    return result->slot_max[slot];
}

pnsim_status explore_trace_to(const explore_result *result,
                              explore_state_id target, explore_trace *trace,
                              pnsim_error *error)
{
    memset(trace, 0, sizeof *trace);
    size_t length = 0;
    for (explore_state_id id = target; result->parent[id] != EXPLORE_NO_STATE;
         id = result->parent[id])
        length++;
    trace->transitions = malloc((length ? length : 1) *
                                sizeof *trace->transitions);
    trace->states = malloc((length + 1) * sizeof *trace->states);
    if (trace->transitions == NULL || trace->states == NULL) {
        explore_trace_free(trace);
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory building a trace");
    }
    trace->length = length;
    explore_state_id id = target;
    for (size_t i = length; i > 0; i--) {
        trace->states[i] = state_store_get(result->store, id);
        trace->transitions[i - 1] = result->via[id];
        id = result->parent[id];
    }
    trace->states[0] = state_store_get(result->store, id);
    return PNSIM_OK;
}

void explore_trace_free(explore_trace *trace)
{
    free(trace->transitions);
    free((void *)trace->states);
    memset(trace, 0, sizeof *trace);
}

const char *explore_outcome_name(explore_outcome outcome)
{
    switch (outcome) {
    case EXPLORE_COMPLETE: return "complete";
    case EXPLORE_FOUND_DEADLOCK: return "stopped at the first deadlock";
    case EXPLORE_STOPPED_BY_HOOK: return "stopped";
    case EXPLORE_LIMIT_STATES: return "state limit reached";
    case EXPLORE_LIMIT_MEMORY: return "memory limit reached";
    case EXPLORE_LIMIT_TIME: return "time limit reached";
    case EXPLORE_INTERRUPTED: return "interrupted";
    case EXPLORE_FAILED: return "failed";
    }
    return "unknown";
}

bool explore_outcome_is_limit(explore_outcome outcome)
{
    return outcome == EXPLORE_LIMIT_STATES || outcome == EXPLORE_LIMIT_MEMORY ||
           outcome == EXPLORE_LIMIT_TIME || outcome == EXPLORE_INTERRUPTED;
}
