/*
 * explore_encoding.c — how a search keeps its states: the first width of
 * each slot, the order the codec packs them in, the store they go in, and,
 * when a successor's value is too wide for its slot, the whole store
 * re-encoded with wider slots before the level is explored again (see
 * "Encoding" in explore.c).
 */
#include "explore_internal.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* How many bits more than its initial value needs a slot's first width
 * may take from a proved bound. */
#define EXPLORE_BOUND_BITS 8

/* Moves the changed bits of the current encoding into per-slot flags, before
 * the encoding changes.  The sets stay the same (and set_seen with them). */
void explore_fold_changes(explore_result *result)
{
    const state_codec *codec = &result->codec;
    for (size_t i = 0; i < codec->slots; i++)
        if (codec->width[i] != 0 &&
            (result->changed_words[codec->word[i]] & codec->mask[i]))
            result->slot_changed[i] = true;
    memset(result->changed_words, 0, codec->words * sizeof(uint64_t));
}

/* Asks for `slot` to be wide enough for `value`, and for the level again. */
int explore_widen(explore_shared *shared, size_t slot, model_value value)
{
    if (shared->result->codec.width[slot] == 0) {
        /* A member of a checked exclusive set never holds more than 1. */
        explore_fail_internal(shared, "a value broke an exclusive set");
        return 1;
    }
    /* Room for growth, but no more than a proved bound needs. */
    unsigned bits = state_codec_bits(value) + 2;
    const model_value *bounds = shared->model->slot_bounds;
    if (bounds != NULL && value <= bounds[slot] &&
        state_codec_bits(bounds[slot]) < bits)
        bits = state_codec_bits(bounds[slot]);
    unsigned char wanted = (unsigned char)(bits > 64 ? 64 : bits);
    unsigned char current = atomic_load(&shared->wanted_width[slot]);
    while (wanted > current &&
           !atomic_compare_exchange_weak(&shared->wanted_width[slot], &current,
                                         wanted))
        ;
    atomic_store(&shared->redo, true);
    return 1;
}

/* What explore_reencode_state needs: the old store and codec, the new
 * codec, and a state vector of scratch per thread. */
typedef struct explore_recode {
    const explore_result *result;
    const state_codec *codec;
    model_value *values;
    size_t slots;
    uint64_t *packed;                 /* old codec's words, per thread */
} explore_recode;

static void explore_reencode_state(void *context, uint64_t id,
                                   uint64_t *vector, uint64_t *key)
{
    const explore_recode *recode = context;
    const explore_result *result = recode->result;
    size_t thread = (size_t)omp_get_thread_num();
    model_value *values = recode->values + thread * recode->slots;
    uint64_t *packed = recode->packed + thread * result->codec.words;
    state_store_get(result->store, id, packed);
    state_codec_decode(&result->codec, packed, values);
    state_codec_encode(recode->codec, values, vector);
    *key = state_store_key(result->store, id);
}

/* A store for vectors of `words` words.  A search that needs no parent
 * links and no hooks never asks which id a state it meets again has, so
 * one-word vectors go to a compact store (store.h): the table keeps the
 * vectors themselves. */
state_store *explore_store_create(const explore_result *result,
                                  const explore_options *options,
                                  size_t words)
{
    state_store *store;
    if (words == 1 && !result->with_keys && !explore_hooked(options) &&
        !options->tree_compression)
        store = state_store_create_compact(options->max_memory);
    else
        store = state_store_create(words, result->with_keys,
                                   options->tree_compression,
                                   options->max_memory);
    if (store != NULL && explore_tags_reaching(result) &&
        state_store_enable_tags(store) != 0) {
        state_store_free(store);
        return NULL;
    }
    return store;
}

/* True when no slot can ever outgrow its width: every one has a proved
 * bound (model.h) that its width holds, so the search never re-encodes. */
bool explore_widths_final(const explore_result *result)
{
    const model *model = result->model;
    for (size_t i = 0; i < model->state_length; i++)
        /* Members of an exclusive set hold 0 or 1 (model.h). */
        if (result->codec.width[i] != 0 &&
            (model->slot_bounds == NULL ||
             model->slot_bounds[i] > result->codec.limit[i]))
            return false;
    return true;
}

/* Explores the level again in a compact store with the same widths: the
 * states it added go, and the table grows when it filled up.  False when
 * out of memory. */
static bool explore_restart_compact(explore_shared *shared, uint64_t keep)
{
    state_store *store = shared->result->store;
    if (state_store_truncate(store, keep) != 0)
        return false;
    bool grow = atomic_exchange(&shared->table_full, false);
    return !grow || state_store_grow(store, shared->threads) == 0;
}

/* Re-encodes states [0, keep) with the widths the threads asked for, into a
 * new store, on all threads; the ids and keys stay.  Returns false when out
 * of memory, or when the states are forgotten (a slot passed a proved
 * bound, which the caller reports). */
bool explore_reencode(explore_shared *shared, uint64_t keep,
                      const explore_options *options)
{
    explore_result *result = shared->result;
    size_t slots = result->model->state_length;
    uint8_t *widths = malloc(slots ? slots : 1);
    state_codec codec;
    bool ok = widths != NULL, wider = false;
    for (size_t i = 0; ok && i < slots; i++) {
        unsigned char wanted = atomic_load(&shared->wanted_width[i]);
        wider |= wanted > result->codec.width[i];
        widths[i] = wanted > result->codec.width[i] ? wanted
                                                    : result->codec.width[i];
    }
    if (ok && !wider && state_store_is_compact(result->store)) {
        free(widths);
        return explore_restart_compact(shared, keep);
    }
    if (ok && result->forget) {
        /* The expanded levels are gone, and a proved bound was wrong. */
        explore_fail_internal(shared,
                              "a value passed its proved structural bound");
        ok = false;
    }
    ok = ok && state_codec_init(&codec, slots, widths, result->slot_order,
                                &result->sets) == 0;
    free(widths);
    if (!ok)
        return false;
    /* At least one of each, whatever the counts. */
    size_t threads = shared->threads > 0 ? shared->threads : 1;
    size_t words = result->codec.words > 0 ? result->codec.words : 1;
    explore_recode recode = {
        .result = result, .codec = &codec, .slots = slots ? slots : 1,
        .values = malloc(threads * (slots ? slots : 1) * sizeof(model_value)),
        .packed = malloc(threads * words * sizeof(uint64_t)),
    };
    state_store *store = explore_store_create(result, options, codec.words);
    ok = store != NULL && recode.values != NULL && recode.packed != NULL;
    /* A table that filled up mid-level comes back twice as large. */
    uint64_t capacity = state_store_capacity(result->store) *
                        (atomic_load(&shared->table_full) ? 2 : 1);
    while (ok && state_store_capacity(store) < capacity)
        ok = state_store_grow(store, shared->threads) == 0;
    atomic_store(&shared->table_full, false);
    ok = ok && state_store_fill(store, keep, explore_reencode_state, &recode,
                                shared->threads) == 0;
    free(recode.values);
    free(recode.packed);
    /* The new store carries the charge for path_max (find_pumping). */
    ok = ok && state_store_charge(store,
                                  result->path_max_size * sizeof(uint32_t));
    state_tally *tally = ok ? state_tally_create(&codec) : NULL;
    ok = ok && tally != NULL;
    if (!ok) {
        state_store_free(store);
        state_codec_free(&codec);
        state_tally_free(tally);
        return false;
    }
    explore_fold_changes(result);
    state_store_free(result->store);
    state_codec_free(&result->codec);
    state_tally_free(result->tally);
    result->store = store;
    result->codec = codec;
    result->tally = tally;
    state_codec_encode(&result->codec, result->initial, result->initial_packed);
    /* Compiled for the old layout.  Without it (short of memory) the
     * model computes the successors. */
    packed_model_free(result->packed);
    result->packed = packed_model_create(result->model, &result->codec,
                                         result->enabled_table);
    if (result->packed == NULL) {
        /* For good: keys and tags written from now on would not name the
         * transition that reached their state. */
        commute_table_free(result->commute);
        result->commute = NULL;
    }
    return true;
}

/* The order in which the codec packs the slots: those of each transition's
 * writes together, transitions in order, then the slots no transition
 * writes.  The slots a process owns are written by its transitions, so they
 * share words, and the store's tree compression finds few distinct words
 * (store.h).  Returns NULL when out of memory; the caller frees it. */
uint32_t *explore_slot_order(const model *model)
{
    size_t slots = model->state_length;
    uint32_t *order = malloc((slots ? slots : 1) * sizeof *order);
    bool *placed = calloc(slots ? slots : 1, sizeof *placed);
    if (order == NULL || placed == NULL) {
        free(order);
        free(placed);
        return NULL;
    }
    size_t count = 0;
    for (uint32_t t = 0; t < model->transition_count; t++) {
        const model_transition *facts = &model->transitions[t];
        for (size_t k = 0; facts->writes != NULL && k < facts->write_count;
             k++) {
            uint32_t slot = facts->writes[k];
            if (slot < slots && !placed[slot]) {
                placed[slot] = true;
                order[count++] = slot;
            }
        }
    }
    for (uint32_t slot = 0; slot < slots; slot++)
        if (!placed[slot])
            order[count++] = slot;
    free(placed);
    return order;
}

/* A slot's first width: what its initial value needs, or what a proved
 * bound needs when that is at most EXPLORE_BOUND_BITS more (a loose bound
 * would waste bits in every state; widening will do). */
uint8_t explore_first_width(const model *model,
                            const model_value *initial, size_t slot)
{
    unsigned bits = state_codec_bits(initial[slot]);
    if (model->slot_bounds != NULL &&
        model->slot_bounds[slot] != UINT64_MAX &&
        model->slot_bounds[slot] >= initial[slot]) {
        unsigned bound = state_codec_bits(model->slot_bounds[slot]);
        if (bound <= bits + EXPLORE_BOUND_BITS)
            bits = bound;
    }
    return (uint8_t)bits;
}
