/*
 * support.h — small routines several engine modules need: a growable
 * array's reserve, a 64-bit mixer and word-array hash for hash tables, a
 * prefetch for writing, a bit count, qsort's order of 32-bit numbers,
 * zeroed pages straight from the kernel, and a monotonic clock.
 */
#ifndef PNSIM_SUPPORT_H
#define PNSIM_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

/* Orders two uint32_t for qsort and bsearch. */
static inline int support_compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Grows *array (of `size`-byte elements, `*capacity` of them) to hold at
 * least `need`, doubling from 64.  Returns false, leaving the array as it
 * was, when out of memory. */
static inline bool support_reserve(void **array, size_t *capacity, size_t need,
                                   size_t size)
{
    if (need <= *capacity)
        return true;
    size_t grown_capacity = *capacity ? *capacity : 64;
    while (grown_capacity < need)
        grown_capacity *= 2;
    void *grown = realloc(*array, grown_capacity * size);
    if (grown == NULL)
        return false;
    *array = grown;
    *capacity = grown_capacity;
    return true;
}

/* Seconds on a monotonic clock, for durations and time limits. */
static inline double support_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

#define SUPPORT_RESERVE(array, capacity, need) \
    support_reserve((void **)&(array), &(capacity), (need), sizeof *(array))

/* Spreads the bits of `x` over the whole word (splitmix64's finaliser). */
static inline uint64_t support_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* A hash of `count` 64-bit words.  Each word is mixed with its position
 * on its own and the results summed, then mixed once more: the words'
 * multiplications do not wait for one another, as they would in a chain
 * (a state's hash is on the explorer's hot path).  One word is mixed
 * alone. */
static inline uint64_t support_hash_words(const uint64_t *words, size_t count)
{
    if (count == 1)
        return support_mix64(words[0]);
    uint64_t hash = count;
    for (size_t i = 0; i < count; i++) {
        uint64_t x = (words[i] ^ (i * 0x9e3779b97f4a7c15ULL)) *
                     0xbf58476d1ce4e5b9ULL;
        hash += x ^ (x >> 29);
    }
    return support_mix64(hash);
}

/* Asks the processor to fetch the cache line of `address`, to be written
 * soon.  A hash table's entry is prefetched before the compare-and-swap
 * that may claim it: fetched for reading, the line would need a second
 * trip to take ownership once the swap comes (on two threads of this
 * project's benchmark machine, 15 % of the whole search).  On x86-64 that
 * is PREFETCHW, which compilers emit only when told the processor has it;
 * processors without it (Intel's before Broadwell) run it as a no-op. */
static inline void support_prefetch_for_write(const void *address)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __asm__ volatile("prefetchw %0" : : "m"(*(const char *)address));
#else
    __builtin_prefetch(address, 1);
#endif
}

/* The set bits of `x`.  Without the processor's instruction in the target
 * (the default x86-64 one) the compiler's builtin is a call into its
 * runtime.  Every x86-64 processor since 2008 has POPCNT: it is asked for
 * when the processor says it has it (a load and a test of a flag the
 * runtime sets at start-up, 3 instructions instead of 15; on
 * Kanban-PT-00005 3 % of the search), and otherwise the bits are summed
 * by halves, inline. */
static inline uint64_t support_popcount(uint64_t x)
{
#ifdef __POPCNT__
    return (uint64_t)__builtin_popcountll(x);
#else
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (__builtin_cpu_supports("popcnt")) {
        uint64_t count;
        __asm__("popcntq %1, %0" : "=r"(count) : "rm"(x));
        return count;
    }
#endif
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (x * 0x0101010101010101ULL) >> 56;
#endif
}

/* Bytes of a huge page on x86-64 and most 64-bit Linux machines: the
 * unit in which support_pages_map's huge pages come. */
#define SUPPORT_HUGE_PAGE ((size_t)2 << 20)

/* `size` bytes of zeroed pages straight from the kernel (NULL when out of
 * memory), given back by support_pages_unmap.  The kernel maps a page
 * only when it is first touched, by whichever thread touches it: a large
 * block costs nothing until used, and is not zeroed twice, as a block
 * calloc takes from the heap may be.  With `huge`, on huge pages where the
 * kernel agrees: random probes of a large table miss the TLB less. */
static inline void *support_pages_map(size_t size, bool huge)
{
    void *pages = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (huge)
        madvise(pages, size, MADV_HUGEPAGE);
#else
    (void)huge;
#endif
    return pages;
}

/* Has the kernel map the pages of [start, start + size) now, zeroed where
 * never touched, in one call rather than a fault a page.  False when it
 * cannot (a kernel before Linux 5.14, or `start` not on a page): the
 * caller touches them itself. */
static inline bool support_pages_populate(void *start, size_t size)
{
#ifdef MADV_POPULATE_WRITE
    if ((uintptr_t)start % 4096 == 0)
        return madvise(start, size, MADV_POPULATE_WRITE) == 0;
#else
    (void)start;
    (void)size;
#endif
    return false;
}

/* Gives back pages from support_pages_map; NULL is ignored. */
static inline void support_pages_unmap(void *pages, size_t size)
{
    if (pages != NULL)
        munmap(pages, size);
}

#endif
