/*
 * store.h — the set of visited states, shared by all exploring threads.
 *
 * A store keeps packed state vectors (codec.h) of a fixed number of 64-bit
 * words and gives each distinct one a dense id, 0, 1, 2, ...  Dense ids let
 * the explorer use id ranges as its breadth-first levels and keep per-state
 * data in plain arrays.
 *
 * Design, after the multi-core tables of Laarman et al. (LTSmin):
 *
 *   - Stored forms.  A flat store keeps each vector as it is.  A tree
 *     store (tree compression, optional) folds a vector of two words or
 *     more into one word, its root: its words are interned in a dictionary
 *     (a word -> dense id store of its own), and so are pairs of ids, along
 *     a fixed binary tree over the word positions, up to the two ids the
 *     root pairs.  States differ, but their halves, quarters and words
 *     repeat: the dictionary stays far smaller than the set of states, and
 *     each state costs one word whatever its length.  The price is a
 *     dictionary lookup or more per successor, for the words that differ
 *     from its parent's (state_store_fold_near).
 *   - Stored forms live in an arena of fixed-size chunks, allocated on
 *     demand by whichever thread first needs one (a compare-and-swap on the
 *     chunk directory), so growing never moves one.
 *   - An open-addressing table with linear probing maps a stored form to its
 *     id.  An entry is 32 bits: a "busy" bit, as many bits of the form's
 *     hash as the table's size leaves free, and the id + 1 (0 is an empty
 *     entry).  A thread claims an empty entry with compare-and-swap, marking
 *     it busy; writes the form; then publishes the id.  A thread that meets
 *     a busy entry with its own hash bits waits for the id, then compares.
 *     No locks.
 *   - Each state may carry a 64-bit key (the explorer keeps its parent link
 *     there); store_lower_key lowers it atomically.
 *
 * So a state costs its vector (a tree store: 8 bytes, plus its share of the
 * dictionary) and 4 to 11 bytes of table (load 3/8 to 3/4), with its key 8
 * more.
 *
 * Compact stores.  A store of one-word vectors without keys may keep the
 * vectors in the table itself: an entry is the vector's code, a bijection of
 * it (its hash), so a look-up never reads the arena and an entry is never
 * busy.  Such a store cannot say which id a state it finds has
 * (STORE_ID_UNKNOWN), but it can forget the vectors of the states its user
 * is done with (state_store_forget: a few chunks of them are kept for the
 * states to come, which then need no fresh pages), and its table grows in
 * place, by a quarter once past 2^24 entries (128 MiB).  A large search
 * that only counts then costs 10.7 to 13.3 bytes per state (load 3/5 to
 * 3/4) plus its frontier.
 *
 * The tables do not grow while threads insert: they refuse (STORE_FULL)
 * past 7/8 load (a compact table, whose entries hold no ids, past 31/32),
 * and the explorer grows them between batches of work, when
 * state_store_wants_growth says so (past 3/4 load).  Growth and
 * renumbering run while no thread inserts; renumbering and the growth of a
 * table of ids share their work out among threads, a compact table's
 * growth in place runs on one.  A table holds at most 2^31 entries, so a store at
 * most STORE_MAX_STATES states.
 *
 * Memory.  Every byte the store allocates, its dictionary's included, is
 * counted against its budget; past it, inserts and growth fail with
 * STORE_NO_MEMORY and the explorer ends with the statistics so far.  Tables
 * are allocated with madvise(MADV_HUGEPAGE) so that random probes miss the
 * TLB less.
 */
#ifndef PNSIM_STORE_H
#define PNSIM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct state_store state_store;

/* The most states a store holds: 7/8 of a table of 2^31 entries. */
#define STORE_MAX_STATES (((uint64_t)7 << 31) / 8)

typedef enum store_insert_result {
    STORE_ADDED,      /* new: *id is its id */
    STORE_FOUND,      /* already there: *id is its id */
    STORE_FULL,       /* a table is too full: grow the store, try again */
    STORE_NO_MEMORY   /* the memory budget (or malloc) said no */
} store_insert_result;

/* Creates an empty store of vectors of `words` 64-bit words, keeping a key
 * per state when `with_keys`, with tree compression when `tree`, within
 * `max_bytes` (0: no budget).  Returns NULL when out of memory.  The caller
 * owns the store (state_store_free). */
state_store *state_store_create(size_t words, bool with_keys, bool tree,
                                uint64_t max_bytes);

/* Creates an empty compact store (see above) of one-word vectors, within
 * `max_bytes` (0: no budget).  Returns NULL when out of memory.  The caller
 * owns the store (state_store_free). */
state_store *state_store_create_compact(uint64_t max_bytes);

/* What a compact store's insert writes as the id of a state it found. */
#define STORE_ID_UNKNOWN (UINT64_MAX - 1)

bool state_store_is_compact(const state_store *store);

/* Sets the sizes, in entries, below which a table grows four times over
 * (2^21 unless set; 0: never), and from which a compact table grows by a
 * quarter (2^24 unless set; a power of two of 2^14 or more), instead of
 * doubling.  Tests use it to reach those growths with small tables. */
void state_store_set_growth(state_store *store, uint64_t quadruple_below,
                            uint64_t quarter_from);

/* Says whether the levels of the search filling a compact store are now
 * narrow against what it stored (its last level less than an eighth of
 * it, say).  A growth by a quarter then holds the next two levels or
 * more, where doubling would leave most of the last table empty, and the
 * table grows by a quarter from a quarter of the size it would otherwise
 * (from 2^22 entries instead of 2^24, unless state_store_set_growth said
 * otherwise).  False unless set. */
void state_store_set_narrow_levels(state_store *store, bool narrow);

/* Releases the vectors of states below id `below`, as far as whole chunks
 * of the arena go: state_store_get then fails for them.  The set still
 * knows them.  Up to two chunks (and two of tags) stay in the store,
 * counted in its bytes, to hold the vectors of states added later, until
 * the table grows.  Only a compact store forgets (others do nothing: their
 * table compares against the arena).  No insert may run at the same time. */
void state_store_forget(state_store *store, uint64_t below);

/* Removes the states of ids `keep` and above from a compact store, as if
 * never added: a level cut short can be explored again.  No insert may run
 * at the same time, and the id blocks must be closed.  Returns 0, or -1 for
 * a store that is not compact or has forgotten some of those states. */
int state_store_truncate(state_store *store, uint64_t keep);

/* Words of a stored form: 1 in a tree store, else the vector's.  When it
 * equals the vector's words, the stored form is the vector itself and
 * state_store_fold only copies it. */
size_t state_store_stored_words(const state_store *store);

void state_store_free(state_store *store);

/* Writes into `stored` the form the table keeps for `vector`: a copy, or
 * in a tree store its root, interning in the dictionary the parts it has
 * not seen.  Thread-safe.  Returns STORE_FOUND (or STORE_ADDED when the
 * dictionary grew) with the form written, STORE_FULL when the dictionary
 * must grow first, or STORE_NO_MEMORY. */
store_insert_result state_store_fold(state_store *store,
                                     const uint64_t *vector, uint64_t *stored);

/* As state_store_fold, for a vector that differs from `near`, the vector of
 * a stored state whose tree state_store_unfold wrote, in few words: only
 * the parts of the tree that differ are looked up. */
store_insert_result state_store_fold_near(state_store *store,
                                          const uint64_t *vector,
                                          const uint64_t *near,
                                          const uint64_t *near_tree,
                                          uint64_t *stored);

/* Asks the processor to fetch the dictionary entries where the words of
 * `vector` that differ from `near` are looked up, ahead of
 * state_store_fold_near. */
void state_store_prefetch_words(const state_store *store,
                                const uint64_t *vector, const uint64_t *near);

/* The hash of a stored form, for state_store_prefetch and
 * state_store_insert. */
uint64_t state_store_hash(const state_store *store, const uint64_t *stored);

/* A block of ids a thread hands out to the states it adds, so that adding
 * a state does not write a counter all threads share.  Zero it before its
 * first use; state_store_close_ids() ends it. */
typedef struct state_store_ids {
    uint64_t next, end;
} state_store_ids;

/* Inserts the state of stored form `stored` (state_store_fold), whose hash
 * is `hash`, with key `key` if it is new (a compact store writes
 * STORE_ID_UNKNOWN as the id of a state it finds).  Safe to call from many threads
 * at once, each with its own `ids` block (or NULL: then each new state
 * takes its id from the shared counter). */
store_insert_result state_store_insert(state_store *store,
                                       state_store_ids *ids,
                                       const uint64_t *stored, uint64_t hash,
                                       uint64_t key, uint64_t *id);

/* state_store_insert for a run of `count` one-word forms into a compact
 * store: words[i], of hash codes[i], in order.  added[i] gets the id of
 * form i when it is new, else STORE_ID_UNKNOWN.  One call for a run saves
 * a call per state, and the run's table entries should have been
 * prefetched (state_store_prefetch) well before.  Returns how many forms
 * were inserted: `count`, or fewer when one could not be, and then
 * *stopped says why (STORE_FULL or STORE_NO_MEMORY).  The caller owns all
 * the arrays. */
size_t state_store_insert_words(state_store *store, state_store_ids *ids,
                                const uint64_t *words, const uint64_t *codes,
                                size_t count, uint64_t *added,
                                store_insert_result *stopped);

/* Ends the threads' `count` id blocks: moves the states of highest ids into
 * the ids the blocks left unused, so that ids are dense again, 0 ..
 * state_store_count() - 1, and zeroes the blocks.  Ids of states added
 * since the blocks opened may change; older ones do not.  No insert may
 * run at the same time.  Returns 0, or -1 when out of memory. */
int state_store_close_ids(state_store *store, state_store_ids *blocks,
                          size_t count);

/* Ids first .. end - 1. */
typedef struct state_store_run {
    uint64_t first, end;
} state_store_run;

/* Ends the threads' `count` id blocks as state_store_close_ids does, and
 * renumbers the states added since they opened, those of ids `first` and
 * above: they get ids first, first + 1, ... in the order of the
 * `run_count` runs `runs`, which hold each of them once.  Threads take
 * ids by blocks, so the ids of states found one after the other by
 * different threads interleave; this puts them back in the order of the
 * work that found them.  Only a compact store without keys (its table
 * keeps no ids: the vectors and tags move, nothing else), in place but
 * for a few blocks of ids at a time; no insert may run at the same time.
 * The runs are the caller's.  Returns 0: the states in that order, or,
 * when memory is short for it, closed as by state_store_close_ids.
 * Returns -1, changing nothing, for another kind of store, runs that do
 * not cover those states, or no memory even to close the blocks. */
int state_store_close_ids_in_order(state_store *store, state_store_ids *blocks,
                                   size_t count, uint64_t first,
                                   const state_store_run *runs,
                                   size_t run_count);

/* Asks the processor to fetch the table entry where a form with this hash
 * starts its probe, ahead of state_store_insert, ready to be written. */
void state_store_prefetch(const state_store *store, uint64_t hash);

/* The second step, once that entry has had time to arrive: when one of the
 * first entries of the probe carries this hash's bits, asks for the stored
 * form it points to, which state_store_insert will compare.  Most
 * successors are states already seen, and that compare is otherwise a
 * second miss that nothing overlaps. */
void state_store_prefetch_stored(const state_store *store, uint64_t hash);

/* Unfolds the vector of state `id` into `vector` (`words` words).  Returns
 * false when the store ran out of memory while adding that state, so that
 * it has no vector. */
bool state_store_get(const state_store *store, uint64_t id, uint64_t *vector);

/* As state_store_get, also writing the ids of the state's subtrees into
 * `tree` (2 * words entries; a flat store writes none), for
 * state_store_fold_near. */
bool state_store_unfold(const state_store *store, uint64_t id,
                        uint64_t *vector, uint64_t *tree);

/* The stored forms of states first, first + 1, ... of a compact store, one
 * after the other, and in *tags theirs (NULL without tags, or released:
 * all 0).  *count, the states asked for, is cut where a chunk of the arena
 * ends; at least one is given.  state_store_get without its checks, for
 * the explorer's short way: the states must be held, and not forgotten
 * (state_store_forget). */
const uint64_t *state_store_words(const state_store *store, uint64_t first,
                                  uint64_t *count, const uint16_t **tags);

uint64_t state_store_key(const state_store *store, uint64_t id);

/*
 * Tags.  A store without keys may keep a 16-bit tag per state, for what
 * its user must know of a state when expanding it (the explorer: the
 * transition that reached it).  Tags move with their states
 * (state_store_close_ids) and are released by chunks once no longer
 * needed (state_store_forget_tags).  A state's tag is 0 until set, and
 * again once released.
 */

/* Gives an empty store without keys a tag per state.  Returns 0, or -1
 * for a store with keys or states, or when out of memory. */
int state_store_enable_tags(state_store *store);

/* Sets the tag of `id`, a state whose adding returned STORE_ADDED; does
 * nothing without tags.  Not atomic: only the thread that added `id` may
 * set it, and others read it once the threads have met (a barrier). */
void state_store_set_tag(state_store *store, uint64_t id, uint16_t tag);

/* The tags of states first, first + 1, ..., to be set as by
 * state_store_set_tag: *count, the states asked for, is cut where a chunk
 * ends.  NULL without tags.  For the explorer's short way, which sets the
 * tags of the ids of its block one after the other. */
uint16_t *state_store_tags_to_set(state_store *store, uint64_t first,
                                  uint64_t *count);

/* The tag of `id`: 0 without tags, or when forgotten or never set. */
uint16_t state_store_tag(const state_store *store, uint64_t id);

/* Releases the tags of states below id `below`, as far as whole chunks
 * go.  Inserts may run meanwhile, but no thread may read or set a tag
 * below `below`, and only one thread may release at a time. */
void state_store_forget_tags(state_store *store, uint64_t below);

/* Lowers the key of `id` to `key` if that is smaller; thread-safe. */
void state_store_lower_key(state_store *store, uint64_t id, uint64_t key);

/* Ids handed out: the number of states, once the blocks are closed. */
uint64_t state_store_count(const state_store *store);

/* Distinct words and pairs in the dictionary (0 for one-word vectors). */
uint64_t state_store_dictionary_count(const state_store *store);

/* Bytes the store holds now, with those charged by state_store_charge. */
uint64_t state_store_bytes(const state_store *store);

/* Counts `bytes` that the caller keeps beside the store for its states (the
 * explorer's per-state arrays) against the store's budget, so that one
 * --max-memory covers both.  Returns false, charging nothing, when they do
 * not fit.  Thread-safe. */
bool state_store_charge(state_store *store, uint64_t bytes);

/* Entries in the table of stored forms. */
uint64_t state_store_capacity(const state_store *store);

/* New states the store can surely take, while neither table wants to grow,
 * before one of them refuses: an eighth of the room of each. */
uint64_t state_store_room(const state_store *store);

/* True once the table or the dictionary is three quarters full. */
bool state_store_wants_growth(const state_store *store);

/* Grows the tables that want to grow, or the main table when none does,
 * rehashing on `threads` threads: a table of ids quadruples while small
 * (below 2^21 entries, when the budget allows) and then doubles, a compact
 * table too, and grows by a quarter once large.  No insert may run at the
 * same time.  Returns 0, or -1 when the budget or malloc says no, or the table
 * is as large as it gets. */
int state_store_grow(state_store *store, unsigned threads);

/* Writes the vector of state `id` into `vector` and its key into *key. */
typedef void (*state_store_fill_fn)(void *context, uint64_t id,
                                    uint64_t *vector, uint64_t *key);

/*
 * Fills an empty store with `count` states, ids 0 .. count - 1, whose
 * vectors and keys `fill` writes (with `context`), on `threads` threads:
 * so `fill` must be safe to call from several at once.  The tables grow as
 * needed.  The vectors must be distinct.  Returns 0, or -1 when the budget
 * or malloc says no.
 */
int state_store_fill(state_store *store, uint64_t count,
                     state_store_fill_fn fill, void *context,
                     unsigned threads);

/*
 * Renumbers ids [first, count): the state that had id order[i] gets id
 * first + i (`order` is a permutation of that range).  No insert may run at
 * the same time; the work itself is shared by `threads` threads.  Returns
 * 0, or -1 when out of memory.
 */
int state_store_reorder(state_store *store, uint64_t first,
                        const uint64_t *order, unsigned threads);

#endif
