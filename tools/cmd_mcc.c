/*
 * cmd_mcc.c — `pnsim mcc EXAMINATION DIR`: answer one Model Checking
 * Contest examination on DIR/model.pnml, in the contest's output format:
 *
 *   STATE_SPACE STATES 243 TECHNIQUES EXPLICIT
 *   FORMULA ReachabilityDeadlock TRUE TECHNIQUES EXPLICIT
 *
 * Examinations pnsim does not handle print DO_NOT_COMPETE; a run that cannot
 * reach an answer (a limit, an unsupported net) prints CANNOT_COMPUTE.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char mcc_help[] =
    "Usage: pnsim mcc EXAMINATION DIR [options]\n"
    "\n"
    "Answers a Model Checking Contest examination on DIR/model.pnml.\n"
    "Examinations: StateSpace, ReachabilityDeadlock, OneSafe, QuasiLiveness,\n"
    "StableMarking.  Others print DO_NOT_COMPETE.\n"
    "\n"
    "Options:\n"
    "  --max-states N, --max-memory SIZE, --time-limit SEC, --threads N,\n"
    "  --tree-compression\n"
    "\n"
    "Exit status: 0 answered (or DO_NOT_COMPETE), 2 bad input,\n"
    "3 CANNOT_COMPUTE.\n";

static const char mcc_techniques[] = "TECHNIQUES EXPLICIT";

static void mcc_formula(const char *name, bool value)
{
    printf("FORMULA %s %s %s\n", name, value ? "TRUE" : "FALSE",
           mcc_techniques);
}

int cli_mcc(int argc, char **argv)
{
    cli_options options;
    int code = cli_parse_options(argc, argv,
                                 CLI_TAKES_LIMITS | CLI_TAKES_TWO_ARGUMENTS,
                                 mcc_help, &options);
    if (code >= 0)
        return code;
    const char *examination = options.model_path;
    const char *directory = options.extra_argument;

    bool state_space = strcmp(examination, "StateSpace") == 0;
    bool deadlock = strcmp(examination, "ReachabilityDeadlock") == 0;
    bool one_safe = strcmp(examination, "OneSafe") == 0;
    bool quasi_liveness = strcmp(examination, "QuasiLiveness") == 0;
    bool stable_marking = strcmp(examination, "StableMarking") == 0;
    if (!state_space && !deadlock && !one_safe && !quasi_liveness &&
        !stable_marking) {
        printf("DO_NOT_COMPETE\n");
        return CLI_EXIT_PASS;
    }

    size_t path_size = strlen(directory) + sizeof "/model.pnml";
    char *path = malloc(path_size);
    if (path == NULL) {
        fprintf(stderr, "pnsim mcc: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    snprintf(path, path_size, "%s/model.pnml", directory);
    pnsim_error error;
    pnsim_error_clear(&error);
    pn_net *net = pnml_read(path, &error);
    free(path);
    model *model = net != NULL ? pn_net_model(net, &error) : NULL;
    pn_net_free(net);
    if (model == NULL) {
        cli_report_error(&error, CLI_EXIT_ERROR);
        printf("%s\n", error.status == PNSIM_ERR_UNSUPPORTED ? "DO_NOT_COMPETE"
                                                            : "CANNOT_COMPUTE");
        return error.status == PNSIM_ERR_UNSUPPORTED ? CLI_EXIT_PASS
                                                     : CLI_EXIT_INCONCLUSIVE;
    }

    explore_options explore;
    cli_explore_options(&options, &explore);
    explore.stop_at_deadlock = deadlock;
    explore.skip_traces = true;   /* the contest asks for answers, not runs */
    explore.forget_expanded = true;
    explore_result *result = explore_run(model, &explore, &error);
    cli_progress_done();
    if (result == NULL) {
        model_destroy(model);
        cli_report_error(&error, CLI_EXIT_ERROR);
        printf("CANNOT_COMPUTE\n");
        return CLI_EXIT_INCONCLUSIVE;
    }
    const explore_stats *stats = explore_result_stats(result);
    explore_outcome outcome = explore_result_outcome(result);
    bool complete = outcome == EXPLORE_COMPLETE;

    code = CLI_EXIT_PASS;
    if (deadlock && (stats->dead_nonfinal > 0 || complete)) {
        mcc_formula("ReachabilityDeadlock", stats->dead_nonfinal > 0);
    } else if (complete && state_space) {
        printf("STATE_SPACE STATES %" PRIu64 " %s\n", stats->states,
               mcc_techniques);
        printf("STATE_SPACE TRANSITIONS %" PRIu64 " %s\n", stats->edges,
               mcc_techniques);
        printf("STATE_SPACE MAX_TOKEN_IN_PLACE %" PRIu64 " %s\n",
               stats->max_slot_value, mcc_techniques);
        if (stats->max_slot_sum_overflow)
            printf("STATE_SPACE MAX_TOKEN_PER_MARKING CANNOT_COMPUTE\n");
        else
            printf("STATE_SPACE MAX_TOKEN_PER_MARKING %" PRIu64 " %s\n",
                   stats->max_slot_sum, mcc_techniques);
    } else if (complete && one_safe) {
        mcc_formula("OneSafe", stats->max_slot_value <= 1);
    } else if (complete && quasi_liveness) {
        bool all_fired = true;
        for (size_t t = 0; t < model->transition_count; t++)
            all_fired = all_fired && explore_result_transition_fired(result,
                                                                     (uint32_t)t);
        mcc_formula("QuasiLiveness", all_fired);
    } else if (complete && stable_marking) {
        bool stable = false;
        for (size_t p = 0; p < model->state_length && !stable; p++)
            stable = explore_result_slot_constant(result, p);
        mcc_formula("StableMarking", stable);
    } else {
        if (outcome == EXPLORE_FAILED)
            cli_report_error(&error, CLI_EXIT_INCONCLUSIVE);
        else
            fprintf(stderr, "pnsim mcc: %s after %" PRIu64 " states\n",
                    explore_outcome_name(outcome), stats->states);
        printf("CANNOT_COMPUTE\n");
        code = CLI_EXIT_INCONCLUSIVE;
    }
    explore_result_free(result);
    model_destroy(model);
    return code;
}
