/*
 * cmd_statespace.c — `pnsim statespace MODEL`: the four figures the Model
 * Checking Contest asks for (states, edges, most tokens in a place and in a
 * marking), with time and memory.
 */
#include <inttypes.h>

#include "cli.h"
#include "cli_report.h"
#include "json.h"

static const char statespace_help[] =
    "Usage: pnsim statespace MODEL [options]\n"
    "\n"
    "Explores every reachable state of MODEL and prints the number of states,\n"
    "of edges (one per state and enabled transition), the most tokens in one\n"
    "place and in one marking, the time taken and the memory used.\n"
    "\n"
    "Options:\n"
    "  --json             print one JSON object; figures that could not be\n"
    "                     computed (a limit was reached) are null\n"
    "  --max-states N     stop after N states (exit 3)\n"
    "  --max-memory SIZE  memory for the state store, e.g. 512M, 4G\n"
    "  --time-limit SEC   stop after SEC seconds (exit 3)\n"
    "  --threads N        worker threads (default: all cores)\n"
    "  --tree-compression store each state in one word plus shared parts:\n"
    "                     about half the memory on long vectors, slower\n"
    "  --progress         report progress on stderr\n"
    "\n"
    "Exit status: 0 complete, 2 bad input, 3 a limit or Ctrl-C ended the run.\n";

static void statespace_json_figure(json_writer *json, const char *key,
                                   bool known, uint64_t value)
{
    json_key(json, key);
    if (known)
        json_uint(json, value);
    else
        json_null(json);
}

static void statespace_print_json(const cli_options *options,
                                  const model *model,
                                  const explore_result *result,
                                  const pnsim_error *failure)
{
    const explore_stats *stats = explore_result_stats(result);
    explore_outcome outcome = explore_result_outcome(result);
    bool complete = outcome == EXPLORE_COMPLETE;
    bool tokens = model->slot_kind == MODEL_SLOT_TOKENS;
    json_writer json;
    cli_report_json_begin(&json, options->model_path, model);
    statespace_json_figure(&json, "states", complete, stats->states);
    statespace_json_figure(&json, "edges", complete, stats->edges);
    statespace_json_figure(&json, "max_tokens_place", complete && tokens,
                           stats->max_slot_value);
    statespace_json_figure(&json, "max_tokens_marking",
                           complete && tokens && !stats->max_slot_sum_overflow,
                           stats->max_slot_sum);
    cli_report_json_end(&json, model, stats, outcome, failure);
}

static void statespace_print_text(const cli_options *options,
                                  const model *model,
                                  const explore_result *result,
                                  const pnsim_error *failure)
{
    const explore_stats *stats = explore_result_stats(result);
    explore_outcome outcome = explore_result_outcome(result);
    cli_report_model_line(stdout, "statespace", options->model_path, model);
    if (outcome == EXPLORE_COMPLETE) {
        printf("  %-24s %" PRIu64 "\n", "states", stats->states);
        printf("  %-24s %" PRIu64 "\n", "edges", stats->edges);
        if (model->slot_kind == MODEL_SLOT_TOKENS) {
            printf("  %-24s %" PRIu64 "\n", "max tokens in a place",
                   stats->max_slot_value);
            if (stats->max_slot_sum_overflow)
                printf("  %-24s more than 2^64-1\n", "max tokens in a marking");
            else
                printf("  %-24s %" PRIu64 "\n", "max tokens in a marking",
                       stats->max_slot_sum);
        }
        cli_report_resources_text(stdout, stats, outcome, options);
    } else {
        printf("  incomplete: the figures below cover the explored part only\n");
        cli_report_stats_text(stdout, model, stats, outcome, options);
    }
    if (failure != NULL)
        printf("  error: %s\n", failure->message);
}

int cli_statespace(int argc, char **argv)
{
    cli_options options;
    int code = cli_parse_options(argc, argv, CLI_TAKES_LIMITS | CLI_TAKES_JSON,
                                 statespace_help, &options);
    if (code >= 0)
        return code;
    cli_model loaded;
    if (cli_load_model(options.model_path, &loaded) != 0)
        return CLI_EXIT_ERROR;

    explore_options explore;
    cli_explore_options(&options, &explore);
    explore.skip_traces = true;   /* figures only: no parent links needed */
    explore.forget_expanded = true; /* nor the states once expanded */
    pnsim_error error;
    pnsim_error_clear(&error);
    explore_result *result = explore_run(loaded.model, &explore, &error);
    cli_progress_done();
    if (result == NULL) {
        cli_unload_model(&loaded);
        return cli_report_error(&error, CLI_EXIT_ERROR);
    }
    explore_outcome outcome = explore_result_outcome(result);
    const pnsim_error *failure =
        (outcome == EXPLORE_FAILED || outcome == EXPLORE_LIMIT_MEMORY)
            ? &error : NULL;
    if (options.json)
        statespace_print_json(&options, loaded.model, result, failure);
    else
        statespace_print_text(&options, loaded.model, result, failure);
    code = outcome == EXPLORE_COMPLETE ? CLI_EXIT_PASS : CLI_EXIT_INCONCLUSIVE;
    explore_result_free(result);
    cli_unload_model(&loaded);
    return code;
}
