/* codec.c — see codec.h. */
#include "codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The stored slots in packing order, into codec->order: `wanted` with
 * the implied slots left out and each set's stored slots moved together
 * to where the first of them comes.  unit[position] is the number of
 * slots that must share a word from there on (a set's block), else 1;
 * placed[k] is scratch, false for every set.  Returns the number of stored slots. */
static size_t codec_sequence(state_codec *codec, size_t slots,
                             const uint32_t *wanted,
                             const state_codec_sets *sets,
                             const size_t *set_of, bool *placed, size_t *unit)
{
    size_t count = 0;
    for (size_t position = 0; position < slots; position++) {
        uint32_t slot = wanted[position];
        size_t k = set_of[slot];
        if (k == SIZE_MAX) {
            unit[count] = 1;
            codec->order[count++] = slot;
            continue;
        }
        if (placed[k] || sets->slots[sets->start[k]] == slot)
            continue;   /* implied, or placed with its set */
        placed[k] = true;
        size_t first = count;
        for (size_t j = sets->start[k] + 1; j < sets->start[k + 1]; j++) {
            unit[count] = 0;
            codec->order[count++] = sets->slots[j];
        }
        unit[first] = count - first;
    }
    return count;
}

/* Places the first `stored` slots of codec->order into words: a unit
 * (unit[]) goes into the current word, or into a new one when the current
 * word holds `target` bits (below 64) and fewer than `most` words are
 * open; when it does not fit there, into the first word with room, or a
 * new word.  `used` is scratch
 * of a count per word.  Returns the number of words; codec->order is then
 * in packing order only within each word (codec_sort_by_word). */
static size_t codec_layout(state_codec *codec, size_t stored,
                           const uint8_t *widths, const size_t *unit,
                           unsigned target, size_t most, unsigned *used)
{
    size_t words = 1, current = 0, word = 0;
    used[0] = 0;
    for (size_t position = 0; position < stored; position++) {
        size_t i = codec->order[position];
        unsigned width = widths[i] < 1 ? 1 : widths[i] > 64 ? 64 : widths[i];
        if (unit[position] != 0) {
            /* A set's block is one-bit slots: its size is its width. */
            unsigned need =
                unit[position] > 1 ? (unsigned)unit[position] : width;
            if (target < 64 && used[current] >= target && words < most) {
                current = words++;
                used[current] = 0;
            }
            word = current;
            if (used[word] + need > 64) {
                for (word = 0; word < words && used[word] + need > 64; word++)
                    ;
                if (word == words) {
                    current = words++;
                    used[current] = 0;
                }
            }
        }
        codec->width[i] = (uint8_t)width;
        codec->shift[i] = (uint8_t)used[word];
        codec->word[i] = (uint32_t)word;
        codec->limit[i] = width == 64 ? UINT64_MAX
                                      : ((uint64_t)1 << width) - 1;
        codec->mask[i] = codec->limit[i] << used[word];
        used[word] += width;
    }
    return words;
}

/* Sorts the first `stored` slots of codec->order by word (stably: by bit
 * within a word) and sets word_first.  `scratch` holds `stored` slots. */
static void codec_sort_by_word(state_codec *codec, size_t stored,
                               uint32_t *scratch)
{
    for (size_t k = 0; k <= codec->words; k++)
        codec->word_first[k] = 0;
    for (size_t j = 0; j < stored; j++)
        codec->word_first[codec->word[codec->order[j]] + 1]++;
    for (size_t k = 0; k < codec->words; k++)
        codec->word_first[k + 1] += codec->word_first[k];
    for (size_t j = 0; j < stored; j++) {
        uint32_t slot = codec->order[j];
        scratch[codec->word_first[codec->word[slot]]++] = slot;
    }
    for (size_t k = codec->words; k > 0; k--)
        codec->word_first[k] = codec->word_first[k - 1];
    codec->word_first[0] = 0;
    memcpy(codec->order, scratch, stored * sizeof *scratch);
}

/* Places the implied slots after the stored ones: each reads the word of
 * its set's others. */
static void codec_place_implied(state_codec *codec, size_t stored,
                                const state_codec_sets *sets)
{
    size_t position = stored;
    for (size_t k = 0; k < sets->count; k++) {
        uint32_t slot = sets->slots[sets->start[k]];
        uint64_t mask = 0;
        uint32_t word = 0;
        for (size_t j = sets->start[k] + 1; j < sets->start[k + 1]; j++) {
            word = codec->word[sets->slots[j]];
            mask |= codec->mask[sets->slots[j]];
        }
        codec->order[position++] = slot;
        codec->width[slot] = 0;
        codec->shift[slot] = 0;
        codec->word[slot] = word;
        codec->limit[slot] = 1;
        codec->mask[slot] = mask;
        codec->set_bits[word] |= mask;
    }
}

int state_codec_init(state_codec *codec, size_t slots, const uint8_t *widths,
                     const uint32_t *order, const state_codec_sets *sets)
{
    static const state_codec_sets no_sets = {0, NULL, NULL};
    if (sets == NULL)
        sets = &no_sets;
    memset(codec, 0, sizeof *codec);
    size_t count = slots ? slots : 1;
    codec->slots = slots;
    codec->width = malloc(count * sizeof *codec->width);
    codec->shift = malloc(count * sizeof *codec->shift);
    codec->word = malloc(count * sizeof *codec->word);
    codec->limit = malloc(count * sizeof *codec->limit);
    codec->mask = malloc(count * sizeof *codec->mask);
    codec->word_first = malloc((count + 2) * sizeof *codec->word_first);
    codec->word_bits = malloc((count + 1) * sizeof *codec->word_bits);
    codec->order = malloc(count * sizeof *codec->order);
    codec->set_bits = calloc(count + 1, sizeof *codec->set_bits);
    uint32_t *wanted = malloc(count * sizeof *wanted);
    size_t *set_of = malloc(count * sizeof *set_of);
    size_t *unit = calloc(count, sizeof *unit);
    bool *placed = calloc(sets->count + 1, sizeof *placed);
    unsigned *used = malloc((count + 1) * sizeof *used);   /* per word */
    if (placed == NULL || used == NULL || codec->word_bits == NULL || codec->order == NULL ||
        codec->width == NULL || codec->shift == NULL || codec->word == NULL ||
        codec->limit == NULL || codec->word_first == NULL ||
        codec->mask == NULL || codec->set_bits == NULL || wanted == NULL ||
        set_of == NULL || unit == NULL) {
        free(wanted);
        free(set_of);
        free(unit);
        free(placed);
        free(used);
        state_codec_free(codec);
        return -1;
    }
    for (size_t position = 0; position < slots; position++) {
        wanted[position] = order ? order[position] : (uint32_t)position;
        set_of[position] = SIZE_MAX;
    }
    for (size_t k = 0; k < sets->count; k++)
        for (size_t j = sets->start[k]; j < sets->start[k + 1]; j++)
            set_of[sets->slots[j]] = k;
    size_t stored = codec_sequence(codec, slots, wanted, sets, set_of,
                                   placed, unit);
    codec->implied = slots - stored;
    /* In the order given, so that slots that change together (a transition's
     * places are often neighbours) tend to share a word; and with the bits
     * spread evenly over as few words as first fit needs, so that each word
     * of a vector takes few distinct values (the store shares equal words
     * between states, store.h). */
    codec->words =
        codec_layout(codec, stored, widths, unit, 64, SIZE_MAX, used);
    if (codec->words > 1) {
        size_t total = 0;
        for (size_t j = 0; j < stored; j++)
            total += codec->width[codec->order[j]];
        unsigned even = (unsigned)((total + codec->words - 1) / codec->words);
        if (codec_layout(codec, stored, widths, unit, even, codec->words,
                         used) > codec->words)
            codec_layout(codec, stored, widths, unit, 64, SIZE_MAX, used);
    }
    codec_sort_by_word(codec, stored, wanted);
    codec_place_implied(codec, stored, sets);
    for (size_t k = 0; k < codec->words; k++) {
        codec->word_bits[k] = true;
        for (size_t j = codec->word_first[k]; j < codec->word_first[k + 1]; j++)
            codec->word_bits[k] =
                codec->word_bits[k] && codec->width[codec->order[j]] == 1;
    }
    free(wanted);
    free(set_of);
    free(unit);
    free(placed);
    free(used);
    return 0;
}

void state_codec_free(state_codec *codec)
{
    free(codec->width);
    free(codec->shift);
    free(codec->word);
    free(codec->limit);
    free(codec->word_first);
    free(codec->order);
    free(codec->word_bits);
    free(codec->mask);
    free(codec->set_bits);
    memset(codec, 0, sizeof *codec);
}

unsigned state_codec_bits(model_value value)
{
    return value == 0 ? 1 : 64 - (unsigned)__builtin_clzll(value);
}

long state_codec_encode(const state_codec *codec, const model_value *values,
                        uint64_t *packed)
{
    memset(packed, 0, codec->words * sizeof *packed);
    for (size_t i = 0; i < codec->slots; i++) {
        if (codec->width[i] == 0)
            continue;   /* implied by its set's others */
        if (values[i] > codec->limit[i])
            return (long)i;
        packed[codec->word[i]] |= values[i] << codec->shift[i];
    }
    return -1;
}

void state_codec_decode(const state_codec *codec, const uint64_t *packed,
                        model_value *values)
{
    for (size_t k = 0; k < codec->words; k++) {
        size_t first = codec->word_first[k], last = codec->word_first[k + 1];
        uint64_t word = packed[k];
        const uint32_t *order = codec->order;
        if (word == 0 || codec->word_bits[k]) {
            /* One-bit slots (1-safe places): visit the set bits only. */
            for (size_t j = first; j < last; j++)
                values[order[j]] = 0;
            while (word != 0) {
                values[order[first + (size_t)__builtin_ctzll(word)]] = 1;
                word &= word - 1;
            }
            continue;
        }
        for (size_t j = first; j < last; j++) {
            size_t i = order[j];
            values[i] = (word >> codec->shift[i]) & codec->limit[i];
        }
    }
    for (size_t j = codec->slots - codec->implied; j < codec->slots; j++) {
        size_t i = codec->order[j];
        values[i] = (packed[codec->word[i]] & codec->mask[i]) == 0;
    }
}

/* ---- choosing the exclusive sets ---------------------------------------- */

/* Per slot, what each transition's effects do to it: changes[first[s] ..
 * first[s + 1] - 1] of (transition, give - take). */
typedef struct codec_slot_changes {
    size_t *first;
    struct codec_change {
        uint32_t transition;
        int64_t delta;
    } *changes;
} codec_slot_changes;

static bool codec_index_changes(const model *model, codec_slot_changes *index)
{
    size_t slots = model->state_length, count = 0;
    index->first = calloc(slots + 2, sizeof *index->first);
    for (size_t t = 0; t < model->transition_count; t++)
        count += model->transitions[t].effect_count;
    index->changes = malloc((count + 1) * sizeof *index->changes);
    if (index->first == NULL || index->changes == NULL)
        return false;
    for (size_t t = 0; t < model->transition_count; t++)
        for (size_t i = 0; i < model->transitions[t].effect_count; i++)
            index->first[model->transitions[t].effects[i].slot + 2]++;
    for (size_t s = 0; s < slots; s++)
        index->first[s + 2] += index->first[s + 1];
    for (size_t t = 0; t < model->transition_count; t++) {
        const model_transition *facts = &model->transitions[t];
        for (size_t i = 0; i < facts->effect_count; i++) {
            const model_effect *effect = &facts->effects[i];
            /* Beyond 2^62 either way the set cannot be checked: a delta
             * that large is never cancelled by a one-token set anyway. */
            int64_t delta = effect->give > ((uint64_t)1 << 62) ||
                                    effect->take > ((uint64_t)1 << 62)
                                ? INT64_MAX / 4
                                : (int64_t)effect->give - (int64_t)effect->take;
            index->changes[index->first[effect->slot + 1]++] =
                (struct codec_change){(uint32_t)t, delta};
        }
    }
    return true;
}

/* True when every transition gives set k of the model exactly what it
 * takes.  `delta` (per transition, zero), `on` (per transition, false)
 * and `touched` are scratch, left as they were. */
static bool codec_set_kept(const model *model, const codec_slot_changes *index,
                           size_t k, int64_t *delta, bool *on,
                           uint32_t *touched)
{
    size_t count = 0;
    bool kept = true;
    for (size_t j = model->exclusive_start[k];
         j < model->exclusive_start[k + 1]; j++) {
        uint32_t slot = model->exclusive_slots[j];
        for (size_t i = index->first[slot]; i < index->first[slot + 1]; i++) {
            const struct codec_change *change = &index->changes[i];
            uint32_t t = change->transition;
            if (!on[t]) {
                on[t] = true;
                touched[count++] = t;
            }
            kept = kept &&
                   !__builtin_add_overflow(delta[t], change->delta, &delta[t]);
        }
    }
    for (size_t i = 0; i < count; i++) {
        kept = kept && delta[touched[i]] == 0;
        delta[touched[i]] = 0;
        on[touched[i]] = false;
    }
    return kept;
}

/* True when set k of the model holds 1 in `initial` (one slot 1, the
 * others 0), has 1 to 65 slots, and none of them is in `taken`. */
static bool codec_set_usable(const model *model, const model_value *initial,
                             size_t k, const bool *taken)
{
    size_t first = model->exclusive_start[k], last = model->exclusive_start[k + 1];
    if (last <= first || last - first > 65)
        return false;
    model_value sum = 0;
    for (size_t j = first; j < last; j++) {
        uint32_t slot = model->exclusive_slots[j];
        if (slot >= model->state_length || taken[slot] || initial[slot] > 1)
            return false;
        sum += initial[slot];
    }
    return sum == 1;
}

int state_codec_choose_sets(const model *model, const model_value *initial,
                            state_codec_sets *sets)
{
    *sets = (state_codec_sets){0, calloc(1, sizeof *sets->start), NULL};
    if (sets->start == NULL)
        return -1;
    if (!model->linear || model->exclusive_count == 0)
        return 0;
    size_t count = model->exclusive_count, slots = model->state_length;
    size_t transitions = model->transition_count;
    codec_slot_changes index = {0};
    size_t *by_size = malloc(count * sizeof *by_size);
    bool *taken = calloc(slots + 1, sizeof *taken);
    int64_t *delta = calloc(transitions + 1, sizeof *delta);
    bool *on = calloc(transitions + 1, sizeof *on);
    uint32_t *touched = malloc((transitions + 1) * sizeof *touched);
    size_t *start = realloc(sets->start, (count + 1) * sizeof *start);
    if (start != NULL)
        sets->start = start;
    uint32_t *chosen = malloc((slots + 1) * sizeof *chosen);
    bool ok = by_size != NULL && taken != NULL && delta != NULL &&
              on != NULL && touched != NULL && start != NULL &&
              chosen != NULL && codec_index_changes(model, &index);
    sets->slots = chosen;
    /* Smallest first, in the model's order among equals (insertion sort:
     * the sets are few). */
    for (size_t k = 0; ok && k < count; k++) {
        size_t size = model->exclusive_start[k + 1] - model->exclusive_start[k];
        size_t at = k;
        for (; at > 0; at--) {
            size_t other = by_size[at - 1];
            if (model->exclusive_start[other + 1] -
                    model->exclusive_start[other] <= size)
                break;
            by_size[at] = other;
        }
        by_size[at] = k;
    }
    size_t used = 0;
    for (size_t i = 0; ok && i < count; i++) {
        size_t k = by_size[i];
        if (!codec_set_usable(model, initial, k, taken) ||
            !codec_set_kept(model, &index, k, delta, on, touched))
            continue;
        size_t first = model->exclusive_start[k];
        size_t last = model->exclusive_start[k + 1];
        /* The slot set initially goes first: it is the implied one, so
         * that it changed exactly when another of the set did. */
        for (size_t j = first; j < last; j++)
            if (initial[model->exclusive_slots[j]] == 1)
                chosen[used++] = model->exclusive_slots[j];
        for (size_t j = first; j < last; j++) {
            uint32_t slot = model->exclusive_slots[j];
            taken[slot] = true;
            if (initial[slot] == 0)
                chosen[used++] = slot;
        }
        sets->start[++sets->count] = used;
    }
    free(by_size);
    free(taken);
    free(delta);
    free(on);
    free(touched);
    free(index.first);
    free(index.changes);
    if (!ok) {
        state_codec_sets_free(sets);
        return -1;
    }
    return 0;
}

void state_codec_sets_free(state_codec_sets *sets)
{
    free(sets->start);
    free(sets->slots);
    *sets = (state_codec_sets){0, NULL, NULL};
}
