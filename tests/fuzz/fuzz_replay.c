/*
 * fuzz_replay.c — `pnsim sim --replay TRACE MODEL` on an arbitrary trace
 * file, through the command itself (the replay has no separate parse entry
 * point): the JSON reader, the search for the trace, the recorded states
 * and transition names checked against models/threadpool-nested-wait.pnml.
 *
 * The input goes to an in-memory file (memfd) that the command opens by
 * its /proc/self/fd path; the command's report goes to /dev/null.
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"

#ifndef PNSIM_SOURCE_DIR
#define PNSIM_SOURCE_DIR "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int trace_fd = -1;
    static char trace_path[64];
    if (trace_fd < 0) {
        trace_fd = memfd_create("pnsim-fuzz-trace", 0);
        if (trace_fd < 0)
            abort();   /* the harness cannot run at all */
        snprintf(trace_path, sizeof trace_path, "/proc/self/fd/%d", trace_fd);
        if (freopen("/dev/null", "w", stdout) == NULL)
            abort();
    }
    if (ftruncate(trace_fd, 0) != 0 ||
        (size > 0 && pwrite(trace_fd, data, size, 0) != (ssize_t)size))
        return 0;

    static char model_path[] =
        PNSIM_SOURCE_DIR "/models/threadpool-nested-wait.pnml";
    char *argv[] = {"sim", "--replay", trace_path, "--quiet", model_path,
                    NULL};
    int code = cli_sim(5, argv);
    if (code < 0 || code > 3)
        abort();   /* not an exit status pnsim documents */
    fflush(stdout);
    return 0;
}
