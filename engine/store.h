/*
 * store.h — the set of visited states, shared by all exploring threads.
 *
 * A store keeps packed state vectors (codec.h) of a fixed number of 64-bit
 * words and gives each distinct one a dense id, 0, 1, 2, ...  Dense ids let
 * the explorer use id ranges as its breadth-first levels and keep per-state
 * data in plain arrays.
 *
 * Design, after the multi-core hash tables of Laarman et al. (LTSmin):
 *
 *   - Vectors live in an arena of fixed-size chunks, allocated on demand by
 *     whichever thread first needs one (a compare-and-swap on the chunk
 *     directory), so growing never moves a stored vector.
 *   - An open-addressing table with linear probing maps a vector to its id.
 *     An entry is one 64-bit word: a "busy" bit, 23 bits of the vector's
 *     hash and the id + 1 (0 is an empty entry).  A thread claims an empty
 *     entry with compare-and-swap, marking it busy; writes the vector; then
 *     publishes the id.  A thread that meets a busy entry with its own hash
 *     bits waits for the id, then compares vectors.  No locks.
 *   - Each state may carry a 64-bit key (the explorer keeps its parent link
 *     there); store_lower_key lowers it atomically.
 *
 * The table does not grow while threads insert: it refuses (STORE_FULL) past
 * 7/8 load, and the explorer grows it between batches of work, when
 * state_store_wants_growth says so (past 3/4 load).  Growth and
 * renumbering run while no thread inserts, and share their work out among
 * threads themselves.
 *
 * Memory.  Every byte the store allocates is counted against its budget;
 * past it, inserts and growth fail with STORE_NO_MEMORY and the explorer
 * ends with the statistics so far.  Tables are allocated with
 * madvise(MADV_HUGEPAGE) so that random probes miss the TLB less.
 */
#ifndef PNSIM_STORE_H
#define PNSIM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct state_store state_store;

typedef enum store_insert_result {
    STORE_ADDED,      /* new: *id is its id */
    STORE_FOUND,      /* already there: *id is its id */
    STORE_FULL,       /* the table is too full: grow it and try again */
    STORE_NO_MEMORY   /* the memory budget (or malloc) said no */
} store_insert_result;

/* Computes the hash of stored vector `id` (for rebuilding the table). */
typedef uint64_t (*state_store_hash_fn)(void *context, const uint64_t *vector);

/* Creates an empty store of vectors of `words` 64-bit words, keeping a key
 * per state when `with_keys`, within `max_bytes` (0: no budget).  Returns
 * NULL when out of memory.  The caller owns the store (state_store_free). */
state_store *state_store_create(size_t words, bool with_keys,
                                uint64_t max_bytes);

void state_store_free(state_store *store);

/* A block of ids a thread hands out to the states it adds, so that adding
 * a state does not write a counter all threads share.  Zero it before its
 * first use; state_store_close_ids() ends it. */
typedef struct state_store_ids {
    uint64_t next, end;
} state_store_ids;

/* Inserts `vector` whose hash is `hash`, with key `key` if it is new.
 * Safe to call from many threads at once, each with its own `ids` block
 * (or NULL: then each new state takes its id from the shared counter). */
store_insert_result state_store_insert(state_store *store,
                                       state_store_ids *ids,
                                       const uint64_t *vector, uint64_t hash,
                                       uint64_t key, uint64_t *id);

/* Ends the threads' `count` id blocks: moves the states of highest ids into
 * the ids the blocks left unused, so that ids are dense again, 0 ..
 * state_store_count() - 1, and zeroes the blocks.  Ids of states added
 * since the blocks opened may change; older ones do not.  `hash` is as for
 * state_store_grow.  No insert may run at the same time.  Returns 0, or -1
 * when out of memory. */
int state_store_close_ids(state_store *store, state_store_ids *blocks,
                          size_t count, state_store_hash_fn hash,
                          void *context);

/* Asks the processor to fetch the table entry where a vector with this hash
 * starts its probe, ahead of state_store_insert. */
void state_store_prefetch(const state_store *store, uint64_t hash);

/* The vector with id `id`, valid as long as the store (and until the next
 * state_store_reorder or truncation). */
const uint64_t *state_store_get(const state_store *store, uint64_t id);

uint64_t state_store_key(const state_store *store, uint64_t id);

/* Lowers the key of `id` to `key` if that is smaller; thread-safe. */
void state_store_lower_key(state_store *store, uint64_t id, uint64_t key);

/* Ids handed out: the number of states, once the blocks are closed. */
uint64_t state_store_count(const state_store *store);

/* Bytes the store holds now, with those charged by state_store_charge. */
uint64_t state_store_bytes(const state_store *store);

/* Counts `bytes` that the caller keeps beside the store for its states (the
 * explorer's per-state arrays) against the store's budget, so that one
 * --max-memory covers both.  Returns false, charging nothing, when they do
 * not fit.  Thread-safe. */
bool state_store_charge(state_store *store, uint64_t bytes);

/* Entries in the table. */
uint64_t state_store_capacity(const state_store *store);

/* True once the table is three quarters full. */
bool state_store_wants_growth(const state_store *store);

/* Doubles the table, recomputing each stored vector's hash with `hash`
 * (on `threads` threads: then `hash` must be safe to call from several).
 * No insert may run at the same time.  Returns 0, or -1 when the budget or
 * malloc says no. */
int state_store_grow(state_store *store, state_store_hash_fn hash,
                     void *context, unsigned threads);

/* Writes the vector of state `id` into `vector` and its key into *key. */
typedef void (*state_store_fill_fn)(void *context, uint64_t id,
                                    uint64_t *vector, uint64_t *key);

/*
 * Fills an empty store with `count` states, ids 0 .. count - 1, whose
 * vectors and keys `fill` writes (with `fill_context`), on `threads`
 * threads: so both callbacks must be safe to call from several at once.
 * The table first grows to hold them (`hash`, `hash_context` as for
 * state_store_grow).  The vectors must be distinct.  Returns 0, or -1 when
 * the budget or malloc says no.
 */
int state_store_fill(state_store *store, uint64_t count,
                     state_store_fill_fn fill, void *fill_context,
                     state_store_hash_fn hash, void *hash_context,
                     unsigned threads);

/*
 * Renumbers ids [first, count): the state that had id order[i] gets id
 * first + i (`order` is a permutation of that range).  No insert may run at
 * the same time; the work itself is shared by `threads` threads, so `hash`
 * must be safe to call from several threads.  Returns 0, or -1 when out of
 * memory.
 */
int state_store_reorder(state_store *store, uint64_t first,
                        const uint64_t *order, state_store_hash_fn hash,
                        void *context, unsigned threads);

#endif
