/* store_internal.h — what the files of the state store share (store.c,
 * store_grow.c, store_order.c; see store.h for the design): the layout of
 * `struct state_store`, the constants more than one of them uses, small
 * helpers (most of them of the insert path) defined here so that every
 * file inlines them, and the prototypes of the other helpers they share.
 * Private: included by store*.c only, never installed. */
#ifndef PNSIM_STORE_INTERNAL_H
#define PNSIM_STORE_INTERNAL_H

#include "store.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * always, Peterson-PT-3 peaked at 53 MiB instead of 77 and
 * BridgeAndVehicles-PT-V20P10N10 at 93 instead of 141, but Dekker-PT-020,
 * four growths more, ran 5 to 10 % slower (7 interleaved rounds on two
 * threads: 2.29 s at best, against 2.07 growing from 2^24): its table
 * grows while its levels are a million states wide or more, and a growth
 * by a quarter holds less than one.  So from 2^22 only where the levels
 * are narrow against what is stored (state_store_set_narrow_levels):
 * Peterson-PT-3 peaks at 16.4 bytes per state instead of 23.8 and
 * BridgeAndVehicles-PT-V20P10N10 at 14.6 instead of 22.1, in as many
 * seconds (interleaved rounds, two threads: 0.295 / 0.287 s and 3.97 /
 * 4.03 s at best for Peterson-PT-3 and SwimmingPool-PT-03, narrow rule
 * and none); Dekker-PT-020 grows as before. */
#define STORE_COMPACT_STEP_FROM ((uint64_t)1 << 24)
/* Where levels are narrow, from a quarter of that size: 2^22 entries by
 * default. */
#define STORE_COMPACT_NARROW_SHIFT 2
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

#define STORE_MAX_CHUNKS ((size_t)1 << 16)
/* States whose table entries growth and renumbering fetch at once. */
#define STORE_GROW_BATCH 32
/* Released chunks a store keeps to use again, of each kind: a search
 * that forgets the levels behind it needs about one as it releases one,
 * and a chunk used again comes without the kernel's page faults and
 * zeroing (on this project's benchmark machine, first touches of fresh
 * memory are a tenth of a search's time).  They go back to the kernel
 * when the table grows, where the peak of memory is: with four kept
 * always, Dekker-PT-020 took 16.1 bytes per state instead of 15.9. */
#define STORE_SPARES 2

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
    bool narrow_levels;             /* ... or from a quarter of that
                                       (state_store_set_narrow_levels) */
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

/* ---- the arena and the entries ----------------------------------------
 *
 * Small helpers, most of them of the insert path (store.c), that the other
 * files need too.  Static, so that every file inlines its own copy (pnsim
 * is built without link-time optimisation), but not declared inline: with
 * `inline`, GCC 12 weighs store.c's insert path differently and leaves
 * store_add_compact out of line in state_store_insert and
 * state_store_insert_words.  Marked unused for the files that call only
 * some of them. */

/* The stored form of state `id`: its root, or its vector. */
static __attribute__((unused)) uint64_t *
store_stored(const state_store *store, uint64_t id)
{
    uint64_t *chunk = atomic_load_explicit(
        &store->chunks[id >> store->chunk_shift], memory_order_relaxed);
    uint64_t mask = ((uint64_t)1 << store->chunk_shift) - 1;
    return chunk + (id & mask) * store->stored_words;
}

static __attribute__((unused)) _Atomic uint64_t *
store_key_slot(const state_store *store, uint64_t id)
{
    uint64_t *chunk = atomic_load_explicit(
        &store->key_chunks[id >> store->chunk_shift], memory_order_relaxed);
    uint64_t mask = ((uint64_t)1 << store->chunk_shift) - 1;
    return (_Atomic uint64_t *)(chunk + (id & mask));
}

/* state_store_key, inlined by renumbering. */
static __attribute__((unused)) uint64_t
store_key(const state_store *store, uint64_t id)
{
    return store->with_keys
               ? atomic_load_explicit(store_key_slot(store, id),
                                      memory_order_relaxed)
               : 0;
}

/* Where the tag of `id` is; NULL without tags, or when its chunk is not
 * there. */
static __attribute__((unused)) uint16_t *
store_tag_slot(const state_store *store, uint64_t id)
{
    if (store->tag_chunks == NULL ||
        (id >> store->chunk_shift) >= STORE_MAX_CHUNKS)
        return NULL;
    uint16_t *chunk = atomic_load_explicit(
        &store->tag_chunks[id >> store->chunk_shift], memory_order_relaxed);
    uint64_t mask = ((uint64_t)1 << store->chunk_shift) - 1;
    return chunk == NULL ? NULL : chunk + (id & mask);
}

static __attribute__((unused)) uint32_t
store_id_mask(unsigned table_log)
{
    return (uint32_t)(((uint64_t)1 << table_log) - 1);
}

/* The hash bits an entry keeps: from the high half of the hash, as the
 * slot comes from the low half. */
static __attribute__((unused)) uint32_t
store_tag(unsigned table_log, uint64_t hash)
{
    return (uint32_t)(hash >> 32) & ~STORE_BUSY & ~store_id_mask(table_log);
}

/* state_store_hash, inlined by the loops of growth and renumbering. */
static __attribute__((unused)) uint64_t
store_hash(const state_store *store, const uint64_t *stored)
{
    return support_hash_words(stored, store->stored_words);
}

/* A compact store's first slot for a code: its place in the table's size
 * scaled like the code's in 2^64 (for a table of 2^k entries, the code's
 * top k bits).  The slot never decreases with the code, nor with the size:
 * so growing sends an entry only upwards, and the table can grow in place
 * (store_grow_compact). */
static __attribute__((unused)) uint64_t
store_code_slot(const state_store *store, uint64_t code)
{
    return (uint64_t)(((unsigned __int128)code * store->table_size) >> 64);
}

/* The slot after `slot` in a compact table of `size` entries, wrapping
 * around its end. */
static __attribute__((unused)) uint64_t
store_next_code_slot(uint64_t size, uint64_t slot)
{
    return slot + 1 == size ? 0 : slot + 1;
}

/* ---- defined in store.c: memory, pages, chunks ----------------------- */

bool store_charge(state_store *store, uint64_t size);
bool store_fits(const state_store *store, uint64_t size);
void store_discharge(state_store *store, uint64_t size);
void *store_pages_alloc(size_t size);
void store_pages_free(void *pages, size_t size);
void *store_pages_resize(void *pages, size_t size, size_t new_size);
uint64_t store_table_bytes(const state_store *store, uint64_t entries);
void store_spares_release(state_store *store);
bool store_ensure_chunk(state_store *store, uint64_t id);
void store_cut_at_chunk(const state_store *store, uint64_t first,
                        uint64_t *count);

/* ---- defined in store_grow.c, for renumbering too -------------------- */

void store_hash_batch(const state_store *store, _Atomic uint32_t *table,
                      uint64_t mask, uint64_t first, uint64_t last,
                      uint64_t *hashes);

#endif
