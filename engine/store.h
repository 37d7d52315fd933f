/*
 * store.h — the set of visited states.
 *
 * A store keeps fixed-length state vectors and gives each distinct one a
 * dense id, 0, 1, 2, ... in order of first insertion.  Dense ids let the
 * explorer keep per-state data (parent links) in plain arrays and use the id
 * order itself as its breadth-first queue.
 *
 * Design.  Vectors live in an arena of fixed-size chunks (so growing never
 * moves a stored vector and pointers into it stay valid); an open-addressing
 * table with linear probing maps a vector to its id.  Each table entry packs
 * the id with the top bits of the vector's hash, so most probes that miss are
 * decided without touching the arena.  The table doubles at 3/4 load.
 *
 * Memory.  The store counts the bytes it holds and refuses to grow beyond
 * its budget: store_insert then reports STORE_FULL, and the caller ends the
 * search with the statistics so far.
 */
#ifndef PNSIM_STORE_H
#define PNSIM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

typedef struct state_store state_store;

typedef enum store_insert_result {
    STORE_ADDED,    /* the vector was new: *id is its new id */
    STORE_FOUND,    /* the vector was there: *id is its id */
    STORE_FULL      /* no room within the memory budget: nothing added */
} store_insert_result;

/* Creates an empty store of vectors of `length` slots, holding at most
 * `max_bytes` bytes (0: no budget).  Returns NULL when out of memory.
 * The caller owns the store (state_store_free). */
state_store *state_store_create(size_t length, uint64_t max_bytes);

void state_store_free(state_store *store);

store_insert_result state_store_insert(state_store *store,
                                       const model_value *state, uint64_t *id);

/* The vector with id `id` (< state_store_count), valid as long as the
 * store. */
const model_value *state_store_get(const state_store *store, uint64_t id);

uint64_t state_store_count(const state_store *store);

/* Bytes the store holds now. */
uint64_t state_store_bytes(const state_store *store);

/* Reserves `bytes` more of the budget for the caller's per-state data;
 * returns 0 on success, -1 when that would exceed the budget. */
int state_store_reserve(state_store *store, uint64_t bytes);

/* The hash pnsim uses for state vectors. */
uint64_t state_hash(const model_value *state, size_t length);

#endif
