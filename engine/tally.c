/* tally.c — see tally.h for the design. */
#include "tally.h"

#include <stdlib.h>

#include "support.h"

/* Bit positions counted at most in a word: a word with wider fields is
 * decoded. */
#define TALLY_MAX_COUNTS 16

/* Rough instructions a counted bit position costs (with the processor's
 * bit count, and without), and a decoded field: a word is counted when
 * that is cheaper. */
#define TALLY_COUNT_COST_POPCNT 4
#define TALLY_COUNT_COST 16
#define TALLY_DECODE_COST 7

struct state_tally {
    size_t words;
    /* The fields of word k, in the order of their bits: first[k] ..
     * first[k + 1] - 1 of field_limit and field_shift. */
    size_t *first;
    uint64_t *field_limit;
    uint8_t *field_shift;
    /* Per word, 2 each: the bits of the fields of each group, and the bit
     * just above each of those fields (none for a field ending at bit
     * 63, whose carry leaves the word). */
    uint64_t *group;
    uint64_t *carry;
    /* Per word: bit positions counted (0: the word is decoded), and
     * TALLY_MAX_COUNTS masks, mask p holding bit p of every field. */
    unsigned *counts;
    uint64_t *bits;
    bool popcnt;         /* the processor counts bits (x86-64 POPCNT) */
};

/* The sum of the fields of `word` whose bits p are `bits[p]`, p < counts. */
static inline uint64_t tally_counted_sum(uint64_t word, const uint64_t *bits,
                                         unsigned counts)
{
    uint64_t sum = 0;
    for (unsigned p = 0; p < counts; p++)
        sum += support_popcount(word & bits[p]) << p;
    return sum;
}

void state_tally_free(state_tally *tally)
{
    if (tally == NULL)
        return;
    free(tally->first);
    free(tally->field_limit);
    free(tally->field_shift);
    free(tally->group);
    free(tally->carry);
    free(tally->counts);
    free(tally->bits);
    free(tally);
}

/* Lists the fields of word k in the order of their bits, and derives the
 * word's masks from them. */
static void tally_build_word(state_tally *tally, const state_codec *codec,
                             size_t k, size_t *fields)
{
    size_t first = *fields;
    for (size_t j = codec->word_first[k]; j < codec->word_first[k + 1]; j++) {
        uint32_t slot = codec->order[j];
        if (codec->width[slot] == 0)
            continue;   /* a set's member: not a field of its own */
        /* Insertion by shift: a word holds at most 64 fields. */
        size_t at = (*fields)++;
        while (at > first && tally->field_shift[at - 1] > codec->shift[slot]) {
            tally->field_shift[at] = tally->field_shift[at - 1];
            tally->field_limit[at] = tally->field_limit[at - 1];
            at--;
        }
        tally->field_shift[at] = codec->shift[slot];
        tally->field_limit[at] = codec->limit[slot];
    }
    tally->first[k + 1] = *fields;
    unsigned widest = 0;
    for (size_t f = first; f < *fields; f++) {
        unsigned width = state_codec_bits(tally->field_limit[f]);
        unsigned shift = tally->field_shift[f];
        size_t group = 2 * k + ((f - first) & 1);
        tally->group[group] |= tally->field_limit[f] << shift;
        tally->carry[group] |=
            state_codec_carry_bit(tally->field_limit[f], shift);
        for (unsigned p = 0; p < width && p < TALLY_MAX_COUNTS; p++)
            tally->bits[k * TALLY_MAX_COUNTS + p] |= (uint64_t)1
                                                     << (shift + p);
        widest = width > widest ? width : widest;
    }
    size_t count = *fields - first;
    size_t cost = tally->popcnt ? TALLY_COUNT_COST_POPCNT : TALLY_COUNT_COST;
    bool counted = widest <= TALLY_MAX_COUNTS &&
                   widest * cost < count * TALLY_DECODE_COST;
    tally->counts[k] = counted ? widest : 0;
}

state_tally *state_tally_create(const state_codec *codec)
{
    state_tally *tally = calloc(1, sizeof *tally);
    if (tally == NULL)
        return NULL;
    size_t words = codec->words, slots = codec->slots ? codec->slots : 1;
    tally->words = words;
    tally->first = calloc(words + 1, sizeof *tally->first);
    tally->field_limit = calloc(slots, sizeof *tally->field_limit);
    tally->field_shift = calloc(slots, sizeof *tally->field_shift);
    tally->group = calloc(2 * words, sizeof *tally->group);
    tally->carry = calloc(2 * words, sizeof *tally->carry);
    tally->counts = calloc(words, sizeof *tally->counts);
    tally->bits = calloc(words * TALLY_MAX_COUNTS, sizeof *tally->bits);
    if (tally->first == NULL || tally->field_limit == NULL ||
        tally->field_shift == NULL || tally->group == NULL ||
        tally->carry == NULL || tally->counts == NULL || tally->bits == NULL) {
        state_tally_free(tally);
        return NULL;
    }
    /* support_popcount asks for the processor's instruction when it has
     * one. */
#if defined(__POPCNT__)
    tally->popcnt = true;
#elif defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    tally->popcnt = __builtin_cpu_supports("popcnt");
#endif
    size_t fields = 0;
    for (size_t k = 0; k < words; k++)
        tally_build_word(tally, codec, k, &fields);
    return tally;
}

void state_tally_start(const state_tally *tally, state_tally_running *running,
                       model_value max)
{
    for (size_t k = 0; k < 2 * tally->words; k++)
        running->above[k] = 0;
    for (size_t k = 0; k < tally->words; k++)
        for (size_t f = tally->first[k]; f < tally->first[k + 1]; f++) {
            uint64_t limit = tally->field_limit[f];
            /* limit - max + value carries past the field iff value > max */
            if (limit > max)
                running->above[2 * k + ((f - tally->first[k]) & 1)] |=
                    (limit - max) << tally->field_shift[f];
        }
    running->max = running->above_max = max;
}

/* Whether a field of word k holds more than running->above_max. */
static inline bool tally_has_above(const state_tally *tally,
                                   const state_tally_running *running,
                                   size_t k, uint64_t word)
{
    uint64_t low, high;
    bool out = __builtin_add_overflow(word & tally->group[2 * k],
                                      running->above[2 * k], &low);
    out |= __builtin_add_overflow(word & tally->group[2 * k + 1],
                                  running->above[2 * k + 1], &high);
    return out || ((low & tally->carry[2 * k]) |
                   (high & tally->carry[2 * k + 1])) != 0;
}

/* Decodes the fields of word k, `word`: raises *max to the largest, and
 * returns their sum (disjoint bits: it fits a word). */
static uint64_t tally_decode(const state_tally *tally, size_t k,
                             uint64_t word, model_value *max)
{
    uint64_t sum = 0;
    for (size_t f = tally->first[k]; f < tally->first[k + 1]; f++) {
        uint64_t value =
            (word >> tally->field_shift[f]) & tally->field_limit[f];
        *max = value > *max ? value : *max;
        sum += value;
    }
    return sum;
}

/* The sum of the fields of word k of a state, `word`: counted, or decoded
 * (raising *max) where the word has few wide fields or a field may be
 * above the largest value so far.  A word's fields are disjoint bits:
 * their sum fits a word. */
static inline uint64_t tally_word_sum(const state_tally *tally,
                                      const state_tally_running *running,
                                      size_t k, uint64_t word,
                                      model_value *max)
{
    unsigned counts = tally->counts[k];
    if (counts == 0 || tally_has_above(tally, running, k, word))
        return tally_decode(tally, k, word, max);
    return tally_counted_sum(word, &tally->bits[k * TALLY_MAX_COUNTS],
                             counts);
}

model_value state_tally_add(const state_tally *tally,
                            state_tally_running *running,
                            const uint64_t *packed, bool *overflow)
{
    model_value sum = 0, max = running->max;
    for (size_t k = 0; k < tally->words; k++)
        *overflow |= __builtin_add_overflow(
            sum, tally_word_sum(tally, running, k, packed[k], &max), &sum);
    if (max > running->max)
        state_tally_start(tally, running, max);
    return sum;
}

model_value state_tally_add_words(const state_tally *tally,
                                  state_tally_running *running,
                                  const uint64_t *words, size_t count)
{
    model_value most = 0;
    for (size_t i = 0; i < count; i++) {
        /* The largest value is raised state by state: the next state's
         * test for fields above it reads it. */
        model_value max = running->max;
        uint64_t sum = tally_word_sum(tally, running, 0, words[i], &max);
        if (max > running->max)
            state_tally_start(tally, running, max);
        most = sum > most ? sum : most;
    }
    return most;
}

void state_tally_add_max_words(const state_tally *tally,
                               state_tally_running *running,
                               const uint64_t *words, size_t count)
{
    bool decode_all = tally->counts[0] == 0;
    for (size_t i = 0; i < count; i++) {
        if (!decode_all && !tally_has_above(tally, running, 0, words[i]))
            continue;
        model_value max = running->max;
        tally_decode(tally, 0, words[i], &max);
        if (max > running->max)
            state_tally_start(tally, running, max);
    }
}

void state_tally_add_max(const state_tally *tally,
                         state_tally_running *running, const uint64_t *packed)
{
    model_value max = running->max;
    for (size_t k = 0; k < tally->words; k++) {
        uint64_t word = packed[k];
        /* Words of few wide fields are decoded. */
        if (tally->counts[k] == 0 || tally_has_above(tally, running, k, word))
            tally_decode(tally, k, word, &max);
    }
    if (max > running->max)
        state_tally_start(tally, running, max);
}
