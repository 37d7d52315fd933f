/* packed_table.c — see packed_table.h for the design. */
#include "packed_table.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "packed.h"

/* The most a table may take, in bytes: about a core's second-level
 * cache.  TokenRing-PT-015's, 933,888 bytes, still halves the time of
 * enabledness. */
#define PACKED_TABLE_MAX_BYTES ((size_t)1024 * 1024)

/* Rows of one word (64 transitions or fewer) are cut into chunks of up to
 * PACKED_TABLE_WIDE_CHUNK_BITS bits (packed_table.h) while the table takes
 * at most this, about half a core's second-level cache: four chunks of 12
 * bits instead of eight of 6 on Kanban-PT-00005 (2,193 -> 2,107 M
 * instructions of the whole search) and SwimmingPool-PT-02 (3,430 ->
 * 3,309 M). */
#define PACKED_TABLE_WIDE_MAX_BYTES ((size_t)256 * 1024)

/* The most words of rows a state may AND, all chunks together: past that
 * the candidates' own tests may cost less.  TokenRing-PT-015 ANDs 456
 * (8 chunks of 57 words) and is still faster than by its candidates. */
#define PACKED_TABLE_MAX_LOOKS 512

/* The default x86-64 target does not assume AVX2: the AND of rows of
 * several words is then compiled twice, and the processor chooses
 * (packed_table_create). */
#if defined(__x86_64__) && !defined(__AVX2__) && \
    (defined(__GNUC__) || defined(__clang__))
#define PACKED_TABLE_AVX2_CHOSEN 1
#endif
/* Words of a row from which AVX2 pays. */
#define PACKED_TABLE_AVX2_WORDS 16

/* How a test reads its word. */
enum packed_table_kind {
    PACKED_TABLE_CONSTANT,   /* mask 0: the same for every state */
    PACKED_TABLE_BITWISE,    /* each bit of the mask must be that of want */
    PACKED_TABLE_FIELD,      /* one field of `width` bits, as a number */
    PACKED_TABLE_REST,       /* none of the above, or a field too wide */
};

struct packed_table_read {
    enum packed_table_kind kind;
    uint64_t bits;           /* the bits of the word it reads */
    uint64_t want;           /* BITWISE: their values, in place */
    bool passes;             /* CONSTANT: its answer */
};

static struct packed_table_read packed_table_classify(const packed_test *test,
                                                      unsigned chunk_bits)
{
    struct packed_table_read read = {PACKED_TABLE_REST, 0, 0, false};
    uint64_t mask = test->mask;
    if (mask == 0) {
        read.kind = PACKED_TABLE_CONSTANT;
        read.passes = (0 - test->at_least) < test->span;
        return read;
    }
    read.bits = mask << test->shift;
    /* (x & m) - a < 1 is x & m = a; (x & m) - m < -m is x & m >= m, which
     * is x & m = m. */
    bool equal = test->span == 1;
    bool all_set = test->at_least == mask && test->span == 0 - mask;
    if (equal || all_set) {
        if ((test->at_least & ~mask) != 0) {
            read.kind = PACKED_TABLE_CONSTANT;   /* x & m never has it */
            return read;
        }
        read.kind = PACKED_TABLE_BITWISE;
        read.want = test->at_least << test->shift;
        return read;
    }
    bool contiguous = (mask & (mask + 1)) == 0;
    if (contiguous && (unsigned)__builtin_popcountll(mask) <= chunk_bits)
        read.kind = PACKED_TABLE_FIELD;
    return read;
}

/* Whether `test`, restricted to the bits of chunk value `value` (placed in
 * its word, the chunk's bits `chunk_bits`), can pass. */
static bool packed_table_lets(const packed_test *test,
                              const struct packed_table_read *read,
                              uint64_t chunk_bits, uint64_t value)
{
    if (read->kind == PACKED_TABLE_BITWISE) {
        uint64_t bits = read->bits & chunk_bits;
        return (value & bits) == (read->want & bits);
    }
    /* A field lies wholly in one chunk. */
    return ((value >> test->shift) & test->mask) - test->at_least <
           test->span;
}

/* Cuts word k into chunks of at most `chunk_bits` bits covering
 * the bits that `used` marks, never inside a field (a cut at bit b,
 * between bits b - 1 and b, is allowed when bit b of `inside` is
 * clear).  Appends them to `chunks` (room for 64) and returns how many;
 * SIZE_MAX when no cut fits. */
static size_t packed_table_cut(uint32_t k, uint64_t used, uint64_t inside,
                               unsigned chunk_bits, packed_chunk *chunks)
{
    size_t count = 0;
    unsigned at = 0;
    while (at < 64 && (used >> at) != 0) {
        unsigned start = at + (unsigned)__builtin_ctzll(used >> at);
        unsigned end = start + chunk_bits;
        if (end > 64)
            end = 64;
        while (end > start && end < 64 && ((inside >> end) & 1) != 0)
            end--;
        if (end == start)
            return SIZE_MAX;
        unsigned width = end - start;
        chunks[count++] = (packed_chunk){
            .mask = width == 64 ? UINT64_MAX : ((uint64_t)1 << width) - 1,
            .word = k,
            .shift = start,
        };
        at = end;
    }
    return count;
}

/* The chunks of every word, of at most `chunk_bits` bits; NULL when a
 * word cannot be cut. */
static packed_chunk *packed_table_chunks(const packed_model *packed,
                                         unsigned chunk_bits, size_t *count)
{
    size_t words = packed->codec->words;
    uint64_t *used = calloc(2 * words + 1, sizeof *used);
    packed_chunk *chunks = malloc((64 * words + 1) * sizeof *chunks);
    if (used == NULL || chunks == NULL) {
        free(used);
        free(chunks);
        return NULL;
    }
    uint64_t *inside = used + words;
    size_t total = packed->test_start[packed->transitions];
    for (size_t i = 0; i < total; i++) {
        const packed_test *test = &packed->tests[i];
        struct packed_table_read read = packed_table_classify(test, chunk_bits);
        if (read.kind == PACKED_TABLE_BITWISE)
            used[test->word] |= read.bits;
        if (read.kind == PACKED_TABLE_FIELD) {
            used[test->word] |= read.bits;
            /* No cut between its bits: at any but its lowest one. */
            inside[test->word] |= read.bits & (read.bits - 1);
        }
    }
    *count = 0;
    for (uint32_t k = 0; k < words; k++) {
        size_t cut = packed_table_cut(k, used[k], inside[k], chunk_bits,
                                      chunks + *count);
        if (cut == SIZE_MAX) {
            free(chunks);
            chunks = NULL;
            break;
        }
        *count += cut;
    }
    free(used);
    return chunks;
}

/* A test that reads a chunk: the chunk's bits it reads, shifted down. */
typedef struct packed_table_reader {
    uint64_t mask;
    const packed_test *test;
    struct packed_table_read read;
    uint32_t transition;
} packed_table_reader;

static int packed_table_reader_compare(const void *a, const void *b)
{
    uint64_t x = ((const packed_table_reader *)a)->mask;
    uint64_t y = ((const packed_table_reader *)b)->mask;
    return (x > y) - (x < y);
}

/* Clears, in every row of chunk `chunk`, the bit of transition t for the
 * values its tests rule out.  A test reads a few of the chunk's bits, and
 * many tests read the same ones (a field): the tests of each set of bits
 * give their verdicts once per value of those bits, into `allowed` (a row
 * per value of the chunk), which is then ANDed into every row.  So a row
 * costs a pass per set of bits read, not per test: Philosophers-PT-000010
 * builds three tables of 12-bit chunks in 5.9 M instructions, 13.7 M test
 * by test, and TokenRing-PT-015 starts in 468 M instead of 529 M.
 * `readers` has room for every test. */
static void packed_table_fill_chunk(packed_table *table,
                                    const packed_model *packed,
                                    const packed_chunk *chunk,
                                    packed_table_reader *readers,
                                    uint64_t *allowed)
{
    uint64_t chunk_bits = chunk->mask << chunk->shift;
    size_t values = (size_t)chunk->mask + 1, stride = table->stride;
    size_t count = 0;
    for (uint32_t t = 0; t < packed->transitions; t++)
        for (size_t i = packed->test_start[t]; i < packed->test_start[t + 1];
             i++) {
            const packed_test *test = &packed->tests[i];
            struct packed_table_read read =
                packed_table_classify(test, table->chunk_bits);
            bool reads_chunk = (read.kind == PACKED_TABLE_BITWISE ||
                                read.kind == PACKED_TABLE_FIELD) &&
                               test->word == chunk->word &&
                               (read.bits & chunk_bits) != 0;
            if (reads_chunk)
                readers[count++] = (packed_table_reader){
                    (read.bits & chunk_bits) >> chunk->shift, test, read, t};
        }
    qsort(readers, count, sizeof *readers, packed_table_reader_compare);
    uint64_t *rows = table->rows + chunk->first_row * stride;
    for (size_t first = 0, last; first < count; first = last) {
        uint64_t mask = readers[first].mask;
        for (last = first; last < count && readers[last].mask == mask; last++)
            ;
        /* The values of the bits read: the subsets of mask. */
        uint64_t value = 0;
        do {
            uint64_t *row = allowed + value * stride;
            memset(row, 0xff, stride * sizeof *row);
            for (size_t r = first; r < last; r++)
                if (!packed_table_lets(readers[r].test, &readers[r].read,
                                       chunk_bits, value << chunk->shift))
                    row[readers[r].transition / 64] &=
                        ~((uint64_t)1 << (readers[r].transition % 64));
            value = (value - mask) & mask;
        } while (value != 0);
        for (size_t v = 0; v < values; v++)
            for (size_t w = 0; w < stride; w++)
                rows[v * stride + w] &= allowed[(v & mask) * stride + w];
    }
}

/* Fills `always` and `rest` from the tests that no chunk decides. */
static void packed_table_fill_sets(packed_table *table,
                                   const packed_model *packed)
{
    for (uint32_t t = 0; t < packed->transitions; t++) {
        uint64_t bit = (uint64_t)1 << (t % 64);
        bool possible = true, rest = false;
        for (size_t i = packed->test_start[t]; i < packed->test_start[t + 1];
             i++) {
            struct packed_table_read read =
                packed_table_classify(&packed->tests[i], table->chunk_bits);
            if (read.kind == PACKED_TABLE_CONSTANT && !read.passes)
                possible = false;
            if (read.kind == PACKED_TABLE_REST)
                rest = true;
        }
        if (possible)
            table->always[t / 64] |= bit;
        if (possible && rest) {
            table->rest[t / 64] |= bit;
            table->rest_count++;
        }
    }
}

static void packed_table_choose_and(packed_table *table);

/* The table of chunks of at most `chunk_bits` bits, or NULL when it would
 * take more than `max_bytes` (or ANDs too many words, or out of memory). */
static packed_table *packed_table_build(const packed_model *packed,
                                        unsigned chunk_bits, size_t max_bytes)
{
    size_t words = packed->candidate_words;
    size_t chunk_count;
    packed_chunk *chunks = packed_table_chunks(packed, chunk_bits,
                                               &chunk_count);
    if (chunks == NULL)
        return NULL;
    size_t rows = 0;
    for (size_t c = 0; c < chunk_count; c++) {
        chunks[c].first_row = rows;
        rows += (size_t)chunks[c].mask + 1;
    }
    /* Rows of 4, 8 or 16 words are ANDed by loops of a fixed length,
     * unrolled and on vectors (packed_table_and_fixed); a few words of
     * padding cost less than the loop of a run-time length (Peterson-PT-3,
     * rows of 6 words: 1,003 -> 263 M instructions of enabledness). */
    size_t stride = words > 0 ? words : 1;   /* no transitions: one word */
    for (size_t fixed = 4; fixed <= 16; fixed *= 2)
        if (words > 1 && words <= fixed && fixed <= 2 * words) {
            stride = fixed;
            break;
        }
    bool pays = chunk_count * words <= PACKED_TABLE_MAX_LOOKS &&
                rows * stride * sizeof(uint64_t) <= max_bytes;
    packed_table *table = pays ? calloc(1, sizeof *table) : NULL;
    if (table == NULL) {
        free(chunks);
        return NULL;
    }
    table->words = words;
    table->chunk_bits = chunk_bits;
    table->stride = stride;
    table->chunk_count = chunk_count;
    table->chunks = chunks;
    table->rows = malloc((rows + 1) * stride * sizeof *table->rows);
    table->always = calloc(stride + words, sizeof *table->always);
    if (table->rows == NULL || table->always == NULL) {
        packed_table_free(table);
        return NULL;
    }
    table->rest = table->always + stride;
    memset(table->rows, 0xff, (rows + 1) * stride * sizeof *table->rows);
    for (size_t c = 0; c < chunk_count; c++)
        chunks[c].rows = table->rows + chunks[c].first_row * stride;
    packed_table_reader *readers =
        malloc((packed->test_start[packed->transitions] + 1) *
               sizeof *readers);
    uint64_t *allowed =
        malloc(((size_t)1 << chunk_bits) * stride * sizeof *allowed);
    if (readers == NULL || allowed == NULL) {
        free(readers);
        free(allowed);
        packed_table_free(table);
        return NULL;
    }
    for (size_t c = 0; c < chunk_count; c++)
        packed_table_fill_chunk(table, packed, &chunks[c], readers, allowed);
    free(readers);
    free(allowed);
    packed_table_fill_sets(table, packed);
    packed_table_choose_and(table);
    return table;
}

packed_table *packed_table_create(const packed_model *packed)
{
    packed_table *table = NULL;
    if (packed->candidate_words == 1)
        table = packed_table_build(packed, PACKED_TABLE_WIDE_CHUNK_BITS,
                                   PACKED_TABLE_WIDE_MAX_BYTES);
    if (table == NULL)
        table = packed_table_build(packed, PACKED_TABLE_CHUNK_BITS,
                                   PACKED_TABLE_MAX_BYTES);
    return table;
}

void packed_table_free(packed_table *table)
{
    if (table == NULL)
        return;
    free(table->chunks);
    free(table->rows);
    free(table->always);
    free(table);
}

/* Writes into `on` the AND of the first `words` words of `always` and of
 * the rows that the chunks' values in `state` select, rows `stride` words
 * apart.  `on` is not declared restrict: GCC then compiles the AVX2 loop
 * worse (TokenRing-PT-015's first 300,000 states: 990 -> 1,139 M
 * instructions). */
static inline __attribute__((always_inline)) void
packed_table_and_rows(const packed_table *table, const uint64_t *state,
                      uint64_t *on, size_t words, size_t stride)
{
    for (size_t w = 0; w < words; w++)
        on[w] = table->always[w];
    const packed_chunk *end = table->chunks + table->chunk_count;
    for (const packed_chunk *chunk = table->chunks; chunk < end; chunk++) {
        const uint64_t *row =
            chunk->rows +
            ((state[chunk->word] >> chunk->shift) & chunk->mask) * stride;
        for (size_t w = 0; w < words; w++)
            on[w] &= row[w];
    }
}

/* Writes into `enabled` the AND of `always` and of the rows the state
 * selects, rows of any length. */
static inline __attribute__((always_inline)) void
packed_table_and(const packed_table *table, const uint64_t *state,
                 uint64_t *enabled)
{
    packed_table_and_rows(table, state, enabled, table->words, table->stride);
}

/* packed_table_and for rows of `stride` words, a constant: the AND runs
 * in registers, and the loops unroll. */
static inline __attribute__((always_inline)) void
packed_table_and_fixed(const packed_table *table, const uint64_t *state,
                       uint64_t *enabled, size_t stride)
{
    uint64_t on[16];
    packed_table_and_rows(table, state, on, stride, stride);
    /* The first `words` of `stride`, in a loop of constant length: one of
     * a run-time length compiles to a string copy, slow to start for a few
     * words. */
    size_t words = table->words;
    for (size_t w = 0; w < stride; w++)
        if (w < words)
            enabled[w] = on[w];
}

static void packed_table_and_4(const packed_table *table,
                               const uint64_t *state, uint64_t *enabled)
{
    packed_table_and_fixed(table, state, enabled, 4);
}

static void packed_table_and_8(const packed_table *table,
                               const uint64_t *state, uint64_t *enabled)
{
    packed_table_and_fixed(table, state, enabled, 8);
}

static void packed_table_and_16(const packed_table *table,
                                const uint64_t *state, uint64_t *enabled)
{
    packed_table_and_fixed(table, state, enabled, 16);
}

static void packed_table_and_plain(const packed_table *table,
                                   const uint64_t *state, uint64_t *enabled)
{
    packed_table_and(table, state, enabled);
}

#ifdef PACKED_TABLE_AVX2_CHOSEN
/* Rows of 8 and 16 words by AVX2: two or four ANDs a row instead of four or
 * eight. */
__attribute__((target("avx2"))) static void
packed_table_and_8_avx2(const packed_table *table, const uint64_t *state,
                        uint64_t *enabled)
{
    packed_table_and_fixed(table, state, enabled, 8);
}

__attribute__((target("avx2"))) static void
packed_table_and_16_avx2(const packed_table *table, const uint64_t *state,
                         uint64_t *enabled)
{
    packed_table_and_fixed(table, state, enabled, 16);
}

/* Four words at a time (TokenRing-PT-015: rows of 57 words). */
__attribute__((target("avx2"))) static void
packed_table_and_avx2(const packed_table *table, const uint64_t *state,
                      uint64_t *enabled)
{
    packed_table_and(table, state, enabled);
}
#endif

/* Sets table->and_rows.  Rows of 8 or 16 words take AVX2 where the
 * processor has it, so do rows of PACKED_TABLE_AVX2_WORDS or more: on
 * other short rows the vector loop's setup and tail cost what it saves
 * (rows of 6 and 7 words: Peterson-PT-3 1.6 % and Dekker-PT-020 0.8 % more
 * instructions; of 57, TokenRing-PT-015 12 % fewer). */
static void packed_table_choose_and(packed_table *table)
{
    if (table->stride == 4)
        table->and_rows = packed_table_and_4;
    else if (table->stride == 8)
        table->and_rows = packed_table_and_8;
    else if (table->stride == 16)
        table->and_rows = packed_table_and_16;
    else
        table->and_rows = packed_table_and_plain;
#ifdef PACKED_TABLE_AVX2_CHOSEN
    if (!__builtin_cpu_supports("avx2"))
        return;
    if (table->stride == 8)
        table->and_rows = packed_table_and_8_avx2;
    else if (table->stride == 16)
        table->and_rows = packed_table_and_16_avx2;
    else if (table->words >= PACKED_TABLE_AVX2_WORDS)
        table->and_rows = packed_table_and_avx2;
#endif
}

void packed_table_enabled(const packed_table *table,
                          const packed_model *packed, const uint64_t *state,
                          uint64_t *enabled)
{
    size_t words = table->words;
    if (words == 1 && packed->codec->words == 1) {
        /* One word of state, one of transitions (Kanban, SwimmingPool,
         * Philosophers): the word is read once. */
        enabled[0] = packed_table_enabled_word(table, state[0]);
    } else {
        table->and_rows(table, state, enabled);
    }
    if (table->rest_count == 0)
        return;
    for (size_t w = 0; w < words; w++)
        for (uint64_t test = enabled[w] & table->rest[w]; test != 0;
             test &= test - 1) {
            unsigned bit = (unsigned)__builtin_ctzll(test);
            if (!packed_model_passes(packed, (uint32_t)(w * 64 + bit), state))
                enabled[w] &= ~((uint64_t)1 << bit);
        }
}
