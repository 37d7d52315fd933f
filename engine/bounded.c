/*
 * bounded.c — the pumping witness of an unbounded model (see bounded.h).
 */
#include "bounded.h"

#include <stdlib.h>
#include <string.h>

pnsim_status bounded_pumping_build(const model *model,
                                   const explore_result *result,
                                   bounded_pumping *pumping,
                                   pnsim_error *error)
{
    memset(pumping, 0, sizeof *pumping);
    const explore_stats *stats = explore_result_stats(result);
    if (stats->pumping_state == EXPLORE_NO_STATE)
        return pnsim_error_set(error, PNSIM_ERR_USAGE,
                               "the exploration found no pumping sequence");
    pnsim_status status = explore_trace_to(result, stats->pumping_state,
                                           &pumping->trace, error);
    if (status != PNSIM_OK)
        return status;

    /* The ancestor is on the run: the states of a shortest run are
     * distinct, so exactly one of them equals it. */
    size_t slots = model->state_length;
    model_value *ancestor = malloc((slots ? slots : 1) * sizeof *ancestor);
    pumping->growing = malloc((slots ? slots : 1) * sizeof *pumping->growing);
    if (ancestor == NULL || pumping->growing == NULL) {
        free(ancestor);
        bounded_pumping_free(pumping);
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory building a pumping sequence");
    }
    explore_result_decode(result, stats->pumping_ancestor, ancestor);
    size_t length = pumping->trace.length;
    pumping->from = length;
    for (size_t i = 0; i < length; i++)
        if (slots == 0 || memcmp(pumping->trace.states[i], ancestor,
                                 slots * sizeof *ancestor) == 0) {
            pumping->from = i;
            break;
        }
    free(ancestor);
    if (pumping->from == length) {
        bounded_pumping_free(pumping);
        return pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                               "the covered state is not on the run");
    }
    const model_value *start = pumping->trace.states[pumping->from];
    const model_value *end = pumping->trace.states[length];
    for (size_t p = 0; p < slots; p++)
        if (end[p] > start[p])
            pumping->growing[pumping->growing_count++] = (uint32_t)p;
    return PNSIM_OK;
}

void bounded_pumping_free(bounded_pumping *pumping)
{
    explore_trace_free(&pumping->trace);
    free(pumping->growing);
    memset(pumping, 0, sizeof *pumping);
}
