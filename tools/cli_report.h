/*
 * cli_report.h — the pieces of a report every command prints the same way:
 * the model line, states, runs and statistics, as text and as JSON.
 */
#ifndef PNSIM_CLI_REPORT_H
#define PNSIM_CLI_REPORT_H

#include <stdio.h>

#include "cli.h"
#include "json.h"

/* "pnsim COMMAND: PATH (NAME, FORMAT: 12 places, 9 transitions)" */
void cli_report_model_line(FILE *out, const char *command, const char *path,
                           const model *model);

/* One numbered line per step of `trace`, the initial state first. */
void cli_report_trace(FILE *out, const model *model, const explore_trace *trace);

/* The figures of an exploration, and why it ended when it did not complete. */
void cli_report_stats_text(FILE *out, const model *model,
                           const explore_stats *stats, explore_outcome outcome,
                           const cli_options *options);

/* Only the time, threads and memory, and why the run ended early. */
void cli_report_resources_text(FILE *out, const explore_stats *stats,
                               explore_outcome outcome,
                               const cli_options *options);

/* Opens the JSON object every command prints and writes its first keys:
 * "model" (the path given), "name" and "format". */
void cli_report_json_begin(json_writer *json, const char *path,
                           const model *model);

/* Writes "stats" (and "error" when `failure` is not NULL), closes the
 * object cli_report_json_begin opened and ends the line. */
void cli_report_json_end(json_writer *json, const model *model,
                         const explore_stats *stats, explore_outcome outcome,
                         const pnsim_error *failure);

/* {slot: value, ...}: the non-zero token slots, or every control slot. */
void cli_report_state_json(json_writer *json, const model *model,
                           const model_value *state);

/* [{"transition": name, "state": {...}}, ...] */
void cli_report_trace_json(json_writer *json, const model *model,
                           const explore_trace *trace);

/* {"states", "edges", "max_tokens_place", ...} */
void cli_report_stats_json(json_writer *json, const model *model,
                           const explore_stats *stats, explore_outcome outcome);

#endif
