/* codec.c — see codec.h. */
#include "codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Items to lay out: a slot (item < slots) or a set's field (slots + k). */

/* The width of an item: a slot's (1..64) or a field's. */
static unsigned codec_item_width(const state_codec *codec,
                                 const uint8_t *widths, uint32_t item)
{
    if (item >= codec->slots)
        return codec->set_width[item - codec->slots];
    return widths[item] < 1 ? 1 : widths[item] > 64 ? 64 : widths[item];
}

/* Places `count` items into words: an item goes into the current word, or
 * into a new one when the current word holds `target` bits (below 64)
 * and fewer than `most` words are open; when it does not fit there, into
 * the first word with room, or a new word.  Writes each item's word and
 * shift; `used` is scratch of a count per word.  Returns the number of
 * words. */
static size_t codec_layout(const state_codec *codec, const uint32_t *items,
                           size_t count, const uint8_t *widths,
                           unsigned target, size_t most, uint32_t *item_word,
                           uint8_t *item_shift, unsigned *used)
{
    size_t words = 1, current = 0;
    used[0] = 0;
    for (size_t position = 0; position < count; position++) {
        unsigned width = codec_item_width(codec, widths, items[position]);
        if (target < 64 && used[current] >= target && words < most) {
            current = words++;
            used[current] = 0;
        }
        size_t word = current;
        if (used[word] + width > 64) {
            for (word = 0; word < words && used[word] + width > 64; word++)
                ;
            if (word == words) {
                current = words++;
                used[current] = 0;
            }
        }
        item_word[position] = (uint32_t)word;
        item_shift[position] = (uint8_t)used[word];
        used[word] += width;
    }
    return words;
}

/* Gives the stored slots and the fields the places the layout chose, and
 * lists the stored slots by word (by bit within a word) in codec->order.
 * `next` is scratch of a position per word. */
static void codec_place(state_codec *codec, const uint32_t *items,
                        size_t count, const uint8_t *widths,
                        const uint32_t *item_word, const uint8_t *item_shift,
                        size_t *next)
{
    for (size_t k = 0; k <= codec->words; k++)
        codec->word_first[k] = 0;
    for (size_t position = 0; position < count; position++) {
        uint32_t item = items[position], word = item_word[position];
        unsigned width = codec_item_width(codec, widths, item);
        uint64_t limit = width == 64 ? UINT64_MAX : ((uint64_t)1 << width) - 1;
        if (item >= codec->slots) {
            size_t k = item - codec->slots;
            codec->set_word[k] = word;
            codec->set_shift[k] = item_shift[position];
            codec->set_bits[word] |= limit << item_shift[position];
            continue;
        }
        codec->width[item] = (uint8_t)width;
        codec->shift[item] = item_shift[position];
        codec->word[item] = word;
        codec->limit[item] = limit;
        codec->mask[item] = limit << item_shift[position];
        codec->marked[item] = 0;
        codec->word_first[word + 1]++;
    }
    for (size_t k = 0; k < codec->words; k++)
        codec->word_first[k + 1] += codec->word_first[k];
    /* By word, and within a word by bit: the layout fills words upwards. */
    for (size_t k = 0; k < codec->words; k++)
        next[k] = codec->word_first[k];
    for (size_t position = 0; position < count; position++)
        if (items[position] < codec->slots)
            codec->order[next[item_word[position]]++] = items[position];
}

/* The members: the last of codec->order, each reading its set's field. */
static void codec_place_members(state_codec *codec)
{
    size_t position = codec->slots - codec->members;
    for (size_t k = 0; k < codec->sets; k++) {
        uint64_t field = (((uint64_t)1 << codec->set_width[k]) - 1)
                         << codec->set_shift[k];
        for (size_t j = codec->set_first[k]; j < codec->set_first[k + 1];
             j++) {
            uint32_t slot = codec->set_members[j];
            codec->order[position++] = slot;
            codec->width[slot] = 0;
            codec->shift[slot] = codec->set_shift[k];
            codec->word[slot] = codec->set_word[k];
            codec->limit[slot] = 1;
            codec->mask[slot] = field;
            codec->marked[slot] = (uint64_t)(j - codec->set_first[k])
                                  << codec->set_shift[k];
        }
    }
}

/* Copies the sets into the codec, with each member's set and each field's
 * width.  False when out of memory. */
static bool codec_take_sets(state_codec *codec, const state_codec_sets *sets)
{
    codec->sets = sets->count;
    size_t members = sets->count ? sets->start[sets->count] : 0;
    codec->members = members;
    codec->set_word = calloc(sets->count + 1, sizeof *codec->set_word);
    codec->set_shift = calloc(sets->count + 1, 1);
    codec->set_width = calloc(sets->count + 1, 1);
    codec->set_first = calloc(sets->count + 1, sizeof *codec->set_first);
    codec->set_members = calloc(members + 1, sizeof *codec->set_members);
    if (codec->set_word == NULL || codec->set_shift == NULL ||
        codec->set_width == NULL || codec->set_first == NULL ||
        codec->set_members == NULL)
        return false;
    codec->set_first[0] = 0;
    for (size_t k = 0; k < sets->count; k++) {
        size_t size = sets->start[k + 1] - sets->start[k];
        codec->set_first[k + 1] = sets->start[k + 1];
        codec->set_width[k] = (uint8_t)state_codec_bits(size - 1);
        for (size_t j = sets->start[k]; j < sets->start[k + 1]; j++) {
            codec->set_members[j] = sets->slots[j];
            codec->set_of[sets->slots[j]] = (uint32_t)k;
        }
    }
    return true;
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
    codec->marked = malloc(count * sizeof *codec->marked);
    codec->set_of = malloc(count * sizeof *codec->set_of);
    codec->word_first = malloc((count + 2) * sizeof *codec->word_first);
    codec->word_bits = malloc((count + 1) * sizeof *codec->word_bits);
    codec->order = malloc(count * sizeof *codec->order);
    codec->set_bits = calloc(count + 1, sizeof *codec->set_bits);
    uint32_t *items = calloc(count, sizeof *items);
    uint32_t *item_word = malloc(count * sizeof *item_word);
    uint8_t *item_shift = malloc(count);
    unsigned *used = malloc((count + 1) * sizeof *used);
    size_t *next = malloc((count + 1) * sizeof *next);
    bool *placed = calloc(sets->count + 1, sizeof *placed);
    bool ok = codec->width != NULL && codec->shift != NULL &&
              codec->word != NULL && codec->limit != NULL &&
              codec->mask != NULL && codec->marked != NULL &&
              codec->set_of != NULL && codec->word_first != NULL &&
              codec->word_bits != NULL && codec->order != NULL &&
              codec->set_bits != NULL && items != NULL && item_word != NULL &&
              item_shift != NULL && used != NULL && next != NULL &&
              placed != NULL;
    for (size_t i = 0; ok && i < slots; i++)
        codec->set_of[i] = UINT32_MAX;
    ok = ok && codec_take_sets(codec, sets);
    /* The items in the order given: a set's field where its first member
     * comes. */
    size_t items_count = 0;
    for (size_t position = 0; ok && position < slots; position++) {
        uint32_t slot = order ? order[position] : (uint32_t)position;
        uint32_t k = codec->set_of[slot];
        if (k == UINT32_MAX) {
            items[items_count++] = slot;
        } else if (!placed[k]) {
            placed[k] = true;
            items[items_count++] = (uint32_t)(slots + k);
        }
    }
    if (ok) {
        /* In the order given, so that slots that change together (a
         * transition's places are often neighbours) tend to share a word;
         * and with the bits spread evenly over as few words as first fit
         * needs, so that each word of a vector takes few distinct values
         * (the store shares equal words between states, store.h). */
        codec->words = codec_layout(codec, items, items_count, widths, 64,
                                    SIZE_MAX, item_word, item_shift, used);
        if (codec->words > 1) {
            size_t total = 0;
            for (size_t j = 0; j < items_count; j++)
                total += codec_item_width(codec, widths, items[j]);
            unsigned even =
                (unsigned)((total + codec->words - 1) / codec->words);
            if (codec_layout(codec, items, items_count, widths, even, codec->words,
                             item_word, item_shift, used) > codec->words)
                codec_layout(codec, items, items_count, widths, 64, SIZE_MAX,
                             item_word, item_shift, used);
        }
        codec_place(codec, items, items_count, widths, item_word, item_shift,
                    next);
        codec_place_members(codec);
        for (size_t k = 0; k < codec->words; k++) {
            codec->word_bits[k] = codec->set_bits[k] == 0;
            for (size_t j = codec->word_first[k]; j < codec->word_first[k + 1];
                 j++)
                codec->word_bits[k] =
                    codec->word_bits[k] && codec->width[codec->order[j]] == 1;
        }
    }
    free(items);
    free(next);
    free(placed);
    free(item_word);
    free(item_shift);
    free(used);
    if (!ok) {
        state_codec_free(codec);
        return -1;
    }
    return 0;
}

void state_codec_free(state_codec *codec)
{
    free(codec->width);
    free(codec->shift);
    free(codec->word);
    free(codec->limit);
    free(codec->mask);
    free(codec->marked);
    free(codec->set_of);
    free(codec->word_first);
    free(codec->order);
    free(codec->word_bits);
    free(codec->set_bits);
    free(codec->set_word);
    free(codec->set_shift);
    free(codec->set_width);
    free(codec->set_first);
    free(codec->set_members);
    memset(codec, 0, sizeof *codec);
}

unsigned state_codec_bits(model_value value)
{
    return value == 0 ? 1 : 64 - (unsigned)__builtin_clzll(value);
}

uint64_t state_codec_carry_bit(model_value limit, unsigned shift)
{
    unsigned top = shift + state_codec_bits(limit);
    return top < 64 ? (uint64_t)1 << top : 0;
}

long state_codec_encode(const state_codec *codec, const model_value *values,
                        uint64_t *packed)
{
    memset(packed, 0, codec->words * sizeof *packed);
    for (size_t i = 0; i < codec->slots; i++) {
        if (values[i] > codec->limit[i])
            return (long)i;
        packed[codec->word[i]] |=
            codec->width[i] == 0 ? (values[i] ? codec->marked[i] : 0)
                                 : values[i] << codec->shift[i];
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
        if (codec->word_bits[k]) {
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
    for (size_t j = codec->slots - codec->members; j < codec->slots; j++) {
        size_t i = codec->order[j];
        values[i] = (packed[codec->word[i]] & codec->mask[i]) ==
                    codec->marked[i];
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
    index->changes = calloc(count + 1, sizeof *index->changes);
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
            /* Differences are computed up to 2^62 either way; beyond, the
             * set is left out (no one-token set is given so much). */
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

/* Marks in `zero_tested` the slots some guard needs to be 0 ("slot < 1"),
 * which a set's field tests in one comparison only at the ends. */
static void codec_zero_tests(const model *model, bool *zero_tested)
{
    for (size_t t = 0; t < model->transition_count; t++)
        for (size_t i = 0; i < model->transitions[t].guard_count; i++) {
            const model_guard *guard = &model->transitions[t].guards[i];
            if (guard->at_least == 0 && guard->below == 1 &&
                guard->slot < model->state_length)
                zero_tested[guard->slot] = true;
        }
}

/* True when set k of the model has 2 to 64 distinct slots, none in
 * `taken`, holds 1 in `initial` (one slot 1, the others 0), and has at
 * most two slots in `zero_tested`.  `taken` is left as it was. */
static bool codec_set_usable(const model *model, const model_value *initial,
                             size_t k, bool *taken, const bool *zero_tested)
{
    size_t first = model->exclusive_start[k], last = model->exclusive_start[k + 1];
    if (last < first + 2 || last - first > 64)
        return false;
    model_value sum = 0;
    size_t zeros = 0, marked = first;
    for (; marked < last; marked++) {
        uint32_t slot = model->exclusive_slots[marked];
        if (slot >= model->state_length || taken[slot] || initial[slot] > 1)
            break;
        taken[slot] = true;   /* a slot listed twice is then seen taken */
        sum += initial[slot];
        zeros += zero_tested[slot];
    }
    for (size_t j = first; j < marked; j++)
        taken[model->exclusive_slots[j]] = false;
    return marked == last && sum == 1 && zeros <= 2;
}

/* Bits a set of `size` slots saves: its slots' one bit each, less the
 * field. */
static size_t codec_saving(size_t size)
{
    return size - state_codec_bits(size - 1);
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
    size_t *by_saving = malloc(count * sizeof *by_saving);
    bool *taken = calloc(slots + 1, sizeof *taken);
    bool *zero_tested = calloc(slots + 1, sizeof *zero_tested);
    int64_t *delta = calloc(transitions + 1, sizeof *delta);
    bool *on = calloc(transitions + 1, sizeof *on);
    uint32_t *touched = malloc((transitions + 1) * sizeof *touched);
    size_t *start = realloc(sets->start, (count + 1) * sizeof *start);
    if (start != NULL)
        sets->start = start;
    uint32_t *chosen = malloc((slots + 1) * sizeof *chosen);
    sets->slots = chosen;
    bool ok = by_saving != NULL && taken != NULL && zero_tested != NULL &&
              delta != NULL && on != NULL && touched != NULL &&
              start != NULL && chosen != NULL &&
              codec_index_changes(model, &index);
    if (ok)
        codec_zero_tests(model, zero_tested);
    /* Most bits saved first, in the model's order among equals (insertion
     * sort: the sets are few). */
    for (size_t k = 0; ok && k < count; k++) {
        size_t saving = codec_saving(model->exclusive_start[k + 1] -
                                     model->exclusive_start[k]);
        size_t at = k;
        for (; at > 0; at--) {
            size_t other = by_saving[at - 1];
            if (codec_saving(model->exclusive_start[other + 1] -
                             model->exclusive_start[other]) >= saving)
                break;
            by_saving[at] = other;
        }
        by_saving[at] = k;
    }
    size_t used = 0;
    for (size_t i = 0; ok && i < count; i++) {
        size_t k = by_saving[i];
        if (!codec_set_usable(model, initial, k, taken, zero_tested) ||
            !codec_set_kept(model, &index, k, delta, on, touched))
            continue;
        size_t first = model->exclusive_start[k];
        size_t last = model->exclusive_start[k + 1];
        /* Zero-tested members take the first and the last index. */
        size_t at = used, end = used + (last - first);
        bool first_taken = false;
        for (size_t j = first; j < last; j++) {
            uint32_t slot = model->exclusive_slots[j];
            taken[slot] = true;
            if (zero_tested[slot] && !first_taken) {
                chosen[at++] = slot;
                first_taken = true;
            } else if (zero_tested[slot]) {
                chosen[--end] = slot;
            }
        }
        for (size_t j = first; j < last; j++)
            if (!zero_tested[model->exclusive_slots[j]])
                chosen[at++] = model->exclusive_slots[j];
        used += last - first;
        sets->start[++sets->count] = used;
    }
    free(by_saving);
    free(taken);
    free(zero_tested);
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
