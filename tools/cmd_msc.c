/*
 * cmd_msc.c — `pnsim msc MODEL -o FILE`: the run `pnsim check` would show,
 * drawn as a message sequence chart (engine/msc.h).
 *
 * Which run:
 *   PNML  the shortest run to a deadlock; else to the first race; else the
 *         pumping run of an unbounded net; else, for a design that passes,
 *         the shortest run to an intended final state, or else the
 *         shortest run back to the initial state (one round).
 *   CSP   the shortest run to a race on a resource its pragmas declare
 *         (unless --assert N is given); else the counterexample of the
 *         first failing assertion (deadlock or
 *         divergence: the run with its τ and ✓ steps; a has-trace or
 *         determinism trace: its visible events, each drawn on the
 *         processes of the first transition carrying it); when every
 *         assertion passes, the shortest run of the first assertion's
 *         process to successful termination (or back to its start).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_props.h"
#include "cli.h"
#include "csp/csp.h"
#include "lts_check.h"
#include "msc.h"

static const char msc_help[] =
    "Usage: pnsim msc MODEL -o FILE [options]\n"
    "\n"
    "Draws the run that `pnsim check` reports as a message sequence chart:\n"
    "one lifeline per component (CSP: leaf process; PNML: the transition's\n"
    "<component> in its pnsim toolspecific, else the part of its name\n"
    "before the first '_', e.g. phil0, t1), one box or arrow per step from\n"
    "top to bottom, dotted arrows where a step takes a token another\n"
    "lifeline put there, and the end marked: a red deadlock, the two\n"
    "transitions of a race, a divergence or unboundedness.  The run is the\n"
    "shortest deadlock, else race, else pumping run (PNML), or the race on a\n"
    "declared resource, else the first failing assertion's counterexample\n"
    "(CSP); for a design that passes, a shortest run to an intended end, or\n"
    "else back to the start.\n"
    "FILE's extension chooses the format: .dot, .gv, .svg, .png or .pdf.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE  where to write the chart\n"
    "  --shared P,...     declare places shared, as for check\n"
    "  --final COND       intended final states, as for check\n"
    "  --assert N         CSP: draw assertion N's counterexample\n"
    "  --max-states N     stop after N states (exit 3)\n"
    "  --max-memory SIZE  memory for the state store, e.g. 512M, 4G\n"
    "  --time-limit SEC   stop after SEC seconds (exit 3)\n"
    "  --threads N        worker threads (default: all cores)\n"
    "  --progress         report progress on stderr\n"
    "\n"
    "Exit status: 0 the chart was written, 2 bad input, 3 a limit was hit.\n";

/* The state as check prints it, in a string the caller frees. */
static char *msc_state_text(const model *model, const model_value *state)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (out == NULL)
        return NULL;
    cli_print_state(out, model, state);
    fclose(out);
    return text;
}

/* Finds the shortest run to an intended end, else back to the start. */
typedef struct msc_search {
    explore_state_id final;        /* first final dead state */
    explore_state_id back_from;    /* first state with an edge to 0 */
    uint32_t back_transition;
} msc_search;

static int msc_on_state(void *context, explore_state_id id,
                        const model_value *state, uint64_t edge_count,
                        bool is_final)
{
    (void)state;
    msc_search *search = context;
    if (edge_count == 0 && is_final && search->final == EXPLORE_NO_STATE)
        search->final = id;
    return 0;
}

static int msc_on_edge(void *context, explore_state_id source,
                       uint32_t transition, explore_state_id target)
{
    msc_search *search = context;
    if (target == 0 && search->back_from == EXPLORE_NO_STATE) {
        search->back_from = source;
        search->back_transition = transition;
    }
    return 0;
}

/* Draws `chart` to the output file and says what was drawn (`what`: "a
 * deadlock", ...).  Returns the exit code. */
static int msc_draw_report(const cli_options *options, const model *model,
                           const msc_chart *chart, const char *what)
{
    msc_summary summary;
    pnsim_error error;
    pnsim_error_clear(&error);
    if (msc_draw(model, chart, options->output_path, &summary, &error) !=
        PNSIM_OK)
        return cli_report_error(&error, CLI_EXIT_ERROR);
    printf("wrote %s: %s, %zu lifeline%s, %zu step%s, %zu arrow%s\n",
           options->output_path, what, summary.lifelines,
           summary.lifelines == 1 ? "" : "s", summary.steps,
           summary.steps == 1 ? "" : "s", summary.arrows,
           summary.arrows == 1 ? "" : "s");
    return CLI_EXIT_PASS;
}

/* Draws `trace` (plus an optional extra last step) and reports it. */
static int msc_write(const cli_options *options, const model *model,
                     const explore_trace *trace, uint32_t extra,
                     msc_ending ending, const char *note,
                     const uint32_t *marked, size_t marked_count,
                     const char *what)
{
    size_t count = trace->length + (extra != MSC_NO_TRANSITION ? 1 : 0);
    msc_step *steps = calloc(count + 1, sizeof *steps);
    if (steps == NULL) {
        fprintf(stderr, "pnsim msc: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    for (size_t i = 0; i < trace->length; i++)
        steps[i].transition = trace->transitions[i];
    if (extra != MSC_NO_TRANSITION)
        steps[trace->length].transition = extra;
    msc_chart chart = {
        .step_count = count, .steps = steps,
        .states = extra == MSC_NO_TRANSITION && trace->states != NULL
                      ? trace->states : NULL,
        .ending = ending, .note = note,
        .marked_count = marked_count, .marked = marked,
    };
    int code = msc_draw_report(options, model, &chart, what);
    free(steps);
    return code;
}

/* Draws the shortest run to `race` in `result` (an exploration of
 * `model`), its two transitions marked. */
static int msc_write_race(const cli_options *options, const model *model,
                          const explore_result *result, const race_found *race)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    explore_trace trace = {0};
    if (explore_trace_to(result, race->state, &trace, &error) != PNSIM_OK)
        return cli_report_error(&error, CLI_EXIT_ERROR);
    const char *resource = model->resource_names[race->resource];
    size_t length = strlen(resource) + 16;
    char *note = malloc(length);
    if (note != NULL)
        snprintf(note, length, "on %s", resource);
    uint32_t marked[2] = {race->first, race->second};
    int code = msc_write(options, model, &trace, MSC_NO_TRANSITION,
                         MSC_END_RACE, note, marked, 2, "race");
    free(note);
    explore_trace_free(&trace);
    return code;
}

/* ---- Petri nets (and any model loaded as one) ----------------------------- */

static int msc_net(const cli_options *options)
{
    cli_model loaded;
    state_predicate *final;
    if (cli_load_model_and_final(options, &loaded, &final) != 0)
        return CLI_EXIT_ERROR;
    const model *model = loaded.model;
    pnsim_error error;
    pnsim_error_clear(&error);
    explore_options explore;
    cli_explore_options(options, &explore);
    explore.final = final;
    explore.find_pumping = true;
    msc_search search = {EXPLORE_NO_STATE, EXPLORE_NO_STATE, 0};
    explore.on_state = msc_on_state;
    explore.on_edge = msc_on_edge;
    explore.hook_context = &search;
    explore_result *result = explore_run(model, &explore, &error);
    cli_progress_done();
    int code = CLI_EXIT_ERROR;
    check_props props;
    bool have_props = false;
    explore_trace trace = {0};
    char *note = NULL;
    if (result == NULL) {
        code = cli_report_error(&error, CLI_EXIT_ERROR);
        goto done;
    }
    explore_outcome outcome = explore_result_outcome(result);
    const explore_stats *stats = explore_result_stats(result);
    if (outcome == EXPLORE_FAILED) {
        code = cli_report_error(&error, CLI_EXIT_ERROR);
        goto done;
    }
    if (check_props_compute(model, result, &props, &error) != PNSIM_OK) {
        code = cli_report_error(&error, CLI_EXIT_ERROR);
        goto done;
    }
    have_props = true;

    const race_found *race = NULL;
    for (size_t i = 0; i < props.races.count && race == NULL; i++)
        if (props.races.races[i].state != EXPLORE_NO_STATE)
            race = &props.races.races[i];

    if (stats->dead_nonfinal > 0) {
        if (explore_trace_to(result, stats->first_deadlock, &trace, &error) != PNSIM_OK) {
            code = cli_report_error(&error, CLI_EXIT_ERROR);
            goto done;
        }
        note = msc_state_text(model, trace.states[trace.length]);
        code = msc_write(options, model, &trace, MSC_NO_TRANSITION,
                         MSC_END_DEADLOCK, note, NULL, 0, "deadlock");
    } else if (race != NULL) {
        code = msc_write_race(options, model, result, race);
    } else if (props.unbounded) {
        const bounded_pumping *pump = &props.pumping;
        size_t length = 64;
        for (size_t i = 0; i < pump->growing_count; i++)
            length += strlen(model->slot_names[pump->growing[i]]) + 2;
        note = malloc(length);
        if (note != NULL) {
            int at = snprintf(note, length, "steps %zu-%zu repeat and grow ",
                              pump->from + 1, pump->trace.length);
            for (size_t i = 0; i < pump->growing_count && at > 0; i++)
                at += snprintf(note + at, length - (size_t)at, "%s%s",
                               i > 0 ? ", " : "",
                               model->slot_names[pump->growing[i]]);
        }
        code = msc_write(options, model, &pump->trace, MSC_NO_TRANSITION,
                         MSC_END_UNBOUNDED, note, NULL, 0, "unbounded");
    } else if (outcome != EXPLORE_COMPLETE) {
        fprintf(stderr, "pnsim msc: %s: the exploration ended early (%s)\n",
                options->model_path, explore_outcome_name(outcome));
        code = CLI_EXIT_INCONCLUSIVE;
    } else if (search.final != EXPLORE_NO_STATE) {
        if (explore_trace_to(result, search.final, &trace, &error) != PNSIM_OK) {
            code = cli_report_error(&error, CLI_EXIT_ERROR);
            goto done;
        }
        code = msc_write(options, model, &trace, MSC_NO_TRANSITION,
                         MSC_END_NONE, NULL, NULL, 0, "a run to an intended end");
    } else if (search.back_from != EXPLORE_NO_STATE) {
        if (explore_trace_to(result, search.back_from, &trace, &error) != PNSIM_OK) {
            code = cli_report_error(&error, CLI_EXIT_ERROR);
            goto done;
        }
        code = msc_write(options, model, &trace, search.back_transition,
                         MSC_END_NONE, NULL, NULL, 0, "a round back to the start");
    } else {
        code = msc_write(options, model, &trace, MSC_NO_TRANSITION,
                         MSC_END_NONE, NULL, NULL, 0, "no run");
    }
done:
    free(note);
    explore_trace_free(&trace);
    if (have_props)
        check_props_free(&props);
    if (result != NULL)
        explore_result_free(result);
    state_predicate_free(final);
    cli_unload_model(&loaded);
    return code;
}

/* ---- CSP ----------------------------------------------------------------- */

/* The first transition whose visible label is `event`, or none. */
static uint32_t msc_transition_of(const model *model, const char *event)
{
    for (size_t t = 0; t < model->transition_count; t++)
        if (model->transitions[t].kind == MODEL_VISIBLE &&
            strcmp(lts_event_of(model, (uint32_t)t), event) == 0)
            return (uint32_t)t;
    return MSC_NO_TRANSITION;
}

static int msc_csp_draw(const cli_options *options, const model *model,
                        csp_script *script, size_t index,
                        const csp_assertion *a, const lts_check_result *c)
{
    /* `assert not P :[has trace]: t` fails because t is a trace: the
     * witness is t itself */
    const char *const *events = c->events;
    size_t length = c->length;
    pnsim_error error;
    pnsim_error_clear(&error);
    if (a->kind == CSP_CHECK_HAS_TRACE && a->negated &&
        c->ending == LTS_END_NONE &&
        csp_assertion_trace(script, index, &events, &length, &error) != PNSIM_OK)
        return cli_report_error(&error, CLI_EXIT_ERROR);
    msc_step *steps = calloc(length + 1, sizeof *steps);
    if (steps == NULL) {
        fprintf(stderr, "pnsim msc: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    for (size_t i = 0; i < length; i++) {
        if (c->transitions != NULL && c->ending != LTS_END_NONE) {
            steps[i].transition = c->transitions[i];
        } else {
            steps[i].transition = msc_transition_of(model, events[i]);
            steps[i].label = events[i];
        }
    }
    msc_ending ending = MSC_END_NONE;
    const char *what = "a run to termination";
    char *note = NULL;
    switch (c->ending) {
    case LTS_END_DEADLOCK:
        ending = MSC_END_DEADLOCK;
        what = "deadlock";
        break;
    case LTS_END_DIVERGENCE:
        ending = MSC_END_DIVERGENCE;
        what = "divergence";
        break;
    case LTS_END_NONDETERMINISM:
    case LTS_END_TRACE_MISSING:
        ending = MSC_END_VIOLATION;
        what = "violation";
        break;
    case LTS_END_NONE:
        break;
    }
    if (ending == MSC_END_VIOLATION || ending == MSC_END_DIVERGENCE ||
        (c->ending == LTS_END_NONE && a->negated)) {
        if (c->ending == LTS_END_NONE) {
            ending = MSC_END_VIOLATION;
            what = "violation";
        }
        size_t length = strlen(a->text) + 32;
        note = malloc(length);
        if (note != NULL)
            snprintf(note, length, "fails %s", a->text);
    }
    msc_chart chart = {.step_count = length, .steps = steps,
                       .ending = ending, .note = note};
    int code = msc_draw_report(options, model, &chart, what);
    free(steps);
    free(note);
    return code;
}

/* A run of `model` to termination, else back to its start. */
static int msc_csp_run(const cli_options *options, const model *model)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    explore_options explore;
    cli_explore_options(options, &explore);
    msc_search search = {EXPLORE_NO_STATE, EXPLORE_NO_STATE, 0};
    explore.on_state = msc_on_state;
    explore.on_edge = msc_on_edge;
    explore.hook_context = &search;
    explore_result *result = explore_run(model, &explore, &error);
    cli_progress_done();
    if (result == NULL)
        return cli_report_error(&error, CLI_EXIT_ERROR);
    explore_trace trace = {0};
    int code;
    explore_state_id target = search.final != EXPLORE_NO_STATE
                                  ? search.final : search.back_from;
    if (target != EXPLORE_NO_STATE &&
        explore_trace_to(result, target, &trace, &error) != PNSIM_OK) {
        code = cli_report_error(&error, CLI_EXIT_ERROR);
    } else {
        bool back = search.final == EXPLORE_NO_STATE &&
                    search.back_from != EXPLORE_NO_STATE;
        code = msc_write(options, model, &trace,
                         back ? search.back_transition : MSC_NO_TRANSITION,
                         MSC_END_NONE, NULL, NULL, 0,
                         back ? "a round back to the start"
                              : "a run to termination");
    }
    explore_trace_free(&trace);
    explore_result_free(result);
    return code;
}

/* The race of a script that declares shared resources, as check finds it.
 * Returns -1 when there is none (or nothing is declared), else the exit
 * code. */
static int msc_csp_race(const cli_options *options, csp_script *script)
{
    if (csp_shared_count(script) == 0)
        return -1;
    check_csp_races races;
    check_csp_races_run(script, options, &races);
    int code = -1;
    if (races.model == NULL) {
        code = cli_report_error(&races.error,
                                csp_failure_of(&races.error) ==
                                        CSP_FAILURE_LIMIT
                                    ? CLI_EXIT_INCONCLUSIVE
                                    : CLI_EXIT_ERROR);
    } else if (!races.computed ||
               explore_result_outcome(races.result) == EXPLORE_FAILED) {
        code = cli_report_error(&races.error, CLI_EXIT_ERROR);
    } else {
        for (size_t i = 0; i < races.props.races.count && code < 0; i++)
            if (races.props.races.races[i].state != EXPLORE_NO_STATE)
                code = msc_write_race(options, races.model, races.result,
                                      &races.props.races.races[i]);
    }
    check_csp_races_free(&races);
    return code;
}

static int msc_csp(const cli_options *options)
{
    pnsim_error error;
    size_t first, last;
    csp_script *script = cli_load_csp_assertions(options, &first, &last);
    if (script == NULL)
        return CLI_EXIT_ERROR;
    /* The race the pragmas ask about comes first, unless one assertion is
     * asked for. */
    int code = options->assertion == 0 ? msc_csp_race(options, script) : -1;
    model *run_model = NULL;          /* the first checked process */
    for (size_t i = first; i < last && code < 0; i++) {
        const csp_assertion *a = csp_assertion_at(script, i);
        if (a->kind == CSP_CHECK_REFINEMENT || a->kind == CSP_CHECK_OTHER)
            continue;
        csp_build_options build = {0};
        if (options->max_states != 0)
            build.max_leaf_states = (size_t)options->max_states;
        model *m = csp_assertion_model(script, i, &build, &error);
        if (m == NULL) {
            code = cli_report_error(&error, csp_failure_of(&error) == CSP_FAILURE_LIMIT
                                                ? CLI_EXIT_INCONCLUSIVE
                                                : CLI_EXIT_ERROR);
            break;
        }
        explore_options explore;
        cli_explore_options(options, &explore);
        bool fd = a->semantic_model == CSP_CHECK_MODEL_FD;
        lts_check_result check;
        memset(&check, 0, sizeof check);
        pnsim_status status;
        switch (a->kind) {
        case CSP_CHECK_DEADLOCK_FREE:
            status = lts_check_deadlock(m, &explore, fd, &check, &error);
            break;
        case CSP_CHECK_DIVERGENCE_FREE:
            status = lts_check_divergence(m, &explore, &check, &error);
            break;
        case CSP_CHECK_DETERMINISTIC:
            status = lts_check_determinism(m, &explore, fd, &check, &error);
            break;
        default: {
            const char *const *events;
            size_t length;
            status = csp_assertion_trace(script, i, &events, &length, &error);
            if (status == PNSIM_OK)
                status = lts_check_has_trace(m, &explore, events, length,
                                             &check, &error);
            break;
        }
        }
        if (status != PNSIM_OK) {
            code = cli_report_error(&error, CLI_EXIT_ERROR);
            model_destroy(m);
            break;
        }
        bool fails = check.verdict != LTS_UNKNOWN &&
                     (check.verdict == LTS_HOLDS) == a->negated;
        if (fails)
            code = msc_csp_draw(options, m, script, i, a, &check);
        lts_check_result_free(&check);
        if (run_model == NULL && code < 0)
            run_model = m;
        else
            model_destroy(m);
    }
    if (code < 0) {
        if (run_model != NULL) {
            code = msc_csp_run(options, run_model);
        } else {
            fprintf(stderr, "pnsim msc: %s: no assertion to draw a run of\n",
                    options->model_path);
            code = CLI_EXIT_ERROR;
        }
    }
    model_destroy(run_model);
    csp_free(script);
    return code;
}

int cli_msc(int argc, char **argv)
{
    cli_options options;
    int code = cli_parse_options(argc, argv,
                                 CLI_TAKES_OUTPUT | CLI_TAKES_LIMITS |
                                 CLI_TAKES_FINAL | CLI_TAKES_SHARED,
                                 msc_help, &options);
    if (code >= 0)
        return code;
    if (options.output_path == NULL) {
        fprintf(stderr, "pnsim msc: -o FILE is required\n");
        return CLI_EXIT_ERROR;
    }
    if (cli_is_csp(options.model_path))
        return msc_csp(&options);
    return msc_net(&options);
}
