/*
 * explore_pumping.c — the proof that a model is unbounded (explore.h's
 * find_pumping).
 *
 * With find_pumping on a monotone model, expanding a state also sums its
 * slots and keeps, per state, the largest sum on its path from the
 * initial state (path_max, saturating 32 bits).  A state whose sum
 * exceeds every ancestor's is compared, packed and slot by slot, with its
 * ancestors along the parent links; one it covers proves the model
 * unbounded.  That filter loses nothing: an unbounded model has an
 * infinite path of distinct states in the tree of parent links, its states
 * whose sum beats all before them are infinitely many, and among those
 * (Dickson's lemma) a later one covers an earlier one.  States of a level
 * cut short by a limit are checked in one pass at the end.  A model that
 * bounds every slot (model.slot_bounds) is not checked: its search ends
 * by itself, and with a wrong bound it would end at a limit.
 */
#include "explore_internal.h"

#include <stdlib.h>

/* True when packed vector `big` holds at least `small`'s value in every
 * slot.  Words of one-bit slots compare as bit sets.  An exclusive set
 * holds one token in both, so it covers only with the same member. */
static bool explore_covers(const state_codec *codec, const uint64_t *big,
                           const uint64_t *small)
{
    for (size_t k = 0; k < codec->words; k++) {
        uint64_t b = big[k], a = small[k];
        if (b == a)
            continue;
        if ((a ^ b) & codec->set_bits[k])
            return false;
        if (codec->word_bits[k]) {
            if (a & ~b)
                return false;
            continue;
        }
        for (size_t j = codec->word_first[k]; j < codec->word_first[k + 1];
             j++) {
            size_t i = codec->order[j];
            if (((b >> codec->shift[i]) & codec->limit[i]) <
                ((a >> codec->shift[i]) & codec->limit[i]))
                return false;
        }
    }
    return true;
}

/* Records state `id` (decoded `values`, packed `packed`) in path_max and,
 * when its sum beats every ancestor's, looks for an ancestor it covers: a
 * different stored state, so the cover is strict.  The parent's path_max
 * must be known.  Returns the covered ancestor or EXPLORE_NO_STATE. */
explore_state_id explore_pumping_check(explore_result *result,
                                       explore_state_id id,
                                       const model_value *values,
                                       const uint64_t *packed,
                                       uint64_t *scratch)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < result->model->state_length; i++)
        if (__builtin_add_overflow(sum, values[i], &sum) || sum >= UINT32_MAX) {
            sum = UINT32_MAX;
            break;
        }
    uint32_t own = (uint32_t)sum;
    uint64_t key = state_store_key(result->store, id);
    if (key == EXPLORE_ROOT_KEY) {
        result->path_max[id] = own;
        return EXPLORE_NO_STATE;
    }
    explore_state_id ancestor = key >> EXPLORE_VISIT_BITS;
    uint32_t before = result->path_max[ancestor];
    result->path_max[id] = own > before ? own : before;
    if (own <= before)
        return EXPLORE_NO_STATE;
    for (;;) {
        if (state_store_get(result->store, ancestor, scratch) &&
            explore_covers(&result->codec, packed, scratch))
            return ancestor;
        key = state_store_key(result->store, ancestor);
        if (key == EXPLORE_ROOT_KEY)
            return EXPLORE_NO_STATE;
        ancestor = key >> EXPLORE_VISIT_BITS;
    }
}

/* Makes room in path_max for states [0, count).  False: out of memory. */
bool explore_pumping_reserve(explore_result *result, uint64_t count)
{
    if (count <= result->path_max_size)
        return true;
    uint64_t size = result->path_max_size ? result->path_max_size : 1024;
    while (size < count)
        size *= 2;
    /* The array counts against --max-memory like the store itself. */
    if (!state_store_charge(result->store,
                            (size - result->path_max_size) * sizeof(uint32_t)))
        return false;
    uint32_t *grown = realloc(result->path_max, size * sizeof *grown);
    if (grown == NULL)
        return false;
    result->path_max = grown;
    result->path_max_size = size;
    return true;
}

/* After a search cut short: checks the states from `first` on, which were
 * perhaps never expanded, in id order (a parent's id is below its
 * children's). */
void explore_pumping_rest(explore_result *result, uint64_t first)
{
    uint64_t count = state_store_count(result->store);
    size_t slots = result->model->state_length;
    size_t words = result->codec.words;
    model_value *values = malloc((slots ? slots : 1) * sizeof *values);
    uint64_t *packed = malloc(2 * words * sizeof *packed);
    if (values == NULL || packed == NULL ||
        !explore_pumping_reserve(result, count)) {
        free(values);
        free(packed);
        return;
    }
    for (uint64_t id = first; id < count; id++) {
        if (!state_store_get(result->store, id, packed))
            break;   /* the store ran out of memory while adding it */
        state_codec_decode(&result->codec, packed, values);
        explore_state_id ancestor =
            explore_pumping_check(result, id, values, packed, packed + words);
        if (ancestor != EXPLORE_NO_STATE) {
            result->stats.pumping_state = id;
            result->stats.pumping_ancestor = ancestor;
            break;
        }
    }
    free(values);
    free(packed);
}
