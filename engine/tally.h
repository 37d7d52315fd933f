/*
 * tally.h — the token figures of packed states, a word at a time.
 *
 * A search reports the largest value any slot takes and the largest sum
 * of a state's slots ("at most 5 tokens in a place, 16 in a marking"), so
 * each new state is looked at once more.  Decoding its fields one by one
 * costs a shift, a mask, a comparison and an addition per slot: on
 * Kanban-PT-00005 a ninth of all the search's instructions.  A tally,
 * compiled from the codec, does the same on whole words:
 *
 *   - The sum.  Bit p of a field weighs 2^p whichever the field, so the
 *     sum of a word's fields is the count of their bits p, times 2^p,
 *     summed over p: a word of sixteen 3-bit fields costs 3 bit counts
 *     instead of 16 decodings.  Words of few wide fields are decoded.
 *   - The largest value.  Adding limit - max to a field carries out of it
 *     exactly when the field holds more than max.  The fields of a word go
 *     in two groups, alternately in the order of their bits, so that a
 *     field's carry lands on a bit no field of its group uses and stops
 *     there: two additions test all the fields of a word.  Only a word
 *     with a carry is decoded, to find the new largest value.
 *
 * The stored slots are tallied; an exclusive set's members are not (the
 * caller counts a set's one token).  A tally is read-only once built, so
 * threads share it; each thread keeps its own state_tally_running.
 */
#ifndef PNSIM_TALLY_H
#define PNSIM_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "model.h"

typedef struct state_tally state_tally;

/* A thread's figures so far: the largest slot value, and the masks that
 * find a larger one (2 per word of the codec; the caller allocates them
 * and owns them). */
typedef struct state_tally_running {
    model_value max;
    model_value above_max;    /* the value `above` finds fields above */
    uint64_t *above;
} state_tally_running;

/* The tally of `codec` (which it copies what it needs from), or NULL when
 * out of memory.  The caller frees it (state_tally_free). */
state_tally *state_tally_create(const state_codec *codec);
void state_tally_free(state_tally *tally);

/* Starts running figures at largest value `max`. */
void state_tally_start(const state_tally *tally, state_tally_running *running,
                       model_value max);

/* Adds `packed` (the codec's words) to the running figures, and returns
 * the sum of its stored slots; *overflow is set when it passes 2^64 - 1. */
model_value state_tally_add(const state_tally *tally,
                            state_tally_running *running,
                            const uint64_t *packed, bool *overflow);

/* As state_tally_add, for the largest value alone: for a search whose
 * states all have the same sum (explore.c). */
void state_tally_add_max(const state_tally *tally,
                         state_tally_running *running,
                         const uint64_t *packed);

/* state_tally_add for `count` states of a codec of one word, `words`, at
 * once: returns the largest of their sums (which cannot overflow). */
model_value state_tally_add_words(const state_tally *tally,
                                  state_tally_running *running,
                                  const uint64_t *words, size_t count);

/* state_tally_add_max for `count` states of a codec of one word, `words`:
 * one call for a run of new states (explore.c's short way). */
void state_tally_add_max_words(const state_tally *tally,
                               state_tally_running *running,
                               const uint64_t *words, size_t count);

#endif
