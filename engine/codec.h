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
 * Exclusive sets.  Of a set of slots of which exactly one holds 1, and the
 * others 0, in every state (model.h), the codec stores only which one: its
 * index in the set, in a field of ceil(log2 n) bits.  A process with
 * sixteen control places takes four bits instead of sixteen:
 * TokenRing-PT-015's 256 places fit one word instead of four.  The slots of
 * a set (its members) have no field of their own (width 0): a member holds
 * 1 when its set's field holds its index.  The sets are taken to be right:
 * state_codec_choose_sets checks them against a linear model's
 * transitions.
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
    uint8_t *width;           /* bits per slot, 1..64; 0: a set's member */
    uint8_t *shift;           /* bit offset of the slot's field (a
                                 member's: its set's) in its word */
    uint32_t *word;           /* word index of that field */
    model_value *limit;       /* the largest value the slot can hold */
    uint64_t *mask;           /* that field's bits in its word */
    uint64_t *marked;         /* a member: its set's field (in place in the
                                 word) when the member holds 1; else 0 */
    uint32_t *set_of;         /* a member's set; UINT32_MAX for others */
    uint32_t *order;          /* the stored slots in the order they are
                                 packed, then the members */
    size_t *word_first;       /* stored slots of word k: order[word_first[k]]
                                 .. order[word_first[k + 1] - 1] */
    bool *word_bits;          /* word k holds only one-bit slots, and no
                                 set's field */
    size_t members;           /* slots in sets: the last of `order` */
    uint64_t *set_bits;       /* per word: the bits of sets' fields */
    /* The sets: set k's field is set_width[k] bits at set_shift[k] of
     * word set_word[k], and its members by index are
     * set_members[set_first[k] .. set_first[k + 1] - 1]. */
    size_t sets;
    uint32_t *set_word;
    uint8_t *set_shift;
    uint8_t *set_width;
    size_t *set_first;
    uint32_t *set_members;
} state_codec;

/* Exclusive sets for a codec: set k is slots[start[k] .. start[k + 1] -
 * 1], of 2 to 64 slots, listed by index; the sets are disjoint. */
typedef struct state_codec_sets {
    size_t count;
    size_t *start;            /* count + 1 offsets */
    uint32_t *slots;
} state_codec_sets;

/* Chooses among the exclusive sets of `model` (model.h) those a codec
 * uses, into `sets`.  On a linear model only, the sets of 2 to 64 slots
 * that hold 1 in `initial` and that every transition gives exactly what
 * it takes; disjoint, those that save the most bits first.  A guard
 * "member = 0" is one test of the field only for the first and last
 * index: a set with more members so tested is left out, and those members
 * come first and last.  Returns 0, or -1 when out of memory (sets then
 * empty).  The caller owns the arrays (state_codec_sets_free). */
int state_codec_choose_sets(const model *model, const model_value *initial,
                            state_codec_sets *sets);
void state_codec_sets_free(state_codec_sets *sets);

/* Lays out `slots` slots of the given widths (1..64; ignored for the
 * members of `sets`), packing them in `order` (a permutation of the slots;
 * NULL: their own order), a set's field where its first member comes;
 * `sets` may be NULL.  Returns 0, or -1 when out of memory.  The codec
 * owns its arrays (state_codec_free). */
int state_codec_init(state_codec *codec, size_t slots, const uint8_t *widths,
                     const uint32_t *order, const state_codec_sets *sets);
void state_codec_free(state_codec *codec);

/* The number of bits `value` needs (at least 1). */
unsigned state_codec_bits(model_value value);

/* The bit just above a field whose largest value is `limit` at bit
 * `shift`, where a carry out of the field lands; 0 when the field reaches
 * the top of the word (its carry leaves the word). */
uint64_t state_codec_carry_bit(model_value limit, unsigned shift);

/* Packs `values` into `packed` (codec->words words); of a set, the member
 * holding 1 is stored (the others must hold 0).  Returns -1, or the first
 * slot whose value exceeds its width (packed is then incomplete). */
long state_codec_encode(const state_codec *codec, const model_value *values,
                        uint64_t *packed);

/* Unpacks `packed` into `values`; words of one-bit slots cost their set
 * bits, not their slots. */
void state_codec_decode(const state_codec *codec, const uint64_t *packed,
                        model_value *values);

/* Sets one slot of a packed vector; the value must fit (<= limit[slot]).
 * A member set to 1 becomes its set's one; set to 0 it changes nothing
 * (another member is set to 1 in the same step). */
static inline void state_codec_set(const state_codec *codec, uint64_t *packed,
                                   size_t slot, model_value value)
{
    uint64_t *word = &packed[codec->word[slot]];
    if (codec->width[slot] == 0) {
        if (value != 0)
            *word = (*word & ~codec->mask[slot]) | codec->marked[slot];
        return;
    }
    *word = (*word & ~codec->mask[slot]) | (value << codec->shift[slot]);
}

/* The field of `width` bits (1..63) at bit `shift` of word `word` of a
 * packed vector. */
static inline uint64_t state_codec_field(const uint64_t *packed,
                                         uint32_t word, unsigned shift,
                                         unsigned width)
{
    return (packed[word] >> shift) & (((uint64_t)1 << width) - 1);
}

/* Which member of set `set` holds 1 in a packed vector: its index. */
static inline uint64_t state_codec_set_index(const state_codec *codec,
                                             const uint64_t *packed,
                                             size_t set)
{
    return state_codec_field(packed, codec->set_word[set],
                             codec->set_shift[set], codec->set_width[set]);
}

/* A member's index in its set. */
static inline uint64_t state_codec_member_index(const state_codec *codec,
                                                size_t slot)
{
    return codec->marked[slot] >> codec->shift[slot];
}

/* The value of one slot of a packed vector. */
static inline model_value state_codec_get(const state_codec *codec,
                                          const uint64_t *packed, size_t slot)
{
    uint64_t word = packed[codec->word[slot]];
    if (codec->width[slot] == 0)
        return (word & codec->mask[slot]) == codec->marked[slot];
    return (word >> codec->shift[slot]) & codec->limit[slot];
}

#endif
