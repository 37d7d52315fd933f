/* cli_report.c — shared report pieces (cli_report.h). */
#include "cli_report.h"

#include <inttypes.h>
#include <string.h>

static const char *cli_report_slot_word(const model *model)
{
    return model->slot_kind == MODEL_SLOT_TOKENS ? "places" : "processes";
}

void cli_report_model_line(FILE *out, const char *command, const char *path,
                           const model *model)
{
    fprintf(out, "pnsim %s: %s (%s, %s: %zu %s, %zu transitions)\n", command,
            path, model->name, model->format, model->state_length,
            cli_report_slot_word(model), model->transition_count);
}

void cli_report_trace(FILE *out, const model *model, const explore_trace *trace)
{
    int width = 9;   /* "(initial)" */
    for (size_t i = 0; i < trace->length; i++) {
        int length = (int)strlen(model->transitions[trace->transitions[i]].name);
        if (length > width)
            width = length;
    }
    fprintf(out, "  %4d  %-*s  ", 0, width, "(initial)");
    cli_print_state(out, model, trace->states[0]);
    fputc('\n', out);
    for (size_t i = 0; i < trace->length; i++) {
        fprintf(out, "  %4zu  %-*s  ", i + 1, width,
                model->transitions[trace->transitions[i]].name);
        cli_print_state(out, model, trace->states[i + 1]);
        fputc('\n', out);
    }
}

static void cli_report_bytes(FILE *out, uint64_t bytes)
{
    if (bytes >= (uint64_t)1 << 30)
        fprintf(out, "%.1f GiB", (double)bytes / (1 << 30));
    else if (bytes >= (uint64_t)1 << 20)
        fprintf(out, "%.1f MiB", (double)bytes / (1 << 20));
    else
        fprintf(out, "%.1f KiB", (double)bytes / 1024);
}

void cli_report_stats_text(FILE *out, const model *model,
                           const explore_stats *stats, explore_outcome outcome,
                           const cli_options *options)
{
    fprintf(out, "  %" PRIu64 " state%s, %" PRIu64 " edge%s, %" PRIu64
            " breadth-first level%s\n", stats->states,
            stats->states == 1 ? "" : "s", stats->edges,
            stats->edges == 1 ? "" : "s", stats->levels,
            stats->levels == 1 ? "" : "s");
    if (model->slot_kind == MODEL_SLOT_TOKENS) {
        fprintf(out, "  at most %" PRIu64 " token%s in a place, ",
                stats->max_slot_value, stats->max_slot_value == 1 ? "" : "s");
        if (stats->max_slot_sum_overflow)
            fprintf(out, "more than 2^64-1 in a marking\n");
        else
            fprintf(out, "%" PRIu64 " in a marking\n", stats->max_slot_sum);
    }
    cli_report_resources_text(out, stats, outcome, options);
}

void cli_report_resources_text(FILE *out, const explore_stats *stats,
                               explore_outcome outcome,
                               const cli_options *options)
{
    fprintf(out, "  %.3f s, %u thread%s, state store ", stats->seconds,
            stats->threads, stats->threads == 1 ? "" : "s");
    cli_report_bytes(out, stats->store_bytes);
    if (stats->store_tree_nodes != 0)
        fprintf(out, " (%" PRIu64 " tree nodes)", stats->store_tree_nodes);
    fprintf(out, ", peak memory ");
    cli_report_bytes(out, cli_peak_memory());
    fputc('\n', out);

    if (outcome == EXPLORE_COMPLETE || outcome == EXPLORE_FOUND_DEADLOCK)
        return;
    fprintf(out, "  exploration ended early: %s", explore_outcome_name(outcome));
    if (outcome == EXPLORE_LIMIT_STATES)
        fprintf(out, " (--max-states %" PRIu64 ")", options->max_states);
    else if (outcome == EXPLORE_LIMIT_TIME)
        fprintf(out, " (--time-limit %g)", options->time_limit);
    else if (outcome == EXPLORE_LIMIT_MEMORY)
        fprintf(out, " (raise --max-memory)");
    fputc('\n', out);
}

void cli_report_json_begin(json_writer *json, const char *path,
                           const model *model)
{
    json_writer_init(json, stdout, JSON_WRITE_PRETTY);
    json_begin_object(json);
    json_key(json, "model");
    json_string(json, path);
    json_key(json, "name");
    json_string(json, model->name);
    json_key(json, "format");
    json_string(json, model->format);
}

void cli_report_json_end(json_writer *json, const model *model,
                         const explore_stats *stats, explore_outcome outcome,
                         const pnsim_error *failure)
{
    json_key(json, "stats");
    cli_report_stats_json(json, model, stats, outcome);
    if (failure != NULL) {
        json_key(json, "error");
        json_string(json, failure->message);
    }
    json_end_object(json);
    json_writer_finish(json, NULL);
    fputc('\n', stdout);
}

void cli_report_state_json(json_writer *json, const model *model,
                           const model_value *state)
{
    json_begin_object(json);
    for (size_t i = 0; i < model->state_length; i++) {
        if (model->slot_kind == MODEL_SLOT_TOKENS && state[i] == 0)
            continue;
        json_key(json, model->slot_names[i]);
        json_uint(json, state[i]);
    }
    json_end_object(json);
}

void cli_report_trace_json(json_writer *json, const model *model,
                           const explore_trace *trace)
{
    /* The issue-2 schema calls a Petri net's state its marking. */
    const char *state_key = model->slot_kind == MODEL_SLOT_TOKENS ? "marking"
                                                                  : "state";
    json_begin_array(json);
    for (size_t i = 0; i < trace->length; i++) {
        json_begin_object(json);
        json_key(json, "transition");
        json_string(json, model->transitions[trace->transitions[i]].name);
        json_key(json, state_key);
        cli_report_state_json(json, model, trace->states[i + 1]);
        json_end_object(json);
    }
    json_end_array(json);
}

void cli_report_stats_json(json_writer *json, const model *model,
                           const explore_stats *stats, explore_outcome outcome)
{
    json_begin_object(json);
    json_key(json, "complete");
    json_bool(json, outcome == EXPLORE_COMPLETE);
    json_key(json, "outcome");
    json_string(json, explore_outcome_name(outcome));
    json_key(json, "states");
    json_uint(json, stats->states);
    json_key(json, "edges");
    json_uint(json, stats->edges);
    json_key(json, "diamond_edges");
    json_uint(json, stats->diamond_edges);
    json_key(json, "diamond_levels_above");
    json_uint(json, stats->diamond_levels_above);
    json_key(json, "levels");
    json_uint(json, stats->levels);
    json_key(json, "max_tokens_place");
    if (model->slot_kind == MODEL_SLOT_TOKENS)
        json_uint(json, stats->max_slot_value);
    else
        json_null(json);
    json_key(json, "max_tokens_marking");
    if (model->slot_kind == MODEL_SLOT_TOKENS && !stats->max_slot_sum_overflow)
        json_uint(json, stats->max_slot_sum);
    else
        json_null(json);
    json_key(json, "threads");
    json_uint(json, stats->threads);
    json_key(json, "seconds");
    json_double(json, stats->seconds);
    json_key(json, "store_bytes");
    json_uint(json, stats->store_bytes);
    json_key(json, "store_tree_nodes");
    json_uint(json, stats->store_tree_nodes);
    json_key(json, "state_words");
    json_uint(json, stats->state_words);
    json_key(json, "exclusive_sets");
    json_uint(json, stats->exclusive_sets);
    json_key(json, "peak_memory_bytes");
    json_uint(json, cli_peak_memory());
    json_end_object(json);
}
