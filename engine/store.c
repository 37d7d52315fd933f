/* store.c — see store.h for the design.  This file: creating and freeing a
 * store, its memory and chunks, inserting and prefetching (the insert path,
 * all of it here or in store_internal.h, so that the compiler sees what to
 * inline), tree folding, tags and figures, forgetting and truncating.  The
 * growth of the tables is in store_grow.c, closing id blocks and
 * renumbering in store_order.c: both run while no thread inserts. */
#define _GNU_SOURCE   /* mremap: a compact table grows in place */
#include "store_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "support.h"

/* Arena chunks hold a power of two of stored forms, about 2 MiB: one huge
 * page each.  A search that forgets the levels behind it holds the chunks
 * its frontier touches, the first and last of them partly used, so smaller
 * chunks lower its peak: Dekker-PT-020 on two threads peaked at 182.3-182.6
 * MB with chunks of 2 MiB, at 184.3-185.0 MB with chunks of 4 MiB, in as
 * many seconds. */
#define STORE_CHUNK_BYTES ((uint64_t)2 << 20)
/* Blocks from this size on come from the kernel and go back to it when
 * freed: the allocator would keep freed chunks of tags (512 KiB) in its
 * heap, and a long search would hold a heap of them. */
#define STORE_MAPPED_FROM ((size_t)256 << 10)
/* Codes of a compact table in a cache line, less one. */
#define STORE_CODES_PER_LINE_MASK ((uint64_t)7)
/* Entries state_store_prefetch_stored looks at. */
#define STORE_PREFETCH_PROBES 4
/* Bytes of a store's table of chunks (of stored forms, keys or tags): it
 * comes from store_pages_alloc, zero pages the kernel maps only where
 * touched, since a store of a few chunks uses a page of it.  From calloc,
 * which zeroes a block the heap had freed, the three tables were
 * milliseconds of every search's start (and its pilots', explore.c). */
#define STORE_CHUNK_TABLE_BYTES (STORE_MAX_CHUNKS * sizeof(void *))
#define STORE_INITIAL_TABLE_LOG 14
/* Ids a thread takes from the shared counter at once. */
#define STORE_ID_BLOCK 128

/* ---- memory --------------------------------------------------------- */

/* Counts `size` bytes against the budget; false when they do not fit. */
bool store_charge(state_store *store, uint64_t size)
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
bool store_fits(const state_store *store, uint64_t size)
{
    const state_store *budget = store->budget;
    return budget->max_bytes == 0 ||
           atomic_load(&budget->bytes) + size <= budget->max_bytes;
}

void store_discharge(state_store *store, uint64_t size)
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
void *store_pages_alloc(size_t size)
{
    return size < STORE_MAPPED_FROM ? calloc(1, size)
                                    : support_pages_map(size, true);
}

void store_pages_free(void *pages, size_t size)
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
void *store_pages_resize(void *pages, size_t size, size_t new_size)
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
uint64_t store_table_bytes(const state_store *store, uint64_t entries)
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
void store_spares_release(state_store *store)
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
bool store_ensure_chunk(state_store *store, uint64_t id)
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

uint64_t state_store_hash(const state_store *store, const uint64_t *stored)
{
    return store_hash(store, stored);
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
void store_cut_at_chunk(const state_store *store, uint64_t first,
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
    return store_key(store, id);
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

void state_store_set_narrow_levels(state_store *store, bool narrow)
{
    store->narrow_levels = narrow;
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
