/*
 * explore_internal.h — what the files of the explorer share (not part of
 * the API: explore.h is).
 *
 * explore.c holds the search: workers, levels, successors and inserts,
 * the hot path.  Around it, files of their own for what runs seldom:
 *   explore_encoding.c  the first encoding, the store states go in, and
 *                       re-encoding with wider slots;
 *   explore_order.c     numbering a level's states as one thread would
 *                       (closing the id blocks in chunk order, renumbering
 *                       by key);
 *   explore_pumping.c   the proof that a model is unbounded;
 *   explore_rebuild.c   the run to a deadlock, without parent links;
 *   explore_result.c    the result: its creation, accessors and traces.
 * They share the structures below; the functions each offers the others
 * are declared at the end, file by file.
 */
#ifndef PNSIM_EXPLORE_INTERNAL_H
#define PNSIM_EXPLORE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "codec.h"
#include "commute.h"
#include "explore.h"
#include "packed.h"
#include "store.h"
#include "tally.h"

/* A key packs the parent id (high bits) and the successor's position among
 * the parent's successors (low bits). */
#define EXPLORE_VISIT_BITS 24
#define EXPLORE_VISIT_MAX (((uint64_t)1 << EXPLORE_VISIT_BITS) - 1)
#define EXPLORE_ROOT_KEY UINT64_MAX

/* Batch size, and ring size of the pipeline: a power of two. */
#define EXPLORE_BATCH 16

/* Counting on one-word vectors: the ring of successors in flight, a power
 * of two, inserted by halves (explore_expand_word): a successor's table
 * entry is fetched as it joins, and read when its half goes in, 64 to 128
 * successors later.  Interleaved runs, one thread, a ring of 32 against
 * 128 (search seconds, min/median): Kanban-PT-00005 0.258/0.262 against
 * 0.246/0.252 (15 rounds), Peterson-PT-3 0.371/0.378 against 0.362/0.376
 * (15), TokenRing-PT-015 10.94/11.17 against 9.96/10.00 (2); rings of 64
 * and 256 gave 10.55/11.04 and 9.91/9.98 there.  Two threads gained
 * within the noise (Dekker-PT-020 1.55/1.69 against 1.53/1.54, 5 rounds). */
#define EXPLORE_RUN 128

struct explore_result {
    const model *model;
    state_codec codec;
    state_codec_sets sets;            /* the codec's exclusive sets */
    state_tally *tally;               /* the codec's token figures */
    bool sum_fixed;                   /* every state's slots sum to */
    model_value fixed_sum;            /* this (explore_sum_fixed) */
    packed_model *packed;             /* successors on packed vectors, for
                                         linear models; else NULL */
    commute_table *commute;           /* diamonds: with `packed`, unless
                                         every edge's target is wanted */
    state_store *store;
    bool with_keys;
    bool enabled_table;               /* packed_model_create's with_table */
    bool forget;                      /* release the vectors of expanded
                                         levels (explore_options) */
    uint64_t *level_ends;             /* of the levels expanded: level k
                                         is [level_ends[k - 1],
                                         level_ends[k]) */
    size_t level_ends_capacity;
    _Atomic unsigned char *fired;     /* one flag per transition */
    model_value *initial;             /* for slot constancy */
    uint32_t *slot_order;             /* the codec's packing order */
    uint64_t *initial_packed;         /* ... in the current encoding */
    uint64_t *set_seen;               /* per exclusive set of the codec:
                                         the indices its field held in the
                                         states added, as bits */
    uint64_t *changed_words;          /* bits that ever left their initial
                                         value, in the current encoding */
    bool *slot_changed;               /* slots that did, under encodings
                                         before the current one */
    explore_outcome outcome;
    explore_stats stats;
    model_value **decoded;            /* explore_result_state's cache */
    uint64_t decoded_count;
    uint32_t *path_max;               /* find_pumping: largest slot sum on
                                         each state's path, saturating */
    uint64_t path_max_size;
};

typedef struct explore_shared explore_shared;

/* A run of `length` ids from `first` that new states of one thread took
 * one after the other, while it expanded the chunk of the level that
 * begins `chunk` states past the level's start (levels are below 2^31
 * states: store.h). */
typedef struct explore_found_run {
    uint64_t first;
    uint32_t length, chunk;
} explore_found_run;

/* One thread's state.  The level counters are merged into the result when
 * a level completes, and thrown away when it must be explored again. */
typedef struct explore_worker {
    explore_shared *shared;
    void *scratch;
    model_value *values;              /* the state being expanded */
    uint64_t *child;                  /* a successor, packed */
    uint64_t *parent_packed;          /* the state being expanded, packed */
    uint64_t *parent_tree;            /* ... its subtrees in the store */
    uint64_t *ancestor_packed;        /* find_pumping's scratch */
    /* Linear models (packed.h): the last state whose enabled transitions
     * were computed, with them, and scratch for that. */
    packed_near near;
    uint64_t *candidates;
    explore_state_id parent;
    uint64_t visit;                   /* successors of the parent so far */
    /* Diamonds: the transitions that commute with the one that reached
     * the parent, `reached_by`, as skip_words words of bits (commute_row);
     * NULL: none is known to. */
    const uint64_t *skip;
    const uint64_t *testing;          /* commute_testing_row: NULL, no
                                         test */
    const uint64_t *changing;         /* commute_changing_row */
    const uint64_t *undoing;          /* commute_undoing_row: NULL, none */
    size_t skip_words;
    uint32_t reached_by;
    /* The state reached_by was fired in, once asked for (before_known),
     * and the state after firing another transition there: scratch of
     * explore_commute_here, packed. */
    uint64_t *before, *through;
    bool before_known;
    /* Whether those tests pay: tests and diamonds found since the last
     * measure began, and states left to expand without them. */
    uint32_t commute_tests, commute_found;
    uint32_t commute_pause;
    /* The transitions this thread knows to be marked fired, as bits. */
    uint64_t *fired_known;

    uint64_t edges, dead_final, dead_nonfinal, new_states, max_degree;
    uint64_t diamond_edges;
    explore_state_id first_deadlock;
    explore_state_id pumping_state, pumping_ancestor;
    model_value max_sum;
    bool sum_overflow;
    state_tally_running tally;        /* the largest slot value, the sets'
                                         members aside */
    uint64_t *changed_words;
    uint64_t *set_seen;

    /* Successors wait in a batch while their table entries are fetched:
     * places [0, batch_count) of the arrays.  A pipelined worker uses the
     * same arrays as a ring: successors ring_tail .. ring_head - 1 (place:
     * number modulo EXPLORE_BATCH) are in flight. */
    uint64_t *batch_vectors;          /* EXPLORE_BATCH vectors */
    uint64_t *batch_stored;           /* ... and their stored forms */
    uint64_t batch_hash[EXPLORE_BATCH], batch_key[EXPLORE_BATCH];
    uint64_t batch_vector_hash[EXPLORE_BATCH]; /* for the recent states */
    uint32_t batch_transition[EXPLORE_BATCH];
    unsigned batch_count;
    bool pipelined;
    uint64_t ring_head, ring_tail;
    /* States this thread met lately, by hash (EXPLORE_RECENT places of
     * an id and a vector each; an id of EXPLORE_NO_STATE is an empty
     * place): the successors of sibling states overlap, and one found
     * here needs no look at the table. */
    uint64_t *recent;                 /* NULL: not used now */
    uint64_t *recent_buffer;          /* support_pages_map */
    /* In the pipeline, successors until the cache is turned on to measure
     * or the measure ends (0: the cache is never turned on or off), and
     * the hits while measuring. */
    uint64_t recent_countdown;
    uint64_t recent_hits;
    bool recent_measuring;
    bool recent_untouched;            /* recent_buffer is all zero still,
                                         as it came */

    /* Counting on one-word vectors (explore_expand_word): successors
     * run_tail .. run_head - 1 (place: number modulo EXPLORE_RUN) wait in
     * a ring, their word, hash and transition, while their table entries
     * are fetched, and go into the store EXPLORE_RUN / 2 at a time. */
    bool word_path;
    uint64_t *word_seen;              /* hashes of successors sent lately,
                                         by their low bits (0: none) */
    uint64_t word_seen_mask;          /* its places, less one */
    bool word_seen_kept;              /* ... all of states in the store:
                                         false after a level cut short */
    /* With several threads and tags (found_noted), the runs of ids this
     * thread's new states took since the id blocks were last closed, for
     * explore_close_ids to number them in the order of the chunks that
     * found them (found_count of found_capacity; found_lost: some did
     * not fit, the order is unknown). */
    bool found_noted, found_lost;
    explore_found_run *found;
    size_t found_count, found_capacity;
    uint64_t found_next;              /* the id after the last run's: its
                                         end, once it ends */
    uint32_t chunk;                   /* the chunk being expanded, as in
                                         explore_found_run */
    uint64_t run_head, run_tail;
    /* The tags of ids tag_first .. tag_first + tag_count - 1, where new
     * states of this thread get theirs (state_store_tags_to_set). */
    uint16_t *tag_row;
    uint64_t tag_first, tag_count;
    uint64_t run_words[EXPLORE_RUN], run_codes[EXPLORE_RUN];
    uint32_t run_transitions[EXPLORE_RUN];
    uint64_t run_added[EXPLORE_RUN / 2];

    state_store_ids ids;              /* this thread's block of new ids */
    /* No state below this id is still to be expanded by this thread
     * (UINT64_MAX: none at all), for explore_release_tags. */
    _Atomic uint64_t expanding_from;
    char padding[64];                 /* no cache line shared with the next
                                         thread's worker */
} explore_worker;

/* What every thread shares during one run. */
struct explore_shared {
    const model *model;
    const explore_options *options;
    explore_result *result;
    unsigned threads;
    double start;
    uint64_t level_start, level_end;
    uint64_t chunk;
    _Atomic uint64_t cursor;
    _Atomic int stop;                 /* an explore_outcome; 0: go on */
    atomic_bool pause;                /* the table wants to grow */
    atomic_bool redo;                 /* explore the level again */
    atomic_bool table_full;           /* ... with a larger table */
    _Atomic unsigned char *wanted_width; /* per slot, for re-encoding */
    state_store_ids *id_blocks;       /* the workers' blocks, for closing */
    explore_worker *workers;
    _Atomic uint64_t max_degree;
    double last_progress;
    pnsim_error *error;
    atomic_bool error_set;
    bool pumping;                     /* look for covering states */
    bool diamonds_above;              /* the level's diamonds are above the
                                         transition that reached a state */
    /* explore_order_by_key's scratch, kept from level to level: fresh
     * pages for each level cost as much as the sort. */
    uint64_t *sort_order, *sort_keys, *sort_starts;
    size_t sort_order_capacity, sort_keys_capacity, sort_starts_capacity;
};

/* ---- explore.c ----------------------------------------------------------- */

/* True when hooks watch the search: it then runs on one thread, inserts
 * state by state and keeps full-width slots. */
static inline bool explore_hooked(const explore_options *options)
{
    return options->on_state != NULL || options->on_edge != NULL;
}

/* True when the store keeps, as each state's tag, the transition that
 * reached it (diamonds without parent links). */
static inline bool explore_tags_reaching(const explore_result *result)
{
    return result->commute != NULL && !result->with_keys;
}

/* True when `state` is an intended end: options->final when set, else the
 * model's own notion (model_is_final). */
bool explore_is_final(const model *model, const explore_options *options,
                      const model_value *state);

/* Ends the search with EXPLORE_FAILED for a broken promise of the search
 * itself (PNSIM_ERR_INTERNAL). */
void explore_fail_internal(explore_shared *shared, const char *message);

/* Ends the run of found ids being noted (explore_order.c's too). */
static inline void explore_found_end(explore_worker *worker)
{
    if (worker->found_count > 0 && worker->found_next != UINT64_MAX) {
        explore_found_run *last = &worker->found[worker->found_count - 1];
        last->length = (uint32_t)(worker->found_next - last->first);
    }
    worker->found_next = UINT64_MAX;
}

/* ---- explore_encoding.c -------------------------------------------------- */

/* Moves the changed bits of the current encoding into per-slot flags, before
 * the encoding changes. */
void explore_fold_changes(explore_result *result);

/* Asks for `slot` to be wide enough for `value`, and for the level again;
 * returns 1, to stop the expansion. */
int explore_widen(explore_shared *shared, size_t slot, model_value value);

/* A store for vectors of `words` words, for `result` searched as `options`
 * say; NULL when out of memory.  The caller frees it. */
state_store *explore_store_create(const explore_result *result,
                                  const explore_options *options,
                                  size_t words);

/* True when no slot can ever outgrow its width. */
bool explore_widths_final(const explore_result *result);

/* Re-encodes states [0, keep) with the widths the threads asked for; false
 * when out of memory or when the search must fail. */
bool explore_reencode(explore_shared *shared, uint64_t keep,
                      const explore_options *options);

/* The codec's packing order of `model`'s slots; NULL when out of memory.
 * The caller frees it. */
uint32_t *explore_slot_order(const model *model);

/* A slot's first width. */
uint8_t explore_first_width(const model *model, const model_value *initial,
                            size_t slot);

/* ---- explore_order.c ----------------------------------------------------- */

/* Ends the workers' id blocks so that ids are dense again; false when out
 * of memory. */
bool explore_close_ids(explore_shared *shared, explore_worker *workers,
                       unsigned count);

/* Gives the new level's states, from `first`, the ids one thread would
 * have given them; false when out of memory or failed. */
bool explore_renumber(explore_shared *shared, uint64_t first);

/* Releases the renumbering's scratch. */
void explore_sort_scratch_free(explore_shared *shared);

/* ---- explore_pumping.c --------------------------------------------------- */

/* Records state `id` in path_max and looks for an ancestor it strictly
 * covers; returns it, or EXPLORE_NO_STATE. */
explore_state_id explore_pumping_check(explore_result *result,
                                       explore_state_id id,
                                       const model_value *values,
                                       const uint64_t *packed,
                                       uint64_t *scratch);

/* Makes room in path_max for states [0, count); false: out of memory. */
bool explore_pumping_reserve(explore_result *result, uint64_t count);

/* Checks the states from `first` on after a search cut short. */
void explore_pumping_rest(explore_result *result, uint64_t first);

/* ---- explore_result.c ---------------------------------------------------- */

/* A result for a search of `model` from `initial`, with its codec and empty
 * store; NULL when out of memory.  Freed by explore_result_free. */
explore_result *explore_result_create(const model *model,
                                      const explore_options *options,
                                      const model_value *initial);

#endif
