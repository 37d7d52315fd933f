/*
 * check_props.c — the race-free and bounded properties of `pnsim check`
 * (see check_props.h).
 */
#include "check_props.h"

#include <string.h>

#include "cli_report.h"

pnsim_status check_props_compute(const model *model,
                                 const explore_result *result,
                                 check_props *props, pnsim_error *error)
{
    memset(props, 0, sizeof *props);
    pnsim_status status = race_check(model, result, &props->races, error);
    if (status != PNSIM_OK)
        return status;
    if (explore_result_outcome(result) == EXPLORE_UNBOUNDED) {
        status = bounded_pumping_build(model, result, &props->pumping, error);
        if (status != PNSIM_OK) {
            check_props_free(props);
            return status;
        }
        props->unbounded = true;
    }
    return PNSIM_OK;
}

void check_props_free(check_props *props)
{
    race_report_free(&props->races);
    if (props->unbounded)
        bounded_pumping_free(&props->pumping);
    memset(props, 0, sizeof *props);
}

bool check_props_race_found(const check_props *props)
{
    for (size_t r = 0; r < props->races.count; r++)
        if (props->races.races[r].state != EXPLORE_NO_STATE)
            return true;
    return false;
}

bool check_props_race_unknown(const check_props *props, bool complete)
{
    if (complete)
        return false;
    for (size_t r = 0; r < props->races.count; r++)
        if (props->races.races[r].state == EXPLORE_NO_STATE)
            return true;
    return false;
}

static const char *check_props_access_word(model_access_kind kind)
{
    return kind == MODEL_ACCESS_WRITE ? "writes" : "reads";
}

void check_props_bounded_text(FILE *out, const model *model,
                              const check_props *props)
{
    const bounded_pumping *pumping = &props->pumping;
    fprintf(out, "unbounded: ");
    for (size_t i = 0; i < pumping->growing_count; i++)
        fprintf(out, "%s%s", i ? ", " : "",
                model->slot_names[pumping->growing[i]]);
    fprintf(out, " grow%s without limit (pumping sequence of %zu step%s)\n",
            pumping->growing_count == 1 ? "s" : "",
            pumping->trace.length - pumping->from,
            pumping->trace.length - pumping->from == 1 ? "" : "s");
}

void check_props_races_text(FILE *out, const model *model,
                            const check_props *props, bool complete)
{
    for (size_t r = 0; r < props->races.count; r++) {
        const race_found *race = &props->races.races[r];
        const char *name = model->resource_names[r];
        if (race->state != EXPLORE_NO_STATE)
            fprintf(out, "  %-14s %-8s%s: %s (%s) and %s (%s) can run at "
                    "once\n", "race-free", "FAIL", name,
                    model->transitions[race->first].name,
                    check_props_access_word(race->first_access),
                    model->transitions[race->second].name,
                    check_props_access_word(race->second_access));
        else if (complete)
            fprintf(out, "  %-14s %-8s%s: no race\n", "race-free", "PASS",
                    name);
        else
            fprintf(out, "  %-14s %-8s%s: no race found in the explored "
                    "part\n", "race-free", "UNKNOWN", name);
    }
}

void check_props_runs_text(FILE *out, const model *model,
                           const explore_result *result,
                           const check_props *props)
{
    for (size_t r = 0; r < props->races.count; r++) {
        const race_found *race = &props->races.races[r];
        if (race->state == EXPLORE_NO_STATE)
            continue;
        explore_trace trace;
        pnsim_error error;
        if (explore_trace_to(result, race->state, &trace, &error) !=
            PNSIM_OK) {
            fprintf(out, "\nRace on %s: no run (%s)\n",
                    model->resource_names[r], error.message);
            continue;
        }
        fprintf(out, "\nShortest run to a race on %s:\n",
                model->resource_names[r]);
        cli_report_trace(out, model, &trace);
        fprintf(out, "  Both enabled: %s (%s %s) and %s (%s %s)\n",
                model->transitions[race->first].name,
                check_props_access_word(race->first_access),
                model->resource_names[r],
                model->transitions[race->second].name,
                check_props_access_word(race->second_access),
                model->resource_names[r]);
        explore_trace_free(&trace);
    }
    if (props->unbounded) {
        const bounded_pumping *pumping = &props->pumping;
        fprintf(out, "\nShortest run to a marking that covers an earlier one "
                "(the pumping sequence is steps %zu to %zu):\n",
                pumping->from + 1, pumping->trace.length);
        cli_report_trace(out, model, &pumping->trace);
        fprintf(out, "  Pumping sequence:");
        for (size_t i = pumping->from; i < pumping->trace.length; i++)
            fprintf(out, " %s",
                    model->transitions[pumping->trace.transitions[i]].name);
        fprintf(out, "\n  It is enabled again at the end, and each round "
                "adds tokens to:");
        for (size_t i = 0; i < pumping->growing_count; i++)
            fprintf(out, " %s", model->slot_names[pumping->growing[i]]);
        fputc('\n', out);
    }
}

void check_props_bounded_json(json_writer *json, const model *model,
                              const check_props *props)
{
    if (!props->unbounded)
        return;
    const bounded_pumping *pumping = &props->pumping;
    json_key(json, "initial");
    cli_report_state_json(json, model, pumping->trace.states[0]);
    json_key(json, "trace");
    cli_report_trace_json(json, model, &pumping->trace);
    json_key(json, "state");
    cli_report_state_json(json, model,
                          pumping->trace.states[pumping->trace.length]);
    json_key(json, "pumping_from");
    json_uint(json, pumping->from);
    json_key(json, "covered");
    cli_report_state_json(json, model, pumping->trace.states[pumping->from]);
    json_key(json, "pumping");
    json_begin_array(json);
    for (size_t i = pumping->from; i < pumping->trace.length; i++)
        json_string(json,
                    model->transitions[pumping->trace.transitions[i]].name);
    json_end_array(json);
    json_key(json, "unbounded");
    json_begin_array(json);
    for (size_t i = 0; i < pumping->growing_count; i++)
        json_string(json, model->slot_names[pumping->growing[i]]);
    json_end_array(json);
}

void check_props_races_json(json_writer *json, const model *model,
                            const explore_result *result,
                            const check_props *props, bool complete)
{
    for (size_t r = 0; r < props->races.count; r++) {
        const race_found *race = &props->races.races[r];
        json_begin_object(json);
        json_key(json, "name");
        json_string(json, "race-free");
        json_key(json, "resource");
        json_string(json, model->resource_names[r]);
        json_key(json, "holds");
        if (race->state != EXPLORE_NO_STATE)
            json_bool(json, false);
        else if (complete)
            json_bool(json, true);
        else
            json_null(json);
        explore_trace trace;
        pnsim_error error;
        if (race->state != EXPLORE_NO_STATE &&
            explore_trace_to(result, race->state, &trace, &error) ==
                PNSIM_OK) {
            json_key(json, "transitions");
            json_begin_array(json);
            json_string(json, model->transitions[race->first].name);
            json_string(json, model->transitions[race->second].name);
            json_end_array(json);
            json_key(json, "accesses");
            json_begin_array(json);
            json_string(json, race->first_access == MODEL_ACCESS_WRITE
                                  ? "write" : "read");
            json_string(json, race->second_access == MODEL_ACCESS_WRITE
                                  ? "write" : "read");
            json_end_array(json);
            json_key(json, "initial");
            cli_report_state_json(json, model, trace.states[0]);
            json_key(json, "trace");
            cli_report_trace_json(json, model, &trace);
            json_key(json, "state");
            cli_report_state_json(json, model, trace.states[trace.length]);
            explore_trace_free(&trace);
        }
        json_end_object(json);
    }
}

void check_csp_races_run(csp_script *script, const cli_options *options,
                         check_csp_races *races)
{
    memset(races, 0, sizeof *races);
    csp_build_options build = {0};
    if (options->max_states != 0)
        build.max_leaf_states = (size_t)options->max_states;
    races->model = csp_shared_model(script, options->process, &build,
                                    &races->error);
    if (races->model == NULL)
        return;
    explore_options explore;
    cli_explore_options(options, &explore);
    explore.stop_at_deadlock = false;
    races->result = explore_run(races->model, &explore, &races->error);
    cli_progress_done();
    races->computed = races->result != NULL &&
                      check_props_compute(races->model, races->result,
                                          &races->props,
                                          &races->error) == PNSIM_OK;
}

void check_csp_races_free(check_csp_races *races)
{
    if (races->computed)
        check_props_free(&races->props);
    explore_result_free(races->result);
    model_destroy(races->model);
    memset(races, 0, sizeof *races);
}
