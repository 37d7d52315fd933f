/*
 * cmd_check.c — `pnsim check MODEL`: explore the model and report every
 * property that applies, with the shortest counterexample for a violation.
 *
 * Properties so far:
 *   deadlock-free  every reachable state without successors is an intended
 *                  final state (a <final/> place is marked, or --final holds)
 *   bounded        the reachable state space is finite (known when the
 *                  exploration completes; disproved on a monotone model,
 *                  a net without inhibitor arcs, by a pumping sequence)
 *   race-free      one per shared resource, when the model declares any
 *                  (check_props.h)
 *
 * The verdict is "fail" when any property is violated, whatever limit ended
 * the run, "inconclusive" when a property is unknown, "pass" otherwise.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "check_props.h"
#include "cli_report.h"
#include "json.h"
#include "support.h"

static const char check_help[] =
    "Usage: pnsim check MODEL [options]\n"
    "\n"
    "Explores every reachable state of MODEL (a PNML net) and checks:\n"
    "  deadlock-free  no reachable dead state other than an intended final one\n"
    "  bounded        the state space is finite; on a net without inhibitor\n"
    "                 arcs a marking that covers an earlier one proves it\n"
    "                 unbounded, shown with the pumping sequence\n"
    "  race-free      per shared place (<shared/> or --shared): no reachable\n"
    "                 marking enables two different transitions that access\n"
    "                 it, one writing, without competing for another token\n"
    "A violation is shown with a shortest run that leads to it.\n"
    "\n"
    "For a CSPm script (.csp, .cspm, .fdr2) it checks the script's assertions\n"
    "(all, or the one --assert N names): deadlock, divergence and determinism\n"
    "freedom, has trace, and refinement SPEC [T= IMPL, [F= and [FD= (traces,\n"
    "stable failures, failures-divergences).  Refinement normalises SPEC and\n"
    "explores (normal state, IMPL state) pairs breadth-first on --threads\n"
    "threads; a failure shows a shortest trace, then the event SPEC cannot\n"
    "do, the refusal it does not allow (with its acceptances), or the\n"
    "divergence.  [FD= first explores IMPL on its own for its tau-cycles.\n"
    "Compressions: sbisim reduces a leaf process by strong bisimulation,\n"
    "normal (normalise, normalize) normalises it; wbisim, diamond, explicate\n"
    "and the others are accepted as the identity.\n"
    "A script that declares shared resources in comment pragmas FDR ignores,\n"
    "  {-# pnsim shared name: x write: {| wr |} read: {| rd |} #-}\n"
    "(optionally with process: P; default SYSTEM, --process overrides both),\n"
    "also gets race-free per resource: no reachable state of that process\n"
    "enables two accesses, one writing, by disjoint sets of processes apart\n"
    "from the resource's owners (the processes in every access).  --assert N\n"
    "checks assertion N only, without the race check.\n"
    "\n"
    "Options:\n"
    "  --shared P,...     declare places shared, as <shared/> does\n"
    "  --final COND       intended final states, e.g. \"done==1,idle>=5\"\n"
    "                     (==, >=, <=; all must hold); overrides <final/> places\n"
    "  --stop-at-first    stop at the first deadlock instead of exploring all\n"
    "  --json             print one JSON object instead of the report\n"
    "  --max-states N     stop after N states (exit 3)\n"
    "  --max-memory SIZE  memory for the state store, e.g. 512M, 4G\n"
    "                     (default: 80% of the free memory)\n"
    "  --time-limit SEC   stop after SEC seconds (exit 3)\n"
    "  --threads N        worker threads (default: all cores)\n"
    "  --tree-compression store each state in one word plus shared parts:\n"
    "                     about half the memory on long vectors, slower\n"
    "  --progress         report progress on stderr\n"
    "  --assert N         CSP: check assertion N only\n"
    "  --process EXPR     CSP: the process the race check explores\n"
    "\n"
    "Exit status: 0 every property holds, 1 one is violated, 2 bad input,\n"
    "3 inconclusive (a limit or Ctrl-C ended the run first).\n";

typedef enum check_answer { CHECK_UNKNOWN, CHECK_HOLDS, CHECK_VIOLATED } check_answer;

/* The answer of all properties together: violated when one is, else
 * unknown when one is. */
static check_answer check_overall(check_answer deadlock, check_answer bounded,
                                  check_answer races)
{
    if (deadlock == CHECK_VIOLATED || bounded == CHECK_VIOLATED ||
        races == CHECK_VIOLATED)
        return CHECK_VIOLATED;
    if (deadlock == CHECK_UNKNOWN || bounded == CHECK_UNKNOWN ||
        races == CHECK_UNKNOWN)
        return CHECK_UNKNOWN;
    return CHECK_HOLDS;
}

static const char *check_answer_word(check_answer answer)
{
    return answer == CHECK_HOLDS ? "PASS"
         : answer == CHECK_VIOLATED ? "FAIL" : "UNKNOWN";
}

/* The reports: the figures are `stats` and `outcome`, the search's (see
 * check_search); `result` is the search that kept every state and its
 * parent, for the runs to races. */
static void check_print_text(const cli_options *options, const cli_model *loaded,
                             const explore_result *result,
                             const explore_stats *stats,
                             explore_outcome outcome,
                             const explore_trace *trace, check_answer deadlock,
                             check_answer bounded, const check_props *props,
                             check_answer races, const pnsim_error *failure)
{
    const model *model = loaded->model;

    cli_report_model_line(stdout, "check", options->model_path, model);
    printf("\n");

    printf("  %-14s %-8s", "deadlock-free", check_answer_word(deadlock));
    if (deadlock == CHECK_VIOLATED && trace->states == NULL)
        printf("a deadlock is reachable");
    else if (deadlock == CHECK_VIOLATED)
        printf("a deadlock is reachable in %zu step%s", trace->length,
               trace->length == 1 ? "" : "s");
    else if (deadlock == CHECK_HOLDS)
        printf("no deadlock");
    else
        printf("no deadlock found in the explored part");
    printf(" (%" PRIu64 " deadlock%s, %" PRIu64 " final dead state%s)\n",
           stats->dead_nonfinal, stats->dead_nonfinal == 1 ? "" : "s",
           stats->dead_final, stats->dead_final == 1 ? "" : "s");

    printf("  %-14s %-8s", "bounded", check_answer_word(bounded));
    if (bounded == CHECK_HOLDS)
        printf("%" PRIu64 " reachable states\n", stats->states);
    else if (bounded == CHECK_VIOLATED)
        check_props_bounded_text(stdout, model, props);
    else
        printf("the exploration did not complete\n");
    check_props_races_text(stdout, model, props, outcome == EXPLORE_COMPLETE);

    if (deadlock == CHECK_VIOLATED && trace->states == NULL) {
        printf("\nThe run to it was not rebuilt: a limit, Ctrl-C or a lack "
               "of memory stopped the work first.\n");
    } else if (deadlock == CHECK_VIOLATED) {
        printf("\nShortest run to a deadlock:\n");
        cli_report_trace(stdout, model, trace);
        printf("  Dead state: ");
        cli_print_state(stdout, model, trace->states[trace->length]);
        printf("\n");
    }
    check_props_runs_text(stdout, model, result, props);

    printf("\n");
    cli_report_stats_text(stdout, model, stats, outcome, options);
    if (failure != NULL)
        printf("  error: %s\n", failure->message);

    check_answer overall = check_overall(deadlock, bounded, races);
    const char *verdict = overall == CHECK_VIOLATED ? "FAIL"
                        : overall == CHECK_UNKNOWN ? "INCONCLUSIVE" : "PASS";
    printf("\nverdict: %s\n", verdict);
}

static void check_json_answer(json_writer *json, check_answer answer)
{
    if (answer == CHECK_UNKNOWN)
        json_null(json);
    else
        json_bool(json, answer == CHECK_HOLDS);
}

static void check_print_json(const cli_options *options, const cli_model *loaded,
                             const explore_result *result,
                             const explore_stats *stats,
                             explore_outcome outcome,
                             const explore_trace *trace, check_answer deadlock,
                             check_answer bounded, const check_props *props,
                             check_answer races, const pnsim_error *failure)
{
    const model *model = loaded->model;
    json_writer json;
    cli_report_json_begin(&json, options->model_path, model);
    json_key(&json, "verdict");
    check_answer overall = check_overall(deadlock, bounded, races);
    json_string(&json, overall == CHECK_VIOLATED ? "fail"
                       : overall == CHECK_UNKNOWN ? "inconclusive" : "pass");

    json_key(&json, "properties");
    json_begin_array(&json);

    json_begin_object(&json);
    json_key(&json, "name");
    json_string(&json, "deadlock-free");
    json_key(&json, "holds");
    check_json_answer(&json, deadlock);
    json_key(&json, "deadlocks");
    json_uint(&json, stats->dead_nonfinal);
    json_key(&json, "final_dead_states");
    json_uint(&json, stats->dead_final);
    if (deadlock == CHECK_VIOLATED && trace->states == NULL) {
        json_key(&json, "trace");
        json_null(&json);
    } else if (deadlock == CHECK_VIOLATED) {
        json_key(&json, "initial");
        cli_report_state_json(&json, model, trace->states[0]);
        json_key(&json, "trace");
        cli_report_trace_json(&json, model, trace);
        json_key(&json, "state");
        cli_report_state_json(&json, model, trace->states[trace->length]);
    }
    json_end_object(&json);

    json_begin_object(&json);
    json_key(&json, "name");
    json_string(&json, "bounded");
    json_key(&json, "holds");
    check_json_answer(&json, bounded);
    check_props_bounded_json(&json, model, props);
    json_end_object(&json);
    check_props_races_json(&json, model, result, props,
                           outcome == EXPLORE_COMPLETE);

    json_end_array(&json);

    cli_report_json_end(&json, model, stats, outcome, failure);
}

/* Whether the search may count first and keep parent links only to show
 * a deadlock (check_search): no property of `model` needs every state and
 * its parent otherwise — it declares no shared resource (the race check
 * reads every state by id) and the net's structure bounds every place
 * (no pumping sequence to look for). */
static bool check_counting_first(const model *model)
{
    return model->resource_count == 0 && model_bounds_every_slot(model);
}

/* `options` with what is left of its time limit after `spent` seconds. */
static explore_options check_time_left(const explore_options *options,
                                       double spent)
{
    explore_options left = *options;
    if (left.time_limit > 0)
        left.time_limit =
            left.time_limit > spent ? left.time_limit - spent : 1e-9;
    return left;
}

/* The run to the first deadlock of `model` into *trace, by a search
 * with `options` and parent links, up to that deadlock's level; adds its
 * seconds to *seconds.  Returns that search (the caller frees it), or
 * NULL on error. */
static explore_result *check_linked_search(const model *model,
                                           const explore_options *options,
                                           double *seconds,
                                           explore_trace *trace,
                                           pnsim_error *error)
{
    explore_options linked = *options;
    linked.stop_at_deadlock = true;
    explore_result *result = explore_run(model, &linked, error);
    if (result == NULL)
        return NULL;
    const explore_stats *stats = explore_result_stats(result);
    *seconds += stats->seconds;
    if (stats->dead_nonfinal > 0 &&
        explore_trace_to(result, stats->first_deadlock, trace, error) !=
            PNSIM_OK) {
        explore_result_free(result);
        return NULL;
    }
    return result;
}

/* Rebuilds into *trace the run to the first deadlock of `result`, found
 * by a search of `options`, whose seconds so far are *seconds (the
 * rebuild's are added).  Returns PNSIM_OK, with `trace` empty when
 * stopped (a limit, Ctrl-C, or short of memory: no run to show) and with
 * *levels_needed set when the run needs the levels `result` released;
 * or an error. */
static pnsim_status check_rebuild(const explore_result *result,
                                  const explore_options *options,
                                  double *seconds, explore_trace *trace,
                                  bool *levels_needed, pnsim_error *error)
{
    double start = support_now();
    explore_options left = check_time_left(options, *seconds);
    bool stopped;
    pnsim_error rebuild_error;
    pnsim_error_clear(&rebuild_error);
    pnsim_status status = explore_rebuild_deadlock_run(result, &left, trace,
                                                       &stopped,
                                                       &rebuild_error);
    *seconds += support_now() - start;
    *levels_needed = status == PNSIM_OK && !stopped && trace->states == NULL;
    if (status == PNSIM_OK || status == PNSIM_ERR_NOMEM)
        return PNSIM_OK;
    *error = rebuild_error;
    return status;
}

/* Explores `model` for check, writing the figures to *stats and *outcome,
 * and, when the search found a deadlock and can show the run to it, that
 * run to *trace (the caller frees it: explore_trace_free; empty without a
 * run); returns the last search (the caller frees it:
 * explore_result_free), or NULL on error.
 *
 * Parent links cost a search about half its speed (a table of ids, the
 * vectors kept, each level renumbered on several threads), and only a
 * violation's run needs them.  So where no other property does
 * (check_counting_first), the search counts as `statespace` does,
 * releasing the states of each level once expanded.  When it finds a
 * deadlock, the run to the first one is rebuilt (explore_rebuild.c): the
 * run a search with parent links would show.  Depth first, from the
 * initial state, where deadlocks are near most runs; where they are not,
 * from the levels, which a second search, counting again up to the
 * deadlock's level, keeps.  A model whose successors are not computed on
 * packed vectors gets its run from a search with parent links instead.
 * A budget that cannot hold the levels would not hold parent links
 * either.
 *
 * Keeping the levels in the first search would spare the second, but
 * costs every net that passes, the commonest case: Kanban-PT-00005 44
 * against 60 MiB, Peterson-PT-3 53 against 77, and 2-10 % more time for
 * the fresh pages; and a net with a shallow deadlock keeps levels it
 * never uses (JoinFreeModules-PT-0004, deadlock at level 8: 179 against
 * 283 MiB, 1.80 against 2.12 s on one thread).
 *
 * The figures are the first search's, the seconds all the work's.  When
 * the user stopped the work (Ctrl-C), or a limit or a lack of memory
 * stops it before the run is found, the deadlock is reported without its
 * run. */
static explore_result *check_search(const model *model,
                                    const explore_options *options,
                                    explore_stats *stats,
                                    explore_outcome *outcome,
                                    explore_trace *trace, pnsim_error *error)
{
    memset(trace, 0, sizeof *trace);
    explore_options counting = *options;
    bool first = check_counting_first(model);
    counting.skip_traces = counting.forget_expanded = first;
    explore_result *result = explore_run(model, &counting, error);
    if (result == NULL)
        return NULL;
    *stats = *explore_result_stats(result);
    *outcome = explore_result_outcome(result);
    if (stats->dead_nonfinal == 0)
        return result;
    if (!first) {
        if (explore_trace_to(result, stats->first_deadlock, trace, error) !=
            PNSIM_OK) {
            explore_result_free(result);
            return NULL;
        }
        return result;
    }
    if (*outcome == EXPLORE_INTERRUPTED)
        return result;
    bool levels_needed = true;
    if (explore_rebuild_possible(result) &&
        check_rebuild(result, options, &stats->seconds, trace,
                      &levels_needed, error) != PNSIM_OK) {
        explore_result_free(result);
        return NULL;
    }
    if (!levels_needed)
        return result;
    /* Its memory goes back before the second search takes its own. */
    explore_result_free(result);
    explore_options levels = check_time_left(options, stats->seconds);
    levels.skip_traces = levels.stop_at_deadlock = true;
    result = explore_run(model, &levels, error);
    if (result == NULL)
        return NULL;
    stats->seconds += explore_result_stats(result)->seconds;
    if (explore_rebuild_possible(result)) {
        explore_options marking = *options;
        marking.rebuild_by_marking = true;   /* depth first was tried */
        if (check_rebuild(result, &marking, &stats->seconds, trace,
                          &levels_needed, error) != PNSIM_OK) {
            explore_result_free(result);
            return NULL;
        }
        return result;
    }
    /* A limit stopped the second search before the deadlock. */
    if (explore_result_stats(result)->dead_nonfinal == 0)
        return result;
    explore_result_free(result);
    explore_options linked = check_time_left(options, stats->seconds);
    return check_linked_search(model, &linked, &stats->seconds, trace, error);
}

int cli_check(int argc, char **argv)
{
    cli_options options;
    int code = cli_parse_options(argc, argv,
                                 CLI_TAKES_LIMITS | CLI_TAKES_JSON |
                                 CLI_TAKES_FINAL | CLI_TAKES_STOP |
                                     CLI_TAKES_SHARED,
                                 check_help, &options);
    if (code >= 0)
        return code;
    if (cli_is_csp(options.model_path))
        return cli_check_csp(&options);

    cli_model loaded;
    state_predicate *final;
    if (cli_load_model_and_final(&options, &loaded, &final) != 0)
        return CLI_EXIT_ERROR;
    pnsim_error error;
    pnsim_error_clear(&error);

    explore_options explore;
    cli_explore_options(&options, &explore);
    explore.final = final;
    explore.find_pumping = true;   /* used on monotone models only */
    explore_stats stats;
    explore_outcome outcome;
    explore_trace trace;
    explore_result *result = check_search(loaded.model, &explore, &stats,
                                          &outcome, &trace, &error);
    cli_progress_done();
    if (result == NULL) {
        state_predicate_free(final);
        cli_unload_model(&loaded);
        return cli_report_error(&error, CLI_EXIT_ERROR);
    }
    bool complete = outcome == EXPLORE_COMPLETE;

    check_answer deadlock = stats.dead_nonfinal > 0 ? CHECK_VIOLATED
                          : complete ? CHECK_HOLDS : CHECK_UNKNOWN;
    check_answer bounded = outcome == EXPLORE_UNBOUNDED ? CHECK_VIOLATED
                         : complete ? CHECK_HOLDS : CHECK_UNKNOWN;
    check_props props;
    if (check_props_compute(loaded.model, result, &props, &error) != PNSIM_OK) {
        explore_trace_free(&trace);
        explore_result_free(result);
        state_predicate_free(final);
        cli_unload_model(&loaded);
        return cli_report_error(&error, CLI_EXIT_ERROR);
    }
    check_answer races = check_props_race_found(&props) ? CHECK_VIOLATED
                       : check_props_race_unknown(&props, complete)
                           ? CHECK_UNKNOWN : CHECK_HOLDS;

    /* A failed exploration (a token count beyond 64 bits) is reported with
     * the statistics; it leaves the verdict open unless a violation was
     * already found. */
    const pnsim_error *failure =
        (outcome == EXPLORE_FAILED || outcome == EXPLORE_LIMIT_MEMORY)
            ? &error : NULL;
    if (options.json)
        check_print_json(&options, &loaded, result, &stats, outcome, &trace,
                         deadlock, bounded, &props, races, failure);
    else
        check_print_text(&options, &loaded, result, &stats, outcome, &trace,
                         deadlock, bounded, &props, races, failure);

    check_answer overall = check_overall(deadlock, bounded, races);
    code = overall == CHECK_VIOLATED ? CLI_EXIT_FAIL
         : overall == CHECK_UNKNOWN ? CLI_EXIT_INCONCLUSIVE : CLI_EXIT_PASS;
    check_props_free(&props);
    explore_trace_free(&trace);
    explore_result_free(result);
    state_predicate_free(final);
    cli_unload_model(&loaded);
    return code;
}
