/*
 * simulate.c — random runs and timed simulation (simulate.h).
 *
 * A batch is a loop over runs; a run is a loop over states.  Per state the
 * simulator asks the model for every enabled step at once
 * (simulate_enabled_compute), because both choices it makes need the whole
 * set: a uniform pick needs the count, Gillespie's method the rate sum.
 *
 * Statistics are gathered as the runs end, in one pass and constant memory
 * per run: Welford's running mean and variance for each estimate, and a
 * small open-addressing hash table of the distinct end states.  Nothing
 * depends on the time of day or the address of anything, so the same seed
 * gives the same statistics and the same traces, byte for byte.
 */
#include "simulate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Pseudo-random numbers -------------------------------------------- */

/* splitmix64: turns any 64-bit value, even 0 or 1, into a well-mixed one.
 * It seeds xoshiro, whose state must not be all zero. */
static uint64_t simulate_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void simulate_rng_seed(simulate_rng *rng, uint64_t seed, uint64_t stream)
{
    /* Mix the stream number in through a second splitmix pass so that
     * seeds s and s+1 of neighbouring streams do not overlap. */
    uint64_t x = seed;
    uint64_t mixed = simulate_splitmix(&x);
    uint64_t y = stream ^ 0x5851f42d4c957f2du;
    x = mixed ^ simulate_splitmix(&y);
    for (int i = 0; i < 4; i++)
        rng->s[i] = simulate_splitmix(&x);
}

static inline uint64_t simulate_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t simulate_rng_next(simulate_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = simulate_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = simulate_rotl(s[3], 45);
    return result;
}

uint64_t simulate_rng_below(simulate_rng *rng, uint64_t bound)
{
    /* Rejection from the largest multiple of `bound`: unbiased, and almost
     * never loops for the small bounds a simulation uses. */
    uint64_t threshold = -bound % bound;   /* 2^64 mod bound */
    for (;;) {
        uint64_t r = simulate_rng_next(rng);
        if (r >= threshold)
            return r % bound;
    }
}

double simulate_rng_uniform(simulate_rng *rng)
{
    return (double)(simulate_rng_next(rng) >> 11) * 0x1.0p-53;
}

double simulate_rng_exponential(simulate_rng *rng, double rate)
{
    /* 1 - u lies in (0, 1], so the logarithm is finite. */
    return -log1p(-simulate_rng_uniform(rng)) / rate;
}

/* ---- Enabled steps ---------------------------------------------------- */

pnsim_status simulate_enabled_init(simulate_enabled *enabled,
                                   const model *model, pnsim_error *error)
{
    memset(enabled, 0, sizeof *enabled);
    enabled->state_length = model->state_length;
    /* The scratch buffer must be aligned for model_value; malloc is. */
    enabled->scratch = malloc(model->scratch_bytes ? model->scratch_bytes : 1);
    if (enabled->scratch == NULL)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
    return PNSIM_OK;
}

/* Doubles every array of `enabled`; false when out of memory (the arrays
 * that did grow stay valid, the capacity stays the old one). */
static bool simulate_enabled_grow(simulate_enabled *enabled)
{
    size_t capacity = enabled->capacity ? 2 * enabled->capacity : 16;
    size_t length = enabled->state_length;
    uint32_t **transition_arrays[] = {&enabled->transitions,
                                      &enabled->spare_transitions};
    model_value **successor_arrays[] = {&enabled->successors,
                                        &enabled->spare_successors};
    size_t **order_arrays[] = {&enabled->order, &enabled->order_spare};
    for (int i = 0; i < 2; i++) {
        uint32_t *transitions = realloc(*transition_arrays[i],
                                        capacity * sizeof *transitions);
        if (transitions == NULL)
            return false;
        *transition_arrays[i] = transitions;
        model_value *successors = realloc(*successor_arrays[i],
                                          (capacity * length + 1) *
                                              sizeof *successors);
        if (successors == NULL)
            return false;
        *successor_arrays[i] = successors;
        size_t *order = realloc(*order_arrays[i], capacity * sizeof *order);
        if (order == NULL)
            return false;
        *order_arrays[i] = order;
    }
    enabled->capacity = capacity;
    return true;
}

/* The canonical order of steps a and b: transition, then successor. */
static int simulate_step_compare(const simulate_enabled *enabled, size_t a,
                                 size_t b)
{
    if (enabled->transitions[a] != enabled->transitions[b])
        return enabled->transitions[a] < enabled->transitions[b] ? -1 : 1;
    const model_value *x = enabled->successors + a * enabled->state_length;
    const model_value *y = enabled->successors + b * enabled->state_length;
    for (size_t s = 0; s < enabled->state_length; s++)
        if (x[s] != y[s])
            return x[s] < y[s] ? -1 : 1;
    return 0;
}

/* Sorts order[from, to) by merging (stable, O(n log n) even for the
 * thousands of steps a large state may enable). */
static void simulate_merge_sort(const simulate_enabled *enabled, size_t *order,
                                size_t *spare, size_t from, size_t to)
{
    if (to - from < 2)
        return;
    size_t middle = from + (to - from) / 2;
    simulate_merge_sort(enabled, order, spare, from, middle);
    simulate_merge_sort(enabled, order, spare, middle, to);
    size_t i = from, j = middle, k = from;
    while (i < middle && j < to)
        spare[k++] = simulate_step_compare(enabled, order[j], order[i]) < 0
                         ? order[j++] : order[i++];
    while (i < middle)
        spare[k++] = order[i++];
    while (j < to)
        spare[k++] = order[j++];
    memcpy(order + from, spare + from, (to - from) * sizeof *order);
}

/* Puts the steps in canonical order.  Models usually enumerate by
 * transition already, so the common case is one check and no copying. */
static void simulate_enabled_canonicalise(simulate_enabled *enabled)
{
    size_t count = enabled->count, length = enabled->state_length;
    bool sorted = true;
    for (size_t i = 1; i < count && sorted; i++)
        sorted = simulate_step_compare(enabled, i - 1, i) <= 0;
    if (sorted)
        return;
    for (size_t i = 0; i < count; i++)
        enabled->order[i] = i;
    simulate_merge_sort(enabled, enabled->order, enabled->order_spare, 0,
                        count);
    for (size_t i = 0; i < count; i++) {
        size_t from = enabled->order[i];
        enabled->spare_transitions[i] = enabled->transitions[from];
        if (length > 0)
            memcpy(enabled->spare_successors + i * length,
                   enabled->successors + from * length,
                   length * sizeof *enabled->successors);
    }
    uint32_t *transitions = enabled->transitions;
    enabled->transitions = enabled->spare_transitions;
    enabled->spare_transitions = transitions;
    model_value *successors = enabled->successors;
    enabled->successors = enabled->spare_successors;
    enabled->spare_successors = successors;
}

typedef struct simulate_collect {
    simulate_enabled *enabled;
    bool out_of_memory;
} simulate_collect;

static int simulate_collect_step(void *context, uint32_t transition,
                                 const model_value *successor)
{
    simulate_collect *collect = context;
    simulate_enabled *enabled = collect->enabled;
    size_t length = enabled->state_length;
    if (enabled->count == enabled->capacity &&
        !simulate_enabled_grow(enabled)) {
        collect->out_of_memory = true;
        return 1;
    }
    enabled->transitions[enabled->count] = transition;
    if (length > 0)
        memcpy(enabled->successors + enabled->count * length, successor,
               length * sizeof *successor);
    enabled->count++;
    return 0;
}

pnsim_status simulate_enabled_compute(simulate_enabled *enabled,
                                      const model *model,
                                      const model_value *state,
                                      pnsim_error *error)
{
    enabled->count = 0;
    simulate_collect collect = {enabled, false};
    model_result result = model_successors(model, state, enabled->scratch,
                                           simulate_collect_step, &collect,
                                           error);
    if (collect.out_of_memory) {
        enabled->count = 0;
        return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
    }
    if (result == MODEL_FAILED) {
        enabled->count = 0;
        return error != NULL && error->status != PNSIM_OK
                   ? error->status
                   : pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                     "the model failed without saying why");
    }
    simulate_enabled_canonicalise(enabled);
    return PNSIM_OK;
}

const model_value *simulate_enabled_successor(const simulate_enabled *enabled,
                                              size_t i)
{
    return enabled->successors + i * enabled->state_length;
}

long simulate_enabled_find(const simulate_enabled *enabled,
                           uint32_t transition)
{
    for (size_t i = 0; i < enabled->count; i++)
        if (enabled->transitions[i] == transition)
            return (long)i;
    return -1;
}

void simulate_enabled_free(simulate_enabled *enabled)
{
    free(enabled->transitions);
    free(enabled->successors);
    free(enabled->scratch);
    free(enabled->order);
    free(enabled->order_spare);
    free(enabled->spare_transitions);
    free(enabled->spare_successors);
    memset(enabled, 0, sizeof *enabled);
}

/* ---- Traces ----------------------------------------------------------- */

pnsim_status simulate_trace_init(simulate_trace *trace, const model *model,
                                 const model_value *initial,
                                 pnsim_error *error)
{
    memset(trace, 0, sizeof *trace);
    trace->state_length = model->state_length;
    trace->capacity = 16;
    trace->transitions = malloc(trace->capacity * sizeof *trace->transitions);
    trace->states = malloc(((trace->capacity + 1) * trace->state_length + 1) *
                           sizeof *trace->states);
    trace->times = malloc((trace->capacity + 1) * sizeof *trace->times);
    if (trace->transitions == NULL || trace->states == NULL ||
        trace->times == NULL)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
    simulate_trace_reset(trace, initial);
    return PNSIM_OK;
}

void simulate_trace_reset(simulate_trace *trace, const model_value *initial)
{
    trace->length = 0;
    if (trace->state_length > 0)
        memcpy(trace->states, initial,
               trace->state_length * sizeof *trace->states);
    trace->times[0] = 0;
}

pnsim_status simulate_trace_push(simulate_trace *trace, uint32_t transition,
                                 const model_value *state, double time,
                                 pnsim_error *error)
{
    size_t length = trace->state_length;
    if (trace->length == trace->capacity) {
        size_t capacity = 2 * trace->capacity;
        uint32_t *transitions = realloc(trace->transitions,
                                        capacity * sizeof *transitions);
        if (transitions == NULL)
            return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
        trace->transitions = transitions;
        model_value *states = realloc(trace->states,
                                      ((capacity + 1) * length + 1) *
                                          sizeof *states);
        if (states == NULL)
            return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
        trace->states = states;
        double *times = realloc(trace->times, (capacity + 1) * sizeof *times);
        if (times == NULL)
            return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
        trace->times = times;
        trace->capacity = capacity;
    }
    trace->transitions[trace->length] = transition;
    trace->length++;
    if (length > 0)
        memcpy(trace->states + trace->length * length, state,
               length * sizeof *state);
    trace->times[trace->length] = time;
    return PNSIM_OK;
}

bool simulate_trace_pop(simulate_trace *trace)
{
    if (trace->length == 0)
        return false;
    trace->length--;
    return true;
}

const model_value *simulate_trace_state(const simulate_trace *trace, size_t i)
{
    return trace->states + i * trace->state_length;
}

const model_value *simulate_trace_last(const simulate_trace *trace)
{
    return simulate_trace_state(trace, trace->length);
}

void simulate_trace_free(simulate_trace *trace)
{
    free(trace->transitions);
    free(trace->states);
    free(trace->times);
    memset(trace, 0, sizeof *trace);
}

/* ---- Statistics helpers ----------------------------------------------- */

const char *simulate_end_name(simulate_end end)
{
    switch (end) {
    case SIMULATE_END_FINAL: return "final";
    case SIMULATE_END_DEADLOCK: return "deadlock";
    case SIMULATE_END_STEPS: return "step bound";
    case SIMULATE_END_TIME: return "time bound";
    }
    return "?";
}

double simulate_t95(uint64_t degrees)
{
    /* Exact table for few degrees of freedom, where the t distribution is
     * far from normal; beyond it the Cornish-Fisher expansion around the
     * normal quantile is accurate to better than 1e-4. */
    static const double table[] = {
        0, 12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060,
        2.2622, 2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199,
        2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639,
        2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
    if (degrees == 0)
        return INFINITY;
    if (degrees < sizeof table / sizeof table[0])
        return table[degrees];
    double z = 1.959963984540054, n = (double)degrees;
    double z3 = z * z * z, z5 = z3 * z * z;
    return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n);
}

/* Welford's running mean and sum of squared deviations. */
typedef struct simulate_accumulator {
    uint64_t n;
    double mean;
    double m2;
} simulate_accumulator;

static void simulate_accumulate(simulate_accumulator *a, double x)
{
    a->n++;
    double delta = x - a->mean;
    a->mean += delta / (double)a->n;
    a->m2 += delta * (x - a->mean);
}

static simulate_estimate simulate_estimate_of(const simulate_accumulator *a)
{
    simulate_estimate e = {a->n, a->n ? a->mean : NAN, INFINITY};
    if (a->n >= 2) {
        double variance = a->m2 / (double)(a->n - 1);
        e.half_width = simulate_t95(a->n - 1) * sqrt(variance / (double)a->n);
    }
    return e;
}

/* A ratio of sums, sum x / sum w, from pairs (x_r, w_r): a run's firings
 * or token-time integral and its observation window.  Kept as running
 * means and co-moments (the two-variable form of Welford's method), which
 * give the delta-method variance without cancellation:
 *     var(ratio) ~ sum (x_r - ratio w_r)^2 / ((n - 1) n mean_w^2). */
typedef struct simulate_ratio {
    uint64_t n;
    double mean_x, mean_w;
    double cxx, cww, cxw;
} simulate_ratio;

static void simulate_ratio_add(simulate_ratio *r, double x, double w)
{
    r->n++;
    double dx = x - r->mean_x, dw = w - r->mean_w;
    r->mean_x += dx / (double)r->n;
    r->mean_w += dw / (double)r->n;
    r->cxx += dx * (x - r->mean_x);
    r->cww += dw * (w - r->mean_w);
    r->cxw += dx * (w - r->mean_w);
}

static simulate_estimate simulate_ratio_estimate(const simulate_ratio *r)
{
    simulate_estimate e = {r->n, NAN, INFINITY};
    if (r->n == 0 || !(r->mean_w > 0)) {
        e.samples = 0;
        return e;
    }
    double ratio = r->mean_x / r->mean_w;
    e.mean = ratio;
    if (r->n >= 2) {
        /* The residuals x - ratio w have mean 0, so their sum of squares
         * is the co-moment combination below; rounding may push it a
         * hair below 0. */
        double residual = r->cxx - 2 * ratio * r->cxw + ratio * ratio * r->cww;
        if (residual < 0)
            residual = 0;
        double variance = residual / (double)(r->n - 1);
        e.half_width = simulate_t95(r->n - 1) * sqrt(variance / (double)r->n) /
                       r->mean_w;
    }
    return e;
}

/* ---- The table of end states ------------------------------------------ */

typedef struct simulate_end_table {
    size_t state_length;
    size_t count;
    model_value *states;          /* count * state_length, in first-seen order */
    simulate_end_state *entries;  /* count, parallel to states */
    size_t entry_capacity;
    size_t *slots;                /* hash table of entry index + 1; 0 empty */
    size_t slot_count;            /* a power of two */
} simulate_end_table;

static uint64_t simulate_hash_state(const model_value *state, size_t length)
{
    uint64_t h = 0x243f6a8885a308d3u;
    for (size_t i = 0; i < length; i++) {
        h ^= state[i];
        h *= 0x9e3779b97f4a7c15u;
        h ^= h >> 29;
    }
    return h;
}

static bool simulate_end_table_grow(simulate_end_table *table)
{
    size_t slot_count = table->slot_count ? 2 * table->slot_count : 64;
    size_t *slots = calloc(slot_count, sizeof *slots);
    if (slots == NULL)
        return false;
    for (size_t e = 0; e < table->count; e++) {
        const model_value *state = table->states + e * table->state_length;
        size_t i = simulate_hash_state(state, table->state_length) &
                   (slot_count - 1);
        while (slots[i] != 0)
            i = (i + 1) & (slot_count - 1);
        slots[i] = e + 1;
    }
    free(table->slots);
    table->slots = slots;
    table->slot_count = slot_count;
    return true;
}

static bool simulate_end_table_add(simulate_end_table *table,
                                   const model_value *state, simulate_end end)
{
    size_t length = table->state_length;
    /* Keep the load at most one half: probes stay short. */
    if (2 * (table->count + 1) > table->slot_count &&
        !simulate_end_table_grow(table))
        return false;
    size_t i = simulate_hash_state(state, length) & (table->slot_count - 1);
    while (table->slots[i] != 0) {
        size_t e = table->slots[i] - 1;
        /* A used slot means an entry, so table->states is allocated.
         * NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
        if (memcmp(table->states + e * length, state,
                   length * sizeof *state) == 0) {
            table->entries[e].runs++;
            return true;
        }
        i = (i + 1) & (table->slot_count - 1);
    }
    if (table->count == table->entry_capacity) {
        size_t capacity = table->entry_capacity ? 2 * table->entry_capacity : 16;
        model_value *states = realloc(table->states,
                                      (capacity * length + 1) * sizeof *states);
        if (states == NULL)
            return false;
        table->states = states;
        simulate_end_state *entries = realloc(table->entries,
                                              capacity * sizeof *entries);
        if (entries == NULL)
            return false;
        table->entries = entries;
        table->entry_capacity = capacity;
    }
    if (length > 0)
        memcpy(table->states + table->count * length, state,
               length * sizeof *state);
    table->entries[table->count] = (simulate_end_state){NULL, 1, end};
    table->slots[i] = ++table->count;
    return true;
}

static void simulate_end_table_free(simulate_end_table *table)
{
    if (table == NULL)
        return;
    free(table->states);
    free(table->entries);
    free(table->slots);
    free(table);
}

/* Most runs first; qsort is not stable, so ties compare the first-seen
 * position, which the state pointers (into one array) still give. */
static int simulate_compare_end_states(const void *a, const void *b)
{
    const simulate_end_state *x = a, *y = b;
    if (x->runs != y->runs)
        return x->runs > y->runs ? -1 : 1;
    return x->state < y->state ? -1 : x->state > y->state;
}

/* ---- Batches ---------------------------------------------------------- */

void simulate_options_init(simulate_options *options)
{
    memset(options, 0, sizeof *options);
    options->runs = 1;
    options->max_steps = 1000;
    options->seed = 1;
    options->until = INFINITY;
}

void simulate_stats_free(simulate_stats *stats)
{
    if (stats == NULL)
        return;
    free(stats->firings);
    free(stats->throughput);
    free(stats->mean_tokens);
    free(stats->end_states);
    simulate_end_table_free(stats->implementation);
    free(stats);
}

/* Everything one batch works with, allocated once. */
typedef struct simulate_work {
    const model *model;
    const simulate_options *options;
    simulate_enabled enabled;
    simulate_trace trace;             /* only with record_traces */
    model_value *state;               /* the current state */
    model_value *initial;
    uint64_t *run_firings;            /* per transition, this run */
    double *run_integrals;            /* per slot, this run (timed) */
    size_t *immediates;               /* indices of enabled immediate steps */
    size_t immediate_capacity;
    simulate_ratio *throughput;       /* per transition */
    simulate_ratio *tokens;           /* per slot */
    simulate_accumulator absorption, end_time;
} simulate_work;

static bool simulate_is_final(const simulate_work *work,
                              const model_value *state)
{
    if (work->options->final != NULL)
        return state_predicate_holds(work->options->final, state);
    return model_is_final(work->model, state);
}

/* A transition's rate as the timed semantics reads it. */
static double simulate_rate(const model *model, uint32_t transition)
{
    double rate = model->transitions[transition].rate;
    return rate > 0 ? rate : 1.0;   /* 0 (unset) and, defensively, NaN */
}

/* Immediate firings in a row that count as a timeless trap. */
#define SIMULATE_TIMELESS_LIMIT 1000000u

/* The outcome of one run. */
typedef struct simulate_one {
    simulate_end end;
    uint64_t steps;
    double time;
    bool interrupted;
} simulate_one;

static pnsim_status simulate_run_one(simulate_work *work, uint64_t run,
                                     simulate_one *one, pnsim_error *error)
{
    const model *model = work->model;
    const simulate_options *options = work->options;
    size_t length = model->state_length;
    simulate_rng rng;
    simulate_rng_seed(&rng, options->seed, run);

    memcpy(work->state, work->initial, length * sizeof *work->state);
    memset(work->run_firings, 0,
           model->transition_count * sizeof *work->run_firings);
    for (size_t s = 0; s < length; s++)
        work->run_integrals[s] = 0;
    if (options->record_traces)
        simulate_trace_reset(&work->trace, work->initial);

    double now = 0;
    uint64_t steps = 0;
    uint64_t immediate_streak = 0;   /* immediate firings since time moved */
    *one = (simulate_one){SIMULATE_END_STEPS, 0, 0, false};
    for (;;) {
        /* Checked every 1024 steps: cheap, and a never-ending run (a cycle
         * of immediate transitions, no bounds) can still be stopped. */
        if ((steps & 1023) == 1023 && options->interrupt != NULL &&
            *options->interrupt) {
            one->interrupted = true;
            break;
        }
        pnsim_status status = simulate_enabled_compute(&work->enabled, model,
                                                       work->state, error);
        if (status != PNSIM_OK)
            return status;
        simulate_enabled *enabled = &work->enabled;
        if (options->timed && enabled->count > work->immediate_capacity) {
            size_t *immediates = realloc(work->immediates, enabled->capacity *
                                         sizeof *immediates);
            if (immediates == NULL)
                return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                       "out of memory");
            work->immediates = immediates;
            work->immediate_capacity = enabled->capacity;
        }
        if (enabled->count == 0) {
            one->end = simulate_is_final(work, work->state)
                           ? SIMULATE_END_FINAL : SIMULATE_END_DEADLOCK;
            break;
        }
        if (options->max_steps != 0 && steps >= options->max_steps) {
            one->end = SIMULATE_END_STEPS;
            break;
        }

        size_t chosen;
        if (!options->timed) {
            chosen = (size_t)simulate_rng_below(&rng, enabled->count);
        } else {
            /* Immediate steps first, in zero time. */
            size_t immediate_count = 0;
            double total_rate = 0;
            for (size_t i = 0; i < enabled->count; i++) {
                double rate = simulate_rate(model, enabled->transitions[i]);
                if (isinf(rate))
                    work->immediates[immediate_count++] = i;
                else
                    total_rate += rate;
            }
            if (immediate_count > 0) {
                chosen = work->immediates[simulate_rng_below(&rng,
                                                             immediate_count)];
                /* Immediate transitions that enable each other for ever
                 * (a "timeless trap") would stop the clock: no time bound
                 * could end the run. */
                if (++immediate_streak > SIMULATE_TIMELESS_LIMIT)
                    return pnsim_error_set(
                        error, PNSIM_ERR_INPUT,
                        "timeless trap: more than %llu immediate firings in "
                        "a row at time %g (run %llu, the last '%s'); "
                        "immediate transitions enable each other for ever",
                        (unsigned long long)SIMULATE_TIMELESS_LIMIT, now,
                        (unsigned long long)run + 1,
                        model->transitions[enabled->transitions[chosen]].name);
            } else {
                immediate_streak = 0;
                double delay = simulate_rng_exponential(&rng, total_rate);
                double next = now + delay;
                if (next > options->until) {
                    for (size_t s = 0; s < length; s++)
                        work->run_integrals[s] += (double)work->state[s] *
                                                  (options->until - now);
                    now = options->until;
                    one->end = SIMULATE_END_TIME;
                    break;
                }
                for (size_t s = 0; s < length; s++)
                    work->run_integrals[s] += (double)work->state[s] * delay;
                now = next;
                /* Step i with probability rate_i / total_rate. */
                double target = simulate_rng_uniform(&rng) * total_rate;
                chosen = enabled->count - 1;
                for (size_t i = 0; i < enabled->count; i++) {
                    target -= simulate_rate(model, enabled->transitions[i]);
                    if (target < 0) {
                        chosen = i;
                        break;
                    }
                }
            }
        }

        uint32_t transition = enabled->transitions[chosen];
        memcpy(work->state, simulate_enabled_successor(enabled, chosen),
               length * sizeof *work->state);
        work->run_firings[transition]++;
        steps++;
        if (options->record_traces) {
            status = simulate_trace_push(&work->trace, transition, work->state,
                                         now, error);
            if (status != PNSIM_OK)
                return status;
        }
    }
    one->steps = steps;
    one->time = now;
    return PNSIM_OK;
}

/* Folds one finished run into the statistics. */
static pnsim_status simulate_record(simulate_work *work, simulate_stats *stats,
                                    const simulate_one *one,
                                    pnsim_error *error)
{
    const model *model = work->model;
    stats->runs++;
    stats->ended[one->end]++;
    stats->total_steps += one->steps;
    for (size_t t = 0; t < model->transition_count; t++)
        stats->firings[t] += work->run_firings[t];
    if (one->end == SIMULATE_END_DEADLOCK) {
        uint64_t n = stats->ended[SIMULATE_END_DEADLOCK];
        if (n == 1 || one->steps < stats->deadlock_steps_min)
            stats->deadlock_steps_min = one->steps;
        if (one->steps > stats->deadlock_steps_max)
            stats->deadlock_steps_max = one->steps;
        stats->deadlock_steps_mean +=
            ((double)one->steps - stats->deadlock_steps_mean) / (double)n;
    }
    if (!simulate_end_table_add(stats->implementation, work->state, one->end))
        return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");

    if (!work->options->timed)
        return PNSIM_OK;
    bool absorbed = one->end == SIMULATE_END_FINAL ||
                    one->end == SIMULATE_END_DEADLOCK;
    if (absorbed)
        simulate_accumulate(&work->absorption, one->time);
    simulate_accumulate(&work->end_time, one->time);
    /* The observation window ends where the run ended (see simulate.h). */
    double window = one->time;
    for (size_t t = 0; t < model->transition_count; t++)
        simulate_ratio_add(&work->throughput[t],
                           (double)work->run_firings[t], window);
    for (size_t s = 0; s < model->state_length; s++)
        simulate_ratio_add(&work->tokens[s], work->run_integrals[s], window);
    return PNSIM_OK;
}

static void simulate_work_free(simulate_work *work)
{
    simulate_enabled_free(&work->enabled);
    simulate_trace_free(&work->trace);
    free(work->state);
    free(work->initial);
    free(work->run_firings);
    free(work->run_integrals);
    free(work->immediates);
    free(work->throughput);
    free(work->tokens);
}

simulate_stats *simulate_batch(const model *model,
                               const simulate_options *options,
                               pnsim_error *error)
{
    if (options->runs == 0) {
        pnsim_error_set(error, PNSIM_ERR_USAGE, "the number of runs must be "
                        "at least 1");
        return NULL;
    }
    if (options->timed && !(options->until > 0)) {
        pnsim_error_set(error, PNSIM_ERR_USAGE, "the time bound must be "
                        "positive");
        return NULL;
    }
    if (options->max_steps == 0 && !(options->timed && isfinite(options->until))
        && options->interrupt == NULL) {
        pnsim_error_set(error, PNSIM_ERR_USAGE, "runs need a step bound or "
                        "a time bound");
        return NULL;
    }

    size_t transitions = model->transition_count;
    size_t length = model->state_length;
    simulate_work work;
    memset(&work, 0, sizeof work);
    work.model = model;
    work.options = options;
    simulate_stats *stats = calloc(1, sizeof *stats);
    simulate_end_table *table = calloc(1, sizeof *table);
    if (stats != NULL) {
        stats->implementation = table;
        stats->transition_count = transitions;
        stats->state_length = length;
        stats->timed = options->timed;
    }
    if (table != NULL)
        table->state_length = length;

    /* One extra element everywhere: malloc(0) may return NULL. */
    work.state = malloc((length + 1) * sizeof *work.state);
    work.initial = malloc((length + 1) * sizeof *work.initial);
    work.run_firings = malloc((transitions + 1) * sizeof *work.run_firings);
    work.run_integrals = malloc((length + 1) * sizeof *work.run_integrals);
    work.immediates = NULL;
    work.throughput = calloc(transitions + 1, sizeof *work.throughput);
    work.tokens = calloc(length + 1, sizeof *work.tokens);
    bool ok = stats != NULL && table != NULL && work.state != NULL &&
              work.initial != NULL && work.run_firings != NULL &&
              work.run_integrals != NULL && work.throughput != NULL &&
              work.tokens != NULL;
    if (ok) {
        stats->firings = calloc(transitions + 1, sizeof *stats->firings);
        ok = stats->firings != NULL;
    }
    pnsim_status status = ok ? PNSIM_OK
                             : pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                               "out of memory");
    if (status == PNSIM_OK)
        status = simulate_enabled_init(&work.enabled, model, error);
    if (status == PNSIM_OK) {
        model_initial_state(model, work.initial);
        if (options->record_traces)
            status = simulate_trace_init(&work.trace, model, work.initial,
                                         error);
    }

    for (uint64_t run = 0; status == PNSIM_OK && run < options->runs; run++) {
        if (options->interrupt != NULL && *options->interrupt) {
            stats->stopped = true;
            break;
        }
        simulate_one one;
        status = simulate_run_one(&work, run, &one, error);
        if (status != PNSIM_OK)
            break;
        if (one.interrupted) {
            stats->stopped = true;
            break;
        }
        status = simulate_record(&work, stats, &one, error);
        if (status != PNSIM_OK)
            break;
        if (options->on_run != NULL) {
            simulate_run_info info = {
                .run = run, .end = one.end, .steps = one.steps,
                .time = one.time, .final_state = work.state,
                .trace = options->record_traces ? &work.trace : NULL};
            if (options->on_run(options->hook_context, &info) != 0) {
                stats->stopped = run + 1 < options->runs;
                break;
            }
        }
    }

    if (status == PNSIM_OK) {
        /* Hand the end states over in their final order. */
        stats->end_state_count = table->count;
        stats->end_states = malloc((table->count + 1) *
                                   sizeof *stats->end_states);
        if (stats->end_states == NULL) {
            status = pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
        } else {
            for (size_t e = 0; e < table->count; e++) {
                stats->end_states[e] = table->entries[e];
                stats->end_states[e].state = table->states + e * length;
            }
            qsort(stats->end_states, table->count, sizeof *stats->end_states,
                  simulate_compare_end_states);
        }
    }
    if (status == PNSIM_OK && options->timed) {
        stats->throughput = malloc((transitions + 1) * sizeof *stats->throughput);
        stats->mean_tokens = malloc((length + 1) * sizeof *stats->mean_tokens);
        if (stats->throughput == NULL || stats->mean_tokens == NULL) {
            status = pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
        } else {
            for (size_t t = 0; t < transitions; t++)
                stats->throughput[t] =
                    simulate_ratio_estimate(&work.throughput[t]);
            for (size_t s = 0; s < length; s++)
                stats->mean_tokens[s] = simulate_ratio_estimate(&work.tokens[s]);
            stats->absorption_time = simulate_estimate_of(&work.absorption);
            stats->end_time = simulate_estimate_of(&work.end_time);
        }
    }

    simulate_work_free(&work);
    if (status != PNSIM_OK) {
        if (stats != NULL)
            simulate_stats_free(stats);
        else
            simulate_end_table_free(table);
        return NULL;
    }
    return stats;
}
