/*
 * explore_result.c — an exploration's result: its creation (codec, tally,
 * packed successors, commuting pairs, store), its accessors, and the
 * traces rebuilt from its parent links.
 */
#include "explore_internal.h"

#include <stdlib.h>
#include <string.h>

/* Whether every state of linear `model` has the slot sum of `initial`,
 * written to *sum: every transition gives as much as it takes.  Then a
 * search need not add up the slots of each state it finds (Kanban,
 * Dekker, Peterson and TokenRing nets conserve their tokens). */
static bool explore_sum_fixed(const model *model, const model_value *initial,
                              model_value *sum)
{
    if (!model->linear)
        return false;
    for (size_t t = 0; t < model->transition_count; t++) {
        const model_transition *facts = &model->transitions[t];
        unsigned __int128 taken = 0, given = 0;
        for (size_t e = 0; e < facts->effect_count; e++) {
            taken += facts->effects[e].take;
            given += facts->effects[e].give;
        }
        if (taken != given)
            return false;
    }
    *sum = 0;
    for (size_t slot = 0; slot < model->state_length; slot++)
        if (__builtin_add_overflow(*sum, initial[slot], sum))
            return false;
    return true;
}

explore_result *explore_result_create(const model *model,
                                      const explore_options *options,
                                      const model_value *initial)
{
    explore_result *result = calloc(1, sizeof *result);
    if (result == NULL)
        return NULL;
    result->model = model;
    result->with_keys = !options->skip_traces;
    result->enabled_table = !options->without_enabled_table;
    size_t slots = model->state_length ? model->state_length : 1;
    uint8_t *widths = malloc(slots);
    result->initial = malloc(slots * sizeof *result->initial);
    result->slot_changed = calloc(slots + 1, sizeof *result->slot_changed);
    result->fired = calloc(model->transition_count + 1, 1);
    bool ok = widths != NULL && result->initial != NULL &&
              result->slot_changed != NULL && result->fired != NULL;
    if (ok)
        memcpy(result->initial, initial, slots * sizeof *initial);
    if (ok) {
        /* Hooks must never see a level twice, so a hooked search (one
         * thread, small models) never re-encodes: full-width slots. */
        bool hooked = explore_hooked(options);
        for (size_t i = 0; i < model->state_length; i++)
            widths[i] = hooked ? 64 : explore_first_width(model, initial, i);
        /* Exclusive sets are stored as an index, whose width is final. */
        ok = state_codec_choose_sets(model, initial, &result->sets) == 0;
        result->slot_order = ok ? explore_slot_order(model) : NULL;
        ok = result->slot_order != NULL &&
             state_codec_init(&result->codec, model->state_length, widths,
                              result->slot_order, &result->sets) == 0;
    }
    if (ok) {
        /* One word per slot is the most any encoding needs. */
        result->initial_packed = calloc(slots + 1, sizeof(uint64_t));
        result->changed_words = calloc(slots + 1, sizeof(uint64_t));
        result->set_seen = calloc(result->codec.sets + 1, sizeof(uint64_t));
        result->tally = state_tally_create(&result->codec);
        ok = result->initial_packed != NULL &&
             result->changed_words != NULL && result->set_seen != NULL &&
             result->tally != NULL;
        if (ok)
            state_codec_encode(&result->codec, initial,
                               result->initial_packed);
        result->sum_fixed =
            explore_sum_fixed(model, initial, &result->fixed_sum);
    }
    free(widths);
    if (ok)
        result->packed = packed_model_create(model, &result->codec,
                                             result->enabled_table);
    /* Diamonds need every edge's target to be nobody's business, and the
     * reaching transition to fit a tag.  Without the table (short of
     * memory, or a model where hardly a pair commutes) every edge is
     * followed. */
    if (ok && result->packed != NULL && options->on_edge == NULL &&
        model->transition_count < UINT16_MAX)
        result->commute = commute_table_create(model);
    if (ok)
        result->store = explore_store_create(result, options,
                                             result->codec.words);
    if (!ok || result->store == NULL) {
        explore_result_free(result);
        return NULL;
    }
    result->forget = options->forget_expanded &&
                     state_store_is_compact(result->store) &&
                     explore_widths_final(result);
    result->stats.first_deadlock = EXPLORE_NO_STATE;
    result->stats.pumping_state = EXPLORE_NO_STATE;
    result->stats.pumping_ancestor = EXPLORE_NO_STATE;
    return result;
}

void explore_result_free(explore_result *result)
{
    if (result == NULL)
        return;
    state_store_free(result->store);
    packed_model_free(result->packed);
    commute_table_free(result->commute);
    state_tally_free(result->tally);
    state_codec_free(&result->codec);
    state_codec_sets_free(&result->sets);
    for (uint64_t i = 0; i < result->decoded_count && result->decoded; i++)
        free(result->decoded[i]);
    free(result->decoded);
    free((void *)result->fired);
    free(result->initial);
    free(result->slot_order);
    free(result->initial_packed);
    free(result->changed_words);
    free(result->set_seen);
    free(result->slot_changed);
    free(result->path_max);
    free(result->level_ends);
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
    /* Decoded once per id, kept until the result is freed. */
    explore_result *cache = (explore_result *)result;
    if (cache->decoded == NULL) {
        cache->decoded_count = state_store_count(result->store);
        cache->decoded = calloc(cache->decoded_count, sizeof *cache->decoded);
        if (cache->decoded == NULL)
            return NULL;
    }
    if (id >= cache->decoded_count)
        return NULL;
    if (cache->decoded[id] == NULL) {
        size_t slots = result->model->state_length;
        cache->decoded[id] = malloc((slots ? slots : 1) * sizeof(model_value));
        if (cache->decoded[id] == NULL)
            return NULL;
        if (!explore_result_decode(result, id, cache->decoded[id])) {
            free(cache->decoded[id]);
            cache->decoded[id] = NULL;
        }
    }
    return cache->decoded[id];
}

bool explore_result_decode(const explore_result *result, explore_state_id id,
                           model_value *state)
{
    uint64_t local[8];
    uint64_t *packed = result->codec.words <= 8
                           ? local
                           : malloc(result->codec.words * sizeof *packed);
    bool stored = packed != NULL && state_store_get(result->store, id, packed);
    if (stored)
        state_codec_decode(&result->codec, packed, state);
    if (packed != local)
        free(packed);
    return stored;
}

bool explore_result_levels_kept(const explore_result *result)
{
    return !result->forget;
}

bool explore_result_level(const explore_result *result, uint64_t level,
                          explore_state_id *first, explore_state_id *end)
{
    if (level >= result->stats.levels)
        return false;
    *first = level == 0 ? 0 : result->level_ends[level - 1];
    *end = result->level_ends[level];
    return true;
}

bool explore_result_transition_fired(const explore_result *result, uint32_t t)
{
    return t < result->model->transition_count && result->fired[t] != 0;
}

bool explore_result_slot_constant(const explore_result *result, size_t slot)
{
    const state_codec *codec = &result->codec;
    if (codec->width[slot] == 0) {
        /* A member: whether its set's field ever held its index, or
         * (holding it initially) any other. */
        uint32_t set = codec->set_of[slot];
        uint64_t own = (uint64_t)1 << state_codec_member_index(codec, slot);
        uint64_t seen = result->set_seen[set];
        return result->initial[slot] == 1 ? (seen & ~own) == 0
                                          : (seen & own) == 0;
    }
    return !result->slot_changed[slot] &&
           (result->changed_words[codec->word[slot]] & codec->mask[slot]) == 0;
}

/* Finds which transition leads from `parent` (decoded) to the state packed
 * as `child`: the first successor that encodes to it. */
typedef struct explore_step_search {
    const state_codec *codec;
    const uint64_t *child;
    uint64_t *packed;
    long transition;
} explore_step_search;

static int explore_match_step(void *context, uint32_t transition,
                              const model_value *successor)
{
    explore_step_search *search = context;
    if (state_codec_encode(search->codec, successor, search->packed) < 0 &&
        memcmp(search->packed, search->child,
               search->codec->words * sizeof *search->packed) == 0) {
        search->transition = transition;
        return 1;
    }
    return 0;
}

pnsim_status explore_trace_to(const explore_result *result,
                              explore_state_id target, explore_trace *trace,
                              pnsim_error *error)
{
    memset(trace, 0, sizeof *trace);
    if (!result->with_keys)
        return pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                               "this exploration kept no parent links");
    const model *model = result->model;
    size_t slots = model->state_length ? model->state_length : 1;
    size_t length = 0;
    for (uint64_t key = state_store_key(result->store, target);
         key != EXPLORE_ROOT_KEY;
         key = state_store_key(result->store, key >> EXPLORE_VISIT_BITS))
        length++;

    trace->transitions = malloc((length ? length : 1) *
                                sizeof *trace->transitions);
    trace->states = malloc((length + 1) * sizeof *trace->states);
    trace->storage = malloc((length + 1) * slots * sizeof *trace->storage);
    void *scratch = malloc(model->scratch_bytes ? model->scratch_bytes : 1);
    /* Scratch for a successor, and the child it must match. */
    uint64_t *packed = malloc(2 * result->codec.words * sizeof *packed);
    if (trace->transitions == NULL || trace->states == NULL ||
        trace->storage == NULL || scratch == NULL || packed == NULL) {
        free(scratch);
        free(packed);
        explore_trace_free(trace);
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory building a trace");
    }
    uint64_t *child = packed + result->codec.words;
    trace->length = length;

    /* Walk back from the target, recovering each step's transition. */
    explore_state_id id = target;
    pnsim_status status = PNSIM_OK;
    for (size_t i = length + 1; i-- > 0;) {
        model_value *state = trace->storage + i * slots;
        if (!state_store_get(result->store, id, child)) {
            status = pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                     "state %llu was never stored",
                                     (unsigned long long)id);
            break;
        }
        state_codec_decode(&result->codec, child, state);
        trace->states[i] = state;
        if (i == 0)
            break;
        explore_state_id parent = state_store_key(result->store, id) >>
                                  EXPLORE_VISIT_BITS;
        model_value *parent_state = trace->storage + (i - 1) * slots;
        /* The parent comes next round; decoded now for its successors. */
        explore_result_decode(result, parent, parent_state);
        explore_step_search search = {
            .codec = &result->codec, .child = child,
            .packed = packed, .transition = -1,
        };
        pnsim_error step_error;
        model_successors(model, parent_state, scratch, explore_match_step,
                         &search, &step_error);
        if (search.transition < 0) {
            status = pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                     "no transition leads from state %llu to "
                                     "state %llu",
                                     (unsigned long long)parent,
                                     (unsigned long long)id);
            break;
        }
        trace->transitions[i - 1] = (uint32_t)search.transition;
        id = parent;
    }
    free(scratch);
    free(packed);
    if (status != PNSIM_OK)
        explore_trace_free(trace);
    return status;
}

void explore_trace_free(explore_trace *trace)
{
    free(trace->transitions);
    free((void *)trace->states);
    free(trace->storage);
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
    case EXPLORE_UNBOUNDED: return "unbounded";
    }
    return "unknown";
}

bool explore_outcome_is_limit(explore_outcome outcome)
{
    return outcome == EXPLORE_LIMIT_STATES || outcome == EXPLORE_LIMIT_MEMORY ||
           outcome == EXPLORE_LIMIT_TIME || outcome == EXPLORE_INTERRUPTED;
}
