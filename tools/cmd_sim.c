/*
 * cmd_sim.c — `pnsim sim MODEL`: random runs, timed simulation, replay of a
 * saved trace, and (in sim_interactive.c) the interactive token game.
 *
 * The command is a thin layer over engine/simulate.h: beside the common
 * options (cli.h) it takes its own (sim_option), streams each run as the
 * engine finishes it through the run hook — so a batch of a million runs
 * needs no memory for their traces — and then prints the statistics.
 *
 * Replay reads the counterexample `pnsim check --json` writes (the first
 * property that has a "trace"), a trace saved by the interactive game or
 * the first run of `pnsim sim --json`, and fires its steps one by one
 * against the model, stopping at the first step that is not enabled or
 * does not reach the recorded state.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_report.h"
#include "json.h"
#include "sim.h"
#include "simulate.h"
#include "support.h"

static const char sim_help[] =
    "Usage: pnsim sim MODEL [options]\n"
    "       pnsim sim --interactive MODEL\n"
    "       pnsim sim --replay TRACE.json MODEL\n"
    "\n"
    "Random runs of MODEL: each step picks one enabled transition uniformly\n"
    "at random; a run ends in a dead state or after --steps steps.  Prints\n"
    "each run and statistics: firings per transition, deadlocked runs and\n"
    "after how many steps, the distinct end states.\n"
    "\n"
    "With --timed the net is a generalised stochastic Petri net: each\n"
    "transition fires after an exponential delay with its <rate> (default 1;\n"
    "inf: immediate, fires first in zero time).  Adds estimates with 95%\n"
    "confidence intervals over the runs: throughput of each transition,\n"
    "mean tokens per place, time to absorption (reaching a dead state).\n"
    "\n"
    "Options:\n"
    "  --runs N           number of runs (default 1)\n"
    "  --steps K          at most K steps per run (default 1000; timed runs:\n"
    "                     no bound when --until is given, else 1000000)\n"
    "  --seed S           seed of the random choices (default 1): the same\n"
    "                     seed gives the same runs on every machine\n"
    "  --timed            timed (stochastic) simulation\n"
    "  --until T          timed: end each run at time T\n"
    "  --final COND       intended final states, e.g. \"done==1\" (==, >=, <=)\n"
    "  --process EXPR     CSP scripts: the process to simulate\n"
    "  --quiet            statistics only, no per-run traces\n"
    "  --max-states N     end the batch once its runs have visited N states\n"
    "  --max-memory SIZE  end the batch once pnsim holds SIZE (512M, 4G)\n"
    "  --time-limit SEC   end the batch after SEC seconds\n"
    "  --json             print one JSON object instead of the report\n"
    "  --interactive      play the token game: fire transitions by hand\n"
    "  --replay FILE      replay a trace from `pnsim check --json` or `save`\n"
    "                     (prints each step; --quiet: only the outcome)\n"
    "\n"
    "Progress (runs done, runs/s) goes to stderr when it is a terminal.\n"
    "Exit status: 0 done (replay: the trace fits the model), 1 the replayed\n"
    "trace does not fit, 2 bad input, 3 interrupted (statistics so far).\n";

typedef struct sim_arguments {
    cli_options common;         /* model_path, final, json and the budget:
                                   max_states, max_memory (0: none) and
                                   time_limit */
    const char *replay_path;
    uint64_t runs;
    uint64_t steps;
    bool steps_given;
    uint64_t seed;
    bool timed;
    double until;
    bool quiet;
    bool interactive;
} sim_arguments;

/* ---- options ---------------------------------------------------------- */

/* The options only sim has (cli_option_handler). */
static int sim_option(void *context, const char *name, const char *value,
                      bool has_equals)
{
    sim_arguments *arguments = context;
    (void)has_equals;
    if (strcmp(name, "--quiet") == 0) {
        arguments->quiet = true;
        return CLI_OPTION_FLAG;
    }
    if (strcmp(name, "--timed") == 0) {
        arguments->timed = true;
        return CLI_OPTION_FLAG;
    }
    if (strcmp(name, "--interactive") == 0) {
        arguments->interactive = true;
        return CLI_OPTION_FLAG;
    }
    if (strcmp(name, "--runs") == 0 || strcmp(name, "--steps") == 0) {
        uint64_t *count = name[2] == 'r' ? &arguments->runs : &arguments->steps;
        if (cli_parse_count(value, count) != 0 || *count == 0) {
            cli_usage_error("sim", "%s needs a positive whole number", name);
            return CLI_OPTION_FAILED;
        }
        arguments->steps_given |= name[2] == 's';
        return CLI_OPTION_VALUE;
    }
    if (strcmp(name, "--seed") == 0) {
        if (cli_parse_count(value, &arguments->seed) != 0) {
            cli_usage_error("sim", "%s needs a whole number", name);
            return CLI_OPTION_FAILED;
        }
        return CLI_OPTION_VALUE;
    }
    if (strcmp(name, "--until") == 0) {
        char *end = NULL;
        if (value != NULL)
            arguments->until = strtod(value, &end);
        if (value == NULL || end == value || *end != '\0' ||
            !(arguments->until > 0) || !isfinite(arguments->until)) {
            cli_usage_error("sim", "%s needs a positive time", name);
            return CLI_OPTION_FAILED;
        }
        return CLI_OPTION_VALUE;
    }
    if (strcmp(name, "--replay") == 0) {
        if (value == NULL) {
            cli_usage_error("sim", "%s needs a trace file", name);
            return CLI_OPTION_FAILED;
        }
        arguments->replay_path = value;
        return CLI_OPTION_VALUE;
    }
    return CLI_OPTION_UNKNOWN;
}

/* Returns -1 to go on, or an exit code. */
static int sim_parse_arguments(int argc, char **argv, sim_arguments *arguments)
{
    memset(arguments, 0, sizeof *arguments);
    arguments->runs = 1;
    arguments->steps = 1000;
    arguments->seed = 1;
    arguments->until = INFINITY;
    int code = cli_parse_options_with(
        argc, argv,
        CLI_TAKES_BUDGET | CLI_TAKES_PROCESS | CLI_TAKES_JSON | CLI_TAKES_FINAL,
        sim_help, &arguments->common, sim_option, arguments);
    if (code >= 0)
        return code;
    if (arguments->interactive && arguments->replay_path != NULL)
        return cli_usage_error("sim", "%s", "--interactive and --replay "
                               "exclude each other");
    if (isfinite(arguments->until) && !arguments->timed)
        return cli_usage_error("sim", "%s", "--until needs --timed");
    if (arguments->timed && !arguments->steps_given)
        arguments->steps = isfinite(arguments->until) ? 0 : 1000000;
    return -1;
}

/* ---- traces: printing and saving -------------------------------------- */

void sim_print_trace(FILE *out, const model *model,
                     const simulate_trace *trace, bool times)
{
    int width = 9;   /* "(initial)" */
    for (size_t i = 0; i < trace->length; i++) {
        int length = (int)strlen(model->transitions[trace->transitions[i]].name);
        if (length > width)
            width = length;
    }
    for (size_t i = 0; i <= trace->length; i++) {
        fprintf(out, "  %4zu  ", i);
        if (times)
            fprintf(out, "t=%-10.4f  ", trace->times[i]);
        fprintf(out, "%-*s  ", width,
                i == 0 ? "(initial)"
                       : model->transitions[trace->transitions[i - 1]].name);
        cli_print_state(out, model, simulate_trace_state(trace, i));
        fputc('\n', out);
    }
}

void sim_write_trace_members(json_writer *json, const model *model,
                             const simulate_trace *trace, bool times)
{
    const char *state_key = model->slot_kind == MODEL_SLOT_TOKENS ? "marking"
                                                                  : "state";
    json_key(json, "initial");
    cli_report_state_json(json, model, simulate_trace_state(trace, 0));
    json_key(json, "trace");
    json_begin_array(json);
    for (size_t i = 0; i < trace->length; i++) {
        json_begin_object(json);
        json_key(json, "transition");
        json_string(json, model->transitions[trace->transitions[i]].name);
        if (times) {
            json_key(json, "time");
            json_double(json, trace->times[i + 1]);
        }
        json_key(json, state_key);
        cli_report_state_json(json, model, simulate_trace_state(trace, i + 1));
        json_end_object(json);
    }
    json_end_array(json);
    json_key(json, "state");
    cli_report_state_json(json, model, simulate_trace_last(trace));
}

void sim_write_trace_json(json_writer *json, const model *model,
                          const char *model_path, const simulate_trace *trace,
                          bool times)
{
    json_begin_object(json);
    json_key(json, "model");
    json_string(json, model_path);
    json_key(json, "name");
    json_string(json, model->name);
    json_key(json, "format");
    json_string(json, model->format);
    sim_write_trace_members(json, model, trace, times);
    json_end_object(json);
}

pnsim_status sim_save_trace(const char *path, const model *model,
                            const char *model_path,
                            const simulate_trace *trace, pnsim_error *error)
{
    FILE *out = fopen(path, "w");
    if (out == NULL)
        return pnsim_error_set_at(error, PNSIM_ERR_IO, path, 0, 0,
                                  "cannot write: %s", strerror(errno));
    json_writer json;
    json_writer_init(&json, out, JSON_WRITE_PRETTY);
    sim_write_trace_json(&json, model, model_path, trace, false);
    pnsim_status status = json_writer_finish(&json, error);
    if (fclose(out) != 0 && status == PNSIM_OK)
        status = pnsim_error_set_at(error, PNSIM_ERR_IO, path, 0, 0,
                                    "cannot write: %s", strerror(errno));
    return status;
}

/* ---- batches ---------------------------------------------------------- */

/* Why a batch ended before its runs were done: NULL for a signal, else a
 * limit ("time limit reached (--time-limit 2)"). */
static char sim_stop_reason[128];
/* Raised by SIGALRM at --time-limit, beside cli_interrupted, so that a
 * run in progress stops too. */
static volatile sig_atomic_t sim_time_up = 0;

typedef struct sim_batch {
    const sim_arguments *arguments;
    uint64_t states;            /* visited by the runs so far */
    const model *model;
    json_writer *json;          /* NULL: text */
    bool progress;              /* stderr is a terminal */
    bool progress_shown;
    double started, last_progress;
} sim_batch;

static void sim_progress_clear(sim_batch *batch)
{
    if (batch->progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        batch->progress_shown = false;
    }
}

static int sim_on_run(void *context, const simulate_run_info *info)
{
    sim_batch *batch = context;
    const model *model = batch->model;
    bool timed = batch->arguments->timed;

    if (info->trace != NULL) {
        sim_progress_clear(batch);
        if (batch->json != NULL) {
            json_writer *json = batch->json;
            json_begin_object(json);
            json_key(json, "run");
            json_uint(json, info->run + 1);
            json_key(json, "end");
            json_string(json, simulate_end_name(info->end));
            json_key(json, "steps");
            json_uint(json, info->steps);
            if (timed) {
                json_key(json, "time");
                json_double(json, info->time);
            }
            sim_write_trace_members(json, model, info->trace, timed);
            json_end_object(json);
        } else {
            printf("Run %" PRIu64 ": %s after %" PRIu64 " step%s", info->run + 1,
                   simulate_end_name(info->end), info->steps,
                   info->steps == 1 ? "" : "s");
            if (timed)
                printf(", time %.6g", info->time);
            printf("\n");
            sim_print_trace(stdout, model, info->trace, timed);
            printf("\n");
        }
    }

    if (batch->progress) {
        double now = support_now();
        if (now - batch->last_progress >= 0.25 &&
            now - batch->started >= 0.5) {
            double elapsed = now - batch->started;
            fprintf(stderr, "\r\033[Kpnsim sim: %" PRIu64 "/%" PRIu64
                    " runs, %.0f runs/s", info->run + 1,
                    batch->arguments->runs,
                    (double)(info->run + 1) / elapsed);
            fflush(stderr);
            batch->progress_shown = true;
            batch->last_progress = now;
        }
    }

    /* Limits, checked between runs; --time-limit also stops a run. */
    const sim_arguments *arguments = batch->arguments;
    batch->states += info->steps + 1;
    if (arguments->common.max_states != 0 && batch->states >= arguments->common.max_states) {
        snprintf(sim_stop_reason, sizeof sim_stop_reason,
                 "state limit reached (--max-states %" PRIu64 ")",
                 arguments->common.max_states);
        return 1;
    }
    if (arguments->common.max_memory != 0 &&
        cli_peak_memory() >= arguments->common.max_memory) {
        snprintf(sim_stop_reason, sizeof sim_stop_reason,
                 "memory limit reached (--max-memory %.1f MiB)",
                 (double)arguments->common.max_memory / (1 << 20));
        return 1;
    }
    if (arguments->common.time_limit > 0 &&
        (sim_time_up || support_now() - batch->started >= arguments->common.time_limit)) {
        snprintf(sim_stop_reason, sizeof sim_stop_reason,
                 "time limit reached (--time-limit %g)",
                 arguments->common.time_limit);
        return 1;
    }
    return 0;
}

static void sim_print_estimate(const simulate_estimate *estimate)
{
    if (estimate->samples == 0)
        printf("n/a");
    else if (isinf(estimate->half_width))
        printf("%.6g (one sample, no interval)", estimate->mean);
    else
        printf("%.6g ± %.3g", estimate->mean, estimate->half_width);
}

static void sim_estimate_json(json_writer *json,
                              const simulate_estimate *estimate)
{
    json_begin_object(json);
    json_key(json, "mean");
    json_double(json, estimate->samples ? estimate->mean : NAN);
    json_key(json, "low");
    json_double(json, estimate->mean - estimate->half_width);
    json_key(json, "high");
    json_double(json, estimate->mean + estimate->half_width);
    json_key(json, "samples");
    json_uint(json, estimate->samples);
    json_end_object(json);
}

static int sim_name_width(const model *model, bool slots)
{
    size_t count = slots ? model->state_length : model->transition_count;
    int width = 4;
    for (size_t i = 0; i < count; i++) {
        int length = (int)strlen(slots ? model->slot_names[i]
                                       : model->transitions[i].name);
        if (length > width)
            width = length;
    }
    return width;
}

/* At most this many distinct end states are listed in the text report. */
#define SIM_END_STATES_SHOWN 10

static void sim_print_stats(const sim_arguments *arguments, const model *model,
                            const simulate_stats *stats)
{
    printf("Statistics over %" PRIu64 " run%s (seed %" PRIu64 "):\n",
           stats->runs, stats->runs == 1 ? "" : "s", arguments->seed);
    if (stats->stopped && sim_stop_reason[0] != '\0')
        printf("  stopped after %" PRIu64 " of %" PRIu64 " runs: %s\n",
               stats->runs, arguments->runs, sim_stop_reason);
    else if (stats->stopped)
        printf("  interrupted after %" PRIu64 " of %" PRIu64 " runs\n",
               stats->runs, arguments->runs);
    printf("  ended: %" PRIu64 " deadlocked, %" PRIu64 " final, %" PRIu64
           " at the step bound", stats->ended[SIMULATE_END_DEADLOCK],
           stats->ended[SIMULATE_END_FINAL], stats->ended[SIMULATE_END_STEPS]);
    if (stats->timed)
        printf(", %" PRIu64 " at the time bound",
               stats->ended[SIMULATE_END_TIME]);
    printf("\n");
    if (stats->ended[SIMULATE_END_DEADLOCK] > 0)
        printf("  deadlocked after %" PRIu64 " to %" PRIu64
               " steps (mean %.2f)\n", stats->deadlock_steps_min,
               stats->deadlock_steps_max, stats->deadlock_steps_mean);
    printf("  steps: %" PRIu64 " in all, %.2f per run\n", stats->total_steps,
           stats->runs ? (double)stats->total_steps / (double)stats->runs : 0);

    int width = sim_name_width(model, false);
    printf("  Firings per transition (all runs, mean per run):\n");
    for (size_t t = 0; t < model->transition_count; t++)
        printf("    %-*s  %10" PRIu64 "  %10.3f\n", width,
               model->transitions[t].name, stats->firings[t],
               stats->runs ? (double)stats->firings[t] / (double)stats->runs
                           : 0);

    printf("  End states: %zu distinct\n", stats->end_state_count);
    for (size_t e = 0; e < stats->end_state_count && e < SIM_END_STATES_SHOWN;
         e++) {
        const simulate_end_state *end = &stats->end_states[e];
        printf("    %8" PRIu64 " run%s (%5.1f%%)  %-10s  ", end->runs,
               end->runs == 1 ? " " : "s",
               100.0 * (double)end->runs / (double)stats->runs,
               simulate_end_name(end->end));
        cli_print_state(stdout, model, end->state);
        printf("\n");
    }
    if (stats->end_state_count > SIM_END_STATES_SHOWN)
        printf("    ... and %zu more (--json lists them all)\n",
               stats->end_state_count - SIM_END_STATES_SHOWN);

    if (!stats->timed)
        return;
    printf("\nTimed estimates, mean ± 95%% confidence half-width over the "
           "runs");
    if (isfinite(arguments->until))
        printf(" (until %g)", arguments->until);
    printf(":\n");
    printf("  time to absorption: ");
    sim_print_estimate(&stats->absorption_time);
    printf("  (%" PRIu64 " of %" PRIu64 " runs absorbed)\n",
           stats->absorption_time.samples, stats->runs);
    printf("  Throughput (firings per unit time):\n");
    for (size_t t = 0; t < model->transition_count; t++) {
        printf("    %-*s  ", width, model->transitions[t].name);
        sim_print_estimate(&stats->throughput[t]);
        printf("\n");
    }
    int slot_width = sim_name_width(model, true);
    printf("  Mean %s (time average):\n",
           model->slot_kind == MODEL_SLOT_TOKENS ? "tokens" : "slot values");
    for (size_t s = 0; s < model->state_length; s++) {
        printf("    %-*s  ", slot_width, model->slot_names[s]);
        sim_print_estimate(&stats->mean_tokens[s]);
        printf("\n");
    }
}

static void sim_stats_json(json_writer *json, const model *model,
                           const simulate_stats *stats)
{
    json_key(json, "statistics");
    json_begin_object(json);
    json_key(json, "runs");
    json_uint(json, stats->runs);
    json_key(json, "interrupted");
    json_bool(json, stats->stopped);
    json_key(json, "stopped_by");      /* a limit, or null */
    if (stats->stopped && sim_stop_reason[0] != '\0')
        json_string(json, sim_stop_reason);
    else
        json_null(json);
    json_key(json, "ended");
    json_begin_object(json);
    static const simulate_end ends[] = {SIMULATE_END_DEADLOCK,
                                        SIMULATE_END_FINAL, SIMULATE_END_STEPS,
                                        SIMULATE_END_TIME};
    static const char *const end_keys[] = {"deadlock", "final", "step_bound",
                                           "time_bound"};
    for (size_t i = 0; i < 4; i++) {
        json_key(json, end_keys[i]);
        json_uint(json, stats->ended[ends[i]]);
    }
    json_end_object(json);
    json_key(json, "deadlock_steps");
    if (stats->ended[SIMULATE_END_DEADLOCK] == 0) {
        json_null(json);
    } else {
        json_begin_object(json);
        json_key(json, "min");
        json_uint(json, stats->deadlock_steps_min);
        json_key(json, "mean");
        json_double(json, stats->deadlock_steps_mean);
        json_key(json, "max");
        json_uint(json, stats->deadlock_steps_max);
        json_end_object(json);
    }
    json_key(json, "steps");
    json_uint(json, stats->total_steps);
    json_key(json, "firings");
    json_begin_object(json);
    for (size_t t = 0; t < model->transition_count; t++) {
        json_key(json, model->transitions[t].name);
        json_uint(json, stats->firings[t]);
    }
    json_end_object(json);
    json_key(json, "distinct_end_states");
    json_uint(json, stats->end_state_count);
    json_key(json, "end_states");
    json_begin_array(json);
    for (size_t e = 0; e < stats->end_state_count; e++) {
        json_begin_object(json);
        json_key(json, "runs");
        json_uint(json, stats->end_states[e].runs);
        json_key(json, "end");
        json_string(json, simulate_end_name(stats->end_states[e].end));
        json_key(json, model->slot_kind == MODEL_SLOT_TOKENS ? "marking"
                                                             : "state");
        cli_report_state_json(json, model, stats->end_states[e].state);
        json_end_object(json);
    }
    json_end_array(json);

    if (stats->timed) {
        json_key(json, "timed");
        json_begin_object(json);
        json_key(json, "confidence");
        json_double(json, 0.95);
        json_key(json, "absorption_time");
        sim_estimate_json(json, &stats->absorption_time);
        json_key(json, "end_time");
        sim_estimate_json(json, &stats->end_time);
        json_key(json, "throughput");
        json_begin_object(json);
        for (size_t t = 0; t < model->transition_count; t++) {
            json_key(json, model->transitions[t].name);
            sim_estimate_json(json, &stats->throughput[t]);
        }
        json_end_object(json);
        json_key(json, "mean_tokens");
        json_begin_object(json);
        for (size_t s = 0; s < model->state_length; s++) {
            json_key(json, model->slot_names[s]);
            sim_estimate_json(json, &stats->mean_tokens[s]);
        }
        json_end_object(json);
        json_end_object(json);
    }
    json_end_object(json);
}

static void sim_on_signal(int signal_number)
{
    if (signal_number == SIGALRM)
        sim_time_up = 1;
    cli_interrupted = 1;
}

static int sim_run_batch(const sim_arguments *arguments,
                         const cli_model *loaded,
                         const state_predicate *final)
{
    const model *model = loaded->model;
    simulate_options options;
    simulate_options_init(&options);
    options.runs = arguments->runs;
    options.max_steps = arguments->steps;
    options.seed = arguments->seed;
    options.timed = arguments->timed;
    options.until = arguments->until;
    options.final = final;
    options.record_traces = !arguments->quiet;
    options.on_run = sim_on_run;
    options.interrupt = &cli_interrupted;

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = sim_on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    if (arguments->common.time_limit > 0) {
        sigaction(SIGALRM, &action, NULL);
        struct itimerval timer;
        memset(&timer, 0, sizeof timer);
        timer.it_value.tv_sec = (time_t)arguments->common.time_limit;
        timer.it_value.tv_usec =
            (suseconds_t)((arguments->common.time_limit -
                           (double)timer.it_value.tv_sec) * 1e6);
        if (timer.it_value.tv_sec == 0 && timer.it_value.tv_usec == 0)
            timer.it_value.tv_usec = 1;
        setitimer(ITIMER_REAL, &timer, NULL);
    }

    json_writer json;
    json_writer_init(&json, stdout, JSON_WRITE_PRETTY);
    sim_batch batch = {
        .arguments = arguments, .model = model,
        .json = arguments->common.json ? &json : NULL,
        .progress = isatty(STDERR_FILENO) == 1,
    };
    batch.started = batch.last_progress = support_now();
    options.hook_context = &batch;

    if (arguments->common.json) {
        json_writer_init(&json, stdout, JSON_WRITE_PRETTY);
        json_begin_object(&json);
        json_key(&json, "model");
        json_string(&json, arguments->common.model_path);
        json_key(&json, "name");
        json_string(&json, model->name);
        json_key(&json, "format");
        json_string(&json, model->format);
        json_key(&json, "seed");
        json_uint(&json, arguments->seed);
        json_key(&json, "max_steps");
        if (arguments->steps)
            json_uint(&json, arguments->steps);
        else
            json_null(&json);
        json_key(&json, "timed");
        json_bool(&json, arguments->timed);
        json_key(&json, "until");
        json_double(&json, arguments->until);   /* null when unbounded */
        if (!arguments->quiet) {
            json_key(&json, "runs");
            json_begin_array(&json);
        }
    } else {
        cli_report_model_line(stdout, "sim", arguments->common.model_path, model);
        printf("seed %" PRIu64 ", %" PRIu64 " run%s", arguments->seed,
               arguments->runs, arguments->runs == 1 ? "" : "s");
        if (arguments->steps)
            printf(", at most %" PRIu64 " steps each", arguments->steps);
        if (arguments->timed) {
            printf(", timed");
            if (isfinite(arguments->until))
                printf(" until %g", arguments->until);
        }
        printf("\n\n");
    }

    pnsim_error error;
    pnsim_error_clear(&error);
    simulate_stats *stats = simulate_batch(model, &options, &error);
    if (arguments->common.time_limit > 0) {
        struct itimerval off;
        memset(&off, 0, sizeof off);
        setitimer(ITIMER_REAL, &off, NULL);
    }
    if (stats != NULL && stats->stopped && sim_stop_reason[0] == '\0' &&
        sim_time_up)
        snprintf(sim_stop_reason, sizeof sim_stop_reason,
                 "time limit reached (--time-limit %g)",
                 arguments->common.time_limit);
    sim_progress_clear(&batch);
    if (stats == NULL) {
        fflush(stdout);
        return cli_report_error(&error, CLI_EXIT_ERROR);
    }

    if (arguments->common.json) {
        if (!arguments->quiet)
            json_end_array(&json);
        sim_stats_json(&json, model, stats);
        json_end_object(&json);
        if (json_writer_finish(&json, &error) != PNSIM_OK) {
            simulate_stats_free(stats);
            return cli_report_error(&error, CLI_EXIT_ERROR);
        }
    } else {
        sim_print_stats(arguments, model, stats);
    }
    int code = stats->stopped ? CLI_EXIT_INCONCLUSIVE : CLI_EXIT_PASS;
    simulate_stats_free(stats);
    return code;
}

/* ---- replay ----------------------------------------------------------- */

/* The trace object in a file: a saved trace itself, the first property of
 * `check --json` with a trace, or the first run of `sim --json`. */
static bool sim_has_trace(const json_value *holder)
{
    const json_value *trace = json_object_get(holder, "trace");
    return trace != NULL && trace->kind == JSON_ARRAY;
}

static const json_value *sim_find_trace_holder(const json_value *root)
{
    if (sim_has_trace(root))
        return root;
    const json_value *properties = json_object_get(root, "properties");
    for (size_t i = 0; i < json_array_length(properties); i++)
        if (sim_has_trace(json_array_at(properties, i)))
            return json_array_at(properties, i);
    const json_value *run = json_array_at(json_object_get(root, "runs"), 0);
    return sim_has_trace(run) ? run : NULL;
}

/* Reports a trace file that is well-formed JSON but holds the wrong thing,
 * at the position of the value `at`: exit 2. */
static int sim_trace_error(const char *path, const json_value *at,
                           const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int sim_trace_error(const char *path, const json_value *at,
                           const char *format, ...)
{
    char message[512];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    pnsim_error error;
    pnsim_error_set_at(&error, PNSIM_ERR_INPUT, path,
                       at != NULL ? at->line : 0, at != NULL ? at->column : 0,
                       "%s", message);
    fflush(stdout);
    return cli_report_error(&error, CLI_EXIT_ERROR);
}

/* Reads a recorded state ({slot: value}, token slots left out when zero)
 * into `expected`.  Returns 0, or CLI_EXIT_FAIL with `message` when it
 * names a slot the model does not have, or CLI_EXIT_ERROR with `message`
 * and `*where` when it holds something other than an object of counts. */
static int sim_read_state(const model *model, const json_value *object,
                          model_value *expected, bool *given,
                          char *message, size_t message_size,
                          const json_value **where)
{
    for (size_t s = 0; s < model->state_length; s++) {
        expected[s] = 0;
        given[s] = model->slot_kind == MODEL_SLOT_TOKENS;
    }
    *where = object;
    if (object->kind != JSON_OBJECT) {
        snprintf(message, message_size, "a state must be an object of "
                 "counts, not %s", json_kind_name(object->kind));
        return CLI_EXIT_ERROR;
    }
    for (size_t m = 0; m < json_object_size(object); m++) {
        const json_member *member = json_object_member_at(object, m);
        long slot = model_find_slot(model, member->key);
        uint64_t value;
        if (!json_as_uint64(member->value, &value)) {
            *where = member->value;
            snprintf(message, message_size, "the value of '%s' is not a "
                     "whole number from 0 to 2^64-1", member->key);
            return CLI_EXIT_ERROR;
        }
        if (slot < 0) {
            snprintf(message, message_size, "the model has no %s '%s'",
                     model->slot_kind == MODEL_SLOT_TOKENS ? "place" : "slot",
                     member->key);
            return CLI_EXIT_FAIL;
        }
        expected[slot] = value;
        given[slot] = true;
    }
    return 0;
}

static bool sim_state_matches(const model *model, const model_value *state,
                              const model_value *expected, const bool *given)
{
    for (size_t s = 0; s < model->state_length; s++)
        if (given[s] && state[s] != expected[s])
            return false;
    return true;
}

/* "p=1 (recorded 0), q=0 (recorded 2)": where the states differ. */
static void sim_print_difference(FILE *out, const model *model,
                                 const model_value *state,
                                 const model_value *expected, const bool *given)
{
    bool any = false;
    for (size_t s = 0; s < model->state_length; s++) {
        if (!given[s] || state[s] == expected[s])
            continue;
        fprintf(out, "%s%s=%llu (recorded %llu)", any ? ", " : "",
                model->slot_names[s], (unsigned long long)state[s],
                (unsigned long long)expected[s]);
        any = true;
    }
}

static void sim_print_enabled_names(FILE *out, const model *model,
                                    const simulate_enabled *enabled)
{
    if (enabled->count == 0) {
        fputs("none (a dead state)", out);
        return;
    }
    for (size_t i = 0; i < enabled->count; i++) {
        /* A transition enabled in several ways is named once. */
        if (simulate_enabled_find(enabled, enabled->transitions[i]) != (long)i)
            continue;
        fprintf(out, "%s%s", i ? ", " : "",
                model->transitions[enabled->transitions[i]].name);
    }
}

static int sim_replay(const sim_arguments *arguments, const cli_model *loaded,
                      const state_predicate *final)
{
    const model *model = loaded->model;
    pnsim_error error;
    pnsim_error_clear(&error);
    json_value *root = json_parse_file(arguments->replay_path, &error);
    if (root == NULL)
        return cli_report_error(&error, CLI_EXIT_ERROR);
    const json_value *holder = sim_find_trace_holder(root);
    if (holder == NULL) {
        int status = sim_trace_error(arguments->replay_path, root,
                                     "holds no trace (expected a \"trace\" "
                                     "array, as `pnsim check --json` or "
                                     "`save` write)");
        json_value_free(root);
        return status;
    }
    const json_value *steps = json_object_get(holder, "trace");
    size_t length = model->state_length;
    model_value *state = malloc((length + 1) * sizeof *state);
    model_value *expected = malloc((length + 1) * sizeof *expected);
    bool *given = malloc((length + 1) * sizeof *given);
    simulate_enabled enabled;
    int code = CLI_EXIT_PASS;
    char message[512];
    const json_value *where = NULL;
    int read;
    if (state == NULL || expected == NULL || given == NULL ||
        simulate_enabled_init(&enabled, model, &error) != PNSIM_OK) {
        free(state);
        free(expected);
        free(given);
        json_value_free(root);
        fprintf(stderr, "pnsim sim: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    model_initial_state(model, state);

    bool print = !arguments->quiet && !arguments->common.json;
    if (print) {
        cli_report_model_line(stdout, "sim", arguments->common.model_path, model);
        printf("replaying %s (%zu step%s)\n\n", arguments->replay_path,
               json_array_length(steps),
               json_array_length(steps) == 1 ? "" : "s");
    }
    int width = 9;
    for (size_t i = 0; i < json_array_length(steps); i++) {
        const char *name = json_as_string(json_object_get(
            json_array_at(steps, i), "transition"));
        if (name != NULL && (int)strlen(name) > width)
            width = (int)strlen(name);
    }

    const json_value *initial = json_object_get(holder, "initial");
    if (initial != NULL) {
        if ((read = sim_read_state(model, initial, expected, given, message,
                                   sizeof message, &where)) ==
            CLI_EXIT_ERROR) {
            code = sim_trace_error(arguments->replay_path, where,
                                   "initial state: %s", message);
        } else if (read != 0) {
            fprintf(stderr, "pnsim sim: %s: initial state: %s\n",
                    arguments->replay_path, message);
            code = CLI_EXIT_FAIL;
        } else if (!sim_state_matches(model, state, expected, given)) {
            fprintf(stderr, "pnsim sim: %s: the recorded initial state is "
                    "not the model's: ", arguments->replay_path);
            sim_print_difference(stderr, model, state, expected, given);
            fputc('\n', stderr);
            code = CLI_EXIT_FAIL;
        }
    }
    if (code == CLI_EXIT_PASS && print) {
        printf("  %4d  %-*s  ", 0, width, "(initial)");
        cli_print_state(stdout, model, state);
        printf("\n");
    }

    size_t done = 0;
    for (size_t i = 0; code == CLI_EXIT_PASS && i < json_array_length(steps);
         i++) {
        const json_value *step = json_array_at(steps, i);
        const char *name = json_as_string(json_object_get(step, "transition"));
        if (name == NULL) {
            const json_value *named = json_object_get(step, "transition");
            code = sim_trace_error(arguments->replay_path,
                                   named != NULL ? named : step,
                                   "step %zu has no \"transition\" name",
                                   i + 1);
            break;
        }
        const json_value *recorded = json_object_get(step, "marking");
        if (recorded == NULL)
            recorded = json_object_get(step, "state");
        bool check_state = recorded != NULL;
        if (check_state &&
            (read = sim_read_state(model, recorded, expected, given,
                                   message, sizeof message, &where)) != 0) {
            if (read == CLI_EXIT_ERROR) {
                code = sim_trace_error(arguments->replay_path, where,
                                       "step %zu (%s): %s", i + 1, name,
                                       message);
                break;
            }
            fprintf(stderr, "pnsim sim: %s: step %zu (%s): %s\n",
                    arguments->replay_path, i + 1, name, message);
            code = CLI_EXIT_FAIL;
            break;
        }
        if (simulate_enabled_compute(&enabled, model, state, &error) !=
            PNSIM_OK) {
            code = cli_report_error(&error, CLI_EXIT_ERROR);
            break;
        }
        /* The step fires a transition of that name; when it can fire in
         * several ways, the recorded state picks the way. */
        long chosen = -1;
        bool name_enabled = false;
        for (size_t k = 0; k < enabled.count; k++) {
            if (strcmp(model->transitions[enabled.transitions[k]].name,
                       name) != 0)
                continue;
            name_enabled = true;
            if (!check_state ||
                sim_state_matches(model, simulate_enabled_successor(&enabled,
                                                                    k),
                                  expected, given)) {
                chosen = (long)k;
                break;
            }
        }
        if (!name_enabled) {
            fflush(stdout);
            fprintf(stderr, "pnsim sim: replay failed at step %zu: transition "
                    "'%s' is %s; enabled: ", i + 1, name,
                    model_find_transition(model, name) < 0
                        ? "not in the model" : "not enabled");
            sim_print_enabled_names(stderr, model, &enabled);
            fputc('\n', stderr);
            code = CLI_EXIT_FAIL;
            break;
        }
        if (chosen < 0) {
            /* Name enabled, but the reached state differs. */
            long first = -1;
            for (size_t k = 0; k < enabled.count && first < 0; k++)
                if (strcmp(model->transitions[enabled.transitions[k]].name,
                           name) == 0)
                    first = (long)k;
            fflush(stdout);
            fprintf(stderr, "pnsim sim: replay failed at step %zu: '%s' "
                    "reaches a state other than the recorded one: ",
                    i + 1, name);
            sim_print_difference(stderr, model,
                                 simulate_enabled_successor(&enabled,
                                                            (size_t)first),
                                 expected, given);
            fputc('\n', stderr);
            code = CLI_EXIT_FAIL;
            break;
        }
        memcpy(state, simulate_enabled_successor(&enabled, (size_t)chosen),
               length * sizeof *state);
        done = i + 1;
        if (print) {
            printf("  %4zu  %-*s  ", i + 1, width, name);
            cli_print_state(stdout, model, state);
            printf("\n");
        }
    }

    /* The recorded end state, when the file gives one, must be where the
     * replay ended. */
    const json_value *last = json_object_get(holder, "state");
    if (code == CLI_EXIT_PASS && last != NULL) {
        if ((read = sim_read_state(model, last, expected, given, message,
                                   sizeof message, &where)) ==
            CLI_EXIT_ERROR) {
            code = sim_trace_error(arguments->replay_path, where,
                                   "end state: %s", message);
        } else if (read != 0) {
            fprintf(stderr, "pnsim sim: %s: end state: %s\n",
                    arguments->replay_path, message);
            code = CLI_EXIT_FAIL;
        } else if (!sim_state_matches(model, state, expected, given)) {
            fprintf(stderr, "pnsim sim: replay failed: the run ends in a "
                    "state other than the recorded one: ");
            sim_print_difference(stderr, model, state, expected, given);
            fputc('\n', stderr);
            code = CLI_EXIT_FAIL;
        }
    }

    if (code == CLI_EXIT_PASS) {
        if (simulate_enabled_compute(&enabled, model, state, &error) !=
            PNSIM_OK) {
            code = cli_report_error(&error, CLI_EXIT_ERROR);
        } else {
            bool is_final = final != NULL ? state_predicate_holds(final, state)
                                          : model_is_final(model, state);
            const char *ending = enabled.count > 0 ? "a live state"
                               : is_final ? "an intended final state"
                                          : "a deadlock";
            if (arguments->common.json) {
                json_writer json;
                json_writer_init(&json, stdout, JSON_WRITE_PRETTY);
                json_begin_object(&json);
                json_key(&json, "replay");
                json_string(&json, arguments->replay_path);
                json_key(&json, "ok");
                json_bool(&json, true);
                json_key(&json, "steps");
                json_uint(&json, done);
                json_key(&json, "ends_in");
                json_string(&json, enabled.count > 0 ? "live"
                                   : is_final ? "final" : "deadlock");
                json_key(&json, "state");
                cli_report_state_json(&json, model, state);
                json_end_object(&json);
                json_writer_finish(&json, NULL);
            } else {
                printf("%sreplay OK: %zu step%s, ending in %s",
                       print ? "\n" : "", done, done == 1 ? "" : "s", ending);
                if (enabled.count > 0)
                    printf(" (%zu step%s enabled)", enabled.count,
                           enabled.count == 1 ? "" : "s");
                printf("\n");
            }
        }
    }

    simulate_enabled_free(&enabled);
    free(state);
    free(expected);
    free(given);
    json_value_free(root);
    return code;
}

/* ---- the command ------------------------------------------------------ */

int cli_sim(int argc, char **argv)
{
    sim_arguments arguments;
    int code = sim_parse_arguments(argc, argv, &arguments);
    if (code >= 0)
        return code;

    cli_model loaded;
    state_predicate *final = NULL;
    code = cli_load_model_and_final(&arguments.common, &loaded, &final);
    if (code != 0)
        return code;

    if (arguments.interactive)
        code = sim_interactive(&loaded, arguments.common.model_path, final,
                               arguments.seed);
    else if (arguments.replay_path != NULL)
        code = sim_replay(&arguments, &loaded, final);
    else
        code = sim_run_batch(&arguments, &loaded, final);

    state_predicate_free(final);
    cli_unload_model(&loaded);
    return code;
}
