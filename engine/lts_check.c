/*
 * lts_check.c — deadlock, divergence, determinism and has-trace checks over
 * the model interface (lts_check.h).
 *
 * Deadlock freedom in the F model needs nothing but the explorer (stop at
 * the first dead state: breadth-first, so it is a shallowest one).  The
 * other checks record the explored graph in compressed rows through the
 * explorer's hooks (states are expanded in id order, so each state's edges
 * arrive together), then:
 *   - divergence: the states on τ-cycles (lts_normal_tau_cycles, Tarjan's
 *     algorithm); the divergent state with the smallest id is a shallowest
 *     one, since ids follow the breadth-first order;
 *   - determinism: the normal form (lts_normal.h, the same normaliser
 *     refinement uses), whose nodes are numbered breadth-first: the first
 *     node with an event that one of its minimal acceptances lacks ends a
 *     shortest trace;
 *   - has trace: τ-closed sets of states along the one trace.
 *
 * Deadlock and divergence freedom are not checked as refinements of FDR's
 * specifications DF and CHAOS(Σ): a dead state and a τ-cycle are found
 * directly on the explored graph, which is what the product with those
 * specifications would come down to, at the price of a normalisation and
 * a second exploration.
 */
#include "lts_check.h"

#include <stdlib.h>
#include <string.h>

#include "lts_graph.h"
#include "support.h"
#include "lts_normal.h"

const char *lts_event_of(const model *model, uint32_t t)
{
    const model_transition *tr = &model->transitions[t];
    return tr->event != NULL ? tr->event : tr->name;
}

void lts_check_result_free(lts_check_result *result)
{
    free(result->transitions);
    free((void *)result->events);
    free(result->loop);
    free(result->final_state);
    memset(result, 0, sizeof *result);
}

static pnsim_status out_of_memory(pnsim_error *error)
{
    return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory in a check");
}

/* ---- the explored graph ----------------------------------------------- */

/* Explores the whole model, recording its graph (lts_graph.h).  On PNSIM_OK
 * the graph holds every expanded state; result->outcome says whether all
 * were. */
static pnsim_status graph_build(const model *model, const explore_options *options,
                                lts_graph *g, lts_check_result *result,
                                pnsim_error *error)
{
    pnsim_status status = lts_graph_build(model, options, g, error);
    if (g->result != NULL) {
        const explore_stats *stats = explore_result_stats(g->result);
        result->states = stats->states;
        result->edges = stats->edges;
        result->seconds = stats->seconds;
        result->outcome = explore_result_outcome(g->result);
    }
    return status;
}

static bool graph_is_tau(const lts_graph *g, size_t edge)
{
    return g->model->transitions[g->transition[edge]].kind == MODEL_INTERNAL;
}

/* Copies the explorer's shortest run to `target` into the result. */
static pnsim_status take_run(const lts_graph *g, uint64_t target,
                             lts_check_result *result, pnsim_error *error)
{
    explore_trace trace;
    if (explore_trace_to(g->result, target, &trace, error) != PNSIM_OK)
        return error->status;
    result->length = trace.length;
    result->transitions = malloc((trace.length + 1) * sizeof *result->transitions);
    result->final_state = malloc((g->model->state_length + 1) * sizeof(model_value));
    if (result->transitions == NULL || result->final_state == NULL) {
        explore_trace_free(&trace);
        return out_of_memory(error);
    }
    if (trace.length > 0)
        memcpy(result->transitions, trace.transitions,
               trace.length * sizeof *result->transitions);
    memcpy(result->final_state, trace.states[trace.length],
           g->model->state_length * sizeof(model_value));
    explore_trace_free(&trace);
    return PNSIM_OK;
}

/* ---- divergence ------------------------------------------------------- */

/* The graph with each edge labelled for lts_normal.h: `event` of its
 * transition's event index, LTS_NORMAL_NONE - 1 for τ (events: NULL: all
 * visible edges 0).  *tick receives the label of ✓.  The caller frees
 * *labels. */
static bool normal_graph_of(const lts_graph *g, const uint32_t *event_of,
                            lts_normal_graph *graph, uint32_t **labels)
{
    const uint32_t tau = LTS_NORMAL_NONE - 1;
    uint32_t *label = malloc((g->edge_count + 1) * sizeof *label);
    if (label == NULL)
        return false;
    graph->tick = LTS_NORMAL_NONE - 2;
    for (size_t e = 0; e < g->edge_count; e++) {
        const model_transition *t = &g->model->transitions[g->transition[e]];
        label[e] = t->kind == MODEL_INTERNAL ? tau
                 : event_of != NULL ? event_of[g->transition[e]] : 0;
        if (t->kind == MODEL_TERMINATION && event_of != NULL)
            graph->tick = label[e];
    }
    graph->state_count = (uint32_t)g->state_count;
    graph->row = g->row;
    graph->label = label;
    graph->target = g->target;
    graph->tau = tau;
    *labels = label;
    return true;
}

/* Marks every state on a τ-cycle.  Returns a calloc'd flag array or NULL. */
static uint8_t *divergent_states(const lts_graph *g)
{
    if (g->state_count >= UINT32_MAX)
        return NULL;
    lts_normal_graph graph;
    uint32_t *labels = NULL;
    uint8_t *divergent = calloc(g->state_count + 1, 1);
    if (divergent == NULL || !normal_graph_of(g, NULL, &graph, &labels) ||
        !lts_normal_tau_cycles(&graph, divergent, NULL)) {
        free(divergent);
        divergent = NULL;
    }
    free(labels);
    return divergent;
}

/* A τ-cycle from `start` back to itself (breadth-first over τ-edges among
 * divergent states). */
static pnsim_status find_loop(const lts_graph *g, const uint8_t *divergent,
                              uint32_t start, lts_check_result *result,
                              pnsim_error *error)
{
    uint64_t n = g->state_count;
    uint64_t *via = malloc((n + 1) * sizeof *via);      /* edge reaching */
    uint32_t *queue = malloc((n + 1) * sizeof *queue);
    if (via == NULL || queue == NULL) {
        free(via);
        free(queue);
        return out_of_memory(error);
    }
    for (uint64_t i = 0; i < n; i++)
        via[i] = UINT64_MAX;
    size_t head = 0, tail = 0;
    queue[tail++] = start;
    uint64_t closing = UINT64_MAX;
    while (head < tail && closing == UINT64_MAX) {
        uint32_t v = queue[head++];
        for (uint64_t e = g->row[v]; e < g->row[v + 1]; e++) {
            if (!graph_is_tau(g, e))
                continue;
            uint32_t w = g->target[e];
            if (w >= n || !divergent[w])
                continue;
            if (w == start) {
                closing = e;
                via[start] = e;
                break;
            }
            if (via[w] == UINT64_MAX) {
                via[w] = e;
                queue[tail++] = w;
            }
        }
    }
    /* walk back from start through the via edges: the source of edge e is
     * the state whose row holds it */
    size_t length = 0;
    uint32_t *loop = malloc((n + 1) * sizeof *loop);
    if (loop == NULL || closing == UINT64_MAX) {
        free(via);
        free(queue);
        free(loop);
        return closing == UINT64_MAX ? PNSIM_OK : out_of_memory(error);
    }
    uint64_t e = closing;
    for (;;) {
        loop[length++] = g->transition[e];
        /* find the source of e by binary search over rows */
        uint64_t lo = 0, hi = n;
        while (lo + 1 < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (g->row[mid] <= e)
                lo = mid;
            else
                hi = mid;
        }
        if (lo == start || length > n)
            break;
        e = via[lo];
    }
    for (size_t i = 0; i < length / 2; i++) {
        uint32_t t = loop[i];
        loop[i] = loop[length - 1 - i];
        loop[length - 1 - i] = t;
    }
    result->loop = loop;
    result->loop_length = length;
    free(via);
    free(queue);
    return PNSIM_OK;
}

/* Fills result with the shallowest divergence, if any: returns true if
 * found. */
static pnsim_status shallowest_divergence(const lts_graph *g,
                                          lts_check_result *result, bool *found,
                                          uint64_t *depth, pnsim_error *error)
{
    *found = false;
    uint8_t *divergent = divergent_states(g);
    if (divergent == NULL)
        return out_of_memory(error);
    uint64_t target = UINT64_MAX;
    for (uint64_t i = 0; i < g->state_count; i++)
        if (divergent[i]) {
            target = i;
            break;
        }
    pnsim_status status = PNSIM_OK;
    if (target != UINT64_MAX) {
        *found = true;
        explore_trace trace;
        status = explore_trace_to(g->result, target, &trace, error);
        if (status == PNSIM_OK) {
            *depth = trace.length;
            explore_trace_free(&trace);
            if (result != NULL) {
                status = take_run(g, target, result, error);
                if (status == PNSIM_OK)
                    status = find_loop(g, divergent, (uint32_t)target, result, error);
                result->ending = LTS_END_DIVERGENCE;
            }
        }
    }
    free(divergent);
    return status;
}

static void finish_verdict(lts_check_result *result, bool violated)
{
    if (violated)
        result->verdict = LTS_VIOLATED;
    else if (result->outcome == EXPLORE_COMPLETE)
        result->verdict = LTS_HOLDS;
    else
        result->verdict = LTS_UNKNOWN;
}

pnsim_status lts_check_divergence(const model *model,
                                  const explore_options *options,
                                  lts_check_result *result, pnsim_error *error)
{
    memset(result, 0, sizeof *result);
    lts_graph g;
    pnsim_status status = graph_build(model, options, &g, result, error);
    bool found = false;
    uint64_t depth;
    if (status == PNSIM_OK)
        status = shallowest_divergence(&g, result, &found, &depth, error);
    finish_verdict(result, found);
    lts_graph_free(&g);
    return status;
}

pnsim_status lts_check_deadlock(const model *model, const explore_options *options,
                                bool divergence_too, lts_check_result *result,
                                pnsim_error *error)
{
    memset(result, 0, sizeof *result);
    if (!divergence_too) {
        explore_options copy = *options;
        copy.stop_at_deadlock = true;
        explore_result *run = explore_run(model, &copy, error);
        if (run == NULL)
            return error->status;
        const explore_stats *stats = explore_result_stats(run);
        result->states = stats->states;
        result->edges = stats->edges;
        result->seconds = stats->seconds;
        result->outcome = explore_result_outcome(run);
        pnsim_status status = PNSIM_OK;
        bool found = stats->first_deadlock != EXPLORE_NO_STATE;
        if (result->outcome == EXPLORE_FAILED)
            status = error->status;
        if (found && status == PNSIM_OK) {
            lts_graph g = {.model = model, .result = run};
            status = take_run(&g, stats->first_deadlock, result, error);
            result->ending = LTS_END_DEADLOCK;
        }
        if (result->outcome == EXPLORE_FOUND_DEADLOCK)
            result->outcome = EXPLORE_COMPLETE;
        finish_verdict(result, found);
        explore_result_free(run);
        return status;
    }
    lts_graph g;
    pnsim_status status = graph_build(model, options, &g, result, error);
    bool found_dead = false, found_div = false;
    uint64_t dead_depth = UINT64_MAX, div_depth = UINT64_MAX;
    if (status == PNSIM_OK) {
        const explore_stats *stats = explore_result_stats(g.result);
        if (stats->first_deadlock != EXPLORE_NO_STATE) {
            found_dead = true;
            explore_trace trace;
            status = explore_trace_to(g.result, stats->first_deadlock, &trace, error);
            if (status == PNSIM_OK) {
                dead_depth = trace.length;
                explore_trace_free(&trace);
            }
        }
    }
    if (status == PNSIM_OK)
        status = shallowest_divergence(&g, NULL, &found_div, &div_depth, error);
    if (status == PNSIM_OK && (found_dead || found_div)) {
        if (found_div && div_depth < dead_depth) {
            status = shallowest_divergence(&g, result, &found_div, &div_depth, error);
        } else {
            status = take_run(&g, explore_result_stats(g.result)->first_deadlock,
                              result, error);
            result->ending = LTS_END_DEADLOCK;
        }
    }
    finish_verdict(result, found_dead || found_div);
    lts_graph_free(&g);
    return status;
}

/* ---- sets of states (normalisation) ----------------------------------- */

/* Events: the distinct visible labels of the model's transitions, ✓
 * included, numbered 0..count-1; τ is UINT32_MAX. */
typedef struct event_index {
    uint32_t *of_transition;
    const char **names;
    size_t count;
} event_index;

static uint64_t hash_string(const char *text)
{
    uint64_t hash = 1469598103934665603ull;
    for (; *text; text++)
        hash = (hash ^ (unsigned char)*text) * 1099511628211ull;
    return hash;
}

static bool event_index_build(const model *model, event_index *index)
{
    size_t n = model->transition_count;
    index->of_transition = malloc((n + 1) * sizeof *index->of_transition);
    index->names = malloc((n + 1) * sizeof *index->names);
    size_t size = 16;
    while (size < 2 * n + 2)
        size *= 2;
    uint32_t *table = malloc(size * sizeof *table);
    if (!index->of_transition || !index->names || !table) {
        free(table);
        return false;
    }
    memset(table, 0xff, size * sizeof *table);
    index->count = 0;
    for (size_t t = 0; t < n; t++) {
        if (model->transitions[t].kind == MODEL_INTERNAL) {
            index->of_transition[t] = UINT32_MAX;
            continue;
        }
        const char *name = lts_event_of(model, (uint32_t)t);
        size_t slot = hash_string(name) & (size - 1);
        while (table[slot] != UINT32_MAX &&
               strcmp(index->names[table[slot]], name) != 0)
            slot = (slot + 1) & (size - 1);
        if (table[slot] == UINT32_MAX) {
            table[slot] = (uint32_t)index->count;
            index->names[index->count++] = name;
        }
        index->of_transition[t] = table[slot];
    }
    free(table);
    return true;
}

static void event_index_free(event_index *index)
{
    free(index->of_transition);
    free(index->names);
}

/* A growable list of uint32. */
typedef struct u32_list {
    uint32_t *items;
    size_t count, capacity;
} u32_list;

static bool u32_push(u32_list *list, uint32_t value)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 64;
        uint32_t *items = realloc(list->items, capacity * sizeof *items);
        if (items == NULL)
            return false;
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = value;
    return true;
}

/* Sorts `set` and closes it under τ.  `mark` is a scratch array of
 * state_count bytes, all zero on entry and on exit. */
static bool tau_close(const lts_graph *g, u32_list *set, uint8_t *mark)
{
    for (size_t i = 0; i < set->count; i++)
        mark[set->items[i]] = 1;
    for (size_t i = 0; i < set->count; i++) {
        uint32_t v = set->items[i];
        if (v >= g->state_count)
            continue;
        for (uint64_t e = g->row[v]; e < g->row[v + 1]; e++) {
            if (!graph_is_tau(g, e))
                continue;
            uint32_t w = g->target[e];
            if (!mark[w]) {
                mark[w] = 1;
                if (!u32_push(set, w))
                    return false;
            }
        }
    }
    for (size_t i = 0; i < set->count; i++)
        mark[set->items[i]] = 0;
    if (set->count > 1)     /* items may be NULL when empty */
        qsort(set->items, set->count, sizeof *set->items, support_compare_u32);
    size_t out = 0;
    for (size_t i = 0; i < set->count; i++)
        if (out == 0 || set->items[out - 1] != set->items[i])
            set->items[out++] = set->items[i];
    set->count = out;
    return true;
}

/* ---- determinism, on the normal form ------------------------------------ */

typedef struct determinism_limit {
    const explore_options *options;
    double start;
    explore_outcome outcome;
} determinism_limit;

static int determinism_over_limit(void *context, uint64_t nodes, uint64_t bytes)
{
    determinism_limit *l = context;
    const explore_options *o = l->options;
    (void)bytes;
    if (o->interrupt != NULL && *o->interrupt)
        l->outcome = EXPLORE_INTERRUPTED;
    else if (o->max_states != 0 && nodes > o->max_states)
        l->outcome = EXPLORE_LIMIT_STATES;
    else if (o->time_limit > 0 && support_now() - l->start > o->time_limit)
        l->outcome = EXPLORE_LIMIT_TIME;
    return l->outcome != EXPLORE_COMPLETE;
}

/* The first event, in label order, that node `n` can do (✓ included) and
 * one of its minimal acceptances lacks, or LTS_NORMAL_NONE.  A stable state
 * refuses exactly what its acceptance lacks, and a minimal acceptance is
 * the acceptance of one of the node's stable states. */
static uint32_t refused_event(const lts_normal *nf, uint32_t n, uint32_t tick)
{
    uint64_t e0 = nf->edge_start[n], e1 = nf->edge_start[n + 1];
    uint64_t a0 = nf->acc_start[n], a1 = nf->acc_start[n + 1];
    uint32_t found = LTS_NORMAL_NONE;
    for (uint64_t e = e0; e <= e1; e++) {
        uint32_t event = e < e1 ? nf->edge_label[e] : tick;
        if ((e == e1 && !nf->can_tick[n]) || event >= found)
            continue;
        for (uint64_t a = a0; a < a1; a++)
            if (!lts_normal_subset(&event, 1, nf->acc_events + nf->acc_set[a],
                                   nf->acc_set[a + 1] - nf->acc_set[a])) {
                found = event;
                break;
            }
    }
    return found;
}

/* The visible trace to node `n`: nodes are numbered breadth-first, so the
 * first edge reaching a node is the one that made it. */
static pnsim_status normal_trace(const lts_normal *nf, const event_index *events,
                                 uint32_t n, lts_check_result *result, pnsim_error *error)
{
    uint32_t *parent = calloc(nf->count + 1, sizeof *parent);
    uint32_t *via = calloc(nf->count + 1, sizeof *via);
    if (parent == NULL || via == NULL) {
        free(parent);
        free(via);
        return out_of_memory(error);
    }
    for (size_t k = 0; k < nf->count; k++)
        parent[k] = LTS_NORMAL_NONE;
    for (uint32_t k = 0; k < nf->count; k++)
        for (uint64_t e = nf->edge_start[k]; e < nf->edge_start[k + 1]; e++) {
            uint32_t t = nf->edge_target[e];
            if (t != 0 && parent[t] == LTS_NORMAL_NONE) {
                parent[t] = k;
                via[t] = nf->edge_label[e];
            }
        }
    size_t length = 0;
    for (uint32_t k = n; k != 0; k = parent[k])
        length++;
    result->events = malloc((length + 1) * sizeof *result->events);
    if (result->events != NULL) {
        result->length = length;
        for (uint32_t k = n; k != 0; k = parent[k])
            /* via[k] is the label of an edge: an event index below
             * events->count, whose name is set.
             * NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign) */
            result->events[--length] = events->names[via[k]];
    }
    free(parent);
    free(via);
    return result->events != NULL ? PNSIM_OK : out_of_memory(error);
}

pnsim_status lts_check_determinism(const model *model,
                                   const explore_options *options,
                                   bool divergence_too, lts_check_result *result,
                                   pnsim_error *error)
{
    memset(result, 0, sizeof *result);
    lts_graph g;
    pnsim_status status = graph_build(model, options, &g, result, error);
    if (status != PNSIM_OK) {
        lts_graph_free(&g);
        return status;
    }
    bool found = false;
    uint64_t depth;
    if (divergence_too) {
        status = shallowest_divergence(&g, result, &found, &depth, error);
        if (status != PNSIM_OK || found) {
            finish_verdict(result, found);
            lts_graph_free(&g);
            return status;
        }
    }
    event_index events = {0};
    lts_normal_graph graph;
    uint32_t *labels = NULL;
    lts_normal *nf = NULL;
    determinism_limit limit = {options, support_now(), EXPLORE_COMPLETE};
    if (g.state_count >= UINT32_MAX || !event_index_build(model, &events) ||
        !normal_graph_of(&g, events.of_transition, &graph, &labels))
        status = out_of_memory(error);
    else
        status = lts_normal_build(&graph, determinism_over_limit, &limit, &nf, error);
    if (nf == NULL && limit.outcome != EXPLORE_COMPLETE)
        result->outcome = limit.outcome;
    for (uint32_t n = 0; nf != NULL && n < nf->count; n++) {
        uint32_t event = refused_event(nf, n, graph.tick);
        if (event != LTS_NORMAL_NONE) {
            found = true;
            result->ending = LTS_END_NONDETERMINISM;
            result->event = events.names[event];
            status = normal_trace(nf, &events, n, result, error);
            break;
        }
    }
    finish_verdict(result, found);
    lts_normal_free(nf);
    free(labels);
    event_index_free(&events);
    lts_graph_free(&g);
    return status;
}

pnsim_status lts_check_has_trace(const model *model,
                                 const explore_options *options,
                                 const char *const *trace, size_t trace_length,
                                 lts_check_result *result, pnsim_error *error)
{
    memset(result, 0, sizeof *result);
    lts_graph g;
    pnsim_status status = graph_build(model, options, &g, result, error);
    if (status != PNSIM_OK) {
        lts_graph_free(&g);
        return status;
    }
    u32_list set = {0}, next = {0};
    uint8_t *mark = calloc(g.state_count + 1, 1);
    bool ok = mark != NULL && u32_push(&set, 0) && tau_close(&g, &set, mark);
    size_t done = 0;
    for (; ok && done < trace_length && set.count > 0; done++) {
        next.count = 0;
        for (size_t i = 0; ok && i < set.count; i++) {
            uint32_t v = set.items[i];
            if (v >= g.state_count)
                continue;
            for (uint64_t e = g.row[v]; ok && e < g.row[v + 1]; e++)
                if (model->transitions[g.transition[e]].kind != MODEL_INTERNAL &&
                    strcmp(lts_event_of(model, g.transition[e]), trace[done]) == 0)
                    ok = u32_push(&next, g.target[e]);
        }
        ok = ok && tau_close(&g, &next, mark);
        if (next.count == 0)
            break;
        u32_list swap = set;
        set = next;
        next = swap;
    }
    bool performed = ok && done == trace_length;
    if (ok && !performed) {
        result->ending = LTS_END_TRACE_MISSING;
        result->event = trace[done];
        result->length = done;
        result->events = malloc((done + 1) * sizeof *result->events);
        if (result->events == NULL)
            ok = false;
        else
            for (size_t i = 0; i < done; i++)
                result->events[i] = trace[i];
    }
    if (!ok)
        status = out_of_memory(error);
    /* the property is "the trace is possible": missing it violates it, but
     * only a complete exploration proves it missing */
    if (performed)
        result->verdict = LTS_HOLDS;
    else if (result->outcome == EXPLORE_COMPLETE)
        result->verdict = LTS_VIOLATED;
    else
        result->verdict = LTS_UNKNOWN;
    free(set.items);
    free(next.items);
    free(mark);
    lts_graph_free(&g);
    return status;
}
