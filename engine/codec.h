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
    uint8_t *width;           /* bits per slot, 1..64 */
    uint8_t *shift;           /* bit offset of the slot in its word */
    uint32_t *word;           /* word index of the slot */
    model_value *limit;       /* the largest value the slot can hold */
    uint32_t *order;          /* the slots in the order they are packed */
    size_t *word_first;       /* slots of word k: order[word_first[k]] ..
                                 order[word_first[k + 1] - 1] */
    bool *word_bits;          /* word k holds only one-bit slots */
} state_codec;

/* Lays out `slots` slots of the given widths (1..64), packing them in
 * `order` (a permutation of the slots; NULL: their own order).  Returns 0,
 * or -1 when out of memory.  The codec owns its arrays (state_codec_free). */
int state_codec_init(state_codec *codec, size_t slots, const uint8_t *widths,
                     const uint32_t *order);
void state_codec_free(state_codec *codec);

/* The number of bits `value` needs (at least 1). */
unsigned state_codec_bits(model_value value);

/* Packs `values` into `packed` (codec->words words).  Returns -1, or the
 * first slot whose value exceeds its width (packed is then incomplete). */
long state_codec_encode(const state_codec *codec, const model_value *values,
                        uint64_t *packed);

/* Unpacks `packed` into `values`; words of one-bit slots cost their set
 * bits, not their slots. */
void state_codec_decode(const state_codec *codec, const uint64_t *packed,
                        model_value *values);

/* Sets one slot of a packed vector; the value must fit (<= limit[slot]). */
static inline void state_codec_set(const state_codec *codec, uint64_t *packed,
                                   size_t slot, model_value value)
{
    unsigned shift = codec->shift[slot];
    uint64_t mask = codec->limit[slot] << shift;
    uint64_t *word = &packed[codec->word[slot]];
    *word = (*word & ~mask) | (value << shift);
}

#endif
