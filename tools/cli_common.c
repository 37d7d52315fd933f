/*
 * cli_common.c — option parsing, model loading and reporting shared by the
 * pnsim commands (cli.h).
 */
#include "cli.h"

#include "csp/csp.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

volatile sig_atomic_t cli_interrupted = 0;

/* The --process option of the last cli_parse_options() call, for
 * cli_load_model(). */
static const char *cli_process_option = NULL;

/* --shared of the last cli_parse_options() call: places cli_load_model()
 * declares shared, as <shared/> would. */
static const char *cli_shared_option = NULL;

/* ---- options ---------------------------------------------------------- */

int cli_usage_error(const char *command, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "pnsim %s: ", command);
    vfprintf(stderr, format, arguments);
    fprintf(stderr, "\nTry 'pnsim %s --help'.\n", command);
    va_end(arguments);
    return CLI_EXIT_ERROR;
}

int cli_parse_count(const char *text, uint64_t *value)
{
    if (text == NULL || !isdigit((unsigned char)text[0]))
        return -1;
    char *end;
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *value = parsed;
    return 0;
}

int cli_parse_bytes(const char *text, uint64_t *bytes)
{
    if (!isdigit((unsigned char)text[0]))
        return -1;
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno != 0 || value < 0)
        return -1;
    double scale = 1;
    switch (toupper((unsigned char)*end)) {
    case '\0': break;
    case 'K': scale = 1024.0; end++; break;
    case 'M': scale = 1024.0 * 1024; end++; break;
    case 'G': scale = 1024.0 * 1024 * 1024; end++; break;
    case 'T': scale = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: return -1;
    }
    /* Accept "M", "MB" and "MiB" alike. */
    if (toupper((unsigned char)end[0]) == 'I' &&
        toupper((unsigned char)end[1]) == 'B')
        end += 2;
    else if (toupper((unsigned char)end[0]) == 'B')
        end++;
    if (*end != '\0' || value * scale >= 1.8e19)
        return -1;
    *bytes = (uint64_t)(value * scale);
    return 0;
}

/* Splits "--name=value" or takes the next argument as the value. */
static const char *cli_option_value(int argc, char **argv, int *index,
                                    const char *equals)
{
    if (equals != NULL)
        return equals + 1;
    if (*index + 1 >= argc)
        return NULL;
    return argv[++*index];
}

int cli_parse_options(int argc, char **argv, unsigned accepted,
                      const char *help, cli_options *options)
{
    return cli_parse_options_with(argc, argv, accepted, help, options, NULL,
                                  NULL);
}

int cli_parse_options_with(int argc, char **argv, unsigned accepted,
                           const char *help, cli_options *options,
                           cli_option_handler handler, void *context)
{
    const char *command = argv[0];
    memset(options, 0, sizeof *options);
    options->max_nodes = 2000;
    bool options_done = false;

    for (int i = 1; i < argc; i++) {
        const char *argument = argv[i];
        if (options_done || argument[0] != '-' || strcmp(argument, "-") == 0) {
            if (options->model_path == NULL)
                options->model_path = argument;
            else if ((accepted & CLI_TAKES_TWO_ARGUMENTS) &&
                     options->extra_argument == NULL)
                options->extra_argument = argument;
            else
                return cli_usage_error(command, "unexpected argument '%s'",
                                       argument);
            continue;
        }
        if (strcmp(argument, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strcmp(argument, "-h") == 0 || strcmp(argument, "--help") == 0) {
            fputs(help, stdout);
            return CLI_EXIT_PASS;
        }

        /* Options of the form --name or --name=value. */
        char name[64];
        const char *equals = strchr(argument, '=');
        size_t name_length = equals ? (size_t)(equals - argument)
                                    : strlen(argument);
        if (name_length >= sizeof name)
            return cli_usage_error(command, "unknown option '%s'", argument);
        memcpy(name, argument, name_length);
        name[name_length] = '\0';

        bool explore = accepted & CLI_TAKES_EXPLORE;
        bool budget = accepted & CLI_TAKES_BUDGET;
        const char *value = NULL;
        if ((accepted & CLI_TAKES_JSON) && strcmp(name, "--json") == 0 &&
            equals == NULL) {
            options->json = true;
        } else if ((accepted & CLI_TAKES_STOP) &&
                   strcmp(name, "--stop-at-first") == 0 && equals == NULL) {
            options->stop_at_first = true;
        } else if (explore && strcmp(name, "--progress") == 0 &&
                   equals == NULL) {
            options->progress = true;
        } else if (explore && strcmp(name, "--tree-compression") == 0 &&
                   equals == NULL) {
            options->tree_compression = true;
        } else if (budget && strcmp(name, "--max-states") == 0) {
            value = cli_option_value(argc, argv, &i, equals);
            if (value == NULL || cli_parse_count(value, &options->max_states))
                return cli_usage_error(command,
                                       "--max-states needs a whole number");
        } else if (budget && strcmp(name, "--max-memory") == 0) {
            value = cli_option_value(argc, argv, &i, equals);
            if (value == NULL || cli_parse_bytes(value, &options->max_memory) ||
                options->max_memory == 0)
                return cli_usage_error(command,
                                       "--max-memory needs a size such as "
                                       "512M or 4G");
        } else if (budget && strcmp(name, "--time-limit") == 0) {
            value = cli_option_value(argc, argv, &i, equals);
            char *end = NULL;
            if (value != NULL)
                options->time_limit = strtod(value, &end);
            if (value == NULL || end == value || *end != '\0' ||
                !(options->time_limit > 0) || options->time_limit > 1e9)
                return cli_usage_error(command,
                                       "--time-limit needs a positive number "
                                       "of seconds");
        } else if (explore && strcmp(name, "--threads") == 0) {
            uint64_t threads = 0;
            value = cli_option_value(argc, argv, &i, equals);
            if (value == NULL || cli_parse_count(value, &threads) ||
                threads == 0 || threads > 1024)
                return cli_usage_error(command,
                                       "--threads needs a number from 1 to "
                                       "1024");
            options->threads = (unsigned)threads;
        } else if (explore && strcmp(name, "--assert") == 0) {
            value = cli_option_value(argc, argv, &i, equals);
            if (value == NULL || cli_parse_count(value, &options->assertion) ||
                options->assertion == 0)
                return cli_usage_error(command,
                                       "--assert needs an assertion number "
                                       "(1 for the first)");
        } else if ((accepted & CLI_TAKES_PROCESS) &&
                   strcmp(name, "--process") == 0) {
            options->process = cli_option_value(argc, argv, &i, equals);
            if (options->process == NULL)
                return cli_usage_error(command, "--process needs a process, "
                                       "e.g. SYSTEM or \"PHIL(0)\"");
        } else if ((accepted & CLI_TAKES_FINAL) &&
                   strcmp(name, "--final") == 0) {
            options->final = cli_option_value(argc, argv, &i, equals);
            if (options->final == NULL)
                return cli_usage_error(command, "--final needs conditions "
                                       "such as \"done==1\"");
        } else if ((accepted & CLI_TAKES_SHARED) &&
                   strcmp(name, "--shared") == 0) {
            options->shared = cli_option_value(argc, argv, &i, equals);
            if (options->shared == NULL || options->shared[0] == '\0')
                return cli_usage_error(command, "--shared needs place names "
                                       "such as \"counter,cache\"");
        } else if ((accepted & CLI_TAKES_OUTPUT) &&
                   (strcmp(name, "-o") == 0 || strcmp(name, "--output") == 0)) {
            options->output_path = cli_option_value(argc, argv, &i, equals);
            if (options->output_path == NULL)
                return cli_usage_error(command, "%s needs a file name", name);
        } else if ((accepted & CLI_TAKES_MAX_NODES) &&
                   strcmp(name, "--max-nodes") == 0) {
            value = cli_option_value(argc, argv, &i, equals);
            if (value == NULL || cli_parse_count(value, &options->max_nodes) ||
                options->max_nodes == 0)
                return cli_usage_error(command,
                                       "--max-nodes needs a positive whole "
                                       "number");
        } else {
            int taken = CLI_OPTION_UNKNOWN;
            if (handler != NULL) {
                value = equals ? equals + 1 : i + 1 < argc ? argv[i + 1] : NULL;
                taken = handler(context, name, value, equals != NULL);
            }
            if (taken == CLI_OPTION_FAILED)
                return CLI_EXIT_ERROR;
            if (taken == CLI_OPTION_UNKNOWN ||
                (taken == CLI_OPTION_FLAG && equals != NULL))
                return cli_usage_error(command, "unknown option '%s'",
                                       argument);
            if (taken == CLI_OPTION_VALUE && equals == NULL)
                i++;
        }
    }

    cli_process_option = options->process;
    cli_shared_option = options->shared;
    if (options->model_path == NULL)
        return cli_usage_error(command, "no model given");
    if ((accepted & CLI_TAKES_TWO_ARGUMENTS) && options->extra_argument == NULL)
        return cli_usage_error(command, "two arguments are needed");
    if ((accepted & CLI_TAKES_OUTPUT) && options->output_path == NULL)
        return cli_usage_error(command, "no output file given (-o FILE)");
    return -1;
}

/* ---- models ----------------------------------------------------------- */

static bool cli_has_extension(const char *path, const char *extension)
{
    size_t length = strlen(path), extension_length = strlen(extension);
    return length >= extension_length &&
           strcasecmp(path + length - extension_length, extension) == 0;
}

bool cli_is_csp(const char *path)
{
    return cli_has_extension(path, ".csp") || cli_has_extension(path, ".cspm") ||
           cli_has_extension(path, ".fdr2");
}

/* Marks the places of a comma-separated list (ids or names) shared. */
static pnsim_status cli_mark_shared(pn_net *net, const char *list,
                                    pnsim_error *error)
{
    for (const char *at = list; at != NULL && *at != '\0';) {
        const char *comma = strchr(at, ',');
        size_t length = comma != NULL ? (size_t)(comma - at) : strlen(at);
        char name[256];
        if (length >= sizeof name)
            length = sizeof name - 1;
        memcpy(name, at, length);
        name[length] = '\0';
        if (length > 0) {
            long place = pn_net_find_place(net, name);
            if (place < 0)
                return pnsim_error_set(error, PNSIM_ERR_USAGE,
                                       "--shared: no place named '%s'", name);
            net->places[place].shared = true;
        }
        at = comma != NULL ? comma + 1 : NULL;
    }
    return PNSIM_OK;
}

int cli_load_model(const char *path, cli_model *loaded)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    memset(loaded, 0, sizeof *loaded);

    if (cli_is_csp(path)) {
        csp_script *script = csp_load(path, &error);
        if (script == NULL)
            return cli_report_error(&error, CLI_EXIT_ERROR);
        const char *process = cli_process_option != NULL
                                  ? cli_process_option
                                  : csp_default_process(script);
        if (process == NULL) {
            pnsim_error_set_at(&error, PNSIM_ERR_USAGE, path, 0, 0,
                               "no process to show: name one with --process");
            csp_free(script);
            return cli_report_error(&error, CLI_EXIT_ERROR);
        }
        loaded->model = csp_process_model(script, process, NULL, &error);
        csp_free(script);
        if (loaded->model == NULL)
            return cli_report_error(&error,
                                    csp_failure_of(&error) == CSP_FAILURE_LIMIT
                                        ? CLI_EXIT_INCONCLUSIVE : CLI_EXIT_ERROR);
        return 0;
    }
    /* Everything else is read as PNML: the reader says clearly when the
     * file is not PNML. */
    loaded->net = pnml_read(path, &error);
    if (loaded->net == NULL)
        return cli_report_error(&error, CLI_EXIT_ERROR);
    if (cli_mark_shared(loaded->net, cli_shared_option, &error) != PNSIM_OK) {
        pn_net_free(loaded->net);
        loaded->net = NULL;
        return cli_report_error(&error, CLI_EXIT_ERROR);
    }
    loaded->model = pn_net_model(loaded->net, &error);
    if (loaded->model == NULL) {
        pn_net_free(loaded->net);
        loaded->net = NULL;
        return cli_report_error(&error, CLI_EXIT_ERROR);
    }
    return 0;
}

void cli_unload_model(cli_model *loaded)
{
    model_destroy(loaded->model);
    pn_net_free(loaded->net);
    memset(loaded, 0, sizeof *loaded);
}

int cli_load_model_and_final(const cli_options *options, cli_model *loaded,
                             state_predicate **final)
{
    *final = NULL;
    int code = cli_load_model(options->model_path, loaded);
    if (code != 0)
        return code;
    if (options->final == NULL)
        return 0;
    pnsim_error error;
    *final = state_predicate_parse(options->final, loaded->model, &error);
    if (*final != NULL)
        return 0;
    cli_unload_model(loaded);
    return cli_report_error(&error, CLI_EXIT_ERROR);
}

int cli_report_error(const pnsim_error *error, int code)
{
    char message[2048];
    fprintf(stderr, "pnsim: %s\n",
            pnsim_error_format(error, message, sizeof message));
    return code;
}

/* ---- exploration ------------------------------------------------------ */

static void cli_on_signal(int signal_number)
{
    (void)signal_number;
    cli_interrupted = 1;
}

/* Most of the memory still free: the default budget of the state store. */
static uint64_t cli_default_memory_budget(void)
{
    long pages = sysconf(_SC_AVPHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0)
        return (uint64_t)1 << 30;
    return (uint64_t)pages * (uint64_t)page_size / 10 * 8;
}

/* True while a progress line stands on the terminal unfinished. */
static bool cli_progress_shown = false;

/* Once a second on stderr: on a terminal the line is rewritten in place. */
static void cli_on_progress(void *context, const explore_progress *progress)
{
    bool terminal = context != NULL;
    cli_progress_shown = terminal;
    double rate = progress->seconds > 0
                      ? (double)progress->states / progress->seconds : 0;
    fprintf(stderr,
            "%spnsim: %llu states (%.2f M/s), %llu edges, level %llu, "
            "frontier %llu, store %.1f MiB, %.0f s%s",
            terminal ? "\r" : "", (unsigned long long)progress->states,
            rate / 1e6, (unsigned long long)progress->edges,
            (unsigned long long)progress->levels,
            (unsigned long long)progress->frontier,
            (double)progress->store_bytes / (1 << 20), progress->seconds,
            terminal ? "\033[K" : "\n");
    fflush(stderr);
}

void cli_explore_options(const cli_options *options, explore_options *explore)
{
    explore_options_init(explore);
    explore->max_states = options->max_states;
    explore->max_memory = options->max_memory ? options->max_memory
                                              : cli_default_memory_budget();
    explore->time_limit = options->time_limit;
    explore->threads = options->threads;
    explore->tree_compression = options->tree_compression;
    explore->stop_at_deadlock = options->stop_at_first;
    explore->interrupt = &cli_interrupted;
    /* Progress: asked for, or on a terminal when no JSON is printed. */
    bool terminal = isatty(STDERR_FILENO);
    if (options->progress || (terminal && !options->json)) {
        explore->on_progress = cli_on_progress;
        explore->progress_context = terminal ? (void *)explore : NULL;
    }

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = cli_on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

void cli_progress_done(void)
{
    if (cli_progress_shown)
        fputs("\r\033[K", stderr);
    cli_progress_shown = false;
}

uint64_t cli_peak_memory(void)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return 0;
    return (uint64_t)usage.ru_maxrss * 1024;
}

void cli_print_state(FILE *out, const model *model, const model_value *state)
{
    bool any = false;
    for (size_t i = 0; i < model->state_length; i++) {
        if (model->slot_kind == MODEL_SLOT_TOKENS && state[i] == 0)
            continue;
        fputs(any ? ", " : "", out);
        any = true;
        if (model->slot_kind == MODEL_SLOT_TOKENS && state[i] == 1)
            fputs(model->slot_names[i], out);
        else
            fprintf(out, "%s=%llu", model->slot_names[i],
                    (unsigned long long)state[i]);
    }
    if (!any)
        fputs("(empty)", out);
}
