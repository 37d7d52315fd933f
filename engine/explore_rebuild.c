/*
 * explore_rebuild.c — the run to a counting search's first deadlock,
 * rebuilt without parent links.
 *
 * A search with parent links shows, for its first deadlock, the run its
 * links give.  The ids of each of its levels are in the order of their
 * smallest (parent id, transition) keys, so, by induction, in the order of
 * their lexicographically smallest shortest runs (transitions compared by
 * index), and the first deadlock's run is the smallest shortest run to any
 * deadlock of the first level that has one, L.  How a counting search
 * numbered its states does not matter: that run is found two ways.
 *
 * Depth first.  Every run of L steps that ends in a deadlock is a
 * shortest one, since no deadlock is nearer than L.  So the runs of L
 * steps from the initial state, taken in lexicographic order, depth
 * first, give it: the first of them that ends in a deadlock.  A state
 * shown to lead to no deadlock in the steps left from its depth is
 * remembered, with that depth, and not expanded there again.  No level
 * is needed, only the packed model and the initial state, so this runs on
 * the search that released its levels.  It pays where deadlocks are near
 * most runs, and may expand far more states than there are where they
 * are few and the runs wander: it gets a budget (a 32nd of the states up
 * to level L), and past it the marking takes over.
 *
 * Marking the levels, from a search that kept them
 * (explore_result_levels_kept): mark the deadlocks of level L, then,
 * level by level down to the initial state, the states with a successor
 * among the marked of the level above; then go forward from the initial
 * state, taking each time the first successor, by transition, that is
 * marked.  A level is marked the cheaper of two ways:
 *   - predecessors: a transition fired subtracts and adds fixed words
 *     (packed_delta), so the one state it may come from is the marked
 *     state less what it gave plus what it took, if the transition is
 *     enabled there and leads back (rebuild_predecessor).  The
 *     predecessors of the marked states go into a set, and the level's
 *     states are read in order and looked up in it;
 *   - expansion: each state of the level is expanded once more and its
 *     successors looked up in the set of the marked states above.
 * Nothing is kept but a mark per state and one set of packed states.
 *
 * `pnsim check` on two threads, whole command, 3 interleaved rounds
 * (minima), with a second search with parent links for the run, as
 * before, against now (2026-12-05): BridgeAndVehicles-PT-V20P10N10
 * (deadlock at level 169 of 174) 2.17 against 0.82 s, Referendum-PT-0015
 * (every run leads to one) 5.73 against 1.21 s, both ending depth first
 * (in 0.03 and 0.06 s); Solitaire-PT-SqrNC5x5 12.1 against 5.9 s, which
 * spends its budget, then has its levels, kept by a second search,
 * marked in 0.2 s.
 *
 * Only for linear models, whose successors the explorer computes on
 * packed vectors (packed.h); for others explore_rebuild_possible says
 * no, and the caller searches again with parent links.
 */
#include "explore_internal.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* Levels with fewer states than this are marked by one thread. */
#define REBUILD_PARALLEL_LEVEL 1024

/* A level is marked from the predecessors of the marked states above it
 * when those states times the transitions are at most this many times
 * its states (rebuild_mark_predecessors); else by expanding it. */
#define REBUILD_PREDECESSORS_PER_STATE 8

/* The depth-first way (rebuild_depth_first) expands at most the states of
 * the levels up to the deadlock's divided by this (Solitaire-PT-SqrNC5x5,
 * where it fails: a 16th took 0.31 s, against 3.3 s for the search), and
 * at most
 * REBUILD_DEPTH_FIRST_MAX, before the marking takes over; and it is not
 * tried where its stack would take more than REBUILD_DEPTH_FIRST_STACK
 * transitions (levels times transitions). */
#define REBUILD_DEPTH_FIRST_SHARE 32
#define REBUILD_DEPTH_FIRST_MIN ((uint64_t)1 << 10)
#define REBUILD_DEPTH_FIRST_MAX ((uint64_t)1 << 22)
#define REBUILD_DEPTH_FIRST_STACK ((uint64_t)1 << 24)

/* A set of packed states: open addressing over their hashes (0: an empty
 * place) and vectors, at most half full.  Its arrays are kept from level
 * to level: fresh pages for each would cost more than the filling. */
typedef struct rebuild_set {
    uint64_t *hashes;
    uint64_t *vectors;           /* `words` words a place */
    uint64_t mask;
    uint64_t capacity;           /* places allocated */
    size_t words;
} rebuild_set;

/* One thread's scratch: the state expanded, a successor, and the packed
 * model's candidates and enabled transitions. */
typedef struct rebuild_scratch {
    uint64_t *state, *child, *candidates;
    uint32_t *enabled;
    model_value *values;
} rebuild_scratch;

/* The threads for a level of `states` states. */
static unsigned rebuild_team(uint64_t states, unsigned threads)
{
    return states >= REBUILD_PARALLEL_LEVEL ? threads : 1;
}

static uint64_t rebuild_hash(const uint64_t *vector, size_t words)
{
    uint64_t hash = support_hash_words(vector, words);
    return hash != 0 ? hash : 1;
}

static void rebuild_set_free(rebuild_set *set)
{
    free(set->hashes);
    free(set->vectors);
    memset(set, 0, sizeof *set);
}

/* Empties `set`, with room for `count` states of `words` words; false when
 * out of memory. */
static bool rebuild_set_reset(rebuild_set *set, uint64_t count, size_t words)
{
    uint64_t size = 16;
    while (size < 2 * count)
        size *= 2;
    if (size > set->capacity || words != set->words) {
        rebuild_set_free(set);
        set->hashes = malloc(size * sizeof *set->hashes);
        set->vectors = malloc(size * words * sizeof *set->vectors);
        if (set->hashes == NULL || set->vectors == NULL)
            return false;
        set->capacity = size;
        set->words = words;
    }
    set->mask = size - 1;
    memset(set->hashes, 0, size * sizeof *set->hashes);
    return true;
}

/* The place of `vector`, of hash `hash`, in `set`: where it is, or the
 * empty place where it would go. */
static uint64_t rebuild_set_place(const rebuild_set *set,
                                  const uint64_t *vector, uint64_t hash)
{
    size_t words = set->words;
    uint64_t place = hash & set->mask;
    while (set->hashes[place] != 0 &&
           (set->hashes[place] != hash ||
            memcmp(&set->vectors[place * words], vector,
                   words * sizeof *vector) != 0))
        place = (place + 1) & set->mask;
    return place;
}

/* Adds `vector` to `set` unless it is there; the set has room for it. */
static void rebuild_set_add(rebuild_set *set, const uint64_t *vector)
{
    uint64_t hash = rebuild_hash(vector, set->words);
    uint64_t place = rebuild_set_place(set, vector, hash);
    set->hashes[place] = hash;
    memcpy(&set->vectors[place * set->words], vector,
           set->words * sizeof *vector);
}

static bool rebuild_set_has(const rebuild_set *set, const uint64_t *vector)
{
    uint64_t hash = rebuild_hash(vector, set->words);
    return set->hashes[rebuild_set_place(set, vector, hash)] != 0;
}

/* Fills `set` with the marked states of ids [first, end); false when out
 * of memory or a state is no longer stored. */
static bool rebuild_set_fill(rebuild_set *set, const explore_result *result,
                             const unsigned char *marks,
                             explore_state_id first, explore_state_id end,
                             uint64_t *vector)
{
    uint64_t count = 0;
    for (explore_state_id id = first; id < end; id++)
        count += marks[id];
    if (!rebuild_set_reset(set, count, result->codec.words))
        return false;
    for (explore_state_id id = first; id < end; id++) {
        if (!marks[id])
            continue;
        if (!state_store_get(result->store, id, vector))
            return false;
        rebuild_set_add(set, vector);
    }
    return true;
}

static void rebuild_scratch_free(rebuild_scratch *scratch)
{
    free(scratch->state);
    free(scratch->child);
    free(scratch->candidates);
    free(scratch->enabled);
    free(scratch->values);
}

static bool rebuild_scratch_alloc(rebuild_scratch *scratch,
                                  const explore_result *result)
{
    const packed_model *packed = result->packed;
    size_t words = result->codec.words;
    size_t slots = result->model->state_length;
    scratch->state = malloc(words * sizeof *scratch->state);
    scratch->child = malloc(words * sizeof *scratch->child);
    scratch->candidates = malloc((2 * packed->candidate_words + 1) *
                                 sizeof *scratch->candidates);
    scratch->enabled = malloc((result->model->transition_count + 1) *
                              sizeof *scratch->enabled);
    scratch->values = malloc((slots ? slots : 1) * sizeof *scratch->values);
    return scratch->state != NULL && scratch->child != NULL &&
           scratch->candidates != NULL && scratch->enabled != NULL &&
           scratch->values != NULL;
}

/* The first of the enabled transitions `enabled[0 .. count)` of packed
 * state `state` whose successor is in `set`, its successor left in
 * `child`; -1 when none is, -2 when a successor could not be computed
 * (a value past 2^64 - 1, which the search would have met first). */
static long rebuild_first_marked(const explore_result *result,
                                 const rebuild_set *set,
                                 const uint64_t *state, const uint32_t *enabled,
                                 size_t count, uint64_t *child)
{
    for (size_t i = 0; i < count; i++) {
        model_value value;
        if (packed_model_fire(result->packed, enabled[i], state, child,
                              &value) != PACKED_FIRED)
            return -2;
        if (rebuild_set_has(set, child))
            return (long)enabled[i];
    }
    return -1;
}

/* Marks the states of ids [first, end): the deadlocks when `set` is NULL,
 * else the states with a successor in `set`.  Returns PNSIM_OK or the
 * first error met. */
static pnsim_status rebuild_mark_level(const explore_result *result,
                                       const explore_options *options,
                                       const rebuild_set *set,
                                       unsigned char *marks,
                                       explore_state_id first,
                                       explore_state_id end, unsigned threads,
                                       pnsim_error *error)
{
    pnsim_status status = PNSIM_OK;
    int64_t from = (int64_t)first, to = (int64_t)end;
#pragma omp parallel num_threads(rebuild_team(end - first, threads))
    {
        rebuild_scratch scratch = {0};
        pnsim_status own = rebuild_scratch_alloc(&scratch, result)
                               ? PNSIM_OK : PNSIM_ERR_NOMEM;
        const char *why = own != PNSIM_OK ? "out of memory rebuilding a run"
                                          : NULL;
#pragma omp for schedule(dynamic, 256)
        for (int64_t id = from; id < to; id++) {
            if (own != PNSIM_OK)
                continue;
            if (!state_store_get(result->store, (uint64_t)id, scratch.state)) {
                own = PNSIM_ERR_NOMEM;
                why = "a state of the run's levels was not stored (out of "
                      "memory)";
                continue;
            }
            size_t count =
                packed_model_enabled(result->packed, scratch.state,
                                     scratch.candidates, scratch.enabled);
            if (set == NULL) {
                if (count > 0)
                    continue;
                state_codec_decode(&result->codec, scratch.state,
                                   scratch.values);
                marks[id] = !explore_is_final(result->model, options,
                                              scratch.values);
                continue;
            }
            long found = rebuild_first_marked(result, set, scratch.state,
                                              scratch.enabled, count,
                                              scratch.child);
            if (found == -2) {
                own = PNSIM_ERR_INTERNAL;
                why = "a successor on the run's levels overflowed";
            }
            marks[id] = found >= 0;
        }
        rebuild_scratch_free(&scratch);
#pragma omp critical(rebuild_error)
        if (own != PNSIM_OK && status == PNSIM_OK) {
            status = own;
            pnsim_error_set(error, own, "%s", why);
        }
    }
    return status;
}

/* Writes into `parent` the state from which transition t leads to
 * `child`, and returns true, if there is one (`again`: scratch): the only
 * candidate (packed_model_unfire), if t is enabled there and leads to the
 * child. */
static bool rebuild_predecessor(const packed_model *packed, uint32_t t,
                                const uint64_t *child, uint64_t *parent,
                                uint64_t *again)
{
    size_t words = packed->codec->words;
    packed_model_unfire(packed, t, child, parent);
    model_value value;
    return packed_model_passes(packed, t, parent) &&
           packed_model_fire(packed, t, parent, again, &value) ==
               PACKED_FIRED &&
           memcmp(again, child, words * sizeof *again) == 0;
}

/* Marks the states of ids [first, end) with a successor among the marked
 * states of ids [above_first, above_end), the next level, from those
 * states' predecessors: gathered in `set`, then looked for in the level,
 * whose states are read in order (on `threads` threads).  Where few are
 * marked, far cheaper than expanding the level.  Returns PNSIM_OK or
 * PNSIM_ERR_NOMEM. */
static pnsim_status rebuild_mark_predecessors(const explore_result *result,
                                              rebuild_set *set,
                                              unsigned char *marks,
                                              explore_state_id first,
                                              explore_state_id end,
                                              explore_state_id above_first,
                                              explore_state_id above_end,
                                              unsigned threads,
                                              pnsim_error *error)
{
    size_t words = result->codec.words;
    uint32_t transitions = result->model->transition_count;
    uint64_t *vectors = malloc(3 * words * sizeof *vectors);
    uint64_t *found = NULL;        /* the predecessors, `words` words each */
    size_t found_count = 0, found_capacity = 0;
    bool ok = vectors != NULL;
    for (explore_state_id id = above_first; ok && id < above_end; id++) {
        if (!marks[id])
            continue;
        uint64_t *child = vectors, *parent = vectors + words;
        ok = state_store_get(result->store, id, child);
        for (uint32_t t = 0; ok && t < transitions; t++) {
            if (!rebuild_predecessor(result->packed, t, child, parent,
                                     vectors + 2 * words))
                continue;
            ok = SUPPORT_RESERVE(found, found_capacity,
                                 (found_count + 1) * words);
            if (ok)
                memcpy(&found[found_count++ * words], parent,
                       words * sizeof *parent);
        }
    }
    ok = ok && rebuild_set_reset(set, found_count, words);
    for (size_t k = 0; ok && k < found_count; k++)
        rebuild_set_add(set, &found[k * words]);
    free(found);
    free(vectors);
    if (!ok)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory rebuilding a run");
    bool lost = false;
    int64_t from = (int64_t)first, to = (int64_t)end;
#pragma omp parallel num_threads(rebuild_team(end - first, threads)) \
    reduction(|| : lost)
    {
        uint64_t *state = malloc(words * sizeof *state);
        lost = state == NULL;
#pragma omp for schedule(static)
        for (int64_t id = from; id < to; id++) {
            if (lost)
                continue;
            if (!state_store_get(result->store, (uint64_t)id, state))
                lost = true;
            else
                marks[id] = rebuild_set_has(set, state);
        }
        free(state);
    }
    if (lost)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory rebuilding a run");
    return PNSIM_OK;
}

/* The forward pass: from the initial state, the first successor marked at
 * each level, into `trace` (of `length` steps, allocated). */
static pnsim_status rebuild_forward(const explore_result *result,
                                    rebuild_set *set,
                                    const unsigned char *marks,
                                    explore_trace *trace, size_t length,
                                    pnsim_error *error)
{
    size_t slots = result->model->state_length;
    size_t words = result->codec.words;
    rebuild_scratch scratch = {0};
    uint64_t *stored = malloc(words * sizeof *stored);
    pnsim_status status = PNSIM_OK;
    if (stored == NULL || !rebuild_scratch_alloc(&scratch, result)) {
        status = pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                 "out of memory rebuilding a run");
        goto done;
    }
    memcpy(scratch.state, result->initial_packed,
           words * sizeof *scratch.state);
    state_codec_decode(&result->codec, scratch.state, trace->storage);
    trace->states[0] = trace->storage;
    for (size_t step = 0; step < length; step++) {
        explore_state_id first, end;
        if (!explore_result_level(result, step + 1, &first, &end) ||
            !rebuild_set_fill(set, result, marks, first, end, stored)) {
            status = pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                     "out of memory rebuilding a run");
            goto done;
        }
        size_t count = packed_model_enabled(result->packed, scratch.state,
                                            scratch.candidates,
                                            scratch.enabled);
        long found = rebuild_first_marked(result, set, scratch.state,
                                          scratch.enabled, count,
                                          scratch.child);
        if (found < 0) {
            status = pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                     "no marked successor at level %zu",
                                     step + 1);
            goto done;
        }
        model_value *next = trace->storage + (step + 1) * slots;
        state_codec_decode(&result->codec, scratch.child, next);
        trace->transitions[step] = (uint32_t)found;
        trace->states[step + 1] = next;
        memcpy(scratch.state, scratch.child, words * sizeof *scratch.state);
    }
done:
    free(stored);
    rebuild_scratch_free(&scratch);
    return status;
}

/* True when the user or the time limit asks to stop. */
static bool rebuild_should_stop(const explore_options *options, double start)
{
    return (options->interrupt != NULL && *options->interrupt) ||
           (options->time_limit > 0 &&
            support_now() - start > options->time_limit);
}

/* The depth-first way: the runs of `length` steps from the initial state,
 * in lexicographic order, until one ends in a deadlock; states met at a
 * depth they were already shown to lead nowhere from are skipped.  Writes
 * that run into `trace` (allocated for it) and sets *found; leaves *found
 * false when more than `budget` states were expanded first.  Returns
 * PNSIM_OK, or PNSIM_ERR_NOMEM, or PNSIM_OK with *stopped set. */
static pnsim_status rebuild_depth_first(const explore_result *result,
                                        const explore_options *options,
                                        size_t length, uint64_t budget,
                                        double start, explore_trace *trace,
                                        bool *found, bool *stopped,
                                        pnsim_error *error)
{
    *found = false;
    const packed_model *packed = result->packed;
    size_t words = result->codec.words;
    size_t slots = result->model->state_length;
    uint32_t transitions = result->model->transition_count;
    /* A deadlock at the initial state needs no search: the marking has
     * it at once. */
    if (length == 0 ||
        (uint64_t)(length + 1) * (transitions + 1) > REBUILD_DEPTH_FIRST_STACK)
        return PNSIM_OK;
    /* The run so far: states[d] (`words` words and its depth, the key of
     * the failed set), its enabled transitions, and the next to try. */
    size_t key = words + 1;
    uint64_t *states = malloc((length + 1) * key * sizeof *states);
    uint32_t *enabled =
        malloc((length + 1) * (transitions + 1) * sizeof *enabled);
    size_t *counts = malloc((length + 1) * sizeof *counts);
    size_t *next = malloc((length + 1) * sizeof *next);
    rebuild_scratch scratch = {0};
    rebuild_set failed = {0};
    pnsim_status status = PNSIM_OK;
    if (states == NULL || enabled == NULL || counts == NULL ||
        next == NULL || !rebuild_scratch_alloc(&scratch, result) ||
        !rebuild_set_reset(&failed, budget, key)) {
        status = pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                 "out of memory rebuilding a run");
        goto done;
    }
    memcpy(states, result->initial_packed, words * sizeof *states);
    states[words] = 0;
    counts[0] = packed_model_enabled(packed, states, scratch.candidates,
                                     enabled);
    next[0] = 0;
    uint64_t expanded = 1;
    size_t depth = 0;
    for (;;) {
        uint64_t *state = &states[depth * key];
        uint32_t *choices = &enabled[depth * (transitions + 1)];
        if (next[depth] == counts[depth]) {
            /* Nowhere from here at this depth. */
            rebuild_set_add(&failed, state);
            if (depth == 0)
                break;   /* cannot be: the deadlock is at `length` */
            depth--;
            continue;
        }
        if (expanded > budget)
            break;
        if (expanded % 4096 == 0 && rebuild_should_stop(options, start)) {
            *stopped = true;
            break;
        }
        uint32_t t = choices[next[depth]++];
        uint64_t *child = &states[(depth + 1) * key];
        model_value value;
        if (packed_model_fire(packed, t, state, child, &value) !=
            PACKED_FIRED) {
            status = pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                     "a successor on the run overflowed");
            break;
        }
        child[words] = depth + 1;
        if (rebuild_set_has(&failed, child))
            continue;
        uint32_t *child_choices = &enabled[(depth + 1) * (transitions + 1)];
        counts[depth + 1] = packed_model_enabled(
            packed, child, scratch.candidates, child_choices);
        next[depth + 1] = 0;
        expanded++;
        if (depth + 1 < length) {
            /* A dead state here would be a deadlock nearer than the
             * first, or an intended end: a dead end either way. */
            depth++;
            continue;
        }
        /* At the deadlock's level: any deadlock there ends the run. */
        if (counts[depth + 1] == 0) {
            state_codec_decode(&result->codec, child, scratch.values);
            if (!explore_is_final(result->model, options, scratch.values)) {
                *found = true;
                break;
            }
        }
    }
    if (*found) {
        for (size_t d = 0; d <= length; d++) {
            model_value *decoded = trace->storage + d * slots;
            state_codec_decode(&result->codec, &states[d * key], decoded);
            trace->states[d] = decoded;
            if (d < length)
                trace->transitions[d] =
                    enabled[d * (transitions + 1) + next[d] - 1];
        }
        trace->length = length;
    }
done:
    free(states);
    free(enabled);
    free(counts);
    free(next);
    rebuild_scratch_free(&scratch);
    rebuild_set_free(&failed);
    return status;
}

bool explore_rebuild_possible(const explore_result *result)
{
    uint64_t levels = result->stats.levels;
    /* The first deadlock's level was expanded whole: a search cut short
     * may have met it in the level it was expanding. */
    return result->packed != NULL && levels > 0 &&
           result->stats.first_deadlock < result->level_ends[levels - 1] &&
           result->model->state_length > 0;
}

pnsim_status explore_rebuild_deadlock_run(const explore_result *result,
                                          const explore_options *options,
                                          explore_trace *trace,
                                          bool *stopped, pnsim_error *error)
{
    memset(trace, 0, sizeof *trace);
    *stopped = false;
    if (!explore_rebuild_possible(result))
        return pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                               "no levels to rebuild a run from");
    double start = support_now();
    /* The level of the first deadlock, the first level with one. */
    explore_state_id target = result->stats.first_deadlock;
    uint64_t level = 0;
    explore_state_id first = 0, end = 0;
    while (explore_result_level(result, level, &first, &end) && end <= target)
        level++;
    if (target < first || target >= end)
        return pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                               "the first deadlock is in no level");
    unsigned threads =
        options->threads ? options->threads : (unsigned)omp_get_max_threads();
    size_t slots = result->model->state_length;
    trace->transitions = malloc((level ? level : 1) *
                                sizeof *trace->transitions);
    trace->states = malloc((level + 1) * sizeof *trace->states);
    trace->storage = malloc((level + 1) * slots * sizeof *trace->storage);
    unsigned char *marks = NULL;
    uint64_t *vector = NULL;
    rebuild_set set = {0};   /* one level's states, or its marked ones */
    pnsim_status status = PNSIM_OK;
    if (trace->transitions == NULL || trace->states == NULL ||
        trace->storage == NULL) {
        status = pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                 "out of memory rebuilding a run");
        goto done;
    }
    /* Depth first, where the deadlocks are near whatever run is taken. */
    bool found = false;
    uint64_t budget = end / REBUILD_DEPTH_FIRST_SHARE;
    budget = budget < REBUILD_DEPTH_FIRST_MIN   ? REBUILD_DEPTH_FIRST_MIN
             : budget > REBUILD_DEPTH_FIRST_MAX ? REBUILD_DEPTH_FIRST_MAX
                                                : budget;
    if (!options->rebuild_by_marking)
        status = rebuild_depth_first(result, options, level, budget, start,
                                     trace, &found, stopped, error);
    if (status != PNSIM_OK || found || *stopped)
        goto done;
    if (!explore_result_levels_kept(result)) {
        explore_trace_free(trace);   /* search again, keeping them */
        goto done;
    }
    marks = calloc(end, 1);
    vector = malloc(result->codec.words * sizeof *vector);
    if (marks == NULL || vector == NULL) {
        status = pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                 "out of memory rebuilding a run");
        goto done;
    }
    /* Backwards: the deadlocks of the level, then each level's states
     * with a successor marked. */
    status = rebuild_mark_level(result, options, NULL, marks, first, end,
                                threads, error);
    for (uint64_t below = level; status == PNSIM_OK && below-- > 0;) {
        if (rebuild_should_stop(options, start)) {
            *stopped = true;
            goto done;
        }
        explore_state_id above_first = first, above_end = end;
        explore_result_level(result, below, &first, &end);
        uint64_t marked = 0;
        for (explore_state_id id = above_first; id < above_end; id++)
            marked += marks[id];
        if (marked * result->model->transition_count <=
            REBUILD_PREDECESSORS_PER_STATE * (end - first)) {
            status = rebuild_mark_predecessors(result, &set, marks, first,
                                               end, above_first, above_end,
                                               threads, error);
            continue;
        }
        if (!rebuild_set_fill(&set, result, marks, above_first, above_end,
                              vector)) {
            status = pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                     "out of memory rebuilding a run");
            break;
        }
        status = rebuild_mark_level(result, options, &set, marks, first, end,
                                    threads, error);
    }
    if (status == PNSIM_OK && !marks[0])
        status = pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                 "the initial state leads to no deadlock");
    if (status == PNSIM_OK) {
        trace->length = level;
        status = rebuild_forward(result, &set, marks, trace, level, error);
    }
done:
    rebuild_set_free(&set);
    free(marks);
    free(vector);
    if (status != PNSIM_OK || *stopped)
        explore_trace_free(trace);
    return status;
}
