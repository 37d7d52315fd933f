/* lts_graph.c — see lts_graph.h. */
#include "lts_graph.h"

#include <stdlib.h>
#include <string.h>

#include "support.h"

static int lts_graph_on_edge(void *context, explore_state_id source,
                             uint32_t transition, explore_state_id target)
{
    lts_graph *g = context;
    (void)source;
    size_t capacity = g->edge_capacity;
    if (target >= UINT32_MAX ||
        !SUPPORT_RESERVE(g->transition, capacity, g->edge_count + 1) ||
        !SUPPORT_RESERVE(g->target, g->edge_capacity, g->edge_count + 1)) {
        g->failed = true;
        return 1;
    }
    g->transition[g->edge_count] = transition;
    g->target[g->edge_count] = (uint32_t)target;
    g->edge_count++;
    return 0;
}

static int lts_graph_on_state(void *context, explore_state_id id,
                              const model_value *state, uint64_t edge_count,
                              bool is_final)
{
    lts_graph *g = context;
    (void)state;
    (void)edge_count;
    (void)is_final;
    if (id >= UINT32_MAX - 1 ||
        !SUPPORT_RESERVE(g->row, g->row_capacity, (size_t)id + 2)) {
        g->failed = true;
        return 1;
    }
    if (id == 0)
        g->row[0] = 0;
    g->row[id + 1] = g->edge_count;
    g->state_count = id + 1;
    return 0;
}

pnsim_status lts_graph_build(const model *model, const explore_options *options,
                             lts_graph *g, pnsim_error *error)
{
    memset(g, 0, sizeof *g);
    g->model = model;
    explore_options copy = *options;
    copy.on_edge = lts_graph_on_edge;
    copy.on_state = lts_graph_on_state;
    copy.hook_context = g;
    copy.stop_at_deadlock = false;
    copy.find_pumping = false;
    g->result = explore_run(model, &copy, error);
    if (g->result == NULL)
        return error->status != PNSIM_OK
                   ? error->status
                   : pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                     "out of memory exploring a process");
    explore_outcome outcome = explore_result_outcome(g->result);
    if (g->failed || outcome == EXPLORE_STOPPED_BY_HOOK)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory recording a transition system");
    if (outcome == EXPLORE_FAILED)
        return error->status != PNSIM_OK
                   ? error->status
                   : pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                     "the exploration failed");
    if (g->row == NULL) {
        g->row = calloc(2, sizeof *g->row);
        if (g->row == NULL)
            return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                   "out of memory recording a transition "
                                   "system");
    }
    return PNSIM_OK;
}

void lts_graph_free(lts_graph *g)
{
    free(g->row);
    free(g->transition);
    free(g->target);
    explore_result_free(g->result);
    memset(g, 0, sizeof *g);
}
