/*
 * packed_table.h — the enabled transitions of a small net by look-ups.
 *
 * A packed model (packed.h) tests a transition's guards one field at a
 * time.  Where the state is a few words, a table answers for all
 * transitions at once.  Each word is cut into chunks of at
 * most PACKED_TABLE_CHUNK_BITS bits, cut only between fields, so that a
 * chunk's value decides every guard on the fields in it.  For each chunk
 * and each value it can hold, a row of bits (one per transition) says
 * which transitions that value lets through.  A transition is enabled when
 * every chunk's row lets it through, so the enabled set is the AND of one
 * row per chunk: a shift, a mask and a load per chunk, whatever the number
 * of candidates.
 *
 * A guard on a field wider than a chunk decides nothing in the table: its
 * transition is let through by every row and tested whole (packed.h)
 * after the look-ups.  Bit-by-bit guards (the merged one-bit tests, and an
 * exclusive set's "field = index") hold bit by bit, so a chunk decides the
 * bits it has of them.
 *
 * The table is built only where it stays about the size of a core's
 * second-level cache, and where a state ANDs a few hundred words of rows
 * at most (packed_table_create): past that, testing the candidates may
 * cost less.  Where a row is one word, chunks may be wider, of up to
 * PACKED_TABLE_WIDE_CHUNK_BITS bits, while the table stays within half of
 * that cache: fewer look-ups, each a little further away.  On the MCC
 * nets of the benchmark every state is one word, and cut into 4 to 9
 * chunks: Kanban-PT-00005 (16 transitions) ANDs 4 words per state,
 * TokenRing-PT-015 (3,616 transitions, rows of 57 words) 456, and both
 * search faster than by their candidates.
 */
#ifndef PNSIM_PACKED_TABLE_H
#define PNSIM_PACKED_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The widest chunk, in bits: rows of 2^8 values; of 2^12 where a row is
 * one word and the table stays small (packed_table_create). */
#define PACKED_TABLE_CHUNK_BITS 8
#define PACKED_TABLE_WIDE_CHUNK_BITS 12

struct packed_model;

/* A chunk: the value (word >> shift) & mask selects row first_row + value,
 * whose words start at rows[value * stride]. */
typedef struct packed_chunk {
    uint64_t mask;
    const uint64_t *rows;
    uint32_t word;
    uint32_t shift;
    size_t first_row;
} packed_chunk;

typedef struct packed_table {
    size_t words;                 /* words of a set of transitions: the
                                     model's candidate_words */
    unsigned chunk_bits;          /* the widest chunk */
    size_t stride;                /* words of a row: `words`, or 4, 8 or
                                     16 when that is at most twice it
                                     (packed_table_create) */
    size_t chunk_count;
    packed_chunk *chunks;
    uint64_t *rows;               /* row r: rows[r * stride .. + stride - 1]
                                     (the words past `words` all ones) */
    uint64_t *always;             /* the transitions no guard rules out
                                     for good: the set before any chunk */
    uint64_t *rest;               /* the transitions with a guard no chunk
                                     decides, tested whole */
    size_t rest_count;
    /* The AND of the rows a state selects, chosen for the stride and the
     * processor (packed_table_choose_and); not for one word. */
    void (*and_rows)(const struct packed_table *table, const uint64_t *state,
                     uint64_t *enabled);
} packed_table;

/* A table for `packed`, whose tests must be compiled; or NULL when a table
 * would not pay (too large, too many rows per state) or memory is short:
 * the caller then tests candidates.  The caller owns the result
 * (packed_table_free). */
packed_table *packed_table_create(const struct packed_model *packed);

void packed_table_free(packed_table *table);

/* Writes into `enabled` (table->words words) the transitions of `packed`
 * enabled in packed state `state`, as bits. */
void packed_table_enabled(const packed_table *table,
                          const struct packed_model *packed,
                          const uint64_t *state, uint64_t *enabled);

/* packed_table_enabled inline, for a table of one word of transitions over
 * states of one word, `word`, whose every guard its chunks decide
 * (rest_count 0): the explorer's short way asks it for every state. */
static inline uint64_t packed_table_enabled_word(const packed_table *table,
                                                 uint64_t word)
{
    uint64_t on = table->always[0];
    const packed_chunk *end = table->chunks + table->chunk_count;
    for (const packed_chunk *chunk = table->chunks; chunk < end; chunk++)
        on &= chunk->rows[(word >> chunk->shift) & chunk->mask];
    return on;
}

#endif
