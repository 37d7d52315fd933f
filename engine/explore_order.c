/*
 * explore_order.c — numbering a level's new states as one thread would
 * have: closing the threads' id blocks in the order of the chunks that
 * found the states (for the diamonds' tags), and, with parent links,
 * renumbering them by key (see "Determinism" and "Diamonds" in
 * explore.c).
 */
#include "explore_internal.h"

#include <stdlib.h>
#include <string.h>

#include "support.h"

/* Runs a thread keeps room for from one round to the next. */
#define EXPLORE_FOUND_KEPT 4096
/* States of a level whose renumbering's scratch (explore_order_by_key)
 * is kept for the next level: 8 MiB an array. */
#define EXPLORE_SORT_KEPT ((size_t)1 << 20)

/* True when found run x comes before y in the order of the chunks. */
static bool explore_found_before(const explore_found_run *x,
                                 const explore_found_run *y)
{
    return x->chunk != y->chunk ? x->chunk < y->chunk : x->first < y->first;
}

/* Closes the id blocks numbering the states added since they opened in
 * the order of the chunks that found them, as one thread would have (for
 * the tags: "Diamonds" in explore.c).  Returns 0, or -1 when it did not:
 * one thread, a lost order, or short of memory. */
static int explore_close_ids_in_order(explore_shared *shared,
                                      explore_worker *workers,
                                      unsigned count)
{
    size_t total = 0;
    unsigned noting = 0;
    bool lost = false;
    for (unsigned t = 0; t < count; t++) {
        explore_found_end(&workers[t]);
        total += workers[t].found_count;
        noting += workers[t].found_count > 0;
        lost = lost || workers[t].found_lost || !workers[t].found_noted;
    }
    size_t *next = noting > 1 && !lost ? calloc(count, sizeof *next) : NULL;
    state_store_run *runs =
        next != NULL ? malloc(total * sizeof *runs) : NULL;
    int closed = -1;
    if (runs != NULL) {
        /* Each thread took its chunks in order: merge their lists. */
        uint64_t first = UINT64_MAX;
        for (size_t i = 0; i < total; i++) {
            /* Some thread has runs left: `total` counts them all. */
            unsigned from = 0;
            while (next[from] == workers[from].found_count)
                from++;
            for (unsigned t = from + 1; t < count; t++)
                if (next[t] < workers[t].found_count &&
                    explore_found_before(&workers[t].found[next[t]],
                                         &workers[from].found[next[from]]))
                    from = t;
            const explore_found_run *earliest =
                &workers[from].found[next[from]++];
            runs[i] = (state_store_run){earliest->first,
                                        earliest->first + earliest->length};
            first = runs[i].first < first ? runs[i].first : first;
        }
        closed = state_store_close_ids_in_order(
            shared->result->store, shared->id_blocks, count, first, runs,
            total);
    }
    free(next);
    free(runs);
    for (unsigned t = 0; t < count; t++) {
        workers[t].found_count = 0;
        workers[t].found_lost = false;
        /* A large level's runs are not kept for the small ones that end
         * a search, when memory is at its peak. */
        if (workers[t].found_capacity > EXPLORE_FOUND_KEPT) {
            free(workers[t].found);
            workers[t].found = NULL;
            workers[t].found_capacity = 0;
        }
    }
    return closed;
}

/* Ends the workers' id blocks so that ids are dense again (the table can
 * grow, the level can end).  False when out of memory. */
bool explore_close_ids(explore_shared *shared, explore_worker *workers,
                       unsigned count)
{
    explore_result *result = shared->result;
    for (unsigned t = 0; t < count; t++) {
        shared->id_blocks[t] = workers[t].ids;
        workers[t].ids = (state_store_ids){0, 0};
    }
    return explore_close_ids_in_order(shared, workers, count) == 0 ||
           state_store_close_ids(result->store, shared->id_blocks, count) ==
               0;
}

/* Sorts `count` keys and the ids beside them by key: Shell's sort, with
 * Ciura's gaps, for the states of one parent, a few and mostly in order
 * already, but as many as a state's successors can be. */
static void explore_sort_by_key(uint64_t *keys, uint64_t *ids, uint64_t count)
{
    static const uint64_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof *gaps; g++) {
        uint64_t gap = gaps[g];
        for (uint64_t i = gap; i < count; i++) {
            uint64_t key = keys[i], id = ids[i], j = i;
            for (; j >= gap && keys[j - gap] > key; j -= gap) {
                keys[j] = keys[j - gap];
                ids[j] = ids[j - gap];
            }
            keys[j] = key;
            ids[j] = id;
        }
    }
}

/* Releases explore_order_by_key's scratch. */
void explore_sort_scratch_free(explore_shared *shared)
{
    free(shared->sort_order);
    free(shared->sort_keys);
    free(shared->sort_starts);
    shared->sort_order = shared->sort_keys = shared->sort_starts = NULL;
    shared->sort_order_capacity = shared->sort_keys_capacity = 0;
    shared->sort_starts_capacity = 0;
}

/* Sorts the new level's ids [first, count) by key, into the renumbering's
 * scratch (explore_shared); returns the order, or NULL when they are
 * already in order (always so with one thread) or, with *failed, when
 * memory is short (or a key is not of this level: the search fails).  A
 * key's high bits are its parent, a state of the level just expanded
 * (level_start .. level_end - 1), and its low bits tell the parent's
 * successors apart: a counting sort by parent (one pass counts,
 * one places, keeping id order), then each parent's few states by their
 * low bits.  Three passes of a radix sort over all the key bits took
 * two thirds of the renumbering on two threads (Kanban-PT-00005, `check`:
 * 84 of 123 ms). */
static uint64_t *explore_order_by_key(explore_shared *shared, uint64_t first,
                                      uint64_t count, bool *failed)
{
    const state_store *store = shared->result->store;
    uint64_t n = count - first;
    *failed = false;
    bool sorted = true;
    for (uint64_t i = 1; i < n && sorted; i++)
        sorted = state_store_key(store, first + i - 1) <
                 state_store_key(store, first + i);
    if (sorted)
        return NULL;
    uint64_t parents = shared->level_end - shared->level_start;
    if (!SUPPORT_RESERVE(shared->sort_order, shared->sort_order_capacity,
                         n) ||
        !SUPPORT_RESERVE(shared->sort_keys, shared->sort_keys_capacity, n) ||
        !SUPPORT_RESERVE(shared->sort_starts, shared->sort_starts_capacity,
                         parents + 1)) {
        *failed = true;
        return NULL;
    }
    uint64_t *order = shared->sort_order, *keys = shared->sort_keys;
    uint64_t *starts = shared->sort_starts;
    memset(starts, 0, (parents + 1) * sizeof *starts);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t parent =
            (state_store_key(store, first + i) >> EXPLORE_VISIT_BITS) -
            shared->level_start;
        if (parent >= parents) {
            explore_fail_internal(shared, "a new state's parent is not in "
                                          "the level before it");
            *failed = true;
            return NULL;
        }
        starts[parent + 1]++;
    }
    for (uint64_t p = 1; p <= parents; p++)
        starts[p] += starts[p - 1];
    for (uint64_t i = 0; i < n; i++) {
        uint64_t key = state_store_key(store, first + i);
        uint64_t at = starts[(key >> EXPLORE_VISIT_BITS) -
                             shared->level_start]++;
        keys[at] = key;
        order[at] = first + i;
    }
    /* Each parent's states, now side by side (starts[p] is where those
     * of parent p end): by key. */
    for (uint64_t p = 0, begin = 0; p < parents; begin = starts[p++])
        if (starts[p] - begin > 1)
            explore_sort_by_key(keys + begin, order + begin,
                                starts[p] - begin);
    return order;
}

/* Gives the new level's states the ids one thread would have given them. */
bool explore_renumber(explore_shared *shared, uint64_t first)
{
    explore_result *result = shared->result;
    uint64_t count = state_store_count(result->store);
    if (!result->with_keys || count - first < 2)
        return true;
    bool failed;
    uint64_t *order = explore_order_by_key(shared, first, count, &failed);
    if (order == NULL)
        return !failed;
    bool reordered = state_store_reorder(result->store, first, order,
                                         shared->threads) == 0;
    /* Scratch for a large level is not held while the next one grows the
     * table: its fresh pages cost little beside the level's work. */
    if (shared->sort_order_capacity > EXPLORE_SORT_KEPT ||
        shared->sort_starts_capacity > EXPLORE_SORT_KEPT)
        explore_sort_scratch_free(shared);
    return reordered;
}
