/*
 * refine.c — refinement checking (refine.h): normalisation of the
 * specification, then a breadth-first search of (normal state,
 * implementation state) pairs on the parallel explorer.
 *
 * The specification is explored with the breadth-first explorer, its graph
 * recorded in compressed rows through the hooks, each transition's label
 * mapped to a shared event number (0 is ✓, TAU marks τ), and normalised by
 * lts_normal.h.  The pairs are the states of a product model
 * (refine_product.h) that explore_run searches with stop_at_deadlock: its
 * only deadlocks are violations, so the first one found ends a shortest
 * run, the same on any number of threads.  The counterexample is rebuilt
 * from that run.  For FD the implementation is first explored once on its
 * own to find its states on τ-cycles (see refine.h for the trade-off).
 */
#include "refine.h"

#include <stdlib.h>
#include <string.h>

#include "lts_graph.h"
#include "lts_normal.h"
#include "refine_product.h"
#include "support.h"

#define TAU UINT32_MAX
#define TICK 0u
#define NONE UINT32_MAX

static pnsim_status out_of_memory(pnsim_error *error)
{
    return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory in a refinement check");
}

/* ---- limits ----------------------------------------------------------- */

typedef struct limits {
    const explore_options *options;
    double start;
    unsigned tick;
} limits;

/* A limit reached, or EXPLORE_COMPLETE.  `states` and `bytes` are the
 * phase's current figures. */
static explore_outcome limits_check(limits *l, uint64_t states, uint64_t bytes)
{
    const explore_options *o = l->options;
    if (o->max_states != 0 && states > o->max_states)
        return EXPLORE_LIMIT_STATES;
    if (o->max_memory != 0 && bytes > o->max_memory)
        return EXPLORE_LIMIT_MEMORY;
    if ((++l->tick & 255u) == 0) {
        if (o->interrupt != NULL && *o->interrupt)
            return EXPLORE_INTERRUPTED;
        if (o->time_limit > 0 && support_now() - l->start > o->time_limit)
            return EXPLORE_LIMIT_TIME;
    }
    return EXPLORE_COMPLETE;
}

/* ---- event labels ----------------------------------------------------- */

typedef struct alphabet {
    const char **names;         /* names[0] is ✓ */
    size_t count, capacity;
    uint32_t *table;            /* id + 1; 0 empty */
    size_t table_size;
} alphabet;

static uint64_t hash_string(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return support_mix64(h);
}

static bool alphabet_init(alphabet *a)
{
    memset(a, 0, sizeof *a);
    a->table_size = 256;
    a->table = calloc(a->table_size, sizeof *a->table);
    if (a->table == NULL || !SUPPORT_RESERVE(a->names, a->capacity, 1))
        return false;
    a->names[a->count++] = REFINE_TICK;
    return true;
}

static void alphabet_free(alphabet *a)
{
    free(a->names);
    free(a->table);
}

static uint32_t alphabet_lookup(const alphabet *a, const char *name)
{
    size_t mask = a->table_size - 1;
    for (size_t at = hash_string(name) & mask;; at = (at + 1) & mask) {
        uint32_t id = a->table[at];
        if (id == 0)
            return NONE;
        if (strcmp(a->names[id - 1], name) == 0)
            return id - 1;
    }
}

/* The id of `name`, added when new; NONE when out of memory. */
static uint32_t alphabet_intern(alphabet *a, const char *name)
{
    uint32_t found = alphabet_lookup(a, name);
    if (found != NONE)
        return found;
    if ((a->count + 1) * 2 > a->table_size) {
        size_t size = a->table_size * 2;
        uint32_t *table = calloc(size, sizeof *table);
        if (table == NULL)
            return NONE;
        for (size_t i = 0; i < a->table_size; i++) {
            uint32_t id = a->table[i];
            if (id == 0)
                continue;
            size_t at = hash_string(a->names[id - 1]) & (size - 1);
            while (table[at] != 0)
                at = (at + 1) & (size - 1);
            table[at] = id;
        }
        free(a->table);
        a->table = table;
        a->table_size = size;
    }
    if (!SUPPORT_RESERVE(a->names, a->capacity, a->count + 1))
        return NONE;
    uint32_t id = (uint32_t)a->count;
    a->names[a->count++] = name;
    size_t at = hash_string(name) & (a->table_size - 1);
    while (a->table[at] != 0)
        at = (at + 1) & (a->table_size - 1);
    a->table[at] = id + 1;
    return id;
}

/* ---- explored graphs -------------------------------------------------- */

/* An explored model (lts_graph.h) with each edge's label: TAU, TICK or an
 * event of the check's alphabet. */
typedef struct lts {
    lts_graph graph;
    uint32_t *label_of;         /* per transition */
    uint32_t *label;            /* per edge */
} lts;

static void lts_free(lts *g)
{
    lts_graph_free(&g->graph);
    free(g->label_of);
    free(g->label);
    memset(g, 0, sizeof *g);
}

/* The label of each transition of `m`: TAU, TICK or an event of `a`
 * (interned).  NULL when out of memory. */
static uint32_t *labels_of(const model *m, alphabet *a)
{
    uint32_t *label_of = malloc((m->transition_count + 1) * sizeof *label_of);
    if (label_of == NULL)
        return NULL;
    for (size_t t = 0; t < m->transition_count; t++) {
        const model_transition *tr = &m->transitions[t];
        if (tr->kind == MODEL_INTERNAL)
            label_of[t] = TAU;
        else if (tr->kind == MODEL_TERMINATION)
            label_of[t] = TICK;
        else if ((label_of[t] = alphabet_intern(a, lts_event_of(m, (uint32_t)t))) ==
                 NONE) {
            free(label_of);
            return NULL;
        }
    }
    return label_of;
}

/* Explores `m` into `g`.  Returns PNSIM_OK with *outcome (a limit leaves
 * the graph partial), or an error.  With `keep`, the exploration's result
 * is handed over in *keep (to decode states), else freed. */
static pnsim_status lts_build(const model *m, alphabet *a,
                              const explore_options *options, lts *g,
                              explore_outcome *outcome, explore_result **keep,
                              pnsim_error *error)
{
    memset(g, 0, sizeof *g);
    g->label_of = labels_of(m, a);
    if (g->label_of == NULL)
        return out_of_memory(error);
    explore_options copy = *options;
    copy.skip_traces = true;
    copy.on_progress = NULL;
    pnsim_status status = lts_graph_build(m, &copy, &g->graph, error);
    if (g->graph.result != NULL)
        *outcome = explore_result_outcome(g->graph.result);
    if (keep != NULL) {
        *keep = g->graph.result;
        g->graph.result = NULL;
    }
    if (status != PNSIM_OK)
        return status;
    g->label = malloc((g->graph.edge_count + 1) * sizeof *g->label);
    if (g->label == NULL)
        return out_of_memory(error);
    for (size_t e = 0; e < g->graph.edge_count; e++)
        g->label[e] = g->label_of[g->graph.transition[e]];
    return PNSIM_OK;
}

/* ---- the normal form of the specification ------------------------------ */

struct refine_normal {
    alphabet events;
    lts spec;
    lts_normal *nf;
    const char **buffer;        /* for refine_normal_acceptance */
    size_t buffer_capacity;
};

void refine_normal_free(refine_normal *n)
{
    if (n == NULL)
        return;
    alphabet_free(&n->events);
    lts_free(&n->spec);
    lts_normal_free(n->nf);
    free(n->buffer);
    free(n);
}

typedef struct normal_limit {
    limits *lim;
    uint64_t graph_bytes;
    explore_outcome outcome;
} normal_limit;

static int normal_limit_check(void *context, uint64_t nodes, uint64_t bytes)
{
    normal_limit *l = context;
    l->outcome = limits_check(l->lim, nodes, bytes + l->graph_bytes);
    return l->outcome != EXPLORE_COMPLETE;
}

static lts_normal_graph graph_of(const lts *g)
{
    lts_normal_graph graph = {
        .state_count = g->graph.state_count, .row = g->graph.row,
        .label = g->label, .target = g->graph.target, .tau = TAU, .tick = TICK,
    };
    return graph;
}

/* Explores `spec` and builds its normal form.  *normal is NULL when a limit
 * ended it (*outcome).  sizes[0] and sizes[1] receive the numbers of
 * specification states and normal states, also at a limit. */
static pnsim_status normalise(const model *spec, const explore_options *options,
                              limits *lim, refine_normal **normal,
                              explore_outcome *outcome, uint64_t sizes[2],
                              pnsim_error *error)
{
    *normal = NULL;
    sizes[0] = sizes[1] = 0;
    refine_normal *n = calloc(1, sizeof *n);
    if (n == NULL || !alphabet_init(&n->events)) {
        if (n != NULL)
            alphabet_free(&n->events);
        free(n);
        return out_of_memory(error);
    }
    pnsim_status status = lts_build(spec, &n->events, options, &n->spec, outcome, NULL,
                                    error);
    sizes[0] = n->spec.graph.state_count;
    if (status != PNSIM_OK || *outcome != EXPLORE_COMPLETE) {
        refine_normal_free(n);
        return status;
    }
    normal_limit l = {lim, (uint64_t)n->spec.graph.edge_capacity * 12 +
                               (uint64_t)n->spec.graph.state_count * 8, EXPLORE_COMPLETE};
    lts_normal_graph graph = graph_of(&n->spec);
    status = lts_normal_build(&graph, normal_limit_check, &l, &n->nf, error);
    if (status != PNSIM_OK || n->nf == NULL) {
        *outcome = l.outcome;
        refine_normal_free(n);
        return status;
    }
    sizes[1] = n->nf->count;
    *normal = n;
    return PNSIM_OK;
}

pnsim_status refine_normalise(const model *spec, const explore_options *options,
                              refine_normal **normal, explore_outcome *outcome,
                              pnsim_error *error)
{
    pnsim_error_clear(error);
    limits lim = {options, support_now(), 0};
    uint64_t sizes[2];
    *outcome = EXPLORE_COMPLETE;
    return normalise(spec, options, &lim, normal, outcome, sizes, error);
}

size_t refine_normal_count(const refine_normal *n)
{
    return n->nf->count;
}

bool refine_normal_divergent(const refine_normal *n, size_t state)
{
    return state < n->nf->count && n->nf->divergent[state];
}

bool refine_normal_can_terminate(const refine_normal *n, size_t state)
{
    return state < n->nf->count && n->nf->can_tick[state];
}

size_t refine_normal_members(const refine_normal *n, size_t state)
{
    const lts_normal *nf = n->nf;
    return state < nf->count ? nf->set_start[state + 1] - nf->set_start[state] : 0;
}

long refine_normal_after(const refine_normal *n, size_t state, const char *event)
{
    if (state >= n->nf->count)
        return -1;
    uint32_t id = alphabet_lookup(&n->events, event);
    if (id == NONE || id == TICK)
        return -1;
    uint32_t next = lts_normal_step(n->nf, (uint32_t)state, id);
    return next == LTS_NORMAL_NONE ? -1 : (long)next;
}

size_t refine_normal_acceptance_count(const refine_normal *n, size_t state)
{
    const lts_normal *nf = n->nf;
    return state < nf->count ? nf->acc_start[state + 1] - nf->acc_start[state] : 0;
}

size_t refine_normal_acceptance(refine_normal *n, size_t state, size_t k,
                                const char *const **events)
{
    *events = NULL;
    if (k >= refine_normal_acceptance_count(n, state))
        return 0;
    const lts_normal *nf = n->nf;
    uint64_t set = nf->acc_start[state] + k;
    uint64_t b = nf->acc_set[set], e = nf->acc_set[set + 1];
    if (!SUPPORT_RESERVE(n->buffer, n->buffer_capacity, e - b + 1))
        return 0;
    for (uint64_t i = b; i < e; i++)
        n->buffer[i - b] = n->events.names[nf->acc_events[i]];
    *events = n->buffer;
    return e - b;
}

/* ---- the implementation's divergences (FD) ------------------------------ */

/* The implementation states on τ-cycles, found by exploring it completely
 * once and running Tarjan's algorithm over its τ-edges. */
typedef struct divergences {
    lts graph;
    model_value *vectors;       /* count * state_length */
    uint32_t *ids;              /* their numbers in `graph` */
    size_t count;
} divergences;

static void divergences_free(divergences *d)
{
    lts_free(&d->graph);
    free(d->vectors);
    free(d->ids);
    memset(d, 0, sizeof *d);
}

static bool has_tau(const model *m)
{
    for (size_t t = 0; t < m->transition_count; t++)
        if (m->transitions[t].kind == MODEL_INTERNAL)
            return true;
    return false;
}

static pnsim_status find_divergences(const model *impl, alphabet *a,
                                     const explore_options *options, divergences *d,
                                     explore_outcome *outcome, pnsim_error *error)
{
    memset(d, 0, sizeof *d);
    *outcome = EXPLORE_COMPLETE;
    if (!has_tau(impl))
        return PNSIM_OK;        /* no τ, no divergence */
    explore_result *r = NULL;
    pnsim_status status = lts_build(impl, a, options, &d->graph, outcome, &r, error);
    if (status != PNSIM_OK || *outcome != EXPLORE_COMPLETE) {
        explore_result_free(r);
        return status;
    }
    uint32_t n = (uint32_t)d->graph.graph.state_count;
    uint8_t *on_cycle = calloc((size_t)n + 1, 1);
    lts_normal_graph graph = graph_of(&d->graph);
    bool ok = on_cycle != NULL && lts_normal_tau_cycles(&graph, on_cycle, NULL);
    size_t words = impl->state_length;
    for (uint32_t s = 0; ok && s < n; s++)
        d->count += on_cycle[s];
    if (ok) {
        d->vectors = malloc((d->count * words + 1) * sizeof *d->vectors);
        d->ids = malloc((d->count + 1) * sizeof *d->ids);
        ok = d->vectors != NULL && d->ids != NULL;
    }
    size_t at = 0;
    for (uint32_t s = 0; ok && s < n; s++) {
        if (!on_cycle[s])
            continue;
        d->ids[at] = s;
        ok = explore_result_decode(r, s, d->vectors + at * words);
        at++;
    }
    free(on_cycle);
    explore_result_free(r);
    return ok ? PNSIM_OK : out_of_memory(error);
}

/* ---- counterexamples ------------------------------------------------------ */

void refine_result_free(refine_result *r)
{
    free(r->trace);
    free(r->refusal);
    free(r->offers);
    free(r->acceptance_sizes);
    free(r->acceptance_events);
    free(r->loop);
    memset(r, 0, sizeof *r);
}

/* The visible events of the first `steps` transitions of `trace`. */
static bool take_trace(const explore_trace *trace, size_t steps, const uint32_t *label_of,
                       const alphabet *a, refine_result *r)
{
    r->trace = malloc((steps + 1) * sizeof *r->trace);
    if (r->trace == NULL)
        return false;
    r->length = 0;
    for (size_t i = 0; i < steps; i++) {
        uint32_t label = label_of[trace->transitions[i]];
        if (label != TAU && label != TICK)
            r->trace[r->length++] = a->names[label];
    }
    return true;
}

/* A τ-cycle through the implementation state numbered `s` in d->graph:
 * breadth-first over τ-edges back to s. */
static bool take_loop(const divergences *d, const model *impl, uint32_t s,
                      refine_result *r)
{
    const lts_graph *g = &d->graph.graph;
    const uint32_t *label = d->graph.label;
    size_t n = g->state_count;
    uint64_t *from = malloc((n + 1) * sizeof *from);        /* edge in */
    uint32_t *source = malloc((n + 1) * sizeof *source);
    uint32_t *queue = malloc((n + 1) * sizeof *queue);
    bool ok = from != NULL && source != NULL && queue != NULL;
    if (ok) {
        for (size_t i = 0; i < n; i++)
            from[i] = UINT64_MAX;
        size_t head = 0, tail = 0;
        queue[tail++] = s;
        bool closed = false;
        while (head < tail && !closed) {
            uint32_t v = queue[head++];
            for (uint64_t e = g->row[v]; e < g->row[v + 1]; e++) {
                uint32_t w = g->target[e];
                if (label[e] != TAU || (from[w] != UINT64_MAX && w != s))
                    continue;
                from[w] = e;
                source[w] = v;
                if (w == s) {
                    closed = true;
                    break;
                }
                queue[tail++] = w;
            }
        }
        if (closed) {
            size_t len = 0;
            uint32_t v = s;
            do {
                len++;
                v = source[v];
            } while (v != s && len <= n);
            r->loop = malloc((len + 1) * sizeof *r->loop);
            ok = r->loop != NULL;
            if (ok) {
                r->loop_length = len;
                v = s;
                for (size_t k = len; k > 0; k--) {
                    r->loop[k - 1] = impl->transitions[g->transition[from[v]]].name;
                    v = source[v];
                }
            }
        }
    }
    free(from);
    free(source);
    free(queue);
    return ok;
}

/* Collects the labels of an implementation state's transitions. */
typedef struct offer_list {
    const uint32_t *label_of;
    uint32_t *labels;
    size_t count, capacity;
    bool failed;
} offer_list;

static int offer_visit(void *context, uint32_t t, const model_value *successor)
{
    offer_list *o = context;
    (void)successor;
    if (!SUPPORT_RESERVE(o->labels, o->capacity, o->count + 1)) {
        o->failed = true;
        return 1;
    }
    o->labels[o->count++] = o->label_of[t];
    return 0;
}

/* Fills the refusal counterexample: stable implementation state `state`
 * at normal node `node`. */
static pnsim_status take_refusal(const refine_normal *n, uint32_t node, const model *impl,
                                 const model_value *state, const uint32_t *label_of,
                                 refine_result *r, pnsim_error *error)
{
    const lts_normal *nf = n->nf;
    const char *const *names = n->events.names;
    offer_list o = {.label_of = label_of};
    uint32_t *offer = NULL, *refused = NULL;
    size_t offer_capacity = 0, offer_count = 0;
    void *scratch = malloc(impl->scratch_bytes + sizeof(model_value));
    if (scratch == NULL)
        return out_of_memory(error);
    model_result mr = model_successors(impl, state, scratch, offer_visit, &o, error);
    free(scratch);
    if (mr == MODEL_FAILED) {
        free(o.labels);
        return error->status;
    }
    bool ok = !o.failed && lts_normal_acceptance(o.labels, 0, o.count, TICK, &offer,
                                                 &offer_capacity, &offer_count);
    free(o.labels);
    uint64_t a0 = nf->acc_start[node], a1 = nf->acc_start[node + 1];
    size_t total = nf->acc_set[a1] - nf->acc_set[a0];
    if (ok) {
        r->offers = malloc((offer_count + 1) * sizeof *r->offers);
        r->acceptance_sizes = malloc((a1 - a0 + 1) * sizeof *r->acceptance_sizes);
        r->acceptance_events = malloc((total + 1) * sizeof *r->acceptance_events);
        r->refusal = malloc((total + 1) * sizeof *r->refusal);
        refused = malloc((total + 1) * sizeof *refused);
        ok = r->offers && r->acceptance_sizes && r->acceptance_events && r->refusal &&
             refused;
    }
    if (ok) {
        for (size_t i = 0; i < offer_count; i++)
            r->offers[i] = names[offer[i]];
        r->offer_count = offer_count;
        size_t at = 0, refused_count = 0;
        for (uint64_t k = a0; k < a1; k++) {
            r->acceptance_sizes[k - a0] = nf->acc_set[k + 1] - nf->acc_set[k];
            for (uint64_t i = nf->acc_set[k]; i < nf->acc_set[k + 1]; i++) {
                uint32_t event = nf->acc_events[i];
                r->acceptance_events[at++] = names[event];
                if (!lts_normal_subset(&event, 1, offer, offer_count))
                    refused[refused_count++] = event;
            }
        }
        r->acceptance_count = a1 - a0;
        if (refused_count > 1)
            qsort(refused, refused_count, sizeof *refused, support_compare_u32);
        size_t unique = 0;
        for (size_t i = 0; i < refused_count; i++)
            if (unique == 0 || refused[unique - 1] != refused[i])
                refused[unique++] = refused[i];
        for (size_t i = 0; i < unique; i++)
            r->refusal[i] = names[refused[i]];
        r->refusal_count = unique;
    }
    free(offer);
    free(refused);
    return ok ? PNSIM_OK : out_of_memory(error);
}

/* Rebuilds the counterexample that ends at error state `target` of the
 * product exploration. */
static pnsim_status take_counterexample(const refine_normal *n, const model *impl,
                                        const model *product, const explore_result *run,
                                        explore_state_id target, const uint32_t *label_of,
                                        const divergences *d, refine_result *r,
                                        pnsim_error *error)
{
    explore_trace trace;
    pnsim_status status = explore_trace_to(run, target, &trace, error);
    if (status != PNSIM_OK)
        return status;
    const model_value *error_state = trace.states[trace.length];
    uint32_t node = (uint32_t)error_state[0];
    uint32_t last = trace.length > 0 ? trace.transitions[trace.length - 1] : 0;
    size_t steps = trace.length > 0 ? trace.length - 1 : 0;
    bool ok = take_trace(&trace, steps, label_of, &n->events, r);
    if (ok) {
        switch (error_state[1]) {
        case REFINE_PRODUCT_TRACE:
            r->ending = REFINE_END_TRACE;
            r->event = n->events.names[label_of[last]];
            break;
        case REFINE_PRODUCT_REFUSAL:
            r->ending = REFINE_END_REFUSAL;
            status = take_refusal(n, node, impl, error_state + 2, label_of, r, error);
            break;
        default: {
            r->ending = REFINE_END_DIVERGENCE;
            long index = refine_product_divergent_index(product, error_state + 2);
            ok = index >= 0 && d->ids != NULL && take_loop(d, impl, d->ids[index], r);
            break;
        }
        }
    }
    explore_trace_free(&trace);
    if (status != PNSIM_OK)
        return status;
    return ok ? PNSIM_OK : out_of_memory(error);
}

/* ---- the check ---------------------------------------------------------- */

pnsim_status refine_check(const model *spec, const model *impl,
                          refine_semantics semantics,
                          const explore_options *options, refine_result *result,
                          pnsim_error *error)
{
    pnsim_error_clear(error);
    memset(result, 0, sizeof *result);
    result->verdict = LTS_UNKNOWN;
    result->outcome = EXPLORE_COMPLETE;
    limits lim = {options, support_now(), 0};
    refine_normal *n = NULL;
    uint64_t sizes[2];
    pnsim_status status = normalise(spec, options, &lim, &n, &result->outcome, sizes,
                                    error);
    result->spec_states = sizes[0];
    result->normal_states = sizes[1];
    if (status != PNSIM_OK || n == NULL) {
        result->seconds = support_now() - lim.start;
        return status;
    }
    bool fd = semantics == REFINE_FAILURES_DIVERGENCES;
    divergences d = {0};
    model *product = NULL;
    explore_result *run = NULL;
    uint32_t *label_of = labels_of(impl, &n->events);
    if (label_of == NULL) {
        status = out_of_memory(error);
        goto done;
    }
    if (fd) {
        status = find_divergences(impl, &n->events, options, &d, &result->outcome, error);
        result->impl_states = d.graph.graph.state_count;
        if (status != PNSIM_OK || result->outcome != EXPLORE_COMPLETE)
            goto done;
    }
    refine_product_config config = {
        .impl = impl, .normal = n->nf, .label_of = label_of, .tau = TAU, .tick = TICK,
        .label_count = n->events.count, .failures = semantics != REFINE_TRACES,
        .divergences = fd, .divergent_count = d.count, .divergent = d.vectors,
    };
    product = refine_product_create(&config, error);
    if (product == NULL) {
        status = error->status;
        goto done;
    }
    explore_options copy = *options;
    copy.stop_at_deadlock = true;
    copy.final = NULL;
    copy.skip_traces = false;
    copy.find_pumping = false;
    copy.on_state = NULL;
    copy.on_edge = NULL;
    copy.on_progress = NULL;
    if (options->time_limit > 0) {
        double left = options->time_limit - (support_now() - lim.start);
        copy.time_limit = left > 1e-3 ? left : 1e-3;
    }
    run = explore_run(product, &copy, error);
    if (run == NULL) {
        status = error->status != PNSIM_OK ? error->status : out_of_memory(error);
        goto done;
    }
    const explore_stats *stats = explore_result_stats(run);
    result->outcome = explore_result_outcome(run);
    result->pairs = stats->states;
    result->edges = stats->edges;
    if (result->outcome == EXPLORE_FAILED) {
        status = error->status != PNSIM_OK
                     ? error->status
                     : pnsim_error_set(error, PNSIM_ERR_INTERNAL, "the product failed");
    } else if (result->outcome == EXPLORE_FOUND_DEADLOCK) {
        result->pairs--;        /* the error state is not a pair */
        result->outcome = EXPLORE_COMPLETE;     /* the check is decided */
        status = take_counterexample(n, impl, product, run, stats->first_deadlock,
                                     label_of, &d, result, error);
        result->verdict = LTS_VIOLATED;
    } else if (result->outcome == EXPLORE_COMPLETE) {
        result->verdict = LTS_HOLDS;
    }
done:
    explore_result_free(run);
    model_destroy(product);
    divergences_free(&d);
    free(label_of);
    /* names point into the models, not into n (REFINE_TICK is static) */
    refine_normal_free(n);
    result->seconds = support_now() - lim.start;
    if (status != PNSIM_OK) {
        refine_result_free(result);
        return status;
    }
    return PNSIM_OK;
}
