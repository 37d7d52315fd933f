/* store_order.c — closing the threads' blocks of ids and renumbering (see
 * store.h for the design): the holes unused ids leave are filled from the
 * top (state_store_close_ids) or the states take the order of the runs
 * that found them, in place through a ring of scratch space
 * (state_store_close_ids_in_order); state_store_reorder renumbers a range
 * of ids.  Apart from store.c because all of it runs between levels, while
 * no thread inserts. */
#include "store_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* ---- renumbering ------------------------------------------------------ */

/* The table entry of `id`, whose stored form has hash `hash`. */
static uint64_t store_find_entry_hashed(const state_store *store, uint64_t id,
                                        uint64_t hash)
{
    uint32_t id_mask = store_id_mask(store->table_log);
    uint64_t mask = store->table_size - 1;
    uint64_t slot = hash & mask;
    while ((atomic_load_explicit(&store->table[slot], memory_order_relaxed) &
            id_mask) != id + 1)
        slot = (slot + 1) & mask;
    return slot;
}

/* The table entry of `id`. */
static uint64_t store_find_entry(const state_store *store, uint64_t id)
{
    return store_find_entry_hashed(
        store, id, store_hash(store, store_stored(store, id)));
}

/* Points entry `slot` at `id`, keeping its tag. */
static void store_repoint(state_store *store, uint64_t slot, uint64_t id)
{
    uint32_t id_mask = store_id_mask(store->table_log);
    _Atomic uint32_t *entry = &store->table[slot];
    uint32_t value = atomic_load_explicit(entry, memory_order_relaxed);
    atomic_store_explicit(entry, (value & ~id_mask) | (uint32_t)(id + 1),
                          memory_order_relaxed);
}

static int store_compare_ranges(const void *a, const void *b)
{
    uint64_t x = ((const state_store_ids *)a)->next;
    uint64_t y = ((const state_store_ids *)b)->next;
    return x < y ? -1 : x > y;
}

/* True when `id` lies in one of the `count` unused ranges. */
static bool store_in_ranges(const state_store_ids *ranges, size_t count,
                            uint64_t id)
{
    for (size_t i = 0; i < count; i++)
        if (id >= ranges[i].next && id < ranges[i].end)
            return true;
    return false;
}

int state_store_close_ids(state_store *store, state_store_ids *blocks,
                          size_t count)
{
    state_store_ids *unused = malloc((count ? count : 1) * sizeof *unused);
    if (unused == NULL)
        return -1;
    size_t ranges = 0;
    uint64_t holes = 0;
    for (size_t i = 0; i < count; i++) {
        if (blocks[i].next < blocks[i].end) {
            unused[ranges++] = blocks[i];
            holes += blocks[i].end - blocks[i].next;
        }
        blocks[i].next = blocks[i].end = 0;
    }
    qsort(unused, ranges, sizeof *unused, store_compare_ranges);
    uint64_t handed = atomic_load(&store->count);
    uint64_t dense = handed - holes;
    /* Fill each hole below `dense` with the used state of highest id. */
    uint64_t source = handed;
    for (size_t r = 0; r < ranges; r++) {
        for (uint64_t hole = unused[r].next;
             hole < unused[r].end && hole < dense; hole++) {
            do
                source--;
            while (store_in_ranges(unused, ranges, source));
            memcpy(store_stored(store, hole), store_stored(store, source),
                   store->stored_words * sizeof(uint64_t));
            if (store->with_keys)
                atomic_store_explicit(
                    store_key_slot(store, hole),
                    atomic_load_explicit(store_key_slot(store, source),
                                         memory_order_relaxed),
                    memory_order_relaxed);
            uint16_t *tag = store_tag_slot(store, hole);
            if (tag != NULL)
                *tag = state_store_tag(store, source);
            /* A compact table keeps no ids: only the arena changes.  The
             * entry still names `source` until it is repointed. */
            if (!store->compact)
                store_repoint(store, store_find_entry(store, source), hole);
        }
    }
    atomic_store(&store->count, dense);
    free(unused);
    return 0;
}

/* Copies the stored forms of ids id .. id + count - 1 into `words`, and
 * their tags into `tags` (unless NULL; a chunk of tags never allocated
 * reads as zeros), a chunk of the arena at a time; or, unless `saving`,
 * writes them back to those ids (tags into chunks of tags that exist). */
static void store_copy_ids(state_store *store, uint64_t id, uint64_t count,
                           uint64_t *words, uint16_t *tags, bool saving)
{
    size_t stored_words = store->stored_words;
    while (count > 0) {
        uint64_t part = count;
        store_cut_at_chunk(store, id, &part);
        uint64_t *stored = store_stored(store, id);
        size_t bytes = part * stored_words * sizeof *words;
        uint16_t *tag = tags != NULL ? store_tag_slot(store, id) : NULL;
        if (saving) {
            memcpy(words, stored, bytes);
            if (tag != NULL)
                memcpy(tags, tag, part * sizeof *tags);
            else if (tags != NULL)
                memset(tags, 0, part * sizeof *tags);
        } else {
            memcpy(stored, words, bytes);
            if (tag != NULL)
                memcpy(tag, tags, part * sizeof *tags);
        }
        id += part;
        count -= part;
        words += part * stored_words;
        tags = tags != NULL ? tags + part : NULL;
    }
}

/* Moves the stored forms and tags of ids from .. from + count - 1 to ids
 * to .. to + count - 1, to <= from (the ranges may overlap). */
static void store_move_down(state_store *store, uint64_t to, uint64_t from,
                            uint64_t count, bool tagged)
{
    size_t stored_words = store->stored_words;
    while (count > 0) {
        /* A piece within one chunk on both sides, upwards: what a piece
         * overwrites, the pieces before it have read. */
        uint64_t part = count;
        store_cut_at_chunk(store, to, &part);
        store_cut_at_chunk(store, from, &part);
        memmove(store_stored(store, to), store_stored(store, from),
                part * stored_words * sizeof(uint64_t));
        uint16_t *target = tagged ? store_tag_slot(store, to) : NULL;
        const uint16_t *source = tagged ? store_tag_slot(store, from) : NULL;
        if (target != NULL && source != NULL)
            memmove(target, source, part * sizeof *target);
        else if (target != NULL)
            memset(target, 0, part * sizeof *target);
        to += part;
        from += part;
        count -= part;
    }
}

/* The used ids of the blocks: all of [first, handed) but their unused
 * tails.  True when `runs` covers as many ids, all in that range and none
 * in those tails (that they do not overlap is checked once sorted). */
static bool store_runs_fit(const state_store_ids *blocks, size_t count,
                           uint64_t first, uint64_t handed,
                           const state_store_run *runs, size_t run_count,
                           uint64_t *total)
{
    uint64_t holes = 0;
    for (size_t i = 0; i < count; i++)
        if (blocks[i].next < blocks[i].end)
            holes += blocks[i].end - blocks[i].next;
    *total = 0;
    for (size_t r = 0; r < run_count; r++) {
        if (runs[r].first < first || runs[r].end > handed ||
            runs[r].first > runs[r].end)
            return false;
        for (size_t i = 0; i < count; i++)
            if (runs[r].first < blocks[i].end &&
                blocks[i].next < runs[r].end)
                return false;
        *total += runs[r].end - runs[r].first;
    }
    return first <= handed && *total + holes == handed - first;
}

/*
 * Renumbering in place (state_store_close_ids_in_order).  The runs are
 * written one after the other from `first` up.  Before a run is written
 * over the ids of runs still to come, those runs are saved, whole, into a
 * ring of scratch space; a run then comes from the ring if it was saved,
 * else it moves down from its ids.  Runs are saved in the order of their
 * ids and written in about that order, so the ring holds a few blocks of
 * ids at a time: a plan, which moves nothing, first measures how many.
 */
typedef struct store_order {
    const state_store_run *runs;
    size_t run_count;
    uint32_t *by_id;          /* runs in the order of their first ids */
    uint32_t *saved;          /* runs in the order they were saved */
    uint64_t *ring_place;     /* a saved run's place in the ring, counted
                                 without wrapping; UINT64_MAX: not saved */
    bool *written;
    uint64_t ring_size;       /* 0: the plan, which moves nothing */
    uint64_t *ring_words;     /* ring_size stored forms */
    uint16_t *ring_tags;      /* ... and their tags; NULL without tags */
    uint64_t ring_most;       /* the most the ring held */
} store_order;

static uint64_t store_run_length(const state_store_run *run)
{
    return run->end - run->first;
}

/* Copies `count` states between ids `id` on and the ring from place
 * `place` on (wrapping): into the ring when `saving`. */
static void store_ring_copy(state_store *store, const store_order *order,
                            uint64_t place, uint64_t id, uint64_t count,
                            bool saving)
{
    size_t words = store->stored_words;
    while (count > 0) {
        uint64_t at = place % order->ring_size;
        uint64_t part = order->ring_size - at;
        part = part < count ? part : count;
        store_copy_ids(store, id, part, order->ring_words + at * words,
                       order->ring_tags != NULL ? order->ring_tags + at
                                                : NULL,
                       saving);
        place += part;
        id += part;
        count -= part;
    }
}

/* Writes the runs in order from `first` on; the plan only measures the
 * ring (order->ring_most). */
static void store_order_runs(state_store *store, store_order *order,
                             uint64_t first)
{
    const state_store_run *runs = order->runs;
    bool moving = order->ring_size != 0;
    uint64_t ring_start = 0, ring_end = 0;   /* places, without wrapping */
    size_t next_by_id = 0, saved_count = 0, oldest_saved = 0;
    uint64_t at = first;
    for (size_t r = 0; r < order->run_count; r++) {
        order->written[r] = false;
        order->ring_place[r] = UINT64_MAX;
    }
    for (size_t r = 0; r < order->run_count; r++) {
        uint64_t length = store_run_length(&runs[r]);
        /* Save the runs to come that lie, in part, below this one's end. */
        while (next_by_id < order->run_count &&
               runs[order->by_id[next_by_id]].first < at + length) {
            uint32_t other = order->by_id[next_by_id++];
            if (other == r || order->written[other])
                continue;
            uint64_t other_length = store_run_length(&runs[other]);
            if (moving)
                store_ring_copy(store, order, ring_end, runs[other].first,
                                other_length, true);
            order->ring_place[other] = ring_end;
            ring_end += other_length;
            order->saved[saved_count++] = other;
            if (ring_end - ring_start > order->ring_most)
                order->ring_most = ring_end - ring_start;
        }
        /* Not saved, the run lies at or above `at`: it moves down. */
        if (moving && order->ring_place[r] != UINT64_MAX)
            store_ring_copy(store, order, order->ring_place[r], at, length,
                            false);
        else if (moving && runs[r].first != at)
            store_move_down(store, at, runs[r].first, length,
                            order->ring_tags != NULL);
        order->written[r] = true;
        /* The ring's oldest runs, once written, give their room back. */
        while (oldest_saved < saved_count &&
               order->written[order->saved[oldest_saved]]) {
            ring_start += store_run_length(&runs[order->saved[oldest_saved]]);
            oldest_saved++;
        }
        at += length;
    }
}

/* Sorts `order`, `count` indices of runs, by the runs' first ids: a merge
 * sort, bottom up, through `spare` (as long).  Returns the array that holds
 * the result: `order` or `spare`. */
static uint32_t *store_sort_runs_by_id(const state_store_run *runs,
                                       uint32_t *order, uint32_t *spare,
                                       size_t count)
{
    for (size_t width = 1; width < count; width *= 2) {
        for (size_t low = 0; low < count; low += 2 * width) {
            size_t middle = low + width < count ? low + width : count;
            size_t high = middle + width < count ? middle + width : count;
            size_t left = low, right = middle, at = low;
            while (left < middle && right < high)
                spare[at++] = runs[order[right]].first < runs[order[left]].first
                                  ? order[right++]
                                  : order[left++];
            while (left < middle)
                spare[at++] = order[left++];
            while (right < high)
                spare[at++] = order[right++];
        }
        uint32_t *swap = order;
        order = spare;
        spare = swap;
    }
    return order;
}

int state_store_close_ids_in_order(state_store *store, state_store_ids *blocks,
                                   size_t count, uint64_t first,
                                   const state_store_run *runs,
                                   size_t run_count)
{
    uint64_t handed = atomic_load(&store->count), total;
    if (!store->compact || store->with_keys ||
        !store_runs_fit(blocks, count, first, handed, runs, run_count,
                        &total))
        return -1;
    /* After a failure some ids may have no room in the arena. */
    if (atomic_load(&store->failed) || run_count == 0 ||
        run_count > UINT32_MAX)
        return state_store_close_ids(store, blocks, count);
    bool tagged = store->tag_chunks != NULL;
    store_order order = {
        .runs = runs,
        .run_count = run_count,
        .by_id = malloc(run_count * sizeof *order.by_id),
        .saved = malloc(run_count * sizeof *order.saved),
        .ring_place = malloc(run_count * sizeof *order.ring_place),
        .written = malloc(run_count * sizeof *order.written),
    };
    bool ok = order.by_id != NULL && order.saved != NULL &&
              order.ring_place != NULL && order.written != NULL;
    bool overlapping = false;
    uint64_t ring_bytes = 0;
    if (ok) {
        for (size_t r = 0; r < run_count; r++)
            order.by_id[r] = (uint32_t)r;
        /* `saved` is free until the runs are written. */
        uint32_t *sorted = store_sort_runs_by_id(runs, order.by_id,
                                                 order.saved, run_count);
        if (sorted != order.by_id)
            memcpy(order.by_id, sorted, run_count * sizeof *order.by_id);
        for (size_t k = 1; k < run_count; k++)
            overlapping = overlapping || runs[order.by_id[k - 1]].end >
                                             runs[order.by_id[k]].first;
        ok = !overlapping;
    }
    if (ok) {
        store_order_runs(store, &order, first);
        /* At least 1, which tells store_order_runs to move. */
        order.ring_size = order.ring_most > 0 ? order.ring_most : 1;
        ring_bytes = order.ring_size *
                     (store->stored_words * sizeof(uint64_t) +
                      (tagged ? sizeof(uint16_t) : 0));
        ok = store_charge(store, ring_bytes);
        if (!ok)
            ring_bytes = 0;
    }
    if (ok) {
        order.ring_words = malloc(order.ring_size * store->stored_words *
                                  sizeof *order.ring_words);
        order.ring_tags =
            tagged ? malloc(order.ring_size * sizeof *order.ring_tags) : NULL;
        ok = order.ring_words != NULL && (!tagged || order.ring_tags != NULL);
    }
    if (ok) {
        store_order_runs(store, &order, first);
        for (size_t i = 0; i < count; i++)
            blocks[i].next = blocks[i].end = 0;
        atomic_store(&store->count, first + total);
    }
    free(order.by_id);
    free(order.saved);
    free(order.ring_place);
    free(order.written);
    free(order.ring_words);
    free(order.ring_tags);
    store_discharge(store, ring_bytes);
    if (overlapping)
        return -1;
    /* The order is only a preference: short of memory, close as usual. */
    return ok ? 0 : state_store_close_ids(store, blocks, count);
}

int state_store_reorder(state_store *store, uint64_t first,
                        const uint64_t *order, unsigned threads)
{
    uint64_t count = atomic_load(&store->count);
    int64_t n = (int64_t)(count - first);
    uint64_t *entries = malloc((n ? (size_t)n : 1) * sizeof *entries);
    size_t words = store->stored_words;
    uint64_t *stored = malloc((n ? (size_t)n : 1) * words * sizeof *stored);
    uint64_t *keys = malloc((n ? (size_t)n : 1) * sizeof *keys);
    if (entries == NULL || stored == NULL || keys == NULL) {
        free(entries);
        free(stored);
        free(keys);
        return -1;
    }
    /* Three passes, each independent from state to state.  First: where
     * each state's entry is, while the ids still match (a compact table
     * keeps no ids), a batch at a time as in growth. */
    if (!store->compact) {
        int64_t blocks = (n + STORE_GROW_BATCH - 1) / STORE_GROW_BATCH;
#pragma omp parallel for num_threads(threads) schedule(static) if (n > 4096)
        for (int64_t block = 0; block < blocks; block++) {
            uint64_t begin = first + (uint64_t)block * STORE_GROW_BATCH;
            uint64_t end = begin + STORE_GROW_BATCH < count
                               ? begin + STORE_GROW_BATCH
                               : count;
            uint64_t hashes[STORE_GROW_BATCH];
            store_hash_batch(store, store->table, store->table_size - 1,
                             begin, end, hashes);
            for (uint64_t id = begin; id < end; id++)
                entries[id - first] =
                    store_find_entry_hashed(store, id, hashes[id - begin]);
        }
    }
    /* Then gather in the new order... */
#pragma omp parallel for num_threads(threads) schedule(static) if (n > 4096)
    for (int64_t i = 0; i < n; i++) {
        memcpy(stored + (uint64_t)i * words, store_stored(store, order[i]),
               words * sizeof *stored);
        keys[i] = store_key(store, order[i]);
    }
    /* ... and put back, pointing each entry at its new id (fetched some
     * states ahead). */
#pragma omp parallel for num_threads(threads) schedule(static) if (n > 4096)
    for (int64_t i = 0; i < n; i++) {
        uint64_t id = first + (uint64_t)i;
        if (!store->compact && i + STORE_GROW_BATCH < n)
            support_prefetch_for_write(
                &store->table[entries[order[i + STORE_GROW_BATCH] - first]]);
        memcpy(store_stored(store, id), stored + (uint64_t)i * words,
               words * sizeof *stored);
        if (store->with_keys)
            atomic_store_explicit(store_key_slot(store, id), keys[i],
                                  memory_order_relaxed);
        if (!store->compact)
            store_repoint(store, entries[order[i] - first], id);
    }
    free(entries);
    free(stored);
    free(keys);
    return 0;
}
