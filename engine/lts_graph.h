/*
 * lts_graph.h — the whole transition system of a model, recorded in
 * compressed rows while the explorer visits it, for the checks that need
 * the graph itself rather than a search: τ-cycles (divergence), the normal
 * form (determinism, refinement).
 *
 * The graph is recorded through the explorer's hooks, so the exploration
 * runs on one thread (explore.h); states are the explorer's ids.
 */
#ifndef PNSIM_LTS_GRAPH_H
#define PNSIM_LTS_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "explore.h"
#include "model.h"

typedef struct lts_graph {
    const model *model;
    uint64_t state_count;       /* expanded states */
    uint64_t *row;              /* state_count + 1 offsets into the edges */
    uint32_t *transition;       /* per edge: the model's transition */
    uint32_t *target;           /* per edge: the state it leads to */
    size_t edge_count;
    explore_result *result;     /* the exploration itself, owned */
    size_t row_capacity, edge_capacity;
    bool failed;
} lts_graph;

/* Explores `model` with `options` (whose hooks are replaced, and which
 * never stop at a deadlock) into `graph`.  Returns PNSIM_OK with the graph
 * of every expanded state (explore_result_outcome(graph->result) says
 * whether that is all of them), or an error.  Free the graph with
 * lts_graph_free, also after an error. */
pnsim_status lts_graph_build(const model *model, const explore_options *options,
                             lts_graph *graph, pnsim_error *error);

void lts_graph_free(lts_graph *graph);

#endif
