/*
 * lts_normal.c — normalisation (lts_normal.h): τ-closure and subset
 * construction over a transition system in compressed rows.
 *
 * Nodes are sorted arrays of state numbers in one member pool, interned in
 * an open-addressing table; they are expanded in the order they are made,
 * so every node's edges are known once the last one is expanded.  A node's
 * successors by each label come from sorting its members' (label, target)
 * pairs; each group's τ-closure is appended to the pool and kept when new.
 */
#include "lts_normal.h"

#include <stdlib.h>
#include <string.h>

#include "support.h"

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

bool lts_normal_subset(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t j = 0;
    for (size_t i = 0; i < na; i++) {
        while (j < nb && b[j] < a[i])
            j++;
        if (j == nb || b[j] != a[i])
            return false;
        j++;
    }
    return true;
}

bool lts_normal_acceptance(const uint32_t *label, uint64_t begin, uint64_t end,
                           uint32_t tick, uint32_t **out, size_t *capacity,
                           size_t *count)
{
    for (uint64_t e = begin; e < end; e++)
        if (label[e] == tick) {
            if (!support_reserve((void **)out, capacity, 1, sizeof **out))
                return false;
            (*out)[0] = tick;
            *count = 1;
            return true;
        }
    size_t n = 0;
    for (uint64_t e = begin; e < end; e++) {
        if (!support_reserve((void **)out, capacity, n + 1, sizeof **out))
            return false;
        (*out)[n++] = label[e];
    }
    if (n > 1)
        qsort(*out, n, sizeof **out, support_compare_u32);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++)
        if (unique == 0 || (*out)[unique - 1] != (*out)[i])
            (*out)[unique++] = (*out)[i];
    *count = unique;
    return true;
}

/* ---- τ-cycles ---------------------------------------------------------- */

bool lts_normal_tau_cycles(const lts_normal_graph *g, uint8_t *on_cycle, uint8_t *stable)
{
    uint32_t n = g->state_count;
    uint32_t *index = malloc(((size_t)n + 1) * sizeof *index);
    uint32_t *low = malloc(((size_t)n + 1) * sizeof *low);
    uint32_t *stack = malloc(((size_t)n + 1) * sizeof *stack);
    uint8_t *on_stack = calloc((size_t)n + 1, 1);
    uint8_t *calm = calloc((size_t)n + 1, 1);
    uint32_t *call = malloc(((size_t)n + 1) * sizeof *call);
    uint64_t *next = malloc(((size_t)n + 1) * sizeof *next);
    bool ok = index && low && stack && on_stack && calm && call && next;
    if (ok) {
        if (on_cycle != NULL)
            memset(on_cycle, 0, n);
        for (uint32_t s = 0; s < n; s++) {
            index[s] = UINT32_MAX;
            calm[s] = 1;
            for (uint64_t e = g->row[s]; e < g->row[s + 1]; e++)
                if (g->label[e] == g->tau)
                    calm[s] = 0;
        }
        if (stable != NULL && n > 0)
            memcpy(stable, calm, n);
        uint32_t counter = 0, depth = 0, top = 0;
        for (uint32_t root = 0; root < n && on_cycle != NULL; root++) {
            if (index[root] != UINT32_MAX || calm[root])
                continue;
            call[depth++] = root;
            index[root] = low[root] = counter++;
            next[root] = g->row[root];
            stack[top++] = root;
            on_stack[root] = 1;
            while (depth > 0) {
                uint32_t v = call[depth - 1];
                bool descended = false;
                while (next[v] < g->row[v + 1]) {
                    uint64_t e = next[v]++;
                    uint32_t w = g->target[e];
                    if (g->label[e] != g->tau || w >= n)
                        continue;
                    if (w == v) {
                        on_cycle[v] = 1;
                    } else if (index[w] == UINT32_MAX) {
                        index[w] = low[w] = counter++;
                        next[w] = g->row[w];
                        stack[top++] = w;
                        on_stack[w] = 1;
                        call[depth++] = w;
                        descended = true;
                        break;
                    } else if (on_stack[w] && index[w] < low[v]) {
                        low[v] = index[w];
                    }
                }
                if (descended)
                    continue;
                depth--;
                if (depth > 0) {
                    uint32_t parent = call[depth - 1];
                    if (low[v] < low[parent])
                        low[parent] = low[v];
                }
                if (low[v] == index[v]) {
                    uint32_t w;
                    uint32_t first = top;
                    do {
                        w = stack[--top];
                        on_stack[w] = 0;
                    } while (w != v);
                    if (first - top > 1)
                        for (uint32_t k = top; k < first; k++)
                            on_cycle[stack[k]] = 1;
                }
            }
        }
    }
    free(index);
    free(low);
    free(stack);
    free(on_stack);
    free(calm);
    free(call);
    free(next);
    return ok;
}

/* ---- the subset construction ------------------------------------------ */

typedef struct builder {
    const lts_normal_graph *g;
    lts_normal *nf;
    uint8_t *on_cycle, *stable;
    size_t node_capacity, member_capacity, edge_capacity, edge_target_capacity;
    size_t acc_set_capacity, acc_event_capacity, acc_event_count;
    size_t flag_capacity, tick_capacity, edge_start_capacity, acc_start_capacity;
    uint32_t *table;            /* node + 1; 0 empty */
    size_t table_size;
    uint32_t *stamp, stamp_value, *work;
    size_t work_capacity;
    uint32_t *acceptance;
    size_t acceptance_capacity;
} builder;

/* The per-node work lists of expand(), kept from node to node. */
typedef struct work_lists {
    uint64_t *pairs;            /* (label, target) of the members' edges */
    uint32_t *targets;          /* one label's targets */
    size_t pair_capacity, target_capacity;
} work_lists;

static uint64_t hash_set(const uint32_t *set, size_t n)
{
    uint64_t h = n;
    for (size_t i = 0; i < n; i++)
        h = support_mix64(h ^ set[i]) + i;
    return h;
}

static bool table_grow(builder *b)
{
    lts_normal *nf = b->nf;
    size_t size = b->table_size ? b->table_size * 2 : 1024;
    uint32_t *table = calloc(size, sizeof *table);
    if (table == NULL)
        return false;
    for (size_t node = 0; node < nf->count; node++) {
        const uint32_t *set = nf->members + nf->set_start[node];
        size_t at = hash_set(set, nf->set_start[node + 1] - nf->set_start[node]) &
                    (size - 1);
        while (table[at] != 0)
            at = (at + 1) & (size - 1);
        table[at] = (uint32_t)node + 1;
    }
    free(b->table);
    b->table = table;
    b->table_size = size;
    return true;
}

/* The node of the sorted set members[start ..] (just appended to the
 * member pool), kept as a new node when unseen. */
static bool intern(builder *b, size_t start, uint32_t *node)
{
    lts_normal *nf = b->nf;
    const uint32_t *set = nf->members + start;
    size_t n = nf->member_count - start;
    if ((nf->count + 1) * 2 > b->table_size && !table_grow(b))
        return false;
    size_t mask = b->table_size - 1;
    size_t at = hash_set(set, n) & mask;
    for (;; at = (at + 1) & mask) {
        uint32_t id = b->table[at];
        if (id == 0)
            break;
        /* an occupied slot holds a node, so set_start is allocated */
        if (nf->set_start == NULL)
            return false;
        uint64_t s = nf->set_start[id - 1], e = nf->set_start[id];
        if (e - s == n && memcmp(nf->members + s, set, n * sizeof *set) == 0) {
            nf->member_count = start;       /* drop the duplicate */
            *node = id - 1;
            return true;
        }
    }
    if (nf->count >= UINT32_MAX - 1 ||
        !SUPPORT_RESERVE(nf->set_start, b->node_capacity, nf->count + 2))
        return false;
    b->table[at] = (uint32_t)nf->count + 1;
    nf->set_start[nf->count] = start;
    nf->set_start[nf->count + 1] = nf->member_count;
    *node = (uint32_t)nf->count++;
    return true;
}

/* Appends the τ-closure of seeds[0 .. n) to the member pool, sorted. */
static bool closure(builder *b, const uint32_t *seeds, size_t n)
{
    const lts_normal_graph *g = b->g;
    lts_normal *nf = b->nf;
    if (++b->stamp_value == 0) {
        memset(b->stamp, 0, (size_t)g->state_count * sizeof *b->stamp);
        b->stamp_value = 1;
    }
    size_t start = nf->member_count, top = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t s = seeds[i];
        if (b->stamp[s] == b->stamp_value)
            continue;
        b->stamp[s] = b->stamp_value;
        if (!SUPPORT_RESERVE(b->work, b->work_capacity, top + 1))
            return false;
        b->work[top++] = s;
    }
    while (top > 0) {
        uint32_t s = b->work[--top];
        if (!SUPPORT_RESERVE(nf->members, b->member_capacity, nf->member_count + 1))
            return false;
        nf->members[nf->member_count++] = s;
        for (uint64_t e = g->row[s]; e < g->row[s + 1]; e++) {
            uint32_t t = g->target[e];
            if (g->label[e] != g->tau || t >= g->state_count ||
                b->stamp[t] == b->stamp_value)
                continue;
            b->stamp[t] = b->stamp_value;
            if (!SUPPORT_RESERVE(b->work, b->work_capacity, top + 1))
                return false;
            b->work[top++] = t;
        }
    }
    qsort(nf->members + start, nf->member_count - start, sizeof *nf->members,
          support_compare_u32);
    return true;
}

/* Adds acceptance[0 .. n) to the acceptances of the node being expanded
 * (from index `first` on) unless one of them is smaller or equal; drops
 * those it is strictly smaller than. */
static bool add_acceptance(builder *b, uint64_t first, size_t n)
{
    lts_normal *nf = b->nf;
    const uint32_t *set = b->acceptance;
    for (uint64_t j = first; j < nf->acc_count; j++)
        if (lts_normal_subset(nf->acc_events + nf->acc_set[j],
                              nf->acc_set[j + 1] - nf->acc_set[j], set, n))
            return true;
    uint64_t write = first;
    size_t event_write = first < nf->acc_count ? nf->acc_set[first] : b->acc_event_count;
    for (uint64_t j = first; j < nf->acc_count; j++) {
        uint64_t s = nf->acc_set[j], e = nf->acc_set[j + 1];
        if (lts_normal_subset(set, n, nf->acc_events + s, e - s))
            continue;
        memmove(nf->acc_events + event_write, nf->acc_events + s,
                (e - s) * sizeof *nf->acc_events);
        nf->acc_set[write] = event_write;
        event_write += e - s;
        write++;
    }
    nf->acc_count = write;
    b->acc_event_count = event_write;
    if (!SUPPORT_RESERVE(nf->acc_events, b->acc_event_capacity, b->acc_event_count + n + 1) ||
        !SUPPORT_RESERVE(nf->acc_set, b->acc_set_capacity, nf->acc_count + 2))
        return false;
    if (n > 0)
        memcpy(nf->acc_events + b->acc_event_count, set, n * sizeof *set);
    nf->acc_set[nf->acc_count] = b->acc_event_count;
    b->acc_event_count += n;
    nf->acc_count++;
    nf->acc_set[nf->acc_count] = b->acc_event_count;
    return true;
}

/* Fills the edges, flags and minimal acceptances of `node`. */
static bool expand(builder *b, work_lists *w, uint32_t node)
{
    const lts_normal_graph *g = b->g;
    lts_normal *nf = b->nf;
    uint64_t s0 = nf->set_start[node], s1 = nf->set_start[node + 1];
    size_t pair_count = 0;
    bool divergent = false, tick = false;
    for (uint64_t k = s0; k < s1; k++) {
        uint32_t s = nf->members[k];
        divergent |= b->on_cycle[s] != 0;
        for (uint64_t e = g->row[s]; e < g->row[s + 1]; e++) {
            uint32_t label = g->label[e];
            if (label == g->tau)
                continue;
            if (label == g->tick) {
                tick = true;
                continue;
            }
            if (g->target[e] >= g->state_count)
                continue;       /* reached but never expanded (a limit) */
            if (!SUPPORT_RESERVE(w->pairs, w->pair_capacity, pair_count + 1))
                return false;
            w->pairs[pair_count++] = (uint64_t)label << 32 | g->target[e];
        }
    }
    nf->divergent[node] = divergent;
    nf->can_tick[node] = tick;
    if (pair_count > 1)
        qsort(w->pairs, pair_count, sizeof *w->pairs, compare_u64);
    /* one edge per label, in label order */
    for (size_t i = 0; i < pair_count;) {
        uint32_t label = (uint32_t)(w->pairs[i] >> 32);
        size_t n = 0;
        for (; i < pair_count && (uint32_t)(w->pairs[i] >> 32) == label; i++) {
            if (!SUPPORT_RESERVE(w->targets, w->target_capacity, n + 1))
                return false;
            w->targets[n++] = (uint32_t)w->pairs[i];
        }
        size_t start = nf->member_count;
        uint32_t next;
        if (!closure(b, w->targets, n) || !intern(b, start, &next))
            return false;
        size_t capacity = b->edge_capacity;
        if (!SUPPORT_RESERVE(nf->edge_label, capacity, nf->edge_count + 1) ||
            !SUPPORT_RESERVE(nf->edge_target, b->edge_target_capacity, nf->edge_count + 1))
            return false;
        b->edge_capacity = capacity;
        nf->edge_label[nf->edge_count] = label;
        nf->edge_target[nf->edge_count] = next;
        nf->edge_count++;
    }
    /* minimal acceptances of the stable members, and {✓} of each member
     * that can terminate, stable or not: ✓ is a signal, so such a state
     * may refuse every visible event (UCS) */
    uint64_t first = nf->acc_count;
    for (uint64_t k = s0; k < s1; k++) {
        uint32_t s = nf->members[k];
        size_t n;
        bool terminates = false;
        for (uint64_t e = g->row[s]; e < g->row[s + 1] && !terminates; e++)
            terminates = g->label[e] == g->tick;
        if (!b->stable[s] && !terminates)
            continue;
        if (!lts_normal_acceptance(g->label, g->row[s], g->row[s + 1], g->tick,
                                   &b->acceptance, &b->acceptance_capacity, &n) ||
            !add_acceptance(b, first, n))
            return false;
    }
    if (!SUPPORT_RESERVE(nf->acc_set, b->acc_set_capacity, nf->acc_count + 1))
        return false;
    nf->acc_set[nf->acc_count] = b->acc_event_count;
    return true;
}

static uint64_t builder_bytes(const builder *b)
{
    return (uint64_t)b->member_capacity * 4 + (uint64_t)b->node_capacity * 26 +
           (uint64_t)b->edge_capacity * 8 + (uint64_t)b->table_size * 4 +
           (uint64_t)b->acc_event_capacity * 4 + (uint64_t)b->acc_set_capacity * 8 +
           (uint64_t)b->g->state_count * 6;
}

uint64_t lts_normal_bytes(const lts_normal *nf)
{
    return (uint64_t)nf->member_count * 4 + (uint64_t)nf->count * 26 +
           (uint64_t)nf->edge_count * 8 + (uint64_t)nf->acc_count * 8 +
           (nf->acc_count ? nf->acc_set[nf->acc_count] * 4 : 0);
}

void lts_normal_free(lts_normal *nf)
{
    if (nf == NULL)
        return;
    free(nf->set_start);
    free(nf->members);
    free(nf->divergent);
    free(nf->can_tick);
    free(nf->edge_start);
    free(nf->edge_label);
    free(nf->edge_target);
    free(nf->acc_start);
    free(nf->acc_set);
    free(nf->acc_events);
    free(nf);
}

pnsim_status lts_normal_build(const lts_normal_graph *g, lts_normal_limit_fn limit,
                              void *context, lts_normal **normal, pnsim_error *error)
{
    *normal = NULL;
    builder b = {.g = g};
    work_lists lists = {0};
    b.nf = calloc(1, sizeof *b.nf);
    size_t n = (size_t)g->state_count + 1;
    b.on_cycle = calloc(n, 1);
    b.stable = calloc(n, 1);
    b.stamp = calloc(n, sizeof *b.stamp);
    bool ok = b.nf != NULL && b.on_cycle != NULL && b.stable != NULL && b.stamp != NULL &&
              lts_normal_tau_cycles(g, b.on_cycle, b.stable);
    bool stopped = false;
    lts_normal *nf = b.nf;
    uint32_t initial = 0, first;
    ok = ok && g->state_count > 0 && closure(&b, &initial, 1) && intern(&b, 0, &first);
    for (uint32_t node = 0; ok && node < (nf ? nf->count : 0); node++) {
        if (limit != NULL && limit(context, nf->count, builder_bytes(&b)) != 0) {
            stopped = true;
            break;
        }
        ok = SUPPORT_RESERVE(nf->divergent, b.flag_capacity, nf->count + 1) &&
             SUPPORT_RESERVE(nf->can_tick, b.tick_capacity, nf->count + 1) &&
             SUPPORT_RESERVE(nf->edge_start, b.edge_start_capacity, (size_t)node + 2) &&
             SUPPORT_RESERVE(nf->acc_start, b.acc_start_capacity, (size_t)node + 2);
        if (!ok)
            break;
        nf->edge_start[node] = nf->edge_count;
        nf->acc_start[node] = nf->acc_count;
        ok = expand(&b, &lists, node);
        nf->edge_start[node + 1] = nf->edge_count;
        nf->acc_start[node + 1] = nf->acc_count;
    }
    free(b.on_cycle);
    free(b.stable);
    free(b.stamp);
    free(b.work);
    free(b.table);
    free(lists.pairs);
    free(lists.targets);
    free(b.acceptance);
    if (!ok || stopped) {
        lts_normal_free(nf);
        if (!ok)
            return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory normalising "
                                   "a transition system");
        return PNSIM_OK;
    }
    *normal = nf;
    return PNSIM_OK;
}

uint32_t lts_normal_step(const lts_normal *nf, uint32_t node, uint32_t label)
{
    uint64_t lo = nf->edge_start[node], hi = nf->edge_start[node + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (nf->edge_label[mid] < label)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < nf->edge_start[node + 1] && nf->edge_label[lo] == label
               ? nf->edge_target[lo] : LTS_NORMAL_NONE;
}
