/* store_grow.c — growing a store's tables (see store.h for the design):
 * when a table wants to grow and the room left, placing entries, the
 * growth of a table of ids into a new table on several threads and of a
 * compact table in place (its sweep by bands), and filling an empty store.
 * Apart from store.c because growth runs while no thread inserts: nothing
 * here is on the insert path, which stays whole in store.c. */
#include "store_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <omp.h>

/* A grown compact table's sweep goes by bands on several threads down to
 * this many entries, while each band is more than 1/STORE_SWEEP_BAND_THIN
 * of what is left. */
#define STORE_SWEEP_BAND_MIN ((uint64_t)1 << 16)
#define STORE_SWEEP_BAND_THIN 64

/* ---- growth ----------------------------------------------------------- */

static bool store_table_wants_growth(const state_store *store)
{
    return atomic_load_explicit(&store->count, memory_order_relaxed) * 4 >=
           store->table_size * 3;
}

bool state_store_wants_growth(const state_store *store)
{
    return store_table_wants_growth(store) ||
           (store->dictionary != NULL &&
            store_table_wants_growth(store->dictionary));
}

/* Dictionary entries a new state adds at most: its words, and the pairs of
 * its tree but the root. */
static uint64_t store_parts(const state_store *store)
{
    return store->words * 2 - 2;
}

uint64_t state_store_room(const state_store *store)
{
    uint64_t room = store->table_size / 8;
    if (store->dictionary != NULL) {
        uint64_t words = store->dictionary->table_size / 8 / store_parts(store);
        room = words < room ? words : room;
    }
    return room;
}

/* Puts `id` (its root hashing to `hash`) into `table` of 2^`table_log`
 * entries, which holds no duplicate of it; other threads may place other
 * ids at the same time. */
static void store_place(_Atomic uint32_t *table, unsigned table_log,
                        uint64_t hash, uint64_t id)
{
    uint64_t mask = ((uint64_t)1 << table_log) - 1;
    uint64_t slot = hash & mask;
    uint32_t entry = store_tag(table_log, hash) | (uint32_t)(id + 1);
    for (;;) {
        uint32_t empty = 0;
        if (atomic_compare_exchange_weak_explicit(&table[slot], &empty, entry,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
            return;
        if (empty != 0)
            slot = (slot + 1) & mask;
    }
}

/* Puts `code` into a compact store's table, which does not hold it; other
 * threads may place other codes at the same time. */
static void store_place_code(state_store *store, uint64_t code)
{
    if (code == 0) {
        atomic_store(&store->zero_present, true);
        return;
    }
    uint64_t slot = store_code_slot(store, code);
    for (;;) {
        uint64_t empty = 0;
        if (atomic_compare_exchange_weak_explicit(&store->codes[slot], &empty,
                                                  code, memory_order_relaxed,
                                                  memory_order_relaxed))
            return;
        if (empty != 0)
            slot = store_next_code_slot(store->table_size, slot);
    }
}

/* A code that growth must place after the sweep (store_grow_compact). */
typedef struct store_deferred {
    uint64_t *codes;
    size_t count, size;
} store_deferred;

static bool store_defer(store_deferred *deferred, uint64_t code)
{
    if (deferred->count == deferred->size) {
        size_t size = deferred->size ? deferred->size * 2 : 1024;
        uint64_t *codes = realloc(deferred->codes, size * sizeof *codes);
        if (codes == NULL)
            return false;
        deferred->codes = codes;
        deferred->size = size;
    }
    deferred->codes[deferred->count++] = code;
    return true;
}

/* Makes the kernel supply the zeroed pages of [start, start + size) now,
 * on `threads` threads, rather than one by one as the sweep first writes
 * there.  One write per small page faults in a huge page or a small one
 * alike.  Also on one thread, and for a growth of a few pages: the sweep
 * reads a page before it writes there, and a read first maps the kernel's
 * shared zero page, which the write then replaces by a fault of its own,
 * several times dearer than a fault on untouched memory (SwimmingPool-PT-02
 * on one thread, perf at 5,000 samples a second: 35 to 166 samples in
 * clearing pages instead of 377 to 910, in runs of 0.39 to 0.60 s).  With
 * two threads, that replacement also interrupts the other thread to flush
 * its TLB: while growths below 4 MiB were left untouched, a search of
 * Kanban-PT-00005 took about 510 TLB interrupts (/proc/interrupts), 32
 * since.  Each thread asks for its share in one call where the kernel
 * can (support_pages_populate), which on this project's benchmark
 * machine, a virtual one where a fault is dear, costs half of a fault a
 * page: Philosophers-PT-000010, whose tables stay below a huge page,
 * searched in 14 ms instead of 18 on two threads, medians of 9
 * interleaved runs. */
static void store_touch_pages(unsigned char *start, uint64_t size,
                              unsigned threads)
{
    const uint64_t page_bytes = 4096;
    uint64_t pages = size / page_bytes;
    /* A few pages are not worth waking the other threads. */
    unsigned used = threads > 1 && size >= 2 * SUPPORT_HUGE_PAGE ? threads : 1;
#pragma omp parallel num_threads(used)
    {
        uint64_t share = (pages + used - 1) / used;
        uint64_t first = (uint64_t)omp_get_thread_num() * share;
        uint64_t last = first + share < pages ? first + share : pages;
        if (first < last &&
            !support_pages_populate(start + first * page_bytes,
                                    (last - first) * page_bytes))
            for (uint64_t page = first; page < last; page++)
                atomic_store_explicit(
                    (_Atomic unsigned char *)(start + page * page_bytes), 0,
                    memory_order_relaxed);
    }
}

/* The size a compact table of `size` entries grows to (see
 * STORE_COMPACT_STEP_FROM), or `size` at the largest. */
static uint64_t store_compact_grown_size(const state_store *store,
                                         uint64_t size)
{
    uint64_t grown = size < store->quadruple_below ? size * 4 : size * 2;
    uint64_t quarter_from = store->quarter_from;
    if (store->narrow_levels)
        quarter_from >>= STORE_COMPACT_NARROW_SHIFT;
    if (size >= quarter_from) {
        grown = size + size / 4 + STORE_COMPACT_STEP_ROUND - 1;
        grown -= grown % STORE_COMPACT_STEP_ROUND;
    }
    return grown < STORE_COMPACT_MAX_SIZE ? grown : STORE_COMPACT_MAX_SIZE;
}

/* The one-thread sweep of a grown compact table (below) over old slots
 * [0, high), all of whose entries at or above `high` are placed. */
static bool store_sweep_down(state_store *store, uint64_t high,
                             store_deferred *deferred)
{
    _Atomic uint64_t *codes = store->codes;
    uint64_t size = store->table_size;
    bool ok = true;
    for (uint64_t at = high; at-- > 0;) {
        uint64_t code = atomic_load_explicit(&codes[at], memory_order_relaxed);
        if (code == 0)
            continue;
        atomic_store_explicit(&codes[at], 0, memory_order_relaxed);
        uint64_t slot = store_code_slot(store, code);
        while (slot >= at && slot < size && codes[slot] != 0)
            slot++;
        if (slot >= at && slot < size)
            atomic_store_explicit(&codes[slot], code, memory_order_relaxed);
        else
            ok = store_defer(deferred, code) && ok;
    }
    return ok;
}

/* The first slot of a grown compact table at which codes whose first slot
 * was `old_slot` or above in the table of `old_size` entries can start. */
static uint64_t store_grown_slot(uint64_t old_slot, uint64_t old_size,
                                 uint64_t size)
{
    return (uint64_t)(((unsigned __int128)old_slot * size + old_size - 1) /
                      old_size);
}

/*
 * The sweep of a grown compact table shared out among threads, band by
 * band from the top.  Let `high` be the bottom of what is swept already:
 * every entry at or above it is placed.  The entries of old slots
 * [low, high) whose new first slot is `high` or above move only into
 * slots at or above `high`, and no thread writes below it.  So they can
 * move at the same time: each thread takes a part of the band and moves
 * its entries into the new slots where codes of that part start, which
 * no other thread reads or writes (so plain stores, no compare-and-swap).
 * Slots whose entries are placed are never emptied again, so no probe
 * ever meets a hole.  With `low` the first old slot whose codes start at
 * or above `high` in the new size (about high / growth), only entries
 * pushed into a part from below start outside its slots, and only a
 * probe that runs past the part's last slot leaves them: such entries
 * are deferred.  Bands stop when they get small; the rest is left to the
 * one-thread sweep.  Returns where that sweep starts, and false in *ok
 * when a deferred code found no memory.
 */
static uint64_t store_sweep_bands(state_store *store, uint64_t old_size,
                                  unsigned threads, store_deferred *deferred,
                                  bool *ok)
{
    _Atomic uint64_t *codes = store->codes;
    uint64_t size = store->table_size;
    uint64_t high = old_size;
    bool all_ok = true;
#pragma omp parallel num_threads(threads) reduction(&& : all_ok)
    {
        unsigned thread = (unsigned)omp_get_thread_num();
        unsigned parts = (unsigned)omp_get_num_threads();
        store_deferred *own = &deferred[thread];
        uint64_t band_high = old_size;
        for (;;) {
            uint64_t low = (uint64_t)(((unsigned __int128)band_high *
                                           old_size +
                                       size - 1) /
                                      size);
            /* Small bands are not worth their barriers, nor are thin ones
             * (a table grown by little). */
            if (band_high < STORE_SWEEP_BAND_MIN ||
                (band_high - low) * STORE_SWEEP_BAND_THIN < band_high)
                break;
            uint64_t width = band_high - low;
            uint64_t first = low + width * thread / parts;
            uint64_t last = low + width * (thread + 1) / parts;
            uint64_t from = thread == 0
                                ? band_high
                                : store_grown_slot(first, old_size, size);
            uint64_t to = thread + 1 == parts
                              ? size
                              : store_grown_slot(last, old_size, size);
            for (uint64_t at = first; at < last; at++) {
                uint64_t code = atomic_load_explicit(&codes[at],
                                                     memory_order_relaxed);
                if (code == 0)
                    continue;
                atomic_store_explicit(&codes[at], 0, memory_order_relaxed);
                uint64_t slot = store_code_slot(store, code);
                while (slot >= from && slot < to &&
                       atomic_load_explicit(&codes[slot],
                                            memory_order_relaxed) != 0)
                    slot++;
                if (slot >= from && slot < to)
                    atomic_store_explicit(&codes[slot], code,
                                          memory_order_relaxed);
                else
                    all_ok = store_defer(own, code) && all_ok;
            }
            band_high = low;
#pragma omp barrier
        }
#pragma omp single
        high = band_high;
    }
    *ok = all_ok;
    return high;
}

/*
 * Grows a compact table in place.  The table is remapped to its new size,
 * the new part empty.  An entry whose first slot was s now starts at s or
 * above (store_code_slot), about s times the growth, and in a linear probe
 * an entry sits at most a few slots past its start: so a sweep from the top
 * down, taking each entry out and placing it again, almost only writes at
 * or above where it reads.  Slots at or above the sweep hold only placed
 * entries; an entry whose probe would start below the sweep (near the
 * start, or one that had wrapped around the end) or wrap past the end is
 * deferred and placed after the sweep.  So growing needs no second table:
 * a table of 2^31 codes (16 GiB) grows from one of 12.8 GiB within 16 GiB.
 * On several threads the sweep goes by bands (store_sweep_bands).
 */
static int store_grow_compact(state_store *store, unsigned threads)
{
    uint64_t old_size = store->table_size;
    uint64_t size = store_compact_grown_size(store, old_size);
    if (size == old_size)
        return -1;
    uint64_t old_bytes = store_table_bytes(store, old_size);
    store_spares_release(store);
    if (size > old_size * 2 &&
        !store_fits(store, store_table_bytes(store, size) - old_bytes))
        size = old_size * 2;
    uint64_t bytes = store_table_bytes(store, size);
    /* One list of deferred codes per thread, before anything changes. */
    unsigned lists = threads > 1 ? threads : 1;
    store_deferred *deferred = calloc(lists, sizeof *deferred);
    if (deferred == NULL || !store_charge(store, bytes - old_bytes)) {
        free(deferred);
        return -1;
    }
    _Atomic uint64_t *codes =
        store_pages_resize((void *)store->codes, old_bytes, bytes);
    if (codes == NULL) {
        store_discharge(store, bytes - old_bytes);
        free(deferred);
        return -1;
    }
    store->codes = codes;
    store->table_size = size;
    store_touch_pages((unsigned char *)codes + old_bytes, bytes - old_bytes,
                      threads);
    bool ok = true;
    uint64_t high = old_size;
    if (lists > 1 && old_size >= STORE_SWEEP_BAND_MIN)
        high = store_sweep_bands(store, old_size, lists, deferred, &ok);
    ok = store_sweep_down(store, high, &deferred[0]) && ok;
    for (unsigned list = 0; list < lists; list++) {
        for (size_t i = 0; i < deferred[list].count; i++)
            store_place_code(store, deferred[list].codes[i]);
        free(deferred[list].codes);
    }
    free(deferred);
    if (!ok) {
        /* Codes were lost: the set is no longer whole. */
        atomic_store(&store->failed, true);
        return -1;
    }
    return 0;
}

/* Hashes the stored forms of states [first, last), at most
 * STORE_GROW_BATCH of them, into `hashes`, and asks for their entries in
 * `table` (of mask + 1 entries): the entries are scattered, so a batch of
 * them is fetched at once. */
void store_hash_batch(const state_store *store, _Atomic uint32_t *table,
                      uint64_t mask, uint64_t first, uint64_t last,
                      uint64_t *hashes)
{
    for (uint64_t id = first; id < last; id++) {
        hashes[id - first] = store_hash(store, store_stored(store, id));
        __builtin_prefetch((const void *)&table[hashes[id - first] & mask]);
    }
}

/* Grows one table, placing every stored root again: a table of ids
 * doubles, or quadruples while small (STORE_QUADRUPLE_BELOW). */
static int store_grow_table(state_store *store, unsigned threads)
{
    if (store->compact)
        return store_grow_compact(store, threads);
    if (store->table_log >= STORE_MAX_TABLE_LOG)
        return -1;
    unsigned log = store->table_log + 1;
    if (((uint64_t)1 << store->table_log) < store->quadruple_below &&
        store_fits(store, ((uint64_t)4 << store->table_log) * sizeof(uint32_t)))
        log++;
    uint64_t size = (uint64_t)1 << log;
    /* Both tables live while the roots move over. */
    if (!store_charge(store, size * sizeof(uint32_t)))
        return -1;
    _Atomic uint32_t *table = store_pages_alloc(size * sizeof(uint32_t));
    if (table == NULL) {
        store_discharge(store, size * sizeof(uint32_t));
        return -1;
    }
    /* With a large table this is the one pass over all states, so it is
     * shared out like the search. */
    int64_t count = (int64_t)atomic_load(&store->count);
    int64_t blocks = (count + STORE_GROW_BATCH - 1) / STORE_GROW_BATCH;
#pragma omp parallel for num_threads(threads ? threads : 1) schedule(static) \
    if (threads > 1 && count > 65536)
    for (int64_t block = 0; block < blocks; block++) {
        /* The new entries are scattered: fetch a batch of them at once. */
        uint64_t first = (uint64_t)block * STORE_GROW_BATCH;
        uint64_t last = first + STORE_GROW_BATCH < (uint64_t)count
                            ? first + STORE_GROW_BATCH
                            : (uint64_t)count;
        uint64_t hashes[STORE_GROW_BATCH];
        store_hash_batch(store, table, size - 1, first, last, hashes);
        for (uint64_t id = first; id < last; id++)
            store_place(table, log, hashes[id - first], id);
    }
    store_pages_free((void *)store->table, store->table_size * sizeof(uint32_t));
    store_discharge(store, store->table_size * sizeof(uint32_t));
    store->table = table;
    store->table_size = size;
    store->table_log = log;
    return 0;
}

int state_store_grow(state_store *store, unsigned threads)
{
    bool dictionary = store->dictionary != NULL &&
                      store_table_wants_growth(store->dictionary);
    bool roots = store_table_wants_growth(store) || !dictionary;
    if (dictionary && store_grow_table(store->dictionary, threads) != 0)
        return -1;
    if (roots && store_grow_table(store, threads) != 0)
        return -1;
    return 0;
}

int state_store_fill(state_store *store, uint64_t count,
                     state_store_fill_fn fill, void *context,
                     unsigned threads)
{
    threads = threads ? threads : 1;
    if (atomic_load(&store->count) != 0 || count > STORE_MAX_STATES)
        return -1;
    /* Room below the load at which the explorer would grow it anyway. */
    while (count * 4 >= store->table_size * 3)
        if (store_grow_table(store, threads) != 0)
            return -1;
    for (uint64_t id = 0; id < count;
         id = ((id >> store->chunk_shift) + 1) << store->chunk_shift)
        if (!store_ensure_chunk(store, id))
            return -1;
    uint64_t *vectors = malloc(threads * store->words * sizeof *vectors);
    if (vectors == NULL)
        return -1;
    atomic_store(&store->count, count);
    atomic_bool failed = false;
    /* In rounds that cannot fill the dictionary, which grows in between. */
    for (uint64_t done = 0; done < count && !atomic_load(&failed);) {
        uint64_t round = count - done;
        if (store->dictionary != NULL) {
            while (store_table_wants_growth(store->dictionary) ||
                   state_store_room(store) == 0)
                if (store_grow_table(store->dictionary, threads) != 0) {
                    free(vectors);
                    return -1;
                }
            uint64_t room = state_store_room(store);
            round = room < round ? room : round;
        }
        int64_t first = (int64_t)done, last = (int64_t)(done + round);
#pragma omp parallel for num_threads(threads) schedule(static) \
    if (threads > 1 && round > 65536)
        for (int64_t i = first; i < last; i++) {
            uint64_t id = (uint64_t)i, key = 0;
            uint64_t *vector =
                vectors + (size_t)omp_get_thread_num() * store->words;
            uint64_t *stored = store_stored(store, id);
            fill(context, id, vector, &key);
            if (state_store_fold(store, vector, stored) >= STORE_FULL) {
                atomic_store(&failed, true);
                continue;
            }
            if (store->with_keys)
                atomic_store_explicit(store_key_slot(store, id), key,
                                      memory_order_relaxed);
            if (store->compact)
                store_place_code(store, store_hash(store, stored));
            else
                store_place(store->table, store->table_log,
                            store_hash(store, stored), id);
        }
        done += round;
    }
    free(vectors);
    return atomic_load(&failed) ? -1 : 0;
}
