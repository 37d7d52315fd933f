/*
 * test_explore.c — the state store, the breadth-first explorer and state
 * predicates, on small hand-made models whose state spaces are known.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <omp.h>
#include <stdatomic.h>

#include "codec.h"
#include "explore.h"
#include "predicate.h"
#include "store.h"

/* ---- A grid model: slots a and b count up to `limit`. -----------------
 *
 * Transition 0 increments a, transition 1 increments b, each while below
 * the limit; transition 2 ("fail") exists only to exercise MODEL_FAILED,
 * which the model reports when a reaches `fail_at` (0: never).
 * With limit L there are (L+1)^2 states, 2L(L+1) edges and one dead state
 * (L, L), reached in 2L steps at the earliest.
 */
typedef struct grid {
    model model;
    model_value limit;
    model_value fail_at;
} grid;

static const char *const grid_slot_names[] = {"a", "b"};
static const model_transition grid_transitions[] = {
    {.name = "inc_a"}, {.name = "inc_b"}, {.name = "fail"},
};

static void grid_initial(const model *model, model_value *state)
{
    (void)model;
    state[0] = 0;
    state[1] = 0;
}

static model_result grid_successors(const model *model,
                                    const model_value *state, void *scratch,
                                    model_visit_fn visit, void *context,
                                    pnsim_error *error)
{
    const grid *g = (const grid *)model;
    model_value *next = scratch;
    if (g->fail_at != 0 && state[0] == g->fail_at) {
        pnsim_error_set(error, PNSIM_ERR_OVERFLOW, "grid overflow at a=%llu",
                        (unsigned long long)state[0]);
        return MODEL_FAILED;
    }
    for (uint32_t t = 0; t < 2; t++) {
        if (state[t] >= g->limit)
            continue;
        memcpy(next, state, 2 * sizeof *next);
        next[t]++;
        if (visit(context, t, next) != 0)
            return MODEL_STOPPED;
    }
    return MODEL_DONE;
}

static bool grid_is_final(const model *model, const model_value *state)
{
    const grid *g = (const grid *)model;
    return state[0] == g->limit && state[1] == g->limit;
}

static void grid_destroy(model *model)
{
    (void)model;
}

static const model_ops grid_ops = {
    .initial_state = grid_initial,
    .successors = grid_successors,
    .is_final = NULL,
    .destroy = grid_destroy,
};

static const model_ops grid_final_ops = {
    .initial_state = grid_initial,
    .successors = grid_successors,
    .is_final = grid_is_final,
    .destroy = grid_destroy,
};

static void grid_init(grid *g, model_value limit, const model_ops *ops)
{
    memset(g, 0, sizeof *g);
    g->model.ops = ops;
    g->model.format = "test";
    g->model.name = "grid";
    g->model.state_length = 2;
    g->model.slot_kind = MODEL_SLOT_TOKENS;
    g->model.slot_names = grid_slot_names;
    g->model.transition_count = 3;
    g->model.transitions = grid_transitions;
    g->model.scratch_bytes = 2 * sizeof(model_value);
    g->limit = limit;
}

/* ---- The codec and the store ------------------------------------------- */

static void test_codec_round_trip(void **unused)
{
    (void)unused;
    uint8_t widths[5] = {1, 3, 64, 60, 1};
    state_codec codec;
    assert_int_equal(state_codec_init(&codec, 5, widths, NULL, NULL), 0);
    assert_int_equal(codec.words, 3);   /* 1+3 | 64 | 60+1 */
    model_value values[5] = {1, 7, UINT64_MAX, ((uint64_t)1 << 60) - 1, 0};
    uint64_t packed[3];
    assert_int_equal(state_codec_encode(&codec, values, packed), -1);
    model_value back[5];
    state_codec_decode(&codec, packed, back);
    assert_memory_equal(values, back, sizeof values);

    /* Too wide a value is reported with its slot, never truncated. */
    values[1] = 8;
    assert_int_equal(state_codec_encode(&codec, values, packed), 1);

    /* Updating one slot in place equals encoding from scratch. */
    values[1] = 5;
    assert_int_equal(state_codec_encode(&codec, values, packed), -1);
    state_codec_set(&codec, packed, 4, 1);
    values[4] = 1;
    uint64_t fresh[3];
    state_codec_encode(&codec, values, fresh);
    assert_memory_equal(packed, fresh, sizeof fresh);
    state_codec_decode(&codec, fresh, back);
    assert_memory_equal(values, back, sizeof values);

    /* A word of one-bit slots decodes from its set bits. */
    uint8_t bits[70];
    memset(bits, 1, sizeof bits);
    state_codec ones;
    assert_int_equal(state_codec_init(&ones, 70, bits, NULL, NULL), 0);
    assert_int_equal(ones.words, 2);
    assert_true(ones.word_bits[0] && ones.word_bits[1]);
    model_value marking[70] = {0}, decoded[70];
    marking[0] = marking[63] = marking[64] = marking[69] = 1;
    uint64_t two[2];
    assert_int_equal(state_codec_encode(&ones, marking, two), -1);
    state_codec_decode(&ones, two, decoded);
    assert_memory_equal(marking, decoded, sizeof marking);
    /* Spread evenly: 35 slots a word, not 64 and 6. */
    assert_int_equal(ones.word_first[1], 35);
    state_codec_free(&ones);

    /* Packed in a given order: slot 69 first, slot 0 last. */
    uint32_t reversed[70];
    for (uint32_t i = 0; i < 70; i++)
        reversed[i] = 69 - i;
    assert_int_equal(state_codec_init(&ones, 70, bits, reversed, NULL), 0);
    assert_int_equal(ones.word[69], 0);
    assert_int_equal(ones.shift[69], 0);
    assert_int_equal(ones.word[0], 1);
    marking[5] = 1;
    assert_int_equal(state_codec_encode(&ones, marking, two), -1);
    state_codec_decode(&ones, two, decoded);
    assert_memory_equal(marking, decoded, sizeof marking);
    state_codec_free(&ones);
    assert_int_equal(state_codec_bits(0), 1);
    assert_int_equal(state_codec_bits(8), 4);
    assert_int_equal(state_codec_bits(UINT64_MAX), 64);
    state_codec_free(&codec);
}

/* Exclusive sets: a set is stored as the index of its member that holds 1. */
static void test_codec_exclusive_sets(void **unused)
{
    (void)unused;
    /* 70 one-bit slots in ten sets of seven (slots 7k .. 7k + 6, by index)
     * take ten 3-bit fields: one word instead of two. */
    uint8_t bits[70];
    memset(bits, 1, sizeof bits);
    size_t start[11];
    uint32_t members[70];
    for (size_t k = 0; k <= 10; k++)
        start[k] = 7 * k;
    for (uint32_t i = 0; i < 70; i++)
        members[i] = i;
    state_codec_sets sets = {10, start, members};
    state_codec codec;
    assert_int_equal(state_codec_init(&codec, 70, bits, NULL, &sets), 0);
    assert_int_equal(codec.words, 1);
    assert_int_equal(codec.sets, 10);
    assert_int_equal(codec.members, 70);
    assert_int_equal(codec.word_first[1], 0);   /* no slot of its own */
    assert_false(codec.word_bits[0]);
    assert_int_equal(codec.width[6], 0);
    assert_int_equal(codec.set_width[3], 3);
    /* Every choice of members round-trips. */
    for (unsigned choice = 0; choice < 7 * 7; choice++) {
        model_value marking[70] = {0}, decoded[70];
        for (size_t k = 0; k < 10; k++)
            marking[7 * k + (k % 2 ? choice % 7 : choice / 7)] = 1;
        uint64_t packed;
        assert_int_equal(state_codec_encode(&codec, marking, &packed), -1);
        state_codec_decode(&codec, &packed, decoded);
        assert_memory_equal(marking, decoded, sizeof marking);
        for (size_t i = 0; i < 70; i++)
            assert_true(state_codec_get(&codec, &packed, i) == marking[i]);
        /* Moving set 0's token by setting its members, in either order,
         * ends in the encoding of the moved marking. */
        size_t from = choice / 7, to = (from + 3) % 7;
        marking[from] = 0;
        marking[to] = 1;
        uint64_t moved = packed, moved_back = packed, fresh;
        state_codec_set(&codec, &moved, to, 1);
        state_codec_set(&codec, &moved, from, 0);
        state_codec_set(&codec, &moved_back, from, 0);
        state_codec_set(&codec, &moved_back, to, 1);
        assert_int_equal(state_codec_encode(&codec, marking, &fresh), -1);
        assert_true(moved == fresh && moved_back == fresh);
    }
    state_codec_free(&codec);

    /* A field never straddles two words: 21 three-bit slots, then a set
     * of four (a 2-bit field), then a one-bit slot. */
    uint8_t widths[26];
    for (size_t i = 0; i < 26; i++)
        widths[i] = i < 21 ? 3 : 1;
    size_t four_start[2] = {0, 4};
    uint32_t four[4] = {21, 22, 23, 24};
    state_codec_sets one = {1, four_start, four};
    assert_int_equal(state_codec_init(&codec, 26, widths, NULL, &one), 0);
    assert_int_equal(codec.words, 2);
    assert_int_equal(codec.set_width[0], 2);
    assert_true(codec.set_shift[0] + codec.set_width[0] <= 64);
    assert_int_equal(codec.word[22], codec.set_word[0]);
    model_value values[26] = {0}, back[26];
    values[0] = 7;
    values[20] = 5;
    values[23] = 1;
    values[25] = 1;
    uint64_t packed[2];
    assert_int_equal(state_codec_encode(&codec, values, packed), -1);
    state_codec_decode(&codec, packed, back);
    assert_memory_equal(values, back, sizeof values);
    /* A member holds at most 1. */
    values[23] = 2;
    assert_int_equal(state_codec_encode(&codec, values, packed), 23);
    state_codec_free(&codec);
}

/* Folds and inserts `vector`, as the explorer does. */
static store_insert_result test_store_put(state_store *store,
                                          state_store_ids *ids,
                                          const uint64_t *vector, uint64_t key,
                                          uint64_t *id)
{
    uint64_t stored[16];
    store_insert_result folded = state_store_fold(store, vector, stored);
    if (folded >= STORE_FULL)
        return folded;
    return state_store_insert(store, ids, stored,
                              state_store_hash(store, stored), key, id);
}

static void test_store_dense_ids_and_duplicates(void **unused)
{
    (void)unused;
    state_store *store = state_store_create(1, true, false, 0);
    assert_non_null(store);
    const uint64_t count = 150000;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t v[1] = {i * 7 + 3};
        uint64_t id;
        if (state_store_wants_growth(store))
            assert_int_equal(state_store_grow(store, 2), 0);
        assert_int_equal(test_store_put(store, NULL, v, 1000 + i, &id),
                         STORE_ADDED);
        assert_int_equal(id, i);
    }
    for (uint64_t i = 0; i < count; i += 997) {
        uint64_t v[1] = {i * 7 + 3}, back[1];
        uint64_t id;
        assert_int_equal(test_store_put(store, NULL, v, 0, &id), STORE_FOUND);
        assert_int_equal(id, i);
        assert_true(state_store_get(store, id, back));
        assert_int_equal(back[0], v[0]);
        assert_int_equal(state_store_key(store, id), 1000 + i);
        state_store_lower_key(store, id, 5);
        state_store_lower_key(store, id, 9);
        assert_int_equal(state_store_key(store, id), 5);
    }
    assert_int_equal(state_store_count(store), count);
    uint64_t none[1];
    assert_false(state_store_get(store, count, none));

    /* Renumbering the last three states keeps them findable. */
    uint64_t order[3] = {count - 1, count - 3, count - 2};
    assert_int_equal(state_store_reorder(store, count - 3, order, 2), 0);
    uint64_t v[1] = {(count - 1) * 7 + 3}, back[1], id;
    assert_int_equal(test_store_put(store, NULL, v, 0, &id), STORE_FOUND);
    assert_int_equal(id, count - 3);
    assert_true(state_store_get(store, count - 3, back));
    assert_int_equal(back[0], v[0]);
    state_store_free(store);
}

/* Vectors of every length from 2 to 9 words fold into roots and unfold
 * back, equal words and equal halves sharing dictionary entries. */
static void test_store_tree_compression(void **unused)
{
    (void)unused;
    for (size_t words = 2; words <= 9; words++) {
        state_store *store = state_store_create(words, false, true, 0);
        assert_non_null(store);
        const uint64_t count = 20000;
        uint64_t v[9], back[9], id;
        for (uint64_t i = 0; i < count; i++) {
            /* Word k < words - 1 is bit k of i, the last word i / 16:
             * many states, few distinct words. */
            for (size_t k = 0; k + 1 < words; k++)
                v[k] = (i >> k) & 1;
            v[words - 1] = i / 16;
            store_insert_result put;
            while ((put = test_store_put(store, NULL, v, 0, &id)) == STORE_FULL)
                assert_int_equal(state_store_grow(store, 1), 0);
            assert_true(put == STORE_ADDED || put == STORE_FOUND);
            if (state_store_wants_growth(store))
                assert_int_equal(state_store_grow(store, 1), 0);
        }
        uint64_t states = state_store_count(store);
        assert_true(states > 1000);
        /* Far fewer dictionary entries than words stored. */
        assert_true(state_store_dictionary_count(store) < states * words / 2);
        for (uint64_t id2 = 0; id2 < states; id2++) {
            assert_true(state_store_get(store, id2, back));
            uint64_t again;
            assert_int_equal(test_store_put(store, NULL, back, 0, &again),
                             STORE_FOUND);
            assert_int_equal(again, id2);
        }
        /* A vector that differs in its last word only is new. */
        assert_true(state_store_get(store, 0, v));
        v[words - 1] += 1000003;
        assert_int_equal(test_store_put(store, NULL, v, 0, &id), STORE_ADDED);
        assert_int_equal(id, states);
        state_store_free(store);
    }
}

static void test_store_budget_and_full_table(void **unused)
{
    (void)unused;
    state_store *store = state_store_create(4, false, true, 24u << 20);
    assert_non_null(store);
    store_insert_result last = STORE_ADDED;
    for (uint64_t i = 0; i < 10000000 && last == STORE_ADDED; i++) {
        uint64_t v[4] = {i, 0, 0, 1};
        uint64_t id;
        last = test_store_put(store, NULL, v, 0, &id);
        if (last == STORE_FULL) {
            /* Refused at 7/8 load: growing makes room again. */
            assert_true(state_store_wants_growth(store));
            if (state_store_grow(store, 2) != 0)
                break;
            last = test_store_put(store, NULL, v, 0, &id);
        }
    }
    assert_true(last == STORE_NO_MEMORY || last == STORE_FULL);
    assert_true(state_store_bytes(store) <= 24u << 20);
    assert_true(state_store_count(store) > 10000);
    state_store_free(store);

    /* Memory the caller keeps per state shares the budget. */
    store = state_store_create(4, false, false, 8u << 20);
    assert_non_null(store);
    uint64_t before = state_store_bytes(store);
    assert_false(state_store_charge(store, 8u << 20));
    assert_int_equal(state_store_bytes(store), before);
    assert_true(state_store_charge(store, 1u << 20));
    assert_int_equal(state_store_bytes(store), before + (1u << 20));
    state_store_free(store);
}

/* Four threads insert overlapping ranges at once, taking ids one by one
 * from the shared counter or (`blocks`) in per-thread blocks that are
 * closed afterwards: every value must get exactly one id, ids must be
 * dense, and every id must hold its value and be found again by value.
 * Vectors of three words share their first two among many states, so in a
 * tree store the threads race on the dictionary too.  As in the explorer,
 * the store grows between rounds, when a thread found it full. */
static void test_store_hammer(bool blocks, bool tree)
{
    const uint64_t distinct = 400000;
    state_store *store = state_store_create(3, true, tree, 0);
    assert_non_null(store);
    while (state_store_capacity(store) < distinct * 2)
        assert_int_equal(state_store_grow(store, 2), 0);
    _Atomic uint64_t added = 0, found = 0;
    int failures = 0;
    uint64_t next[4] = {0, 0, 0, 0};
    bool done = false;
    int rounds = 0;
    while (!done) {
        state_store_ids closing[4] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
        bool full = false;
        rounds++;
#pragma omp parallel num_threads(4) reduction(+ : failures) \
    reduction(|| : full)
        {
            int thread = omp_get_thread_num();
            state_store_ids ids = {0, 0};
            /* Each thread walks all values from its own starting point. */
            for (; next[thread] < distinct; next[thread]++) {
                uint64_t value =
                    (next[thread] + (uint64_t)thread * 100003) % distinct;
                uint64_t v[3] = {value % 61, value / 61 % 59, ~value};
                uint64_t id;
                store_insert_result put =
                    test_store_put(store, blocks ? &ids : NULL, v, value, &id);
                if (put == STORE_FULL) {
                    full = true;
                    break;
                }
                switch (put) {
                case STORE_ADDED: atomic_fetch_add(&added, 1); break;
                case STORE_FOUND: atomic_fetch_add(&found, 1); break;
                default: failures++; break;
                }
            }
            closing[thread] = ids;
        }
        if (blocks)
            assert_int_equal(state_store_close_ids(store, closing, 4), 0);
        if (full)
            assert_int_equal(state_store_grow(store, 2), 0);
        done = !full;
    }
    assert_true(!tree || rounds > 1);   /* the dictionary did fill up */
    assert_int_equal(failures, 0);
    assert_int_equal(atomic_load(&added), distinct);
    assert_int_equal(atomic_load(&found), 3 * distinct);
    assert_int_equal(state_store_count(store), distinct);
    unsigned char *seen = calloc(distinct, 1);
    assert_non_null(seen);
    for (uint64_t id = 0; id < distinct; id++) {
        uint64_t v[3];
        assert_true(state_store_get(store, id, v));
        uint64_t value = ~v[2];
        assert_true(value < distinct);
        assert_int_equal(v[0], value % 61);
        assert_int_equal(v[1], value / 61 % 59);
        assert_int_equal(state_store_key(store, id), value);
        assert_int_equal(seen[value], 0);
        seen[value] = 1;
        uint64_t again;
        assert_int_equal(test_store_put(store, NULL, v, 0, &again),
                         STORE_FOUND);
        assert_int_equal(again, id);
    }
    free(seen);
    state_store_free(store);
}

static void test_fill_state(void *context, uint64_t id, uint64_t *vector,
                            uint64_t *key)
{
    (void)context;
    vector[0] = id * 7919 + 13;
    vector[1] = ~id;
    *key = id + 1000;
}

/* A store filled at once on two threads (as re-encoding does) finds every
 * state at its id, with its key; its dictionary grows between rounds. */
static void test_store_filled_by_threads(void **unused)
{
    (void)unused;
    const uint64_t count = 200000;
    state_store *store = state_store_create(2, true, true, 0);
    assert_non_null(store);
    assert_int_equal(state_store_fill(store, count, test_fill_state, NULL, 2),
                     0);
    assert_int_equal(state_store_count(store), count);
    assert_int_equal(state_store_dictionary_count(store), 2 * count);
    for (uint64_t id = 0; id < count; id++) {
        uint64_t v[2], back[2], key, found;
        test_fill_state(NULL, id, v, &key);
        assert_int_equal(state_store_key(store, id), key);
        assert_int_equal(test_store_put(store, NULL, v, 0, &found),
                         STORE_FOUND);
        assert_int_equal(found, id);
        assert_true(state_store_get(store, id, back));
        assert_memory_equal(v, back, sizeof v);
    }
    /* only an empty store can be filled */
    assert_int_equal(state_store_fill(store, 1, test_fill_state, NULL, 1), -1);
    state_store_free(store);
}

static void test_store_hammered_by_threads(void **unused)
{
    (void)unused;
    test_store_hammer(false, false);
    test_store_hammer(true, false);
    test_store_hammer(false, true);
    test_store_hammer(true, true);
}

/* The inverse of an odd multiplier modulo 2^64 (Newton's iteration). */
static uint64_t test_inverse(uint64_t odd)
{
    uint64_t inverse = odd;
    for (int i = 0; i < 6; i++)
        inverse *= 2 - odd * inverse;
    return inverse;
}

#define TEST_SPREAD 0x9e3779b97f4a7c15ULL

static store_insert_result test_compact_put(state_store *store,
                                            state_store_ids *ids,
                                            uint64_t word, uint64_t *id)
{
    uint64_t v[1] = {word};
    return state_store_insert(store, ids, v, state_store_hash(store, v), 0,
                              id);
}

/* The word whose code (state_store_hash of a one-word vector, splitmix64's
 * finaliser) is `code`: each step of the finaliser undone. */
static uint64_t test_uncode(uint64_t code)
{
    uint64_t x = code;
    x ^= x >> 31 ^ x >> 62;
    x *= test_inverse(0x94d049bb133111ebULL);
    x ^= x >> 27 ^ x >> 54;
    x *= test_inverse(0xbf58476d1ce4e5b9ULL);
    x ^= x >> 30 ^ x >> 60;
    return x;
}

/* Growth in place where it is hardest: a run of codes that all start at
 * the first slot (so that, grown, they start below where they sit), and a
 * run of the largest codes, which start at the last slot and wrap around to
 * the first; between them, the table is kept just under 3/4 load, where
 * runs are long.  The table doubles up to 2^20 entries (set so; 2^24 by
 * default), then grows by a quarter, in steps of 2^18, to sizes that are
 * not powers of two. */
/* state_store_insert_words: runs of one-word forms, duplicates within a
 * run and across runs, the form of code 0 among them, give the results
 * and ids that inserting them one by one gives; a run that meets a full
 * table stops there and says so, and goes on once the table has grown. */
static void test_store_compact_runs(void **unused)
{
    (void)unused;
    state_store *store = state_store_create_compact(0);
    state_store *reference = state_store_create_compact(0);
    assert_non_null(store);
    assert_non_null(reference);
    enum { RUN = 16 };
    uint64_t words[RUN], codes[RUN], added[RUN], random = 0x9e3779b97f4a7c15ULL;
    uint64_t zero = test_uncode(0);
    uint64_t inserted = 0, duplicates = 0;
    bool full_seen = false;
    while (state_store_count(reference) < 20000) {
        for (size_t i = 0; i < RUN; i++) {
            random = random * 6364136223846793005ULL + 1442695040888963407ULL;
            /* Few distinct values, so that many are met again. */
            words[i] = (random >> 40) % 30011 * TEST_SPREAD;
            if ((random & 0xff) == 0)
                words[i] = zero;
            if (i > 0 && (random & 0x300) == 0)
                words[i] = words[i - 1];
            codes[i] = state_store_hash(store, &words[i]);
        }
        size_t done = 0;
        while (done < RUN) {
            store_insert_result stopped = STORE_ADDED;
            size_t count = state_store_insert_words(
                store, NULL, words + done, codes + done, RUN - done, added,
                &stopped);
            for (size_t i = 0; i < count; i++) {
                uint64_t id;
                store_insert_result expected = test_compact_put(
                    reference, NULL, words[done + i], &id);
                if (expected == STORE_FULL) {
                    assert_int_equal(state_store_grow(reference, 1), 0);
                    expected = test_compact_put(reference, NULL,
                                                words[done + i], &id);
                }
                assert_int_equal(added[i],
                                 expected == STORE_ADDED ? id
                                                         : STORE_ID_UNKNOWN);
                duplicates += expected == STORE_FOUND;
            }
            inserted += count;
            done += count;
            assert_int_equal(state_store_count(store),
                             state_store_count(reference));
            if (done < RUN) {
                assert_int_equal(stopped, STORE_FULL);
                full_seen = true;
                assert_int_equal(state_store_grow(store, 1), 0);
            }
        }
    }
    assert_true(full_seen);
    assert_true(duplicates > inserted / 8);
    for (uint64_t id = 0; id < state_store_count(store); id++) {
        uint64_t v[1], w[1];
        assert_true(state_store_get(store, id, v));
        assert_true(state_store_get(reference, id, w));
        assert_int_equal(v[0], w[0]);
    }
    state_store_free(store);
    state_store_free(reference);
}

static void test_store_compact_growth_edges(void **unused)
{
    (void)unused;
    state_store *store = state_store_create_compact(0);
    assert_non_null(store);
    assert_int_equal(state_store_capacity(store), (uint64_t)1 << 14);
    state_store_set_growth(store, (uint64_t)1 << 16, (uint64_t)1 << 20);
    uint64_t words[120], id;
    for (uint64_t i = 0; i < 120; i++) {
        uint64_t code = i < 60 ? (i + 1) << 20 | i : ~(uint64_t)0 - i;
        words[i] = test_uncode(code);
        uint64_t v[1] = {words[i]};
        assert_int_equal(state_store_hash(store, v), code);
        assert_int_equal(test_compact_put(store, NULL, words[i], &id),
                         STORE_ADDED);
    }
    uint64_t filled = 0, previous = state_store_capacity(store);
    int quarter_steps = 0, quadruple_steps = 0;
    while (state_store_capacity(store) < ((uint64_t)5 << 19)) {
        while ((120 + filled + 1) * 4 < state_store_capacity(store) * 3) {
            assert_int_equal(test_compact_put(store, NULL,
                                              (filled + 1) * TEST_SPREAD, &id),
                             STORE_ADDED);
            filled++;
        }
        assert_true(state_store_wants_growth(store) ||
                    (120 + filled + 1) * 4 >= state_store_capacity(store) * 3);
        assert_int_equal(state_store_grow(store, 1), 0);
        uint64_t size = state_store_capacity(store);
        if (previous < ((uint64_t)1 << 16)) {
            assert_int_equal(size, previous * 4);
            quadruple_steps++;
        } else if (previous < ((uint64_t)1 << 20)) {
            assert_int_equal(size, previous * 2);
        } else {
            assert_int_equal(size % ((uint64_t)1 << 18), 0);
            assert_true(size >= previous + previous / 4 &&
                        size < previous + previous / 4 + ((uint64_t)1 << 18));
            assert_true((size & (size - 1)) != 0);
            quarter_steps++;
        }
        previous = size;
        for (uint64_t i = 0; i < 120; i++)
            assert_int_equal(test_compact_put(store, NULL, words[i], &id),
                             STORE_FOUND);
        for (uint64_t value = 1; value <= filled; value += 97)
            assert_int_equal(test_compact_put(store, NULL,
                                              value * TEST_SPREAD, &id),
                             STORE_FOUND);
    }
    assert_true(quarter_steps >= 2);
    assert_int_equal(quadruple_steps, 1);
    assert_int_equal(state_store_count(store), 120 + filled);
    /* Every state once: each found, none new, after the last growth. */
    for (uint64_t value = 1; value <= filled; value++)
        assert_int_equal(test_compact_put(store, NULL, value * TEST_SPREAD,
                                          &id), STORE_FOUND);
    assert_int_equal(state_store_count(store), 120 + filled);
    /* Truncating across a grown table takes the newest out again. */
    assert_int_equal(state_store_truncate(store, 120), 0);
    for (uint64_t i = 0; i < 120; i++)
        assert_int_equal(test_compact_put(store, NULL, words[i], &id),
                         STORE_FOUND);
    assert_int_equal(test_compact_put(store, NULL, TEST_SPREAD, &id),
                     STORE_ADDED);
    state_store_free(store);
}

/* Grows a compact store, whose table grows by a quarter from 2^20
 * entries (set so), until its table has `entries` entries, filling it to
 * just under 3/4 load with words from *next on; returns its size after
 * one more growth, every word still found. */
static uint64_t test_compact_grow_past(state_store *store, uint64_t entries,
                                       uint64_t *next)
{
    uint64_t id;
    for (;;) {
        while ((*next + 1) * 4 < state_store_capacity(store) * 3) {
            assert_int_equal(test_compact_put(store, NULL,
                                              *next * TEST_SPREAD, &id),
                             STORE_ADDED);
            (*next)++;
        }
        bool last = state_store_capacity(store) >= entries;
        assert_int_equal(state_store_grow(store, 1), 0);
        if (last)
            break;
    }
    for (uint64_t value = 1; value < *next; value += 89)
        assert_int_equal(test_compact_put(store, NULL, value * TEST_SPREAD,
                                          &id), STORE_FOUND);
    return state_store_capacity(store);
}

/* Where a search's levels are narrow (state_store_set_narrow_levels), a
 * compact table grows by a quarter from a quarter of the size it
 * otherwise would: set to grow so from 2^20 entries, a table of 2^19
 * grows to 3 * 2^18 entries (a quarter more, rounded up to whole steps of
 * 2^18) when levels are narrow, and doubles when not; a table of 2^17
 * doubles either way. */
static void test_store_compact_narrow_growth(void **unused)
{
    (void)unused;
    for (int narrow = 0; narrow <= 1; narrow++) {
        state_store *store = state_store_create_compact(0);
        assert_non_null(store);
        state_store_set_growth(store, (uint64_t)1 << 15, (uint64_t)1 << 20);
        state_store_set_narrow_levels(store, narrow);
        uint64_t next = 1;
        assert_int_equal(test_compact_grow_past(store, (uint64_t)1 << 17,
                                                &next),
                         (uint64_t)1 << 18);
        assert_int_equal(test_compact_grow_past(store, (uint64_t)1 << 19,
                                                &next),
                         narrow ? (uint64_t)3 << 18 : (uint64_t)1 << 20);
        assert_int_equal(state_store_count(store), next - 1);
        state_store_free(store);
    }
}

/* Closing the id blocks in the order of the work that found the states:
 * three blocks interleave their ids, by "chunks" of work handed out to
 * them in turn, and the close numbers the states chunk after chunk; the
 * tags and the set go along and the unused ends of the blocks are dropped.
 * Enough states for the moves to cross a chunk of the arena (2^19 states
 * of one word). */
static void test_store_compact_close_in_order(void **unused)
{
    (void)unused;
    state_store *store = state_store_create_compact(0);
    assert_non_null(store);
    assert_int_equal(state_store_enable_tags(store), 0);
    uint64_t id;
    for (uint64_t value = 1; value <= 10; value++)
        assert_int_equal(test_compact_put(store, NULL, value * TEST_SPREAD,
                                          &id), STORE_ADDED);
    const uint64_t first = state_store_count(store);
    const uint64_t chunks = 9000, most = 9000 * 193;
    state_store_ids blocks[3] = {{0, 0}, {0, 0}, {0, 0}};
    state_store_run *runs = calloc(most, sizeof *runs);
    uint64_t *chunk_of_run = calloc(most, sizeof *chunk_of_run);
    uint64_t *order = calloc(most, sizeof *order);
    assert_non_null(runs);
    assert_non_null(chunk_of_run);
    assert_non_null(order);
    uint64_t added = 0, inverse = test_inverse(TEST_SPREAD);
    size_t run_count = 0;
    uint64_t value = 11;
    for (uint64_t chunk = 0; chunk < chunks; chunk++) {
        /* Mostly in turn, sometimes the same block twice. */
        state_store_ids *block = &blocks[(chunk + chunk / 7) % 3];
        /* 1 to 193 states a chunk; every fifth put is of a state met
         * before. */
        for (uint64_t k = 0; k < 1 + chunk * 37 % 193; k++) {
            uint64_t word = k % 5 == 4 ? (value - 1) * TEST_SPREAD
                                       : value++ * TEST_SPREAD;
            store_insert_result put = test_compact_put(store, block, word,
                                                       &id);
            if (put == STORE_FULL) {
                assert_int_equal(state_store_grow(store, 1), 0);
                put = test_compact_put(store, block, word, &id);
            }
            if (put == STORE_FOUND)
                continue;
            assert_int_equal(put, STORE_ADDED);
            state_store_set_tag(store, id,
                                (uint16_t)(word * inverse % 65535 + 1));
            order[added++] = word;
            if (run_count > 0 && chunk_of_run[run_count - 1] == chunk &&
                runs[run_count - 1].end == id) {
                runs[run_count - 1].end++;
            } else {
                chunk_of_run[run_count] = chunk;
                runs[run_count++] = (state_store_run){id, id + 1};
            }
        }
    }
    assert_true(first + added > ((uint64_t)1 << 19));
    /* The ids did interleave: some run of a later chunk has lower ids. */
    bool interleaved = false;
    for (size_t r = 1; r < run_count; r++)
        interleaved = interleaved || runs[r].first < runs[r - 1].first;
    assert_true(interleaved);
    uint64_t handed = state_store_count(store);
    assert_true(handed > first + added);   /* the blocks' unused ends */

    /* Runs that miss a state are refused, and nothing changes. */
    assert_int_equal(state_store_close_ids_in_order(store, blocks, 3, first,
                                                    runs + 1,
                                                    run_count - 1),
                     -1);
    assert_int_equal(state_store_count(store), handed);
    /* Nor runs that overlap, though as many ids: one moved up by one id
     * into the run that follows it. */
    size_t before = run_count, after = run_count;
    for (size_t r = 0; r < run_count && before == run_count; r++)
        for (size_t q = 0; q < run_count; q++)
            if (runs[r].end == runs[q].first) {
                before = r;
                after = q;
                break;
            }
    assert_true(before < run_count && after < run_count);
    runs[before].first++;
    runs[before].end++;
    assert_int_equal(state_store_close_ids_in_order(store, blocks, 3, first,
                                                    runs, run_count),
                     -1);
    runs[before].first--;
    runs[before].end--;
    assert_int_equal(state_store_count(store), handed);
    assert_int_equal(state_store_close_ids_in_order(store, blocks, 3, first,
                                                    runs, run_count),
                     0);
    assert_int_equal(state_store_count(store), first + added);
    for (size_t b = 0; b < 3; b++)
        assert_int_equal(blocks[b].next, blocks[b].end);
    for (uint64_t i = 0; i < first + added; i++) {
        uint64_t v[1];
        assert_true(state_store_get(store, i, v));
        uint64_t expected = i < first ? (i + 1) * TEST_SPREAD
                                      : order[i - first];
        assert_int_equal(v[0], expected);
        assert_int_equal(state_store_tag(store, i),
                         i < first ? 0 : v[0] * inverse % 65535 + 1);
        assert_int_equal(test_compact_put(store, NULL, v[0], &id),
                         STORE_FOUND);
    }
    /* The next state takes the next id. */
    assert_int_equal(test_compact_put(store, NULL, value * TEST_SPREAD, &id),
                     STORE_ADDED);
    assert_int_equal(id, first + added);
    free(runs);
    free(chunk_of_run);
    free(order);
    state_store_free(store);

    /* A store that keeps ids in its table does not renumber this way. */
    state_store *ids = state_store_create(1, false, false, 0);
    assert_non_null(ids);
    state_store_ids none = {0, 0};
    state_store_run all = {0, 0};
    assert_int_equal(state_store_close_ids_in_order(ids, &none, 1, 0, &all,
                                                    1),
                     -1);
    state_store_free(ids);
}

/* Growth on several threads, whose sweep goes by bands, each split among
 * the threads (store_grow.c): codes in runs that start at one slot, so that
 * probes are long and cross from one thread's part into the next one's,
 * scattered between random codes, with the largest codes wrapping around
 * the end; the table kept just under 3/4 load, quadrupling to 2^18
 * entries (the second time by bands), then growing by quarters (rounded
 * up to 2^18 entries) past 1.25 * 2^20.
 * After each growth every code is found and the count is unchanged; at
 * the end the newest states, truncated away, can be added again (a code
 * left twice in the table would still be found). */
static void test_store_compact_growth_threads(void **unused)
{
    (void)unused;
    for (unsigned threads = 2; threads <= 3; threads++) {
        state_store *store = state_store_create_compact(0);
        assert_non_null(store);
        state_store_set_growth(store, (uint64_t)1 << 17, (uint64_t)1 << 18);
        size_t capacity = (size_t)1 << 21, count = 0;
        uint64_t *words = malloc(capacity * sizeof *words);
        assert_non_null(words);
        uint64_t random = 0x243f6a8885a308d3ULL + threads, id;
        int grown = 0;
        while (state_store_capacity(store) < ((uint64_t)5 << 18)) {
            while ((count + 64) * 4 < state_store_capacity(store) * 3) {
                random = random * 6364136223846793005ULL +
                         1442695040888963407ULL;
                uint64_t run = (random & 0x70) == 0 ? (random >> 62) + 2 : 1;
                uint64_t start = random;
                if ((random & 0x3ff00) == 0)
                    start = ~(uint64_t)0 - (random >> 10); /* wraps */
                for (uint64_t k = 0; k < run; k++) {
                    uint64_t code = start - k * 977;
                    uint64_t word = test_uncode(code == 0 ? 1 : code);
                    store_insert_result put =
                        test_compact_put(store, NULL, word, &id);
                    assert_true(put == STORE_ADDED || put == STORE_FOUND);
                    if (put == STORE_ADDED)
                        words[count++] = word;
                }
            }
            assert_int_equal(state_store_grow(store, threads), 0);
            grown++;
            assert_int_equal(state_store_count(store), count);
            for (size_t i = 0; i < count; i++)
                assert_int_equal(test_compact_put(store, NULL, words[i], &id),
                                 STORE_FOUND);
            assert_int_equal(state_store_count(store), count);
        }
        assert_int_equal(grown, 6);
        size_t keep = count / 2;
        assert_int_equal(state_store_truncate(store, keep), 0);
        for (size_t i = keep; i < count; i += 7)
            assert_int_equal(test_compact_put(store, NULL, words[i], &id),
                             STORE_ADDED);
        for (size_t i = 0; i < keep; i += 3)
            assert_int_equal(test_compact_put(store, NULL, words[i], &id),
                             STORE_FOUND);
        free(words);
        state_store_free(store);
    }
}

/* A compact store, hammered by two threads that insert the same values,
 * 0 among them (whose code is 0): it grows in place between rounds, as in
 * the explorer, so entries that wrap around the table's end move too.
 * Each value is added exactly once, with a dense id whose vector is the
 * value; a found state's id is unknown.  Then the newest states are
 * truncated away and can be added again, and the oldest chunk of vectors
 * is forgotten while the set still knows them. */
static void test_store_compact(void **unused)
{
    (void)unused;
    const uint64_t distinct = 700000;
    state_store *store = state_store_create_compact(0);
    assert_non_null(store);
    assert_true(state_store_is_compact(store));
    /* Each state is tagged with its value: closing the id blocks moves
     * states, and their tags must go with them. */
    assert_int_equal(state_store_enable_tags(store), 0);
    _Atomic uint64_t added = 0, found = 0;
    int failures = 0, rounds = 0;
    uint64_t next[2] = {0, 0};
    bool done = false;
    while (!done) {
        state_store_ids closing[2] = {{0, 0}, {0, 0}};
        bool full = false;
        rounds++;
#pragma omp parallel num_threads(2) reduction(+ : failures) \
    reduction(|| : full)
        {
            int thread = omp_get_thread_num();
            state_store_ids ids = {0, 0};
            while (next[thread] < distinct && !full) {
                uint64_t value =
                    (next[thread] + (uint64_t)thread * 100003) % distinct;
                uint64_t id;
                store_insert_result put = test_compact_put(
                    store, &ids, value * TEST_SPREAD, &id);
                if (put == STORE_FULL) {
                    full = true;
                    break;
                }
                next[thread]++;
                if (put == STORE_ADDED) {
                    atomic_fetch_add(&added, 1);
                    state_store_set_tag(store, id,
                                        (uint16_t)(value % 65535 + 1));
                }
                else if (put == STORE_FOUND && id == STORE_ID_UNKNOWN)
                    atomic_fetch_add(&found, 1);
                else
                    failures++;
                full = state_store_wants_growth(store);
            }
            closing[thread] = ids;
        }
        assert_int_equal(state_store_close_ids(store, closing, 2), 0);
        if (full && state_store_wants_growth(store))
            assert_int_equal(state_store_grow(store, 2), 0);
        done = next[0] == distinct && next[1] == distinct;
    }
    assert_true(rounds > 6);   /* grown in place from 2^14 to 2^21 */
    assert_int_equal(failures, 0);
    assert_int_equal(atomic_load(&added), distinct);
    assert_int_equal(atomic_load(&found), distinct);
    assert_int_equal(state_store_count(store), distinct);
    unsigned char *seen = calloc(distinct, 1);
    assert_non_null(seen);
    uint64_t inverse = test_inverse(TEST_SPREAD);
    for (uint64_t id = 0; id < distinct; id++) {
        uint64_t v[1], again;
        assert_true(state_store_get(store, id, v));
        uint64_t value = v[0] * inverse;
        assert_true(value < distinct);
        assert_int_equal(state_store_tag(store, id), value % 65535 + 1);
        assert_int_equal(seen[value], 0);
        seen[value] = 1;
        assert_int_equal(test_compact_put(store, NULL, v[0], &again),
                         STORE_FOUND);
    }
    free(seen);

    /* Truncating: states added after `keep` go, and come back as new. */
    uint64_t keep = distinct, id;
    for (uint64_t value = distinct; value < distinct + 5000; value++)
        assert_int_equal(test_compact_put(store, NULL, value * TEST_SPREAD,
                                          &id), STORE_ADDED);
    assert_int_equal(state_store_truncate(store, keep), 0);
    assert_int_equal(state_store_count(store), keep);
    for (uint64_t value = distinct + 5000; value-- > distinct;) {
        assert_int_equal(test_compact_put(store, NULL, value * TEST_SPREAD,
                                          &id), STORE_ADDED);
        assert_int_equal(id, keep + (distinct + 4999 - value));
    }
    for (uint64_t value = 0; value < distinct; value += 7)
        assert_int_equal(test_compact_put(store, NULL, value * TEST_SPREAD,
                                          &id), STORE_FOUND);

    /* Forgetting: the first chunk of vectors goes, the set stays whole;
     * likewise for tags.  The chunks are kept, still charged, for the
     * states to come: the next chunk of vectors and of tags are those,
     * and the tags are 0 again until set (the table grown first: growth
     * gives them back). */
    const uint64_t more = 400000;   /* past the chunk of ids 2^19 .. */
    while (state_store_capacity(store) <
           (state_store_count(store) + more) * 2)
        assert_int_equal(state_store_grow(store, 1), 0);
    uint64_t bytes = state_store_bytes(store);
    state_store_forget(store, distinct);
    assert_int_not_equal(state_store_tag(store, 0), 0);
    state_store_forget_tags(store, distinct);
    assert_int_equal(state_store_tag(store, 0), 0);
    assert_int_not_equal(state_store_tag(store, distinct - 1), 0);
    uint64_t v[1];
    assert_false(state_store_get(store, 0, v));
    assert_true(state_store_get(store, distinct - 1, v));
    assert_int_equal(test_compact_put(store, NULL, 0, &id), STORE_FOUND);
    assert_int_equal(state_store_truncate(store, 1), -1);
    assert_true(state_store_bytes(store) == bytes);
    uint64_t start = state_store_count(store);
    for (uint64_t value = 2 * distinct; value < 2 * distinct + more;
         value++) {
        assert_int_equal(test_compact_put(store, NULL, value * TEST_SPREAD,
                                          &id), STORE_ADDED);
        if (id >= (uint64_t)2 << 19)   /* the chunk used again */
            assert_int_equal(state_store_tag(store, id), 0);
        state_store_set_tag(store, id, (uint16_t)(value % 65535 + 1));
    }
    assert_true(start + more > (uint64_t)2 << 19);
    assert_true(state_store_bytes(store) == bytes);
    for (id = start; id < start + more; id++) {
        uint64_t value = 2 * distinct + (id - start);
        assert_true(state_store_get(store, id, v));
        assert_true(v[0] == value * TEST_SPREAD);
        assert_int_equal(state_store_tag(store, id), value % 65535 + 1);
    }
    /* The chunk of ids 2^19 .. forgotten is kept, and growth gives it back
     * to the kernel: a chunk of 2^19 vectors and one of tags. */
    state_store_forget(store, (uint64_t)2 << 19);
    state_store_forget_tags(store, (uint64_t)2 << 19);
    assert_true(state_store_bytes(store) == bytes);
    uint64_t capacity = state_store_capacity(store);
    assert_int_equal(state_store_grow(store, 1), 0);
    assert_true(state_store_bytes(store) ==
                bytes + (state_store_capacity(store) - capacity) * 8 -
                    ((uint64_t)1 << 19) * (8 + 2));
    state_store_free(store);

    /* The state whose code is 0 truncates like any other; a budget stops
     * growth; a store that is not compact neither forgets nor truncates. */
    store = state_store_create_compact(8u << 20);
    assert_non_null(store);
    assert_int_equal(test_compact_put(store, NULL, 0, &id), STORE_ADDED);
    assert_int_equal(test_compact_put(store, NULL, 0, &id), STORE_FOUND);
    assert_int_equal(state_store_truncate(store, 0), 0);
    assert_int_equal(test_compact_put(store, NULL, 0, &id), STORE_ADDED);
    assert_int_equal(id, 0);
    /* 2^14 entries quadruple to 2^16 and 2^18; 2^20 (8 MiB) would not fit
     * beside the arena's chunk (2 MiB), 2^19 does, and then nothing. */
    int grown = 0;
    while (state_store_grow(store, 1) == 0)
        grown++;
    assert_int_equal(grown, 3);
    assert_int_equal(state_store_capacity(store), (uint64_t)1 << 19);
    assert_true(state_store_bytes(store) <= 8u << 20);
    assert_int_equal(test_compact_put(store, NULL, 0, &id), STORE_FOUND);
    state_store_free(store);
    /* A table of ids the same way: 2^14 entries of 4 bytes quadruple to
     * 2^16 and 2^18, and double to 2^19 where 2^20 (4 MiB, beside the old
     * table while the ids move over) would not fit 4 MiB. */
    store = state_store_create(1, false, false, (uint64_t)4 << 20);
    assert_non_null(store);
    assert_false(state_store_is_compact(store));
    grown = 0;
    while (state_store_grow(store, 1) == 0)
        grown++;
    assert_int_equal(grown, 3);
    assert_int_equal(state_store_capacity(store), (uint64_t)1 << 19);
    assert_int_equal(state_store_truncate(store, 0), -1);
    state_store_free(store);

    /* Tags: only on a store without keys, before its first state. */
    store = state_store_create(1, true, false, 0);
    assert_non_null(store);
    assert_int_equal(state_store_enable_tags(store), -1);
    state_store_set_tag(store, 0, 1);
    assert_int_equal(state_store_tag(store, 0), 0);
    state_store_free(store);
    store = state_store_create_compact(0);
    assert_non_null(store);
    assert_int_equal(test_compact_put(store, NULL, 5, &id), STORE_ADDED);
    assert_int_equal(state_store_enable_tags(store), -1);
    state_store_free(store);
}

/* ---- The explorer ------------------------------------------------------- */

static void test_explore_counts_grid(void **unused)
{
    (void)unused;
    grid g;
    grid_init(&g, 3, &grid_ops);
    explore_options options;
    explore_options_init(&options);
    pnsim_error error;
    pnsim_error_clear(&error);
    explore_result *result = explore_run(&g.model, &options, &error);
    assert_non_null(result);
    const explore_stats *stats = explore_result_stats(result);
    assert_int_equal(explore_result_outcome(result), EXPLORE_COMPLETE);
    assert_int_equal(stats->states, 16);
    assert_int_equal(stats->edges, 24);
    assert_int_equal(stats->levels, 7);
    assert_int_equal(stats->max_slot_value, 3);
    assert_int_equal(stats->max_slot_sum, 6);
    assert_int_equal(stats->dead_nonfinal, 1);
    assert_int_equal(stats->dead_final, 0);
    assert_true(explore_result_transition_fired(result, 0));
    assert_false(explore_result_transition_fired(result, 2));
    assert_false(explore_result_slot_constant(result, 1));

    /* The deadlock's trace is a shortest one: six steps to (3, 3). */
    explore_trace trace;
    assert_int_equal(explore_trace_to(result, stats->first_deadlock, &trace,
                                      &error), PNSIM_OK);
    assert_int_equal(trace.length, 6);
    assert_int_equal(trace.states[0][0], 0);
    assert_int_equal(trace.states[6][0], 3);
    assert_int_equal(trace.states[6][1], 3);
    for (size_t i = 0; i < trace.length; i++)
        assert_int_equal(trace.states[i + 1][0] + trace.states[i + 1][1],
                         trace.states[i][0] + trace.states[i][1] + 1);
    explore_trace_free(&trace);
    explore_result_free(result);
}

static void test_explore_final_states(void **unused)
{
    (void)unused;
    grid g;
    grid_init(&g, 2, &grid_final_ops);
    explore_options options;
    explore_options_init(&options);
    explore_result *result = explore_run(&g.model, &options, NULL);
    assert_non_null(result);
    assert_int_equal(explore_result_stats(result)->dead_final, 1);
    assert_int_equal(explore_result_stats(result)->dead_nonfinal, 0);
    assert_int_equal(explore_result_stats(result)->first_deadlock,
                     EXPLORE_NO_STATE);
    explore_result_free(result);

    /* A predicate overrides the model's own notion of final. */
    pnsim_error error;
    state_predicate *wrong = state_predicate_parse("a==1", &g.model, &error);
    assert_non_null(wrong);
    options.final = wrong;
    result = explore_run(&g.model, &options, NULL);
    assert_int_equal(explore_result_stats(result)->dead_final, 0);
    assert_int_equal(explore_result_stats(result)->dead_nonfinal, 1);
    explore_result_free(result);
    state_predicate_free(wrong);
}

static void test_explore_stop_at_deadlock(void **unused)
{
    (void)unused;
    grid g;
    grid_init(&g, 4, &grid_ops);
    explore_options options;
    explore_options_init(&options);
    options.stop_at_deadlock = true;
    explore_result *result = explore_run(&g.model, &options, NULL);
    assert_int_equal(explore_result_outcome(result), EXPLORE_FOUND_DEADLOCK);
    /* The dead state is the last one found, so all 25 are stored. */
    assert_int_equal(explore_result_stats(result)->states, 25);
    assert_int_equal(explore_result_stats(result)->dead_nonfinal, 1);
    explore_result_free(result);
}

/* Counting only, as `pnsim statespace` does: no parent links, and the
 * levels expanded are forgotten, since the model proves bounds that the
 * first widths hold.  The figures are those of a full search.  A proved
 * bound that is wrong ends the search with an error, never with a wrong
 * answer. */
static void test_explore_counting_compact(void **unused)
{
    (void)unused;
    grid g;
    grid_init(&g, 300, &grid_ops);
    model_value bounds[2] = {300, 300};
    g.model.slot_bounds = bounds;
    explore_options options;
    explore_options_init(&options);
    options.threads = 2;
    options.skip_traces = true;
    options.forget_expanded = true;
    pnsim_error error;
    pnsim_error_clear(&error);
    explore_result *result = explore_run(&g.model, &options, &error);
    assert_non_null(result);
    const explore_stats *stats = explore_result_stats(result);
    assert_int_equal(explore_result_outcome(result), EXPLORE_COMPLETE);
    assert_int_equal(stats->states, 301 * 301);
    assert_int_equal(stats->edges, 2 * 300 * 301);
    assert_int_equal(stats->levels, 601);
    assert_int_equal(stats->max_slot_value, 300);
    assert_int_equal(stats->max_slot_sum, 600);
    assert_int_equal(stats->dead_nonfinal, 1);
    explore_result_free(result);

    bounds[1] = 200;   /* b reaches 300 */
    result = explore_run(&g.model, &options, &error);
    assert_non_null(result);
    assert_int_equal(explore_result_outcome(result), EXPLORE_FAILED);
    assert_int_equal(error.status, PNSIM_ERR_INTERNAL);
    assert_non_null(strstr(error.message, "proved structural bound"));
    explore_result_free(result);
}

/* Two and three threads number every state as one thread does and keep
 * the same parent links: a grid of 1001 x 1001 states, whose levels of 512
 * states or more are shared out among the threads and then renumbered by
 * key.  Most states have two parents, so a key one thread wrote is often
 * lowered by the other. */
static void test_explore_ids_across_threads(void **unused)
{
    (void)unused;
    grid g;
    grid_init(&g, 1000, &grid_ops);
    explore_result *results[3];
    for (unsigned threads = 1; threads <= 3; threads++) {
        explore_options options;
        explore_options_init(&options);
        options.threads = threads;
        results[threads - 1] = explore_run(&g.model, &options, NULL);
        assert_non_null(results[threads - 1]);
        assert_int_equal(explore_result_outcome(results[threads - 1]),
                         EXPLORE_COMPLETE);
        assert_int_equal(explore_result_stats(results[threads - 1])->states,
                         1001 * 1001);
    }
    for (explore_state_id id = 0; id < 1001 * 1001; id++) {
        model_value one[2], other[2];
        assert_true(explore_result_decode(results[0], id, one));
        for (unsigned k = 1; k < 3; k++) {
            assert_true(explore_result_decode(results[k], id, other));
            assert_int_equal(one[0], other[0]);
            assert_int_equal(one[1], other[1]);
        }
    }
    for (explore_state_id id = 1; id < 1001 * 1001; id += 49999) {
        explore_trace one, other;
        assert_int_equal(explore_trace_to(results[0], id, &one, NULL),
                         PNSIM_OK);
        for (unsigned k = 1; k < 3; k++) {
            assert_int_equal(explore_trace_to(results[k], id, &other, NULL),
                             PNSIM_OK);
            assert_int_equal(one.length, other.length);
            for (size_t i = 0; i < one.length; i++)
                assert_int_equal(one.transitions[i], other.transitions[i]);
            explore_trace_free(&other);
        }
        explore_trace_free(&one);
    }
    for (unsigned k = 0; k < 3; k++)
        explore_result_free(results[k]);
}

static void test_explore_limits(void **unused)
{
    (void)unused;
    grid g;
    grid_init(&g, 100, &grid_ops);
    explore_options options;
    explore_options_init(&options);
    options.max_states = 50;
    options.threads = 1;
    explore_result *result = explore_run(&g.model, &options, NULL);
    assert_int_equal(explore_result_outcome(result), EXPLORE_LIMIT_STATES);
    assert_true(explore_outcome_is_limit(EXPLORE_LIMIT_STATES));
    assert_int_equal(explore_result_stats(result)->states, 51);
    explore_result_free(result);

    volatile sig_atomic_t interrupt = 1;
    explore_options_init(&options);
    options.interrupt = &interrupt;
    result = explore_run(&g.model, &options, NULL);
    assert_int_equal(explore_result_outcome(result), EXPLORE_INTERRUPTED);
    assert_int_equal(explore_result_stats(result)->states, 1);
    explore_result_free(result);

    grid_init(&g, 3000, &grid_ops);   /* 9 million states */
    explore_options_init(&options);
    options.max_memory = 8u << 20;
    result = explore_run(&g.model, &options, NULL);
    assert_int_equal(explore_result_outcome(result), EXPLORE_LIMIT_MEMORY);
    assert_true(explore_result_stats(result)->store_bytes <= 8u << 20);
    explore_result_free(result);

    explore_options_init(&options);
    options.time_limit = 1e-9;
    result = explore_run(&g.model, &options, NULL);
    assert_int_equal(explore_result_outcome(result), EXPLORE_LIMIT_TIME);
    explore_result_free(result);
}

static void test_explore_model_failure(void **unused)
{
    (void)unused;
    grid g;
    grid_init(&g, 5, &grid_ops);
    g.fail_at = 2;
    explore_options options;
    explore_options_init(&options);
    pnsim_error error;
    pnsim_error_clear(&error);
    explore_result *result = explore_run(&g.model, &options, &error);
    assert_non_null(result);
    assert_int_equal(explore_result_outcome(result), EXPLORE_FAILED);
    assert_int_equal(error.status, PNSIM_ERR_OVERFLOW);
    assert_non_null(strstr(error.message, "a=2"));
    explore_result_free(result);
}

typedef struct hook_counts {
    uint64_t states, edges, dead;
} hook_counts;

static int count_state(void *context, explore_state_id id,
                       const model_value *state, uint64_t edge_count,
                       bool is_final)
{
    (void)id;
    (void)state;
    (void)is_final;
    hook_counts *counts = context;
    counts->states++;
    counts->dead += edge_count == 0;
    return 0;
}

static int count_edge(void *context, explore_state_id source,
                      uint32_t transition, explore_state_id target)
{
    (void)transition;
    hook_counts *counts = context;
    assert_true(target != source);
    counts->edges++;
    return 0;
}

static void test_explore_hooks(void **unused)
{
    (void)unused;
    grid g;
    grid_init(&g, 2, &grid_ops);
    hook_counts counts = {0};
    explore_options options;
    explore_options_init(&options);
    options.on_state = count_state;
    options.on_edge = count_edge;
    options.hook_context = &counts;
    explore_result *result = explore_run(&g.model, &options, NULL);
    assert_int_equal(counts.states, 9);
    assert_int_equal(counts.edges, 12);
    assert_int_equal(counts.dead, 1);
    explore_result_free(result);
}

/* ---- Predicates ----------------------------------------------------------- */

static void test_predicate_parse_and_hold(void **unused)
{
    (void)unused;
    grid g;
    grid_init(&g, 2, &grid_ops);
    pnsim_error error;
    state_predicate *p = state_predicate_parse(" a == 2 , b>=1,b<=1 ",
                                               &g.model, &error);
    assert_non_null(p);
    model_value yes[2] = {2, 1}, no1[2] = {1, 1}, no2[2] = {2, 2};
    assert_true(state_predicate_holds(p, yes));
    assert_false(state_predicate_holds(p, no1));
    assert_false(state_predicate_holds(p, no2));
    state_predicate_free(p);

    assert_null(state_predicate_parse("c==1", &g.model, &error));
    assert_int_equal(error.status, PNSIM_ERR_USAGE);
    assert_non_null(strstr(error.message, "'c'"));
    assert_null(state_predicate_parse("a=1", &g.model, &error));
    assert_int_equal(error.column, 2);
    assert_null(state_predicate_parse("a==x", &g.model, &error));
    assert_int_equal(error.column, 4);
    assert_null(state_predicate_parse("a==1 b==2", &g.model, &error));
    assert_null(state_predicate_parse("", &g.model, &error));
    assert_null(state_predicate_parse("a==99999999999999999999999", &g.model,
                                      &error));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_round_trip),
        cmocka_unit_test(test_codec_exclusive_sets),
        cmocka_unit_test(test_store_dense_ids_and_duplicates),
        cmocka_unit_test(test_store_tree_compression),
        cmocka_unit_test(test_store_budget_and_full_table),
        cmocka_unit_test(test_store_hammered_by_threads),
        cmocka_unit_test(test_store_filled_by_threads),
        cmocka_unit_test(test_store_compact),
        cmocka_unit_test(test_store_compact_growth_edges),
        cmocka_unit_test(test_store_compact_narrow_growth),
        cmocka_unit_test(test_store_compact_runs),
        cmocka_unit_test(test_store_compact_close_in_order),
        cmocka_unit_test(test_store_compact_growth_threads),
        cmocka_unit_test(test_explore_counts_grid),
        cmocka_unit_test(test_explore_final_states),
        cmocka_unit_test(test_explore_stop_at_deadlock),
        cmocka_unit_test(test_explore_counting_compact),
        cmocka_unit_test(test_explore_ids_across_threads),
        cmocka_unit_test(test_explore_limits),
        cmocka_unit_test(test_explore_model_failure),
        cmocka_unit_test(test_explore_hooks),
        cmocka_unit_test(test_predicate_parse_and_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
