/*
 * explore.c — parallel breadth-first exploration (see explore.h).
 *
 * Level-synchronous search.  The store hands out dense ids, so a level is a
 * range of ids: states [level_start, level_end) are expanded, and the states
 * they discover get ids from level_end on.  Threads (OpenMP) take chunks of
 * the level from a shared cursor and insert successors into the one shared,
 * lock-free store.
 *
 * Determinism.  Every new state remembers the smallest key (parent id,
 * position among the parent's successors) it was reached with.  One thread
 * would have numbered the new states in exactly that key order, so at the
 * end of a level they are renumbered by key.  With any number of threads the
 * ids, the parent links and so every trace are those of the one-thread
 * search: traces are shortest and the output is the same run after run.
 *
 * Encoding.  States are stored packed (codec.h).  A slot starts as wide as
 * its initial value needs, or as a bound the model proves (model.h) needs
 * when that is not much more; an exclusive set the model gives, and the
 * codec can check, is stored as the index of its member holding 1.  A
 * successor is encoded by copying its parent's packed vector and
 * re-packing only the slots the transition may change
 * (model_transition.writes), then hashed from its few packed words.  A
 * value too wide for its slot stops the level: the store is re-encoded
 * with wider slots and the level is explored again, so nothing is ever
 * truncated.
 *
 * Successors.  For a linear model (model.h) successors are computed on the
 * packed vector itself (packed.h): the parent is never unpacked, unless for
 * a hook, the pumping check or a dead state.  Other models get the
 * unpacked parent and hand back full vectors.
 *
 * Pipelining.  The table is far larger than the caches, and a miss per
 * successor would dominate.  Without hooks, on a flat store, successors
 * go through a ring shared by consecutive parents: a successor's table
 * entry is fetched when it joins, the stored form that entry points to
 * some successors later, and it is inserted when the ring is full, so the
 * misses of a dozen successors overlap the work on the next ones.  The
 * ring is emptied at the end of each chunk, before the table may grow.
 * With hooks or a tree store, a state's successors are inserted as one
 * batch when its expansion ends.  Counting one-word states in a compact
 * store, the commonest search, takes a shorter way still
 * (explore_expand_word).
 *
 * Recent states.  Siblings (states of consecutive ids, mostly children of
 * one parent) share many successors.  Each thread keeps the states it
 * inserted or found lately in a small direct-mapped cache, by hash; a
 * successor found there is neither folded (on a tree store) nor inserted.
 * Ids may move when the id blocks close, between rounds of chunks, so the
 * cache is emptied at each round.  In the pipeline a hit saves less: the
 * table's entry would have been fetched ahead, while the cache's look is
 * not, and whether it hits is hard to predict.  So there the cache is
 * used only while it pays: it is on for a stretch of successors, and
 * stays on only if at least half of them hit (Dekker-PT-015: 83 % of the
 * successors hit; Peterson-PT-3: 19 %, where the cache made the search
 * a tenth to a fifth slower).
 *
 * Diamonds.  Most edges of a net of processes lead to states some other
 * edge of the same level also reaches: steps of different processes commute
 * (commute.h).  When a state x was reached from p by g, and a transition
 * t < g that commutes with g is enabled in x, then t is enabled in p, g in
 * p·t, and x·t = p·t·g: its edge is counted (and its transition marked
 * fired) but not followed.  Nothing is lost: were every edge into a state y
 * of level d from level d - 1 skipped, take the one of the largest
 * transition, x -t-> y with x = p·g; p·t is of level d - 1 (not less, or y
 * would be nearer), and p·t -g-> y is an edge of that level with a larger
 * transition, skipped too: a contradiction.  The proof holds whichever edge
 * into x is taken as its reaching one.  With parent links it is the one of
 * the smallest key, whose low bits then hold the transition rather than its
 * rank among the parent's successors (the same order): since p·t's key is
 * below x's, no skipped edge is ever a smallest one, and ids, parent links
 * and traces are those of a search that follows every edge.  Without them,
 * the transition goes into the store's tag of the state (store.h) as it is
 * added, by whichever thread adds it; a level's tags are released as it is
 * expanded, and a level explored again without them follows every edge.
 * Only on packed linear models, and not when a hook wants every edge's
 * target.
 *
 * Which edge reaches a state matters: one thread adds the states of a
 * level in the order of their parents, so x = p·a·b, a < b, is reached
 * first from p·a, by b, which leaves more transitions below it to skip.
 * Threads take ids by blocks (store.h), and the new level's ids would
 * interleave the blocks, an order in which p·b comes before p·a more
 * often; so with several threads on a compact store (whose table keeps
 * no ids to move), a level's new states are numbered in the order of the
 * chunks that found them, as one thread would have
 * (state_store_close_ids_in_order), and only the race between chunks
 * expanded at the same time is left.  Edges followed on two threads,
 * without that order and with it (one thread): Kanban-PT-00005 10.2 M
 * and 9.35 M (8.82 M), SwimmingPool-PT-03 108 to 123 M and 96.2 M
 * (92.4 M).
 *
 * The mirror rule holds as well: skip the t > g that commute with g, and
 * take, in the proof, the edge into y of the smallest transition.  Only
 * all states of one level must follow the same rule, since the proof
 * for level d looks at the edges out of level d - 1.  Which side skips
 * more depends on the net, and a search tends to stay with its side (the
 * edges that reach states, and so their tags, are those it did not skip),
 * so when counting only two pilot searches of a few thousand states, one
 * per side, choose (explore_diamonds_above).  With parent links the side
 * is below, for the smallest keys above.
 *
 * Counting only.  Without parent links or hooks, nobody asks which id a
 * state met again has, so one-word vectors go to a compact store
 * (store.h), whose table keeps the vectors themselves.  With
 * forget_expanded, when every slot's width holds a proved bound (so the
 * search never re-encodes), the vectors of the levels expanded are
 * released as the search goes: memory holds the set and the frontier.  A
 * level cut short by a full table is then explored again after the states
 * it added are taken out of the store (state_store_truncate).
 *
 * Unboundedness.  With find_pumping on a monotone model, expanding a state
 * also sums its slots and keeps, per state, the largest sum on its path
 * from the initial state (path_max, saturating 32 bits).  A state whose sum
 * exceeds every ancestor's is compared, packed and slot by slot, with its
 * ancestors along the parent links; one it covers proves the model
 * unbounded.  That filter loses nothing: an unbounded model has an
 * infinite path of distinct states in the tree of parent links, its states
 * whose sum beats all before them are infinitely many, and among those
 * (Dickson's lemma) a later one covers an earlier one.  States of a level
 * cut short by a limit are checked in one pass at the end.  A model that
 * bounds every slot (model.slot_bounds) is not checked: its search ends
 * by itself, and with a wrong bound it would end at a limit.
 *
 * Growth.  Threads do not resize the table while they insert.  When it is
 * three quarters full they finish their chunk and stop; one thread grows it and the
 * level goes on from where the cursor stood.  Chunks are sized so that a
 * round of chunks cannot fill the rest of the table.
 */
#include "explore.h"

#include <omp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "commute.h"
#include "packed.h"
#include "tally.h"
#include "store.h"
#include "support.h"

/* A key packs the parent id (high bits) and the successor's position among
 * the parent's successors (low bits). */
#define EXPLORE_VISIT_BITS 24
#define EXPLORE_VISIT_MAX (((uint64_t)1 << EXPLORE_VISIT_BITS) - 1)
#define EXPLORE_ROOT_KEY UINT64_MAX

/* How many bits more than its initial value needs a slot's first width
 * may take from a proved bound. */
#define EXPLORE_BOUND_BITS 8

/* States of each pilot search that chooses the side of the diamonds, and
 * by how much more the side above must skip in its pilot to be chosen
 * (pilots above / below: Peterson-PT-3 1.63, SharedMemory-PT-000010
 * 1.39, TokenRing-PT-010 1.06, Philosophers-PT-000010 1.044, all of
 * which count a quarter to a third more diamonds above in the whole
 * search; Dekker-PT-015 1.033 and Dekker-PT-020 1.015, which count as
 * many). */
#define EXPLORE_PILOT_STATES 2000
#define EXPLORE_PILOT_MARGIN 1.04

/* Enabled sets of up to this many words are scanned whole on the short
 * way, longer ones by the list of their nonzero words (explore_expand_word). */
#define EXPLORE_WORDS_SCANNED 16

/* Levels with fewer states than this are expanded by one thread. */
#define EXPLORE_PARALLEL_LEVEL 512
/* States a thread takes from the level at once (explore_chunk).  A thread's
 * cache of recent successors sees only its own chunks, and siblings'
 * successors overlap across chunks: larger chunks lose fewer of them, while
 * the chunks of a level must stay many enough to share it out evenly. */
#define EXPLORE_CHUNK_MIN ((uint64_t)256)
#define EXPLORE_CHUNK_MAX ((uint64_t)1024)
#define EXPLORE_CHUNKS_PER_THREAD ((uint64_t)16)

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

/* Batch size, and ring size of the pipeline: a power of two. */
#define EXPLORE_BATCH 16
/* Bytes of a cache line, the unit of a worker's buffers. */
#define EXPLORE_CACHE_LINE ((size_t)64)
/* Successors between the steps of the pipeline: a successor's table entry
 * is fetched when it joins the ring, its stored form EXPLORE_PIPE_DISTANCE
 * successors later, and it is inserted EXPLORE_BATCH successors later. */
#define EXPLORE_PIPE_DISTANCE 8
/* Places of the cache of recent states: a power of two. */
#define EXPLORE_RECENT_LOG 14
#define EXPLORE_RECENT ((size_t)1 << EXPLORE_RECENT_LOG)
/* The longest vectors (in words) the cache keeps. */
#define EXPLORE_RECENT_WORDS 4
/* In the pipeline: successors that measure whether the cache pays, and
 * successors until it is measured again. */
#define EXPLORE_RECENT_MEASURE 4096
#define EXPLORE_RECENT_PERIOD 65536
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
/* Room for runs of found ids a thread keeps free when it starts a chunk:
 * a chunk adds one run, and one more each time the thread takes a new
 * block of ids (store.h), a few times a chunk. */
#define EXPLORE_FOUND_ROOM 64
/* Runs a thread keeps room for from one round to the next. */
#define EXPLORE_FOUND_KEPT 4096
/* States of a level whose renumbering's scratch (explore_order_by_key)
 * is kept for the next level: 8 MiB an array. */
#define EXPLORE_SORT_KEPT ((size_t)1 << 20)
/* Places of its hashes of recent successors: half a megabyte, in the
 * buffer of the recent states.  Dekker-PT-020, one thread: 3.65 s with
 * 2^12 or 2^14 places, 3.40 s with 2^16.  A search limited to fewer
 * states (a pilot) takes four places a state, from EXPLORE_WORD_SEEN_MIN
 * on: the places it would never reuse would only cost page faults. */
#define EXPLORE_WORD_SEEN_LOG 16
#define EXPLORE_WORD_SEEN ((size_t)1 << EXPLORE_WORD_SEEN_LOG)
#define EXPLORE_WORD_SEEN_MIN ((size_t)1 << 10)
#define EXPLORE_RECENT_BYTES \
    (EXPLORE_RECENT * (EXPLORE_RECENT_WORDS + 1) * sizeof(uint64_t))
_Static_assert(EXPLORE_WORD_SEEN * sizeof(uint64_t) <= EXPLORE_RECENT_BYTES,
               "word_seen fits the recent states' buffer");

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
    size_t skip_words;
    uint32_t reached_by;
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

void explore_options_init(explore_options *options)
{
    memset(options, 0, sizeof *options);
}

/* True when hooks watch the search: it then runs on one thread, inserts
 * state by state and keeps full-width slots. */
static bool explore_hooked(const explore_options *options)
{
    return options->on_state != NULL || options->on_edge != NULL;
}

static double explore_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static void explore_stop(explore_shared *shared, explore_outcome outcome)
{
    int none = 0;
    atomic_compare_exchange_strong(&shared->stop, &none, (int)outcome);
}

/* Ends the search with EXPLORE_FAILED; the first failure's error is the
 * one the caller sees. */
static void explore_fail(explore_shared *shared, const pnsim_error *error)
{
    if (!atomic_exchange(&shared->error_set, true) && shared->error != NULL)
        *shared->error = *error;
    explore_stop(shared, EXPLORE_FAILED);
}

/* Ends the search with EXPLORE_FAILED for a broken promise of the search
 * itself (PNSIM_ERR_INTERNAL). */
static void explore_fail_internal(explore_shared *shared, const char *message)
{
    pnsim_error error;
    pnsim_error_set(&error, PNSIM_ERR_INTERNAL, "%s", message);
    explore_fail(shared, &error);
}

static bool explore_should_halt(explore_shared *shared)
{
    return atomic_load_explicit(&shared->stop, memory_order_relaxed) != 0 ||
           atomic_load_explicit(&shared->redo, memory_order_relaxed);
}

static bool explore_is_final(const model *model, const explore_options *options,
                             const model_value *state)
{
    if (options->final != NULL)
        return state_predicate_holds(options->final, state);
    return model_is_final(model, state);
}

/* ---- per-thread accounting --------------------------------------------- */

/* True when the store keeps, as each state's tag, the transition that
 * reached it (diamonds without parent links). */
static bool explore_tags_reaching(const explore_result *result)
{
    return result->commute != NULL && !result->with_keys;
}

static void explore_worker_reset(explore_worker *worker)
{
    /* explore_run sets every worker's `shared` before the first level. */
    memset(worker->changed_words, 0,
           /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
           (worker->shared->model->state_length + 1) * sizeof(uint64_t));
    memset(worker->set_seen, 0,
           (worker->shared->result->codec.sets + 1) * sizeof(uint64_t));
    worker->batch_count = 0;
    worker->ring_head = worker->ring_tail = 0;
    worker->near.known = false;   /* the codec may have changed */
    /* Hooks want each state's edges before the next state; a tree store
     * folds successors near their parent: both insert state by state. */
    const explore_shared *shared = worker->shared;
    bool hooked = explore_hooked(shared->options);
    size_t words = shared->result->codec.words;
    worker->pipelined =
        !hooked && state_store_stored_words(shared->result->store) == words;
    bool cached = !hooked && words <= EXPLORE_RECENT_WORDS;
    worker->recent = cached ? worker->recent_buffer : NULL;
    worker->recent_measuring = cached && worker->pipelined;
    worker->recent_countdown =
        worker->recent_measuring ? EXPLORE_RECENT_MEASURE : 0;
    worker->recent_hits = 0;
    /* One-word vectors counted in a compact store take the short way. */
    worker->word_path = worker->pipelined && !shared->pumping &&
                        shared->result->packed != NULL &&
                        state_store_is_compact(shared->result->store);
    worker->run_head = worker->run_tail = 0;
    worker->tag_count = 0;
    worker->found_noted = worker->word_path && shared->threads > 1 &&
                          explore_tags_reaching(shared->result);
    worker->found_count = 0;
    worker->found_lost = false;
    worker->found_next = UINT64_MAX;
    if (worker->word_path) {
        /* The recent states' buffer serves as word_seen instead.  Its
         * hashes stay good from level to level: only a level explored
         * again, whose states may have been taken out of the store or
         * re-encoded, throws them away. */
        worker->recent = NULL;
        worker->recent_measuring = false;
        worker->recent_countdown = 0;
        worker->word_seen = worker->recent_buffer;
        if (!worker->word_seen_kept && !worker->recent_untouched)
            memset(worker->word_seen, 0,
                   (worker->word_seen_mask + 1) * sizeof(uint64_t));
        worker->word_seen_kept = true;
        worker->recent_untouched = false;
    }
    worker->edges = worker->dead_final = worker->dead_nonfinal = 0;
    worker->new_states = worker->diamond_edges = 0;
    worker->first_deadlock = EXPLORE_NO_STATE;
    worker->pumping_state = worker->pumping_ancestor = EXPLORE_NO_STATE;
    worker->max_sum = 0;
    worker->sum_overflow = false;
    state_tally_start(shared->result->tally, &worker->tally, 0);
    /* Closed at the end of the last level, or of a store thrown away. */
    worker->ids = (state_store_ids){0, 0};
}

/* Whether every state of linear `model` has the slot sum of `initial`,
 * written to *sum: every transition gives as much as it takes.  Then a
 * search need not add up the slots of each state it finds (Kanban,
 * Dekker, Peterson and TokenRing nets conserve their tokens). */
static bool explore_sum_fixed(const model *model, const model_value *initial,
                              model_value *sum)
{
    if (!model->linear)
        return false;
    for (size_t t = 0; t < model->transition_count; t++) {
        const model_transition *facts = &model->transitions[t];
        unsigned __int128 taken = 0, given = 0;
        for (size_t e = 0; e < facts->effect_count; e++) {
            taken += facts->effects[e].take;
            given += facts->effects[e].give;
        }
        if (taken != given)
            return false;
    }
    *sum = 0;
    for (size_t slot = 0; slot < model->state_length; slot++)
        if (__builtin_add_overflow(*sum, initial[slot], sum))
            return false;
    return true;
}

/* Counts `states` new states of the thread, the largest of whose tallied
 * sums is `tallied` (not read where every state has the fixed sum), and
 * `overflow` if a sum overflowed. */
static void explore_count_new(explore_worker *worker, uint64_t states,
                              model_value tallied, bool overflow)
{
    const explore_result *result = worker->shared->result;
    model_value sum = result->fixed_sum;
    /* Each exclusive set holds a token besides the tallied slots. */
    if (!result->sum_fixed)
        overflow |= __builtin_add_overflow(tallied, result->codec.sets, &sum);
    worker->new_states += states;
    worker->sum_overflow |= overflow;
    if (sum > worker->max_sum)
        worker->max_sum = sum;
}

/* Folds a newly found state (packed) into the thread's figures. */
static void explore_worker_account(explore_worker *worker,
                                   const uint64_t *packed)
{
    const explore_result *result = worker->shared->result;
    const state_codec *codec = &result->codec;
    /* Each exclusive set holds one token, on the member its field names:
     * a token per set (explore_count_new), and the index seen, which a
     * linear model's fired transitions tell at the end
     * (explore_sets_seen). */
    model_value sets = codec->sets;
    if (!result->model->linear)
        for (size_t set = 0; set < sets; set++)
            worker->set_seen[set] |=
                (uint64_t)1 << state_codec_set_index(codec, packed, set);
    for (size_t k = 0; k < codec->words; k++)
        worker->changed_words[k] |= packed[k] ^ result->initial_packed[k];
    bool overflow = false;
    model_value tallied = 0;
    if (result->sum_fixed)
        state_tally_add_max(result->tally, &worker->tally, packed);
    else
        tallied = state_tally_add(result->tally, &worker->tally, packed,
                                  &overflow);
    explore_count_new(worker, 1, tallied, overflow);
}

/* Adds a completed level's figures to the result. */
static void explore_merge(explore_result *result, explore_worker *worker)
{
    explore_stats *stats = &result->stats;
    stats->edges += worker->edges;
    stats->diamond_edges += worker->diamond_edges;
    stats->dead_final += worker->dead_final;
    stats->dead_nonfinal += worker->dead_nonfinal;
    if (worker->first_deadlock < stats->first_deadlock)
        stats->first_deadlock = worker->first_deadlock;
    if (worker->pumping_state < stats->pumping_state) {
        stats->pumping_state = worker->pumping_state;
        stats->pumping_ancestor = worker->pumping_ancestor;
    }
    /* A set's member that holds its token holds 1. */
    model_value max_value = worker->tally.max;
    if (result->codec.sets > 0 && worker->new_states > 0 && max_value == 0)
        max_value = 1;
    if (max_value > stats->max_slot_value)
        stats->max_slot_value = max_value;
    if (worker->max_sum > stats->max_slot_sum)
        stats->max_slot_sum = worker->max_sum;
    stats->max_slot_sum_overflow |= worker->sum_overflow;
    /* Every worker has its changed_words (explore_workers_create).
     * NOLINTBEGIN(clang-analyzer-core.NullDereference) */
    for (size_t k = 0; k < result->codec.words; k++)
        result->changed_words[k] |= worker->changed_words[k];
    for (size_t set = 0; set < result->codec.sets; set++)
        result->set_seen[set] |= worker->set_seen[set];
    /* NOLINTEND(clang-analyzer-core.NullDereference) */
}

/* The members of the exclusive sets that held their set's token, for a
 * linear model: the initial ones, and each one a fired transition gives the
 * token to.  Every other state is reached by a transition fired in a state
 * expanded, and a linear transition gives a set's token to the same member
 * wherever it fires, so no state needs to be looked at. */
static void explore_sets_seen(explore_result *result)
{
    const model *model = result->model;
    const state_codec *codec = &result->codec;
    if (codec->sets == 0)
        return;
    for (size_t set = 0; set < codec->sets; set++)
        result->set_seen[set] |=
            (uint64_t)1
            << state_codec_set_index(codec, result->initial_packed, set);
    for (uint32_t t = 0; t < model->transition_count; t++) {
        if (result->fired[t] == 0)
            continue;
        const model_transition *facts = &model->transitions[t];
        for (size_t i = 0; i < facts->effect_count; i++) {
            const model_effect *effect = &facts->effects[i];
            uint32_t set = codec->set_of[effect->slot];
            if (set != UINT32_MAX && effect->give > effect->take)
                result->set_seen[set] |=
                    (uint64_t)1
                    << state_codec_member_index(codec, effect->slot);
        }
    }
}

/* Moves the changed bits of the current encoding into per-slot flags, before
 * the encoding changes.  The sets stay the same (and set_seen with them). */
static void explore_fold_changes(explore_result *result)
{
    const state_codec *codec = &result->codec;
    for (size_t i = 0; i < codec->slots; i++)
        if (codec->width[i] != 0 &&
            (result->changed_words[codec->word[i]] & codec->mask[i]))
            result->slot_changed[i] = true;
    memset(result->changed_words, 0, codec->words * sizeof(uint64_t));
}

/* ---- unboundedness ------------------------------------------------------ */

/* True when packed vector `big` holds at least `small`'s value in every
 * slot.  Words of one-bit slots compare as bit sets.  An exclusive set
 * holds one token in both, so it covers only with the same member. */
static bool explore_covers(const state_codec *codec, const uint64_t *big,
                           const uint64_t *small)
{
    for (size_t k = 0; k < codec->words; k++) {
        uint64_t b = big[k], a = small[k];
        if (b == a)
            continue;
        if ((a ^ b) & codec->set_bits[k])
            return false;
        if (codec->word_bits[k]) {
            if (a & ~b)
                return false;
            continue;
        }
        for (size_t j = codec->word_first[k]; j < codec->word_first[k + 1];
             j++) {
            size_t i = codec->order[j];
            if (((b >> codec->shift[i]) & codec->limit[i]) <
                ((a >> codec->shift[i]) & codec->limit[i]))
                return false;
        }
    }
    return true;
}

/* Records state `id` (decoded `values`, packed `packed`) in path_max and,
 * when its sum beats every ancestor's, looks for an ancestor it covers: a
 * different stored state, so the cover is strict.  The parent's path_max
 * must be known.  Returns the covered ancestor or EXPLORE_NO_STATE. */
static explore_state_id explore_pumping_check(explore_result *result,
                                              explore_state_id id,
                                              const model_value *values,
                                              const uint64_t *packed,
                                              uint64_t *scratch)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < result->model->state_length; i++)
        if (__builtin_add_overflow(sum, values[i], &sum) || sum >= UINT32_MAX) {
            sum = UINT32_MAX;
            break;
        }
    uint32_t own = (uint32_t)sum;
    uint64_t key = state_store_key(result->store, id);
    if (key == EXPLORE_ROOT_KEY) {
        result->path_max[id] = own;
        return EXPLORE_NO_STATE;
    }
    explore_state_id ancestor = key >> EXPLORE_VISIT_BITS;
    uint32_t before = result->path_max[ancestor];
    result->path_max[id] = own > before ? own : before;
    if (own <= before)
        return EXPLORE_NO_STATE;
    for (;;) {
        if (state_store_get(result->store, ancestor, scratch) &&
            explore_covers(&result->codec, packed, scratch))
            return ancestor;
        key = state_store_key(result->store, ancestor);
        if (key == EXPLORE_ROOT_KEY)
            return EXPLORE_NO_STATE;
        ancestor = key >> EXPLORE_VISIT_BITS;
    }
}

/* Makes room in path_max for states [0, count).  False: out of memory. */
static bool explore_pumping_reserve(explore_result *result, uint64_t count)
{
    if (count <= result->path_max_size)
        return true;
    uint64_t size = result->path_max_size ? result->path_max_size : 1024;
    while (size < count)
        size *= 2;
    /* The array counts against --max-memory like the store itself. */
    if (!state_store_charge(result->store,
                            (size - result->path_max_size) * sizeof(uint32_t)))
        return false;
    uint32_t *grown = realloc(result->path_max, size * sizeof *grown);
    if (grown == NULL)
        return false;
    result->path_max = grown;
    result->path_max_size = size;
    return true;
}

/* After a search cut short: checks the states from `first` on, which were
 * perhaps never expanded, in id order (a parent's id is below its
 * children's). */
static void explore_pumping_rest(explore_result *result, uint64_t first)
{
    uint64_t count = state_store_count(result->store);
    size_t slots = result->model->state_length;
    size_t words = result->codec.words;
    model_value *values = malloc((slots ? slots : 1) * sizeof *values);
    uint64_t *packed = malloc(2 * words * sizeof *packed);
    if (values == NULL || packed == NULL ||
        !explore_pumping_reserve(result, count)) {
        free(values);
        free(packed);
        return;
    }
    for (uint64_t id = first; id < count; id++) {
        if (!state_store_get(result->store, id, packed))
            break;   /* the store ran out of memory while adding it */
        state_codec_decode(&result->codec, packed, values);
        explore_state_id ancestor =
            explore_pumping_check(result, id, values, packed, packed + words);
        if (ancestor != EXPLORE_NO_STATE) {
            result->stats.pumping_state = id;
            result->stats.pumping_ancestor = ancestor;
            break;
        }
    }
    free(values);
    free(packed);
}

/* ---- successors ----------------------------------------------------------- */

/* Asks for `slot` to be wide enough for `value`, and for the level again. */
static int explore_widen(explore_shared *shared, size_t slot, model_value value)
{
    if (shared->result->codec.width[slot] == 0) {
        /* A member of a checked exclusive set never holds more than 1. */
        explore_fail_internal(shared, "a value broke an exclusive set");
        return 1;
    }
    /* Room for growth, but no more than a proved bound needs. */
    unsigned bits = state_codec_bits(value) + 2;
    const model_value *bounds = shared->model->slot_bounds;
    if (bounds != NULL && value <= bounds[slot] &&
        state_codec_bits(bounds[slot]) < bits)
        bits = state_codec_bits(bounds[slot]);
    unsigned char wanted = (unsigned char)(bits > 64 ? 64 : bits);
    unsigned char current = atomic_load(&shared->wanted_width[slot]);
    while (wanted > current &&
           !atomic_compare_exchange_weak(&shared->wanted_width[slot], &current,
                                         wanted))
        ;
    atomic_store(&shared->redo, true);
    return 1;
}

static bool explore_grow_alone(explore_worker *worker);
static int explore_flush(explore_worker *worker);
static int explore_insert(explore_worker *worker, unsigned place,
                          const uint64_t *stored);
static int explore_pipe_pop(explore_worker *worker);

/* The place of a hash in the cache of recent states. */
static uint64_t *explore_recent_place(const explore_worker *worker,
                                      uint64_t hash, size_t words)
{
    return worker->recent +
           (hash >> (64 - EXPLORE_RECENT_LOG)) * (words + 1);
}

static void explore_recent_clear(explore_worker *worker, size_t words)
{
    if (worker->recent != NULL)
        worker->recent_untouched = false;
    for (size_t i = 0; worker->recent != NULL && i < EXPLORE_RECENT; i++)
        worker->recent[i * (words + 1)] = EXPLORE_NO_STATE;
}

/* Counts a successor in the pipeline, and turns the cache on when a
 * measure starts, or off when one ends and fewer than half of its
 * successors hit (see "Recent states" above). */
static void explore_recent_steer(explore_worker *worker)
{
    if (worker->recent_countdown == 0 || --worker->recent_countdown != 0)
        return;
    if (worker->recent_measuring) {
        bool pays = worker->recent_hits * 2 >= EXPLORE_RECENT_MEASURE;
        worker->recent = pays ? worker->recent_buffer : NULL;
        worker->recent_countdown = EXPLORE_RECENT_PERIOD;
    } else {
        if (worker->recent == NULL) {
            /* Emptied: while off, it may have missed a round's start. */
            worker->recent = worker->recent_buffer;
            explore_recent_clear(worker, worker->shared->result->codec.words);
        }
        worker->recent_hits = 0;
        worker->recent_countdown = EXPLORE_RECENT_MEASURE;
    }
    worker->recent_measuring = !worker->recent_measuring;
}

/* True when the cache of recent states knows the successor at batch place
 * `place`, whose vector hashes to `hash`: its edge is then counted. */
static bool explore_recent_knows(explore_worker *worker, unsigned place,
                                 uint64_t hash)
{
    explore_shared *shared = worker->shared;
    size_t words = shared->result->codec.words;
    const uint64_t *vector = worker->batch_vectors + place * words;
    const uint64_t *seen = explore_recent_place(worker, hash, words);
    bool same = seen[0] != EXPLORE_NO_STATE;
    for (size_t k = 0; k < words && same; k++)
        same = seen[1 + k] == vector[k];
    if (!same)
        return false;
    if (seen[0] >= shared->level_end && shared->result->with_keys)
        state_store_lower_key(shared->result->store, seen[0],
                              worker->batch_key[place]);
    worker->edges++;
    worker->recent_hits++;
    return true;
}

/* Puts the successor just encoded at place `place` of the ring, of hash
 * `hash`, into the pipeline: fetches its table entry, the stored form of
 * the one that joined EXPLORE_PIPE_DISTANCE successors before, and inserts
 * the oldest once the ring is full.  Successors of several parents are in
 * flight together, so the table's misses overlap the work on the next
 * states.  Returns nonzero when the expansion must stop. */
static int explore_pipe_push(explore_worker *worker, unsigned place,
                             uint64_t hash)
{
    state_store *store = worker->shared->result->store;
    worker->batch_hash[place] = hash;
    state_store_prefetch(store, hash);
    worker->ring_head++;
    if (worker->ring_head - worker->ring_tail > EXPLORE_PIPE_DISTANCE)
        state_store_prefetch_stored(
            store, worker->batch_hash[(worker->ring_head - 1 -
                                       EXPLORE_PIPE_DISTANCE) &
                                      (EXPLORE_BATCH - 1)]);
    if (worker->ring_head - worker->ring_tail < EXPLORE_BATCH)
        return 0;
    return explore_pipe_pop(worker);
}

/* Inserts the oldest successor of the ring. */
static int explore_pipe_pop(explore_worker *worker)
{
    size_t words = worker->shared->result->codec.words;
    unsigned place = (unsigned)(worker->ring_tail++ & (EXPLORE_BATCH - 1));
    if (explore_insert(worker, place, worker->batch_vectors + place * words))
        return 1;
    return explore_should_halt(worker->shared) ? 1 : 0;
}

/* Inserts every successor still in the ring: at the end of a chunk. */
static int explore_pipe_drain(explore_worker *worker)
{
    /* Set for every worker before the first level.
     * NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
    state_store *store = worker->shared->result->store;
    uint64_t first = worker->ring_head - worker->ring_tail >
                             EXPLORE_PIPE_DISTANCE
                         ? worker->ring_head - EXPLORE_PIPE_DISTANCE
                         : worker->ring_tail;
    for (uint64_t at = first; at < worker->ring_head; at++)
        state_store_prefetch_stored(
            store, worker->batch_hash[at & (EXPLORE_BATCH - 1)]);
    while (worker->ring_tail < worker->ring_head)
        if (explore_pipe_pop(worker) != 0)
            return 1;
    return 0;
}

/* The batch place where the next successor is to be encoded. */
static unsigned explore_next_place(const explore_worker *worker)
{
    return worker->pipelined
               ? (unsigned)(worker->ring_head & (EXPLORE_BATCH - 1))
               : worker->batch_count;
}

/* Marks `transition` as fired in some state. */
static void explore_mark_fired(explore_result *result, uint32_t transition)
{
    /* Read first: writing a flag that is already set would still pull the
     * cache line away from the other threads. */
    if (atomic_load_explicit(&result->fired[transition],
                             memory_order_relaxed) == 0)
        atomic_store_explicit(&result->fired[transition], 1,
                              memory_order_relaxed);
}

/* Sends on the successor by `transition` that is encoded at batch place
 * `place`, the next of the parent's.  Returns nonzero when the expansion
 * must stop. */
static int explore_emit(explore_worker *worker, uint32_t transition,
                        unsigned place)
{
    explore_result *result = worker->shared->result;
    uint64_t visit = worker->visit++;
    explore_mark_fired(result, transition);
    /* A linear model's successors come one per enabled transition, in
     * index order: the transition orders them as their rank would, and
     * with diamonds tells the next level which one reached the state. */
    uint64_t rank = result->commute != NULL ? transition : visit;
    worker->batch_key[place] =
        (worker->parent << EXPLORE_VISIT_BITS) |
        (rank < EXPLORE_VISIT_MAX ? rank : EXPLORE_VISIT_MAX);
    worker->batch_transition[place] = transition;
    uint64_t hash = 0;
    if (worker->recent != NULL || worker->pipelined) {
        size_t words = result->codec.words;
        /* In a flat store, also the hash of the stored form
         * (state_store_hash). */
        hash = support_hash_words(worker->batch_vectors + place * words,
                                  words);
        worker->batch_vector_hash[place] = hash;
        explore_recent_steer(worker);
        if (worker->recent != NULL &&
            explore_recent_knows(worker, place, hash))
            return 0;
    }
    if (worker->pipelined)
        return explore_pipe_push(worker, place, hash);
    worker->batch_count++;
    state_store_prefetch_words(result->store,
                               worker->batch_vectors +
                                   place * result->codec.words,
                               worker->parent_packed);
    if (worker->batch_count == EXPLORE_BATCH)
        return explore_flush(worker);
    return 0;
}

/* The model's visitor: encodes the successor, re-packing only the written
 * slots when the model says which.  A slot too narrow leaves the place
 * unclaimed. */
static int explore_visit(void *context, uint32_t transition,
                         const model_value *successor)
{
    explore_worker *worker = context;
    explore_shared *shared = worker->shared;
    const state_codec *codec = &shared->result->codec;
    const model_transition *facts = &shared->model->transitions[transition];
    unsigned place = explore_next_place(worker);
    size_t words = codec->words;
    uint64_t *child = worker->batch_vectors + place * words;
    if (facts->writes != NULL) {
        memcpy(child, worker->parent_packed, words * sizeof *child);
        for (size_t k = 0; k < facts->write_count; k++) {
            uint32_t written = facts->writes[k];
            model_value value = successor[written];
            if (value > codec->limit[written])
                return explore_widen(shared, written, value);
            state_codec_set(codec, child, written, value);
        }
    } else {
        long wide = state_codec_encode(codec, successor, child);
        if (wide >= 0)
            return explore_widen(shared, (size_t)wide, successor[wide]);
    }
    return explore_emit(worker, transition, place);
}

static int explore_ignore(void *context, uint32_t transition,
                          const model_value *successor)
{
    (void)context;
    (void)transition;
    (void)successor;
    return 0;
}

/* Counts the edges from the parent by the transitions of bits `diamonds`
 * (word k of a set of transitions) without computing their targets: the
 * parent was reached by a transition that commutes with each, from a
 * state that also enables it (see "Diamonds" above). */
static inline void explore_count_diamonds(explore_worker *worker, size_t k,
                                          uint64_t diamonds)
{
    uint64_t count = support_popcount(diamonds);
    worker->visit += count;
    worker->edges += count;
    worker->diamond_edges += count;
    for (uint64_t fresh = diamonds & ~worker->fired_known[k]; fresh != 0;
         fresh &= fresh - 1)
        explore_mark_fired(worker->shared->result,
                           (uint32_t)(k * 64 + (size_t)__builtin_ctzll(fresh)));
    worker->fired_known[k] |= diamonds;
}

/* explore_find_diamonds for a state whose tag is `tag` (0: none known),
 * in a store of tags. */
static inline void explore_find_diamonds_tagged(explore_worker *worker,
                                                uint16_t tag)
{
    const explore_result *result = worker->shared->result;
    worker->skip = NULL;
    worker->skip_words = 0;
    if (result->commute == NULL || tag == 0)
        return;
    worker->reached_by = tag - 1u;
    worker->skip = commute_row(result->commute, worker->reached_by,
                               &worker->skip_words);
}

/* Finds the transition that reached state `id`, and so the transitions
 * whose edges from it explore_count_diamonds counts: none for the initial
 * state or a state whose tag is gone. */
static void explore_find_diamonds(explore_worker *worker, explore_state_id id)
{
    const explore_result *result = worker->shared->result;
    if (explore_tags_reaching(result)) {
        explore_find_diamonds_tagged(worker,
                                     state_store_tag(result->store, id));
        return;
    }
    worker->skip = NULL;
    worker->skip_words = 0;
    if (result->commute == NULL)
        return;
    uint64_t key = state_store_key(result->store, id);
    if (key == EXPLORE_ROOT_KEY)
        return;
    worker->reached_by = (uint32_t)(key & EXPLORE_VISIT_MAX);
    worker->skip = commute_row(result->commute, worker->reached_by,
                               &worker->skip_words);
}

/* What became of a firing packed_model_fire did not write, `fired` (a slot
 * too narrow for `value`, or PACKED_OVERFLOW): the level stops to be
 * re-encoded, or the search fails. */
static model_result explore_fire_refused(explore_worker *worker,
                                         uint32_t transition, long fired,
                                         model_value value,
                                         pnsim_error *error)
{
    explore_shared *shared = worker->shared;
    if (fired == PACKED_OVERFLOW) {
        /* The model says which value, in its own words. */
        state_codec_decode(&shared->result->codec, worker->parent_packed,
                           worker->values);
        if (model_successors(shared->model, worker->values, worker->scratch,
                             explore_ignore, NULL, error) != MODEL_FAILED)
            pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                            "a value of transition '%s' exceeds 2^64-1",
                            shared->model->transitions[transition].name);
        return MODEL_FAILED;
    }
    explore_widen(shared, (size_t)fired, value);
    return MODEL_STOPPED;
}

/* Fires enabled `transition` on the parent's packed vector and sends the
 * successor on. */
static model_result explore_fire(explore_worker *worker, uint32_t transition,
                                 pnsim_error *error)
{
    explore_shared *shared = worker->shared;
    const packed_model *packed = shared->result->packed;
    size_t words = shared->result->codec.words;
    unsigned place = explore_next_place(worker);
    model_value value;
    long fired = packed_model_fire(packed, transition, worker->parent_packed,
                                   worker->batch_vectors + place * words,
                                   &value);
    if (fired != PACKED_FIRED)
        return explore_fire_refused(worker, transition, fired, value, error);
    return explore_emit(worker, transition, place) != 0 ? MODEL_STOPPED
                                                        : MODEL_DONE;
}

/* The transitions of word k of a set of transitions that are below
 * transition g. */
static inline uint64_t explore_below(size_t k, uint32_t g)
{
    if (k != g / 64)
        return k < g / 64 ? ~(uint64_t)0 : 0;
    return ((uint64_t)1 << (g % 64)) - 1;
}

/* Of `on`, the parent's enabled transitions in word k of a set, those
 * whose edges are to be followed: the others, that commute with the one
 * that reached the parent and are on the level's side of it, are
 * diamonds, counted here. */
static inline uint64_t explore_skip_diamonds(explore_worker *worker, size_t k,
                                             uint64_t on)
{
    uint64_t commuting = k < worker->skip_words ? on & worker->skip[k] : 0;
    if (commuting == 0)
        return on;
    uint64_t below = commuting & explore_below(k, worker->reached_by);
    uint64_t skipped =
        worker->shared->diamonds_above ? commuting & ~below : below;
    if (skipped == 0)
        return on;
    explore_count_diamonds(worker, k, skipped);
    return on & ~skipped;
}

/* The successors of the parent, a state of a linear model, computed on its
 * packed vector (packed.h) without asking the model. */
static model_result explore_successors_packed(explore_worker *worker,
                                              pnsim_error *error)
{
    const packed_model *packed = worker->shared->result->packed;
    const uint64_t *enabled = packed_model_enabled_near(
        packed, worker->parent_packed, &worker->near, worker->candidates);
    for (size_t i = 0; i < worker->near.nonzero_count; i++) {
        size_t k = worker->near.nonzero[i];
        uint64_t on = explore_skip_diamonds(worker, k, enabled[k]);
        for (; on != 0; on &= on - 1) {
            model_result fired = explore_fire(
                worker, (uint32_t)(k * 64 + (size_t)__builtin_ctzll(on)),
                error);
            if (fired != MODEL_DONE)
                return fired;
        }
    }
    return MODEL_DONE;
}

/* Asks for growth, or stops at the state limit, after the store added
 * state `id`: the id tells the load, with no need to read the shared
 * count. */
static void explore_check_count(explore_shared *shared, explore_state_id id)
{
    if ((id + 1) * 4 >= state_store_capacity(shared->result->store) * 3)
        atomic_store_explicit(&shared->pause, true, memory_order_relaxed);
    if (shared->options->max_states != 0 &&
        id + 1 > shared->options->max_states)
        explore_stop(shared, EXPLORE_LIMIT_STATES);
}

/* Takes note of state `id`, reached by `transition` and just added to the
 * store with packed vector `packed`. */
static void explore_added(explore_worker *worker, explore_state_id id,
                          uint32_t transition, const uint64_t *packed)
{
    explore_shared *shared = worker->shared;
    explore_result *result = shared->result;
    if (explore_tags_reaching(result))
        state_store_set_tag(result->store, id, (uint16_t)(transition + 1));
    explore_worker_account(worker, packed);
    explore_check_count(shared, id);
}

/* Stops the level or the search for an insert the store refused
 * (STORE_FULL or STORE_NO_MEMORY): a full table has the level explored
 * again with a larger one. */
static void explore_refused(explore_shared *shared, store_insert_result why)
{
    if (why == STORE_FULL) {
        atomic_store(&shared->table_full, true);
        atomic_store(&shared->redo, true);
    } else {
        explore_stop(shared, EXPLORE_LIMIT_MEMORY);
    }
}

/* Inserts the successor at batch place `place`, of stored form `stored`
 * and hash batch_hash[place], and counts its edge.  Returns nonzero when
 * the expansion must stop (a full table, out of memory, a hook). */
static int explore_insert(explore_worker *worker, unsigned place,
                          const uint64_t *stored)
{
    explore_shared *shared = worker->shared;
    explore_result *result = shared->result;
    uint64_t key = worker->batch_key[place];
    explore_state_id target;
    store_insert_result inserted;
    for (;;) {
        inserted = state_store_insert(result->store, &worker->ids, stored,
                                      worker->batch_hash[place], key, &target);
        /* Alone, the table can grow under our feet: try again. */
        if (inserted != STORE_FULL || shared->threads != 1 ||
            !explore_grow_alone(worker))
            break;
    }
    switch (inserted) {
    case STORE_ADDED:
        explore_added(worker, target, worker->batch_transition[place],
                      worker->batch_vectors + place * result->codec.words);
        break;
    case STORE_FOUND:
        /* Only parent links are lowered: a store without keys (a compact
         * one does not even say which state it found) has none. */
        if (result->with_keys && target >= shared->level_end)
            state_store_lower_key(result->store, target, key);
        break;
    case STORE_FULL:
    case STORE_NO_MEMORY:
        explore_refused(shared, inserted);
        return 1;
    }
    worker->edges++;
    if (worker->recent != NULL) {
        size_t words = result->codec.words;
        const uint64_t *vector = worker->batch_vectors + place * words;
        uint64_t *seen = explore_recent_place(
            worker, worker->batch_vector_hash[place], words);
        seen[0] = target;
        for (size_t k = 0; k < words; k++)
            seen[1 + k] = vector[k];
    }
    if (shared->options->on_edge != NULL &&
        shared->options->on_edge(shared->options->hook_context,
                                 key >> EXPLORE_VISIT_BITS,
                                 worker->batch_transition[place],
                                 target) != 0) {
        explore_stop(shared, EXPLORE_STOPPED_BY_HOOK);
        return 1;
    }
    return 0;
}

/* Inserts the batch of successors.  Returns nonzero when the expansion must
 * stop (a limit, a full table, a hook). */
static int explore_flush(explore_worker *worker)
{
    explore_shared *shared = worker->shared;
    explore_result *result = shared->result;
    size_t words = result->codec.words;
    size_t stored_words = state_store_stored_words(result->store);
    unsigned count = worker->batch_count;
    worker->batch_count = 0;
    /* Fold each successor into its stored form (unless that is the vector
     * itself) and have the processor fetch that form's table entry, then
     * the stored form that entry points to; then insert them all. */
    bool folds = stored_words != words;
    uint64_t *forms = folds ? worker->batch_stored : worker->batch_vectors;
    bool dictionary_grew = false;
    for (unsigned i = 0; i < count && folds; i++) {
        store_insert_result folded;
        for (;;) {
            /* Successors differ from their parent in few words. */
            folded = state_store_fold_near(
                result->store, worker->batch_vectors + i * words,
                worker->parent_packed, worker->parent_tree,
                worker->batch_stored + i * stored_words);
            if (folded != STORE_FULL || shared->threads != 1 ||
                !explore_grow_alone(worker))
                break;
        }
        if (folded == STORE_FULL || folded == STORE_NO_MEMORY) {
            explore_refused(shared, folded);
            return 1;
        }
        dictionary_grew |= folded == STORE_ADDED;
    }
    for (unsigned i = 0; i < count; i++) {
        worker->batch_hash[i] =
            state_store_hash(result->store, forms + i * stored_words);
        state_store_prefetch(result->store, worker->batch_hash[i]);
    }
    for (unsigned i = 0; i < count; i++)
        state_store_prefetch_stored(result->store, worker->batch_hash[i]);
    if (dictionary_grew && state_store_wants_growth(result->store))
        atomic_store_explicit(&shared->pause, true, memory_order_relaxed);
    for (unsigned i = 0; i < count; i++)
        if (explore_insert(worker, i, forms + i * stored_words) != 0)
            return 1;
    return explore_should_halt(shared) ? 1 : 0;
}

static void explore_expanded(explore_worker *worker, explore_state_id id,
                             bool decoded);

/* ---- counting on one-word vectors ------------------------------------- */

/* The short way for the commonest search: a linear model (packed.h) of
 * one-word vectors, counted in a compact store, without hooks.  There a
 * successor is a word, its stored form and hash follow from it, and no
 * key or tree applies.  Successors of consecutive parents wait in a ring
 * while their table entries are fetched, and go into the store half a
 * ring at a time (state_store_insert_words): one call for sixteen, each
 * fetched sixteen successors or more ahead.  The recent states are only
 * hashes here (word_seen): a hash met again is the same word, since the
 * hash of one word is a bijection, so a hit needs no compare and no id,
 * and costs one look at a table that stays in the cache, cheap enough to
 * be always on (Dekker-PT-020: 5.2 -> 4.1 s on one thread; Peterson-PT-3
 * 0.58 -> 0.49 s).  Kanban-PT-00005 spends most of its search here. */

/* Ends the run of found ids being noted. */
static void explore_found_end(explore_worker *worker)
{
    if (worker->found_count > 0 && worker->found_next != UINT64_MAX) {
        explore_found_run *last = &worker->found[worker->found_count - 1];
        last->length = (uint32_t)(worker->found_next - last->first);
    }
    worker->found_next = UINT64_MAX;
}

/* Starts a run of found ids at `id`, which does not follow the last. */
static __attribute__((noinline)) void
explore_found_start(explore_worker *worker, uint64_t id)
{
    explore_found_end(worker);
    if (worker->found_count == worker->found_capacity) {
        worker->found_lost = true;
        return;
    }
    worker->found[worker->found_count++] =
        (explore_found_run){id, 0, worker->chunk};
}

/* Starts the runs of ids the chunk beginning at `first` finds, with room
 * for them made out of the loop over states; when memory is short, their
 * order is given up. */
static void explore_found_reserve(explore_worker *worker, uint64_t first)
{
    if (!worker->found_noted)
        return;
    explore_found_end(worker);
    worker->chunk = (uint32_t)(first - worker->shared->level_start);
    if (!SUPPORT_RESERVE(worker->found, worker->found_capacity,
                         worker->found_count + EXPLORE_FOUND_ROOM))
        worker->found_lost = true;
}

/* explore_added for the states the ring's places first .. first + count - 1
 * added (run_added).  On a model whose states all have the same sum, their
 * figures are taken together: one tally of the run's new words, the
 * largest id for the load and the state limit (Kanban-PT-00005: 265 M of
 * 2,377 M instructions taken one at a time; SwimmingPool-PT-02, whose sums
 * differ: 648 M of 2,865 M).  Their tags are written in a row of the
 * store's tags kept from run to run (tag_row). */
static void explore_added_run(explore_worker *worker, size_t first,
                              size_t count)
{
    explore_shared *shared = worker->shared;
    explore_result *result = shared->result;
    uint64_t words[EXPLORE_RUN / 2];
    size_t fresh = 0;
    explore_state_id last = 0;
    uint64_t initial = result->initial_packed[0], changed = 0;
    bool tags = explore_tags_reaching(result);
    bool noted = worker->found_noted;
    uint64_t found_next = worker->found_next;
    for (size_t i = 0; i < count; i++) {
        explore_state_id id = worker->run_added[i];
        if (id == STORE_ID_UNKNOWN)
            continue;
        if (noted) {
            if (id != found_next) {
                worker->found_next = found_next;
                explore_found_start(worker, id);
            }
            found_next = id + 1;
        }
        if (tags) {
            if (id - worker->tag_first >= worker->tag_count) {
                worker->tag_count = UINT64_MAX;
                worker->tag_row = state_store_tags_to_set(
                    result->store, id, &worker->tag_count);
                worker->tag_first = id;
                if (worker->tag_row == NULL)
                    worker->tag_count = 0;
            }
            if (worker->tag_count != 0)
                worker->tag_row[id - worker->tag_first] =
                    (uint16_t)(worker->run_transitions[first + i] + 1);
        }
        uint64_t word = worker->run_words[first + i];
        changed |= word ^ initial;
        words[fresh++] = word;
        last = id > last ? id : last;
    }
    worker->found_next = found_next;
    if (fresh == 0)
        return;
    worker->changed_words[0] |= changed;
    model_value tallied = 0;
    if (result->sum_fixed)
        state_tally_add_max_words(result->tally, &worker->tally, words, fresh);
    else
        tallied = state_tally_add_words(result->tally, &worker->tally, words,
                                        fresh);
    explore_count_new(worker, fresh, tallied, false);
    explore_check_count(shared, last);
}

/* Inserts the `count` oldest successors of the ring.  Returns nonzero when
 * the expansion must stop. */
static int explore_run_insert(explore_worker *worker, size_t count)
{
    explore_shared *shared = worker->shared;
    explore_result *result = shared->result;
    uint64_t max_states = shared->options->max_states;
    while (count > 0) {
        size_t first = (size_t)(worker->run_tail & (EXPLORE_RUN - 1));
        size_t part = count < EXPLORE_RUN / 2 ? count : EXPLORE_RUN / 2;
        if (part > EXPLORE_RUN - first)
            part = EXPLORE_RUN - first;
        /* Near a state limit, one at a time: the search must end at the
         * state that goes past it, as one thread's does elsewhere. */
        if (max_states != 0 &&
            state_store_count(result->store) + count > max_states)
            part = 1;
        store_insert_result stopped = STORE_ADDED;
        size_t inserted = state_store_insert_words(
            result->store, &worker->ids, worker->run_words + first,
            worker->run_codes + first, part, worker->run_added, &stopped);
        explore_added_run(worker, first, inserted);
        worker->edges += inserted;
        worker->run_tail += inserted;
        count -= inserted;
        if (inserted < part) {
            /* Alone, the table can grow under our feet: go on. */
            if (stopped == STORE_FULL && shared->threads == 1 &&
                explore_grow_alone(worker))
                continue;
            explore_refused(shared, stopped);
            return 1;
        }
        if (explore_should_halt(shared))
            return 1;
    }
    return 0;
}

/* Inserts every successor still in the ring: at the end of a chunk. */
static int explore_run_drain(explore_worker *worker)
{
    return explore_run_insert(worker,
                              (size_t)(worker->run_head - worker->run_tail));
}

/* Fires the transitions of word k of the enabled set, `enabled`, from the
 * state being expanded, word `parent`, into the ring.  Returns nonzero
 * when the expansion must stop. */
static inline __attribute__((always_inline)) int
explore_fire_word_set(explore_worker *worker, size_t k, uint64_t enabled,
                      uint64_t parent)
{
    explore_shared *shared = worker->shared;
    explore_result *result = shared->result;
    const packed_model *packed = result->packed;
    uint64_t on = explore_skip_diamonds(worker, k, enabled);
    worker->visit += support_popcount(on);
    for (uint64_t fresh = on & ~worker->fired_known[k]; fresh != 0;
         fresh &= fresh - 1)
        explore_mark_fired(result,
                           (uint32_t)(k * 64 + (size_t)__builtin_ctzll(fresh)));
    worker->fired_known[k] |= on;
    for (; on != 0; on &= on - 1) {
        uint32_t transition = (uint32_t)(k * 64 + (size_t)__builtin_ctzll(on));
        size_t place = (size_t)(worker->run_head & (EXPLORE_RUN - 1));
        if (!packed_model_fire_word(packed, transition, parent,
                                    &worker->run_words[place])) {
            /* Too wide a value, or so the quick test fears: the slow one
             * says which, or fires after all. */
            model_value value = 0;
            long fired = packed_model_fire(packed, transition,
                                           worker->parent_packed,
                                           worker->child, &value);
            if (fired != PACKED_FIRED) {
                pnsim_error error;
                pnsim_error_clear(&error);
                if (explore_fire_refused(worker, transition, fired, value,
                                         &error) == MODEL_FAILED)
                    explore_fail(shared, &error);
                return 1;
            }
            worker->run_words[place] = worker->child[0];
        }
        /* A compact store's hash of a one-word form (state_store_hash). */
        uint64_t code = support_mix64(worker->run_words[place]);
        /* Siblings share successors: one sent lately is in the store
         * already, or will be by the time the level ends. */
        uint64_t *seen = &worker->word_seen[code & worker->word_seen_mask];
        if (*seen == code && code != 0) {
            worker->edges++;
            continue;
        }
        *seen = code;
        worker->run_codes[place] = code;
        worker->run_transitions[place] = transition;
        state_store_prefetch(result->store, code);
        worker->run_head++;
        if (worker->run_head - worker->run_tail == EXPLORE_RUN &&
            explore_run_insert(worker, EXPLORE_RUN / 2) != 0)
            return 1;
    }
    return 0;
}

/* Expands state `id`, of word `parent` and tag `tag`, the short way (see
 * above). */
static void explore_expand_word(explore_worker *worker, explore_state_id id,
                                uint64_t parent, uint16_t tag)
{
    const packed_model *packed = worker->shared->result->packed;
    worker->parent = id;
    worker->parent_packed[0] = parent;
    worker->visit = 0;
    explore_find_diamonds_tagged(worker, tag);
    /* The enabled set: up to 64 transitions, a table answers in one word
     * (Kanban, SwimmingPool).  A table of a few words is scanned whole,
     * its zero words skipped, where a list of them would cost more than it
     * saves (Peterson-PT-3, 6 words: 2,868 -> 2,739 M instructions); a set
     * of many words, by the list of its nonzero words (TokenRing-PT-015,
     * 57). */
    const packed_table *table = packed->table;
    size_t words = packed->candidate_words;
    uint64_t *enabled = worker->near.enabled;
    if (table != NULL && words == 1 && table->rest_count == 0) {
        enabled[0] = packed_table_enabled_word(table, parent);
        if (enabled[0] != 0 &&
            explore_fire_word_set(worker, 0, enabled[0], parent) != 0)
            return;
    } else if (table != NULL && words <= EXPLORE_WORDS_SCANNED) {
        packed_table_enabled(table, packed, worker->parent_packed, enabled);
        for (size_t k = 0; k < words; k++)
            if (enabled[k] != 0 &&
                explore_fire_word_set(worker, k, enabled[k], parent) != 0)
                return;
    } else {
        const uint64_t *set = packed_model_enabled_near(
            packed, worker->parent_packed, &worker->near, worker->candidates);
        for (size_t i = 0; i < worker->near.nonzero_count; i++) {
            size_t k = worker->near.nonzero[i];
            if (explore_fire_word_set(worker, k, set[k], parent) != 0)
                return;
        }
    }
    /* explore_expanded, whose hook the short way has not. */
    if (worker->visit > worker->max_degree)
        worker->max_degree = worker->visit;
    if (worker->visit == 0)
        explore_expanded(worker, id, false);
}

/* Expands the states first .. last - 1 the short way, reading their words
 * and tags in runs (state_store_words).  Returns nonzero when the search
 * must halt. */
static int explore_expand_words(explore_worker *worker, uint64_t first,
                                uint64_t last)
{
    explore_shared *shared = worker->shared;
    /* Ids below the level's end are stored and not forgotten. */
    while (first < last) {
        uint64_t count = last - first;
        const uint16_t *tags;
        const uint64_t *words =
            state_store_words(shared->result->store, first, &count, &tags);
        for (uint64_t i = 0; i < count; i++) {
            explore_expand_word(worker, first + i, words[i],
                                tags != NULL ? tags[i] : 0);
            if (explore_should_halt(shared))
                return 1;
        }
        first += count;
    }
    return 0;
}

/* Expands state `id`: all its successors into the store. */
static void explore_expand(explore_worker *worker, explore_state_id id)
{
    explore_shared *shared = worker->shared;
    /* Set for every worker before the first level (as above).
     * NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
    explore_result *result = shared->result;
    const model *model = shared->model;
    worker->parent = id;
    /* Stored states are never lost: ids below the count have vectors. */
    state_store_unfold(result->store, id, worker->parent_packed,
                       worker->parent_tree);
    /* Successors on packed vectors need no decoded state, unless for a
     * hook, the pumping check or a dead state. */
    bool decoded = result->packed == NULL || shared->pumping ||
                   shared->options->on_state != NULL;
    if (decoded)
        state_codec_decode(&result->codec, worker->parent_packed,
                           worker->values);
    worker->visit = 0;
    explore_find_diamonds(worker, id);
    if (shared->pumping) {
        explore_state_id ancestor = explore_pumping_check(
            result, id, worker->values, worker->parent_packed,
            worker->ancestor_packed);
        if (ancestor != EXPLORE_NO_STATE && id < worker->pumping_state) {
            worker->pumping_state = id;
            worker->pumping_ancestor = ancestor;
        }
    }

    pnsim_error error;
    pnsim_error_clear(&error);
    worker->batch_count = 0;
    model_result expanded =
        result->packed != NULL
            ? explore_successors_packed(worker, &error)
            : model_successors(model, worker->values, worker->scratch,
                               explore_visit, worker, &error);
    if (expanded == MODEL_DONE && worker->batch_count > 0 &&
        explore_flush(worker) != 0)
        expanded = MODEL_STOPPED;
    if (expanded == MODEL_FAILED) {
        explore_fail(shared, &error);
        return;
    }
    if (expanded != MODEL_DONE)
        return;   /* cut short: the level is redone or the search ends */
    explore_expanded(worker, id, decoded);
}

/* The end of the expansion of state `id`, whose successors are all sent
 * on: its degree, and whether it is dead (its values decoded already, or
 * not yet). */
static void explore_expanded(explore_worker *worker, explore_state_id id,
                             bool decoded)
{
    explore_shared *shared = worker->shared;
    explore_result *result = shared->result;
    const model *model = shared->model;
    if (worker->visit > worker->max_degree)
        worker->max_degree = worker->visit;
    bool is_final = false;
    if (worker->visit == 0) {
        if (!decoded)
            state_codec_decode(&result->codec, worker->parent_packed,
                               worker->values);
        is_final = explore_is_final(model, shared->options, worker->values);
        if (is_final) {
            worker->dead_final++;
        } else {
            worker->dead_nonfinal++;
            if (id < worker->first_deadlock)
                worker->first_deadlock = id;
        }
    }
    if (shared->options->on_state != NULL &&
        shared->options->on_state(shared->options->hook_context, id,
                                  worker->values, worker->visit,
                                  is_final) != 0)
        explore_stop(shared, EXPLORE_STOPPED_BY_HOOK);
}

/* ---- the level loop -------------------------------------------------------- */

static void explore_report_progress(explore_shared *shared, double now)
{
    const explore_options *options = shared->options;
    explore_result *result = shared->result;
    shared->last_progress = now;
    uint64_t cursor = atomic_load(&shared->cursor);
    explore_progress progress = {
        .states = state_store_count(result->store),
        .edges = result->stats.edges,
        .levels = result->stats.levels,
        .frontier = cursor < shared->level_end ? shared->level_end - cursor : 0,
        .store_bytes = state_store_bytes(result->store),
        .seconds = now - shared->start,
    };
    options->on_progress(options->progress_context, &progress);
}

/* Releases the tags of the states every thread is done expanding (the
 * cursor is read first: a thread says where it may expand from before it
 * moves the cursor).  A search that has to explore the level again finds
 * no tag for those states, and follows all their edges. */
static void explore_release_tags(explore_shared *shared)
{
    uint64_t low = atomic_load(&shared->cursor);
    for (unsigned t = 0; t < shared->threads; t++) {
        uint64_t from = atomic_load(&shared->workers[t].expanding_from);
        low = from < low ? from : low;
    }
    state_store_forget_tags(shared->result->store,
                            low < shared->level_end ? low : shared->level_end);
}

/* Expands chunks of the level until it is done or something must happen
 * first (a limit, growth, re-encoding). */
static void explore_work_chunks(explore_shared *shared,
                                explore_worker *worker, bool master)
{
    const explore_options *options = shared->options;
    /* Closing the id blocks before this round may have moved states. */
    explore_recent_clear(worker, shared->result->codec.words);
    for (;;) {
        if (explore_should_halt(shared) ||
            atomic_load_explicit(&shared->pause, memory_order_relaxed))
            return;
        if (options->interrupt != NULL && *options->interrupt) {
            explore_stop(shared, EXPLORE_INTERRUPTED);
            return;
        }
        if (options->time_limit > 0 || (master && options->on_progress)) {
            double now = explore_now();
            if (options->time_limit > 0 &&
                now - shared->start > options->time_limit) {
                explore_stop(shared, EXPLORE_LIMIT_TIME);
                return;
            }
            if (master && options->on_progress != NULL &&
                now - shared->last_progress >= 1.0)
                explore_report_progress(shared, now);
        }
        atomic_store(&worker->expanding_from, atomic_load(&shared->cursor));
        uint64_t first = atomic_fetch_add(&shared->cursor, shared->chunk);
        if (first >= shared->level_end)
            return;
        atomic_store(&worker->expanding_from, first);
        uint64_t last = first + shared->chunk;
        if (last > shared->level_end)
            last = shared->level_end;
        explore_found_reserve(worker, first);
        /* On a halt the cursor stays where the work stopped, for a
         * limit's statistics; a redo starts the level over anyway. */
        if (worker->word_path) {
            if (explore_expand_words(worker, first, last) != 0)
                return;
        } else {
            for (uint64_t id = first; id < last; id++) {
                explore_expand(worker, id);
                if (explore_should_halt(shared))
                    return;
            }
        }
        /* A chunk's successors are all in the store before the table
         * may grow or the level end. */
        if ((worker->word_path ? explore_run_drain(worker)
                               : explore_pipe_drain(worker)) != 0)
            return;
        /* Tags are two bytes a state of the frontier: those of the level
         * go as it is expanded, not at its end. */
        if (master && explore_tags_reaching(shared->result))
            explore_release_tags(shared);
    }
}

/* As explore_work_chunks, and then says the thread expands nothing more. */
static void explore_work(explore_shared *shared, explore_worker *worker,
                         bool master)
{
    explore_work_chunks(shared, worker, master);
    atomic_store(&worker->expanding_from, UINT64_MAX);
}

/* True when found run x comes before y in the order of the chunks. */
static bool explore_found_before(const explore_found_run *x,
                                 const explore_found_run *y)
{
    return x->chunk != y->chunk ? x->chunk < y->chunk : x->first < y->first;
}

/* Closes the id blocks numbering the states added since they opened in
 * the order of the chunks that found them, as one thread would have
 * (for the tags: see Diamonds).  Returns 0, or -1 when it did not: one
 * thread, a lost order, or short of memory. */
static int explore_close_ids_in_order(explore_shared *shared,
                                      explore_worker *workers,
                                      unsigned count)
{
    size_t total = 0;
    unsigned noting = 0;
    bool lost = false;
    for (unsigned t = 0; t < count; t++) {
        explore_found_end(&workers[t]);
        total += workers[t].found_count;
        noting += workers[t].found_count > 0;
        lost = lost || workers[t].found_lost || !workers[t].found_noted;
    }
    size_t *next = noting > 1 && !lost ? calloc(count, sizeof *next) : NULL;
    state_store_run *runs =
        next != NULL ? malloc(total * sizeof *runs) : NULL;
    int closed = -1;
    if (runs != NULL) {
        /* Each thread took its chunks in order: merge their lists. */
        uint64_t first = UINT64_MAX;
        for (size_t i = 0; i < total; i++) {
            /* Some thread has runs left: `total` counts them all. */
            unsigned from = 0;
            while (next[from] == workers[from].found_count)
                from++;
            for (unsigned t = from + 1; t < count; t++)
                if (next[t] < workers[t].found_count &&
                    explore_found_before(&workers[t].found[next[t]],
                                         &workers[from].found[next[from]]))
                    from = t;
            const explore_found_run *earliest =
                &workers[from].found[next[from]++];
            runs[i] = (state_store_run){earliest->first,
                                        earliest->first + earliest->length};
            first = runs[i].first < first ? runs[i].first : first;
        }
        closed = state_store_close_ids_in_order(
            shared->result->store, shared->id_blocks, count, first, runs,
            total);
    }
    free(next);
    free(runs);
    for (unsigned t = 0; t < count; t++) {
        workers[t].found_count = 0;
        workers[t].found_lost = false;
        /* A large level's runs are not kept for the small ones that end
         * a search, when memory is at its peak. */
        if (workers[t].found_capacity > EXPLORE_FOUND_KEPT) {
            free(workers[t].found);
            workers[t].found = NULL;
            workers[t].found_capacity = 0;
        }
    }
    return closed;
}

/* Ends the workers' id blocks so that ids are dense again (the table can
 * grow, the level can end).  False when out of memory. */
static bool explore_close_ids(explore_shared *shared, explore_worker *workers,
                              unsigned count)
{
    explore_result *result = shared->result;
    for (unsigned t = 0; t < count; t++) {
        shared->id_blocks[t] = workers[t].ids;
        workers[t].ids = (state_store_ids){0, 0};
    }
    return explore_close_ids_in_order(shared, workers, count) == 0 ||
           state_store_close_ids(result->store, shared->id_blocks, count) ==
               0;
}

/* Grows the table in the middle of an expansion: only safe when one thread
 * explores.  The stored vectors do not move, and closing the one block of
 * ids changes no id (its unused ids are the highest). */
static bool explore_grow_alone(explore_worker *worker)
{
    explore_result *result = worker->shared->result;
    return explore_close_ids(worker->shared, worker, 1) &&
           state_store_grow(result->store, 1) == 0;
}

/* What explore_reencode_state needs: the old store and codec, the new
 * codec, and a state vector of scratch per thread. */
typedef struct explore_recode {
    const explore_result *result;
    const state_codec *codec;
    model_value *values;
    size_t slots;
    uint64_t *packed;                 /* old codec's words, per thread */
} explore_recode;

static void explore_reencode_state(void *context, uint64_t id,
                                   uint64_t *vector, uint64_t *key)
{
    const explore_recode *recode = context;
    const explore_result *result = recode->result;
    size_t thread = (size_t)omp_get_thread_num();
    model_value *values = recode->values + thread * recode->slots;
    uint64_t *packed = recode->packed + thread * result->codec.words;
    state_store_get(result->store, id, packed);
    state_codec_decode(&result->codec, packed, values);
    state_codec_encode(recode->codec, values, vector);
    *key = state_store_key(result->store, id);
}

/* A store for vectors of `words` words.  A search that needs no parent
 * links and no hooks never asks which id a state it meets again has, so
 * one-word vectors go to a compact store (store.h): the table keeps the
 * vectors themselves. */
static state_store *explore_store_create(const explore_result *result,
                                         const explore_options *options,
                                         size_t words)
{
    state_store *store;
    if (words == 1 && !result->with_keys && !explore_hooked(options) &&
        !options->tree_compression)
        store = state_store_create_compact(options->max_memory);
    else
        store = state_store_create(words, result->with_keys,
                                   options->tree_compression,
                                   options->max_memory);
    if (store != NULL && explore_tags_reaching(result) &&
        state_store_enable_tags(store) != 0) {
        state_store_free(store);
        return NULL;
    }
    return store;
}

/* True when no slot can ever outgrow its width: every one has a proved
 * bound (model.h) that its width holds, so the search never re-encodes. */
static bool explore_widths_final(const explore_result *result)
{
    const model *model = result->model;
    for (size_t i = 0; i < model->state_length; i++)
        /* Members of an exclusive set hold 0 or 1 (model.h). */
        if (result->codec.width[i] != 0 &&
            (model->slot_bounds == NULL ||
             model->slot_bounds[i] > result->codec.limit[i]))
            return false;
    return true;
}

/* Explores the level again in a compact store with the same widths: the
 * states it added go, and the table grows when it filled up.  False when
 * out of memory. */
static bool explore_restart_compact(explore_shared *shared, uint64_t keep)
{
    state_store *store = shared->result->store;
    if (state_store_truncate(store, keep) != 0)
        return false;
    bool grow = atomic_exchange(&shared->table_full, false);
    return !grow || state_store_grow(store, shared->threads) == 0;
}

/* Re-encodes states [0, keep) with the widths the threads asked for, into a
 * new store, on all threads; the ids and keys stay.  Returns false when out
 * of memory, or when the states are forgotten (a slot passed a proved
 * bound, which the caller reports). */
static bool explore_reencode(explore_shared *shared, uint64_t keep,
                             const explore_options *options)
{
    explore_result *result = shared->result;
    size_t slots = result->model->state_length;
    uint8_t *widths = malloc(slots ? slots : 1);
    state_codec codec;
    bool ok = widths != NULL, wider = false;
    for (size_t i = 0; ok && i < slots; i++) {
        unsigned char wanted = atomic_load(&shared->wanted_width[i]);
        wider |= wanted > result->codec.width[i];
        widths[i] = wanted > result->codec.width[i] ? wanted
                                                    : result->codec.width[i];
    }
    if (ok && !wider && state_store_is_compact(result->store)) {
        free(widths);
        return explore_restart_compact(shared, keep);
    }
    if (ok && result->forget) {
        /* The expanded levels are gone, and a proved bound was wrong. */
        explore_fail_internal(shared,
                              "a value passed its proved structural bound");
        ok = false;
    }
    ok = ok && state_codec_init(&codec, slots, widths, result->slot_order,
                                &result->sets) == 0;
    free(widths);
    if (!ok)
        return false;
    /* At least one of each, whatever the counts. */
    size_t threads = shared->threads > 0 ? shared->threads : 1;
    size_t words = result->codec.words > 0 ? result->codec.words : 1;
    explore_recode recode = {
        .result = result, .codec = &codec, .slots = slots ? slots : 1,
        .values = malloc(threads * (slots ? slots : 1) * sizeof(model_value)),
        .packed = malloc(threads * words * sizeof(uint64_t)),
    };
    state_store *store = explore_store_create(result, options, codec.words);
    ok = store != NULL && recode.values != NULL && recode.packed != NULL;
    /* A table that filled up mid-level comes back twice as large. */
    uint64_t capacity = state_store_capacity(result->store) *
                        (atomic_load(&shared->table_full) ? 2 : 1);
    while (ok && state_store_capacity(store) < capacity)
        ok = state_store_grow(store, shared->threads) == 0;
    atomic_store(&shared->table_full, false);
    ok = ok && state_store_fill(store, keep, explore_reencode_state, &recode,
                                shared->threads) == 0;
    free(recode.values);
    free(recode.packed);
    /* The new store carries the charge for path_max (find_pumping). */
    ok = ok && state_store_charge(store,
                                  result->path_max_size * sizeof(uint32_t));
    state_tally *tally = ok ? state_tally_create(&codec) : NULL;
    ok = ok && tally != NULL;
    if (!ok) {
        state_store_free(store);
        state_codec_free(&codec);
        state_tally_free(tally);
        return false;
    }
    explore_fold_changes(result);
    state_store_free(result->store);
    state_codec_free(&result->codec);
    state_tally_free(result->tally);
    result->store = store;
    result->codec = codec;
    result->tally = tally;
    state_codec_encode(&result->codec, result->initial, result->initial_packed);
    /* Compiled for the old layout.  Without it (short of memory) the
     * model computes the successors. */
    packed_model_free(result->packed);
    result->packed = packed_model_create(result->model, &result->codec,
                                         result->enabled_table);
    if (result->packed == NULL) {
        /* For good: keys and tags written from now on would not name the
         * transition that reached their state. */
        commute_table_free(result->commute);
        result->commute = NULL;
    }
    return true;
}

/* Sorts `count` keys and the ids beside them by key: Shell's sort, with
 * Ciura's gaps, for the states of one parent, a few and mostly in order
 * already, but as many as a state's successors can be. */
static void explore_sort_by_key(uint64_t *keys, uint64_t *ids, uint64_t count)
{
    static const uint64_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof *gaps; g++) {
        uint64_t gap = gaps[g];
        for (uint64_t i = gap; i < count; i++) {
            uint64_t key = keys[i], id = ids[i], j = i;
            for (; j >= gap && keys[j - gap] > key; j -= gap) {
                keys[j] = keys[j - gap];
                ids[j] = ids[j - gap];
            }
            keys[j] = key;
            ids[j] = id;
        }
    }
}

/* Releases explore_order_by_key's scratch. */
static void explore_sort_scratch_free(explore_shared *shared)
{
    free(shared->sort_order);
    free(shared->sort_keys);
    free(shared->sort_starts);
    shared->sort_order = shared->sort_keys = shared->sort_starts = NULL;
    shared->sort_order_capacity = shared->sort_keys_capacity = 0;
    shared->sort_starts_capacity = 0;
}

/* Sorts the new level's ids [first, count) by key, into the renumbering's
 * scratch (explore_shared); returns the order, or NULL when they are
 * already in order (always so with one thread) or, with *failed, when
 * memory is short (or a key is not of this level: the search fails).  A
 * key's high bits are its parent, a state of the level just expanded
 * (level_start .. level_end - 1), and its low bits tell the parent's
 * successors apart: a counting sort by parent (one pass counts,
 * one places, keeping id order), then each parent's few states by their
 * low bits.  Three passes of a radix sort over all the key bits took
 * two thirds of the renumbering on two threads (Kanban-PT-00005, `check`:
 * 84 of 123 ms). */
static uint64_t *explore_order_by_key(explore_shared *shared, uint64_t first,
                                      uint64_t count, bool *failed)
{
    const state_store *store = shared->result->store;
    uint64_t n = count - first;
    *failed = false;
    bool sorted = true;
    for (uint64_t i = 1; i < n && sorted; i++)
        sorted = state_store_key(store, first + i - 1) <
                 state_store_key(store, first + i);
    if (sorted)
        return NULL;
    uint64_t parents = shared->level_end - shared->level_start;
    if (!SUPPORT_RESERVE(shared->sort_order, shared->sort_order_capacity,
                         n) ||
        !SUPPORT_RESERVE(shared->sort_keys, shared->sort_keys_capacity, n) ||
        !SUPPORT_RESERVE(shared->sort_starts, shared->sort_starts_capacity,
                         parents + 1)) {
        *failed = true;
        return NULL;
    }
    uint64_t *order = shared->sort_order, *keys = shared->sort_keys;
    uint64_t *starts = shared->sort_starts;
    memset(starts, 0, (parents + 1) * sizeof *starts);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t parent =
            (state_store_key(store, first + i) >> EXPLORE_VISIT_BITS) -
            shared->level_start;
        if (parent >= parents) {
            explore_fail_internal(shared, "a new state's parent is not in "
                                          "the level before it");
            *failed = true;
            return NULL;
        }
        starts[parent + 1]++;
    }
    for (uint64_t p = 1; p <= parents; p++)
        starts[p] += starts[p - 1];
    for (uint64_t i = 0; i < n; i++) {
        uint64_t key = state_store_key(store, first + i);
        uint64_t at = starts[(key >> EXPLORE_VISIT_BITS) -
                             shared->level_start]++;
        keys[at] = key;
        order[at] = first + i;
    }
    /* Each parent's states, now side by side (starts[p] is where those
     * of parent p end): by key. */
    for (uint64_t p = 0, begin = 0; p < parents; begin = starts[p++])
        if (starts[p] - begin > 1)
            explore_sort_by_key(keys + begin, order + begin,
                                starts[p] - begin);
    return order;
}

/* Gives the new level's states the ids one thread would have given them. */
static bool explore_renumber(explore_shared *shared, uint64_t first)
{
    explore_result *result = shared->result;
    uint64_t count = state_store_count(result->store);
    if (!result->with_keys || count - first < 2)
        return true;
    bool failed;
    uint64_t *order = explore_order_by_key(shared, first, count, &failed);
    if (order == NULL)
        return !failed;
    bool reordered = state_store_reorder(result->store, first, order,
                                         shared->threads) == 0;
    /* Scratch for a large level is not held while the next one grows the
     * table: its fresh pages cost little beside the level's work. */
    if (shared->sort_order_capacity > EXPLORE_SORT_KEPT ||
        shared->sort_starts_capacity > EXPLORE_SORT_KEPT)
        explore_sort_scratch_free(shared);
    return reordered;
}

/* Chunk size: threads look at the tables' load only between chunks, so a
 * round of chunks may add at most half the store's room (its tables grow
 * at three quarters and refuse inserts at seven eighths).  Within that,
 * EXPLORE_CHUNK_MIN states, or more on a large level, where each thread
 * still gets at least EXPLORE_CHUNKS_PER_THREAD chunks. */
static uint64_t explore_chunk(explore_shared *shared)
{
    uint64_t degree = atomic_load(&shared->max_degree);
    uint64_t room = state_store_room(shared->result->store) / 2 /
                    (shared->threads * (degree + 1));
    uint64_t wanted = (shared->level_end - shared->level_start) /
                      (shared->threads * EXPLORE_CHUNKS_PER_THREAD);
    wanted = wanted < EXPLORE_CHUNK_MIN   ? EXPLORE_CHUNK_MIN
             : wanted > EXPLORE_CHUNK_MAX ? EXPLORE_CHUNK_MAX
                                          : wanted;
    return room < 1 ? 1 : room > wanted ? wanted : room;
}

/* Explores one level.  Returns the outcome that ends the search, or
 * EXPLORE_COMPLETE to go on with the next level. */
static explore_outcome explore_level(explore_shared *shared,
                                     explore_worker *workers)
{
    explore_result *result = shared->result;
    for (;;) {
        for (unsigned t = 0; t < shared->threads; t++)
            explore_worker_reset(&workers[t]);
        atomic_store(&shared->cursor, shared->level_start);
        atomic_store(&shared->redo, false);
        for (;;) {
            shared->chunk = explore_chunk(shared);
            atomic_store(&shared->pause, false);
            /* Small levels are not worth waking the other threads: a
             * barrier costs more than the work, and much more when the
             * machine is busy.  The numbering is the same either way. */
            if (shared->threads == 1 ||
                shared->level_end - shared->level_start <
                    EXPLORE_PARALLEL_LEVEL) {
                explore_work(shared, &workers[0], true);
            } else {
#pragma omp parallel num_threads(shared->threads)
                explore_work(shared, &workers[omp_get_thread_num()],
                             omp_get_thread_num() == 0);
            }
            for (unsigned t = 0; t < shared->threads; t++)
                if (workers[t].max_degree > atomic_load(&shared->max_degree))
                    atomic_store(&shared->max_degree, workers[t].max_degree);
            if (!explore_close_ids(shared, workers, shared->threads))
                return EXPLORE_LIMIT_MEMORY;
            if (atomic_load(&shared->redo) || atomic_load(&shared->stop) != 0)
                break;
            if (!atomic_load(&shared->pause))
                break;   /* the level is done */
            int grown = state_store_grow(result->store, shared->threads);
            if (grown != 0)
                return EXPLORE_LIMIT_MEMORY;
        }
        int stop = atomic_load(&shared->stop);
        if (stop == 0 && atomic_load(&shared->redo)) {
            /* Too narrow a slot, or a full table: start the level over with
             * a re-encoded (and larger) store. */
            for (unsigned t = 0; t < shared->threads; t++)
                workers[t].word_seen_kept = false;
            if (!explore_reencode(shared, shared->level_end,
                                  shared->options)) {
                int failed = atomic_load(&shared->stop);
                return failed != 0 ? (explore_outcome)failed
                                   : EXPLORE_LIMIT_MEMORY;
            }
            continue;
        }
        for (unsigned t = 0; t < shared->threads; t++)
            explore_merge(result, &workers[t]);
        result->stats.diamond_levels_above += shared->diamonds_above;
        if (stop != 0)
            return (explore_outcome)stop;
        return EXPLORE_COMPLETE;
    }
}

/* The order in which the codec packs the slots: those of each transition's
 * writes together, transitions in order, then the slots no transition
 * writes.  The slots a process owns are written by its transitions, so they
 * share words, and the store's tree compression finds few distinct words
 * (store.h).  Returns NULL when out of memory; the caller frees it. */
static uint32_t *explore_slot_order(const model *model)
{
    size_t slots = model->state_length;
    uint32_t *order = malloc((slots ? slots : 1) * sizeof *order);
    bool *placed = calloc(slots ? slots : 1, sizeof *placed);
    if (order == NULL || placed == NULL) {
        free(order);
        free(placed);
        return NULL;
    }
    size_t count = 0;
    for (uint32_t t = 0; t < model->transition_count; t++) {
        const model_transition *facts = &model->transitions[t];
        for (size_t k = 0; facts->writes != NULL && k < facts->write_count;
             k++) {
            uint32_t slot = facts->writes[k];
            if (slot < slots && !placed[slot]) {
                placed[slot] = true;
                order[count++] = slot;
            }
        }
    }
    for (uint32_t slot = 0; slot < slots; slot++)
        if (!placed[slot])
            order[count++] = slot;
    free(placed);
    return order;
}

/* A slot's first width: what its initial value needs, or what a proved
 * bound needs when that is at most EXPLORE_BOUND_BITS more (a loose bound
 * would waste bits in every state; widening will do). */
static uint8_t explore_first_width(const model *model,
                                   const model_value *initial, size_t slot)
{
    unsigned bits = state_codec_bits(initial[slot]);
    if (model->slot_bounds != NULL &&
        model->slot_bounds[slot] != UINT64_MAX &&
        model->slot_bounds[slot] >= initial[slot]) {
        unsigned bound = state_codec_bits(model->slot_bounds[slot]);
        if (bound <= bits + EXPLORE_BOUND_BITS)
            bits = bound;
    }
    return (uint8_t)bits;
}

static explore_result *explore_result_create(const model *model,
                                             const explore_options *options,
                                             const model_value *initial)
{
    explore_result *result = calloc(1, sizeof *result);
    if (result == NULL)
        return NULL;
    result->model = model;
    result->with_keys = !options->skip_traces;
    result->enabled_table = !options->without_enabled_table;
    size_t slots = model->state_length ? model->state_length : 1;
    uint8_t *widths = malloc(slots);
    result->initial = malloc(slots * sizeof *result->initial);
    result->slot_changed = calloc(slots + 1, sizeof *result->slot_changed);
    result->fired = calloc(model->transition_count + 1, 1);
    bool ok = widths != NULL && result->initial != NULL &&
              result->slot_changed != NULL && result->fired != NULL;
    if (ok)
        memcpy(result->initial, initial, slots * sizeof *initial);
    if (ok) {
        /* Hooks must never see a level twice, so a hooked search (one
         * thread, small models) never re-encodes: full-width slots. */
        bool hooked = explore_hooked(options);
        for (size_t i = 0; i < model->state_length; i++)
            widths[i] = hooked ? 64 : explore_first_width(model, initial, i);
        /* Exclusive sets are stored as an index, whose width is final. */
        ok = state_codec_choose_sets(model, initial, &result->sets) == 0;
        result->slot_order = ok ? explore_slot_order(model) : NULL;
        ok = result->slot_order != NULL &&
             state_codec_init(&result->codec, model->state_length, widths,
                              result->slot_order, &result->sets) == 0;
    }
    if (ok) {
        /* One word per slot is the most any encoding needs. */
        result->initial_packed = calloc(slots + 1, sizeof(uint64_t));
        result->changed_words = calloc(slots + 1, sizeof(uint64_t));
        result->set_seen = calloc(result->codec.sets + 1, sizeof(uint64_t));
        result->tally = state_tally_create(&result->codec);
        ok = result->initial_packed != NULL &&
             result->changed_words != NULL && result->set_seen != NULL &&
             result->tally != NULL;
        if (ok)
            state_codec_encode(&result->codec, initial,
                               result->initial_packed);
        result->sum_fixed =
            explore_sum_fixed(model, initial, &result->fixed_sum);
    }
    free(widths);
    if (ok)
        result->packed = packed_model_create(model, &result->codec,
                                             result->enabled_table);
    /* Diamonds need every edge's target to be nobody's business, and the
     * reaching transition to fit a tag.  Without the table (short of
     * memory, or a model where hardly a pair commutes) every edge is
     * followed. */
    if (ok && result->packed != NULL && options->on_edge == NULL &&
        model->transition_count < UINT16_MAX)
        result->commute = commute_table_create(model);
    if (ok)
        result->store = explore_store_create(result, options,
                                             result->codec.words);
    if (!ok || result->store == NULL) {
        explore_result_free(result);
        return NULL;
    }
    result->forget = options->forget_expanded &&
                     state_store_is_compact(result->store) &&
                     explore_widths_final(result);
    result->stats.first_deadlock = EXPLORE_NO_STATE;
    result->stats.pumping_state = EXPLORE_NO_STATE;
    result->stats.pumping_ancestor = EXPLORE_NO_STATE;
    return result;
}

static void explore_workers_free(explore_worker *workers, unsigned count)
{
    if (workers == NULL)
        return;
    for (unsigned t = 0; t < count; t++) {
        free(workers[t].scratch);
        free(workers[t].values);
        free(workers[t].child);
        free(workers[t].parent_packed);
        free(workers[t].parent_tree);
        free(workers[t].ancestor_packed);
        free(workers[t].candidates);
        free(workers[t].near.state);
        free(workers[t].near.enabled);
        free(workers[t].near.nonzero);
        support_pages_unmap(workers[t].recent_buffer, EXPLORE_RECENT_BYTES);
        free(workers[t].fired_known);
        free(workers[t].changed_words);
        free(workers[t].set_seen);
        free(workers[t].tally.above);
        free(workers[t].batch_vectors);
        free(workers[t].batch_stored);
        free(workers[t].found);
    }
    free(workers);
}

/* A worker's own buffer, zeroed, in whole cache lines of its own: two
 * threads' buffers come from the same heap, and a line holding the end of
 * one and the start of the other would bounce between the cores at every
 * write. */
static void *explore_worker_alloc(size_t bytes)
{
    size_t lines = bytes / EXPLORE_CACHE_LINE + 1;
    void *buffer = aligned_alloc(EXPLORE_CACHE_LINE,
                                 lines * EXPLORE_CACHE_LINE);
    if (buffer != NULL)
        memset(buffer, 0, lines * EXPLORE_CACHE_LINE);
    return buffer;
}

/* Places of a worker's cache of recent successors (word_seen). */
static size_t explore_word_seen_places(const explore_options *options)
{
    size_t places = EXPLORE_WORD_SEEN_MIN;
    while (places < EXPLORE_WORD_SEEN &&
           (options->max_states == 0 || places < 4 * options->max_states))
        places *= 2;
    return places;
}

static explore_worker *explore_workers_create(explore_shared *shared,
                                              size_t words)
{
    const model *model = shared->model;
    size_t slots = model->state_length ? model->state_length : 1;
    explore_worker *workers = calloc(shared->threads, sizeof *workers);
    if (workers == NULL)
        return NULL;
    for (unsigned t = 0; t < shared->threads; t++) {
        explore_worker *worker = &workers[t];
        worker->shared = shared;
        atomic_init(&worker->expanding_from, UINT64_MAX);
        size_t transition_words = model->transition_count / 64 + 1;
        size_t vector_bytes = (slots + words) * sizeof(uint64_t);
        worker->scratch = explore_worker_alloc(model->scratch_bytes);
        worker->values = explore_worker_alloc(slots * sizeof(model_value));
        /* Room for any width a re-encoding may choose. */
        worker->child = explore_worker_alloc(vector_bytes);
        worker->parent_packed = explore_worker_alloc(vector_bytes);
        worker->parent_tree = explore_worker_alloc(2 * vector_bytes);
        worker->ancestor_packed = explore_worker_alloc(vector_bytes);
        worker->changed_words =
            explore_worker_alloc((slots + 1) * sizeof(uint64_t));
        worker->set_seen = explore_worker_alloc(
            (shared->result->codec.sets + 1) * sizeof(uint64_t));
        /* Two per word, of any encoding (at most a word per slot). */
        worker->tally.above =
            explore_worker_alloc(2 * (slots + 1) * sizeof(uint64_t));
        worker->candidates =
            explore_worker_alloc(2 * transition_words * sizeof(uint64_t));
        worker->fired_known =
            explore_worker_alloc(transition_words * sizeof(uint64_t));
        worker->near.state = explore_worker_alloc(vector_bytes);
        worker->near.enabled =
            explore_worker_alloc(transition_words * sizeof(uint64_t));
        worker->near.nonzero =
            explore_worker_alloc(transition_words * sizeof(uint32_t));
        /* Zero pages, touched by the thread that uses them, during the
         * search: allocated and zeroed here, one worker after the other,
         * each cache took 2 to 8 ms of every search's start, and of every
         * pilot's, on this project's benchmark machine, where a page fault
         * is slow. */
        worker->recent_buffer = support_pages_map(EXPLORE_RECENT_BYTES, false);
        worker->recent_untouched = true;
        worker->word_seen_mask = explore_word_seen_places(shared->options) - 1;
        worker->batch_vectors =
            explore_worker_alloc(EXPLORE_BATCH * vector_bytes);
        worker->batch_stored =
            explore_worker_alloc(EXPLORE_BATCH * vector_bytes);
        if (worker->scratch == NULL || worker->values == NULL ||
            worker->child == NULL || worker->parent_packed == NULL ||
            worker->parent_tree == NULL ||
            worker->ancestor_packed == NULL || worker->changed_words == NULL ||
            worker->set_seen == NULL || worker->tally.above == NULL ||
            worker->candidates == NULL || worker->fired_known == NULL ||
            worker->recent_buffer == NULL || worker->near.state == NULL ||
            worker->near.enabled == NULL || worker->near.nonzero == NULL ||
            worker->batch_vectors == NULL || worker->batch_stored == NULL) {
            explore_workers_free(workers, shared->threads);
            return NULL;
        }
    }
    return workers;
}

static unsigned explore_thread_count(const explore_options *options)
{
    if (explore_hooked(options))
        return 1;   /* hooks see states in id order, one at a time */
    if (options->threads > 0)
        return options->threads;
    int cores = omp_get_num_procs();
    return cores > 0 ? (unsigned)cores : 1;
}

/* The share of its edges that a search of `model` on one thread counts as
 * diamonds on `side`, in its first EXPLORE_PILOT_STATES states; -1 when
 * it fails. */
static double explore_pilot_share(const model *model,
                                  const explore_options *options,
                                  explore_diamond_side side)
{
    explore_options pilot;
    explore_options_init(&pilot);
    pilot.threads = 1;
    pilot.max_states = EXPLORE_PILOT_STATES;
    pilot.skip_traces = true;
    pilot.interrupt = options->interrupt;
    pilot.without_enabled_table = options->without_enabled_table;
    pilot.diamond_side = side;
    pnsim_error error;
    pnsim_error_clear(&error);
    explore_result *result = explore_run(model, &pilot, &error);
    if (result == NULL)
        return -1;
    const explore_stats *stats = explore_result_stats(result);
    double share = stats->edges > 0 ? (double)stats->diamond_edges /
                                          (double)stats->edges
                                    : 0;
    if (explore_result_outcome(result) == EXPLORE_FAILED)
        share = -1;
    explore_result_free(result);
    return share;
}

/* Whether the levels of a search take their diamonds above the
 * transition that reached a state (see "Diamonds"): as the options say,
 * or, left to the search, the side on which a pilot search counts more.
 * Which side skips more depends on the net (one thread, all levels on
 * one side: Kanban-PT-00005 15.6 million diamonds below and 8.4 million
 * above, SharedMemory-PT-000010 12.5 and 15.8, Peterson-PT-3 6.2 and
 * 7.7), and a search cannot change sides to find out: the transitions
 * that reach states are those its side does not skip, which favour that
 * side for some levels.  With parent links, always below. */
static bool explore_diamonds_above(const model *model,
                                   const explore_options *options,
                                   unsigned threads)
{
    /* Where the search will follow every edge or keep parent links, no
     * pilot: explore_run asks the result too (explore_tags_reaching). */
    if (!model->linear || !options->skip_traces ||
        options->on_edge != NULL ||
        options->diamond_side == EXPLORE_DIAMONDS_BELOW)
        return false;
    if (options->diamond_side == EXPLORE_DIAMONDS_ABOVE)
        return true;
    /* The pilots are a serial start of a search of a few tenths of a
     * second (SharedMemory-PT-000010: some 7 ms each, of 0.09 s on two
     * threads), so two threads run them side by side; each is a search on
     * one thread, whose figures do not depend on the other. */
    const explore_diamond_side sides[2] = {EXPLORE_DIAMONDS_BELOW,
                                           EXPLORE_DIAMONDS_ABOVE};
    double shares[2];
#pragma omp parallel for num_threads(threads > 1 ? 2 : 1) schedule(static, 1)
    for (int side = 0; side < 2; side++)
        shares[side] = explore_pilot_share(model, options, sides[side]);
    double below = shares[0], above = shares[1];
    /* Where the sides come out about even, below: with as many diamonds
     * (Dekker-PT-020: 996,147,200 on either side; pilots 1.5 % apart),
     * the search ran 10 to 20 % slower above. */
    return below >= 0 && above > below * EXPLORE_PILOT_MARGIN;
}

explore_result *explore_run(const model *model, const explore_options *options,
                            pnsim_error *error)
{
    double start = explore_now();
    size_t slots = model->state_length ? model->state_length : 1;
    model_value *initial = calloc(slots, sizeof *initial);
    explore_shared shared = {
        .model = model, .options = options, .start = start,
        .threads = explore_thread_count(options), .error = error,
        .last_progress = start,
    };
    /* The pilots first, and what they freed goes back to the system:
     * after the search's own allocations, the heap they leave would add
     * to its peak memory (Dekker-PT-020: 15.9 -> 16.1 bytes per state;
     * first and trimmed, 15.9).  Not by a pilot running beside the other
     * one: the search that runs them trims. */
    bool diamonds_above =
        explore_diamonds_above(model, options, shared.threads);
#ifdef __GLIBC__
    if (!omp_in_parallel())
        malloc_trim(0);
#endif
    shared.wanted_width = calloc(slots, 1);
    shared.id_blocks = calloc(shared.threads, sizeof *shared.id_blocks);
    explore_result *result = NULL;
    explore_worker *workers = NULL;
    if (initial != NULL && shared.wanted_width != NULL &&
        shared.id_blocks != NULL) {
        model_initial_state(model, initial);
        result = explore_result_create(model, options, initial);
    }
    if (result != NULL) {
        shared.result = result;
        workers = explore_workers_create(&shared, result->codec.words);
        shared.workers = workers;
    }
    if (workers == NULL) {
        explore_result_free(result);
        free(initial);
        free((void *)shared.wanted_width);
        free(shared.id_blocks);
        pnsim_error_set(error, PNSIM_ERR_NOMEM,
                        "out of memory starting the exploration");
        return NULL;
    }
    result->stats.threads = shared.threads;
    shared.pumping = options->find_pumping && model->monotone &&
                     result->with_keys && !model_bounds_every_slot(model);
    shared.diamonds_above = diamonds_above && explore_tags_reaching(result);

    /* The initial state: id 0, no parent. */
    explore_outcome outcome = EXPLORE_COMPLETE;
    uint64_t *packed = workers[0].child;
    state_codec_encode(&result->codec, initial, packed);
    explore_state_id id;
    uint64_t *stored = workers[0].batch_stored;
    if (state_store_fold(result->store, packed, stored) >= STORE_FULL ||
        state_store_insert(result->store, NULL, stored,
                           state_store_hash(result->store, stored),
                           EXPLORE_ROOT_KEY, &id) != STORE_ADDED) {
        outcome = EXPLORE_LIMIT_MEMORY;
    } else {
        explore_worker_reset(&workers[0]);
        explore_worker_account(&workers[0], packed);
        explore_merge(result, &workers[0]);
    }
    free(initial);

    shared.level_start = 0;
    shared.level_end = state_store_count(result->store);
    while (outcome == EXPLORE_COMPLETE && shared.level_start < shared.level_end) {
        if (shared.pumping &&
            !explore_pumping_reserve(result, shared.level_end)) {
            outcome = EXPLORE_LIMIT_MEMORY;
            break;
        }
        outcome = explore_level(&shared, workers);
        if (outcome != EXPLORE_COMPLETE)
            break;
        result->stats.levels++;
        if (result->stats.pumping_state != EXPLORE_NO_STATE) {
            outcome = EXPLORE_UNBOUNDED;
            break;
        }
        if (!explore_renumber(&shared, shared.level_end)) {
            int failed = atomic_load(&shared.stop);
            outcome = failed != 0 ? (explore_outcome)failed
                                  : EXPLORE_LIMIT_MEMORY;
            break;
        }
        if (options->stop_at_deadlock && result->stats.dead_nonfinal > 0) {
            outcome = EXPLORE_FOUND_DEADLOCK;
            break;
        }
        shared.level_start = shared.level_end;
        shared.level_end = state_store_count(result->store);
        if (result->forget)
            state_store_forget(result->store, shared.level_start);
        state_store_forget_tags(result->store, shared.level_start);
    }

    explore_workers_free(workers, shared.threads);
    free((void *)shared.wanted_width);
    free(shared.id_blocks);
    explore_sort_scratch_free(&shared);
    /* A search cut short may already have met, or be one pass away from,
     * a proof that the model is unbounded. */
    if (shared.pumping && outcome != EXPLORE_UNBOUNDED &&
        (explore_outcome_is_limit(outcome) || outcome == EXPLORE_FAILED)) {
        if (result->stats.pumping_state == EXPLORE_NO_STATE)
            explore_pumping_rest(result, shared.level_start);
        if (result->stats.pumping_state != EXPLORE_NO_STATE)
            outcome = EXPLORE_UNBOUNDED;
    }
    result->outcome = outcome;
    if (result->model->linear)
        explore_sets_seen(result);
    result->stats.states = state_store_count(result->store);
    result->stats.store_bytes = state_store_bytes(result->store);
    result->stats.store_tree_nodes =
        state_store_dictionary_count(result->store);
    result->stats.state_words = result->codec.words;
    result->stats.exclusive_sets = result->codec.sets;
    result->stats.seconds = explore_now() - start;
    if (outcome == EXPLORE_LIMIT_MEMORY)
        pnsim_error_set(error, PNSIM_ERR_NOMEM,
                        "the state store reached its memory limit");
    return result;
}

void explore_result_free(explore_result *result)
{
    if (result == NULL)
        return;
    state_store_free(result->store);
    packed_model_free(result->packed);
    commute_table_free(result->commute);
    state_tally_free(result->tally);
    state_codec_free(&result->codec);
    state_codec_sets_free(&result->sets);
    for (uint64_t i = 0; i < result->decoded_count && result->decoded; i++)
        free(result->decoded[i]);
    free(result->decoded);
    free((void *)result->fired);
    free(result->initial);
    free(result->slot_order);
    free(result->initial_packed);
    free(result->changed_words);
    free(result->set_seen);
    free(result->slot_changed);
    free(result->path_max);
    free(result);
}

explore_outcome explore_result_outcome(const explore_result *result)
{
    return result->outcome;
}

const explore_stats *explore_result_stats(const explore_result *result)
{
    return &result->stats;
}

const model_value *explore_result_state(const explore_result *result,
                                        explore_state_id id)
{
    /* Decoded once per id, kept until the result is freed. */
    explore_result *cache = (explore_result *)result;
    if (cache->decoded == NULL) {
        cache->decoded_count = state_store_count(result->store);
        cache->decoded = calloc(cache->decoded_count, sizeof *cache->decoded);
        if (cache->decoded == NULL)
            return NULL;
    }
    if (id >= cache->decoded_count)
        return NULL;
    if (cache->decoded[id] == NULL) {
        size_t slots = result->model->state_length;
        cache->decoded[id] = malloc((slots ? slots : 1) * sizeof(model_value));
        if (cache->decoded[id] == NULL)
            return NULL;
        if (!explore_result_decode(result, id, cache->decoded[id])) {
            free(cache->decoded[id]);
            cache->decoded[id] = NULL;
        }
    }
    return cache->decoded[id];
}

bool explore_result_decode(const explore_result *result, explore_state_id id,
                           model_value *state)
{
    uint64_t local[8];
    uint64_t *packed = result->codec.words <= 8
                           ? local
                           : malloc(result->codec.words * sizeof *packed);
    bool stored = packed != NULL && state_store_get(result->store, id, packed);
    if (stored)
        state_codec_decode(&result->codec, packed, state);
    if (packed != local)
        free(packed);
    return stored;
}

bool explore_result_transition_fired(const explore_result *result, uint32_t t)
{
    return t < result->model->transition_count && result->fired[t] != 0;
}

bool explore_result_slot_constant(const explore_result *result, size_t slot)
{
    const state_codec *codec = &result->codec;
    if (codec->width[slot] == 0) {
        /* A member: whether its set's field ever held its index, or
         * (holding it initially) any other. */
        uint32_t set = codec->set_of[slot];
        uint64_t own = (uint64_t)1 << state_codec_member_index(codec, slot);
        uint64_t seen = result->set_seen[set];
        return result->initial[slot] == 1 ? (seen & ~own) == 0
                                          : (seen & own) == 0;
    }
    return !result->slot_changed[slot] &&
           (result->changed_words[codec->word[slot]] & codec->mask[slot]) == 0;
}

/* Finds which transition leads from `parent` (decoded) to the state packed
 * as `child`: the first successor that encodes to it. */
typedef struct explore_step_search {
    const state_codec *codec;
    const uint64_t *child;
    uint64_t *packed;
    long transition;
} explore_step_search;

static int explore_match_step(void *context, uint32_t transition,
                              const model_value *successor)
{
    explore_step_search *search = context;
    if (state_codec_encode(search->codec, successor, search->packed) < 0 &&
        memcmp(search->packed, search->child,
               search->codec->words * sizeof *search->packed) == 0) {
        search->transition = transition;
        return 1;
    }
    return 0;
}

pnsim_status explore_trace_to(const explore_result *result,
                              explore_state_id target, explore_trace *trace,
                              pnsim_error *error)
{
    memset(trace, 0, sizeof *trace);
    if (!result->with_keys)
        return pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                               "this exploration kept no parent links");
    const model *model = result->model;
    size_t slots = model->state_length ? model->state_length : 1;
    size_t length = 0;
    for (uint64_t key = state_store_key(result->store, target);
         key != EXPLORE_ROOT_KEY;
         key = state_store_key(result->store, key >> EXPLORE_VISIT_BITS))
        length++;

    trace->transitions = malloc((length ? length : 1) *
                                sizeof *trace->transitions);
    trace->states = malloc((length + 1) * sizeof *trace->states);
    trace->storage = malloc((length + 1) * slots * sizeof *trace->storage);
    void *scratch = malloc(model->scratch_bytes ? model->scratch_bytes : 1);
    /* Scratch for a successor, and the child it must match. */
    uint64_t *packed = malloc(2 * result->codec.words * sizeof *packed);
    if (trace->transitions == NULL || trace->states == NULL ||
        trace->storage == NULL || scratch == NULL || packed == NULL) {
        free(scratch);
        free(packed);
        explore_trace_free(trace);
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory building a trace");
    }
    uint64_t *child = packed + result->codec.words;
    trace->length = length;

    /* Walk back from the target, recovering each step's transition. */
    explore_state_id id = target;
    pnsim_status status = PNSIM_OK;
    for (size_t i = length + 1; i-- > 0;) {
        model_value *state = trace->storage + i * slots;
        if (!state_store_get(result->store, id, child)) {
            status = pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                     "state %llu was never stored",
                                     (unsigned long long)id);
            break;
        }
        state_codec_decode(&result->codec, child, state);
        trace->states[i] = state;
        if (i == 0)
            break;
        explore_state_id parent = state_store_key(result->store, id) >>
                                  EXPLORE_VISIT_BITS;
        model_value *parent_state = trace->storage + (i - 1) * slots;
        /* The parent comes next round; decoded now for its successors. */
        explore_result_decode(result, parent, parent_state);
        explore_step_search search = {
            .codec = &result->codec, .child = child,
            .packed = packed, .transition = -1,
        };
        pnsim_error step_error;
        model_successors(model, parent_state, scratch, explore_match_step,
                         &search, &step_error);
        if (search.transition < 0) {
            status = pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                     "no transition leads from state %llu to "
                                     "state %llu",
                                     (unsigned long long)parent,
                                     (unsigned long long)id);
            break;
        }
        trace->transitions[i - 1] = (uint32_t)search.transition;
        id = parent;
    }
    free(scratch);
    free(packed);
    if (status != PNSIM_OK)
        explore_trace_free(trace);
    return status;
}

void explore_trace_free(explore_trace *trace)
{
    free(trace->transitions);
    free((void *)trace->states);
    free(trace->storage);
    memset(trace, 0, sizeof *trace);
}

const char *explore_outcome_name(explore_outcome outcome)
{
    switch (outcome) {
    case EXPLORE_COMPLETE: return "complete";
    case EXPLORE_FOUND_DEADLOCK: return "stopped at the first deadlock";
    case EXPLORE_STOPPED_BY_HOOK: return "stopped";
    case EXPLORE_LIMIT_STATES: return "state limit reached";
    case EXPLORE_LIMIT_MEMORY: return "memory limit reached";
    case EXPLORE_LIMIT_TIME: return "time limit reached";
    case EXPLORE_INTERRUPTED: return "interrupted";
    case EXPLORE_FAILED: return "failed";
    case EXPLORE_UNBOUNDED: return "unbounded";
    }
    return "unknown";
}

bool explore_outcome_is_limit(explore_outcome outcome)
{
    return outcome == EXPLORE_LIMIT_STATES || outcome == EXPLORE_LIMIT_MEMORY ||
           outcome == EXPLORE_LIMIT_TIME || outcome == EXPLORE_INTERRUPTED;
}
