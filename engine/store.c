/* store.c — see store.h for the design. */
#define _GNU_SOURCE   /* mremap: a compact table grows in place */
#include "store.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include <sys/mman.h>

#include "support.h"

/* A table entry: 0 is empty; otherwise BUSY while the stored form is being
 * written, the hash tag in the bits above the id, and id + 1 in the low
 * table_log bits (ids stay below 7/8 of the table's size, so they fit). */
#define STORE_BUSY ((uint32_t)1 << 31)
#define STORE_MAX_TABLE_LOG 31
/* A compact table doubles while small (quadruples while smaller still:
 * STORE_QUADRUPLE_BELOW), then grows by a quarter, in whole
 * huge pages of codes: past 3/4 load it comes back at 3/5 load, not 3/8,
 * so that a large search keeps 11 to 13 bytes of table per state instead
 * of 11 to 21.  The price is more, smaller growths, each a sweep of the
 * table: summed, five times the last table's size instead of twice.  So
 * small tables, where memory matters least and the sweeps would be the
 * largest share of the search, double.  By a quarter from 2^22 entries
 * instead, Peterson-PT-3 peaked at 53 MiB instead of 77 and
 * BridgeAndVehicles-PT-V20P10N10 at 93 instead of 141, but Dekker-PT-020,
 * four growths more, ran 5 to 10 % slower (7 interleaved rounds on two
 * threads: 2.29 s at best, against 2.07 growing as now). */
#define STORE_COMPACT_STEP_FROM ((uint64_t)1 << 24)
#define STORE_COMPACT_STEP_ROUND ((uint64_t)1 << 18)
#define STORE_COMPACT_MAX_SIZE ((uint64_t)1 << STORE_MAX_TABLE_LOG)
/* Tables of fewer entries than this (up to 8 MiB of codes, 4 MiB of ids)
 * grow four times over instead of doubling, where the budget allows: a
 * growth costs a search more than its sweep (the level pauses, the id
 * blocks close, spare chunks go back to the kernel, fresh pages fault in),
 * and a table this small is a small part of the memory of a search that
 * outgrows it.  Interleaved runs of `statespace`, 9 rounds, whole command
 * (min), doubling / quadrupling: one thread Kanban-PT-00005 0.253 / 0.231 s,
 * SharedMemory-PT-000010 0.155 / 0.136, Peterson-PT-3 0.374 / 0.349; two
 * threads 0.170 / 0.154, 0.100 / 0.083, 0.217 / 0.203.  `check` (a table
 * of ids), 7 rounds, one thread: Kanban 0.550 / 0.518, SharedMemory
 * 0.435 / 0.390.  The price: a search whose table would have stopped at
 * 2^15, 2^17, 2^19 or 2^21 entries has one twice as large (Dekker-PT-015,
 * 278,528 states, peaks at 78 bytes per state instead of 63).  Tables
 * that end at 2^22 entries or more are as before. */
#define STORE_QUADRUPLE_BELOW ((uint64_t)1 << 21)

/* Arena chunks hold a power of two of stored forms, about 2 MiB: one huge
 * page each.  A search that forgets the levels behind it holds the chunks
 * its frontier touches, the first and last of them partly used, so smaller
 * chunks lower its peak: Dekker-PT-020 on two threads peaked at 182.3-182.6
 * MB with chunks of 2 MiB, at 184.3-185.0 MB with chunks of 4 MiB, in as
 * many seconds. */
#define STORE_CHUNK_BYTES ((uint64_t)2 << 20)
#define STORE_HUGE_PAGE ((size_t)2 << 20)
/* Blocks from this size on come from the kernel and go back to it when
 * freed: the allocator would keep freed chunks of tags (512 KiB) in its
 * heap, and a long search would hold a heap of them. */
#define STORE_MAPPED_FROM ((size_t)256 << 10)
/* Codes of a compact table in a cache line, less one. */
#define STORE_CODES_PER_LINE_MASK ((uint64_t)7)
/* Entries state_store_prefetch_stored looks at. */
#define STORE_PREFETCH_PROBES 4
#define STORE_MAX_CHUNKS ((size_t)1 << 16)
/* Bytes of a store's table of chunks (of stored forms, keys or tags): it
 * comes from store_pages_alloc, zero pages the kernel maps only where
 * touched, since a store of a few chunks uses a page of it.  From calloc,
 * which zeroes a block the heap had freed, the three tables were
 * milliseconds of every search's start (and its pilots', explore.c). */
#define STORE_CHUNK_TABLE_BYTES (STORE_MAX_CHUNKS * sizeof(void *))
#define STORE_INITIAL_TABLE_LOG 14
/* States whose table entries growth and renumbering fetch at once. */
#define STORE_GROW_BATCH 32
/* A grown compact table's sweep goes by bands on several threads down to
 * this many entries, while each band is more than 1/STORE_SWEEP_BAND_THIN
 * of what is left. */
#define STORE_SWEEP_BAND_MIN ((uint64_t)1 << 16)
#define STORE_SWEEP_BAND_THIN 64
/* Released chunks a store keeps to use again, of each kind: a search
 * that forgets the levels behind it needs about one as it releases one,
 * and a chunk used again comes without the kernel's page faults and
 * zeroing (on this project's benchmark machine, first touches of fresh
 * memory are a tenth of a search's time).  They go back to the kernel
 * when the table grows, where the peak of memory is: with four kept
 * always, Dekker-PT-020 took 16.1 bytes per state instead of 15.9. */
#define STORE_SPARES 2
/* Ids a thread takes from the shared counter at once. */
#define STORE_ID_BLOCK 128

/* The padding around `count` is wanted (see there).
 * NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding) */
struct state_store {
    size_t words;                   /* 64-bit words per vector */
    size_t stored_words;            /* ... per stored form: 1 with a
                                       dictionary, else `words` */
    unsigned chunk_shift;           /* log2 of states per chunk */
    bool with_keys;

    _Atomic size_t chunks_used;     /* chunks at or past this were never
                                       set: state_store_free stops there */
    _Atomic(uint64_t *) *chunks;    /* STORE_MAX_CHUNKS chunks of stored
                                       forms */
    _Atomic(uint64_t *) *key_chunks;/* same shape, one key per state */
    _Atomic(uint16_t *) *tag_chunks;/* same shape, one tag per state; NULL:
                                       no tags (state_store_enable_tags) */
    size_t tags_forgotten;          /* tag chunks below this were released */

    _Atomic uint32_t *table;
    uint64_t table_size;            /* 2^table_log entries, or any size in
                                       a compact store */
    unsigned table_log;             /* a table of ids only: a compact
                                       table's size is table_size alone */

    /* A compact store keeps codes instead of `table`: a code is the
     * one-word stored form, mixed by a bijection (state_store_hash), and
     * code * table_size / 2^64 is its first slot.  0 is an empty entry; the
     * one form whose code is 0 is marked present by `zero_present`. */
    bool compact;
    _Atomic uint64_t *codes;
    uint64_t quarter_from;          /* entries past which it grows by a
                                       quarter (STORE_COMPACT_STEP_FROM) */
    uint64_t quadruple_below;       /* entries below which a table grows
                                       four times over
                                       (STORE_QUADRUPLE_BELOW) */
    atomic_bool zero_present;
    size_t forgotten;               /* chunks below this were released */
    /* Released chunks of stored forms and of tags, kept to be used again
     * (store_spare_put); NULL: an empty place.  They stay charged. */
    _Atomic(void *) spare_chunks[STORE_SPARES];
    _Atomic(void *) spare_tags[STORE_SPARES];

    /* Vectors of two words or more: the words and pairs of ids they are
     * folded from (a store of one-word vectors, without a dictionary). */
    state_store *dictionary;
    state_store *budget;            /* charged for this store's bytes: the
                                       store itself, or the one this store
                                       is the dictionary of */

    _Atomic uint64_t bytes;
    uint64_t max_bytes;             /* 0: no budget */
    atomic_bool failed;             /* an allocation failed mid-insert */

    /* Ids handed out, in blocks (state_store_ids).  On a cache line of its
     * own: every insert reads the fields above, and a write here must not
     * take that line away from the other threads. */
    _Alignas(64) _Atomic uint64_t count;
    char count_line[64 - sizeof(uint64_t)];
};

/* ---- memory --------------------------------------------------------- */

/* Counts `size` bytes against the budget; false when they do not fit. */
static bool store_charge(state_store *store, uint64_t size)
{
    state_store *budget = store->budget;
    uint64_t now = atomic_fetch_add(&budget->bytes, size) + size;
    if (budget->max_bytes != 0 && now > budget->max_bytes) {
        atomic_fetch_sub(&budget->bytes, size);
        return false;
    }
    return true;
}

/* True when `size` more bytes would fit the budget now. */
static bool store_fits(const state_store *store, uint64_t size)
{
    const state_store *budget = store->budget;
    return budget->max_bytes == 0 ||
           atomic_load(&budget->bytes) + size <= budget->max_bytes;
}

static void store_discharge(state_store *store, uint64_t size)
{
    atomic_fetch_sub(&store->budget->bytes, size);
}

bool state_store_charge(state_store *store, uint64_t bytes)
{
    return store_charge(store, bytes);
}

/* Memory for a table or a chunk of stored forms: large blocks come zeroed
 * straight from the kernel, on huge pages if it agrees, so that random
 * probes and compares miss the TLB less; small ones from calloc. */
static void *store_pages_alloc(size_t size)
{
    return size < STORE_MAPPED_FROM ? calloc(1, size)
                                    : support_pages_map(size, true);
}

static void store_pages_free(void *pages, size_t size)
{
    if (size < STORE_MAPPED_FROM)
        free(pages);
    else
        support_pages_unmap(pages, size);
}

/* Resizes pages from store_pages_alloc, keeping their contents and
 * zeroing the rest; NULL (the old pages intact) when out of memory.  Large
 * ones are remapped: the kernel moves page tables, not bytes, and old and
 * new never need to fit side by side. */
static void *store_pages_resize(void *pages, size_t size, size_t new_size)
{
    if (new_size < STORE_MAPPED_FROM) {
        unsigned char *bigger = realloc(pages, new_size);
        if (bigger != NULL)
            memset(bigger + size, 0, new_size - size);
        return bigger;
    }
    if (size < STORE_MAPPED_FROM) {
        void *bigger = store_pages_alloc(new_size);
        if (bigger != NULL) {
            memcpy(bigger, pages, size);
            free(pages);
        }
        return bigger;
    }
    void *moved = mremap(pages, size, new_size, MREMAP_MAYMOVE);
    if (moved == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(moved, new_size, MADV_HUGEPAGE);
#endif
    return moved;
}

/* Bytes of a table of `entries` entries: codes in a compact store. */
static uint64_t store_table_bytes(const state_store *store, uint64_t entries)
{
    return entries * (store->compact ? sizeof(uint64_t) : sizeof(uint32_t));
}

/* Bytes of one chunk of stored forms, and of one chunk of keys. */
static size_t store_chunk_bytes(const state_store *store)
{
    return ((size_t)1 << store->chunk_shift) * store->stored_words *
           sizeof(uint64_t);
}

static size_t store_key_chunk_bytes(const state_store *store)
{
    return ((size_t)1 << store->chunk_shift) * sizeof(uint64_t);
}

static size_t store_tag_chunk_bytes(const state_store *store)
{
    return ((size_t)1 << store->chunk_shift) * sizeof(uint16_t);
}

static state_store *store_create(size_t words, bool with_keys, bool tree,
                                 bool compact, uint64_t max_bytes,
                                 state_store *budget)
{
    state_store *store = calloc(1, sizeof *store);
    if (store == NULL)
        return NULL;
    store->words = words ? words : 1;
    store->stored_words = tree ? 1 : store->words;
    store->chunk_shift = 6;
    while (((uint64_t)1 << store->chunk_shift) * store->stored_words * 8 <
           STORE_CHUNK_BYTES)
        store->chunk_shift++;
    store->with_keys = with_keys;
    store->max_bytes = max_bytes;
    store->budget = budget ? budget : store;
    store->chunks = store_pages_alloc(STORE_CHUNK_TABLE_BYTES);
    store->key_chunks =
        with_keys ? store_pages_alloc(STORE_CHUNK_TABLE_BYTES) : NULL;
    store->compact = compact;
    store->quarter_from = STORE_COMPACT_STEP_FROM;
    store->quadruple_below = STORE_QUADRUPLE_BELOW;
    store->table_log = STORE_INITIAL_TABLE_LOG;
    store->table_size = (uint64_t)1 << store->table_log;
    void *table = store_pages_alloc(store_table_bytes(store, store->table_size));
    if (compact)
        store->codes = table;
    else
        store->table = table;
    bool ok = store->chunks != NULL && table != NULL &&
              (!with_keys || store->key_chunks != NULL);
    if (ok)
        ok = store_charge(store,
                          sizeof *store +
                              STORE_CHUNK_TABLE_BYTES * (with_keys ? 2 : 1) +
                              store_table_bytes(store, store->table_size));
    if (ok && tree && store->words > 1) {
        store->dictionary =
            store_create(1, false, false, false, 0, store->budget);
        ok = store->dictionary != NULL;
    }
    if (!ok) {
        state_store_free(store);
        return NULL;
    }
    return store;
}

state_store *state_store_create(size_t words, bool with_keys, bool tree,
                                uint64_t max_bytes)
{
    return store_create(words, with_keys, tree, false, max_bytes, NULL);
}

state_store *state_store_create_compact(uint64_t max_bytes)
{
    return store_create(1, false, false, true, max_bytes, NULL);
}

/* Keeps released `pages` of `bytes` bytes among `spares`, still charged,
 * or frees them when there is no room.  Thread-safe. */
static void store_spare_put(state_store *store, _Atomic(void *) *spares,
                            void *pages, size_t bytes)
{
    if (pages == NULL)
        return;
    for (size_t i = 0; i < STORE_SPARES; i++) {
        void *empty = NULL;
        if (atomic_compare_exchange_strong(&spares[i], &empty, pages))
            return;
    }
    store_pages_free(pages, bytes);
    store_discharge(store, bytes);
}

/* Takes pages from `spares`, charged already, or returns NULL when there
 * are none.  Their contents are what they were.  Thread-safe. */
static void *store_spare_take(_Atomic(void *) *spares)
{
    for (size_t i = 0; i < STORE_SPARES; i++) {
        if (atomic_load_explicit(&spares[i], memory_order_relaxed) == NULL)
            continue;
        void *pages = atomic_exchange(&spares[i], NULL);
        if (pages != NULL)
            return pages;
    }
    return NULL;
}

/* Gives `spares`, of `bytes` bytes each, back to the kernel. */
static void store_spares_free(state_store *store, _Atomic(void *) *spares,
                              size_t bytes)
{
    for (size_t i = 0; i < STORE_SPARES; i++) {
        void *pages = atomic_exchange(&spares[i], NULL);
        if (pages != NULL) {
            store_pages_free(pages, bytes);
            store_discharge(store, bytes);
        }
    }
}

/* Gives all the spares back to the kernel.  No insert may run at the same
 * time. */
static void store_spares_release(state_store *store)
{
    store_spares_free(store, store->spare_chunks, store_chunk_bytes(store));
    store_spares_free(store, store->spare_tags, store_tag_chunk_bytes(store));
}

void state_store_free(state_store *store)
{
    if (store == NULL)
        return;
    state_store_free(store->dictionary);
    size_t used = atomic_load(&store->chunks_used);
    for (size_t i = 0; store->chunks != NULL && i < used; i++) {
        /* A chunk whose allocation failed may leave a hole. */
        store_pages_free(atomic_load(&store->chunks[i]),
                         store_chunk_bytes(store));
        if (store->key_chunks != NULL)
            store_pages_free(atomic_load(&store->key_chunks[i]),
                             store_key_chunk_bytes(store));
        if (store->tag_chunks != NULL)
            store_pages_free(atomic_load(&store->tag_chunks[i]),
                             store_tag_chunk_bytes(store));
    }
    store_spares_release(store);
    store_pages_free(store->chunks, STORE_CHUNK_TABLE_BYTES);
    store_pages_free(store->key_chunks, STORE_CHUNK_TABLE_BYTES);
    store_pages_free(store->tag_chunks, STORE_CHUNK_TABLE_BYTES);
    store_pages_free(store->compact ? (void *)store->codes
                                    : (void *)store->table,
                     store_table_bytes(store, store->table_size));
    free(store);
}

/* Makes sure the chunk holding `id` exists; false when out of memory.  A
 * chunk of stored forms may come from the spares with any contents: a
 * stored form is written before it is read.  Tags are 0 until set. */
static bool store_ensure_chunk(state_store *store, uint64_t id)
{
    size_t index = (size_t)(id >> store->chunk_shift);
    if (index >= STORE_MAX_CHUNKS)
        return false;
    if (atomic_load_explicit(&store->chunks[index], memory_order_acquire) !=
        NULL)
        return true;
    bool tagged = store->tag_chunks != NULL;
    uint64_t *chunk = store_spare_take(store->spare_chunks);
    uint16_t *tags = tagged ? store_spare_take(store->spare_tags) : NULL;
    /* What the spares bring is charged already. */
    uint64_t held = (chunk != NULL ? store_chunk_bytes(store) : 0) +
                    (tags != NULL ? store_tag_chunk_bytes(store) : 0);
    uint64_t size = store_chunk_bytes(store) +
                    (store->with_keys ? store_key_chunk_bytes(store) : 0) +
                    (tagged ? store_tag_chunk_bytes(store) : 0) - held;
    if (!store_charge(store, size)) {
        store_spare_put(store, store->spare_chunks, chunk,
                        store_chunk_bytes(store));
        store_spare_put(store, store->spare_tags, tags,
                        store_tag_chunk_bytes(store));
        return false;
    }
    size += held;
    if (chunk == NULL)
        chunk = store_pages_alloc(store_chunk_bytes(store));
    if (tags != NULL)
        memset(tags, 0, store_tag_chunk_bytes(store));
    else if (tagged)
        tags = store_pages_alloc(store_tag_chunk_bytes(store));
    uint64_t *keys = store->with_keys
                         ? store_pages_alloc(store_key_chunk_bytes(store))
                         : NULL;
    if (chunk == NULL || (store->with_keys && keys == NULL) ||
        (tagged && tags == NULL)) {
        store_pages_free(chunk, store_chunk_bytes(store));
        store_pages_free(keys, store_key_chunk_bytes(store));
        store_pages_free(tags, store_tag_chunk_bytes(store));
        store_discharge(store, size);
        return false;
    }
    /* Keys and tags first: a reader that sees the chunk sees them.  The
     * thread whose chunk is set stays charged for the whole; the spares
     * of the others are freed. */
    uint64_t *expected = NULL;
    if (store->with_keys &&
        !atomic_compare_exchange_strong(&store->key_chunks[index], &expected,
                                        keys))
        store_pages_free(keys, store_key_chunk_bytes(store));
    uint16_t *no_tags = NULL;
    if (tagged &&
        !atomic_compare_exchange_strong(&store->tag_chunks[index], &no_tags,
                                        tags))
        store_pages_free(tags, store_tag_chunk_bytes(store));
    expected = NULL;
    if (!atomic_compare_exchange_strong(&store->chunks[index], &expected,
                                        chunk)) {
        store_pages_free(chunk, store_chunk_bytes(store));
        store_discharge(store, size);
    }
    size_t used = atomic_load(&store->chunks_used);
    while (used <= index &&
           !atomic_compare_exchange_weak(&store->chunks_used, &used,
                                         index + 1))
        ;
    return true;
}

/* The stored form of state `id`: its root, or its vector. */
static uint64_t *store_stored(const state_store *store, uint64_t id)
{
    uint64_t *chunk = atomic_load_explicit(
        &store->chunks[id >> store->chunk_shift], memory_order_relaxed);
    uint64_t mask = ((uint64_t)1 << store->chunk_shift) - 1;
    return chunk + (id & mask) * store->stored_words;
}

static _Atomic uint64_t *store_key_slot(const state_store *store, uint64_t id)
{
    uint64_t *chunk = atomic_load_explicit(
        &store->key_chunks[id >> store->chunk_shift], memory_order_relaxed);
    uint64_t mask = ((uint64_t)1 << store->chunk_shift) - 1;
    return (_Atomic uint64_t *)(chunk + (id & mask));
}

/* Where the tag of `id` is; NULL without tags, or when its chunk is not
 * there. */
static uint16_t *store_tag_slot(const state_store *store, uint64_t id)
{
    if (store->tag_chunks == NULL ||
        (id >> store->chunk_shift) >= STORE_MAX_CHUNKS)
        return NULL;
    uint16_t *chunk = atomic_load_explicit(
        &store->tag_chunks[id >> store->chunk_shift], memory_order_relaxed);
    uint64_t mask = ((uint64_t)1 << store->chunk_shift) - 1;
    return chunk == NULL ? NULL : chunk + (id & mask);
}

static bool store_equal(const state_store *store, const uint64_t *a,
                        const uint64_t *b)
{
    /* A few words: a loop beats a call to memcmp. */
    for (size_t k = 0; k < store->stored_words; k++)
        if (a[k] != b[k])
            return false;
    return true;
}

/* ---- entries ---------------------------------------------------------- */

static uint32_t store_id_mask(unsigned table_log)
{
    return (uint32_t)(((uint64_t)1 << table_log) - 1);
}

/* The hash bits an entry keeps: from the high half of the hash, as the
 * slot comes from the low half. */
static uint32_t store_tag(unsigned table_log, uint64_t hash)
{
    return (uint32_t)(hash >> 32) & ~STORE_BUSY & ~store_id_mask(table_log);
}

uint64_t state_store_hash(const state_store *store, const uint64_t *stored)
{
    return support_hash_words(stored, store->stored_words);
}

/* ---- inserting -------------------------------------------------------- */

/* store_take_id when the caller has no block, or its block is used up:
 * an id from the shared counter, or a new block of them (and making sure
 * the arena has room for it).  Out of line: once in STORE_ID_BLOCK ids. */
static __attribute__((noinline)) bool
store_take_id_slowly(state_store *store, state_store_ids *ids, uint64_t *id)
{
    if (ids == NULL) {
        *id = atomic_fetch_add(&store->count, 1);
        return *id < STORE_MAX_STATES && store_ensure_chunk(store, *id);
    }
    uint64_t first = atomic_fetch_add(&store->count, STORE_ID_BLOCK);
    ids->next = first;
    ids->end = first + STORE_ID_BLOCK;
    bool ok = ids->end <= STORE_MAX_STATES;
    for (uint64_t at = first; ok && at < ids->end;
         at = ((at >> store->chunk_shift) + 1) << store->chunk_shift)
        ok = store_ensure_chunk(store, at);
    if (!ok)
        return false;   /* the block stays open, to be closed unused */
    *id = ids->next++;
    return true;
}

/* The next id of the caller's block (`ids`; NULL: none), taking a new
 * block from the shared counter when it is used up.  False when out of ids
 * or memory. */
static inline bool store_take_id(state_store *store, state_store_ids *ids,
                                 uint64_t *id)
{
    if (ids == NULL || ids->next == ids->end)
        return store_take_id_slowly(store, ids, id);
    *id = ids->next++;
    return true;
}

/* A compact store's first slot for a code: its place in the table's size
 * scaled like the code's in 2^64 (for a table of 2^k entries, the code's
 * top k bits).  The slot never decreases with the code, nor with the size:
 * so growing sends an entry only upwards, and the table can grow in place
 * (store_grow_compact). */
static uint64_t store_code_slot(const state_store *store, uint64_t code)
{
    return (uint64_t)(((unsigned __int128)code * store->table_size) >> 64);
}

/* The slot after `slot` in a compact table of `size` entries, wrapping
 * around its end. */
static uint64_t store_next_code_slot(uint64_t size, uint64_t slot)
{
    return slot + 1 == size ? 0 : slot + 1;
}

/* Gives the form just added to a compact store (its code claimed) an id and
 * keeps the form in the arena, for the explorer to expand it. */
static store_insert_result store_add_compact(state_store *store,
                                             state_store_ids *ids,
                                             uint64_t word, uint64_t *id)
{
    uint64_t new_id;
    if (!store_take_id(store, ids, &new_id)) {
        atomic_store(&store->failed, true);
        return STORE_NO_MEMORY;
    }
    *store_stored(store, new_id) = word;
    *id = new_id;
    return STORE_ADDED;
}

/* Inserting into a compact store.  An entry is the whole key, so a thread
 * that meets its code is done, and one that claims an empty entry with
 * compare-and-swap has added the state: no entry is ever busy.  The arena
 * is written after the claim; nobody reads it before the level ends. */
static store_insert_result store_insert_compact(state_store *store,
                                                state_store_ids *ids,
                                                uint64_t word, uint64_t code,
                                                uint64_t *id)
{
    if (code == 0) {
        if (atomic_exchange(&store->zero_present, true)) {
            *id = STORE_ID_UNKNOWN;
            return STORE_FOUND;
        }
        return store_add_compact(store, ids, word, id);
    }
    uint64_t slot = store_code_slot(store, code);
    /* Read once: the atomic loads below would have them read again. */
    _Atomic uint64_t *codes = store->codes;
    uint64_t size = store->table_size;
    for (uint64_t probes = 0; probes < size; probes++) {
        _Atomic uint64_t *entry = &codes[slot];
        uint64_t seen = atomic_load_explicit(entry, memory_order_relaxed);
        if (seen == 0) {
            /* Ids are not in the entries: refuse only near a full table,
             * where probes would grow long. */
            if (atomic_load_explicit(&store->count, memory_order_relaxed) *
                    32 >= size * 31)
                return STORE_FULL;
            if (atomic_compare_exchange_strong_explicit(
                    entry, &seen, code, memory_order_relaxed,
                    memory_order_relaxed))
                return store_add_compact(store, ids, word, id);
        }
        if (seen == code) {
            *id = STORE_ID_UNKNOWN;
            return STORE_FOUND;
        }
        slot = store_next_code_slot(size, slot);
    }
    return STORE_FULL;
}

size_t state_store_insert_words(state_store *store, state_store_ids *ids,
                                const uint64_t *words, const uint64_t *codes,
                                size_t count, uint64_t *added,
                                store_insert_result *stopped)
{
    for (size_t i = 0; i < count; i++) {
        store_insert_result inserted =
            store_insert_compact(store, ids, words[i], codes[i], &added[i]);
        if (inserted != STORE_ADDED && inserted != STORE_FOUND) {
            *stopped = inserted;
            return i;
        }
    }
    return count;
}

/* Inserting into a table of ids, whose stored forms are in the arena.  Not
 * inlined into state_store_insert: the registers it saves would cost every
 * insert into a compact store too. */
static __attribute__((noinline)) store_insert_result
store_insert_ids(state_store *store, state_store_ids *ids,
                 const uint64_t *stored, uint64_t hash, uint64_t key,
                 uint64_t *id)
{
    uint32_t id_mask = store_id_mask(store->table_log);
    uint32_t tag = store_tag(store->table_log, hash);
    uint64_t mask = store->table_size - 1;
    uint64_t slot = hash & mask;

    for (uint64_t probes = 0; probes <= mask; probes++) {
        _Atomic uint32_t *entry = &store->table[slot];
        uint32_t seen = atomic_load_explicit(entry, memory_order_acquire);
        if (seen == 0) {
            /* Refuse past 7/8 load: probes would grow long, and ids must
             * stay below the table's size to fit an entry. */
            if (atomic_load_explicit(&store->count, memory_order_relaxed) * 8 >=
                store->table_size * 7)
                return STORE_FULL;
            if (atomic_compare_exchange_strong_explicit(
                    entry, &seen, STORE_BUSY | tag, memory_order_acq_rel,
                    memory_order_acquire)) {
                uint64_t new_id;
                if (!store_take_id(store, ids, &new_id)) {
                    /* Waiters on this entry see `failed` and give up. */
                    atomic_store(&store->failed, true);
                    return STORE_NO_MEMORY;
                }
                memcpy(store_stored(store, new_id), stored,
                       store->stored_words * sizeof *stored);
                if (store->with_keys)
                    atomic_store_explicit(store_key_slot(store, new_id), key,
                                          memory_order_relaxed);
                atomic_store_explicit(entry, tag | (uint32_t)(new_id + 1),
                                      memory_order_release);
                *id = new_id;
                return STORE_ADDED;
            }
            /* Another thread claimed it first: look at what it put. */
        }
        if ((seen & ~STORE_BUSY & ~id_mask) == tag) {
            while (seen & STORE_BUSY) {
                if (atomic_load_explicit(&store->failed, memory_order_relaxed))
                    return STORE_NO_MEMORY;
                seen = atomic_load_explicit(entry, memory_order_acquire);
            }
            uint64_t candidate = (seen & id_mask) - 1;
            if (store_equal(store, store_stored(store, candidate), stored)) {
                *id = candidate;
                return STORE_FOUND;
            }
        }
        slot = (slot + 1) & mask;
    }
    return STORE_FULL;
}

store_insert_result state_store_insert(state_store *store,
                                       state_store_ids *ids,
                                       const uint64_t *stored, uint64_t hash,
                                       uint64_t key, uint64_t *id)
{
    if (store->compact)
        return store_insert_compact(store, ids, stored[0], hash, id);
    return store_insert_ids(store, ids, stored, hash, key, id);
}

void state_store_prefetch(const state_store *store, uint64_t hash)
{
    if (store->compact) {
        /* A compact table fills to 3/4 before it grows; there a probe for
         * a new code goes over some 8 entries, into the next cache line
         * often, and a miss there would not be fetched ahead. */
        uint64_t slot = store_code_slot(store, hash);
        uint64_t next_line = (slot | STORE_CODES_PER_LINE_MASK) + 1;
        support_prefetch_for_write(&store->codes[slot]);
        if (next_line < store->table_size)
            support_prefetch_for_write(&store->codes[next_line]);
        return;
    }
    support_prefetch_for_write(&store->table[hash & (store->table_size - 1)]);
}

void state_store_prefetch_stored(const state_store *store, uint64_t hash)
{
    if (store->compact)
        return;   /* the entry is all there is to compare */
    uint32_t id_mask = store_id_mask(store->table_log);
    uint32_t tag = store_tag(store->table_log, hash);
    uint64_t mask = store->table_size - 1;
    uint64_t slot = hash & mask;
    /* The first entries of the probe: they share the cache line that
     * state_store_prefetch fetched, most of the time. */
    for (int probes = 0; probes < STORE_PREFETCH_PROBES; probes++) {
        uint32_t seen = atomic_load_explicit(&store->table[slot],
                                             memory_order_acquire);
        if (seen == 0)
            return;
        if ((seen & STORE_BUSY) == 0 && (seen & ~id_mask) == tag) {
            uint64_t id = (seen & id_mask) - 1;
            /* A chunk not yet published has nothing to fetch. */
            if (atomic_load_explicit(&store->chunks[id >> store->chunk_shift],
                                     memory_order_relaxed) != NULL)
                __builtin_prefetch(store_stored(store, id));
            return;
        }
        slot = (slot + 1) & mask;
    }
}

/* ---- tree compression ------------------------------------------------- */

/* The tree over `count` >= 2 word positions splits them into a left part of
 * the largest power of two below `count` and the rest: a fixed shape, so
 * folding and unfolding agree without storing it. */
static size_t store_left_size(size_t count)
{
    size_t left = 1;
    while (left * 2 < count)
        left *= 2;
    return left;
}

static store_insert_result store_intern(state_store *dictionary,
                                        uint64_t word, uint64_t *id)
{
    return state_store_insert(dictionary, NULL, &word,
                              support_mix64(word), 0, id);
}

/*
 * Folding.  A tree over `count` >= 2 words splits into two parts
 * (store_left_size); each part is a word's id, or the id of its own parts'
 * pair.  The root is the pair of the top level's two parts.
 *
 * Subtree ids, for folding near a stored state (`near` and its `tree`, or
 * both NULL): a part over `count` words at `index` keeps its id there, its
 * own parts' trees start at index + 1 and index + 2 * left (a part over c
 * words has 2c - 1 nodes).  The top level's two parts start at 0 and
 * 2 * left - 1.
 */
static store_insert_result store_fold_part(state_store *dictionary,
                                           const uint64_t *words,
                                           const uint64_t *near,
                                           const uint64_t *tree, size_t index,
                                           size_t count, uint64_t *id);

/* Folds the two parts of `count` >= 2 words, whose trees start at `index`,
 * into the pair of their ids. */
static store_insert_result store_fold_pair(state_store *dictionary,
                                           const uint64_t *words,
                                           const uint64_t *near,
                                           const uint64_t *tree, size_t index,
                                           size_t count, uint64_t *pair)
{
    size_t left = store_left_size(count);
    uint64_t a, b;
    store_insert_result first =
        store_fold_part(dictionary, words, near, tree, index, left, &a);
    if (first >= STORE_FULL)
        return first;
    store_insert_result second = store_fold_part(
        dictionary, words + left, near ? near + left : NULL, tree,
        index + 2 * left - 1, count - left, &b);
    if (second >= STORE_FULL)
        return second;
    *pair = a | b << 32;
    return first == STORE_ADDED ? first : second;
}

static store_insert_result store_fold_part(state_store *dictionary,
                                           const uint64_t *words,
                                           const uint64_t *near,
                                           const uint64_t *tree, size_t index,
                                           size_t count, uint64_t *id)
{
    if (near != NULL && memcmp(words, near, count * sizeof *words) == 0) {
        *id = tree[index];
        return STORE_FOUND;
    }
    if (count == 1)
        return store_intern(dictionary, words[0], id);
    uint64_t pair;
    store_insert_result parts =
        store_fold_pair(dictionary, words, near, tree, index + 1, count, &pair);
    if (parts >= STORE_FULL)
        return parts;
    store_insert_result interned = store_intern(dictionary, pair, id);
    return interned >= STORE_FULL ? interned
           : parts == STORE_ADDED ? parts
                                  : interned;
}

store_insert_result state_store_fold_near(state_store *store,
                                          const uint64_t *vector,
                                          const uint64_t *near,
                                          const uint64_t *near_tree,
                                          uint64_t *stored)
{
    if (store->dictionary == NULL) {
        memcpy(stored, vector, store->words * sizeof *vector);
        return STORE_FOUND;
    }
    return store_fold_pair(store->dictionary, vector, near, near_tree, 0,
                           store->words, stored);
}

store_insert_result state_store_fold(state_store *store,
                                     const uint64_t *vector, uint64_t *stored)
{
    return state_store_fold_near(store, vector, NULL, NULL, stored);
}

void state_store_prefetch_words(const state_store *store,
                                const uint64_t *vector, const uint64_t *near)
{
    const state_store *dictionary = store->dictionary;
    if (dictionary == NULL)
        return;
    for (size_t k = 0; k < store->words; k++)
        if (vector[k] != near[k])
            state_store_prefetch(dictionary, support_mix64(vector[k]));
}

static void store_unfold_part(const state_store *dictionary, uint64_t id,
                              uint64_t *words, size_t count, uint64_t *tree,
                              size_t index);

/* Unfolds the pair of the two parts of `count` >= 2 words, writing their
 * subtree ids into `tree` from `index` on when it is not NULL (as for
 * folding). */
static void store_unfold_pair(const state_store *dictionary, uint64_t pair,
                              uint64_t *words, size_t count, uint64_t *tree,
                              size_t index)
{
    size_t left = store_left_size(count);
    store_unfold_part(dictionary, pair & UINT32_MAX, words, left, tree, index);
    store_unfold_part(dictionary, pair >> 32, words + left, count - left, tree,
                      index + 2 * left - 1);
}

static void store_unfold_part(const state_store *dictionary, uint64_t id,
                              uint64_t *words, size_t count, uint64_t *tree,
                              size_t index)
{
    uint64_t word = *store_stored(dictionary, id);
    if (tree != NULL)
        tree[index] = id;
    if (count == 1)
        words[0] = word;
    else
        store_unfold_pair(dictionary, word, words, count, tree, index + 1);
}

bool state_store_unfold(const state_store *store, uint64_t id,
                        uint64_t *vector, uint64_t *tree)
{
    if (id >= atomic_load_explicit(&store->count, memory_order_relaxed) ||
        (id >> store->chunk_shift) >= STORE_MAX_CHUNKS ||
        atomic_load_explicit(&store->chunks[id >> store->chunk_shift],
                             memory_order_acquire) == NULL)
        return false;
    if (store->dictionary == NULL) {
        /* Vectors are a few words: a loop beats a call to memcpy. */
        const uint64_t *stored = store_stored(store, id);
        for (size_t k = 0; k < store->words; k++)
            vector[k] = stored[k];
    } else
        store_unfold_pair(store->dictionary, *store_stored(store, id), vector,
                          store->words, tree, 0);
    return true;
}

/* Cuts *count, states from id `first` on, where their chunk ends. */
static void store_cut_at_chunk(const state_store *store, uint64_t first,
                               uint64_t *count)
{
    uint64_t in_chunk = ((uint64_t)1 << store->chunk_shift) -
                        (first & (((uint64_t)1 << store->chunk_shift) - 1));
    if (*count > in_chunk)
        *count = in_chunk;
}

const uint64_t *state_store_words(const state_store *store, uint64_t first,
                                  uint64_t *count, const uint16_t **tags)
{
    store_cut_at_chunk(store, first, count);
    *tags = store_tag_slot(store, first);
    return store_stored(store, first);
}

bool state_store_get(const state_store *store, uint64_t id, uint64_t *vector)
{
    return state_store_unfold(store, id, vector, NULL);
}

/* ---- figures ---------------------------------------------------------- */

uint64_t state_store_key(const state_store *store, uint64_t id)
{
    return store->with_keys
               ? atomic_load_explicit(store_key_slot(store, id),
                                      memory_order_relaxed)
               : 0;
}

void state_store_lower_key(state_store *store, uint64_t id, uint64_t key)
{
    if (!store->with_keys)
        return;
    _Atomic uint64_t *slot = store_key_slot(store, id);
    uint64_t current = atomic_load_explicit(slot, memory_order_relaxed);
    while (key < current &&
           !atomic_compare_exchange_weak_explicit(slot, &current, key,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

int state_store_enable_tags(state_store *store)
{
    if (store->with_keys || atomic_load(&store->count) != 0)
        return -1;
    if (store->tag_chunks != NULL)
        return 0;
    if (!store_charge(store, STORE_CHUNK_TABLE_BYTES))
        return -1;
    store->tag_chunks = store_pages_alloc(STORE_CHUNK_TABLE_BYTES);
    if (store->tag_chunks == NULL) {
        store_discharge(store, STORE_CHUNK_TABLE_BYTES);
        return -1;
    }
    return 0;
}

void state_store_set_tag(state_store *store, uint64_t id, uint16_t tag)
{
    uint16_t *slot = store_tag_slot(store, id);
    if (slot != NULL)
        *slot = tag;
}

uint16_t *state_store_tags_to_set(state_store *store, uint64_t first,
                                  uint64_t *count)
{
    store_cut_at_chunk(store, first, count);
    return store_tag_slot(store, first);
}

uint16_t state_store_tag(const state_store *store, uint64_t id)
{
    const uint16_t *slot = store_tag_slot(store, id);
    return slot != NULL ? *slot : 0;
}

size_t state_store_stored_words(const state_store *store)
{
    return store->stored_words;
}

uint64_t state_store_count(const state_store *store)
{
    return atomic_load(&store->count);
}

uint64_t state_store_dictionary_count(const state_store *store)
{
    return store->dictionary ? state_store_count(store->dictionary) : 0;
}

uint64_t state_store_bytes(const state_store *store)
{
    return atomic_load(&store->budget->bytes);
}

uint64_t state_store_capacity(const state_store *store)
{
    return store->table_size;
}

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

/* ---- growth ----------------------------------------------------------- */

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
 * since. */
static void store_touch_pages(unsigned char *start, uint64_t size,
                              unsigned threads)
{
    const uint64_t page_bytes = 4096;
    int64_t pages = (int64_t)(size / page_bytes);
    /* A few pages are not worth waking the other threads. */
#pragma omp parallel for schedule(static) \
    num_threads(threads > 1 && size >= 2 * STORE_HUGE_PAGE ? threads : 1)
    for (int64_t page = 0; page < pages; page++)
        atomic_store_explicit(
            (_Atomic unsigned char *)(start + (uint64_t)page * page_bytes), 0,
            memory_order_relaxed);
}

/* The size a compact table of `size` entries grows to (see
 * STORE_COMPACT_STEP_FROM), or `size` at the largest. */
static uint64_t store_compact_grown_size(const state_store *store,
                                         uint64_t size)
{
    uint64_t grown = size < store->quadruple_below ? size * 4 : size * 2;
    if (size >= store->quarter_from) {
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
static void store_hash_batch(const state_store *store,
                             _Atomic uint32_t *table, uint64_t mask,
                             uint64_t first, uint64_t last, uint64_t *hashes)
{
    for (uint64_t id = first; id < last; id++) {
        hashes[id - first] = state_store_hash(store, store_stored(store, id));
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
                store_place_code(store, state_store_hash(store, stored));
            else
                store_place(store->table, store->table_log,
                            state_store_hash(store, stored), id);
        }
        done += round;
    }
    free(vectors);
    return atomic_load(&failed) ? -1 : 0;
}

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
        store, id, state_store_hash(store, store_stored(store, id)));
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
        keys[i] = state_store_key(store, order[i]);
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

/* ---- compact stores: forgetting and truncating -------------------------- */

bool state_store_is_compact(const state_store *store)
{
    return store->compact;
}

void state_store_set_growth(state_store *store, uint64_t quadruple_below,
                            uint64_t quarter_from)
{
    store->quadruple_below = quadruple_below;
    store->quarter_from = quarter_from;
}

void state_store_forget_tags(state_store *store, uint64_t below)
{
    size_t end = (size_t)(below >> store->chunk_shift);
    for (; store->tag_chunks != NULL && store->tags_forgotten < end &&
           store->tags_forgotten < STORE_MAX_CHUNKS;
         store->tags_forgotten++) {
        uint16_t *tags = atomic_exchange(
            &store->tag_chunks[store->tags_forgotten], NULL);
        store_spare_put(store, store->spare_tags, tags,
                        store_tag_chunk_bytes(store));
    }
}

void state_store_forget(state_store *store, uint64_t below)
{
    if (!store->compact)
        return;
    size_t end = (size_t)(below >> store->chunk_shift);
    for (; store->forgotten < end && store->forgotten < STORE_MAX_CHUNKS;
         store->forgotten++) {
        uint64_t *chunk = atomic_exchange(&store->chunks[store->forgotten],
                                          NULL);
        store_spare_put(store, store->spare_chunks, chunk,
                        store_chunk_bytes(store));
    }
}

/* Takes `code` out of a compact table, moving back the entries after it
 * that could not sit in its slot otherwise (Knuth's algorithm R), so that
 * no probe meets a hole before its entry. */
static void store_remove_code(state_store *store, uint64_t code)
{
    if (code == 0) {
        atomic_store(&store->zero_present, false);
        return;
    }
    uint64_t hole = store_code_slot(store, code);
    while (store->codes[hole] != code) {
        if (store->codes[hole] == 0)
            return;
        hole = store_next_code_slot(store->table_size, hole);
    }
    for (uint64_t at = store_next_code_slot(store->table_size, hole);
         store->codes[at] != 0;
         at = store_next_code_slot(store->table_size, at)) {
        uint64_t start = store_code_slot(store, store->codes[at]);
        /* Stays when its start lies cyclically in (hole, at]. */
        bool stays = hole <= at ? hole < start && start <= at
                                : hole < start || start <= at;
        if (!stays) {
            store->codes[hole] = store->codes[at];
            hole = at;
        }
    }
    store->codes[hole] = 0;
}

int state_store_truncate(state_store *store, uint64_t keep)
{
    uint64_t count = atomic_load(&store->count);
    if (!store->compact || keep > count ||
        (keep < count &&
         (keep >> store->chunk_shift) < store->forgotten))
        return -1;
    for (uint64_t id = keep; id < count; id++)
        store_remove_code(store, state_store_hash(store,
                                                  store_stored(store, id)));
    atomic_store(&store->count, keep);
    return 0;
}
