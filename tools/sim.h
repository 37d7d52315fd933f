/*
 * sim.h — what `pnsim sim` (cmd_sim.c) and its interactive token game
 * (sim_interactive.c) share: the saved-trace format and the session entry.
 *
 * A saved trace is the JSON that `pnsim check --json` writes for a
 * counterexample, at the top level:
 *
 *     {"model": PATH, "name": NAME, "format": FORMAT,
 *      "initial": {slot: value, ...},
 *      "trace": [{"transition": NAME, "marking": {...}}, ...],
 *      "state": {...}}
 *
 * so that `pnsim sim --replay` reads both kinds of file with one reader.
 * Each run that `pnsim sim --json` prints has the same three members.
 * Token slots list only their non-zero values; a Petri net's state is
 * called "marking", any other model's "state".
 */
#ifndef PNSIM_SIM_H
#define PNSIM_SIM_H

#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "json.h"
#include "simulate.h"

/* Writes the "initial", "trace" and "state" members of a saved trace into
 * the object the caller has open in `json`.  `times` adds each step's
 * "time" (timed runs). */
void sim_write_trace_members(json_writer *json, const model *model,
                             const simulate_trace *trace, bool times);

/* Writes `trace` of `model` as one whole saved-trace object into `json`,
 * which the caller set up and finishes. */
void sim_write_trace_json(json_writer *json, const model *model,
                          const char *model_path, const simulate_trace *trace,
                          bool times);

/* Writes `trace` to the file at `path`.  Returns PNSIM_OK or PNSIM_ERR_IO
 * with `error` set. */
pnsim_status sim_save_trace(const char *path, const model *model,
                            const char *model_path,
                            const simulate_trace *trace, pnsim_error *error);

/* Prints one numbered line per step, the start state first: the same
 * layout as check's counterexamples, with times when `times` is set. */
void sim_print_trace(FILE *out, const model *model,
                     const simulate_trace *trace, bool times);

/* The interactive token game on `loaded` (sim_interactive.c).  `final`
 * (may be NULL) overrides the model's final states; `seed` drives
 * `random N`.  Returns the exit code. */
int sim_interactive(const cli_model *loaded, const char *model_path,
                    const state_predicate *final, uint64_t seed);

#endif
