/*
 * cli.h — what the pnsim commands share: options, model loading, reports.
 *
 * Every command is a function `int cli_NAME(int argc, char **argv)` that
 * returns the process exit code:
 *
 *   0  every property holds (or the command did what it was asked)
 *   1  a property is violated
 *   2  usage or input error (bad option, unreadable or malformed model)
 *   3  inconclusive: a limit (--max-states, --max-memory, --time-limit) or
 *      Ctrl-C ended the run before a verdict; statistics so far are shown
 *
 * Only this directory prints or exits; the library below reports errors as
 * values (engine/error.h).
 */
#ifndef PNSIM_CLI_H
#define PNSIM_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "explore.h"
#include "model.h"
#include "pnml/pn_net.h"

enum {
    CLI_EXIT_PASS = 0,
    CLI_EXIT_FAIL = 1,
    CLI_EXIT_ERROR = 2,
    CLI_EXIT_INCONCLUSIVE = 3
};

/* Options common to the commands; each command accepts the subset its
 * help lists. */
typedef struct cli_options {
    const char *model_path;      /* the one positional argument */
    const char *extra_argument;  /* a second positional one (mcc) */
    const char *output_path;     /* -o */
    const char *final;           /* --final */
    const char *shared;          /* --shared NAME,... */
    bool json;
    bool stop_at_first;          /* --stop-at-first */
    bool progress;
    bool tree_compression;       /* --tree-compression */
    uint64_t max_states;         /* 0: none */
    uint64_t max_memory;         /* bytes; 0: the default budget */
    double time_limit;           /* seconds; 0: none */
    uint64_t max_nodes;          /* graph */
    unsigned threads;            /* 0: all cores */
    uint64_t assertion;          /* --assert N (CSP): 1-based; 0: all */
    const char *process;         /* --process EXPR (CSP): the process to
                                    load; NULL: the script's default */
} cli_options;

/* Which options a command takes, as bits. */
enum {
    CLI_TAKES_EXPLORE = 1 << 0,  /* --threads, --progress, --assert N */
    CLI_TAKES_JSON = 1 << 1,
    CLI_TAKES_FINAL = 1 << 2,
    CLI_TAKES_OUTPUT = 1 << 3,   /* -o FILE */
    CLI_TAKES_MAX_NODES = 1 << 4,
    CLI_TAKES_STOP = 1 << 5,     /* --stop-at-first */
    CLI_TAKES_TWO_ARGUMENTS = 1 << 6,
    CLI_TAKES_SHARED = 1 << 7,   /* --shared NAME,...: places that
                                    cli_load_model() declares shared */
    CLI_TAKES_BUDGET = 1 << 8,   /* --max-states, --max-memory, --time-limit */
    CLI_TAKES_PROCESS = 1 << 9,  /* --process EXPR (CSP) */
    CLI_TAKES_LIMITS = CLI_TAKES_EXPLORE | CLI_TAKES_BUDGET | CLI_TAKES_PROCESS
};

/*
 * cli_load_model() uses the --process of the last cli_parse_options() call.
 *
 * Parses argv (argv[0] is the command name) into `options`.  Returns -1 when
 * the command should go on, or an exit code: 0 after printing `help` for
 * -h/--help, 2 after printing a usage error.
 */
int cli_parse_options(int argc, char **argv, unsigned accepted,
                      const char *help, cli_options *options);

/* A command's own options, beside the common ones.  Called for an option
 * cli_parse_options_with() does not know, with its `name` ("--runs") and
 * `value`: the text after '=' (`has_equals`), else the next argument (NULL
 * when there is none).  Returns CLI_OPTION_FLAG (it took no value),
 * CLI_OPTION_VALUE (it took `value`), CLI_OPTION_UNKNOWN, or
 * CLI_OPTION_FAILED after printing a usage error (cli_usage_error). */
enum {
    CLI_OPTION_FLAG,
    CLI_OPTION_VALUE,
    CLI_OPTION_UNKNOWN,
    CLI_OPTION_FAILED
};
typedef int (*cli_option_handler)(void *context, const char *name,
                                  const char *value, bool has_equals);

/* cli_parse_options() with a handler for the command's own options. */
int cli_parse_options_with(int argc, char **argv, unsigned accepted,
                           const char *help, cli_options *options,
                           cli_option_handler handler, void *context);

/* Prints "pnsim COMMAND: message" and a pointer to --help on stderr;
 * returns 2 (CLI_EXIT_ERROR). */
int cli_usage_error(const char *command, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Parses a whole number of at least 0 ("12"); returns 0, or -1 when `text`
 * is not one. */
int cli_parse_count(const char *text, uint64_t *value);

/* A loaded model: the model interface, and the net behind it when the input
 * is a Petri net (for draw and info). */
typedef struct cli_model {
    model *model;
    pn_net *net;                 /* NULL for other formats */
} cli_model;

/* Loads the model at `path`, choosing the front end by extension (.csp:
 * the LTS of the --process option, or of the script's default process).
 * Returns 0, or prints the error and returns 2 (3 when a CSP process hit a
 * state limit). */
int cli_load_model(const char *path, cli_model *loaded);
void cli_unload_model(cli_model *loaded);

/* Loads the model and parses --final against it (NULL when not given).
 * Returns 0, or prints the error, releases what was loaded and returns the
 * exit code (2; 3 when a CSP process hit a state limit).
 * The caller frees *final with state_predicate_free. */
int cli_load_model_and_final(const cli_options *options, cli_model *loaded,
                             state_predicate **final);

/* Prints "pnsim: file:line:column: message" to stderr and returns `code`. */
int cli_report_error(const pnsim_error *error, int code);

/* Fills explore options from the command-line options: limits, threads,
 * the interrupt flag (SIGINT, SIGTERM) and the default memory budget. */
void cli_explore_options(const cli_options *options, explore_options *explore);

/* The flag SIGINT and SIGTERM raise once cli_explore_options installed the
 * handlers. */
extern volatile sig_atomic_t cli_interrupted;

/* Clears a progress line left on the terminal, before the report. */
void cli_progress_done(void);

/* Peak resident memory of this process, in bytes. */
uint64_t cli_peak_memory(void);

/* Writes a state compactly: for token slots the non-zero ones as "p" or
 * "p=3" separated by ", " ("(empty)" when none); for control slots
 * "name=value" for every slot. */
void cli_print_state(FILE *out, const model *model, const model_value *state);

/* Parses a byte count with an optional K, M, G or T suffix (powers of 1024);
 * returns 0 on success. */
int cli_parse_bytes(const char *text, uint64_t *bytes);

/* The commands. */
int cli_check(int argc, char **argv);
int cli_statespace(int argc, char **argv);
int cli_graph(int argc, char **argv);
int cli_draw(int argc, char **argv);
int cli_msc(int argc, char **argv);
int cli_info(int argc, char **argv);
int cli_mcc(int argc, char **argv);

/* `pnsim check SCRIPT.csp`: checks the script's assertions (cmd_check_csp.c);
 * cli_check calls it for .csp models after parsing the options. */
int cli_check_csp(const cli_options *options);

/* True when `path` names a CSPm script (.csp, .cspm, .fdr2). */
bool cli_is_csp(const char *path);

/* Loads the CSPm script options->model_path and the range [*first, *last)
 * of assertions --assert selects (all of them without it).  Returns the
 * script (the caller frees it with csp_free), or NULL after printing the
 * error. */
struct csp_script *cli_load_csp_assertions(const cli_options *options,
                                           size_t *first, size_t *last);
int cli_sim(int argc, char **argv);

#endif
