/*
 * memory.h — fresh memory for the benchmarks: what it costs, and warming
 * it before a run.
 *
 * The machine pnsim is benchmarked on is a virtual machine whose kernel
 * hands free memory back to its host (free page reporting, of free blocks
 * of 8 MiB, a few seconds after they fall free).  A page the guest takes
 * again after that costs a fault in the host as well as the guest's own
 * clearing: 64 MiB of huge pages took 1.8 ms/MiB to touch the first time,
 * 0.06 to 0.10 right after, once they were freed and taken again; 1 GiB
 * after 20 s idle 2.0 ms/MiB, right after 0.19.  So a search run after a
 * pause paid that for all its memory, and one run right after another did
 * not (`statespace` of SharedMemory-PT-000010, one thread, three times
 * each way: 0.19 to 0.24 s after 10 s idle, 0.16 to 0.18 s after 512 MiB
 * were touched and freed).  The benchmark measures pnsim, not when its
 * host last took memory back: before each run it touches and frees as
 * much memory as the run may take, so that the pages the run gets are
 * those just freed, which the host still backs.  The time that took per
 * MiB is reported beside the figures: near 2 ms, the memory had gone back
 * to the host.
 */
#ifndef PNSIM_BENCH_MEMORY_H
#define PNSIM_BENCH_MEMORY_H

#include <omp.h>
#include <stdint.h>

#include "support.h"

#define BENCH_MEMORY_PAGE ((size_t)4096)

/* Touches `mib` MiB of fresh pages (huge pages where the kernel agrees),
 * one byte a page, on two threads, and gives them back.  Returns the
 * milliseconds per MiB it took, or -1 when the memory could not be had. */
static inline double bench_memory_warm(size_t mib)
{
    size_t bytes = mib << 20;
    unsigned char *pages = support_pages_map(bytes, true);
    if (pages == NULL)
        return -1;
    double start = omp_get_wtime();
    int64_t count = (int64_t)(bytes / BENCH_MEMORY_PAGE);
#pragma omp parallel for num_threads(2) schedule(static)
    for (int64_t page = 0; page < count; page++)
        pages[(size_t)page * BENCH_MEMORY_PAGE] = 1;
    double seconds = omp_get_wtime() - start;
    support_pages_unmap(pages, bytes);
    return mib > 0 ? seconds * 1e3 / (double)mib : 0;
}

#endif
