/* packed.c — see packed.h for the design. */
#include "packed.h"

#include <stdlib.h>
#include <string.h>

struct packed_build {
    packed_model *packed;
    size_t tests, changes;        /* filled so far */
    uint64_t *ones, *zeros;       /* per word: one-bit guards of the
                                     transition being compiled */
    uint64_t *take, *give;        /* per word: its one-bit changes */
};

/* A test no state passes: the field of mask 0 is 0, and 0 - 1 >= 1. */
static const packed_test packed_never = {0, 1, 1, 0, 0};

static void packed_add_test(struct packed_build *build, packed_test test)
{
    build->packed->tests[build->tests++] = test;
}

/* Compiles one guard: merged into the word's bit masks for a one-bit
 * field, a field test otherwise; nothing when every value passes. */
static void packed_compile_guard(struct packed_build *build,
                                 const model_guard *guard)
{
    const state_codec *codec = build->packed->codec;
    uint32_t slot = guard->slot;
    bool empty = guard->below != 0 && guard->below <= guard->at_least;
    if (empty) {
        packed_add_test(build, packed_never);
        return;
    }
    if (guard->at_least == 0 && guard->below == 0)
        return;
    if (codec->width[slot] == 1) {
        bool zero_passes = guard->at_least == 0;
        bool one_passes = guard->at_least <= 1 &&
                          (guard->below == 0 || guard->below >= 2);
        uint64_t bit = (uint64_t)1 << codec->shift[slot];
        if (zero_passes && one_passes)
            return;
        if (!zero_passes && !one_passes)
            packed_add_test(build, packed_never);
        else if (one_passes)
            build->ones[codec->word[slot]] |= bit;
        else
            build->zeros[codec->word[slot]] |= bit;
        return;
    }
    packed_add_test(build, (packed_test){
        .mask = codec->limit[slot],
        .at_least = guard->at_least,
        .span = guard->below != 0 ? guard->below - guard->at_least
                                  : (uint64_t)0 - guard->at_least,
        .word = codec->word[slot],
        .shift = codec->shift[slot],
    });
}

static void packed_compile_effect(struct packed_build *build,
                                  const model_effect *effect)
{
    const state_codec *codec = build->packed->codec;
    uint32_t slot = effect->slot;
    if (effect->take == effect->give)
        return;
    if (codec->width[slot] == 1 && effect->take <= 1 && effect->give <= 1) {
        uint64_t bit = (uint64_t)1 << codec->shift[slot];
        if (effect->take)
            build->take[codec->word[slot]] |= bit;
        else
            build->give[codec->word[slot]] |= bit;
        return;
    }
    build->packed->changes[build->changes++] = (packed_change){
        .mask = codec->limit[slot],
        .take = effect->take,
        .give = effect->give,
        .word = codec->word[slot],
        .shift = codec->shift[slot],
        .slot = slot,
    };
}

/* Compiles transition t's guards and effects. */
static void packed_compile(struct packed_build *build, uint32_t t)
{
    packed_model *packed = build->packed;
    const model_transition *facts = &packed->model->transitions[t];
    size_t words = packed->codec->words;
    packed->test_start[t] = build->tests;
    for (size_t i = 0; i < facts->guard_count; i++)
        packed_compile_guard(build, &facts->guards[i]);
    /* The merged bit tests go first: one test covers many guards. */
    size_t fields = build->tests - packed->test_start[t];
    size_t merged = 0;
    for (size_t k = 0; k < words; k++)
        merged += (build->ones[k] != 0) + (build->zeros[k] != 0);
    memmove(packed->tests + packed->test_start[t] + merged,
            packed->tests + packed->test_start[t],
            fields * sizeof *packed->tests);
    size_t at = packed->test_start[t];
    for (size_t k = 0; k < words; k++) {
        if (build->ones[k] != 0)
            packed->tests[at++] = (packed_test){
                build->ones[k], build->ones[k], UINT64_MAX - build->ones[k] + 1,
                (uint32_t)k, 0};
        if (build->zeros[k] != 0)
            packed->tests[at++] =
                (packed_test){build->zeros[k], 0, 1, (uint32_t)k, 0};
        build->ones[k] = build->zeros[k] = 0;
    }
    build->tests += merged;

    packed->change_start[t] = build->changes;
    for (size_t i = 0; i < facts->effect_count; i++)
        packed_compile_effect(build, &facts->effects[i]);
    for (size_t k = 0; k < words; k++) {
        if (build->take[k] != 0 || build->give[k] != 0)
            packed->changes[build->changes++] = (packed_change){
                .take = build->take[k], .give = build->give[k],
                .word = (uint32_t)k, .slot = PACKED_BITS};
        build->take[k] = build->give[k] = 0;
    }
}

/* The slot transition t is filed under in watch index `role`: that of its
 * guard number `role` among those that need a nonzero value (on distinct
 * slots), or -1. */
static long packed_watch_slot(const model_transition *facts, unsigned role)
{
    long first = -1;
    for (size_t i = 0; i < facts->guard_count; i++) {
        const model_guard *guard = &facts->guards[i];
        if (guard->at_least < 1 || (long)guard->slot == first)
            continue;
        if (role == 0)
            return guard->slot;
        if (first >= 0)
            return guard->slot;
        first = guard->slot;
    }
    return -1;
}

/* Files every transition under its watch slot of index `role`. */
static bool packed_build_watch(packed_model *packed, unsigned role)
{
    const model *model = packed->model;
    packed_watch_index *index = &packed->watch[role];
    size_t slots = model->state_length;
    size_t transitions = packed->transitions;
    index->start = calloc(slots + 2, sizeof *index->start);
    /* At most one word of bits per transition. */
    index->words = malloc((transitions + 1) * sizeof *index->words);
    index->unwatched = calloc(packed->candidate_words + 1,
                              sizeof *index->unwatched);
    long *watch = malloc((transitions + 1) * sizeof *watch);
    size_t *order = malloc((transitions + 1) * sizeof *order);
    bool ok = index->start != NULL && index->words != NULL &&
              index->unwatched != NULL && watch != NULL && order != NULL;
    for (size_t t = 0; ok && t < transitions; t++) {
        watch[t] = packed_watch_slot(&model->transitions[t], role);
        if (watch[t] >= 0)
            index->start[watch[t] + 2]++;
        else
            index->unwatched[t / 64] |= (uint64_t)1 << (t % 64);
    }
    /* The watchers of each slot in index order (a counting sort), then
     * folded into words of bits. */
    for (size_t s = 0; ok && s < slots; s++)
        index->start[s + 2] += index->start[s + 1];
    for (size_t t = 0; ok && t < transitions; t++)
        if (watch[t] >= 0)
            order[index->start[watch[t] + 1]++] = t;
    size_t fill = 0;
    for (size_t s = 0; ok && s < slots; s++) {
        size_t first = index->start[s], last = index->start[s + 1];
        index->start[s] = fill;
        for (size_t i = first; i < last; i++) {
            size_t word = order[i] / 64;
            if (fill == index->start[s] || index->words[fill - 1].word != word)
                index->words[fill++] = (packed_bits){0, (uint32_t)word};
            index->words[fill - 1].bits |= (uint64_t)1 << (order[i] % 64);
        }
    }
    if (ok)
        index->start[slots] = fill;
    free(watch);
    free(order);
    return ok;
}

packed_model *packed_model_create(const model *model, const state_codec *codec)
{
    if (!model->linear)
        return NULL;
    packed_model *packed = calloc(1, sizeof *packed);
    if (packed == NULL)
        return NULL;
    packed->model = model;
    packed->codec = codec;
    packed->transitions = model->transition_count;
    packed->candidate_words = (model->transition_count + 63) / 64;
    size_t guards = 0, effects = 0;
    for (size_t t = 0; t < model->transition_count; t++) {
        guards += model->transitions[t].guard_count;
        effects += model->transitions[t].effect_count;
    }
    size_t words = codec->words;
    struct packed_build build = {
        .packed = packed,
        .ones = calloc(4 * words, sizeof(uint64_t)),
    };
    packed->test_start = malloc((packed->transitions + 1) *
                                sizeof *packed->test_start);
    packed->change_start = malloc((packed->transitions + 1) *
                                  sizeof *packed->change_start);
    /* Each guard and effect compiles to at most one entry of its own, and
     * each transition adds at most two merged tests and one merged change
     * per word. */
    packed->tests = malloc((guards + 2 * words * packed->transitions + 1) *
                           sizeof *packed->tests);
    packed->changes = malloc((effects + words * packed->transitions + 1) *
                             sizeof *packed->changes);
    packed->field_low = calloc(2 * words, sizeof *packed->field_low);
    packed->slot_at = calloc(64 * words, sizeof *packed->slot_at);
    bool ok = build.ones != NULL && packed->test_start != NULL &&
              packed->field_low != NULL && packed->slot_at != NULL &&
              packed->change_start != NULL && packed->tests != NULL &&
              packed->changes != NULL && packed_build_watch(packed, 0) &&
              packed_build_watch(packed, 1);
    if (ok) {
        build.zeros = build.ones + words;
        build.take = build.ones + 2 * words;
        build.give = build.ones + 3 * words;
        packed->field_top = packed->field_low + words;
        for (size_t slot = 0; slot < codec->slots; slot++) {
            unsigned top = codec->shift[slot] + codec->width[slot] - 1;
            packed->field_top[codec->word[slot]] |= (uint64_t)1 << top;
            packed->field_low[codec->word[slot]] |=
                (codec->limit[slot] >> 1) << codec->shift[slot];
            packed->slot_at[codec->word[slot] * 64 + top] = (uint32_t)slot;
        }
        for (uint32_t t = 0; t < packed->transitions; t++)
            packed_compile(&build, t);
        /* Many transitions per slot: a marked slot watches many, and the
         * second watch (an and of bits) saves more tests than its pass
         * over the fields costs.  Measured on the MCC nets: worth it at
         * four transitions or more per slot (TokenRing, BridgeAndVehicles),
         * not below (Peterson, Kanban, Philosophers). */
        packed->two_watches =
            packed->transitions >= 4 * (model->state_length + 1);
        packed->test_start[packed->transitions] = build.tests;
        packed->change_start[packed->transitions] = build.changes;
    }
    free(build.ones);
    if (!ok) {
        packed_model_free(packed);
        return NULL;
    }
    return packed;
}

void packed_model_free(packed_model *packed)
{
    if (packed == NULL)
        return;
    free(packed->test_start);
    free(packed->tests);
    free(packed->change_start);
    free(packed->changes);
    free(packed->field_low);
    free(packed->slot_at);
    for (unsigned role = 0; role < 2; role++) {
        free(packed->watch[role].start);
        free(packed->watch[role].words);
        free(packed->watch[role].unwatched);
    }
    free(packed);
}

uint32_t packed_model_bit_slot(const packed_model *packed, uint32_t word,
                               unsigned bit)
{
    /* A one-bit field's top bit is its only bit. */
    return packed->slot_at[(size_t)word * 64 + bit];
}

/* Adds the transitions filed under `slot` to the candidates. */
static inline void packed_watch(const packed_watch_index *index, uint32_t slot,
                                uint64_t *candidates)
{
    for (size_t i = index->start[slot]; i < index->start[slot + 1]; i++)
        candidates[index->words[i].word] |= index->words[i].bits;
}

/* The candidates of both watch indexes: the transitions filed under a
 * slot whose field is nonzero, or under none.  The nonzero fields of a
 * word come from one addition: adding each field's low part to its own
 * mask carries into the field's top bit when the low part is nonzero. */
static void packed_watched(const packed_model *packed, const uint64_t *state,
                           uint64_t *first, uint64_t *second)
{
    size_t words = packed->candidate_words;
    memcpy(first, packed->watch[0].unwatched, words * sizeof *first);
    if (packed->two_watches)
        memcpy(second, packed->watch[1].unwatched, words * sizeof *second);
    for (size_t k = 0; k < packed->codec->words; k++) {
        uint64_t word = state[k];
        uint64_t low = packed->field_low[k];
        uint64_t nonzero = (((word & low) + low) | word) &
                           packed->field_top[k];
        for (; nonzero != 0; nonzero &= nonzero - 1) {
            uint32_t slot =
                packed->slot_at[k * 64 + (size_t)__builtin_ctzll(nonzero)];
            packed_watch(&packed->watch[0], slot, first);
            if (packed->two_watches)
                packed_watch(&packed->watch[1], slot, second);
        }
    }
}

static inline bool packed_passes(const packed_model *packed, uint32_t t,
                                 const uint64_t *state)
{
    for (size_t i = packed->test_start[t]; i < packed->test_start[t + 1];
         i++) {
        const packed_test *test = &packed->tests[i];
        if (((state[test->word] >> test->shift) & test->mask) -
                test->at_least >=
            test->span)
            return false;
    }
    return true;
}

size_t packed_model_enabled(const packed_model *packed, const uint64_t *state,
                            uint64_t *candidates, uint32_t *enabled)
{
    /* Candidates: transitions whose watch slots are all nonzero. */
    uint64_t *second = candidates + packed->candidate_words;
    packed_watched(packed, state, candidates, second);
    size_t count = 0;
    for (size_t k = 0; k < packed->candidate_words; k++) {
        uint64_t bits = candidates[k];
        if (packed->two_watches)
            bits &= second[k];
        for (; bits != 0; bits &= bits - 1) {
            uint32_t t = (uint32_t)(k * 64 + (size_t)__builtin_ctzll(bits));
            if (packed_passes(packed, t, state))
                enabled[count++] = t;
        }
    }
    return count;
}
