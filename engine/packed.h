/*
 * packed.h — successors of a linear model, computed on packed vectors.
 *
 * The explorer stores states packed (codec.h).  Asking the model for
 * successors means unpacking every state into 64-bit slots, letting the
 * model test each candidate transition slot by slot, and packing every
 * successor again.  For a linear model (model.linear: each transition is a
 * set of guards and effects on slots) none of that is needed: a packed
 * model compiles the guards and effects against the codec once, into
 * tests and changes on the packed words themselves.
 *
 *   - A guard is a test on one field: ((word >> shift) & mask) - at_least
 *     < span, one subtraction and one comparison for a lower and an upper
 *     bound together.  The guards of a transition on one-bit slots of the
 *     same word merge into two tests, one for the bits that must be set
 *     and one for those that must be clear.
 *   - An effect is a change of one field (take, check room, give), or, for
 *     one-bit slots of one word, a single clear-and-set of bit masks.  The
 *     changes of a transition to one word merge into one subtraction and
 *     one addition on the whole word (packed_delta), whose carries show a
 *     field that overflows; the changes one by one are only for finding
 *     which (Kanban-PT-00005: 8 % fewer instructions in all).
 *   - Candidates.  A transition with a guard "slot >= 1 or more" is filed
 *     under that slot (its watch slot), so only the transitions filed
 *     under nonzero fields, and those filed under none, are tested.  The
 *     nonzero fields of a word come from one addition (packed_watched).
 *     On nets with many transitions per place a transition is filed under
 *     a second such slot too, and the two candidate sets are and'ed: on a
 *     ring of processes, where a step needs its own process's state and
 *     its neighbour's, one marked place watches many transitions, and the
 *     second watch removes most of them (TokenRing-PT-010: a fifth fewer
 *     instructions in all).
 *   - Keyed watches.  When a transition's second watch is a member of an
 *     exclusive set, whether it is marked is the set's field, one value:
 *     such a transition is filed under its first watch slot and under the
 *     index its second's set must hold.  A marked slot then looks up, for
 *     each set its transitions wait on, the one list for the index that
 *     set holds, instead of or'ing lists of transitions most of which the
 *     second watch removes.  On a ring of processes every step is keyed
 *     (TokenRing-PT-015: 16 marked places, 16 short lists per state
 *     instead of some 400 words of bits, and no second pass).  Only
 *     where the candidate sets are 16 words or more: on shorter ones the
 *     bits cost less than the look-ups.
 *   - A table (packed_table.h).  Where a table of the net's tests takes a
 *     megabyte or less, the enabled transitions are the AND of one row of
 *     bits per chunk of the state, and the candidates and their tests
 *     (above and below) are not used (Dekker-PT-020 to 300,000 states:
 *     46 % fewer instructions in all; Kanban-PT-00005: 19 %).
 *   - Incremental enabledness (packed_model_enabled_near): from one state
 *     to the next, only the transitions reading a slot that changed are
 *     tested again.
 *   - Exclusive sets (codec.h).  A guard "member = 1" tests the set's
 *     field for the member's index; moving the set's token from one member
 *     to another is one change of the field.  The member that holds 1 is
 *     read from the field, so a set's transitions are watched, and tested
 *     again, through it.
 *
 * Enabled transitions come out in index order, as the model's own
 * successors() gives them (model.h), so that searches are numbered alike
 * whichever path computes the successors.
 *
 * A packed model is compiled for one codec: compile it again when the
 * codec changes.  It is read-only once built, so threads share it.
 */
#ifndef PNSIM_PACKED_H
#define PNSIM_PACKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "model.h"
#include "packed_table.h"

/* A guard on one field: enabled only when
 * ((packed[word] >> shift) & mask) - at_least < span (unsigned). */
typedef struct packed_test {
    uint64_t mask;
    uint64_t at_least;
    uint64_t span;
    uint32_t word;
    uint32_t shift;
} packed_test;

/* An effect on one field (slot < PACKED_BITS): value - take + give, which
 * must not exceed `mask`; or on the one-bit slots of a word (slot ==
 * PACKED_BITS): clear the bits of `take`, then set those of `give`, which
 * must have been clear. */
#define PACKED_BITS UINT32_MAX
typedef struct packed_change {
    uint64_t mask;
    uint64_t take;
    uint64_t give;
    uint32_t word;
    uint32_t shift;
    uint32_t slot;
} packed_change;

/* All the changes of one transition to one word, as word arithmetic:
 * subtract `take` (the guards leave every field at least what it loses:
 * no borrow), then add `give`.  A field that overflows carries into the
 * bit just above it, which `carry` holds for every field given to (a field
 * at the top of the word carries out of it: the sum wraps below what it
 * added to).  `spill` is set when a field is given more than its width
 * holds, which no carry shows. */
typedef struct packed_delta {
    uint64_t take;
    uint64_t give;
    uint64_t carry;
    uint32_t word;
    uint32_t spill;
} packed_delta;

/* Transitions as bits: `bits` are transitions word * 64 + 0 .. 63. */
typedef struct packed_bits {
    uint64_t bits;
    uint32_t word;
} packed_bits;

/* Transitions filed under slots: those of slot s are words[start[s] ..
 * start[s + 1] - 1]; those filed under none are the bit set `unwatched`
 * (candidate_words words). */
typedef struct packed_watch_index {
    size_t *start;
    packed_bits *words;
    uint64_t *unwatched;
} packed_watch_index;

/* The keyed transitions of one first watch slot whose second watch is in
 * one set, whose field is `width` bits at `shift` of word `word`: for the
 * index i the field holds, list `base + i` of the keyed index. */
typedef struct packed_key {
    uint32_t base;
    uint32_t word;
    uint8_t shift;
    uint8_t width;
} packed_key;

/* Keyed watches: slot s's keys are keys[key_start[s] .. key_start[s + 1] -
 * 1].  List l's first word of bits is first[l] (no bits: an empty list);
 * when its word has PACKED_KEYED_MORE set, the list goes on in
 * more[more_start[l] .. more_start[l + 1] - 1]. */
#define PACKED_KEYED_MORE ((uint32_t)1 << 31)
typedef struct packed_keyed_index {
    size_t *key_start;
    packed_key *keys;
    packed_bits *first;
    size_t *more_start;
    packed_bits *more;
    size_t transitions;           /* transitions filed so; 0: none */
} packed_keyed_index;

typedef struct packed_model {
    const model *model;
    const state_codec *codec;
    size_t transitions;
    size_t *test_start;           /* transition t's tests: tests[test_start[t]
                                     .. test_start[t + 1] - 1] */
    packed_test *tests;
    size_t *change_start;         /* likewise for changes */
    packed_change *changes;
    size_t *delta_start;          /* likewise for the changes merged by */
    packed_delta *deltas;         /* word, which firing applies */
    packed_watch_index watch[2];  /* by first and second watch slot (the
                                     second only with two_watches), but
                                     the keyed ones */
    packed_keyed_index keyed;     /* with two_watches: by first watch slot
                                     and the index of the second's set */
    packed_watch_index readers;   /* by every slot a guard looks at */
    size_t *reader_count;         /* per slot: transitions reading it */
    bool two_watches;             /* the second index is worth its pass */
    bool second_pass;             /* ... and some transition is in it */
    size_t candidate_words;       /* 64-bit words of a candidate set */
    uint64_t *field_low;          /* per word: each field's bits but its
                                     top one */
    uint64_t *field_top;          /* per word: each field's top bit */
    uint32_t *slot_at;            /* the slot whose top bit is bit b of
                                     word k: slot_at[k * 64 + b] */
    uint64_t *set_low;            /* the same for the exclusive sets' */
    uint64_t *set_top;            /* fields (but the sets of one member, */
    uint32_t *set_at;             /* which never change): the set */
    packed_table *table;          /* enabledness by look-ups, where it
                                     pays (packed_table.h); else NULL, and
                                     only then are the indexes above
                                     built */
} packed_model;

/* Compiles linear `model` (model.linear) for `codec`, both of which must
 * outlive the result; `with_table`: with a table of enabledness
 * (packed_table.h) where one pays, else candidates are always tested.
 * Returns NULL when the model is not linear or memory is short.  The
 * caller owns the result (packed_model_free). */
packed_model *packed_model_create(const model *model,
                                  const state_codec *codec, bool with_table);

void packed_model_free(packed_model *packed);

/* Writes into `enabled` the transitions enabled in packed state `state`, in
 * index order, and returns their number.  `candidates` is the caller's
 * scratch of 2 * candidate_words words; `enabled` has room for every
 * transition. */
size_t packed_model_enabled(const packed_model *packed, const uint64_t *state,
                            uint64_t *candidates, uint32_t *enabled);

/*
 * Incremental enabledness.  What a thread remembers of the last state whose
 * enabled transitions it computed: the state, and those transitions as
 * bits.  The next state (in a breadth-first search, most often a sibling:
 * the same parent, another transition) differs from it in a few slots,
 * and only the transitions whose guards read those slots are tested again.
 * When more changed than that saves, the set is computed from scratch.
 * The caller owns the arrays: `state` of codec->words words, `enabled` and
 * `nonzero` of candidate_words entries; zero `known` for a new codec.
 */
typedef struct packed_near {
    uint64_t *state;
    uint64_t *enabled;
    uint32_t *nonzero;            /* the words of `enabled` that are not 0,
                                     in increasing order ... */
    size_t nonzero_count;         /* ... and how many */
    size_t tested;                /* candidates tested the last time the set
                                     was computed from scratch */
    bool known;                   /* state and enabled hold a state */
} packed_near;

/* Changed slots above which packed_model_enabled_near starts over. */
#define PACKED_NEAR_SLOTS 16

/* The transitions enabled in `state`, as bits (transition t is bit t % 64
 * of word t / 64, candidate_words words), from what `near` remembers,
 * which it then updates to `state`: the result is near->enabled, whose
 * words that are not 0 near->nonzero lists.
 * `scratch` is the caller's, of 2 * candidate_words words. */
const uint64_t *packed_model_enabled_near(const packed_model *packed,
                                          const uint64_t *state,
                                          packed_near *near, uint64_t *scratch);

/* Whether transition t passes all its tests in packed state `state`. */
static inline bool packed_model_passes(const packed_model *packed, uint32_t t,
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

/* The slot of the one-bit field at bit `bit` of word `word`. */
uint32_t packed_model_bit_slot(const packed_model *packed, uint32_t word,
                               unsigned bit);

/* What firing a transition gave. */
#define PACKED_FIRED (-1L)     /* the successor is written */
#define PACKED_OVERFLOW (-2L)  /* a value would exceed 2^64 - 1 */

/* packed_model_fire where a field overflowed: change by change, to find
 * the first that does not fit.  Same contract. */
long packed_model_fire_checked(const packed_model *packed, uint32_t t,
                               const uint64_t *state, uint64_t *child,
                               model_value *value);

/*
 * Writes into `child` the successor of packed state `state` by enabled
 * transition t (`child` does not overlap `state`).  Returns PACKED_FIRED;
 * or the first slot whose new value
 * does not fit its width, with that value in *value (the codec must widen
 * it: `child` is then incomplete); or PACKED_OVERFLOW.
 *
 * One subtraction and one addition per word the transition changes, and
 * the carries of the addition tell whether a field overflowed: only then
 * are the changes applied one by one to say which.
 */
static inline long packed_model_fire(const packed_model *packed, uint32_t t,
                                     const uint64_t *state, uint64_t *child,
                                     model_value *value)
{
    /* Read once: the writes to child could alias them. */
    size_t words = packed->codec->words;
    const packed_delta *delta = &packed->deltas[packed->delta_start[t]];
    const packed_delta *end = &packed->deltas[packed->delta_start[t + 1]];
    /* Vectors are a few words: a loop beats a call to memcpy, and one
     * word (every MCC net of the benchmark) needs no loop at all. */
    if (words == 1)
        child[0] = state[0];
    else
        for (size_t k = 0; k < words; k++)
            child[k] = state[k];
    uint64_t overflow = 0;
    for (; delta < end; delta++) {
        uint64_t kept = state[delta->word] - delta->take;
        uint64_t sum = kept + delta->give;
        /* The carry into each bit is where the sum differs from an
         * addition without carries. */
        overflow |= ((kept ^ delta->give ^ sum) & delta->carry) |
                    (uint64_t)(sum < kept) | delta->spill;
        child[delta->word] = sum;
    }
    if (overflow == 0)
        return PACKED_FIRED;
    return packed_model_fire_checked(packed, t, state, child, value);
}

/* Writes into `parent` (which does not overlap `child`) the only state
 * from which transition t could lead to packed state `child`: firing t
 * subtracts `take` from some words and adds `give` (packed_delta), without
 * a carry out of any field, so the parent is the child less `give` plus
 * `take`.  It is one if t is enabled there (packed_model_passes) and leads
 * to the child; when the child is known to be reached by t, it is the
 * state t was fired in. */
static inline void packed_model_unfire(const packed_model *packed, uint32_t t,
                                       const uint64_t *child,
                                       uint64_t *parent)
{
    size_t words = packed->codec->words;
    for (size_t k = 0; k < words; k++)
        parent[k] = child[k];
    for (size_t d = packed->delta_start[t]; d < packed->delta_start[t + 1];
         d++) {
        const packed_delta *delta = &packed->deltas[d];
        parent[delta->word] = child[delta->word] - delta->give + delta->take;
    }
}

/* packed_model_fire for a model of one-word vectors, `state` that word:
 * writes the successor to *child and returns true, or returns false when
 * it is not that simple (a value too wide for its slot, or past 2^64 - 1:
 * packed_model_fire then tells which). */
static inline bool packed_model_fire_word(const packed_model *packed,
                                          uint32_t t, uint64_t state,
                                          uint64_t *child)
{
    /* One delta each (packed_build_deltas). */
    const packed_delta *delta = &packed->deltas[t];
    uint64_t kept = state - delta->take;
    uint64_t sum = kept + delta->give;
    *child = sum;
    return (((kept ^ delta->give ^ sum) & delta->carry) |
            (uint64_t)(sum < kept) | delta->spill) == 0;
}

#endif
