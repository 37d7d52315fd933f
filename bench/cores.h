/*
 * cores.h — what the machine's first two cores give two threads, for the
 * benchmarks: how much a second thread computes beside the first, and how
 * long a cache line takes from one core to the other.
 *
 * On a virtual machine both follow the host's choice of cores for the
 * virtual processors, which changes for minutes at a time.  On the one
 * pnsim is benchmarked on, a line went from one to the other in 25-35 ns
 * with two threads computing 1.9-2.0 times as much as one (cores sharing
 * a cache), in 160-180 ns with 2.0 times (cores farther apart; two-thread
 * searches of a few tenths of a second took 10-20 % longer there, one-thread
 * searches as long), and in about 53 ns with 1.15-1.2 times (the host
 * giving the two about one core's work).  So the benchmarks measure both
 * beside their figures.
 */
#ifndef PNSIM_BENCH_CORES_H
#define PNSIM_BENCH_CORES_H

#include <omp.h>
#include <stdatomic.h>
#include <stdint.h>

/* splitmix64: distinct inputs give distinct, well-mixed outputs. */
static inline uint64_t bench_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Seconds for `count` values mixed (four at a time, independent, so that
 * the core's units stay busy) and summed on `threads` threads, touching no
 * memory: what a second thread adds to work that waits on no memory. */
static inline double bench_compute_run(uint64_t count, int threads)
{
    uint64_t sum = 0;
    double start = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(^ : sum)
    {
        uint64_t parts = (uint64_t)omp_get_num_threads();
        uint64_t part = count / parts, me = (uint64_t)omp_get_thread_num();
        uint64_t lanes[4] = {0, 1, 2, 3};
        for (uint64_t i = me * part; i + 4 <= (me + 1) * part; i += 4)
            for (unsigned k = 0; k < 4; k++)
                lanes[k] += bench_mix(i + k + lanes[k]);
        sum ^= lanes[0] ^ lanes[1] ^ lanes[2] ^ lanes[3];
    }
    double seconds = omp_get_wtime() - start;
    /* Used, so that the loop is not optimised away. */
    return sum == 42 ? seconds + 1e-9 : seconds;
}

/* How many times as many values two threads mix as one, over `count`
 * values (the best of `rounds` rounds of each). */
static inline double bench_compute_scaling(uint64_t count, int rounds)
{
    double one = 0, two = 0;
    for (int round = 0; round < rounds; round++) {
        double seconds = bench_compute_run(count, 1);
        one = round == 0 || seconds < one ? seconds : one;
        seconds = bench_compute_run(count, 2);
        two = round == 0 || seconds < two ? seconds : two;
    }
    return two > 0 ? one / two : 0;
}

/* Nanoseconds for a cache line to go from one core to the other: two
 * threads hand a counter back and forth, `handoffs` times in all, and the
 * best of `rounds` rounds is kept.  A thread waits for its turn reading the
 * line and takes it by writing it, so each handoff is one trip of the line
 * from the core that wrote it to the core that reads it.  0 when the two
 * threads could not both start. */
static inline double bench_handoff_ns(uint64_t handoffs, int rounds)
{
    static _Alignas(64) _Atomic uint64_t counter;
    double best = 0;
    for (int round = 0; round < rounds; round++) {
        atomic_store(&counter, 0);
        double seconds = 0;
        int threads = 0;
#pragma omp parallel num_threads(2)
        {
            uint64_t me = (uint64_t)omp_get_thread_num();
            if (me == 0)
                threads = omp_get_num_threads();
#pragma omp barrier
            double start = omp_get_wtime();
            for (uint64_t turn = me; threads == 2 && turn < handoffs;
                 turn += 2) {
                while (atomic_load_explicit(&counter, memory_order_acquire) !=
                       turn)
                    ;
                atomic_store_explicit(&counter, turn + 1,
                                      memory_order_release);
            }
            if (me == 0)
                seconds = omp_get_wtime() - start;
        }
        if (threads != 2)
            return 0;
        double ns = seconds * 1e9 / (double)handoffs;
        if (round == 0 || ns < best)
            best = ns;
    }
    return best;
}

#endif
