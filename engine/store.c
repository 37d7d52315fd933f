/* store.c — see store.h for the design. */
#include "store.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A table entry: 0 is empty; otherwise BUSY while the vector is being
 * written, the hash tag, and id + 1 in the low bits. */
#define STORE_ID_BITS 40
#define STORE_ID_MASK (((uint64_t)1 << STORE_ID_BITS) - 1)
#define STORE_BUSY ((uint64_t)1 << 63)
#define STORE_TAG_MASK (~STORE_ID_MASK & ~STORE_BUSY)
#define STORE_MAX_STATES (STORE_ID_MASK - 1)

/* Arena chunks hold a power of two of states, about CHUNK_BYTES. */
#define STORE_CHUNK_BYTES ((uint64_t)4 << 20)
#define STORE_MAX_CHUNKS ((size_t)1 << 16)   /* 256 GiB of vectors */
#define STORE_INITIAL_TABLE ((uint64_t)1 << 14)
/* Ids a thread takes from the shared counter at once. */
#define STORE_ID_BLOCK 128

/* The padding around `count` is wanted (see there).
 * NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding) */
struct state_store {
    size_t words;                   /* 64-bit words per vector */
    bool with_keys;
    unsigned chunk_shift;           /* log2 of states per chunk */

    _Atomic(uint64_t *) *chunks;    /* STORE_MAX_CHUNKS vector chunks */
    _Atomic(uint64_t *) *key_chunks;/* same shape, one key per state */

    _Atomic uint64_t *table;
    uint64_t table_size;            /* a power of two */

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
    uint64_t now = atomic_fetch_add(&store->bytes, size) + size;
    if (store->max_bytes != 0 && now > store->max_bytes) {
        atomic_fetch_sub(&store->bytes, size);
        return false;
    }
    return true;
}

bool state_store_charge(state_store *store, uint64_t bytes)
{
    return store_charge(store, bytes);
}

static _Atomic uint64_t *store_table_alloc(uint64_t entries)
{
    size_t size = entries * sizeof(uint64_t);
    void *table = NULL;
    if (size >= ((size_t)2 << 20)) {
        /* Zeroed pages straight from the kernel, on huge pages if it
         * agrees. */
        table = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (table == MAP_FAILED)
            return NULL;
#ifdef MADV_HUGEPAGE
        madvise(table, size, MADV_HUGEPAGE);
#endif
        return table;
    }
    return calloc(entries, sizeof(_Atomic uint64_t));
}

static void store_table_release(_Atomic uint64_t *table, uint64_t entries)
{
    size_t size = entries * sizeof(uint64_t);
    if (size >= ((size_t)2 << 20))
        munmap((void *)table, size);
    else
        free((void *)table);
}

state_store *state_store_create(size_t words, bool with_keys,
                                uint64_t max_bytes)
{
    state_store *store = calloc(1, sizeof *store);
    if (store == NULL)
        return NULL;
    store->words = words ? words : 1;
    store->with_keys = with_keys;
    store->max_bytes = max_bytes;
    store->chunk_shift = 6;
    while (((uint64_t)1 << store->chunk_shift) * store->words * 8 <
           STORE_CHUNK_BYTES)
        store->chunk_shift++;
    store->chunks = calloc(STORE_MAX_CHUNKS, sizeof *store->chunks);
    store->key_chunks = with_keys ? calloc(STORE_MAX_CHUNKS,
                                           sizeof *store->key_chunks)
                                  : NULL;
    store->table_size = STORE_INITIAL_TABLE;
    store->table = store_table_alloc(store->table_size);
    if (store->chunks == NULL || store->table == NULL ||
        (with_keys && store->key_chunks == NULL)) {
        if (store->table != NULL)
            store_table_release(store->table, store->table_size);
        free(store->chunks);
        free(store->key_chunks);
        free(store);
        return NULL;
    }
    atomic_store(&store->bytes, sizeof *store +
                 STORE_MAX_CHUNKS * sizeof *store->chunks * (with_keys ? 2 : 1) +
                 store->table_size * sizeof(uint64_t));
    return store;
}

void state_store_free(state_store *store)
{
    if (store == NULL)
        return;
    for (size_t i = 0; i < STORE_MAX_CHUNKS; i++) {
        uint64_t *chunk = atomic_load(&store->chunks[i]);
        if (chunk == NULL)
            break;
        free(chunk);
        if (store->with_keys)
            free(atomic_load(&store->key_chunks[i]));
    }
    free(store->chunks);
    free(store->key_chunks);
    store_table_release(store->table, store->table_size);
    free(store);
}

/* Makes sure the chunk holding `id` exists; false when out of memory. */
static bool store_ensure_chunk(state_store *store, uint64_t id)
{
    size_t index = (size_t)(id >> store->chunk_shift);
    if (index >= STORE_MAX_CHUNKS)
        return false;
    if (atomic_load_explicit(&store->chunks[index], memory_order_acquire) !=
        NULL)
        return true;
    uint64_t states = (uint64_t)1 << store->chunk_shift;
    uint64_t size = states * store->words * sizeof(uint64_t) +
                    (store->with_keys ? states * sizeof(uint64_t) : 0);
    if (!store_charge(store, size))
        return false;
    uint64_t *chunk = malloc(states * store->words * sizeof(uint64_t));
    uint64_t *keys = store->with_keys ? malloc(states * sizeof(uint64_t))
                                      : NULL;
    if (chunk == NULL || (store->with_keys && keys == NULL)) {
        free(chunk);
        free(keys);
        atomic_fetch_sub(&store->bytes, size);
        return false;
    }
    /* Keys first: a reader that sees the vector chunk sees its keys. */
    uint64_t *expected = NULL;
    if (store->with_keys &&
        !atomic_compare_exchange_strong(&store->key_chunks[index], &expected,
                                        keys))
        free(keys);
    expected = NULL;
    if (!atomic_compare_exchange_strong(&store->chunks[index], &expected,
                                        chunk)) {
        free(chunk);
        atomic_fetch_sub(&store->bytes, size);
    }
    return true;
}

static uint64_t *store_vector(const state_store *store, uint64_t id)
{
    uint64_t *chunk = atomic_load_explicit(
        &store->chunks[id >> store->chunk_shift], memory_order_relaxed);
    uint64_t mask = ((uint64_t)1 << store->chunk_shift) - 1;
    return chunk + (id & mask) * store->words;
}

static _Atomic uint64_t *store_key_slot(const state_store *store, uint64_t id)
{
    uint64_t *chunk = atomic_load_explicit(
        &store->key_chunks[id >> store->chunk_shift], memory_order_relaxed);
    uint64_t mask = ((uint64_t)1 << store->chunk_shift) - 1;
    return (_Atomic uint64_t *)(chunk + (id & mask));
}

/* ---- the table -------------------------------------------------------- */

/* The next id of the caller's block, taking a new block from the shared
 * counter when it is used up (and making sure the arena has room for it).
 * False when out of ids or memory. */
static bool store_take_id(state_store *store, state_store_ids *ids,
                          uint64_t *id)
{
    if (ids == NULL) {
        *id = atomic_fetch_add(&store->count, 1);
        return *id < STORE_MAX_STATES && store_ensure_chunk(store, *id);
    }
    if (ids->next == ids->end) {
        uint64_t first = atomic_fetch_add(&store->count, STORE_ID_BLOCK);
        ids->next = first;
        ids->end = first + STORE_ID_BLOCK;
        bool ok = ids->end <= STORE_MAX_STATES;
        for (uint64_t at = first; ok && at < ids->end;
             at = ((at >> store->chunk_shift) + 1) << store->chunk_shift)
            ok = store_ensure_chunk(store, at);
        if (!ok)
            return false;   /* the block stays open, to be closed unused */
    }
    *id = ids->next++;
    return true;
}

store_insert_result state_store_insert(state_store *store,
                                       state_store_ids *ids,
                                       const uint64_t *vector, uint64_t hash,
                                       uint64_t key, uint64_t *id)
{
    uint64_t tag = hash & STORE_TAG_MASK;
    uint64_t mask = store->table_size - 1;
    uint64_t slot = hash & mask;
    size_t bytes = store->words * sizeof(uint64_t);

    for (uint64_t probes = 0; probes <= mask; probes++) {
        _Atomic uint64_t *entry = &store->table[slot];
        uint64_t seen = atomic_load_explicit(entry, memory_order_acquire);
        if (seen == 0) {
            /* Refuse past 7/8 load: probes would grow long. */
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
                memcpy(store_vector(store, new_id), vector, bytes);
                if (store->with_keys)
                    atomic_store_explicit(store_key_slot(store, new_id), key,
                                          memory_order_relaxed);
                atomic_store_explicit(entry, tag | (new_id + 1),
                                      memory_order_release);
                *id = new_id;
                return STORE_ADDED;
            }
            /* Another thread claimed it first: look at what it put. */
        }
        if ((seen & STORE_TAG_MASK) == tag) {
            while (seen & STORE_BUSY) {
                if (atomic_load_explicit(&store->failed, memory_order_relaxed))
                    return STORE_NO_MEMORY;
                seen = atomic_load_explicit(entry, memory_order_acquire);
            }
            uint64_t candidate = (seen & STORE_ID_MASK) - 1;
            if (memcmp(store_vector(store, candidate), vector, bytes) == 0) {
                *id = candidate;
                return STORE_FOUND;
            }
        }
        slot = (slot + 1) & mask;
    }
    return STORE_FULL;
}

void state_store_prefetch(const state_store *store, uint64_t hash)
{
    __builtin_prefetch((const void *)&store->table[hash &
                                                   (store->table_size - 1)]);
}

const uint64_t *state_store_get(const state_store *store, uint64_t id)
{
    return store_vector(store, id);
}

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

uint64_t state_store_count(const state_store *store)
{
    return atomic_load(&store->count);
}

uint64_t state_store_bytes(const state_store *store)
{
    return atomic_load(&store->bytes);
}

uint64_t state_store_capacity(const state_store *store)
{
    return store->table_size;
}

bool state_store_wants_growth(const state_store *store)
{
    return atomic_load_explicit(&store->count, memory_order_relaxed) * 4 >=
           store->table_size * 3;
}

/* Puts `id` into `table`, which holds no duplicate of it; other threads may
 * place other ids at the same time. */
static void store_place(_Atomic uint64_t *table, uint64_t size, uint64_t hash,
                        uint64_t id)
{
    uint64_t mask = size - 1;
    uint64_t slot = hash & mask;
    uint64_t entry = (hash & STORE_TAG_MASK) | (id + 1);
    for (;;) {
        uint64_t empty = 0;
        if (atomic_compare_exchange_weak_explicit(&table[slot], &empty, entry,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
            return;
        if (empty != 0)
            slot = (slot + 1) & mask;
    }
}

int state_store_grow(state_store *store, state_store_hash_fn hash,
                     void *context, unsigned threads)
{
    uint64_t size = store->table_size * 2;
    uint64_t extra = store->table_size * sizeof(uint64_t);
    if (!store_charge(store, extra))
        return -1;
    _Atomic uint64_t *table = store_table_alloc(size);
    if (table == NULL) {
        atomic_fetch_sub(&store->bytes, extra);
        return -1;
    }
    /* Every stored vector is rehashed: with a large table this is the one
     * pass over all states, so it is shared out like the search. */
    int64_t count = (int64_t)atomic_load(&store->count);
#pragma omp parallel for num_threads(threads ? threads : 1) schedule(static) \
    if (threads > 1 && count > 65536)
    for (int64_t id = 0; id < count; id++)
        store_place(table, size,
                    hash(context, store_vector(store, (uint64_t)id)),
                    (uint64_t)id);
    store_table_release(store->table, store->table_size);
    store->table = table;
    store->table_size = size;
    return 0;
}

int state_store_fill(state_store *store, uint64_t count,
                     state_store_fill_fn fill, void *fill_context,
                     state_store_hash_fn hash, void *hash_context,
                     unsigned threads)
{
    if (atomic_load(&store->count) != 0 || count > STORE_MAX_STATES)
        return -1;
    /* Room below the load at which the explorer would grow it anyway. */
    while (count * 4 >= store->table_size * 3)
        if (state_store_grow(store, hash, hash_context, threads) != 0)
            return -1;
    for (uint64_t id = 0; id < count;
         id = ((id >> store->chunk_shift) + 1) << store->chunk_shift)
        if (!store_ensure_chunk(store, id))
            return -1;
    atomic_store(&store->count, count);
    int64_t n = (int64_t)count;
#pragma omp parallel for num_threads(threads ? threads : 1) schedule(static) \
    if (threads > 1 && n > 65536)
    for (int64_t i = 0; i < n; i++) {
        uint64_t id = (uint64_t)i, key = 0;
        uint64_t *vector = store_vector(store, id);
        fill(fill_context, id, vector, &key);
        if (store->with_keys)
            atomic_store_explicit(store_key_slot(store, id), key,
                                  memory_order_relaxed);
        store_place(store->table, store->table_size,
                    hash(hash_context, vector), id);
    }
    return 0;
}

/* The table entry of `id`, whose vector hashes to `hash`. */
static uint64_t store_find_entry(const state_store *store, uint64_t hash,
                                 uint64_t id)
{
    uint64_t mask = store->table_size - 1;
    uint64_t slot = hash & mask;
    while ((atomic_load_explicit(&store->table[slot], memory_order_relaxed) &
            STORE_ID_MASK) != id + 1)
        slot = (slot + 1) & mask;
    return slot;
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
                          size_t count, state_store_hash_fn hash,
                          void *context)
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
    size_t bytes = store->words * sizeof(uint64_t);
    /* Fill each hole below `dense` with the used state of highest id. */
    uint64_t source = handed;
    for (size_t r = 0; r < ranges; r++) {
        for (uint64_t hole = unused[r].next;
             hole < unused[r].end && hole < dense; hole++) {
            do
                source--;
            while (store_in_ranges(unused, ranges, source));
            const uint64_t *vector = store_vector(store, source);
            uint64_t slot = store_find_entry(store, hash(context, vector),
                                             source);
            memcpy(store_vector(store, hole), vector, bytes);
            if (store->with_keys)
                atomic_store_explicit(
                    store_key_slot(store, hole),
                    atomic_load_explicit(store_key_slot(store, source),
                                         memory_order_relaxed),
                    memory_order_relaxed);
            uint64_t value = atomic_load_explicit(&store->table[slot],
                                                  memory_order_relaxed);
            atomic_store_explicit(&store->table[slot],
                                  (value & STORE_TAG_MASK) | (hole + 1),
                                  memory_order_relaxed);
        }
    }
    atomic_store(&store->count, dense);
    free(unused);
    return 0;
}

int state_store_reorder(state_store *store, uint64_t first,
                        const uint64_t *order, state_store_hash_fn hash,
                        void *context, unsigned threads)
{
    uint64_t count = atomic_load(&store->count);
    int64_t n = (int64_t)(count - first);
    size_t words = store->words;
    uint64_t *entries = malloc((n ? (size_t)n : 1) * sizeof *entries);
    uint64_t *vectors = malloc((n ? (size_t)n : 1) * words * sizeof *vectors);
    uint64_t *keys = malloc((n ? (size_t)n : 1) * sizeof *keys);
    if (entries == NULL || vectors == NULL || keys == NULL) {
        free(entries);
        free(vectors);
        free(keys);
        return -1;
    }
    /* Three passes, each independent from state to state.  First: where
     * each state's entry is, while the ids still match. */
#pragma omp parallel for num_threads(threads) schedule(static) if (n > 4096)
    for (int64_t i = 0; i < n; i++)
        entries[i] = store_find_entry(
            store, hash(context, store_vector(store, first + (uint64_t)i)),
            first + (uint64_t)i);
    /* Then gather in the new order... */
#pragma omp parallel for num_threads(threads) schedule(static) if (n > 4096)
    for (int64_t i = 0; i < n; i++) {
        memcpy(vectors + (uint64_t)i * words, store_vector(store, order[i]),
               words * sizeof *vectors);
        keys[i] = state_store_key(store, order[i]);
    }
    /* ... and put back, pointing each entry at its new id. */
#pragma omp parallel for num_threads(threads) schedule(static) if (n > 4096)
    for (int64_t i = 0; i < n; i++) {
        uint64_t id = first + (uint64_t)i;
        memcpy(store_vector(store, id), vectors + (uint64_t)i * words,
               words * sizeof *vectors);
        if (store->with_keys)
            atomic_store_explicit(store_key_slot(store, id), keys[i],
                                  memory_order_relaxed);
        _Atomic uint64_t *entry = &store->table[entries[order[i] - first]];
        uint64_t value = atomic_load_explicit(entry, memory_order_relaxed);
        atomic_store_explicit(entry, (value & STORE_TAG_MASK) | (id + 1),
                              memory_order_relaxed);
    }
    free(entries);
    free(vectors);
    free(keys);
    return 0;
}
