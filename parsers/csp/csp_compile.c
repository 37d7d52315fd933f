/*
 * csp_compile.c — compiles a process term to a model: leaves to explicit
 * transition systems, the network above them to synchronisation rules
 * (csp_compile.h).
 *
 * Everything that can fail through the trap (evaluation while exploring a
 * leaf, limits) happens first and works in the script's arena; only then
 * is the model allocated with malloc, so a failure leaks nothing.
 */
#include "csp_compile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lts_normal.h"
#include "support.h"

#define CSP_DEFAULT_LEAF_STATES 200000
#define CSP_DEFAULT_RULES 2000000

/* ---- the network ------------------------------------------------------ */

typedef enum node_kind { NODE_LEAF, NODE_PAR, NODE_HIDE, NODE_RENAME } node_kind;

typedef struct node {
    node_kind kind;
    const csp_proc *proc;       /* the term at this node */
    struct node **children;
    size_t count;
    uint32_t leaf;              /* LEAF: index */
} node;

/* An explicit leaf: states are terms; transitions sorted by label. */
typedef struct leaf_lts {
    const csp_proc *initial;
    const csp_proc **states;
    size_t state_count;
    uint32_t *row;              /* state_count + 1 offsets */
    uint32_t *labels;
    uint32_t *targets;
    uint32_t omega;             /* index of Ω, or UINT32_MAX */
    char *name;
} leaf_lts;

typedef struct rule {
    uint32_t count;
    uint32_t *leaves;
    uint32_t *labels;
    uint32_t out;               /* event id, CSP_LABEL_TAU or CSP_LABEL_TICK */
} rule;

typedef struct compiler {
    csp_interp *interp;
    csp_context *context;
    const csp_compile_options *options;
    csp_vec leaves;             /* leaf_lts* */
    bool has_par;
    size_t rule_total;
} compiler;

static node *decompose(compiler *c, const csp_proc *proc, unsigned depth)
{
    node *n = csp_alloc(c->context, sizeof *n);
    n->proc = proc;
    bool network = depth < 200 &&
                   (proc->kind == CSP_PROC_PAR || proc->kind == CSP_PROC_APAR ||
                    proc->kind == CSP_PROC_INTERLEAVE ||
                    proc->kind == CSP_PROC_HIDE || proc->kind == CSP_PROC_RENAME);
    if (!network) {
        n->kind = NODE_LEAF;
        leaf_lts *leaf = csp_alloc(c->context, sizeof *leaf);
        leaf->initial = proc;
        n->leaf = (uint32_t)c->leaves.count;
        csp_vec_push(c->context, &c->leaves, leaf);
        return n;
    }
    n->kind = proc->kind == CSP_PROC_HIDE ? NODE_HIDE
            : proc->kind == CSP_PROC_RENAME ? NODE_RENAME : NODE_PAR;
    if (n->kind == NODE_PAR)
        c->has_par = true;
    n->count = proc->count;
    n->children = csp_alloc(c->context, (proc->count + 1) * sizeof *n->children);
    for (size_t i = 0; i < proc->count; i++)
        n->children[i] = decompose(c, proc->children[i], depth + 1);
    return n;
}

/* ---- leaves ----------------------------------------------------------- */

typedef struct id_map {
    uint32_t *keys;         /* proc ids; UINT32_MAX empty */
    uint32_t *values;
    size_t size, count;
} id_map;

static void map_grow(csp_context *context, id_map *map)
{
    size_t size = map->size ? map->size * 2 : 1024;
    uint32_t *keys = csp_alloc(context, size * sizeof *keys);
    uint32_t *values = csp_alloc(context, size * sizeof *values);
    memset(keys, 0xff, size * sizeof *keys);
    for (size_t i = 0; i < map->size; i++) {
        if (map->keys[i] == UINT32_MAX)
            continue;
        size_t slot = (size_t)(uint32_t)(map->keys[i] * 2654435761u) & (size - 1);
        while (keys[slot] != UINT32_MAX)
            slot = (slot + 1) & (size - 1);
        keys[slot] = map->keys[i];
        values[slot] = map->values[i];
    }
    map->keys = keys;
    map->values = values;
    map->size = size;
}

/* Returns the index of `key`, inserting `fresh` if absent. */
static uint32_t map_get(csp_context *context, id_map *map, uint32_t key,
                        uint32_t fresh, bool *added)
{
    if (map->size == 0 || map->count * 2 >= map->size)
        map_grow(context, map);
    size_t slot = (size_t)(uint32_t)(key * 2654435761u) & (map->size - 1);
    while (map->keys[slot] != UINT32_MAX) {
        if (map->keys[slot] == key) {
            *added = false;
            return map->values[slot];
        }
        slot = (slot + 1) & (map->size - 1);
    }
    map->keys[slot] = key;
    map->values[slot] = fresh;
    map->count++;
    *added = true;
    return fresh;
}

typedef struct edge {
    uint32_t label, target;
} edge;

static int compare_edges(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->label != y->label)
        return x->label < y->label ? -1 : 1;
    return x->target < y->target ? -1 : x->target > y->target;
}

static void explore_leaf(compiler *c, leaf_lts *leaf)
{
    csp_context *context = c->context;
    size_t limit = c->options && c->options->max_leaf_states
                       ? c->options->max_leaf_states : CSP_DEFAULT_LEAF_STATES;
    id_map map = {0};
    csp_vec states = {0};
    csp_vec edges = {0};        /* per state: edge arrays */
    csp_vec counts = {0};
    bool added;
    map_get(context, &map, leaf->initial->id, 0, &added);
    csp_vec_push(context, &states, (void *)leaf->initial);
    leaf->omega = UINT32_MAX;
    leaf->name = csp_proc_describe(c->interp, leaf->initial);
    for (size_t s = 0; s < states.count; s++) {
        const csp_proc *term = states.items[s];
        if (term->kind == CSP_PROC_OMEGA)
            leaf->omega = (uint32_t)s;
        size_t n;
        const csp_transition *ts = csp_proc_transitions(c->interp, term, &n);
        edge *list = csp_alloc(context, (n + 1) * sizeof *list);
        for (size_t k = 0; k < n; k++) {
            uint32_t target = map_get(context, &map, ts[k].target->id,
                                      (uint32_t)states.count, &added);
            if (added) {
                if (states.count >= limit)
                    csp_fail(context, CSP_ERROR_LIMIT, NULL,
                             "the process %s has more than %zu states "
                             "(an infinite-state process?)", leaf->name, limit);
                csp_vec_push(context, &states, (void *)ts[k].target);
            }
            list[k].label = ts[k].label;
            list[k].target = target;
        }
        qsort(list, n, sizeof *list, compare_edges);
        csp_vec_push(context, &edges, list);
        /* The vector holds pointers; the count travels as one.
         * NOLINTNEXTLINE(performance-no-int-to-ptr) */
        csp_vec_push(context, &counts, (void *)(uintptr_t)n);
    }
    size_t total = 0;
    for (size_t s = 0; s < states.count; s++)
        total += (uintptr_t)counts.items[s];
    leaf->state_count = states.count;
    leaf->states = (const csp_proc **)states.items;
    leaf->row = csp_alloc(context, (states.count + 1) * sizeof *leaf->row);
    leaf->labels = csp_alloc(context, (total + 1) * sizeof *leaf->labels);
    leaf->targets = csp_alloc(context, (total + 1) * sizeof *leaf->targets);
    size_t at = 0;
    for (size_t s = 0; s < states.count; s++) {
        leaf->row[s] = (uint32_t)at;
        const edge *list = edges.items[s];
        for (size_t k = 0; k < (uintptr_t)counts.items[s]; k++) {
            leaf->labels[at] = list[k].label;
            leaf->targets[at] = list[k].target;
            at++;
        }
    }
    leaf->row[states.count] = (uint32_t)at;
}

/* ---- strong bisimulation (sbisim) ----------------------------- */

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Writes state s's signature at sig[at..]: the distinct (label, block of
 * target) pairs of its edges, sorted.  Returns where it ends. */
static size_t leaf_signature(const leaf_lts *leaf, const uint32_t *block,
                             size_t s, uint64_t *sig, size_t at)
{
    size_t first = at;
    for (uint32_t e = leaf->row[s]; e < leaf->row[s + 1]; e++)
        sig[at++] = (uint64_t)leaf->labels[e] << 32 | block[leaf->targets[e]];
    if (at - first > 1)
        qsort(sig + first, at - first, sizeof *sig, compare_u64);
    size_t unique = first;
    for (size_t k = first; k < at; k++)
        if (unique == first || sig[unique - 1] != sig[k])
            sig[unique++] = sig[k];
    return unique;
}

/* Replaces the leaf's transition system by its quotient under strong
 * bisimulation (labels τ and ✓ included; Ω stays apart from STOP), by
 * signature refinement: a state's signature is its block and the set of
 * (label, block of target) pairs; blocks split until the count is stable.
 * Blocks are numbered by their first state, so the initial state stays 0. */
static void reduce_leaf(compiler *c, leaf_lts *leaf)
{
    csp_context *context = c->context;
    size_t n = leaf->state_count, total = leaf->row[n];
    uint32_t *block = csp_alloc(context, (n + 1) * sizeof *block);
    uint32_t *next = csp_alloc(context, (n + 1) * sizeof *next);
    uint64_t *sig = csp_alloc(context, (total + n + 1) * sizeof *sig);
    uint64_t *start = csp_alloc(context, (n + 2) * sizeof *start);
    size_t table_size = 16;
    while (table_size < 2 * n + 2)
        table_size *= 2;
    uint32_t *table = csp_alloc(context, table_size * sizeof *table);
    for (size_t s = 0; s < n; s++)
        block[s] = s == leaf->omega ? 1 : 0;
    size_t blocks = leaf->omega != UINT32_MAX && n > 1 ? 2 : 1;
    /* Each round costs O(states + edges) and splits at least one block;
     * past a budget of work the leaf is kept as it is (always sound). */
    uint64_t work = 0;
    for (;;) {
        work += total + n;
        if (work > 50000000u)
            return;
        size_t at = 0;
        for (size_t s = 0; s < n; s++) {
            start[s] = at;
            sig[at++] = block[s];
            at = leaf_signature(leaf, block, s, sig, at);
        }
        start[n] = at;
        memset(table, 0xff, table_size * sizeof *table);
        size_t count = 0;
        for (size_t s = 0; s < n; s++) {
            size_t length = start[s + 1] - start[s];
            uint64_t h = length;
            for (uint64_t k = start[s]; k < start[s + 1]; k++)
                h = (h ^ sig[k]) * 0x100000001b3ULL;
            size_t slot = (size_t)(h ^ (h >> 29)) & (table_size - 1);
            for (;; slot = (slot + 1) & (table_size - 1)) {
                uint32_t r = table[slot];
                if (r == UINT32_MAX) {
                    table[slot] = (uint32_t)s;
                    next[s] = (uint32_t)count++;
                    break;
                }
                if (start[r + 1] - start[r] == length &&
                    memcmp(sig + start[r], sig + start[s], length * sizeof *sig) == 0) {
                    next[s] = next[r];
                    break;
                }
            }
        }
        memcpy(block, next, n * sizeof *block);
        if (count == blocks)
            break;
        blocks = count;
    }
    if (blocks == n)
        return;
    /* the quotient: each block keeps its first state's term and edges */
    const csp_proc **states = csp_alloc(context, (blocks + 1) * sizeof *states);
    uint32_t *row = csp_alloc(context, (blocks + 1) * sizeof *row);
    uint32_t *labels = csp_alloc(context, (total + 1) * sizeof *labels);
    uint32_t *targets = csp_alloc(context, (total + 1) * sizeof *targets);
    size_t at = 0, made = 0;
    for (size_t s = 0; s < n && made < blocks; s++) {
        if (block[s] != made)
            continue;           /* not the first state of a new block */
        states[made] = leaf->states[s];
        row[made] = (uint32_t)at;
        size_t first = at;
        at = leaf_signature(leaf, block, s, sig, at);
        for (size_t k = first; k < at; k++) {
            labels[k] = (uint32_t)(sig[k] >> 32);
            targets[k] = (uint32_t)sig[k];
        }
        made++;
    }
    row[blocks] = (uint32_t)at;
    if (leaf->omega != UINT32_MAX)
        leaf->omega = block[leaf->omega];
    leaf->states = states;
    leaf->state_count = blocks;
    leaf->row = row;
    leaf->labels = labels;
    leaf->targets = targets;
}

/* ---- normalisation (normal) ------------------------------------------- */

typedef struct normal_budget {
    size_t limit;
} normal_budget;

static int normal_over_budget(void *context, uint64_t nodes, uint64_t bytes)
{
    const normal_budget *budget = context;
    (void)bytes;
    return nodes > budget->limit;
}

/* Does node n offer exactly its one minimal acceptance, with no divergence?
 * Then it can stand for its stable members itself. */
static bool node_is_stable(const lts_normal *nf, size_t n)
{
    if (nf->divergent[n] || nf->acc_start[n + 1] - nf->acc_start[n] != 1)
        return false;
    uint64_t k = nf->acc_start[n];
    uint64_t a0 = nf->acc_set[k], a1 = nf->acc_set[k + 1];
    uint64_t e0 = nf->edge_start[n], e1 = nf->edge_start[n + 1];
    if (a1 - a0 != e1 - e0 + (nf->can_tick[n] ? 1 : 0))
        return false;
    for (uint64_t i = 0; i < e1 - e0; i++)
        if (nf->acc_events[a0 + i] != nf->edge_label[e0 + i])
            return false;
    return !nf->can_tick[n] || nf->acc_events[a1 - 1] == CSP_LABEL_TICK;
}

/* Replaces the leaf's transition system by its normal form (lts_normal.h)
 * rebuilt as a transition system with the same traces, stable failures and
 * divergences: one state per normal node, with an edge per visible event
 * to the node after it and ✓ to Ω when a member can terminate.  A node
 * that is not simply stable (several minimal acceptances, or one that is
 * not all it can do, or divergence) is unstable: τ to one stable state per
 * minimal acceptance, which offers exactly that acceptance (to the same
 * successors), and τ to itself when divergent.  Node 0 stays state 0. */
static void normalise_leaf(compiler *c, leaf_lts *leaf)
{
    csp_context *context = c->context;
    size_t n = leaf->state_count;
    uint64_t *row = csp_alloc(context, (n + 1) * sizeof *row);
    for (size_t s = 0; s <= n; s++)
        row[s] = leaf->row[s];
    lts_normal_graph graph = {
        .state_count = (uint32_t)n, .row = row, .label = leaf->labels,
        .target = leaf->targets, .tau = CSP_LABEL_TAU, .tick = CSP_LABEL_TICK,
    };
    normal_budget budget = {c->options && c->options->max_leaf_states
                                ? c->options->max_leaf_states : CSP_DEFAULT_LEAF_STATES};
    lts_normal *nf = NULL;
    pnsim_error error;
    if (lts_normal_build(&graph, normal_over_budget, &budget, &nf, &error) != PNSIM_OK)
        csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory normalising %s",
                 leaf->name);
    if (nf == NULL)
        csp_fail(context, CSP_ERROR_LIMIT, NULL,
                 "normalising %s: more than %zu normal states", leaf->name,
                 budget.limit);
    /* states: the nodes, then the acceptance states, then Ω */
    size_t nodes = nf->count, extra = 0, edges = 0;
    bool *stable = csp_alloc(context, (nodes + 1) * sizeof *stable);
    for (size_t k = 0; k < nodes; k++) {
        stable[k] = node_is_stable(nf, k);
        edges += nf->edge_start[k + 1] - nf->edge_start[k] + 2;
        if (!stable[k]) {
            size_t accs = nf->acc_start[k + 1] - nf->acc_start[k];
            extra += accs;
            edges += accs;
            for (uint64_t a = nf->acc_start[k]; a < nf->acc_start[k + 1]; a++)
                edges += nf->acc_set[a + 1] - nf->acc_set[a];
        }
    }
    size_t count = nodes + extra + (leaf->omega != UINT32_MAX ? 1 : 0);
    if (count >= UINT32_MAX || edges >= UINT32_MAX) {
        lts_normal_free(nf);
        csp_fail(context, CSP_ERROR_LIMIT, NULL, "normalising %s: too many states",
                 leaf->name);
    }
    uint32_t omega = leaf->omega != UINT32_MAX ? (uint32_t)(nodes + extra) : UINT32_MAX;
    const csp_proc **states = csp_alloc(context, (count + 1) * sizeof *states);
    uint32_t *out_row = csp_alloc(context, (count + 1) * sizeof *out_row);
    edge *list = csp_alloc(context, (edges + 1) * sizeof *list);
    size_t at = 0, next_extra = nodes;
    /* acceptance states are laid out after all the nodes, in node order */
    uint32_t *first_extra = csp_alloc(context, (nodes + 1) * sizeof *first_extra);
    for (size_t k = 0; k < nodes; k++) {
        first_extra[k] = (uint32_t)next_extra;
        if (!stable[k])
            next_extra += nf->acc_start[k + 1] - nf->acc_start[k];
    }
    for (size_t k = 0; k < nodes; k++) {
        states[k] = leaf->states[nf->members[nf->set_start[k]]];
        out_row[k] = (uint32_t)at;
        size_t first = at;
        for (uint64_t e = nf->edge_start[k]; e < nf->edge_start[k + 1]; e++)
            list[at++] = (edge){nf->edge_label[e], nf->edge_target[e]};
        if (nf->can_tick[k])
            list[at++] = (edge){CSP_LABEL_TICK, omega};
        if (!stable[k]) {
            size_t accs = nf->acc_start[k + 1] - nf->acc_start[k];
            for (size_t a = 0; a < accs; a++)
                list[at++] = (edge){CSP_LABEL_TAU, first_extra[k] + (uint32_t)a};
            if (nf->divergent[k])
                list[at++] = (edge){CSP_LABEL_TAU, (uint32_t)k};
        }
        qsort(list + first, at - first, sizeof *list, compare_edges);
    }
    for (size_t k = 0; k < nodes; k++) {
        if (stable[k])
            continue;
        for (uint64_t a = nf->acc_start[k]; a < nf->acc_start[k + 1]; a++) {
            size_t state = first_extra[k] + (size_t)(a - nf->acc_start[k]);
            states[state] = states[k];
            out_row[state] = (uint32_t)at;
            for (uint64_t i = nf->acc_set[a]; i < nf->acc_set[a + 1]; i++) {
                uint32_t label = nf->acc_events[i];
                uint32_t target = label == CSP_LABEL_TICK
                                      ? omega : lts_normal_step(nf, (uint32_t)k, label);
                list[at++] = (edge){label, target};
            }
        }
    }
    if (omega != UINT32_MAX) {
        states[omega] = leaf->states[leaf->omega];
        out_row[omega] = (uint32_t)at;
    }
    out_row[count] = (uint32_t)at;
    lts_normal_free(nf);
    uint32_t *labels = csp_alloc(context, (at + 1) * sizeof *labels);
    uint32_t *targets = csp_alloc(context, (at + 1) * sizeof *targets);
    for (size_t e = 0; e < at; e++) {
        labels[e] = list[e].label;
        targets[e] = list[e].target;
    }
    leaf->states = states;
    leaf->state_count = count;
    leaf->row = out_row;
    leaf->labels = labels;
    leaf->targets = targets;
    leaf->omega = omega;
}

static bool marked_in(const csp_vec *marked, const leaf_lts *leaf)
{
    for (size_t i = 0; i < marked->count; i++)
        if (marked->items[i] == (const void *)leaf->initial)
            return true;
    return false;
}

/* Applies the compressions the script asked for on this leaf's term:
 * normal (normalise, normalize) first, then sbisim. */
static void compress_leaf(compiler *c, leaf_lts *leaf)
{
    if (marked_in(&c->interp->normalised, leaf))
        normalise_leaf(c, leaf);
    if (marked_in(&c->interp->compressed, leaf))
        reduce_leaf(c, leaf);
}

/* ---- rules ------------------------------------------------------------ */

static rule *new_rule(compiler *c, uint32_t count, uint32_t out)
{
    if (++c->rule_total > (c->options && c->options->max_rules
                               ? c->options->max_rules : CSP_DEFAULT_RULES))
        csp_fail(c->context, CSP_ERROR_LIMIT, NULL,
                 "more than %zu synchronisation rules",
                 c->options && c->options->max_rules ? c->options->max_rules
                                                     : (size_t)CSP_DEFAULT_RULES);
    rule *r = csp_alloc(c->context, sizeof *r);
    r->count = count;
    r->out = out;
    r->leaves = csp_alloc(c->context, (count + 1) * sizeof *r->leaves);
    r->labels = csp_alloc(c->context, (count + 1) * sizeof *r->labels);
    return r;
}

static rule *relabel(compiler *c, const rule *r, uint32_t out)
{
    rule *copy = new_rule(c, r->count, out);
    memcpy(copy->leaves, r->leaves, r->count * sizeof *r->leaves);
    memcpy(copy->labels, r->labels, r->count * sizeof *r->labels);
    return copy;
}

static bool event_in(compiler *c, uint32_t label, const csp_value *set)
{
    if (label == CSP_LABEL_TAU || label == CSP_LABEL_TICK || set == NULL)
        return false;
    return csp_set_member(c->context, c->interp->events[label], set);
}

static int compare_rule_out(const void *a, const void *b)
{
    const rule *x = *(rule *const *)a, *y = *(rule *const *)b;
    return x->out < y->out ? -1 : x->out > y->out;
}

/* The rules of child `list` whose output is `label`: [first, end). */
static size_t rules_with(rule **list, size_t count, uint32_t label, size_t *end)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (list[mid]->out < label)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t e = lo;
    while (e < count && list[e]->out == label)
        e++;
    *end = e;
    return lo;
}

static void rules_of(compiler *c, const node *n, csp_vec *out);

static void par_rules(compiler *c, const node *n, csp_vec *out)
{
    csp_context *context = c->context;
    const csp_proc *p = n->proc;
    size_t k = n->count;
    rule ***lists = csp_alloc(context, (k + 1) * sizeof *lists);
    size_t *counts = csp_alloc(context, (k + 1) * sizeof *counts);
    for (size_t i = 0; i < k; i++) {
        csp_vec child = {0};
        rules_of(c, n->children[i], &child);
        lists[i] = (rule **)child.items;
        counts[i] = child.count;
        if (counts[i] > 1)      /* lists[i] may be NULL when empty */
            qsort(lists[i], counts[i], sizeof *lists[i], compare_rule_out);
    }
    bool *part = csp_alloc(context, k + 1);
    for (size_t i = 0; i < k; i++) {
        for (size_t r = 0; r < counts[i]; r++) {
            const rule *rl = lists[i][r];
            if (rl->out == CSP_LABEL_TAU) {
                csp_vec_push(context, out, (void *)rl);
                continue;
            }
            if (rl->out == CSP_LABEL_TICK) {
                csp_vec_push(context, out, relabel(c, rl, CSP_LABEL_TAU));
                continue;
            }
            /* rules are sorted by output: handle each event once per child */
            if (r > 0 && lists[i][r - 1]->out == rl->out)
                continue;
            uint32_t e = rl->out;
            size_t first = k, participants = 0;
            for (size_t j = 0; j < k; j++) {
                if (p->kind == CSP_PROC_APAR)
                    part[j] = event_in(c, e, p->alphabets[j]);
                else if (p->kind == CSP_PROC_PAR && event_in(c, e, p->set))
                    part[j] = true;
                else
                    part[j] = j == i;
                if (part[j]) {
                    participants++;
                    if (first == k)
                        first = j;
                }
            }
            if (!part[i] || first != i)
                continue;
            size_t *lo = csp_alloc(context, (k + 1) * sizeof *lo);
            size_t *hi = csp_alloc(context, (k + 1) * sizeof *hi);
            size_t *index = csp_alloc(context, (k + 1) * sizeof *index);
            bool possible = true;
            for (size_t j = 0; j < k && possible; j++) {
                if (!part[j])
                    continue;
                lo[j] = rules_with(lists[j], counts[j], e, &hi[j]);
                index[j] = lo[j];
                possible = lo[j] < hi[j];
            }
            if (!possible)
                continue;
            if (participants == 1) {
                for (size_t x = lo[i]; x < hi[i]; x++)
                    csp_vec_push(context, out, lists[i][x]);
                continue;
            }
            for (;;) {
                uint32_t total = 0;
                for (size_t j = 0; j < k; j++)
                    if (part[j])
                        total += lists[j][index[j]]->count;
                rule *merged = new_rule(c, total, e);
                uint32_t at = 0;
                for (size_t j = 0; j < k; j++) {
                    if (!part[j])
                        continue;
                    const rule *src = lists[j][index[j]];
                    memcpy(merged->leaves + at, src->leaves, src->count * sizeof(uint32_t));
                    memcpy(merged->labels + at, src->labels, src->count * sizeof(uint32_t));
                    at += src->count;
                }
                csp_vec_push(context, out, merged);
                size_t j = k;
                bool done = false;
                while (j > 0) {
                    j--;
                    if (!part[j])
                        continue;
                    if (++index[j] < hi[j])
                        break;
                    index[j] = lo[j];
                    if (j == first) {
                        done = true;
                        break;
                    }
                }
                if (done)
                    break;
            }
        }
    }
}

static void rules_of(compiler *c, const node *n, csp_vec *out)
{
    csp_context *context = c->context;
    csp_enter(context, NULL);
    switch (n->kind) {
    case NODE_LEAF: {
        /* decompose() made a leaf node only after pushing its leaf.
         * NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
        const leaf_lts *leaf = c->leaves.items[n->leaf];
        size_t total = leaf->row[leaf->state_count];
        uint32_t *labels = csp_memdup(context, leaf->labels,
                                      (total + 1) * sizeof *labels);
        /* distinct labels */
        qsort(labels, total, sizeof *labels, support_compare_u32);
        for (size_t x = 0; x < total; x++) {
            if (x > 0 && labels[x] == labels[x - 1])
                continue;
            rule *r = new_rule(c, 1, labels[x]);
            r->leaves[0] = n->leaf;
            r->labels[0] = labels[x];
            csp_vec_push(context, out, r);
        }
        break;
    }
    case NODE_PAR:
        par_rules(c, n, out);
        break;
    case NODE_HIDE: {
        csp_vec child = {0};
        rules_of(c, n->children[0], &child);
        for (size_t i = 0; i < child.count; i++) {
            rule *r = child.items[i];
            csp_vec_push(context, out, event_in(c, r->out, n->proc->set)
                                           ? relabel(c, r, CSP_LABEL_TAU) : r);
        }
        break;
    }
    case NODE_RENAME: {
        csp_vec child = {0};
        rules_of(c, n->children[0], &child);
        const csp_proc *p = n->proc;
        for (size_t i = 0; i < child.count; i++) {
            rule *r = child.items[i];
            bool renamed = false;
            if (r->out != CSP_LABEL_TAU && r->out != CSP_LABEL_TICK) {
                const csp_value *event = c->interp->events[r->out];
                for (size_t k = 0; k < p->rename_count; k++)
                    if (csp_value_compare(p->rename_from[k], event) == 0) {
                        csp_vec_push(context, out,
                                     relabel(c, r, csp_event_id(c->interp,
                                                                p->rename_to[k])));
                        renamed = true;
                    }
            }
            if (!renamed)
                csp_vec_push(context, out, r);
        }
        break;
    }
    }
    csp_leave(context);
}

/* ---- shared resources ------------------------------------------------- */

/* How the rules touch the shared resources (csp_compile.h): per rule and
 * resource the access (0 none, 1 read, 2 write), and per resource and leaf
 * whether the leaf owns it.  Computed in the arena, before the model. */
typedef struct access_facts {
    size_t resources;
    uint8_t *rule_access;       /* [rule * resources + resource] */
    bool *owner;                /* [resource * leaves + leaf] */
    size_t access_total;        /* nonzero entries of rule_access */
} access_facts;

/* How a label accesses `resource` (0 none, 1 read, 2 write), memoised
 * per event id in `memo` (0xff: not computed yet). */
static uint8_t label_access(compiler *c, const csp_shared *resource,
                            uint8_t *memo, uint32_t label)
{
    if (label == CSP_LABEL_TAU || label == CSP_LABEL_TICK)
        return 0;
    if (memo[label] == 0xff) {
        const csp_value *event = c->interp->events[label];
        memo[label] = csp_set_member(c->context, event, resource->writes) ? 2
                    : csp_set_member(c->context, event, resource->reads) ? 1 : 0;
    }
    return memo[label];
}

static void access_facts_compute(compiler *c, const csp_vec *rules,
                                 access_facts *facts)
{
    csp_context *context = c->context;
    size_t k_count = c->options ? c->options->shared_count : 0;
    size_t leaves = c->leaves.count;
    memset(facts, 0, sizeof *facts);
    facts->resources = k_count;
    if (k_count == 0)
        return;
    facts->rule_access = csp_alloc(context, rules->count * k_count + 1);
    facts->owner = csp_alloc(context, (k_count * leaves + 1) * sizeof *facts->owner);
    size_t events = c->interp->event_count;
    uint8_t *memo = csp_alloc(context, events + 1);
    size_t *taking = csp_alloc(context, (leaves + 1) * sizeof *taking);
    for (size_t k = 0; k < k_count; k++) {
        const csp_shared *resource = &c->options->shared[k];
        memset(memo, 0xff, events + 1);
        memset(taking, 0, (leaves + 1) * sizeof *taking);
        size_t accessing = 0;
        for (size_t r = 0; r < rules->count; r++) {
            const rule *rl = rules->items[r];
            uint8_t access = label_access(c, resource, memo, rl->out);
            for (uint32_t p = 0; p < rl->count; p++) {
                uint8_t by_leaf = label_access(c, resource, memo, rl->labels[p]);
                access = by_leaf > access ? by_leaf : access;
            }
            facts->rule_access[r * k_count + k] = access;
            if (access == 0)
                continue;
            facts->access_total++;
            accessing++;
            for (uint32_t p = 0; p < rl->count; p++)
                taking[rl->leaves[p]]++;
        }
        for (size_t l = 0; l < leaves; l++)
            facts->owner[k * leaves + l] = accessing > 0 && taking[l] == accessing;
    }
}

/* ---- the model -------------------------------------------------------- */

typedef struct csp_leaf_table {
    uint32_t state_count;
    uint32_t *row;
    uint32_t *labels;
    uint32_t *targets;
    uint32_t omega;
} csp_leaf_table;

typedef struct csp_model {
    model base;
    size_t leaf_count;
    csp_leaf_table *leaves;
    size_t rule_count;          /* ordinary rules = transitions 0..rule_count-1 */
    uint32_t *rule_start;       /* rule_count + 1 offsets into parts */
    uint32_t *part_leaf;
    uint32_t *part_label;
    bool has_flag;              /* slot leaf_count is `terminated` */
    size_t max_parts;
    /* owned storage behind the base's arrays */
    char **strings;
    size_t string_count;
    model_transition *transitions;
    uint32_t *components;
    const char **slot_names;
    model_access *accesses;
    uint32_t *consumes;
    const char **resource_names;
} csp_model;

static void csp_model_initial(const model *base, model_value *state)
{
    const csp_model *m = (const csp_model *)base;
    for (size_t i = 0; i < base->state_length; i++)
        state[i] = 0;
    (void)m;
}

static bool csp_model_all_omega(const csp_model *m, const model_value *state)
{
    for (size_t i = 0; i < m->leaf_count; i++)
        if (state[i] != m->leaves[i].omega)
            return false;
    return true;
}

static bool csp_model_is_final(const model *base, const model_value *state)
{
    const csp_model *m = (const csp_model *)base;
    if (m->has_flag)
        return state[m->leaf_count] != 0;
    return csp_model_all_omega(m, state);
}

/* The transitions of leaf `l` in state `s` labelled `label`: [lo, hi). */
static void leaf_range(const csp_leaf_table *leaf, model_value s, uint32_t label,
                       uint32_t *lo_out, uint32_t *hi_out)
{
    uint32_t lo = leaf->row[s], hi = leaf->row[s + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (leaf->labels[mid] < label)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t end = lo;
    while (end < leaf->row[s + 1] && leaf->labels[end] == label)
        end++;
    *lo_out = lo;
    *hi_out = end;
}

static model_result csp_model_successors(const model *base,
                                         const model_value *state, void *scratch,
                                         model_visit_fn visit, void *context,
                                         pnsim_error *error)
{
    (void)error;
    const csp_model *m = (const csp_model *)base;
    if (m->has_flag && state[m->leaf_count] != 0)
        return MODEL_DONE;
    model_value *next = scratch;
    uint32_t *lo = (uint32_t *)(next + base->state_length);
    uint32_t *hi = lo + m->max_parts;
    uint32_t *at = hi + m->max_parts;
    for (size_t r = 0; r < m->rule_count; r++) {
        uint32_t start = m->rule_start[r], count = m->rule_start[r + 1] - start;
        bool enabled = true;
        for (uint32_t p = 0; p < count && enabled; p++) {
            uint32_t leaf = m->part_leaf[start + p];
            leaf_range(&m->leaves[leaf], state[leaf], m->part_label[start + p],
                       &lo[p], &hi[p]);
            at[p] = lo[p];
            enabled = lo[p] < hi[p];
        }
        if (!enabled)
            continue;
        for (;;) {
            memcpy(next, state, base->state_length * sizeof *next);
            for (uint32_t p = 0; p < count; p++) {
                uint32_t leaf = m->part_leaf[start + p];
                next[leaf] = m->leaves[leaf].targets[at[p]];
            }
            if (visit(context, (uint32_t)r, next) != 0)
                return MODEL_STOPPED;
            uint32_t p = count;
            while (p > 0) {
                p--;
                if (++at[p] < hi[p])
                    break;
                at[p] = lo[p];
                if (p == 0) {
                    p = UINT32_MAX;
                    break;
                }
            }
            if (p == UINT32_MAX)
                break;
        }
    }
    if (m->has_flag && csp_model_all_omega(m, state)) {
        memcpy(next, state, base->state_length * sizeof *next);
        next[m->leaf_count] = 1;
        if (visit(context, (uint32_t)m->rule_count, next) != 0)
            return MODEL_STOPPED;
    }
    return MODEL_DONE;
}

static void csp_model_destroy(model *base)
{
    csp_model *m = (csp_model *)base;
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->leaf_count; i++) {
        free(m->leaves[i].row);
        free(m->leaves[i].labels);
        free(m->leaves[i].targets);
    }
    free(m->leaves);
    free(m->rule_start);
    free(m->part_leaf);
    free(m->part_label);
    for (size_t i = 0; i < m->string_count; i++)
        free(m->strings[i]);
    free(m->strings);
    free(m->transitions);
    free(m->components);
    free(m->slot_names);
    free(m->accesses);
    free(m->consumes);
    free(m->resource_names);
    free(m);
}

static const model_ops csp_model_ops = {
    .initial_state = csp_model_initial,
    .successors = csp_model_successors,
    .is_final = csp_model_is_final,
    .destroy = csp_model_destroy,
};

/* malloc'd copy recorded in the model's string list (NULL on failure) */
static char *own_string(csp_model *m, const char *text)
{
    char *copy = strdup(text);
    if (copy == NULL)
        return NULL;
    m->strings[m->string_count++] = copy;
    return copy;
}

static void *copy_array(const void *data, size_t bytes, bool *ok)
{
    void *copy = malloc(bytes ? bytes : 1);
    if (copy == NULL) {
        *ok = false;
        return NULL;
    }
    if (bytes > 0)
        memcpy(copy, data, bytes);
    return copy;
}

model *csp_compile(csp_interp *interp, const csp_proc *root, const char *name,
                   const csp_compile_options *options)
{
    csp_context *context = interp->context;
    compiler c = {.interp = interp, .context = context, .options = options};
    node *top = decompose(&c, root, 0);
    for (size_t i = 0; i < c.leaves.count; i++) {
        explore_leaf(&c, c.leaves.items[i]);
        compress_leaf(&c, c.leaves.items[i]);
    }
    csp_vec rules = {0};
    rules_of(&c, top, &rules);
    if (rules.count > UINT32_MAX / 2)
        csp_fail(context, CSP_ERROR_LIMIT, NULL, "too many rules");
    access_facts facts;
    access_facts_compute(&c, &rules, &facts);
    size_t resource_count = facts.resources;

    /* From here on nothing fails through the trap. */
    size_t leaf_count = c.leaves.count;
    size_t rule_count = rules.count;
    size_t parts = 0, max_parts = 1;
    for (size_t r = 0; r < rule_count; r++) {
        const rule *rl = rules.items[r];
        parts += rl->count;
        if (rl->count > max_parts)
            max_parts = rl->count;
    }
    size_t transition_count = rule_count + (c.has_par ? 1 : 0);
    size_t state_length = leaf_count + (c.has_par ? 1 : 0);
    csp_model *m = calloc(1, sizeof *m);
    bool ok = m != NULL;
    if (ok) {
        m->strings = calloc(transition_count + state_length + leaf_count +
                                resource_count + 4,
                            sizeof *m->strings);
        m->leaves = calloc(leaf_count + 1, sizeof *m->leaves);
        m->rule_start = calloc(rule_count + 1, sizeof *m->rule_start);
        m->part_leaf = calloc(parts + 1, sizeof *m->part_leaf);
        m->part_label = calloc(parts + 1, sizeof *m->part_label);
        m->transitions = calloc(transition_count + 1, sizeof *m->transitions);
        m->components = calloc(parts + 1, sizeof *m->components);
        m->slot_names = calloc(state_length + leaf_count + 1, sizeof *m->slot_names);
        m->accesses = calloc(facts.access_total + 1, sizeof *m->accesses);
        m->consumes = calloc(parts + 1, sizeof *m->consumes);
        m->resource_names = calloc(resource_count + 1, sizeof *m->resource_names);
        ok = m->strings && m->leaves && m->rule_start && m->part_leaf &&
             m->part_label && m->transitions && m->components && m->slot_names &&
             m->accesses && m->consumes && m->resource_names;
    }
    if (ok) {
        m->leaf_count = leaf_count;
        for (size_t i = 0; i < leaf_count && ok; i++) {
            const leaf_lts *leaf = c.leaves.items[i];
            size_t total = leaf->row[leaf->state_count];
            csp_leaf_table *t = &m->leaves[i];
            t->state_count = (uint32_t)leaf->state_count;
            t->omega = leaf->omega;
            t->row = copy_array(leaf->row, (leaf->state_count + 1) * sizeof *t->row, &ok);
            t->labels = copy_array(leaf->labels, total * sizeof *t->labels, &ok);
            t->targets = copy_array(leaf->targets, total * sizeof *t->targets, &ok);
        }
    }
    if (ok) {
        m->rule_count = rule_count;
        m->max_parts = max_parts;
        m->has_flag = c.has_par;
        size_t at = 0, accesses = 0;
        for (size_t r = 0; r < rule_count && ok; r++) {
            const rule *rl = rules.items[r];
            m->rule_start[r] = (uint32_t)at;
            model_transition *t = &m->transitions[r];
            const char *label = rl->out == CSP_LABEL_TAU ? "τ"
                              : rl->out == CSP_LABEL_TICK ? "✓"
                              : interp->event_names[rl->out];
            /* events share one string per rule: names need not be unique */
            t->name = own_string(m, label);
            t->event = t->name;
            t->kind = rl->out == CSP_LABEL_TAU ? MODEL_INTERNAL
                    : rl->out == CSP_LABEL_TICK ? MODEL_TERMINATION : MODEL_VISIBLE;
            t->rate = 1;
            t->component_count = rl->count;
            t->components = m->components + at;
            for (uint32_t p = 0; p < rl->count; p++) {
                m->part_leaf[at] = rl->leaves[p];
                m->part_label[at] = rl->labels[p];
                m->components[at] = rl->leaves[p];
                at++;
            }
            /* the resources it reads or writes, and the leaves it takes:
             * those taking part, apart from the owners of what it accesses */
            t->accesses = m->accesses + accesses;
            t->consumes = m->consumes + (at - rl->count);
            for (size_t k = 0; k < resource_count; k++) {
                uint8_t access = facts.rule_access[r * resource_count + k];
                if (access == 0)
                    continue;
                m->accesses[accesses].resource = (uint32_t)k;
                m->accesses[accesses].kind = access == 2 ? MODEL_ACCESS_WRITE
                                                         : MODEL_ACCESS_READ;
                accesses++;
                t->access_count++;
            }
            for (uint32_t p = 0; p < rl->count; p++) {
                bool owned = false;
                for (size_t i = 0; i < t->access_count && !owned; i++)
                    owned = facts.owner[t->accesses[i].resource * leaf_count +
                                        rl->leaves[p]];
                if (!owned)
                    m->consumes[at - rl->count + t->consume_count++] = rl->leaves[p];
            }
            ok = t->name != NULL;
            /* the string list has room for one string per transition */
            if (m->string_count > transition_count + state_length + leaf_count)
                ok = false;
        }
        m->rule_start[rule_count] = (uint32_t)at;
    }
    if (ok && c.has_par) {
        model_transition *t = &m->transitions[rule_count];
        t->name = own_string(m, "✓");
        t->event = t->name;
        t->kind = MODEL_TERMINATION;
        t->rate = 1;
        ok = t->name != NULL;
    }
    const char **component_names = NULL;
    if (ok) {
        component_names = m->slot_names + state_length;
        for (size_t i = 0; i < leaf_count && ok; i++) {
            char slot[32];
            snprintf(slot, sizeof slot, "p%zu", i);
            const leaf_lts *leaf = c.leaves.items[i];
            m->slot_names[i] = own_string(m, slot);
            component_names[i] = own_string(m, leaf->name);
            ok = m->slot_names[i] != NULL && component_names[i] != NULL;
        }
        if (ok && c.has_par) {
            m->slot_names[leaf_count] = own_string(m, "terminated");
            ok = m->slot_names[leaf_count] != NULL;
        }
        for (size_t k = 0; k < resource_count && ok; k++) {
            m->resource_names[k] = own_string(m, options->shared[k].name);
            ok = m->resource_names[k] != NULL;
        }
    }
    char *model_name = ok ? own_string(m, name) : NULL;
    if (!ok || model_name == NULL) {
        if (m != NULL)
            csp_model_destroy(&m->base);
        csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory building the model");
    }
    m->base.ops = &csp_model_ops;
    m->base.implementation = m;
    m->base.format = "csp";
    m->base.name = model_name;
    m->base.state_length = state_length;
    m->base.slot_kind = MODEL_SLOT_CONTROL;
    m->base.slot_names = m->slot_names;
    m->base.transition_count = transition_count;
    m->base.transitions = m->transitions;
    m->base.component_count = leaf_count;
    m->base.component_names = component_names;
    m->base.resource_count = resource_count;
    m->base.resource_names = m->resource_names;
    m->base.scratch_bytes = state_length * sizeof(model_value) +
                            3 * max_parts * sizeof(uint32_t) + 16;
    return &m->base;
}
