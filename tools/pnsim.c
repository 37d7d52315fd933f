/*
 * pnsim.c — the command-line entry point: dispatch to a command.
 */
#define _GNU_SOURCE   /* sched_getaffinity */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/*
 * Waiting threads.  GNU OpenMP reads how its idle threads wait only from
 * the environment (OMP_WAIT_POLICY, GOMP_SPINCOUNT), once, as it loads,
 * and by default a thread with nothing to do spins up to 300,000 times
 * (milliseconds) before it sleeps, unless the process has more threads
 * than the processors it counted then: it spins 1,000 times.  The search
 * leaves one thread waiting at every level, while the other merges,
 * grows the table or numbers new states, and on a machine whose cores
 * share their memory the spinning one slows the working one.  So, unless
 * the user chose a policy, pnsim shows GNU OpenMP a single processor
 * while it loads (the main program's .preinit_array runs before the
 * libraries' constructors), and gives the process its processors back
 * first thing in main.  The number of threads is not affected: the
 * search asks omp_get_num_procs(), which counts them anew.  Two threads,
 * medians of 9 interleaved runs (2026-12-04), without and with:
 * Kanban-PT-00005 0.237 and 0.222 s, Peterson-PT-3 0.302 and 0.267,
 * BridgeAndVehicles-PT-V20P10N10 0.648 and 0.544, Dekker-PT-020 1.691
 * and 1.610, SwimmingPool-PT-03 2.557 and 2.533; SharedMemory-PT-000010,
 * with few and large levels, 0.176 and 0.158, but 0.127 and 0.144 in
 * another series: a thread asleep takes time to wake.
 */
static cpu_set_t pnsim_processors;
static int pnsim_processors_narrowed;

/* Not under ThreadSanitizer, whose runtime starts from .preinit_array too
 * (and whose builds use LLVM's OpenMP, which reads its settings later). */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PNSIM_THREAD_SANITIZER
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define PNSIM_THREAD_SANITIZER
#endif
#ifndef PNSIM_THREAD_SANITIZER
static int pnsim_environment_sets(char **envp, const char *name)
{
    size_t length = strlen(name);
    for (char **entry = envp; entry != NULL && *entry != NULL; entry++)
        if (strncmp(*entry, name, length) == 0 && (*entry)[length] == '=')
            return 1;
    return 0;
}

static void pnsim_narrow_processors(int argc, char **argv, char **envp)
{
    (void)argc;
    (void)argv;
    if (pnsim_environment_sets(envp, "OMP_WAIT_POLICY") ||
        pnsim_environment_sets(envp, "GOMP_SPINCOUNT") ||
        sched_getaffinity(0, sizeof pnsim_processors, &pnsim_processors) != 0)
        return;
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &pnsim_processors)) {
            CPU_SET(cpu, &one);
            break;
        }
    pnsim_processors_narrowed = sched_setaffinity(0, sizeof one, &one) == 0;
}

__attribute__((section(".preinit_array"), used)) static void (
    *const pnsim_preinit)(int, char **, char **) = pnsim_narrow_processors;
#endif

static void pnsim_restore_processors(void)
{
    if (pnsim_processors_narrowed)
        (void)sched_setaffinity(0, sizeof pnsim_processors,
                                &pnsim_processors);
}

typedef struct pnsim_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} pnsim_command;

static const pnsim_command pnsim_commands[] = {
    {"check", cli_check, "check deadlock freedom and boundedness"},
    {"statespace", cli_statespace, "count states, edges and tokens"},
    {"graph", cli_graph, "draw the reachability graph (DOT, SVG, PNG)"},
    {"draw", cli_draw, "draw the net itself (DOT, SVG, PNG)"},
    {"msc", cli_msc, "draw the reported run as a message sequence chart"},
    {"info", cli_info, "size and structural facts of a model"},
    {"mcc", cli_mcc, "answer a Model Checking Contest examination"},
    {"sim", cli_sim, "simulate: random, timed, replayed or interactive runs"},
};

static void pnsim_usage(FILE *out)
{
    fprintf(out,
            "Usage: pnsim COMMAND MODEL [options]\n"
            "\n"
            "pnsim checks concurrency designs written as Petri nets (PNML) or\n"
            "CSP processes (CSPm): it explores every reachable state and proves\n"
            "the design free of deadlocks, or prints the shortest run that\n"
            "breaks it.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof pnsim_commands / sizeof pnsim_commands[0];
         i++)
        fprintf(out, "  %-12s %s\n", pnsim_commands[i].name,
                pnsim_commands[i].summary);
    fprintf(out,
            "\n"
            "'pnsim COMMAND --help' describes a command's options.\n"
            "CSP compressions: sbisim is strong bisimulation, normal (normalise,\n"
            "normalize) is normalisation; the others (wbisim, diamond, ...) are\n"
            "accepted as the identity.\n"
            "Exit status: 0 every property holds, 1 a property is violated,\n"
            "2 usage or input error, 3 inconclusive (a limit was reached).\n");
}

int main(int argc, char **argv)
{
    pnsim_restore_processors();
    if (argc < 2) {
        pnsim_usage(stderr);
        return CLI_EXIT_ERROR;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 ||
        strcmp(name, "help") == 0) {
        pnsim_usage(stdout);
        return CLI_EXIT_PASS;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("pnsim %s\n", PNSIM_VERSION);
        return CLI_EXIT_PASS;
    }
    for (size_t i = 0; i < sizeof pnsim_commands / sizeof pnsim_commands[0];
         i++)
        if (strcmp(name, pnsim_commands[i].name) == 0)
            return pnsim_commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "pnsim: unknown command '%s'\n\n", name);
    pnsim_usage(stderr);
    return CLI_EXIT_ERROR;
}
