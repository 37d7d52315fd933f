/*
 * pnsim.c — the command-line entry point: dispatch to a command.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
