/*
 * bench_store.c — the state store's raw insert rate (`make bench`).
 *
 * The explorer's ceiling is the rate at which the store takes new states.
 * This program measures it without a model: random one-word vectors
 * inserted into a table of 2 GiB (2^29 entries of 4 bytes), the way the
 * explorer does it (hash, prefetch a batch of 16, then insert the batch), on
 * 1 and 2 threads; the same into a compact store (store.h), whose table
 * of 2^28 8-byte codes (2 GiB) keeps the vectors themselves; and a bare
 * loop that claims random 8-byte words of a 2 GiB table with
 * compare-and-swap and does nothing else (the memory system's own limit);
 * and a loop that touches no memory at all, only mixing values in
 * registers (the cores' own limit: what a second thread adds to work that
 * waits on no memory).
 * Each run first inserts a quarter as many vectors untimed, so that the
 * table's pages are mapped before the clock starts (first touches of 2 GiB
 * cost the kernel seconds, which is not the store's speed).
 *
 * Two threads of a search also find, again and again, states the other
 * thread stored a moment before, whose table entries are then in the other
 * core's caches.  So the program also measures what that costs: one thread
 * stores vectors into a compact table of 32 MiB (the size of
 * Kanban-PT-00005's), then the same thread, or the other, looks them all up
 * again; and the time a cache line takes to go from one core to the other
 * (cores.h).  And whether two cores lose by sharing one table at all: the
 * bare loop on tables of 32 MiB and 256 MiB, by one thread, by two threads
 * on one table, by two threads each on a table of its own, and by two
 * threads each owning half of one table, handing the values of the other
 * half over (bench_handover_insert).
 * Writes bench/store-results.md and prints the same.
 *
 * Usage: pnsim_bench_store OUTPUT_DIRECTORY [INSERTS_PER_RUN]
 */
#include <omp.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cores.h"
#include "store.h"
#include "support.h"

#define BENCH_TABLE_LOG 28         /* the bare loop's 8-byte words */
#define BENCH_STORE_TABLE_LOG 29   /* the store's 4-byte entries */
#define BENCH_BATCH 16

/* Looks vectors base .. base + total - 1 up (or inserts them), batched and
 * prefetched as the explorer does; returns how many were not found, or
 * found when `inserting`. */
static uint64_t bench_store_pass(state_store *store, state_store_ids *ids,
                                 uint64_t base, uint64_t total, bool inserting)
{
    uint64_t unexpected = 0;
    uint64_t vectors[BENCH_BATCH], hashes[BENCH_BATCH];
    for (uint64_t i = base; i < base + total; i += BENCH_BATCH) {
        unsigned n = base + total - i < BENCH_BATCH
                         ? (unsigned)(base + total - i)
                         : BENCH_BATCH;
        for (unsigned k = 0; k < n; k++) {
            vectors[k] = bench_mix(i + k);
            hashes[k] = state_store_hash(store, &vectors[k]);
            state_store_prefetch(store, hashes[k]);
        }
        for (unsigned k = 0; k < n; k++) {
            uint64_t id;
            store_insert_result result = state_store_insert(
                store, ids, &vectors[k], hashes[k], 0, &id);
            unexpected += result != (inserting ? STORE_ADDED : STORE_FOUND);
        }
    }
    return unexpected;
}

/* Inserts vectors base .. base + total - 1 on `threads` threads, as the
 * explorer does; returns nonzero when the store refused one. */
static int bench_store_insert(state_store *store, uint64_t base,
                              uint64_t total, unsigned threads)
{
    int refused = 0;
    state_store_ids blocks[2] = {{0, 0}, {0, 0}};
#pragma omp parallel num_threads(threads) reduction(+ : refused)
    {
        uint64_t part = total / threads, me = (uint64_t)omp_get_thread_num();
        state_store_ids ids = {0, 0};
        refused += bench_store_pass(store, &ids, base + me * part, part, true)
                       ? 1
                       : 0;
        blocks[me] = ids;
    }
    if (state_store_close_ids(store, blocks, threads) != 0)
        refused++;
    return refused;
}

/* Seconds for `count` inserts into the store after the warm-up, or a
 * negative number when the store refused one. */
static double bench_store_run(uint64_t count, unsigned threads, bool compact)
{
    state_store *store = compact ? state_store_create_compact(0)
                                 : state_store_create(1, false, false, 0);
    if (store == NULL)
        return -1;
    /* 2 GiB of table either way. */
    unsigned log = compact ? BENCH_TABLE_LOG : BENCH_STORE_TABLE_LOG;
    while (state_store_capacity(store) < ((uint64_t)1 << log))
        if (state_store_grow(store, threads) != 0) {
            state_store_free(store);
            return -1;
        }
    int refused = bench_store_insert(store, 0, count / 4, threads);
    double start = support_now();
    refused += bench_store_insert(store, count / 4, count, threads);
    double seconds = support_now() - start;
    state_store_free(store);
    return refused ? -1 : seconds;
}

/* Claims values[0 .. n - 1] in `table` (mask `mask`) with compare-and-swap,
 * each in the first empty word from its own, all prefetched first. */
static void bench_claim(_Atomic uint64_t *table, uint64_t mask,
                        const uint64_t *values, unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        __builtin_prefetch((const void *)&table[values[k] & mask], 1);
    for (unsigned k = 0; k < n; k++) {
        uint64_t slot = values[k] & mask;
        for (;;) {
            uint64_t empty = 0;
            if (atomic_compare_exchange_strong_explicit(
                    &table[slot], &empty, values[k], memory_order_relaxed,
                    memory_order_relaxed))
                break;
            slot = (slot + 1) & mask;
        }
    }
}

/* The bare loop over values base .. base + total - 1: claim a random empty
 * word with compare-and-swap, batched and prefetched like the store.
 * Thread t claims words of tables[t % table_count]: one table shared by
 * all threads, or one each. */
static void bench_bare_insert(_Atomic uint64_t *const *tables,
                              unsigned table_count, uint64_t mask,
                              uint64_t base, uint64_t total, unsigned threads)
{
#pragma omp parallel num_threads(threads)
    {
        uint64_t part = total / threads, me = (uint64_t)omp_get_thread_num();
        uint64_t first = base + me * part, last = first + part;
        _Atomic uint64_t *table = tables[me % table_count];
        uint64_t values[BENCH_BATCH];
        for (uint64_t i = first; i < last; i += BENCH_BATCH) {
            unsigned n = last - i < BENCH_BATCH ? (unsigned)(last - i)
                                                : BENCH_BATCH;
            for (unsigned k = 0; k < n; k++)
                values[k] = bench_mix(i + k) | 1;
            bench_claim(table, mask, values, n);
        }
    }
}

static double bench_bare_run(uint64_t count, unsigned threads)
{
    size_t entries = (size_t)1 << BENCH_TABLE_LOG;
    size_t bytes = entries * sizeof(uint64_t);
    _Atomic uint64_t *table = support_pages_map(bytes, true);
    if (table == NULL)
        return -1;
    _Atomic uint64_t *const tables[1] = {table};
    bench_bare_insert(tables, 1, entries - 1, 0, count / 4, threads);
    double start = support_now();
    bench_bare_insert(tables, 1, entries - 1, count / 4, count, threads);
    double seconds = support_now() - start;
    support_pages_unmap((void *)table, bytes);
    return seconds;
}

/* One table or two: the table sizes (log2 of 8-byte words) and rounds. */
static const unsigned bench_sharing_logs[] = {22, 25};
#define BENCH_SHARING_ROUNDS 3

/* The handover loop: one table in two halves, each claimed only by the
 * thread that owns it (the top bit of a value says which); a thread hands
 * the values of the other's half over through a ring that only it writes
 * and only the other reads, published every BENCH_HANDOVER_EVERY batches,
 * so that the cache lines crossing between the cores carry eight values
 * each instead of one probe.  This is how a search would share work if each thread owned
 * a part of the state space (as distributed model checkers do). */
#define BENCH_RING 4096
/* Batches of BENCH_BATCH between handovers: 1, 4, 8, 32 and 64 measured
 * (2026-12-06), 8 the fastest. */
#define BENCH_HANDOVER_EVERY 8

typedef struct bench_ring {
    _Alignas(64) _Atomic uint64_t head;   /* written by the producer */
    _Alignas(64) _Atomic uint64_t tail;   /* written by the consumer */
    _Alignas(64) _Atomic bool done;       /* the producer has no more */
    _Alignas(64) uint64_t values[BENCH_RING];
} bench_ring;

/* Claims what the other thread handed over through `in` so far. */
static void bench_drain(bench_ring *in, _Atomic uint64_t *half,
                        uint64_t mask)
{
    uint64_t tail = atomic_load_explicit(&in->tail, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&in->head, memory_order_acquire);
    while (tail != head) {
        uint64_t values[BENCH_BATCH];
        unsigned n = 0;
        for (; n < BENCH_BATCH && tail != head; n++, tail++)
            values[n] = in->values[tail & (BENCH_RING - 1)];
        bench_claim(half, mask, values, n);
    }
    atomic_store_explicit(&in->tail, tail, memory_order_release);
}

/* Waits until `more` values fit in `out`, whose producer has written up
 * to `head`: publishes them, and drains `in` meanwhile, so that two full
 * rings cannot wait on each other. */
static void bench_ring_room(bench_ring *out, uint64_t head, unsigned more,
                            bench_ring *in, _Atomic uint64_t *half,
                            uint64_t mask)
{
    if (head + more - atomic_load_explicit(&out->tail, memory_order_acquire) <=
        BENCH_RING)
        return;
    atomic_store_explicit(&out->head, head, memory_order_release);
    while (head + more -
               atomic_load_explicit(&out->tail, memory_order_acquire) >
           BENCH_RING)
        bench_drain(in, half, mask);
}

/* The handover loop over values base .. base + total - 1, on two threads,
 * in `table` of two halves of mask + 1 words each, through `rings`, which
 * it empties first. */
static void bench_handover_insert(_Atomic uint64_t *table, uint64_t mask,
                                  uint64_t base, uint64_t total,
                                  bench_ring *rings)
{
    for (int r = 0; r < 2; r++) {
        atomic_init(&rings[r].head, 0);
        atomic_init(&rings[r].tail, 0);
        atomic_init(&rings[r].done, false);
    }
#pragma omp parallel num_threads(2)
    {
        uint64_t part = total / 2, me = (uint64_t)omp_get_thread_num();
        uint64_t first = base + me * part, last = first + part;
        _Atomic uint64_t *half = table + me * (mask + 1);
        bench_ring *out = &rings[me], *in = &rings[1 - me];
        uint64_t head = atomic_load_explicit(&out->head, memory_order_relaxed);
        uint64_t own[BENCH_BATCH];
        for (uint64_t i = first; i < last; i += BENCH_BATCH) {
            unsigned n = last - i < BENCH_BATCH ? (unsigned)(last - i)
                                                : BENCH_BATCH;
            bench_ring_room(out, head, n, in, half, mask);
            unsigned mine = 0;
            for (unsigned k = 0; k < n; k++) {
                uint64_t value = bench_mix(i + k) | 1;
                if ((value >> 63) == me)
                    own[mine++] = value;
                else
                    out->values[head++ & (BENCH_RING - 1)] = value;
            }
            bench_claim(half, mask, own, mine);
            /* Lines cross between the cores in runs, not one by one. */
            if (((i - first) / BENCH_BATCH) % BENCH_HANDOVER_EVERY ==
                BENCH_HANDOVER_EVERY - 1) {
                atomic_store_explicit(&out->head, head, memory_order_release);
                bench_drain(in, half, mask);
            }
        }
        atomic_store_explicit(&out->head, head, memory_order_release);
        atomic_store_explicit(&out->done, true, memory_order_release);
        while (!atomic_load_explicit(&in->done, memory_order_acquire))
            bench_drain(in, half, mask);
        bench_drain(in, half, mask);
    }
}

/* The bare loop again, on tables of 2^log words, to tell what sharing one
 * table costs two cores: one thread on one table, two threads on one
 * table, two threads each on a table of its own; or, with `rings`, the
 * handover loop on one table in halves (two threads).  Each round maps
 * new tables, fills a quarter of each untimed (mapping their pages), then
 * times as many claims again; the best of the rounds, in claims a second
 * over all threads, or a negative number when out of memory. */
static double bench_sharing_run(unsigned log, unsigned threads,
                                unsigned table_count, bench_ring *rings)
{
    if (table_count < 1 || table_count > 2 ||
        (rings != NULL && (threads != 2 || table_count != 1)))
        return -1;
    uint64_t entries = (uint64_t)1 << log;
    size_t bytes = entries * sizeof(uint64_t);
    uint64_t claims = entries / 4 * table_count;
    double best = -1;
    for (int round = 0; round < BENCH_SHARING_ROUNDS; round++) {
        _Atomic uint64_t *tables[2] = {NULL, NULL};
        bool mapped = true;
        for (unsigned t = 0; t < table_count; t++) {
            tables[t] = support_pages_map(bytes, true);
            mapped = mapped && tables[t] != NULL;
        }
        double rate = -1;
        for (int timed = 0; mapped && timed < 2; timed++) {
            uint64_t base = ((uint64_t)round << 40) + (uint64_t)timed * claims;
            double start = support_now();
            if (rings != NULL)
                bench_handover_insert(tables[0], entries / 2 - 1, base,
                                      claims, rings);
            else
                bench_bare_insert(tables, table_count, entries - 1, base,
                                  claims, threads);
            rate = (double)claims / (support_now() - start);
        }
        for (unsigned t = 0; t < table_count; t++)
            support_pages_unmap((void *)tables[t], bytes);
        if (rate < 0)
            return -1;
        if (rate > best)
            best = rate;
    }
    return best;
}

/* Finding states again: the compact table's entries, log2. */
#define BENCH_FIND_TABLE_LOG 22
#define BENCH_FIND_ROUNDS 5

/* Seconds for thread `finder` (0 or 1) to look up every vector thread 0
 * has just stored into a compact table of 2^BENCH_FIND_TABLE_LOG entries,
 * filled to a half; the best of BENCH_FIND_ROUNDS rounds, each into a new
 * table.  Negative when a look-up went wrong. */
static double bench_find_run(int finder, uint64_t *count)
{
    uint64_t entries = (uint64_t)1 << BENCH_FIND_TABLE_LOG;
    *count = entries / 2;
    double best = -1;
    for (int round = 0; round < BENCH_FIND_ROUNDS; round++) {
        state_store *store = state_store_create_compact(0);
        if (store == NULL)
            return -1;
        while (state_store_capacity(store) < entries)
            if (state_store_grow(store, 1) != 0) {
                state_store_free(store);
                return -1;
            }
        uint64_t base = (uint64_t)round << 40, unexpected = 0;
        double seconds = 0;
        state_store_ids blocks[2] = {{0, 0}, {0, 0}};
#pragma omp parallel num_threads(2) reduction(+ : unexpected)
        {
            int me = omp_get_thread_num();
            if (me == 0)
                unexpected += bench_store_pass(store, &blocks[0], base,
                                               *count, true);
#pragma omp barrier
            if (me == finder) {
                double start = support_now();
                unexpected += bench_store_pass(store, &blocks[1], base,
                                               *count, false);
                seconds = support_now() - start;
            }
        }
        if (state_store_close_ids(store, blocks, 2) != 0)
            unexpected++;
        state_store_free(store);
        if (unexpected != 0)
            return -1;
        if (best < 0 || seconds < best)
            best = seconds;
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pnsim_bench_store OUTPUT_DIRECTORY "
                        "[INSERTS_PER_RUN]\n");
        return 2;
    }
    uint64_t count = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000000;
    if (count == 0 || count > ((uint64_t)1 << BENCH_TABLE_LOG) / 5 * 3) {
        fprintf(stderr, "pnsim_bench_store: INSERTS_PER_RUN must be between 1 "
                        "and 3/5 of 2^%d\n", BENCH_TABLE_LOG);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/store-results.md", argv[1]);
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        perror(path);
        return 1;
    }
    fprintf(out, "# pnsim state store: raw insert rate\n\n"
                 "`pnsim_bench_store` (`make bench`): %llu distinct random "
                 "one-word vectors into a store whose table has 2^%d "
                 "entries of 4 bytes (2 GiB), hashed and prefetched in "
                 "batches of %d; the same into a compact store, whose table "
                 "has 2^%d entries of 8 bytes (2 GiB) holding the vectors "
                 "themselves; the bare loop only claims random words of a "
                 "table of 2^%d 8-byte words (2 GiB) with "
                 "compare-and-swap; the compute loop mixes ten times as "
                 "many values (splitmix64, four independent at a time) in "
                 "registers, touching no memory.\n\n"
                 "| loop | threads | seconds | inserts (values mixed)/s "
                 "| per thread |\n"
                 "|---|---:|---:|---:|---:|\n",
            (unsigned long long)count, BENCH_STORE_TABLE_LOG, BENCH_BATCH,
            BENCH_TABLE_LOG, BENCH_TABLE_LOG);
    static const char *const names[] = {"compute", "bare CAS", "state store",
                                        "compact store"};
    int failed = 0;
    for (int loop = 0; loop < 4; loop++) {
        for (unsigned threads = 1; threads <= 2; threads++) {   /* blocks[2] */
            /* The compute loop is fast: ten times as many values. */
            uint64_t operations = loop == 0 ? count * 10 : count;
            double seconds =
                loop == 0   ? bench_compute_run(operations, (int)threads)
                : loop == 1 ? bench_bare_run(count, threads)
                            : bench_store_run(count, threads, loop == 3);
            const char *name = names[loop];
            if (seconds <= 0) {
                fprintf(stderr, "pnsim_bench_store: the %s run failed\n",
                        name);
                failed = 1;
                continue;
            }
            double rate = (double)operations / seconds;
            printf("%-13s %u thread%s %7.2f s %7.2f M operations/s %7.2f M/s "
                   "per thread\n", name, threads, threads > 1 ? "s" : " ",
                   seconds, rate / 1e6, rate / 1e6 / threads);
            fprintf(out, "| %s | %u | %.2f | %.2fM | %.2fM |\n", name, threads,
                    seconds, rate / 1e6, rate / 1e6 / threads);
        }
    }
    uint64_t found_count = 0;
    double own = bench_find_run(0, &found_count);
    double other = bench_find_run(1, &found_count);
    double handoff = bench_handoff_ns(1000000, BENCH_FIND_ROUNDS);
    if (own <= 0 || other <= 0 || handoff <= 0) {
        fprintf(stderr, "pnsim_bench_store: the look-up runs failed\n");
        failed = 1;
    } else {
        printf("find own      %7.2f M look-ups/s\n"
               "find other's  %7.2f M look-ups/s\n"
               "line handoff  %7.1f ns\n",
               (double)found_count / own / 1e6,
               (double)found_count / other / 1e6, handoff);
        fprintf(out,
                "\n## Finding states another thread stored\n\n"
                "One thread stores %llu random one-word vectors into a "
                "compact table of 2^%d entries (32 MiB, filled to a half); "
                "then it, or the other thread, looks them all up again "
                "(batched and prefetched as above; the best of %d rounds, "
                "each into a new table).  The handoff is the time a cache "
                "line written by one thread takes to reach the other: two "
                "threads hand a counter back and forth a million times.\n\n"
                "| look-ups by | seconds | look-ups/s |\n"
                "|---|---:|---:|\n"
                "| the thread that stored them | %.4f | %.2fM |\n"
                "| the other thread | %.4f | %.2fM |\n\n"
                "Line handoff between the two threads: %.1f ns.\n",
                (unsigned long long)found_count, BENCH_FIND_TABLE_LOG,
                BENCH_FIND_ROUNDS, own, (double)found_count / own / 1e6,
                other, (double)found_count / other / 1e6, handoff);
    }
    fprintf(out,
            "\n## One table or two\n\n"
            "The bare loop on tables of 32 MiB and 256 MiB: one thread on "
            "one table, two threads on one table, two threads each on a "
            "table of its own (twice the memory), and two threads each "
            "owning a half of one table: a thread claims the values of its "
            "half and hands the others over, through a ring only it writes, "
            "to the thread that owns them.  Each round maps new "
            "tables and fills a quarter of each untimed, then times as many "
            "claims again; the best of %d rounds, in claims a second over "
            "all threads.\n\n"
            "| table | one thread | two threads, one table | two threads, "
            "a table each | two threads, a half each, handing over |\n"
            "|---|---:|---:|---:|---:|\n",
            BENCH_SHARING_ROUNDS);
    bench_ring *rings = aligned_alloc(64, 2 * sizeof *rings);
    for (size_t size = 0;
         size < sizeof bench_sharing_logs / sizeof *bench_sharing_logs;
         size++) {
        unsigned log = bench_sharing_logs[size];
        double one = bench_sharing_run(log, 1, 1, NULL);
        double shared = bench_sharing_run(log, 2, 1, NULL);
        double own = bench_sharing_run(log, 2, 2, NULL);
        double handed = rings != NULL ? bench_sharing_run(log, 2, 1, rings)
                                      : -1;
        if (one <= 0 || shared <= 0 || own <= 0 || handed <= 0) {
            fprintf(stderr, "pnsim_bench_store: the sharing runs failed\n");
            failed = 1;
            continue;
        }
        unsigned mib = (unsigned)((sizeof(uint64_t) << log) >> 20);
        printf("%3u MiB table  %7.2f M/s one thread, %7.2f M/s two on one "
               "table, %7.2f M/s two on a table each, %7.2f M/s two on a "
               "half each, handing over\n",
               mib, one / 1e6, shared / 1e6, own / 1e6, handed / 1e6);
        fprintf(out, "| %u MiB | %.2fM | %.2fM | %.2fM | %.2fM |\n", mib,
                one / 1e6, shared / 1e6, own / 1e6, handed / 1e6);
    }
    free(rings);
    fclose(out);
    printf("wrote %s\n", path);
    return failed;
}
