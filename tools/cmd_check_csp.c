/*
 * cmd_check_csp.c — `pnsim check SCRIPT.csp`: checks the `assert`
 * statements of a CSPm script (all of them, or the one --assert N names).
 *
 * For each assertion the report gives the assertion as written, PASS, FAIL,
 * UNKNOWN (a limit ended the check), UNSUPPORTED (other models: [R=, [V=
 * ...) or ERROR, the states and edges explored, and for a failure the
 * shortest counterexample in FDR's style: the trace (τ shown where the run
 * has one) and how it ends — a deadlock, a divergence (the τ-cycle), an
 * event both possible and refusable (nondeterminism), or the event a trace
 * cannot continue with.  Refinement (SPEC [T= IMPL, [F=, [FD=; refine.h)
 * ends with the event the specification cannot do, the refusal it does not
 * allow (with its minimal acceptances there), or the divergence.  `assert not P :[...]` passes when the inner property
 * fails; the inner counterexample is then shown as the witness.
 *
 * Races.  When the script declares shared resources (`{-# pnsim shared
 * ... #-}`, csp_pragma.h), the check also explores the process the
 * pragmas name (process:, else SYSTEM; --process overrides both) and adds
 * a `race-free` property per resource, reported as `pnsim check` reports
 * it for a net (check_props.h): the two transitions, the resource and the
 * shortest run to the state that enables both.  --assert N checks that
 * assertion alone, without the race check.
 *
 * Exit code: 2 when an assertion could not be evaluated (input error),
 * else 1 when one fails, else 3 when one is unknown or unsupported, else 0.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check_props.h"
#include "cli.h"
#include "cli_report.h"
#include "csp/csp.h"
#include "json.h"
#include "lts_check.h"
#include "refine.h"

typedef enum csp_outcome {
    OUTCOME_PASS, OUTCOME_FAIL, OUTCOME_UNKNOWN, OUTCOME_UNSUPPORTED,
    OUTCOME_ERROR
} csp_outcome;

static const char *outcome_word(csp_outcome outcome)
{
    switch (outcome) {
    case OUTCOME_PASS: return "PASS";
    case OUTCOME_FAIL: return "FAIL";
    case OUTCOME_UNKNOWN: return "UNKNOWN";
    case OUTCOME_UNSUPPORTED: return "UNSUPPORTED";
    case OUTCOME_ERROR: return "ERROR";
    }
    return "?";
}

static const char *kind_name(csp_check_kind kind)
{
    switch (kind) {
    case CSP_CHECK_DEADLOCK_FREE: return "deadlock-free";
    case CSP_CHECK_DIVERGENCE_FREE: return "divergence-free";
    case CSP_CHECK_DETERMINISTIC: return "deterministic";
    case CSP_CHECK_HAS_TRACE: return "has-trace";
    case CSP_CHECK_REFINEMENT: return "refinement";
    case CSP_CHECK_OTHER: return "other";
    }
    return "other";
}

/* One assertion's result. */
typedef struct csp_report {
    const csp_assertion *assertion;
    size_t index;
    csp_outcome outcome;
    bool checked;               /* `check` holds a result */
    lts_check_result check;
    bool refined;               /* `refine` holds a result */
    refine_result refine;
    const model *model;         /* for transition names (may be NULL) */
    pnsim_error error;
    const char *note;
} csp_report;

static void run_assertion(csp_script *script, size_t index,
                          const cli_options *options, csp_report *report,
                          model **built, model **built_impl)
{
    const csp_assertion *a = csp_assertion_at(script, index);
    report->assertion = a;
    report->index = index;
    pnsim_error_clear(&report->error);
    *built = NULL;
    *built_impl = NULL;
    if (a->kind == CSP_CHECK_OTHER) {
        report->outcome = OUTCOME_UNSUPPORTED;
        report->note = "this property is not supported";
        return;
    }
    csp_build_options build = {0};
    if (options->max_states != 0)
        build.max_leaf_states = (size_t)options->max_states;
    model *m = csp_assertion_model(script, index, &build, &report->error);
    if (m == NULL) {
        report->outcome = csp_failure_of(&report->error) == CSP_FAILURE_LIMIT
                              ? OUTCOME_UNKNOWN : OUTCOME_ERROR;
        return;
    }
    *built = m;
    report->model = m;
    explore_options explore;
    cli_explore_options(options, &explore);
    explore.stop_at_deadlock = false;
    if (a->kind == CSP_CHECK_REFINEMENT) {
        model *impl = csp_assertion_impl_model(script, index, &build, &report->error);
        if (impl == NULL) {
            report->outcome = csp_failure_of(&report->error) == CSP_FAILURE_LIMIT
                                  ? OUTCOME_UNKNOWN : OUTCOME_ERROR;
            return;
        }
        *built_impl = impl;
        refine_semantics semantics = a->semantic_model == CSP_CHECK_MODEL_T
                                         ? REFINE_TRACES
                                   : a->semantic_model == CSP_CHECK_MODEL_F
                                         ? REFINE_FAILURES
                                         : REFINE_FAILURES_DIVERGENCES;
        explore.on_progress = NULL;
        if (refine_check(m, impl, semantics, &explore, &report->refine,
                         &report->error) != PNSIM_OK) {
            report->outcome = OUTCOME_ERROR;
            return;
        }
        report->refined = true;
        lts_verdict verdict = report->refine.verdict;
        report->outcome = verdict == LTS_UNKNOWN ? OUTCOME_UNKNOWN
                        : (verdict == LTS_HOLDS) != a->negated ? OUTCOME_PASS
                                                               : OUTCOME_FAIL;
        return;
    }
    bool fd = a->semantic_model == CSP_CHECK_MODEL_FD;
    pnsim_status status;
    switch (a->kind) {
    case CSP_CHECK_DEADLOCK_FREE:
        status = lts_check_deadlock(m, &explore, fd, &report->check, &report->error);
        break;
    case CSP_CHECK_DIVERGENCE_FREE:
        status = lts_check_divergence(m, &explore, &report->check, &report->error);
        break;
    case CSP_CHECK_DETERMINISTIC:
        status = lts_check_determinism(m, &explore, fd, &report->check,
                                       &report->error);
        break;
    default: {
        const char *const *events;
        size_t count;
        status = csp_assertion_trace(script, index, &events, &count, &report->error);
        if (status == PNSIM_OK)
            status = lts_check_has_trace(m, &explore, events, count, &report->check,
                                         &report->error);
        break;
    }
    }
    report->checked = true;
    if (status != PNSIM_OK) {
        report->outcome = OUTCOME_ERROR;
        return;
    }
    lts_verdict verdict = report->check.verdict;
    if (verdict == LTS_UNKNOWN)
        report->outcome = OUTCOME_UNKNOWN;
    else if ((verdict == LTS_HOLDS) != a->negated)
        report->outcome = OUTCOME_PASS;
    else
        report->outcome = OUTCOME_FAIL;
}

/* The race check of the script's shared resources, and its verdict. */
typedef struct csp_races {
    check_csp_races check;
    csp_outcome outcome;
} csp_races;

static void run_races(csp_script *script, const cli_options *options,
                      csp_races *races)
{
    const check_csp_races *c = &races->check;
    check_csp_races_run(script, options, &races->check);
    if (c->model == NULL) {
        races->outcome = csp_failure_of(&c->error) == CSP_FAILURE_LIMIT
                             ? OUTCOME_UNKNOWN : OUTCOME_ERROR;
        return;
    }
    if (!c->computed) {
        races->outcome = OUTCOME_ERROR;
        return;
    }
    bool complete = explore_result_outcome(c->result) == EXPLORE_COMPLETE;
    races->outcome = check_props_race_found(&c->props) ? OUTCOME_FAIL
                   : check_props_race_unknown(&c->props, complete)
                       ? OUTCOME_UNKNOWN : OUTCOME_PASS;
}

/* ---- text ------------------------------------------------------------- */

static void print_events(FILE *out, const csp_report *r)
{
    const lts_check_result *c = &r->check;
    fputc('<', out);
    for (size_t i = 0; i < c->length; i++) {
        if (i > 0)
            fputs(", ", out);
        fputs(c->events != NULL ? c->events[i]
                                : lts_event_of(r->model, c->transitions[i]), out);
    }
    fputc('>', out);
}

static void print_counterexample(FILE *out, const csp_report *r)
{
    const lts_check_result *c = &r->check;
    const char *lead = r->assertion->negated ? "witness (the property fails)"
                                             : "counterexample";
    switch (c->ending) {
    case LTS_END_NONE:
        return;
    case LTS_END_DEADLOCK:
        fprintf(out, "      %s: trace ", lead);
        print_events(out, r);
        fprintf(out, " then deadlock (refuses every event and ✓)\n");
        break;
    case LTS_END_DIVERGENCE:
        fprintf(out, "      %s: trace ", lead);
        print_events(out, r);
        fprintf(out, " then diverges: <");
        for (size_t i = 0; i < c->loop_length; i++)
            fprintf(out, "%s%s", i ? ", " : "", lts_event_of(r->model, c->loop[i]));
        fprintf(out, "> repeats forever\n");
        break;
    case LTS_END_NONDETERMINISM:
        fprintf(out, "      %s: after ", lead);
        print_events(out, r);
        fprintf(out, " the process can both perform and refuse %s\n", c->event);
        break;
    case LTS_END_TRACE_MISSING:
        fprintf(out, "      %s: after ", lead);
        print_events(out, r);
        fprintf(out, " the process cannot perform %s\n", c->event);
        break;
    }
    if (c->final_state != NULL && r->model != NULL &&
        c->ending == LTS_END_DEADLOCK) {
        fprintf(out, "      dead state: ");
        cli_print_state(out, r->model, c->final_state);
        fputc('\n', out);
    }
}

static void print_names(FILE *out, const char *const *names, size_t count,
                        char open, char close)
{
    fputc(open, out);
    for (size_t i = 0; i < count; i++)
        fprintf(out, "%s%s", i ? ", " : "", names[i]);
    fputc(close, out);
}

static void print_refinement(FILE *out, const csp_report *r)
{
    const refine_result *c = &r->refine;
    fprintf(out, " %" PRIu64 " pair%s, %" PRIu64 " edge%s, %.3f s (spec %" PRIu64
                 " states, %" PRIu64 " normal; impl %" PRIu64 " states)",
            c->pairs, c->pairs == 1 ? "" : "s", c->edges, c->edges == 1 ? "" : "s",
            c->seconds, c->spec_states, c->normal_states, c->impl_states);
    if (r->outcome == OUTCOME_UNKNOWN)
        fprintf(out, " (%s)", explore_outcome_name(c->outcome));
    fputc('\n', out);
    if (c->ending == REFINE_END_NONE)
        return;
    const char *lead = r->assertion->negated ? "witness (the refinement fails)"
                                             : "counterexample";
    fprintf(out, "      %s: after ", lead);
    print_names(out, c->trace, c->length, '<', '>');
    switch (c->ending) {
    case REFINE_END_TRACE:
        fprintf(out, " the implementation performs %s, which the specification "
                     "cannot\n", c->event);
        break;
    case REFINE_END_REFUSAL:
        fprintf(out, " the implementation refuses ");
        print_names(out, c->refusal, c->refusal_count, '{', '}');
        fprintf(out, " (it offers only ");
        print_names(out, c->offers, c->offer_count, '{', '}');
        fprintf(out, "); the specification's minimal acceptances there: {");
        size_t at = 0;
        for (size_t k = 0; k < c->acceptance_count; k++) {
            fputs(k ? ", " : "", out);
            print_names(out, c->acceptance_events + at, c->acceptance_sizes[k], '{',
                        '}');
            at += c->acceptance_sizes[k];
        }
        fprintf(out, "}\n");
        break;
    case REFINE_END_DIVERGENCE:
        fprintf(out, " the implementation diverges (");
        print_names(out, c->loop, c->loop_length, '<', '>');
        fprintf(out, " repeats forever), which the specification cannot\n");
        break;
    case REFINE_END_NONE:
        break;
    }
}

static void print_text(const csp_report *r)
{
    printf("  [%zu] %s   (line %lu)\n", r->index + 1, r->assertion->text,
           r->assertion->line);
    printf("      %-11s", outcome_word(r->outcome));
    if (r->outcome == OUTCOME_UNSUPPORTED) {
        printf(" %s\n", r->note);
        return;
    }
    if (r->outcome == OUTCOME_ERROR ||
        (r->outcome == OUTCOME_UNKNOWN && !r->checked && !r->refined)) {
        char message[2048];
        printf(" %s\n", pnsim_error_format(&r->error, message, sizeof message));
        return;
    }
    if (r->refined) {
        print_refinement(stdout, r);
        return;
    }
    printf(" %" PRIu64 " state%s, %" PRIu64 " edge%s, %.3f s",
           r->check.states, r->check.states == 1 ? "" : "s", r->check.edges,
           r->check.edges == 1 ? "" : "s", r->check.seconds);
    if (r->outcome == OUTCOME_UNKNOWN)
        printf(" (%s)", explore_outcome_name(r->check.outcome));
    putchar('\n');
    print_counterexample(stdout, r);
}

static void print_races_text(const csp_races *verdict, const cli_options *options)
{
    const check_csp_races *races = &verdict->check;
    if (races->model == NULL || races->result == NULL || !races->computed) {
        char message[2048];
        printf("  race-free      %-8s%s\n", outcome_word(verdict->outcome),
               pnsim_error_format(&races->error, message, sizeof message));
        return;
    }
    const explore_stats *stats = explore_result_stats(races->result);
    explore_outcome outcome = explore_result_outcome(races->result);
    printf("  race check of %s: %" PRIu64 " state%s, %" PRIu64 " edge%s, "
           "%.3f s", races->model->name, stats->states,
           stats->states == 1 ? "" : "s", stats->edges,
           stats->edges == 1 ? "" : "s", stats->seconds);
    if (outcome != EXPLORE_COMPLETE)
        printf(" (%s)", explore_outcome_name(outcome));
    putchar('\n');
    check_props_races_text(stdout, races->model, &races->props,
                           outcome == EXPLORE_COMPLETE);
    check_props_runs_text(stdout, races->model, races->result, &races->props);
    if (outcome != EXPLORE_COMPLETE && explore_outcome_is_limit(outcome)) {
        putchar('\n');
        cli_report_resources_text(stdout, stats, outcome, options);
    }
}

/* ---- JSON ------------------------------------------------------------- */

static void json_events(json_writer *json, const csp_report *r)
{
    json_begin_array(json);
    for (size_t i = 0; i < r->check.length; i++)
        json_string(json, r->check.events != NULL
                              ? r->check.events[i]
                              : lts_event_of(r->model, r->check.transitions[i]));
    json_end_array(json);
}

static void json_names(json_writer *json, const char *const *names, size_t count)
{
    json_begin_array(json);
    for (size_t i = 0; i < count; i++)
        json_string(json, names[i]);
    json_end_array(json);
}

static void json_refinement(json_writer *json, const csp_report *r)
{
    static const char *const endings[] = {
        [REFINE_END_NONE] = NULL, [REFINE_END_TRACE] = "trace-violation",
        [REFINE_END_REFUSAL] = "refusal", [REFINE_END_DIVERGENCE] = "divergence",
    };
    const refine_result *c = &r->refine;
    json_key(json, "semantic_model");
    json_string(json, r->assertion->semantic_model == CSP_CHECK_MODEL_T ? "T"
                    : r->assertion->semantic_model == CSP_CHECK_MODEL_F ? "F" : "FD");
    json_key(json, "states");
    json_uint(json, c->pairs);
    json_key(json, "edges");
    json_uint(json, c->edges);
    json_key(json, "seconds");
    json_double(json, c->seconds);
    json_key(json, "outcome");
    json_string(json, explore_outcome_name(c->outcome));
    json_key(json, "spec_states");
    json_uint(json, c->spec_states);
    json_key(json, "normal_states");
    json_uint(json, c->normal_states);
    json_key(json, "impl_states");
    json_uint(json, c->impl_states);
    if (c->ending == REFINE_END_NONE)
        return;
    json_key(json, "ending");
    json_string(json, endings[c->ending]);
    json_key(json, "trace");
    json_names(json, c->trace, c->length);
    if (c->ending == REFINE_END_TRACE) {
        json_key(json, "event");
        json_string(json, c->event);
    }
    if (c->ending == REFINE_END_REFUSAL) {
        json_key(json, "refusal");
        json_names(json, c->refusal, c->refusal_count);
        json_key(json, "offers");
        json_names(json, c->offers, c->offer_count);
        json_key(json, "spec_acceptances");
        json_begin_array(json);
        size_t at = 0;
        for (size_t k = 0; k < c->acceptance_count; k++) {
            json_names(json, c->acceptance_events + at, c->acceptance_sizes[k]);
            at += c->acceptance_sizes[k];
        }
        json_end_array(json);
    }
    if (c->ending == REFINE_END_DIVERGENCE) {
        json_key(json, "loop");
        json_names(json, c->loop, c->loop_length);
    }
}

static void print_json_property(json_writer *json, const csp_report *r)
{
    static const char *const endings[] = {
        [LTS_END_NONE] = NULL, [LTS_END_DEADLOCK] = "deadlock",
        [LTS_END_DIVERGENCE] = "divergence",
        [LTS_END_NONDETERMINISM] = "nondeterminism",
        [LTS_END_TRACE_MISSING] = "trace-missing",
    };
    json_begin_object(json);
    json_key(json, "name");
    json_string(json, r->assertion->text);
    json_key(json, "index");
    json_uint(json, r->index + 1);
    json_key(json, "line");
    json_uint(json, r->assertion->line);
    json_key(json, "kind");
    json_string(json, kind_name(r->assertion->kind));
    json_key(json, "negated");
    json_bool(json, r->assertion->negated);
    json_key(json, "holds");
    if (r->outcome == OUTCOME_PASS || r->outcome == OUTCOME_FAIL)
        json_bool(json, r->outcome == OUTCOME_PASS);
    else
        json_null(json);
    json_key(json, "status");
    json_string(json, r->outcome == OUTCOME_PASS ? "pass"
                    : r->outcome == OUTCOME_FAIL ? "fail"
                    : r->outcome == OUTCOME_UNKNOWN ? "inconclusive"
                    : r->outcome == OUTCOME_UNSUPPORTED ? "unsupported" : "error");
    if (r->checked) {
        json_key(json, "states");
        json_uint(json, r->check.states);
        json_key(json, "edges");
        json_uint(json, r->check.edges);
        json_key(json, "seconds");
        json_double(json, r->check.seconds);
        json_key(json, "outcome");
        json_string(json, explore_outcome_name(r->check.outcome));
        if (r->check.ending != LTS_END_NONE) {
            json_key(json, "ending");
            json_string(json, endings[r->check.ending]);
            json_key(json, "trace");
            json_events(json, r);
            if (r->check.event != NULL) {
                json_key(json, "event");
                json_string(json, r->check.event);
            }
            if (r->check.loop_length > 0) {
                json_key(json, "loop");
                json_begin_array(json);
                for (size_t i = 0; i < r->check.loop_length; i++)
                    json_string(json, lts_event_of(r->model, r->check.loop[i]));
                json_end_array(json);
            }
            if (r->check.final_state != NULL && r->model != NULL &&
                r->check.ending == LTS_END_DEADLOCK) {
                json_key(json, "state");
                json_begin_object(json);
                for (size_t i = 0; i < r->model->state_length; i++) {
                    json_key(json, r->model->slot_names[i]);
                    json_uint(json, r->check.final_state[i]);
                }
                json_end_object(json);
            }
        }
    }
    if (r->refined)
        json_refinement(json, r);
    if (r->outcome == OUTCOME_UNSUPPORTED) {
        json_key(json, "note");
        json_string(json, r->note);
    }
    if (r->outcome == OUTCOME_ERROR ||
        (r->outcome == OUTCOME_UNKNOWN && !r->checked && !r->refined)) {
        char message[2048];
        json_key(json, "error");
        json_string(json, pnsim_error_format(&r->error, message, sizeof message));
    }
    json_end_object(json);
}

static void print_races_json(json_writer *json, const csp_races *verdict)
{
    const check_csp_races *races = &verdict->check;
    if (races->computed) {
        check_props_races_json(json, races->model, races->result, &races->props,
                               explore_result_outcome(races->result) ==
                                   EXPLORE_COMPLETE);
        return;
    }
    char message[2048];
    json_begin_object(json);
    json_key(json, "name");
    json_string(json, "race-free");
    json_key(json, "holds");
    json_null(json);
    json_key(json, "status");
    json_string(json, verdict->outcome == OUTCOME_UNKNOWN ? "inconclusive" : "error");
    json_key(json, "error");
    json_string(json, pnsim_error_format(&races->error, message, sizeof message));
    json_end_object(json);
}

static const char *overall(int code)
{
    return code == CLI_EXIT_PASS ? "pass" : code == CLI_EXIT_FAIL ? "fail"
         : code == CLI_EXIT_INCONCLUSIVE ? "inconclusive" : "error";
}

csp_script *cli_load_csp_assertions(const cli_options *options,
                                    size_t *first, size_t *last)
{
    pnsim_error error;
    csp_script *script = csp_load(options->model_path, &error);
    if (script == NULL) {
        cli_report_error(&error, CLI_EXIT_ERROR);
        return NULL;
    }
    size_t count = csp_assertion_count(script);
    *first = 0;
    *last = count;
    if (options->assertion == 0)
        return script;
    if (options->assertion > count) {
        pnsim_error_set_at(&error, PNSIM_ERR_USAGE, options->model_path, 0, 0,
                           "--assert %" PRIu64 ": the script has %zu "
                           "assertion%s", options->assertion, count,
                           count == 1 ? "" : "s");
        csp_free(script);
        cli_report_error(&error, CLI_EXIT_ERROR);
        return NULL;
    }
    *first = (size_t)options->assertion - 1;
    *last = *first + 1;
    return script;
}

int cli_check_csp(const cli_options *options)
{
    pnsim_error error;
    size_t first, last;
    csp_script *script = cli_load_csp_assertions(options, &first, &last);
    if (script == NULL)
        return CLI_EXIT_ERROR;
    size_t count = csp_assertion_count(script);
    csp_report *reports = calloc(last - first + 1, sizeof *reports);
    model **models = calloc(last - first + 1, sizeof *models);
    model **impls = calloc(last - first + 1, sizeof *impls);
    if (reports == NULL || models == NULL || impls == NULL) {
        free(reports);
        free(models);
        free(impls);
        csp_free(script);
        pnsim_error_set(&error, PNSIM_ERR_NOMEM, "out of memory");
        return cli_report_error(&error, CLI_EXIT_ERROR);
    }
    bool any_fail = false, any_open = false, any_error = false;
    if (!options->json)
        printf("pnsim check: %s (csp: %zu assertion%s)\n\n", options->model_path,
               count, count == 1 ? "" : "s");
    for (size_t i = first; i < last; i++) {
        csp_report *r = &reports[i - first];
        run_assertion(script, i, options, r, &models[i - first], &impls[i - first]);
        any_fail |= r->outcome == OUTCOME_FAIL;
        any_open |= r->outcome == OUTCOME_UNKNOWN || r->outcome == OUTCOME_UNSUPPORTED;
        any_error |= r->outcome == OUTCOME_ERROR;
        if (!options->json) {
            print_text(r);
            fflush(stdout);
        }
    }
    csp_races races = {0};
    bool race_check = options->assertion == 0 && csp_shared_count(script) > 0;
    if (race_check) {
        run_races(script, options, &races);
        any_fail |= races.outcome == OUTCOME_FAIL;
        any_open |= races.outcome == OUTCOME_UNKNOWN;
        any_error |= races.outcome == OUTCOME_ERROR;
        if (!options->json) {
            if (count > 0)
                putchar('\n');
            print_races_text(&races, options);
        }
    }
    int code = any_error ? CLI_EXIT_ERROR : any_fail ? CLI_EXIT_FAIL
             : any_open ? CLI_EXIT_INCONCLUSIVE : CLI_EXIT_PASS;
    if (options->json) {
        json_writer json;
        json_writer_init(&json, stdout, JSON_WRITE_PRETTY);
        json_begin_object(&json);
        json_key(&json, "model");
        json_string(&json, options->model_path);
        json_key(&json, "format");
        json_string(&json, "csp");
        json_key(&json, "verdict");
        json_string(&json, overall(code));
        json_key(&json, "properties");
        json_begin_array(&json);
        for (size_t i = first; i < last; i++)
            print_json_property(&json, &reports[i - first]);
        if (race_check)
            print_races_json(&json, &races);
        json_end_array(&json);
        json_end_object(&json);
        json_writer_finish(&json, NULL);
    } else {
        if (count == 0 && !race_check)
            printf("  (no assertions)\n");
        printf("\nverdict: %s\n", code == CLI_EXIT_PASS ? "PASS"
                                  : code == CLI_EXIT_FAIL ? "FAIL"
                                  : code == CLI_EXIT_INCONCLUSIVE ? "INCONCLUSIVE"
                                  : "ERROR");
    }
    for (size_t i = first; i < last; i++) {
        if (reports[i - first].checked)
            lts_check_result_free(&reports[i - first].check);
        if (reports[i - first].refined)
            refine_result_free(&reports[i - first].refine);
        model_destroy(models[i - first]);
        model_destroy(impls[i - first]);
    }
    check_csp_races_free(&races.check);
    free(reports);
    free(models);
    free(impls);
    csp_free(script);
    return code;
}
