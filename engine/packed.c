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
    /* Per set (codec.h): the member index the transition takes the token
     * from and the one it gives it to (SIZE_MAX: none yet), and the sets
     * it touches. */
    size_t *set_from, *set_to;
    uint32_t *set_touched;
    size_t touched;
    bool unsupported;             /* a guard no test expresses */
};

/* A test no state passes: the field of mask 0 is 0, and 0 - 1 >= 1. */
static const packed_test packed_never = {0, 1, 1, 0, 0};

static void packed_add_test(struct packed_build *build, packed_test test)
{
    build->packed->tests[build->tests++] = test;
}

/* Compiles a guard on a member of a set (codec.h), which holds 1 when the
 * set's field holds its index: "member = 1" is "field = index", and
 * "member = 0" is "field >= 1" for index 0, "field < last index" for the
 * last (state_codec_choose_sets puts zero-tested members there). */
static void packed_compile_member_guard(struct packed_build *build,
                                        const model_guard *guard)
{
    const state_codec *codec = build->packed->codec;
    uint32_t slot = guard->slot, set = codec->set_of[slot];
    bool zero_passes = guard->at_least == 0;
    bool one_passes = guard->at_least <= 1 &&
                      (guard->below == 0 || guard->below >= 2);
    uint64_t index = state_codec_member_index(codec, slot);
    uint64_t last = codec->set_first[set + 1] - codec->set_first[set] - 1;
    packed_test test = {.mask = codec->mask[slot] >> codec->shift[slot],
                        .word = codec->word[slot],
                        .shift = codec->shift[slot]};
    if (zero_passes && one_passes)
        return;
    if (!zero_passes && !one_passes) {
        packed_add_test(build, packed_never);
        return;
    }
    if (one_passes) {
        test.at_least = index;
        test.span = 1;
    } else if (index == 0) {
        test.at_least = 1;
        test.span = UINT64_MAX;
    } else if (index == last) {
        test.at_least = 0;
        test.span = last;
    } else {
        build->unsupported = true;
        return;
    }
    packed_add_test(build, test);
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
    if (codec->width[slot] == 0) {
        packed_compile_member_guard(build, guard);
        return;
    }
    if (codec->width[slot] == 1) {
        bool zero_passes = guard->at_least == 0;
        bool one_passes = guard->at_least <= 1 &&
                          (guard->below == 0 || guard->below >= 2);
        uint64_t bit = codec->mask[slot];
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
    if (codec->width[slot] == 0) {
        /* A set's token moves from one member to another: one change of
         * the field, made once the transition's effects are all seen. */
        uint32_t set = codec->set_of[slot];
        size_t index = state_codec_member_index(codec, slot);
        if (build->set_from[set] == SIZE_MAX &&
            build->set_to[set] == SIZE_MAX)
            build->set_touched[build->touched++] = set;
        if (effect->take == effect->give + 1)
            build->set_from[set] = index;
        else if (effect->give == effect->take + 1)
            build->set_to[set] = index;
        else
            build->set_from[set] = build->set_to[set] = SIZE_MAX - 1;
        return;
    }
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

/* The changes of the sets the transition touched: field = from's index
 * becomes field = to's index, which `value - take + give` does since the
 * guards hold the field at `take`.  A transition that moves more than one
 * token of a set needs two members marked at once: it is never enabled,
 * and changes nothing. */
static void packed_compile_set_changes(struct packed_build *build)
{
    const state_codec *codec = build->packed->codec;
    for (size_t i = 0; i < build->touched; i++) {
        uint32_t set = build->set_touched[i];
        size_t from = build->set_from[set], to = build->set_to[set];
        build->set_from[set] = build->set_to[set] = SIZE_MAX;
        if (from >= SIZE_MAX - 1 || to >= SIZE_MAX - 1 || from == to)
            continue;
        build->packed->changes[build->changes++] = (packed_change){
            .mask = ((uint64_t)1 << codec->set_width[set]) - 1,
            .take = from,
            .give = to,
            .word = codec->set_word[set],
            .shift = codec->set_shift[set],
            .slot = codec->set_members[codec->set_first[set] + to],
        };
    }
    build->touched = 0;
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
    packed_compile_set_changes(build);
}

/* Merges each transition's changes by word into deltas (packed_delta).
 * On one-word vectors every transition gets exactly one, a zero delta when
 * it changes nothing, so that transition t's is deltas[t]
 * (packed_model_fire_word). */
static bool packed_build_deltas(packed_model *packed)
{
    size_t words = packed->codec->words;
    size_t changes = packed->change_start[packed->transitions];
    packed->delta_start =
        malloc((packed->transitions + 1) * sizeof *packed->delta_start);
    /* At most one delta per change, or per transition on one word. */
    size_t most = changes > packed->transitions ? changes : packed->transitions;
    packed->deltas = malloc((most + 1) * sizeof *packed->deltas);
    /* Per word: its delta of the transition being merged, if any. */
    size_t *at = malloc((words + 1) * sizeof *at);
    if (packed->delta_start == NULL || packed->deltas == NULL || at == NULL) {
        free(at);
        return false;
    }
    for (size_t k = 0; k < words; k++)
        at[k] = SIZE_MAX;
    size_t count = 0;
    for (size_t t = 0; t < packed->transitions; t++) {
        size_t first = count;
        packed->delta_start[t] = first;
        for (size_t i = packed->change_start[t];
             i < packed->change_start[t + 1]; i++) {
            const packed_change *change = &packed->changes[i];
            if (at[change->word] == SIZE_MAX) {
                at[change->word] = count;
                packed->deltas[count++] =
                    (packed_delta){.word = change->word};
            }
            packed_delta *delta = &packed->deltas[at[change->word]];
            if (change->slot == PACKED_BITS) {
                delta->take += change->take;
                delta->give += change->give;
                delta->carry |= change->give << 1;
            } else {
                delta->take += change->take << change->shift;
                delta->give += change->give << change->shift;
                if (change->give != 0)
                    delta->carry |=
                        state_codec_carry_bit(change->mask, change->shift);
                if (change->give > change->mask)
                    delta->spill = 1;
            }
        }
        if (words == 1 && count == first)
            packed->deltas[count++] = (packed_delta){.word = 0};
        for (size_t d = first; d < count; d++)
            at[packed->deltas[d].word] = SIZE_MAX;
    }
    packed->delta_start[packed->transitions] = count;
    free(at);
    return true;
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

/* Builds `index` from `count` (slot, transition) pairs, in transition
 * order; transitions in no pair go to `unwatched`. */
static bool packed_build_index(const packed_model *packed,
                               packed_watch_index *index,
                               const uint32_t (*pairs)[2], size_t count)
{
    size_t slots = packed->model->state_length;
    index->start = calloc(slots + 2, sizeof *index->start);
    /* At most one word of bits per pair. */
    index->words = malloc((count + 1) * sizeof *index->words);
    index->unwatched = malloc((packed->candidate_words + 1) *
                              sizeof *index->unwatched);
    size_t *order = malloc((count + 1) * sizeof *order);
    bool ok = index->start != NULL && index->words != NULL &&
              index->unwatched != NULL && order != NULL;
    if (!ok) {
        free(order);
        return false;
    }
    for (size_t k = 0; k < packed->candidate_words; k++)
        index->unwatched[k] = ~(uint64_t)0;
    for (size_t t = packed->transitions; t < packed->candidate_words * 64; t++)
        index->unwatched[t / 64] &= ~((uint64_t)1 << (t % 64));
    /* The pairs by slot (a counting sort, stable: transition order). */
    for (size_t i = 0; i < count; i++) {
        index->start[pairs[i][0] + 2]++;
        index->unwatched[pairs[i][1] / 64] &=
            ~((uint64_t)1 << (pairs[i][1] % 64));
    }
    for (size_t slot = 0; slot < slots; slot++)
        index->start[slot + 2] += index->start[slot + 1];
    for (size_t i = 0; i < count; i++)
        order[index->start[pairs[i][0] + 1]++] = i;
    /* Each slot's transitions folded into words of bits. */
    size_t fill = 0;
    for (size_t slot = 0; slot < slots; slot++) {
        size_t first = index->start[slot], last = index->start[slot + 1];
        index->start[slot] = fill;
        for (size_t i = first; i < last; i++) {
            uint32_t t = pairs[order[i]][1];
            if (fill == index->start[slot] ||
                index->words[fill - 1].word != t / 64)
                index->words[fill++] = (packed_bits){0, t / 64};
            index->words[fill - 1].bits |= (uint64_t)1 << (t % 64);
        }
    }
    index->start[slots] = fill;
    free(order);
    return true;
}

/* Whether transition t can be keyed (packed_keyed_index): two watches,
 * the second a member of one of the codec's sets. */
static bool packed_can_key(const packed_model *packed, uint32_t t)
{
    const model_transition *facts = &packed->model->transitions[t];
    long second = packed_watch_slot(facts, 1);
    return packed->two_watches && second >= 0 &&
           packed->codec->set_of[second] != UINT32_MAX;
}

/* A keyed transition, as the keyed index sorts them. */
typedef struct packed_keyed_entry {
    uint32_t slot, set, index, transition;
} packed_keyed_entry;

static int packed_compare_keyed(const void *a, const void *b)
{
    const packed_keyed_entry *x = a, *y = b;
    uint32_t left[4] = {x->slot, x->set, x->index, x->transition};
    uint32_t right[4] = {y->slot, y->set, y->index, y->transition};
    for (int k = 0; k < 4; k++)
        if (left[k] != right[k])
            return left[k] < right[k] ? -1 : 1;
    return 0;
}

/* Keys pay where the candidate sets are long: a marked slot then watches
 * transitions spread over many words of bits, and the and with the
 * second set passes over all of them.  Where they are short
 * (BridgeAndVehicles-PT-V20P10N10: 9 words), a look-up per key costs
 * more than the bits it saves (a tenth more time in all, measured), so
 * nothing is keyed below this many words (TokenRing-PT-010: 18). */
#define PACKED_KEYED_MIN_WORDS 16

/* The transitions to key, as entries sorted by slot, set, index and
 * transition, into *entries (the caller frees it) and *count; and each as
 * true in keyed[] (packed->transitions flags).  False when out of
 * memory. */
static bool packed_choose_keyed(const packed_model *packed,
                                packed_keyed_entry **entries, size_t *count,
                                bool *keyed)
{
    const state_codec *codec = packed->codec;
    bool worth = packed->candidate_words >= PACKED_KEYED_MIN_WORDS;
    packed_keyed_entry *all =
        malloc((worth ? packed->transitions + 1 : 1) * sizeof *all);
    if (all == NULL)
        return false;
    size_t total = 0;
    for (uint32_t t = 0; worth && t < packed->transitions; t++) {
        if (!packed_can_key(packed, t))
            continue;
        const model_transition *facts = &packed->model->transitions[t];
        uint32_t second = (uint32_t)packed_watch_slot(facts, 1);
        all[total++] = (packed_keyed_entry){
            (uint32_t)packed_watch_slot(facts, 0), codec->set_of[second],
            (uint32_t)state_codec_member_index(codec, second), t};
        keyed[t] = true;
    }
    qsort(all, total, sizeof *all, packed_compare_keyed);
    *entries = all;
    *count = total;
    return true;
}

/* Builds the keyed index from `count` sorted `entries`, and takes the
 * keyed transitions out of the watch indexes' unwatched sets (they are
 * filed under no watch slot there). */
static bool packed_build_keyed(packed_model *packed,
                               const packed_keyed_entry *entries,
                               size_t count)
{
    packed_keyed_index *keyed = &packed->keyed;
    const state_codec *codec = packed->codec;
    size_t slots = packed->model->state_length;
    /* A key per slot and set; a list per key and member of its set. */
    size_t keys = 0, lists = 0;
    for (size_t i = 0; i < count; i++)
        if (i == 0 || entries[i].slot != entries[i - 1].slot ||
            entries[i].set != entries[i - 1].set) {
            size_t set = entries[i].set;
            keys++;
            lists += codec->set_first[set + 1] - codec->set_first[set];
        }
    keyed->key_start = calloc(slots + 2, sizeof *keyed->key_start);
    keyed->keys = malloc((keys + 1) * sizeof *keyed->keys);
    keyed->first = calloc(lists + 1, sizeof *keyed->first);
    keyed->more_start = calloc(lists + 2, sizeof *keyed->more_start);
    keyed->more = malloc((count + 1) * sizeof *keyed->more);
    bool ok = keyed->key_start != NULL && keyed->keys != NULL &&
              keyed->first != NULL && keyed->more_start != NULL &&
              keyed->more != NULL && lists < UINT32_MAX &&
              packed->candidate_words < PACKED_KEYED_MORE;
    keys = lists = 0;
    size_t more = 0;
    for (size_t i = 0; ok && i < count;) {
        /* A key: the entries of one slot and one set, by index. */
        uint32_t slot = entries[i].slot, set = entries[i].set;
        size_t members = codec->set_first[set + 1] - codec->set_first[set];
        keyed->keys[keys++] = (packed_key){
            (uint32_t)lists, codec->set_word[set], codec->set_shift[set],
            codec->set_width[set]};
        keyed->key_start[slot + 1] = keys;
        for (size_t index = 0; index < members; index++, lists++) {
            packed_bits *list = &keyed->first[lists];
            for (; i < count && entries[i].slot == slot &&
                   entries[i].set == set && entries[i].index == index;
                 i++) {
                uint32_t t = entries[i].transition;
                uint64_t bit = (uint64_t)1 << (t % 64);
                if (list->bits == 0 || list->word == t / 64) {
                    *list = (packed_bits){list->bits | bit, t / 64};
                    continue;
                }
                if (more == keyed->more_start[lists] ||
                    keyed->more[more - 1].word != t / 64)
                    keyed->more[more++] = (packed_bits){0, t / 64};
                keyed->more[more - 1].bits |= bit;
            }
            keyed->more_start[lists + 1] = more;
            if (more > keyed->more_start[lists])
                list->word |= PACKED_KEYED_MORE;
        }
    }
    /* Slots without keys start where the previous slot ended. */
    for (size_t slot = 1; ok && slot <= slots; slot++)
        if (keyed->key_start[slot] < keyed->key_start[slot - 1])
            keyed->key_start[slot] = keyed->key_start[slot - 1];
    if (ok) {
        keyed->key_start[slots + 1] = keys;
        keyed->transitions = count;
    }
    for (size_t i = 0; ok && i < count; i++)
        for (unsigned role = 0; role < 2; role++)
            packed->watch[role].unwatched[entries[i].transition / 64] &=
                ~((uint64_t)1 << (entries[i].transition % 64));
    return ok;
}

/* The watch indexes (by first and, when used, second watch slot; keyed
 * transitions apart) and the readers index (every slot a guard looks
 * at); `guards` counts the model's guards. */
static bool packed_build_indexes(packed_model *packed, size_t guards)
{
    const model *model = packed->model;
    uint32_t (*pairs)[2] = malloc((guards + 1) * sizeof *pairs);
    bool *keyed = calloc(packed->transitions + 1, sizeof *keyed);
    packed_keyed_entry *entries = NULL;
    size_t keyed_count = 0;
    bool ok = pairs != NULL && keyed != NULL &&
              (!packed->two_watches ||
               packed_choose_keyed(packed, &entries, &keyed_count, keyed));
    unsigned roles = packed->two_watches ? 2 : 1;
    for (unsigned role = 0; ok && role < roles; role++) {
        size_t count = 0;
        for (uint32_t t = 0; t < packed->transitions; t++) {
            long slot = packed_watch_slot(&model->transitions[t], role);
            if (slot >= 0 && !keyed[t]) {
                pairs[count][0] = (uint32_t)slot;
                pairs[count++][1] = t;
            }
        }
        ok = packed_build_index(packed, &packed->watch[role], pairs, count);
    }
    free(keyed);
    if (ok && packed->two_watches) {
        ok = packed_build_keyed(packed, entries, keyed_count);
        /* Without a transition in the second index, the keyed and the
         * unwatched ones pass it all: the first index alone decides. */
        packed->second_pass =
            packed->watch[1].start != NULL &&
            packed->watch[1].start[model->state_length] != 0;
    }
    free(entries);
    size_t count = 0;
    for (uint32_t t = 0; ok && t < packed->transitions; t++) {
        const model_transition *facts = &model->transitions[t];
        for (size_t i = 0; i < facts->guard_count; i++) {
            bool again = false;
            for (size_t j = 0; j < i && !again; j++)
                again = facts->guards[j].slot == facts->guards[i].slot;
            if (!again) {
                pairs[count][0] = facts->guards[i].slot;
                pairs[count++][1] = t;
            }
        }
    }
    ok = ok && packed_build_index(packed, &packed->readers, pairs, count);
    packed->reader_count = calloc(model->state_length + 1,
                                  sizeof *packed->reader_count);
    ok = ok && packed->reader_count != NULL;
    for (size_t i = 0; ok && i < count; i++)
        packed->reader_count[pairs[i][0]]++;
    free(pairs);
    return ok;
}

packed_model *packed_model_create(const model *model, const state_codec *codec,
                                  bool with_table)
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
    /* Many transitions per slot: a marked slot watches many, and the
     * second watch (an and of bits) saves more tests than its pass over
     * the fields costs.  Measured on the MCC nets: worth it at four
     * transitions or more per slot (TokenRing, BridgeAndVehicles), not
     * below (Peterson, Kanban, Philosophers). */
    packed->two_watches =
        packed->transitions >= 4 * (model->state_length + 1);
    size_t words = codec->words;
    size_t sets = codec->sets;
    struct packed_build build = {
        .packed = packed,
        .ones = calloc(4 * words, sizeof(uint64_t)),
        .set_from = malloc(2 * (sets + 1) * sizeof(size_t)),
        .set_touched = malloc((sets + 1) * sizeof(uint32_t)),
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
    packed->set_low = calloc(2 * words, sizeof *packed->set_low);
    packed->set_at = calloc(64 * words, sizeof *packed->set_at);
    bool ok = build.ones != NULL && build.set_from != NULL &&
              build.set_touched != NULL && packed->test_start != NULL &&
              packed->field_low != NULL && packed->slot_at != NULL &&
              packed->set_low != NULL && packed->set_at != NULL &&
              packed->change_start != NULL && packed->tests != NULL &&
              packed->changes != NULL;
    if (ok) {
        build.set_to = build.set_from + sets + 1;
        for (size_t k = 0; k < 2 * (sets + 1); k++)
            build.set_from[k] = SIZE_MAX;
    }
    if (ok) {
        packed->field_top = packed->field_low + words;
        for (size_t slot = 0; slot < codec->slots; slot++) {
            if (codec->width[slot] == 0)
                continue;   /* a member: its set's field is no slot's */
            unsigned top = codec->shift[slot] + codec->width[slot] - 1;
            packed->field_top[codec->word[slot]] |= (uint64_t)1 << top;
            packed->field_low[codec->word[slot]] |=
                (codec->limit[slot] >> 1) << codec->shift[slot];
            packed->slot_at[codec->word[slot] * 64 + top] = (uint32_t)slot;
        }
        packed->set_top = packed->set_low + words;
        for (size_t set = 0; set < codec->sets; set++) {
            unsigned width = codec->set_width[set];
            if (width == 0)
                continue;
            size_t word = codec->set_word[set];
            unsigned top = codec->set_shift[set] + width - 1;
            packed->set_top[word] |= (uint64_t)1 << top;
            packed->set_low[word] |= (((uint64_t)1 << (width - 1)) - 1)
                                     << codec->set_shift[set];
            packed->set_at[word * 64 + top] = (uint32_t)set;
        }
    }
    if (ok) {
        build.zeros = build.ones + words;
        build.take = build.ones + 2 * words;
        build.give = build.ones + 3 * words;
        for (uint32_t t = 0; t < packed->transitions; t++)
            packed_compile(&build, t);
        packed->test_start[packed->transitions] = build.tests;
        packed->change_start[packed->transitions] = build.changes;
        /* Without a test for a guard, the model computes successors. */
        ok = !build.unsupported && packed_build_deltas(packed);
    }
    /* Without a table (none pays, or memory is short), the candidates are
     * tested, the same answer, and their indexes are built. */
    if (ok && with_table)
        packed->table = packed_table_create(packed);
    ok = ok && (packed->table != NULL || packed_build_indexes(packed, guards));
    free(build.ones);
    free(build.set_from);
    free(build.set_touched);
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
    free(packed->delta_start);
    free(packed->deltas);
    free(packed->reader_count);
    free(packed->field_low);
    free(packed->slot_at);
    free(packed->set_low);
    free(packed->set_at);
    packed_watch_index *indexes[] = {&packed->watch[0], &packed->watch[1],
                                     &packed->readers};
    for (unsigned i = 0; i < 3; i++) {
        free(indexes[i]->start);
        free(indexes[i]->words);
        free(indexes[i]->unwatched);
    }
    free(packed->keyed.key_start);
    free(packed->keyed.keys);
    free(packed->keyed.first);
    free(packed->keyed.more_start);
    free(packed->keyed.more);
    packed_table_free(packed->table);
    free(packed);
}

long packed_model_fire_checked(const packed_model *packed, uint32_t t,
                               const uint64_t *state, uint64_t *child,
                               model_value *value)
{
    size_t words = packed->codec->words;
    const packed_change *change = &packed->changes[packed->change_start[t]];
    const packed_change *end = &packed->changes[packed->change_start[t + 1]];
    for (size_t k = 0; k < words; k++)
        child[k] = state[k];
    for (; change < end; change++) {
        uint64_t word = child[change->word];
        if (change->slot == PACKED_BITS) {
            word &= ~change->take;
            uint64_t twice = word & change->give;
            if (twice != 0) {
                *value = 2;
                return (long)packed_model_bit_slot(
                    packed, change->word, (unsigned)__builtin_ctzll(twice));
            }
            child[change->word] = word | change->give;
            continue;
        }
        uint64_t field = ((word >> change->shift) & change->mask) -
                         change->take;
        if (change->give > change->mask - field) {
            if (__builtin_add_overflow(field, change->give, value))
                return PACKED_OVERFLOW;
            return (long)change->slot;
        }
        field += change->give;
        child[change->word] = (word & ~(change->mask << change->shift)) |
                              field << change->shift;
    }
    return PACKED_FIRED;
}

uint32_t packed_model_bit_slot(const packed_model *packed, uint32_t word,
                               unsigned bit)
{
    /* A one-bit field's top bit is its only bit. */
    return packed->slot_at[(size_t)word * 64 + bit];
}

/* The fields of `word` that are not zero, as their top bits, for fields
 * whose top bits are `top` and whose other bits are `low`: adding each
 * field's low part to its own mask carries into the field's top bit when
 * the low part is nonzero. */
static inline uint64_t packed_nonzero_in(uint64_t word, uint64_t low,
                                         uint64_t top)
{
    return (((word & low) + low) | word) & top;
}

/* The slots' fields of word k of a packed vector that are not zero. */
static inline uint64_t packed_nonzero_fields(const packed_model *packed,
                                             size_t k, uint64_t word)
{
    return packed_nonzero_in(word, packed->field_low[k], packed->field_top[k]);
}

/* The slot of the field whose top bit is the lowest set bit of `fields`
 * (a result of packed_nonzero_fields for word k). */
static inline uint32_t packed_lowest_field(const packed_model *packed,
                                           size_t k, uint64_t fields)
{
    return packed->slot_at[k * 64 + (size_t)__builtin_ctzll(fields)];
}

/* The member of `set` that holds 1 in `state`. */
static inline uint32_t packed_set_member(const state_codec *codec,
                                         const uint64_t *state, size_t set)
{
    return codec->set_members[codec->set_first[set] +
                              state_codec_set_index(codec, state, set)];
}

/* Adds the transitions filed under `slot` to the candidates. */
static inline void packed_watch(const packed_watch_index *index, uint32_t slot,
                                uint64_t *candidates)
{
    /* Read once: the writes to candidates could alias it. */
    size_t end = index->start[slot + 1];
    for (size_t i = index->start[slot]; i < end; i++)
        candidates[index->words[i].word] |= index->words[i].bits;
}

/* Adds the keyed transitions of marked slot `slot` whose second watch is
 * marked in `state` to the candidate sets: `first`, and `second` unless it
 * is NULL (no second pass). */
static inline void packed_watch_keyed(const packed_model *packed,
                                      uint32_t slot, const uint64_t *state,
                                      uint64_t *first, uint64_t *second)
{
    const packed_keyed_index *keyed = &packed->keyed;
    size_t end = keyed->key_start[slot + 1];
    for (size_t k = keyed->key_start[slot]; k < end; k++) {
        const packed_key *key = &keyed->keys[k];
        size_t list = key->base + state_codec_field(state, key->word,
                                                    key->shift, key->width);
        /* Most lists are one word of bits (or none: no bits). */
        packed_bits bits = keyed->first[list];
        uint32_t word = bits.word & ~PACKED_KEYED_MORE;
        first[word] |= bits.bits;
        if (second != NULL)
            second[word] |= bits.bits;
        if ((bits.word & PACKED_KEYED_MORE) == 0)
            continue;
        size_t last = keyed->more_start[list + 1];
        for (size_t i = keyed->more_start[list]; i < last; i++) {
            first[keyed->more[i].word] |= keyed->more[i].bits;
            if (second != NULL)
                second[keyed->more[i].word] |= keyed->more[i].bits;
        }
    }
}

/* The candidates of both watch indexes: the transitions filed under a
 * slot whose field is nonzero, or under none. */
static void packed_watched(const packed_model *packed, const uint64_t *state,
                           uint64_t *first, uint64_t *second)
{
    size_t words = packed->candidate_words;
    bool keyed = packed->keyed.transitions != 0;
    memcpy(first, packed->watch[0].unwatched, words * sizeof *first);
    if (packed->second_pass)
        memcpy(second, packed->watch[1].unwatched, words * sizeof *second);
    uint64_t *keyed_second = packed->second_pass ? second : NULL;
    for (size_t k = 0; k < packed->codec->words; k++) {
        for (uint64_t nonzero = packed_nonzero_fields(packed, k, state[k]);
             nonzero != 0; nonzero &= nonzero - 1) {
            uint32_t slot = packed_lowest_field(packed, k, nonzero);
            packed_watch(&packed->watch[0], slot, first);
            if (packed->second_pass)
                packed_watch(&packed->watch[1], slot, second);
            if (keyed)
                packed_watch_keyed(packed, slot, state, first, keyed_second);
        }
    }
    /* Of each set, the one member that holds 1. */
    const state_codec *codec = packed->codec;
    for (size_t set = 0; set < codec->sets; set++) {
        uint32_t slot = packed_set_member(codec, state, set);
        packed_watch(&packed->watch[0], slot, first);
        if (packed->second_pass)
            packed_watch(&packed->watch[1], slot, second);
        if (keyed)
            packed_watch_keyed(packed, slot, state, first, keyed_second);
    }
}

/* The enabled transitions from scratch, as bits into `enabled`
 * (candidate_words words, which may be `candidates` itself: each word is
 * read before it is written); *tested: how many were tested. */
static void packed_enabled_scratch(const packed_model *packed,
                                   const uint64_t *state,
                                   uint64_t *candidates, uint64_t *enabled,
                                   size_t *tested)
{
    /* Candidates: transitions whose watch slots are all nonzero. */
    uint64_t *second = candidates + packed->candidate_words;
    packed_watched(packed, state, candidates, second);
    size_t tries = 0;
    for (size_t k = 0; k < packed->candidate_words; k++) {
        uint64_t bits = candidates[k], on = 0;
        if (packed->second_pass)
            bits &= second[k];
        for (; bits != 0; bits &= bits - 1) {
            unsigned bit = (unsigned)__builtin_ctzll(bits);
            tries++;
            if (packed_model_passes(packed, (uint32_t)(k * 64 + bit), state))
                on |= (uint64_t)1 << bit;
        }
        enabled[k] = on;
    }
    *tested = tries;
}

size_t packed_model_enabled(const packed_model *packed, const uint64_t *state,
                            uint64_t *candidates, uint32_t *enabled)
{
    size_t tested, count = 0;
    if (packed->table != NULL)
        packed_table_enabled(packed->table, packed, state, candidates);
    else
        packed_enabled_scratch(packed, state, candidates, candidates,
                               &tested);
    for (size_t k = 0; k < packed->candidate_words; k++)
        for (uint64_t on = candidates[k]; on != 0; on &= on - 1)
            enabled[count++] =
                (uint32_t)(k * 64 + (size_t)__builtin_ctzll(on));
    return count;
}

/* The transitions to test again in `state`, which differs from
 * near->state: those reading a slot that changed, as bits in `retest`.
 * Returns true, or false when they would be more than `budget` (counted
 * with repeats) and the set is left unfinished. */
static bool packed_changed_readers(const packed_model *packed,
                                   const uint64_t *state,
                                   const packed_near *near, size_t budget,
                                   uint64_t *retest)
{
    uint32_t changed[PACKED_NEAR_SLOTS];
    size_t count = 0, readers = 0;
    for (size_t k = 0; k < packed->codec->words; k++) {
        /* A field changed when the difference is nonzero there. */
        for (uint64_t fields = packed_nonzero_fields(packed, k,
                                                     state[k] ^ near->state[k]);
             fields != 0; fields &= fields - 1) {
            uint32_t slot = packed_lowest_field(packed, k, fields);
            readers += packed->reader_count[slot];
            if (count == PACKED_NEAR_SLOTS || readers > budget)
                return false;
            changed[count++] = slot;
        }
    }
    /* A set whose token moved (its field changed): its old and its new
     * member changed. */
    const state_codec *codec = packed->codec;
    for (size_t k = 0; k < codec->words && codec->sets > 0; k++) {
        for (uint64_t fields = packed_nonzero_in(state[k] ^ near->state[k],
                                                 packed->set_low[k],
                                                 packed->set_top[k]);
             fields != 0; fields &= fields - 1) {
            size_t set =
                packed->set_at[k * 64 + (size_t)__builtin_ctzll(fields)];
            uint32_t was = packed_set_member(codec, near->state, set);
            uint32_t now = packed_set_member(codec, state, set);
            readers += packed->reader_count[was] + packed->reader_count[now];
            if (count + 2 > PACKED_NEAR_SLOTS || readers > budget)
                return false;
            changed[count++] = was;
            changed[count++] = now;
        }
    }
    memset(retest, 0, packed->candidate_words * sizeof *retest);
    for (size_t i = 0; i < count; i++)
        packed_watch(&packed->readers, changed[i], retest);
    return true;
}

const uint64_t *packed_model_enabled_near(const packed_model *packed,
                                          const uint64_t *state,
                                          packed_near *near, uint64_t *scratch)
{
    size_t words = packed->codec->words, bits = packed->candidate_words;
    size_t count = 0;
    if (packed->table != NULL) {
        packed_table_enabled(packed->table, packed, state, near->enabled);
        for (size_t k = 0; k < bits; k++) {
            near->nonzero[count] = (uint32_t)k;
            count += near->enabled[k] != 0;
        }
        near->nonzero_count = count;
        return near->enabled;
    }
    /* Testing again is worth it while it tests about as many transitions
     * as the candidates were. */
    if (near->known && packed_changed_readers(packed, state, near,
                                              2 * near->tested + 8,
                                              scratch)) {
        for (size_t k = 0; k < bits; k++) {
            uint64_t on = near->enabled[k] & ~scratch[k];
            for (uint64_t test = scratch[k]; test != 0; test &= test - 1) {
                unsigned bit = (unsigned)__builtin_ctzll(test);
                if (packed_model_passes(packed, (uint32_t)(k * 64 + bit), state))
                    on |= (uint64_t)1 << bit;
            }
            near->enabled[k] = on;
            near->nonzero[count] = (uint32_t)k;
            count += on != 0;
        }
    } else {
        packed_enabled_scratch(packed, state, scratch, near->enabled,
                               &near->tested);
        for (size_t k = 0; k < bits; k++) {
            near->nonzero[count] = (uint32_t)k;
            count += near->enabled[k] != 0;
        }
    }
    near->nonzero_count = count;
    for (size_t k = 0; k < words; k++)
        near->state[k] = state[k];
    near->known = true;
    return near->enabled;
}
