/*
 * bench.c — pnsim's state-space benchmark (`make bench`).
 *
 * Runs `pnsim statespace --json` on a fixed list of Model Checking Contest
 * instances from $PNSIM_CORPUS/mcc, at 1 and 2 threads, checks every figure
 * against the contest's expected.json, and writes bench/results.md and
 * bench/results.json: states, edges, seconds, states per second, bytes per
 * state (peak resident memory / states) and the speedup from 1 to 2 threads;
 * instances of at least 10^7 states run once more, on 2 threads with
 * --tree-compression, for their bytes per state.
 *
 * The machine is noisy, so each instance runs in rounds (3, or --rounds N)
 * of one thread, two threads and two one-thread runs at once, and the
 * median of each is reported.  The last, two processes that share nothing
 * but the hardware, gives the ceiling: how much two independent searches
 * gain over one on this machine, which bounds what two threads sharing
 * one search can gain.  Before each round's two-thread run it also measures
 * how much a second thread computes beside the first and how long a cache
 * line takes from one core to the other (cores.h), which the host of a
 * virtual machine changes as it moves the virtual processors about.  And
 * before every run it touches and frees as much memory as the run may
 * take, so that the run gets memory its host still backs (memory.h;
 * --cold: not so).
 *
 * With --moonshot it runs Kanban-PT-00010 (about 10^9 states; or the
 * instances named) once, on 2 threads, and writes bench/moonshot.md: a run
 * of half an hour or more, kept out of `make bench`.
 *
 * A benchmark, not a test: it measures, and exits non-zero only when a
 * figure is wrong or pnsim fails.
 *
 * Usage: pnsim_bench [--moonshot] [--cold] [--rounds N] PNSIM_BINARY
 *                    OUTPUT_DIRECTORY [INSTANCE...]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cores.h"
#include "json.h"
#include "memory.h"

/* Medium and large instances the issue names, smallest first. */
static const char *const bench_default_instances[] = {
    "Philosophers-PT-000010",
    "TokenRing-PT-010",
    "BridgeAndVehicles-PT-V10P10N10",
    "Dekker-PT-015",
    "SharedMemory-PT-000010",
    "Kanban-PT-00005",
    "Peterson-PT-3",
    "BridgeAndVehicles-PT-V20P10N10",
    "Dekker-PT-020",
    "SwimmingPool-PT-03",
    "TokenRing-PT-015",
};

/* The cores measured before a two-thread run, in a tenth of a second or
 * so: values mixed, handoffs of a line, and rounds of each. */
#define BENCH_CORES_VALUES 20000000
#define BENCH_HANDOFFS 100000
#define BENCH_CORES_ROUNDS 3

/* Measures the cores (cores.h): how many times as much two threads compute
 * as one, and nanoseconds for a line to go from one core to the other. */
static void bench_measure_cores(double *scaling, double *handoff_ns)
{
    *scaling = bench_compute_scaling(BENCH_CORES_VALUES, BENCH_CORES_ROUNDS);
    *handoff_ns = bench_handoff_ns(BENCH_HANDOFFS, BENCH_CORES_ROUNDS);
}

/* Memory warmed before a run whose peak is not known yet, and beyond the
 * largest peak of the runs before (memory.h), in MiB. */
#define BENCH_WARM_FIRST_MIB 512
#define BENCH_WARM_SPARE_MIB 64

/* Rounds unless --rounds says otherwise, and at most. */
#define BENCH_ROUNDS 3
#define BENCH_MAX_ROUNDS 15

typedef struct bench_run {
    bool ok;
    uint64_t states, edges, max_place, max_marking, peak_bytes;
    double seconds;          /* the whole command */
    double search_seconds;   /* the search alone: its stats.seconds */
} bench_run;

/* The ways an instance is run in each round, in this order. */
enum { BENCH_ONE, BENCH_TWO, BENCH_PAIR, BENCH_WAYS };

typedef struct bench_row {
    const char *instance;
    uint64_t states, edges, max_place, max_marking;   /* expected */
    /* Per way: the median seconds of the rounds, the largest peak memory,
     * and every round's seconds. */
    bench_run runs[BENCH_WAYS];
    double seconds[BENCH_WAYS][BENCH_MAX_ROUNDS];
    double search_seconds[BENCH_WAYS][BENCH_MAX_ROUNDS];
    /* Measured before each two-thread run (cores.h). */
    double compute_scaling[BENCH_MAX_ROUNDS], handoff_ns[BENCH_MAX_ROUNDS];
    /* Milliseconds per MiB that warming the memory took before each run
     * (memory.h); 0: not warmed (--cold). */
    double warm_ms_per_mib[BENCH_WAYS][BENCH_MAX_ROUNDS];
    unsigned rounds;
    bench_run tree;       /* 2 threads, --tree-compression (large ones) */
    bool correct;
} bench_row;

static bool bench_expected_number(const json_value *object, const char *key,
                                  uint64_t *value)
{
    return json_as_uint64(json_object_get(object, key), value);
}

static bool bench_read_expected(const char *corpus, bench_row *row)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/mcc/%s/expected.json", corpus,
                 row->instance) >= (int)sizeof path)
        return false;
    pnsim_error error;
    json_value *root = json_parse_file(path, &error);
    if (root == NULL) {
        fprintf(stderr, "pnsim_bench: %s: %s\n", path, error.message);
        return false;
    }
    const json_value *space = json_object_get(root, "state_space");
    bool ok = bench_expected_number(space, "states", &row->states) &&
              bench_expected_number(space, "transitions", &row->edges) &&
              bench_expected_number(space, "max_token_in_place",
                                    &row->max_place) &&
              bench_expected_number(space, "max_token_per_marking",
                                    &row->max_marking);
    json_value_free(root);
    return ok;
}

/* States per second of a run, and its peak memory per state; 0 for a run
 * that gave none. */
static double bench_rate(const bench_run *run)
{
    return run->seconds > 0 ? (double)run->states / run->seconds : 0;
}

static double bench_bytes_per_state(const bench_run *run)
{
    return run->states ? (double)run->peak_bytes / (double)run->states : 0;
}

/* Starts pnsim statespace on one instance; NULL when it cannot. */
static FILE *bench_start(const char *binary, const char *corpus,
                         const char *instance, unsigned threads, bool tree)
{
    char command[8192];
    snprintf(command, sizeof command,
             "'%s' statespace --json --threads %u%s '%s/mcc/%s/model.pnml'",
             binary, threads, tree ? " --tree-compression" : "", corpus,
             instance);
    return popen(command, "r");
}

/* Reads a started run's JSON into `run` (all but its seconds) and waits
 * for it to end; closes `pipe`.  run->ok says whether it all went well. */
static void bench_finish(FILE *pipe, bench_run *run)
{
    memset(run, 0, sizeof *run);
    if (pipe == NULL)
        return;
    size_t size = 0, capacity = 1 << 16;
    char *text = malloc(capacity);
    size_t got;
    while (text != NULL &&
           (got = fread(text + size, 1, capacity - size, pipe)) > 0) {
        size += got;
        if (size == capacity) {
            char *bigger = realloc(text, capacity * 2);
            if (bigger == NULL)
                break;
            text = bigger;
            capacity *= 2;
        }
    }
    int status = pclose(pipe);
    if (text == NULL || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(text);
        return;
    }
    pnsim_error error;
    json_value *root = json_parse(text, size, "pnsim output", &error);
    free(text);
    if (root == NULL)
        return;
    const json_value *stats = json_object_get(root, "stats");
    run->ok = json_as_uint64(json_object_get(root, "states"), &run->states) &&
              json_as_uint64(json_object_get(root, "edges"), &run->edges) &&
              json_as_uint64(json_object_get(root, "max_tokens_place"),
                             &run->max_place) &&
              json_as_uint64(json_object_get(root, "max_tokens_marking"),
                             &run->max_marking) &&
              json_as_uint64(json_object_get(stats, "peak_memory_bytes"),
                             &run->peak_bytes) &&
              json_as_double(json_object_get(stats, "seconds"),
                             &run->search_seconds);
    json_value_free(root);
}

/* Runs pnsim statespace on one instance; fills `run` from its JSON and
 * the seconds of the whole command, reading the net included, as a user
 * waits for it. */
static void bench_run_pnsim(const char *binary, const char *corpus,
                            const char *instance, unsigned threads,
                            bool tree, bench_run *run)
{
    double start = support_now();
    bench_finish(bench_start(binary, corpus, instance, threads, tree), run);
    run->seconds = support_now() - start;
}

/* Two one-thread runs at once, as two processes that share nothing but the
 * machine; `run` is the second's figures, its seconds those until both
 * ended, and ok only when both went well with the same figures. */
static void bench_run_pair(const char *binary, const char *corpus,
                           const char *instance, bench_run *run)
{
    double start = support_now();
    FILE *first = bench_start(binary, corpus, instance, 1, false);
    FILE *second = bench_start(binary, corpus, instance, 1, false);
    bench_run other;
    /* Each writes a few hundred bytes, which its pipe holds until read. */
    bench_finish(first, &other);
    bench_finish(second, run);
    run->seconds = support_now() - start;
    run->ok = run->ok && other.ok && other.states == run->states &&
              other.edges == run->edges;
}

static void bench_machine(char *buffer, size_t size)
{
    char model[256] = "unknown processor";
    FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (cpuinfo != NULL && fgets(line, sizeof line, cpuinfo) != NULL)
        if (strncmp(line, "model name", 10) == 0) {
            char *colon = strchr(line, ':');
            if (colon != NULL) {
                snprintf(model, sizeof model, "%s", colon + 2);
                model[strcspn(model, "\n")] = '\0';
            }
            break;
        }
    if (cpuinfo != NULL)
        fclose(cpuinfo);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    struct utsname name;
    uname(&name);
    snprintf(buffer, size, "%s, %ld cores, %.0f GiB, Linux %s", model, cores,
             (double)pages * (double)page / (1024.0 * 1024 * 1024),
             name.release);
}

/* `key`: a figure of each round, in the order they ran. */
static void bench_json_rounds(json_writer *json, const char *key,
                              const double *values, unsigned rounds)
{
    json_key(json, key);
    json_begin_array(json);
    for (unsigned r = 0; r < rounds; r++)
        json_double(json, values[r]);
    json_end_array(json);
}

static double bench_median(const double *values, unsigned count);

/* The median of the milliseconds per MiB that warming took before the
 * runs of `row`. */
static double bench_row_warm(const bench_row *row)
{
    double values[BENCH_WAYS * BENCH_MAX_ROUNDS] = {0};
    unsigned count = 0;
    for (unsigned way = 0; way < BENCH_WAYS; way++)
        for (unsigned r = 0; r < row->rounds; r++)
            values[count++] = row->warm_ms_per_mib[way][r];
    return count > 0 ? bench_median(values, count) : 0;
}

static void bench_write(const char *directory, const bench_row *rows,
                        size_t count, const char *machine, bool cold)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/results.md", directory);
    FILE *md = fopen(path, "w");
    snprintf(path, sizeof path, "%s/results.json", directory);
    FILE *js = fopen(path, "w");
    if (md == NULL || js == NULL) {
        fprintf(stderr, "pnsim_bench: cannot write results in %s\n",
                directory);
        if (md != NULL)
            fclose(md);
        if (js != NULL)
            fclose(js);
        return;
    }
    unsigned rounds = count > 0 ? rows[0].rounds : 0;
    fprintf(md, "# pnsim state-space benchmark\n\n"
                "Machine: %s.\n\n"
                "`pnsim statespace --json --threads T` on each instance, in "
                "%u rounds of: one thread, two threads, and two one-thread "
                "runs at once.  Seconds are the median of the rounds, of the "
                "whole command (reading the net included), as a user waits "
                "for it; the search speedup is that of the search alone "
                "(`stats.seconds`: from the diamond pilots to the last "
                "level), without starting the process and reading the net, "
                "the same on one thread and two; bytes per state "
                "are the largest peak resident memory / states.  Every "
                "figure of every run was checked against the contest's "
                "expected.json.\n\n"
                "The ceiling is what the machine gives two searches that "
                "share nothing: two one-thread runs started at once, as two "
                "processes, do twice the work of one in the seconds until "
                "both end, and 2 × (one thread s) / (those seconds) is the "
                "most two threads could gain if they shared the work "
                "perfectly; memory and caches shared with the other core "
                "(and with other machines on the same host) keep it under "
                "2.\n\n"
                "Cores, measured just before each round's two-thread run "
                "(bench/cores.h): how many times as much two threads "
                "computed as one in registers, and how long a cache line "
                "written on one core took to reach the other.  On a "
                "virtual machine both follow the host's choice of cores for "
                "the two virtual processors, which changes while the "
                "benchmark runs: about 2× and 25-35 ns on cores that share "
                "a cache, 2× and 160-180 ns farther apart, and near 1.2× when "
                "the host gives them about one core's work.\n\n"
                "%s"
                "| instance | states | edges | 1 thread s | states/s | "
                "bytes/state | 2 threads s | states/s | bytes/state | "
                "speedup | search speedup | ceiling | cores (× ns) | "
                "memory ms/MiB | correct |\n"
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
                "---:|---:|---|\n",
            machine, rounds,
            cold ? "Memory was not warmed before the runs (`--cold`): a "
                   "run took memory as its host had left it.\n\n"
                 : "Memory, warmed before every run (bench/memory.h): "
                   "the machine hands free memory back to its host after "
                   "a few seconds, and a page taken again after that costs "
                   "a fault in the host too, 20 to 30 times the guest's "
                   "own clearing.  Before each run the benchmark touches "
                   "and frees as much memory as the run may take, so the "
                   "run gets pages its host still backs; the median "
                   "milliseconds per MiB that took are given (near 2: the "
                   "memory had gone back to the host; near 0.1: not).\n\n");
    json_writer json;
    json_writer_init(&json, js, JSON_WRITE_PRETTY);
    json_begin_object(&json);
    json_key(&json, "machine");
    json_string(&json, machine);
    json_key(&json, "rounds");
    json_uint(&json, rounds);
    json_key(&json, "memory_warmed");
    json_bool(&json, !cold);
    json_key(&json, "instances");
    json_begin_array(&json);
    for (size_t i = 0; i < count; i++) {
        const bench_row *row = &rows[i];
        fprintf(md, "| %s | %llu | %llu", row->instance,
                (unsigned long long)row->states,
                (unsigned long long)row->edges);
        json_begin_object(&json);
        json_key(&json, "instance");
        json_string(&json, row->instance);
        json_key(&json, "states");
        json_uint(&json, row->states);
        json_key(&json, "edges");
        json_uint(&json, row->edges);
        json_key(&json, "correct");
        json_bool(&json, row->correct);
        json_key(&json, "runs");
        json_begin_array(&json);
        for (unsigned t = 0; t < 2; t++) {
            const bench_run *run = &row->runs[t];
            double rate = bench_rate(run), bytes = bench_bytes_per_state(run);
            fprintf(md, " | %.2f | %.2fM | %.1f", run->seconds, rate / 1e6,
                    bytes);
            json_begin_object(&json);
            json_key(&json, "threads");
            json_uint(&json, t + 1);
            json_key(&json, "ok");
            json_bool(&json, run->ok);
            json_key(&json, "seconds");
            json_double(&json, run->seconds);
            bench_json_rounds(&json, "rounds_seconds", row->seconds[t],
                              row->rounds);
            json_key(&json, "search_seconds");
            json_double(&json, run->search_seconds);
            bench_json_rounds(&json, "rounds_search_seconds",
                              row->search_seconds[t], row->rounds);
            bench_json_rounds(&json, "rounds_warm_ms_per_mib",
                              row->warm_ms_per_mib[t], row->rounds);
            json_key(&json, "states_per_second");
            json_double(&json, rate);
            json_key(&json, "peak_memory_bytes");
            json_uint(&json, run->peak_bytes);
            json_key(&json, "bytes_per_state");
            json_double(&json, bytes);
            json_end_object(&json);
        }
        json_end_array(&json);
        double speedup = row->runs[BENCH_TWO].seconds > 0
                             ? row->runs[BENCH_ONE].seconds /
                                   row->runs[BENCH_TWO].seconds
                             : 0;
        double ceiling = row->runs[BENCH_PAIR].seconds > 0
                             ? 2 * row->runs[BENCH_ONE].seconds /
                                   row->runs[BENCH_PAIR].seconds
                             : 0;
        double search_speedup =
            row->runs[BENCH_TWO].search_seconds > 0
                ? row->runs[BENCH_ONE].search_seconds /
                      row->runs[BENCH_TWO].search_seconds
                : 0;
        fprintf(md, " | %.2f | %.2f | %.2f | ", speedup, search_speedup,
                ceiling);
        for (unsigned r = 0; r < row->rounds; r++)
            fprintf(md, "%s%.2f× %.0f", r > 0 ? ", " : "",
                    row->compute_scaling[r], row->handoff_ns[r]);
        fprintf(md, " | %.2f | %s |\n", bench_row_warm(row),
                row->correct ? "yes" : "NO");
        json_key(&json, "speedup");
        json_double(&json, speedup);
        json_key(&json, "search_speedup");
        json_double(&json, search_speedup);
        bench_json_rounds(&json, "rounds_compute_scaling",
                          row->compute_scaling, row->rounds);
        bench_json_rounds(&json, "rounds_handoff_ns", row->handoff_ns,
                          row->rounds);
        json_key(&json, "pair");
        json_begin_object(&json);
        json_key(&json, "seconds");
        json_double(&json, row->runs[BENCH_PAIR].seconds);
        bench_json_rounds(&json, "rounds_seconds", row->seconds[BENCH_PAIR],
                          row->rounds);
        bench_json_rounds(&json, "rounds_warm_ms_per_mib",
                          row->warm_ms_per_mib[BENCH_PAIR], row->rounds);
        json_key(&json, "ceiling");
        json_double(&json, ceiling);
        json_end_object(&json);
        if (row->tree.states != 0) {
            json_key(&json, "tree_compression");
            json_begin_object(&json);
            json_key(&json, "threads");
            json_uint(&json, 2);
            json_key(&json, "seconds");
            json_double(&json, row->tree.seconds);
            json_key(&json, "peak_memory_bytes");
            json_uint(&json, row->tree.peak_bytes);
            json_key(&json, "bytes_per_state");
            json_double(&json, bench_bytes_per_state(&row->tree));
            json_end_object(&json);
        }
        json_end_object(&json);
    }
    json_end_array(&json);
    fprintf(md, "\nWith `--tree-compression` (store.h), on the instances of "
                "at least 10^7 states, 2 threads:\n\n"
                "| instance | states | seconds | states/s | bytes/state | "
                "correct |\n|---|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < count; i++) {
        const bench_row *row = &rows[i];
        if (row->tree.states == 0)
            continue;
        fprintf(md, "| %s | %llu | %.2f | %.2fM | %.1f | %s |\n",
                row->instance, (unsigned long long)row->tree.states,
                row->tree.seconds, bench_rate(&row->tree) / 1e6,
                bench_bytes_per_state(&row->tree),
                row->correct ? "yes" : "NO");
    }
    json_end_object(&json);
    json_writer_finish(&json, NULL);
    fclose(md);
    fclose(js);
}

/* True when the run gave the contest's figures. */
static bool bench_right(const bench_row *row, const bench_run *run)
{
    return run->ok && run->states == row->states && run->edges == row->edges &&
           run->max_place == row->max_place &&
           run->max_marking == row->max_marking;
}

/* --moonshot: each instance once, on 2 threads, into moonshot.md. */
static int bench_moonshot(const char *binary, const char *directory,
                          const char *corpus, char **instances, size_t count)
{
    static const char *const default_instance = "Kanban-PT-00010";
    char path[4096], machine[512];
    bench_machine(machine, sizeof machine);
    snprintf(path, sizeof path, "%s/moonshot.md", directory);
    FILE *md = fopen(path, "w");
    if (md == NULL) {
        fprintf(stderr, "pnsim_bench: cannot write %s\n", path);
        return 2;
    }
    fprintf(md, "# pnsim moonshot\n\nMachine: %s.\n\n"
                "`pnsim statespace --json --threads 2`, once; seconds are the "
                "whole command, bytes per state are peak resident memory / "
                "states.  Cores, before and after the run (bench/cores.h): "
                "how many times as much two threads computed as one in "
                "registers, and how long a cache line written on one core "
                "took to reach the other.\n\n"
                "| instance | states | edges | seconds | states/s | "
                "bytes/state | cores (× ns) | correct |\n"
                "|---|---:|---:|---:|---:|---:|---|---|\n",
            machine);
    int failures = 0;
    for (size_t i = 0; i < (count ? count : 1); i++) {
        bench_row row = {.instance = count ? instances[i] : default_instance};
        if (!bench_read_expected(corpus, &row)) {
            fprintf(stderr, "pnsim_bench: no expected figures for %s in %s\n",
                    row.instance, corpus);
            failures++;
            continue;
        }
        bench_run run;
        double scaling[2], handoff[2];
        bench_measure_cores(&scaling[0], &handoff[0]);
        bench_run_pnsim(binary, corpus, row.instance, 2, false, &run);
        bench_measure_cores(&scaling[1], &handoff[1]);
        bool right = bench_right(&row, &run);
        failures += !right;
        fprintf(md,
                "| %s | %llu | %llu | %.1f | %.2fM | %.1f | %.2f× %.0f, "
                "%.2f× %.0f | %s |\n",
                row.instance, (unsigned long long)run.states,
                (unsigned long long)run.edges, run.seconds,
                bench_rate(&run) / 1e6, bench_bytes_per_state(&run),
                scaling[0], handoff[0], scaling[1], handoff[1],
                right ? "yes" : "NO");
        printf("%-32s 2 threads %10.1f s %12llu states %s\n", row.instance,
               run.seconds, (unsigned long long)run.states,
               right ? "ok" : "WRONG");
    }
    fclose(md);
    printf("wrote %s\n", path);
    return failures ? 1 : 0;
}

static int bench_compare_double(const void *left, const void *right)
{
    double a = *(const double *)left, b = *(const double *)right;
    return (a > b) - (a < b);
}

/* The median of `count` values (1 to BENCH_MAX_ROUNDS). */
static double bench_median(const double *values, unsigned count)
{
    double sorted[BENCH_MAX_ROUNDS];
    memcpy(sorted, values, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, bench_compare_double);
    unsigned middle = count / 2;
    return count % 2 ? sorted[middle]
                     : (sorted[middle - 1] + sorted[middle]) / 2;
}

/* MiB of memory to warm before running `row` `way` (memory.h): more than
 * the runs before took at their peak, twice that for two at once. */
static size_t bench_warm_mib(const bench_row *row, unsigned way)
{
    uint64_t peak = 0;
    for (unsigned w = 0; w < BENCH_WAYS; w++)
        if (row->runs[w].peak_bytes > peak)
            peak = row->runs[w].peak_bytes;
    size_t mib = BENCH_WARM_FIRST_MIB;
    if (peak > 0)
        mib = (size_t)(peak >> 20) * 5 / 4 + BENCH_WARM_SPARE_MIB;
    return way == BENCH_PAIR ? 2 * mib : mib;
}

/* Runs one instance `row->rounds` times each way, warming the memory
 * before each run unless `cold`; fills the row. */
static void bench_instance(const char *binary, const char *corpus,
                           bench_row *row, bool cold)
{
    static const char *const way_names[BENCH_WAYS] = {
        "1 thread ", "2 threads", "1+1 at once"};
    row->correct = true;
    for (unsigned r = 0; r < row->rounds; r++)
        for (unsigned way = 0; way < BENCH_WAYS; way++) {
            bench_run run;
            if (way == BENCH_TWO)
                bench_measure_cores(&row->compute_scaling[r],
                                    &row->handoff_ns[r]);
            row->warm_ms_per_mib[way][r] =
                cold ? 0 : bench_memory_warm(bench_warm_mib(row, way));
            if (way == BENCH_PAIR)
                bench_run_pair(binary, corpus, row->instance, &run);
            else
                bench_run_pnsim(binary, corpus, row->instance, way + 1,
                                false, &run);
            bool right = bench_right(row, &run);
            row->correct = row->correct && right;
            row->seconds[way][r] = run.seconds;
            row->search_seconds[way][r] = run.search_seconds;
            uint64_t peak = row->runs[way].peak_bytes;
            if (run.peak_bytes < peak)
                run.peak_bytes = peak;
            run.ok = run.ok && (r == 0 || row->runs[way].ok);
            row->runs[way] = run;
            printf("%-32s %-11s %10.2f s %12llu states %8.2f M/s "
                   "%7.1f B/state %s\n", row->instance, way_names[way],
                   run.seconds, (unsigned long long)run.states,
                   bench_rate(&run) / 1e6, bench_bytes_per_state(&run),
                   right ? "ok" : "WRONG");
            fflush(stdout);
        }
    for (unsigned way = 0; way < BENCH_WAYS; way++) {
        row->runs[way].seconds = bench_median(row->seconds[way], row->rounds);
        row->runs[way].search_seconds =
            bench_median(row->search_seconds[way], row->rounds);
    }
    if (row->states >= 10000000) {
        bench_run *run = &row->tree;
        if (!cold)
            bench_memory_warm(bench_warm_mib(row, BENCH_PAIR));
        bench_run_pnsim(binary, corpus, row->instance, 2, true, run);
        bool right = bench_right(row, run);
        row->correct = row->correct && right;
        printf("%-32s tree, 2 threads %8.2f s %12llu states %7.1f "
               "B/state %s\n", row->instance, run->seconds,
               (unsigned long long)run->states, bench_bytes_per_state(run),
               right ? "ok" : "WRONG");
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    bool moonshot = argc > 1 && strcmp(argv[1], "--moonshot") == 0;
    if (moonshot) {
        argc--;
        argv++;
    }
    bool cold = argc > 1 && strcmp(argv[1], "--cold") == 0;
    if (cold) {
        argc--;
        argv++;
    }
    unsigned rounds = BENCH_ROUNDS;
    if (argc > 2 && strcmp(argv[1], "--rounds") == 0) {
        char *end;
        unsigned long value = strtoul(argv[2], &end, 10);
        if (*end != '\0' || value < 1 || value > BENCH_MAX_ROUNDS) {
            fprintf(stderr, "pnsim_bench: --rounds takes 1 to %d\n",
                    BENCH_MAX_ROUNDS);
            return 2;
        }
        rounds = (unsigned)value;
        argc -= 2;
        argv += 2;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: pnsim_bench [--moonshot] [--cold] "
                        "[--rounds N] PNSIM_BINARY OUTPUT_DIRECTORY "
                        "[INSTANCE...]\n");
        return 2;
    }
    const char *binary = argv[1], *directory = argv[2];
    const char *corpus = getenv("PNSIM_CORPUS");
    if (corpus == NULL || corpus[0] == '\0')
        corpus = "../shared/corpus";
    if (moonshot)
        return bench_moonshot(binary, directory, corpus, argv + 3,
                              (size_t)(argc - 3));

    size_t count = argc > 3 ? (size_t)(argc - 3)
                            : sizeof bench_default_instances /
                                  sizeof bench_default_instances[0];
    bench_row *rows = calloc(count, sizeof *rows);
    if (rows == NULL)
        return 2;
    int failures = 0;
    for (size_t i = 0; i < count; i++) {
        bench_row *row = &rows[i];
        row->instance = argc > 3 ? argv[3 + i] : bench_default_instances[i];
        row->rounds = rounds;
        if (!bench_read_expected(corpus, row)) {
            fprintf(stderr, "pnsim_bench: no expected figures for %s in %s\n",
                    row->instance, corpus);
            failures++;
            continue;
        }
        bench_instance(binary, corpus, row, cold);
        failures += !row->correct;
    }
    char machine[512];
    bench_machine(machine, sizeof machine);
    bench_write(directory, rows, count, machine, cold);
    free(rows);
    printf("wrote %s/results.md and %s/results.json\n", directory, directory);
    return failures ? 1 : 0;
}
