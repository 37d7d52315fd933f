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
 * into x is taken as its reaching one, and needs of t and g only that t
 * is enabled in p and g in p·t: two transitions that do not commute in
 * every state (commute.h) are tested in p (explore_commute_here), which
 * packed_model_unfire gives from x and g.  With parent links it is the one of
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
 * Edges back.  A transition t whose effects are the opposite of g's
 * (commute.h) leads from x = p·g back to p, a state of level d - 1,
 * stored already: its edge is counted and not followed, whichever its
 * side.  No state is lost and the proof above is untouched, since such
 * an edge never enters a state of the level being found.
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
 * per side, choose (explore_diamonds_above; below, without the second,
 * when the first finds every state).  With parent links the side is
 * below, for the smallest keys above.
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
 * Unboundedness: explore_pumping.c.
 *
 * Growth.  Threads do not resize the table while they insert.  When it is
 * three quarters full they finish their chunk and stop; one thread grows
 * it and the level goes on from where the cursor stood.  Chunks are sized
 * so that a round of chunks cannot fill the rest of the table.
 *
 * Files.  This one holds the search and its hot path; what runs seldom
 * (encodings, numbering a level, unboundedness, the result) has files of
 * its own, which share the structures of explore_internal.h.
 */
#include "explore_internal.h"

#include <omp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* States of each pilot search that chooses the side of the diamonds
 * (unless explore_options.pilot_states says otherwise), and
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

/* A level is narrow when it has less than 1/EXPLORE_NARROW_LEVEL of the
 * states stored (state_store_set_narrow_levels). */
#define EXPLORE_NARROW_LEVEL 8

/* Levels with fewer states than this are expanded by one thread. */
#define EXPLORE_PARALLEL_LEVEL 512
/* States a thread takes from the level at once (explore_chunk).  A thread's
 * cache of recent successors sees only its own chunks, and siblings'
 * successors overlap across chunks: larger chunks lose fewer of them, while
 * the chunks of a level must stay many enough to share it out evenly. */
#define EXPLORE_CHUNK_MIN ((uint64_t)256)
#define EXPLORE_CHUNK_MAX ((uint64_t)1024)
#define EXPLORE_CHUNKS_PER_THREAD ((uint64_t)16)

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
/* Diamonds where the reaching transition was fired: tests that measure
 * whether testing pays (a quarter of them must find one), and states
 * expanded without testing when it does not, until it is measured again. */
#define EXPLORE_COMMUTE_MEASURE 4096
#define EXPLORE_COMMUTE_PERIOD 65536
/* Room for runs of found ids a thread keeps free when it starts a chunk:
 * a chunk adds one run, and one more each time the thread takes a new
 * block of ids (store.h), a few times a chunk. */
#define EXPLORE_FOUND_ROOM 64
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

void explore_options_init(explore_options *options)
{
    memset(options, 0, sizeof *options);
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

void explore_fail_internal(explore_shared *shared, const char *message)
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

bool explore_is_final(const model *model, const explore_options *options,
                      const model_value *state)
{
    if (options->final != NULL)
        return state_predicate_holds(options->final, state);
    return model_is_final(model, state);
}

/* ---- per-thread accounting --------------------------------------------- */

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

/* ---- successors ----------------------------------------------------------- */

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

/* Forgets the last state's diamonds, at the start of a state's. */
static inline void explore_diamonds_forget(explore_worker *worker)
{
    worker->skip = NULL;
    worker->skip_words = 0;
    worker->before_known = false;
    if (worker->commute_pause != 0)
        worker->commute_pause--;
}

/* Takes the rows of `commute` for a state reached by transition g. */
static inline void explore_diamonds_after(explore_worker *worker,
                                          const commute_table *commute,
                                          uint32_t g)
{
    worker->reached_by = g;
    worker->skip = commute_row(commute, g, &worker->skip_words);
    worker->testing = commute_testing_row(commute, g);
    worker->changing = commute_changing_row(commute, g);
    worker->undoing = commute_undoing_row(commute, g);
}

/* explore_find_diamonds for a state whose tag is `tag` (0: none known),
 * in a store of tags. */
static inline void explore_find_diamonds_tagged(explore_worker *worker,
                                                uint16_t tag)
{
    const explore_result *result = worker->shared->result;
    explore_diamonds_forget(worker);
    if (result->commute == NULL || tag == 0)
        return;
    explore_diamonds_after(worker, result->commute, tag - 1u);
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
    explore_diamonds_forget(worker);
    if (result->commute == NULL)
        return;
    uint64_t key = state_store_key(result->store, id);
    if (key == EXPLORE_ROOT_KEY)
        return;
    explore_diamonds_after(worker, result->commute,
                           (uint32_t)(key & EXPLORE_VISIT_MAX));
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

/* Of `rest`, transitions of word k of a set that are enabled in the
 * parent x, on the level's side of g, the transition that reached it, and
 * do not commute with g in every state (commute.h), those that commute
 * with g where it was fired: t is enabled in p, the state with x = p·g,
 * and g in p·t (which only a t changing what g reads can change).  Then
 * x·t = p·t·g (effects add up), and p·t -g-> x·t is another edge of the
 * level (see "Diamonds" above).  Most such pairs share a place that holds
 * enough tokens for both: SwimmingPool-PT-02 follows 3,408,070 edges to
 * its 3,408,031 states instead of 9,561,475, Kanban-PT-00005 4.5 M
 * instead of 8.8 M. */
static __attribute__((noinline)) uint64_t
explore_commute_here(explore_worker *worker, size_t k, uint64_t rest)
{
    const packed_model *packed = worker->shared->result->packed;
    uint32_t g = worker->reached_by;
    uint64_t *before = worker->before, *through = worker->through;
    if (!worker->before_known) {
        packed_model_unfire(packed, g, worker->parent_packed, before);
        worker->before_known = true;
    }
    uint64_t changing = worker->changing[k], commuting = 0;
    bool one_word = packed->codec->words == 1;
    worker->commute_tests += (uint32_t)support_popcount(rest);
    for (; rest != 0; rest &= rest - 1) {
        unsigned bit = (unsigned)__builtin_ctzll(rest);
        uint32_t t = (uint32_t)(k * 64 + bit);
        if (!packed_model_passes(packed, t, before))
            continue;
        if ((changing >> bit) & 1) {
            model_value value;
            bool fired =
                one_word ? packed_model_fire_word(packed, t, before[0],
                                                  through)
                         : packed_model_fire(packed, t, before, through,
                                             &value) == PACKED_FIRED;
            if (!fired || !packed_model_passes(packed, g, through))
                continue;
        }
        commuting |= (uint64_t)1 << bit;
    }
    /* Where few pairs commute so, as on safe nets, where two transitions
     * that share a place mostly both need its one token (Dekker-PT-020:
     * a fifth slower with tests that found no diamond), testing is paused
     * (EXPLORE_COMMUTE_MEASURE). */
    worker->commute_found += (uint32_t)support_popcount(commuting);
    if (worker->commute_tests >= EXPLORE_COMMUTE_MEASURE) {
        if (worker->commute_found * 4 < worker->commute_tests)
            worker->commute_pause = EXPLORE_COMMUTE_PERIOD;
        worker->commute_tests = worker->commute_found = 0;
    }
    return commuting;
}

/* Of `on`, the parent's enabled transitions in word k of a set, those
 * whose edges are to be followed: the others, that commute with the one
 * that reached the parent, in every state or where it was fired, and are
 * on the level's side of it, are diamonds, and those that undo it lead
 * back to the state it was fired in (commute.h), on either side: all are
 * counted here. */
static inline uint64_t explore_skip_diamonds(explore_worker *worker, size_t k,
                                             uint64_t on)
{
    if (worker->skip == NULL)
        return on;
    uint32_t g = worker->reached_by;
    uint64_t side = explore_below(k, g);
    if (worker->shared->diamonds_above) {
        side = ~side;
        if (k == g / 64)
            side &= ~((uint64_t)1 << (g % 64));
    }
    uint64_t skipped = 0;
    if (k < worker->skip_words) {
        skipped = on & side & worker->skip[k];
        if (worker->undoing != NULL)
            skipped |= on & worker->undoing[k];
    }
    if (worker->testing != NULL && worker->commute_pause == 0) {
        uint64_t rest = on & side & worker->testing[k] & ~skipped;
        if (rest != 0)
            skipped |= explore_commute_here(worker, k, rest);
    }
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
            double now = support_now();
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

/* Grows the table in the middle of an expansion: only safe when one thread
 * explores.  The stored vectors do not move, and closing the one block of
 * ids changes no id (its unused ids are the highest). */
static bool explore_grow_alone(explore_worker *worker)
{
    explore_result *result = worker->shared->result;
    return explore_close_ids(worker->shared, worker, 1) &&
           state_store_grow(result->store, 1) == 0;
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

/* Bytes mapped for the caches of recent states of `threads` workers: one
 * mapping, in whole huge pages (see explore_workers_create). */
static size_t explore_recent_mapped(unsigned threads)
{
    size_t bytes = threads * EXPLORE_RECENT_BYTES;
    return (bytes + SUPPORT_HUGE_PAGE - 1) / SUPPORT_HUGE_PAGE *
           SUPPORT_HUGE_PAGE;
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
        free(workers[t].before);
        free(workers[t].through);
        free(workers[t].candidates);
        free(workers[t].near.state);
        free(workers[t].near.enabled);
        free(workers[t].near.nonzero);
        free(workers[t].fired_known);
        free(workers[t].changed_words);
        free(workers[t].set_seen);
        free(workers[t].tally.above);
        free(workers[t].batch_vectors);
        free(workers[t].batch_stored);
        free(workers[t].found);
    }
    /* The first worker's cache of recent states starts the mapping. */
    support_pages_unmap(workers[0].recent_buffer, explore_recent_mapped(count));
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
    /* The workers' caches of recent states, one after the other in one
     * mapping of zero pages, touched by the thread whose cache they hold
     * as the search goes (zeroed here, one worker after the other, each
     * cache took 2 to 8 ms of every search's start).  On huge pages: a
     * 4 KiB page first touched costs some 10 microseconds on this
     * project's benchmark machine, a virtual one, and the 128 pages of a
     * cache's word_seen 1.2 to 1.6 ms a thread, where one huge page
     * costs 0.1 ms (SharedMemory-PT-000010 on two threads: its first four
     * levels, 2,871 states, 11 ms on 4 KiB pages and 3.5 ms on one huge
     * page).  Up to three caches share one: a huge page each would take
     * 1.4 MiB more resident memory a thread than the 0.5 MiB that
     * word_seen touches (Dekker-PT-020, two threads: 16.0 bytes a state
     * instead of 15.8).  Not for a search limited to a few thousand
     * states (a pilot), whose word_seen is a few pages: it would clear
     * the whole huge page. */
    size_t word_seen_places = explore_word_seen_places(shared->options);
    bool huge = word_seen_places == EXPLORE_WORD_SEEN;
    uint64_t *recent =
        support_pages_map(explore_recent_mapped(shared->threads), huge);
    if (recent == NULL) {
        free(workers);
        return NULL;
    }
    for (unsigned t = 0; t < shared->threads; t++)
        workers[t].recent_buffer =
            recent + t * (EXPLORE_RECENT_BYTES / sizeof(uint64_t));
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
        worker->before = explore_worker_alloc(vector_bytes);
        worker->through = explore_worker_alloc(vector_bytes);
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
        worker->recent_untouched = true;
        worker->word_seen_mask = word_seen_places - 1;
        worker->batch_vectors =
            explore_worker_alloc(EXPLORE_BATCH * vector_bytes);
        worker->batch_stored =
            explore_worker_alloc(EXPLORE_BATCH * vector_bytes);
        if (worker->scratch == NULL || worker->values == NULL ||
            worker->child == NULL || worker->parent_packed == NULL ||
            worker->parent_tree == NULL ||
            worker->ancestor_packed == NULL || worker->before == NULL ||
            worker->through == NULL || worker->changed_words == NULL ||
            worker->set_seen == NULL || worker->tally.above == NULL ||
            worker->candidates == NULL || worker->fired_known == NULL ||
            worker->near.state == NULL ||
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
 * it fails.  Sets `whole` when it found every state. */
static double explore_pilot_share(const model *model,
                                  const explore_options *options,
                                  explore_diamond_side side, bool *whole)
{
    explore_options pilot;
    explore_options_init(&pilot);
    pilot.threads = 1;
    pilot.max_states = options->pilot_states != 0 ? options->pilot_states
                                                  : EXPLORE_PILOT_STATES;
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
    *whole = explore_result_outcome(result) == EXPLORE_COMPLETE;
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
                                   const explore_options *options)
{
    /* Where the search will follow every edge or keep parent links, no
     * pilot: explore_run asks the result too (explore_tags_reaching). */
    if (!model->linear || !options->skip_traces ||
        options->on_edge != NULL ||
        options->diamond_side == EXPLORE_DIAMONDS_BELOW)
        return false;
    if (options->diamond_side == EXPLORE_DIAMONDS_ABOVE)
        return true;
    /* One pilot after the other: two threads running them side by side
     * took as long, their page faults slowing each other (2 to 3 ms each
     * on one thread, 3.4 to 6.6 ms side by side, SharedMemory-PT-000010).
     * A pilot that found every state leaves a search as small, for which
     * either side will do: below. */
    bool whole = false;
    double below = explore_pilot_share(model, options,
                                       EXPLORE_DIAMONDS_BELOW, &whole);
    double above = whole ? -1
                         : explore_pilot_share(model, options,
                                               EXPLORE_DIAMONDS_ABOVE, &whole);
    /* What the pilots freed goes back to the system: after the search's
     * own allocations, the heap they leave would add to its peak memory
     * (Dekker-PT-020: 15.9 -> 16.1 bytes per state; trimmed, 15.9). */
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    /* Where the sides come out about even, below: with as many diamonds
     * (Dekker-PT-020: 996,147,200 on either side; pilots 1.5 % apart),
     * the search ran 10 to 20 % slower above. */
    return below >= 0 && above > below * EXPLORE_PILOT_MARGIN;
}

explore_result *explore_run(const model *model, const explore_options *options,
                            pnsim_error *error)
{
    double start = support_now();
    size_t slots = model->state_length ? model->state_length : 1;
    model_value *initial = calloc(slots, sizeof *initial);
    explore_shared shared = {
        .model = model, .options = options, .start = start,
        .threads = explore_thread_count(options), .error = error,
        .last_progress = start,
    };
    /* The pilots first, before the search allocates anything. */
    bool diamonds_above = explore_diamonds_above(model, options);
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
        if (!SUPPORT_RESERVE(result->level_ends, result->level_ends_capacity,
                             result->stats.levels)) {
            outcome = EXPLORE_LIMIT_MEMORY;
            break;
        }
        result->level_ends[result->stats.levels - 1] = shared.level_end;
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
        /* Levels narrow against the states stored: a compact table grows
         * by smaller steps. */
        state_store_set_narrow_levels(
            result->store, (shared.level_end - shared.level_start) *
                                   EXPLORE_NARROW_LEVEL <
                               shared.level_end);
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
    result->stats.seconds = support_now() - start;
    if (outcome == EXPLORE_LIMIT_MEMORY)
        pnsim_error_set(error, PNSIM_ERR_NOMEM,
                        "the state store reached its memory limit");
    return result;
}
