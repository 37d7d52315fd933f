/*
 * handoff.h — how far apart the machine's first two cores are, for the
 * benchmarks.
 *
 * Two threads that share a search find, again and again, states the other
 * stored a moment before, and the table's lines then travel from one core
 * to the other.  On the virtual machines pnsim is benchmarked on, that trip
 * takes some 25-35 ns when the host runs the two virtual processors on
 * cores that share a cache, and some 160-180 ns when it runs them farther
 * apart, which it does for minutes at a time: the speedup of two threads
 * follows.  So the benchmarks measure the trip beside their figures.
 */
#ifndef PNSIM_BENCH_HANDOFF_H
#define PNSIM_BENCH_HANDOFF_H

#include <omp.h>
#include <stdatomic.h>
#include <stdint.h>

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
