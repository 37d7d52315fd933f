/*
 * test_tally.c — token figures on packed words (tally.h) against decoding.
 *
 * Codecs of random widths (1 to 64 bits, so that some words are counted
 * bit by bit and others decoded, and some fields end at the word's last
 * bit), with and without exclusive sets, pack random values; the running
 * figures must give, vector after vector, the sum of the decoded stored
 * slots and the largest of them so far, exactly as decoding every slot
 * does, and say when a sum passes 2^64 - 1.  Values near each field's
 * limit and near the running maximum are drawn often: that is where a
 * carry out of a field says whether it holds more than the maximum.
 * Codecs of one word also take their vectors in runs.  The inline bit
 * count is checked against the compiler's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "support.h"
#include "tally.h"

#define TALLY_TEST_SLOTS 48
#define TALLY_TEST_VECTORS 400

static uint64_t tally_test_seed = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: the same sequence on every run. */
static uint64_t tally_test_random(void)
{
    tally_test_seed ^= tally_test_seed >> 12;
    tally_test_seed ^= tally_test_seed << 25;
    tally_test_seed ^= tally_test_seed >> 27;
    return tally_test_seed * 0x2545f4914f6cdd1dULL;
}

/* A value for a slot of largest value `limit`: often 0, the limit, or
 * next to `max`. */
static model_value tally_test_value(model_value limit, model_value max)
{
    model_value value;
    switch (tally_test_random() % 6) {
    case 0:
        value = 0;
        break;
    case 1:
        value = limit;
        break;
    case 2:
        value = max;
        break;
    case 3:
        value = max + 1;
        break;
    default:
        value = tally_test_random();
        break;
    }
    return value > limit ? value & limit : value;
}

/* Width of slot i: mostly narrow, now and then wide. */
static uint8_t tally_test_width(void)
{
    uint64_t draw = tally_test_random() % 10;
    if (draw < 4)
        return 1;
    if (draw < 8)
        return (uint8_t)(2 + tally_test_random() % 5);
    return (uint8_t)(1 + tally_test_random() % 64);
}

/* One random codec: its slots' figures by tally and by decoding. */
static void tally_test_codec(bool with_sets)
{
    size_t slots = 1 + tally_test_random() % TALLY_TEST_SLOTS;
    uint8_t widths[TALLY_TEST_SLOTS];
    for (size_t i = 0; i < slots; i++)
        widths[i] = tally_test_width();
    /* A set of the first few slots: members hold 0 or 1, one of them 1. */
    size_t members = with_sets && slots >= 4 ? 2 + slots % 3 : 0;
    size_t start[2] = {0, members};
    uint32_t set_slots[TALLY_TEST_SLOTS];
    for (size_t i = 0; i < members; i++)
        set_slots[i] = (uint32_t)i;
    state_codec_sets sets = {members ? 1 : 0, start, set_slots};
    state_codec codec;
    assert_int_equal(state_codec_init(&codec, slots, widths, NULL, &sets), 0);
    state_tally *tally = state_tally_create(&codec);
    assert_non_null(tally);
    uint64_t above[2 * (TALLY_TEST_SLOTS + 1)];
    state_tally_running running = {.above = above};
    state_tally_start(tally, &running, 0);
    /* On a codec of one word, the same vectors in runs of 1 to 16 words
     * (state_tally_add_max_words, and state_tally_add_words, which gives
     * the largest sum of a run). */
    uint64_t run_above[2 * (TALLY_TEST_SLOTS + 1)];
    uint64_t sums_above[2 * (TALLY_TEST_SLOTS + 1)];
    state_tally_running run_running = {.above = run_above};
    state_tally_running sums_running = {.above = sums_above};
    state_tally_start(tally, &run_running, 0);
    state_tally_start(tally, &sums_running, 0);
    uint64_t run[16];
    model_value run_most = 0;
    size_t run_count = 0, run_length = 1 + tally_test_random() % 16;

    model_value values[TALLY_TEST_SLOTS], decoded[TALLY_TEST_SLOTS];
    uint64_t packed[TALLY_TEST_SLOTS + 1];
    model_value expected_max = 0;
    for (int v = 0; v < TALLY_TEST_VECTORS; v++) {
        for (size_t i = 0; i < slots; i++)
            values[i] = i < members ? 0
                                    : tally_test_value(codec.limit[i],
                                                       expected_max);
        if (members > 0)
            values[tally_test_random() % members] = 1;
        assert_int_equal(state_codec_encode(&codec, values, packed), -1);
        state_codec_decode(&codec, packed, decoded);
        model_value expected_sum = 0;
        bool expected_overflow = false;
        for (size_t i = members; i < slots; i++) {
            assert_true(decoded[i] == values[i]);
            expected_overflow |= __builtin_add_overflow(
                expected_sum, decoded[i], &expected_sum);
            if (decoded[i] > expected_max)
                expected_max = decoded[i];
        }
        bool overflow = false;
        model_value sum = state_tally_add(tally, &running, packed, &overflow);
        assert_true(overflow == expected_overflow);
        if (!overflow)
            assert_true(sum == expected_sum);
        assert_true(running.max == expected_max);
        assert_true(running.above_max == expected_max);
        if (codec.words != 1)
            continue;
        run[run_count++] = packed[0];
        run_most = expected_sum > run_most ? expected_sum : run_most;
        if (run_count == run_length || v == TALLY_TEST_VECTORS - 1) {
            state_tally_add_max_words(tally, &run_running, run, run_count);
            assert_true(run_running.max == expected_max);
            assert_true(state_tally_add_words(tally, &sums_running, run,
                                              run_count) == run_most);
            assert_true(sums_running.max == expected_max);
            run_most = 0;
            run_count = 0;
            run_length = 1 + tally_test_random() % 16;
        }
    }
    state_tally_free(tally);
    state_codec_free(&codec);
}

static void test_tally_matches_decoding(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++)
        tally_test_codec(false);
}

static void test_tally_with_sets(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++)
        tally_test_codec(true);
}

/* A codec of `slots` slots of `width` bits each, its tally, and running
 * figures from 0. */
typedef struct tally_fixture {
    state_codec codec;
    state_tally *tally;
    uint64_t above[2 * (TALLY_TEST_SLOTS + 1)];
    state_tally_running running;
} tally_fixture;

static void tally_fixture_init(tally_fixture *fixture, size_t slots,
                               uint8_t width)
{
    uint8_t widths[TALLY_TEST_SLOTS];
    memset(widths, width, slots);
    assert_int_equal(
        state_codec_init(&fixture->codec, slots, widths, NULL, NULL), 0);
    fixture->tally = state_tally_create(&fixture->codec);
    assert_non_null(fixture->tally);
    fixture->running.above = fixture->above;
    state_tally_start(fixture->tally, &fixture->running, 0);
}

static void tally_fixture_free(tally_fixture *fixture)
{
    state_tally_free(fixture->tally);
    state_codec_free(&fixture->codec);
}

/* Sixteen 3-bit fields (a counted word): values up to 5, then one 6. */
static void test_tally_new_largest_in_a_counted_word(void **state)
{
    (void)state;
    tally_fixture fixture;
    tally_fixture_init(&fixture, 16, 3);
    state_codec *codec = &fixture.codec;
    state_tally *tally = fixture.tally;
    state_tally_running *running = &fixture.running;
    model_value values[16];
    uint64_t packed[17];
    bool overflow = false;
    for (model_value top = 0; top <= 5; top++) {
        for (size_t i = 0; i < 16; i++)
            values[i] = (i * 7 + top) % (top + 1);
        assert_int_equal(state_codec_encode(codec, values, packed), -1);
        model_value sum = 0;
        for (size_t i = 0; i < 16; i++)
            sum += values[i];
        assert_true(state_tally_add(tally, running, packed, &overflow) ==
                    sum);
        assert_true(running->max == top);
    }
    values[15] = 6;
    assert_int_equal(state_codec_encode(codec, values, packed), -1);
    state_tally_add(tally, running, packed, &overflow);
    assert_true(running->max == 6);
    assert_false(overflow);
    tally_fixture_free(&fixture);
}

/* A word of sixteen 4-bit fields, the last ending at the word's last bit:
 * from each largest value, one field one above it, the others low (so that
 * no other field's bits could give the carry away), at each place. */
static void test_tally_one_field_above(void **state)
{
    (void)state;
    tally_fixture fixture;
    tally_fixture_init(&fixture, 16, 4);
    assert_int_equal(fixture.codec.words, 1);
    state_codec *codec = &fixture.codec;
    state_tally *tally = fixture.tally;
    state_tally_running *running = &fixture.running;
    const model_value starts[] = {0, 1, 6, 7, 13, 14};
    model_value values[16];
    uint64_t packed[17];
    for (size_t s = 0; s < sizeof starts / sizeof *starts; s++) {
        model_value max = starts[s];
        for (size_t high = 0; high < 16; high++) {
            state_tally_start(tally, running, max);
            for (size_t i = 0; i < 16; i++)
                values[i] = tally_test_random() % ((max < 6 ? max : 6) + 1);
            values[high] = max + 1;
            assert_int_equal(state_codec_encode(codec, values, packed), -1);
            bool overflow = false;
            state_tally_add(tally, running, packed, &overflow);
            assert_true(running->max == max + 1);
            assert_true(running->above_max == max + 1);
        }
    }
    /* From 6, every field gets 9 added: with ones around a 7 and a 0 after
     * it, a carry that ran on into the next field would leave every bit
     * above a field clear; it must not run on. */
    for (size_t high = 0; high < 15; high++) {
        state_tally_start(tally, running, 6);
        for (size_t i = 0; i < 16; i++)
            values[i] = 1;
        values[high] = 7;
        values[high + 1] = 0;
        assert_int_equal(state_codec_encode(codec, values, packed), -1);
        bool overflow = false;
        state_tally_add(tally, running, packed, &overflow);
        assert_true(running->max == 7);
    }
    tally_fixture_free(&fixture);
}

/* Two full 64-bit fields at their limit: the sum passes 2^64 - 1. */
static void test_tally_overflow(void **state)
{
    (void)state;
    tally_fixture fixture;
    tally_fixture_init(&fixture, 2, 64);
    model_value values[2] = {UINT64_MAX, 1};
    uint64_t packed[3];
    assert_int_equal(state_codec_encode(&fixture.codec, values, packed), -1);
    bool overflow = false;
    state_tally_add(fixture.tally, &fixture.running, packed, &overflow);
    assert_true(overflow);
    assert_true(fixture.running.max == UINT64_MAX);
    tally_fixture_free(&fixture);
}

/* The inline bit count the tally uses where the processor has none. */
static void test_support_popcount(void **state)
{
    (void)state;
    assert_true(support_popcount(0) == 0);
    assert_true(support_popcount(UINT64_MAX) == 64);
    for (int i = 0; i < 10000; i++) {
        uint64_t x = tally_test_random();
        assert_true(support_popcount(x) == (uint64_t)__builtin_popcountll(x));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tally_matches_decoding),
        cmocka_unit_test(test_tally_with_sets),
        cmocka_unit_test(test_tally_new_largest_in_a_counted_word),
        cmocka_unit_test(test_tally_one_field_above),
        cmocka_unit_test(test_tally_overflow),
        cmocka_unit_test(test_support_popcount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
