/* store.c — see store.h for the design. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

/* Arena chunks hold a power of two of vectors, so that id -> chunk is a
 * shift, and about 1 MiB: small enough not to overshoot a tiny state space
 * or a memory budget, large enough that the chunk list stays short. */
#define STORE_CHUNK_BYTES ((uint64_t)1 << 20)

/* A table entry: 0 is empty; otherwise (hash tag << 40) | (id + 1). */
#define STORE_ID_BITS 40
#define STORE_ID_MASK (((uint64_t)1 << STORE_ID_BITS) - 1)
#define STORE_MAX_STATES (STORE_ID_MASK - 1)

struct state_store {
    size_t length;           /* slots per vector */
    size_t vector_bytes;
    uint64_t count;
    unsigned chunk_shift;    /* log2 of the vectors per chunk */

    model_value **chunks;    /* arena: chunk i holds ids [i<<SHIFT, ...) */
    size_t chunk_count, chunk_capacity;

    uint64_t *table;         /* open addressing, linear probing */
    uint64_t table_size;     /* a power of two */

    uint64_t bytes;          /* held now, reservations included */
    uint64_t max_bytes;      /* 0: no budget */
};

uint64_t state_hash(const model_value *state, size_t length)
{
    /* Multiply-xorshift per word, then MurmurHash3's 64-bit finaliser. */
    uint64_t hash = 0x9E3779B97F4A7C15ull ^ (uint64_t)length;
    for (size_t i = 0; i < length; i++) {
        hash ^= state[i];
        hash *= 0xBF58476D1CE4E5B9ull;
        hash ^= hash >> 31;
    }
    hash ^= hash >> 33;
    hash *= 0xFF51AFD7ED558CCDull;
    hash ^= hash >> 33;
    hash *= 0xC4CEB9FE1A85EC53ull;
    hash ^= hash >> 33;
    return hash;
}

static int store_can_grow(const state_store *store, uint64_t extra)
{
    return store->max_bytes == 0 || store->bytes + extra <= store->max_bytes;
}

state_store *state_store_create(size_t length, uint64_t max_bytes)
{
    state_store *store = calloc(1, sizeof *store);
    if (store == NULL)
        return NULL;
    store->length = length;
    /* A zero-length vector still needs a distinct address per state. */
    store->vector_bytes = (length > 0 ? length : 1) * sizeof(model_value);
    store->max_bytes = max_bytes;
    store->chunk_shift = 4;
    while (((uint64_t)1 << store->chunk_shift) * store->vector_bytes <
           STORE_CHUNK_BYTES)
        store->chunk_shift++;
    store->table_size = 1024;
    store->table = calloc(store->table_size, sizeof *store->table);
    if (store->table == NULL) {
        free(store);
        return NULL;
    }
    store->bytes = sizeof *store + store->table_size * sizeof *store->table;
    return store;
}

void state_store_free(state_store *store)
{
    if (store == NULL)
        return;
    for (size_t i = 0; i < store->chunk_count; i++)
        free(store->chunks[i]);
    free(store->chunks);
    free(store->table);
    free(store);
}

const model_value *state_store_get(const state_store *store, uint64_t id)
{
    uint64_t mask = ((uint64_t)1 << store->chunk_shift) - 1;
    const model_value *chunk = store->chunks[id >> store->chunk_shift];
    return chunk + (id & mask) * (store->vector_bytes / sizeof(model_value));
}

uint64_t state_store_count(const state_store *store)
{
    return store->count;
}

uint64_t state_store_bytes(const state_store *store)
{
    return store->bytes;
}

int state_store_reserve(state_store *store, uint64_t bytes)
{
    if (!store_can_grow(store, bytes))
        return -1;
    store->bytes += bytes;
    return 0;
}

static uint64_t store_entry(uint64_t hash, uint64_t id)
{
    return (hash & ~STORE_ID_MASK) | (id + 1);
}

/* Doubles the table; returns -1 when the budget or malloc says no. */
static int store_grow_table(state_store *store)
{
    uint64_t new_size = store->table_size * 2;
    uint64_t extra = store->table_size * sizeof *store->table;
    if (!store_can_grow(store, extra))
        return -1;
    uint64_t *table = calloc(new_size, sizeof *table);
    if (table == NULL)
        return -1;
    uint64_t mask = new_size - 1;
    for (uint64_t i = 0; i < store->table_size; i++) {
        uint64_t entry = store->table[i];
        if (entry == 0)
            continue;
        uint64_t id = (entry & STORE_ID_MASK) - 1;
        uint64_t hash = state_hash(state_store_get(store, id), store->length);
        uint64_t slot = hash & mask;
        while (table[slot] != 0)
            slot = (slot + 1) & mask;
        table[slot] = entry;
    }
    free(store->table);
    store->table = table;
    store->table_size = new_size;
    store->bytes += extra;
    return 0;
}

/* Makes room in the arena for one more vector; -1 when it cannot. */
static int store_grow_arena(state_store *store)
{
    uint64_t chunk_states = (uint64_t)1 << store->chunk_shift;
    if ((store->count & (chunk_states - 1)) != 0)
        return 0;
    uint64_t chunk_bytes = chunk_states * store->vector_bytes;
    if (!store_can_grow(store, chunk_bytes))
        return -1;
    if (store->chunk_count == store->chunk_capacity) {
        size_t capacity = store->chunk_capacity ? store->chunk_capacity * 2 : 16;
        model_value **chunks = realloc(store->chunks,
                                       capacity * sizeof *chunks);
        if (chunks == NULL)
            return -1;
        store->chunks = chunks;
        store->chunk_capacity = capacity;
    }
    model_value *chunk = malloc(chunk_bytes);
    if (chunk == NULL)
        return -1;
    store->chunks[store->chunk_count++] = chunk;
    store->bytes += chunk_bytes;
    return 0;
}

/* Finds `state`'s table slot: the one holding it, or the empty one where it
 * belongs.  Returns the entry found there (0: empty). */
static uint64_t store_probe(const state_store *store, const model_value *state,
                            uint64_t hash, uint64_t *slot_out)
{
    size_t compare_bytes = store->length * sizeof(model_value);
    uint64_t mask = store->table_size - 1;
    uint64_t slot = hash & mask;
    for (;;) {
        uint64_t entry = store->table[slot];
        if (entry == 0)
            break;
        if ((entry & ~STORE_ID_MASK) == (hash & ~STORE_ID_MASK) &&
            memcmp(state_store_get(store, (entry & STORE_ID_MASK) - 1), state,
                   compare_bytes) == 0)
            break;
        slot = (slot + 1) & mask;
    }
    *slot_out = slot;
    return store->table[slot];
}

store_insert_result state_store_insert(state_store *store,
                                       const model_value *state, uint64_t *id)
{
    uint64_t hash = state_hash(state, store->length);
    uint64_t slot;
    uint64_t entry = store_probe(store, state, hash, &slot);
    if (entry != 0) {
        *id = (entry & STORE_ID_MASK) - 1;
        return STORE_FOUND;
    }

    /* A new vector.  Keep the load at most 3/4 when the budget allows, and
     * call the store full only when the table is 7/8 full. */
    if ((store->count + 1) * 4 > store->table_size * 3) {
        if (store_grow_table(store) == 0)
            store_probe(store, state, hash, &slot);
        else if ((store->count + 1) * 8 > store->table_size * 7)
            return STORE_FULL;
    }
    if (store->count >= STORE_MAX_STATES || store_grow_arena(store) != 0)
        return STORE_FULL;

    uint64_t new_id = store->count;
    model_value *target = (model_value *)state_store_get(store, new_id);
    memcpy(target, state, store->length * sizeof(model_value));
    store->table[slot] = store_entry(hash, new_id);
    store->count++;
    *id = new_id;
    return STORE_ADDED;
}
