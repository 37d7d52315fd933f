/*
 * codec.h — packing state vectors into few bits.
 *
 * A model hands the explorer vectors of 64-bit slots, but most slots hold
 * small numbers: a 1-safe place needs one bit, a counter up to 10 needs
 * four.  A codec gives every slot a width and packs the slots into 64-bit
 * words (a slot never straddles two words, so reading or writing one is a
 * shift and a mask).  Stored states are packed vectors: a 75-place 1-safe
 * net takes 2 words instead of 75.
 *
 * Widths start from the initial state (at least one bit) and grow when a
 * value does not fit: state_codec_encode reports the slot, and the explorer
 * re-encodes what it has stored with wider slots.  No value is ever
 * truncated.
 *
 * Implied slots.  Of a set of slots of which exactly one holds 1 in every
 * state (model.h: exclusive sets), one slot need not be stored: it holds 1
 * exactly when the others all hold 0.  The others are one-bit slots side
 * by side in one word, so the implied slot is read as one test of that
 * word against a mask.  A process with three control places then takes
 * two bits, and a flag with two sides one: Dekker's 100 places fit one
 * word instead of two.  The codec stores the implied slot as no bits,
 * and the implied one is taken to be right: whoever gives the sets has
 * checked them (explore.c checks them against the model's transitions).
 */
#ifndef PNSIM_CODEC_H
#define PNSIM_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

typedef struct state_codec {
    size_t slots;             /* values per vector */
    size_t words;             /* 64-bit words per packed vector, >= 1 */
    uint8_t *width;           /* bits per slot, 1..64; 0: implied */
    uint8_t *shift;           /* bit offset of the slot in its word */
    uint32_t *word;           /* word index of the slot */
    model_value *limit;       /* the largest value the slot can hold */
    uint64_t *mask;           /* the bits of its word a slot is read from:
                                 its field; for an implied slot, the fields
                                 of the others of its set */
    uint32_t *order;          /* the slots in the order they are packed,
                                 the implied ones last */
    size_t *word_first;       /* slots of word k: order[word_first[k]] ..
                                 order[word_first[k + 1] - 1] */
    bool *word_bits;          /* word k holds only one-bit slots */
    size_t implied;           /* implied slots: the last of `order` */
    uint64_t *set_bits;       /* per word: the fields of slots whose set
                                 has an implied slot */
} state_codec;

/* Exclusive sets for a codec: set k is slots[start[k] .. start[k + 1] -
 * 1], of 1 to 65 slots; the sets are disjoint.  The first slot of each is
 * the implied one; the others must be given width 1. */
typedef struct state_codec_sets {
    size_t count;
    size_t *start;            /* count + 1 offsets */
    uint32_t *slots;
} state_codec_sets;

/* Chooses among the exclusive sets of `model` (model.h) those a codec
 * uses, into `sets`: on a linear model only, the sets that hold 1 in
 * `initial` and that every transition gives exactly what it takes, of at
 * most 65 slots, disjoint (the smallest first: each saves one bit), each
 * with its slot set in `initial` first.  Returns 0, or -1 when out of
 * memory (sets then empty).  The caller owns the arrays
 * (state_codec_sets_free). */
int state_codec_choose_sets(const model *model, const model_value *initial,
                            state_codec_sets *sets);
void state_codec_sets_free(state_codec_sets *sets);

/* Lays out `slots` slots of the given widths (1..64), packing them in
 * `order` (a permutation of the slots; NULL: their own order), the stored
 * slots of each set of `sets` (may be NULL) together where the first of
 * them comes.  Returns 0, or -1 when out of memory.  The codec owns its
 * arrays (state_codec_free). */
int state_codec_init(state_codec *codec, size_t slots, const uint8_t *widths,
                     const uint32_t *order, const state_codec_sets *sets);
void state_codec_free(state_codec *codec);

/* The number of bits `value` needs (at least 1). */
unsigned state_codec_bits(model_value value);

/* Packs `values` into `packed` (codec->words words); implied slots are
 * not looked at.  Returns -1, or the first slot whose value exceeds its
 * width (packed is then incomplete). */
long state_codec_encode(const state_codec *codec, const model_value *values,
                        uint64_t *packed);

/* Unpacks `packed` into `values`; words of one-bit slots cost their set
 * bits, not their slots. */
void state_codec_decode(const state_codec *codec, const uint64_t *packed,
                        model_value *values);

/* Sets one slot of a packed vector; the value must fit (<= limit[slot]).
 * An implied slot follows from the others: setting it does nothing. */
static inline void state_codec_set(const state_codec *codec, uint64_t *packed,
                                   size_t slot, model_value value)
{
    if (codec->width[slot] == 0)
        return;
    unsigned shift = codec->shift[slot];
    uint64_t mask = codec->limit[slot] << shift;
    uint64_t *word = &packed[codec->word[slot]];
    *word = (*word & ~mask) | (value << shift);
}

/* The value of one slot of a packed vector. */
static inline model_value state_codec_get(const state_codec *codec,
                                          const uint64_t *packed, size_t slot)
{
    uint64_t word = packed[codec->word[slot]];
    if (codec->width[slot] == 0)
        return (word & codec->mask[slot]) == 0;
    return (word >> codec->shift[slot]) & codec->limit[slot];
}

#endif
