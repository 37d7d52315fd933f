/*
 * check_props.h — the race-free and bounded properties of `pnsim check`:
 * computing them from an exploration and reporting them, as text and as
 * JSON, beside cmd_check.c's deadlock-free.
 *
 *   race-free  one property per shared resource (model.resource_names):
 *              no reachable state enables two different transitions that
 *              access it, one writing, without competing for control
 *              (engine/race.h).  Checked only when the model declares
 *              shared resources.
 *   bounded    violated when the exploration proved the model unbounded
 *              (outcome EXPLORE_UNBOUNDED), with the pumping sequence
 *              (engine/bounded.h).
 */
#ifndef PNSIM_CHECK_PROPS_H
#define PNSIM_CHECK_PROPS_H

#include <stdbool.h>
#include <stdio.h>

#include "bounded.h"
#include "cli.h"
#include "csp/csp.h"
#include "json.h"
#include "race.h"

typedef struct check_props {
    race_report races;            /* count 0: no shared resource */
    bool unbounded;
    bounded_pumping pumping;      /* when unbounded */
} check_props;

/* Runs the race check and builds the pumping witness.  Returns PNSIM_OK
 * or an error (out of memory).  Free with check_props_free. */
pnsim_status check_props_compute(const model *model,
                                 const explore_result *result,
                                 check_props *props, pnsim_error *error);
void check_props_free(check_props *props);

/* Some race was found. */
bool check_props_race_found(const check_props *props);

/* Some resource's race-freedom is unknown: no race found on it and the
 * exploration did not complete. */
bool check_props_race_unknown(const check_props *props, bool complete);

/* Text: the rest of the "bounded FAIL" line (after the answer). */
void check_props_bounded_text(FILE *out, const model *model,
                              const check_props *props);

/* Text: one "race-free" line per resource. */
void check_props_races_text(FILE *out, const model *model,
                            const check_props *props, bool complete);

/* Text: the runs to the races and the pumping run, after the summary. */
void check_props_runs_text(FILE *out, const model *model,
                           const explore_result *result,
                           const check_props *props);

/* JSON: extra keys of the "bounded" property object (pumping sequence). */
void check_props_bounded_json(json_writer *json, const model *model,
                              const check_props *props);

/* JSON: one "race-free" property object per resource, inside the
 * properties array. */
void check_props_races_json(json_writer *json, const model *model,
                            const explore_result *result,
                            const check_props *props, bool complete);


/* The race check of a CSP script's shared resources (its pnsim pragmas):
 * the process they name (or --process) is built, explored with the
 * command's limits and checked.  Used by check and msc. */
typedef struct check_csp_races {
    model *model;               /* NULL: it could not be built (`error`) */
    explore_result *result;     /* NULL: not explored */
    check_props props;
    bool computed;              /* `props` holds a result */
    pnsim_error error;
} check_csp_races;

/* Fills `races` (free with check_csp_races_free, whatever happened). */
void check_csp_races_run(csp_script *script, const cli_options *options,
                         check_csp_races *races);
void check_csp_races_free(check_csp_races *races);

#endif
