/*
 * refine.c — refinement checking (refine.h): normalisation of the
 * specification, then a breadth-first search of (normal state,
 * implementation state) pairs.
 *
 * The specification is explored with the breadth-first explorer, its graph
 * recorded in compressed rows through the hooks, each transition's label
 * mapped to a shared event number (0 is ✓, TAU marks τ); its states on
 * τ-cycles are found with an iterative Tarjan over the τ-edges.  Normal
 * states are sorted arrays of specification state numbers, interned in an
 * open-addressing table.  The implementation is explored on demand during
 * the product search (its own state table and edge pool); pairs are 64-bit
 * keys (normal state, implementation state) in another table.
 */
#include "refine.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TAU UINT32_MAX
#define TICK 0u
#define NONE UINT32_MAX

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static pnsim_status out_of_memory(pnsim_error *error)
{
    return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory in a refinement check");
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Grows *array (of `size`-byte elements) to hold at least `need`. */
static bool reserve(void **array, size_t *capacity, size_t need, size_t size)
{
    if (need <= *capacity)
        return true;
    size_t capacity2 = *capacity ? *capacity : 64;
    while (capacity2 < need)
        capacity2 *= 2;
    void *grown = realloc(*array, capacity2 * size);
    if (grown == NULL)
        return false;
    *array = grown;
    *capacity = capacity2;
    return true;
}

#define RESERVE(array, capacity, need) \
    reserve((void **)&(array), &(capacity), (need), sizeof *(array))

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
        if (o->time_limit > 0 && now() - l->start > o->time_limit)
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
    return mix(h);
}

static bool alphabet_init(alphabet *a)
{
    memset(a, 0, sizeof *a);
    a->table_size = 256;
    a->table = calloc(a->table_size, sizeof *a->table);
    if (a->table == NULL || !RESERVE(a->names, a->capacity, 1))
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
    if (!RESERVE(a->names, a->capacity, a->count + 1))
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

typedef struct lts {
    const model *model;
    uint32_t *label_of;         /* per transition: event id, TICK or TAU */
    uint32_t state_count;
    uint64_t *row;              /* state_count + 1 */
    size_t row_capacity;
    uint32_t *label, *target, *transition;  /* per edge */
    size_t edge_count, edge_capacity;
    uint8_t *divergent;         /* on a τ-cycle */
    uint8_t *stable;            /* no τ-edge */
    bool failed;
} lts;

static int lts_on_edge(void *context, explore_state_id source, uint32_t t,
                       explore_state_id target)
{
    lts *g = context;
    (void)source;
    if (target >= UINT32_MAX) {
        g->failed = true;
        return 1;
    }
    size_t c1 = g->edge_capacity, c2 = c1, c3 = c1;
    if (!RESERVE(g->label, c1, g->edge_count + 1) ||
        !RESERVE(g->target, c2, g->edge_count + 1) ||
        !RESERVE(g->transition, c3, g->edge_count + 1)) {
        g->failed = true;
        return 1;
    }
    g->edge_capacity = c1;
    g->label[g->edge_count] = g->label_of[t];
    g->target[g->edge_count] = (uint32_t)target;
    g->transition[g->edge_count] = t;
    g->edge_count++;
    return 0;
}

static int lts_on_state(void *context, explore_state_id id, const model_value *state,
                        uint64_t edge_count, bool is_final)
{
    lts *g = context;
    (void)state;
    (void)edge_count;
    (void)is_final;
    if (id >= UINT32_MAX - 1 || !RESERVE(g->row, g->row_capacity, (size_t)id + 2)) {
        g->failed = true;
        return 1;
    }
    if (id == 0)
        g->row[0] = 0;
    g->row[id + 1] = g->edge_count;
    g->state_count = (uint32_t)id + 1;
    return 0;
}

static void lts_free(lts *g)
{
    free(g->label_of);
    free(g->row);
    free(g->label);
    free(g->target);
    free(g->transition);
    free(g->divergent);
    free(g->stable);
    memset(g, 0, sizeof *g);
}

/* Marks the states on τ-cycles (iterative Tarjan over τ-edges). */
static bool lts_find_divergence(lts *g)
{
    uint32_t n = g->state_count;
    g->divergent = calloc((size_t)n + 1, 1);
    g->stable = calloc((size_t)n + 1, 1);
    uint32_t *index = malloc(((size_t)n + 1) * sizeof *index);
    uint32_t *low = malloc(((size_t)n + 1) * sizeof *low);
    uint32_t *stack = malloc(((size_t)n + 1) * sizeof *stack);
    uint8_t *on_stack = calloc((size_t)n + 1, 1);
    uint32_t *call = malloc(((size_t)n + 1) * sizeof *call);
    uint64_t *next = malloc(((size_t)n + 1) * sizeof *next);
    bool ok = g->divergent && g->stable && index && low && stack && on_stack &&
              call && next;
    if (ok) {
        for (uint32_t s = 0; s < n; s++) {
            index[s] = NONE;
            g->stable[s] = 1;
            for (uint64_t e = g->row[s]; e < g->row[s + 1]; e++)
                if (g->label[e] == TAU)
                    g->stable[s] = 0;
        }
        uint32_t counter = 0, depth = 0, top = 0;
        for (uint32_t root = 0; root < n; root++) {
            if (index[root] != NONE || g->stable[root])
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
                    if (g->label[e] != TAU)
                        continue;
                    uint32_t w = g->target[e];
                    if (w == v) {
                        g->divergent[v] = 1;
                    } else if (index[w] == NONE) {
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
                    uint32_t size = 0, w;
                    uint32_t first = top;
                    do {
                        w = stack[--top];
                        on_stack[w] = 0;
                        size++;
                    } while (w != v);
                    if (size > 1)
                        for (uint32_t k = top; k < first; k++)
                            g->divergent[stack[k]] = 1;
                }
            }
        }
    }
    free(index);
    free(low);
    free(stack);
    free(on_stack);
    free(call);
    free(next);
    return ok;
}

/* Explores `m` into `g`.  Returns PNSIM_OK with *outcome (a limit leaves
 * the graph partial), or an error. */
static pnsim_status lts_build(const model *m, alphabet *a,
                              const explore_options *options, lts *g,
                              explore_outcome *outcome, pnsim_error *error)
{
    memset(g, 0, sizeof *g);
    g->model = m;
    g->label_of = malloc((m->transition_count + 1) * sizeof *g->label_of);
    if (g->label_of == NULL)
        return out_of_memory(error);
    for (size_t t = 0; t < m->transition_count; t++) {
        const model_transition *tr = &m->transitions[t];
        if (tr->kind == MODEL_INTERNAL)
            g->label_of[t] = TAU;
        else if (tr->kind == MODEL_TERMINATION)
            g->label_of[t] = TICK;
        else if ((g->label_of[t] = alphabet_intern(a, lts_event_of(m, (uint32_t)t))) ==
                 NONE)
            return out_of_memory(error);
    }
    explore_options copy = *options;
    copy.on_edge = lts_on_edge;
    copy.on_state = lts_on_state;
    copy.hook_context = g;
    copy.stop_at_deadlock = false;
    copy.skip_traces = true;
    copy.find_pumping = false;
    copy.on_progress = NULL;
    explore_result *r = explore_run(m, &copy, error);
    if (r == NULL)
        return error->status != PNSIM_OK ? error->status : out_of_memory(error);
    *outcome = explore_result_outcome(r);
    explore_result_free(r);
    if (g->failed || *outcome == EXPLORE_STOPPED_BY_HOOK)
        return out_of_memory(error);
    if (*outcome == EXPLORE_FAILED)
        return error->status != PNSIM_OK
                   ? error->status
                   : pnsim_error_set(error, PNSIM_ERR_INTERNAL, "the exploration failed");
    if (g->row == NULL) {
        g->row = calloc(2, sizeof *g->row);
        if (g->row == NULL)
            return out_of_memory(error);
    }
    if (*outcome == EXPLORE_COMPLETE && !lts_find_divergence(g))
        return out_of_memory(error);
    return PNSIM_OK;
}

/* ---- normal form ------------------------------------------------------ */

struct refine_normal {
    alphabet events;
    lts spec;
    size_t count, capacity;
    uint64_t *set_start;        /* count + 1 into members */
    uint32_t *members;
    size_t member_count, member_capacity;
    uint8_t *divergent, *can_tick;
    uint64_t *edge_start;       /* count + 1 into edge_event/edge_target */
    uint32_t *edge_event, *edge_target;
    size_t edge_count, edge_capacity, edge_target_capacity;
    uint64_t *acc_start;        /* count + 1 into acc_set */
    uint64_t *acc_set;          /* start of each acceptance in acc_events, */
    size_t acc_set_count, acc_set_capacity;   /* one more than there are */
    uint32_t *acc_events;
    size_t acc_event_count, acc_event_capacity;
    uint32_t *table;            /* node + 1; 0 empty */
    size_t table_size;
    const char **buffer;        /* for refine_normal_acceptance */
    size_t buffer_capacity;
    /* scratch */
    uint32_t *stamp, stamp_value, *work;
    size_t work_capacity;
};

static uint64_t hash_set(const uint32_t *set, size_t n)
{
    uint64_t h = n;
    for (size_t i = 0; i < n; i++)
        h = mix(h ^ set[i]) + i;
    return h;
}

static bool normal_table_grow(refine_normal *nf)
{
    size_t size = nf->table_size ? nf->table_size * 2 : 1024;
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
    free(nf->table);
    nf->table = table;
    nf->table_size = size;
    return true;
}

/* The node of the sorted set members[start ..] (just appended to the
 * member pool), keeping it as a new node when unseen. */
static bool normal_intern(refine_normal *nf, size_t start, uint32_t *node)
{
    const uint32_t *set = nf->members + start;
    size_t n = nf->member_count - start;
    if ((nf->count + 1) * 2 > nf->table_size && !normal_table_grow(nf))
        return false;
    size_t mask = nf->table_size - 1;
    size_t at = hash_set(set, n) & mask;
    for (;; at = (at + 1) & mask) {
        uint32_t id = nf->table[at];
        if (id == 0)
            break;
        uint64_t s = nf->set_start[id - 1], e = nf->set_start[id];
        if (e - s == n && memcmp(nf->members + s, set, n * sizeof *set) == 0) {
            nf->member_count = start;       /* drop the duplicate */
            *node = id - 1;
            return true;
        }
    }
    if (!RESERVE(nf->set_start, nf->capacity, nf->count + 2))
        return false;
    nf->table[at] = (uint32_t)nf->count + 1;
    nf->set_start[nf->count] = start;
    nf->set_start[nf->count + 1] = nf->member_count;
    *node = (uint32_t)nf->count++;
    return true;
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Appends the τ-closure of seeds[0..n) to the member pool, sorted. */
static bool closure(refine_normal *nf, const uint32_t *seeds, size_t n)
{
    const lts *g = &nf->spec;
    if (++nf->stamp_value == 0) {
        memset(nf->stamp, 0, (size_t)g->state_count * sizeof *nf->stamp);
        nf->stamp_value = 1;
    }
    size_t start = nf->member_count;
    size_t top = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t s = seeds[i];
        if (nf->stamp[s] == nf->stamp_value)
            continue;
        nf->stamp[s] = nf->stamp_value;
        if (!RESERVE(nf->work, nf->work_capacity, top + 1))
            return false;
        nf->work[top++] = s;
    }
    while (top > 0) {
        uint32_t s = nf->work[--top];
        if (!RESERVE(nf->members, nf->member_capacity, nf->member_count + 1))
            return false;
        nf->members[nf->member_count++] = s;
        for (uint64_t e = g->row[s]; e < g->row[s + 1]; e++) {
            if (g->label[e] != TAU)
                continue;
            uint32_t t = g->target[e];
            if (nf->stamp[t] == nf->stamp_value)
                continue;
            nf->stamp[t] = nf->stamp_value;
            if (!RESERVE(nf->work, nf->work_capacity, top + 1))
                return false;
            nf->work[top++] = t;
        }
    }
    qsort(nf->members + start, nf->member_count - start, sizeof *nf->members,
          compare_u32);
    return true;
}

/* Is sorted a[0..na) a subset of sorted b[0..nb)? */
static bool subset(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
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

/* Writes the acceptance of stable state s of g into *out (sorted, unique):
 * {✓} when it can terminate, else its visible initials. */
static bool acceptance_of(const uint32_t *label, uint64_t begin, uint64_t end,
                          uint32_t **out, size_t *capacity, size_t *count)
{
    size_t n = 0;
    for (uint64_t e = begin; e < end; e++)
        if (label[e] == TICK) {
            if (!reserve((void **)out, capacity, 1, sizeof **out))
                return false;
            (*out)[0] = TICK;
            *count = 1;
            return true;
        }
    for (uint64_t e = begin; e < end; e++) {
        if (!reserve((void **)out, capacity, n + 1, sizeof **out))
            return false;
        (*out)[n++] = label[e];
    }
    if (n > 1)
        qsort(*out, n, sizeof **out, compare_u32);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++)
        if (unique == 0 || (*out)[unique - 1] != (*out)[i])
            (*out)[unique++] = (*out)[i];
    *count = unique;
    return true;
}

/* Fills the edges, flags and minimal acceptances of `node`. */
static bool normal_expand(refine_normal *nf, uint32_t node, uint64_t **pairs,
                          size_t *pair_capacity, uint32_t **targets,
                          size_t *target_capacity)
{
    const lts *g = &nf->spec;
    uint64_t s0 = nf->set_start[node], s1 = nf->set_start[node + 1];
    size_t pair_count = 0;
    bool divergent = false, tick = false;
    for (uint64_t k = s0; k < s1; k++) {
        uint32_t s = nf->members[k];
        divergent |= g->divergent[s] != 0;
        for (uint64_t e = g->row[s]; e < g->row[s + 1]; e++) {
            uint32_t label = g->label[e];
            if (label == TAU)
                continue;
            if (label == TICK) {
                tick = true;
                continue;
            }
            if (!reserve((void **)pairs, pair_capacity, pair_count + 1, sizeof **pairs))
                return false;
            (*pairs)[pair_count++] = (uint64_t)label << 32 | g->target[e];
        }
    }
    nf->divergent[node] = divergent;
    nf->can_tick[node] = tick;
    if (pair_count > 1)
        qsort(*pairs, pair_count, sizeof **pairs, compare_u64);
    /* edges, one per event, in event order */
    for (size_t i = 0; i < pair_count;) {
        uint32_t event = (uint32_t)((*pairs)[i] >> 32);
        size_t n = 0;
        for (; i < pair_count && (uint32_t)((*pairs)[i] >> 32) == event; i++) {
            if (!reserve((void **)targets, target_capacity, n + 1, sizeof **targets))
                return false;
            (*targets)[n++] = (uint32_t)(*pairs)[i];
        }
        size_t start = nf->member_count;
        uint32_t next;
        if (!closure(nf, *targets, n) || !normal_intern(nf, start, &next))
            return false;
        size_t capacity = nf->edge_capacity;
        if (!RESERVE(nf->edge_event, capacity, nf->edge_count + 1) ||
            !RESERVE(nf->edge_target, nf->edge_target_capacity, nf->edge_count + 1))
            return false;
        nf->edge_capacity = capacity;
        nf->edge_event[nf->edge_count] = event;
        nf->edge_target[nf->edge_count] = next;
        nf->edge_count++;
    }
    /* minimal acceptances of the stable members */
    uint64_t first = nf->acc_set_count;
    for (uint64_t k = s0; k < s1; k++) {
        uint32_t s = nf->members[k];
        if (!g->stable[s])
            continue;
        size_t n;
        size_t at = nf->acc_event_count;
        uint32_t *scratch = NULL;
        size_t scratch_capacity = 0;
        if (!acceptance_of(g->label, g->row[s], g->row[s + 1], &scratch,
                           &scratch_capacity, &n)) {
            free(scratch);
            return false;
        }
        bool keep = true;
        for (uint64_t j = first; j < nf->acc_set_count && keep; j++) {
            const uint32_t *other = nf->acc_events + nf->acc_set[j];
            size_t on = nf->acc_set[j + 1] - nf->acc_set[j];
            if (subset(other, on, scratch, n))
                keep = false;     /* an equal or smaller one is there */
        }
        if (keep) {
            /* drop the kept ones this one is strictly smaller than */
            uint64_t write = first;
            size_t event_write = first < nf->acc_set_count ? nf->acc_set[first] : at;
            for (uint64_t j = first; j < nf->acc_set_count; j++) {
                uint64_t b = nf->acc_set[j], e = nf->acc_set[j + 1];
                if (subset(scratch, n, nf->acc_events + b, e - b))
                    continue;
                memmove(nf->acc_events + event_write, nf->acc_events + b,
                        (e - b) * sizeof *nf->acc_events);
                nf->acc_set[write] = event_write;
                event_write += e - b;
                write++;
            }
            nf->acc_set_count = write;
            nf->acc_event_count = event_write;
            if (!RESERVE(nf->acc_events, nf->acc_event_capacity,
                         nf->acc_event_count + n + 1) ||
                !RESERVE(nf->acc_set, nf->acc_set_capacity, nf->acc_set_count + 2)) {
                free(scratch);
                return false;
            }
            if (n > 0)
                memcpy(nf->acc_events + nf->acc_event_count, scratch, n * sizeof *scratch);
            nf->acc_set[nf->acc_set_count] = nf->acc_event_count;
            nf->acc_event_count += n;
            nf->acc_set_count++;
            nf->acc_set[nf->acc_set_count] = nf->acc_event_count;
        }
        free(scratch);
    }
    if (nf->acc_set_count == first &&
        !RESERVE(nf->acc_set, nf->acc_set_capacity, nf->acc_set_count + 1))
        return false;
    nf->acc_set[nf->acc_set_count] = nf->acc_event_count;
    return true;
}

static uint64_t normal_bytes(const refine_normal *nf)
{
    return (uint64_t)nf->member_capacity * 4 + (uint64_t)nf->capacity * 26 +
           (uint64_t)nf->edge_capacity * 8 + (uint64_t)nf->table_size * 4 +
           (uint64_t)nf->acc_event_capacity * 4 + (uint64_t)nf->acc_set_capacity * 8 +
           (uint64_t)nf->spec.edge_capacity * 12 + (uint64_t)nf->spec.state_count * 18;
}

void refine_normal_free(refine_normal *nf)
{
    if (nf == NULL)
        return;
    alphabet_free(&nf->events);
    lts_free(&nf->spec);
    free(nf->set_start);
    free(nf->members);
    free(nf->divergent);
    free(nf->can_tick);
    free(nf->edge_start);
    free(nf->edge_event);
    free(nf->edge_target);
    free(nf->acc_start);
    free(nf->acc_set);
    free(nf->acc_events);
    free(nf->table);
    free(nf->buffer);
    free(nf->stamp);
    free(nf->work);
    free(nf);
}

/* Explores `spec` and builds its normal form.  *normal is NULL when a limit
 * ended it (*outcome).  sizes[0] and sizes[1] receive the numbers of
 * specification and normal states reached, also at a limit. */
static pnsim_status normalise(const model *spec, const explore_options *options,
                              limits *lim, refine_normal **normal,
                              explore_outcome *outcome, uint64_t sizes[2],
                              pnsim_error *error)
{
    *normal = NULL;
    sizes[0] = sizes[1] = 0;
    refine_normal *nf = calloc(1, sizeof *nf);
    if (nf == NULL || !alphabet_init(&nf->events)) {
        if (nf != NULL)
            alphabet_free(&nf->events);
        free(nf);
        return out_of_memory(error);
    }
    pnsim_status status = lts_build(spec, &nf->events, options, &nf->spec, outcome,
                                    error);
    sizes[0] = nf->spec.state_count;
    if (status != PNSIM_OK || *outcome != EXPLORE_COMPLETE) {
        refine_normal_free(nf);
        return status;
    }
    nf->stamp = calloc((size_t)nf->spec.state_count + 1, sizeof *nf->stamp);
    if (nf->stamp == NULL) {
        refine_normal_free(nf);
        return out_of_memory(error);
    }
    uint64_t *pairs = NULL;
    uint32_t *targets = NULL;
    size_t pair_capacity = 0, target_capacity = 0, flag_capacity = 0;
    size_t edge_start_capacity = 0, acc_start_capacity = 0;
    uint32_t initial = 0, first;
    bool ok = closure(nf, &initial, 1) && normal_intern(nf, 0, &first);
    for (uint32_t node = 0; ok && node < nf->count; node++) {
        explore_outcome limit = limits_check(lim, nf->count, normal_bytes(nf));
        if (limit != EXPLORE_COMPLETE) {
            *outcome = limit;
            break;
        }
        size_t flags = flag_capacity;
        ok = RESERVE(nf->divergent, flags, nf->count + 1) &&
             RESERVE(nf->can_tick, flag_capacity, nf->count + 1) &&
             RESERVE(nf->edge_start, edge_start_capacity, (size_t)node + 2) &&
             RESERVE(nf->acc_start, acc_start_capacity, (size_t)node + 2);
        if (!ok)
            break;
        nf->edge_start[node] = nf->edge_count;
        nf->acc_start[node] = nf->acc_set_count;
        ok = normal_expand(nf, node, &pairs, &pair_capacity, &targets, &target_capacity);
        nf->edge_start[node + 1] = nf->edge_count;
        nf->acc_start[node + 1] = nf->acc_set_count;
    }
    free(pairs);
    free(targets);
    sizes[1] = nf->count;
    if (!ok) {
        refine_normal_free(nf);
        return out_of_memory(error);
    }
    if (*outcome != EXPLORE_COMPLETE) {
        refine_normal_free(nf);
        return PNSIM_OK;
    }
    *normal = nf;
    return PNSIM_OK;
}

pnsim_status refine_normalise(const model *spec, const explore_options *options,
                              refine_normal **normal, explore_outcome *outcome,
                              pnsim_error *error)
{
    pnsim_error_clear(error);
    limits lim = {options, now(), 0};
    uint64_t sizes[2];
    return normalise(spec, options, &lim, normal, outcome, sizes, error);
}

size_t refine_normal_count(const refine_normal *nf)
{
    return nf->count;
}

bool refine_normal_divergent(const refine_normal *nf, size_t state)
{
    return state < nf->count && nf->divergent[state];
}

bool refine_normal_can_terminate(const refine_normal *nf, size_t state)
{
    return state < nf->count && nf->can_tick[state];
}

size_t refine_normal_members(const refine_normal *nf, size_t state)
{
    return state < nf->count ? nf->set_start[state + 1] - nf->set_start[state] : 0;
}

/* The node after event id `event`, or NONE. */
static uint32_t normal_step(const refine_normal *nf, uint32_t node, uint32_t event)
{
    uint64_t lo = nf->edge_start[node], hi = nf->edge_start[node + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (nf->edge_event[mid] < event)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < nf->edge_start[node + 1] && nf->edge_event[lo] == event
               ? nf->edge_target[lo] : NONE;
}

long refine_normal_after(const refine_normal *nf, size_t state, const char *event)
{
    if (state >= nf->count)
        return -1;
    uint32_t id = alphabet_lookup(&nf->events, event);
    if (id == NONE || id == TICK)
        return -1;
    uint32_t next = normal_step(nf, (uint32_t)state, id);
    return next == NONE ? -1 : (long)next;
}

size_t refine_normal_acceptance_count(const refine_normal *nf, size_t state)
{
    return state < nf->count ? nf->acc_start[state + 1] - nf->acc_start[state] : 0;
}

size_t refine_normal_acceptance(refine_normal *nf, size_t state, size_t k,
                                const char *const **events)
{
    *events = NULL;
    if (k >= refine_normal_acceptance_count(nf, state))
        return 0;
    uint64_t set = nf->acc_start[state] + k;
    uint64_t b = nf->acc_set[set], e = nf->acc_set[set + 1];
    if (!RESERVE(nf->buffer, nf->buffer_capacity, e - b + 1))
        return 0;
    for (uint64_t i = b; i < e; i++)
        nf->buffer[i - b] = nf->events.names[nf->acc_events[i]];
    *events = nf->buffer;
    return e - b;
}

/* ---- the implementation, explored on demand ---------------------------- */

/* Implementation states are numbered as they are met; a state's edges are
 * computed when it is first expanded and kept (contiguous in the edge
 * pool), and whether it lies on a τ-cycle when first asked, by an
 * iterative Tarjan over the τ-edges that settles every state it visits. */
enum { EXPANDED = 1, DECIDED = 2, DIVERGENT = 4, STABLE = 8, ON_STACK = 16 };

typedef struct lazy {
    const model *model;
    uint32_t *label_of;         /* per transition: event id, TICK or TAU */
    size_t words;
    model_value *vectors;       /* count * words */
    size_t count, capacity, vector_capacity;
    uint64_t *table;            /* id + 1; 0 empty */
    size_t table_size;
    uint64_t *edge_start;
    uint32_t *edge_count;
    uint8_t *flags;
    uint32_t *index, *low;      /* Tarjan */
    size_t c_start, c_count, c_flags, c_index, c_low;
    uint32_t *label, *target, *transition;
    size_t edges, edge_capacity;
    model_value *current;       /* the state being expanded */
    void *scratch;
    uint32_t expanding;         /* the state being expanded */
    bool failed;                /* out of memory */
    pnsim_error *error;
} lazy;

static uint64_t hash_vector(const model_value *v, size_t words)
{
    uint64_t h = words;
    for (size_t i = 0; i < words; i++)
        h = mix(h ^ v[i]) + i;
    return h;
}

static bool lazy_grow_table(lazy *z)
{
    size_t size = z->table_size ? z->table_size * 2 : 4096;
    uint64_t *table = calloc(size, sizeof *table);
    if (table == NULL)
        return false;
    for (size_t i = 0; i < z->count; i++) {
        size_t at = hash_vector(z->vectors + i * z->words, z->words) & (size - 1);
        while (table[at] != 0)
            at = (at + 1) & (size - 1);
        table[at] = i + 1;
    }
    free(z->table);
    z->table = table;
    z->table_size = size;
    return true;
}

/* The number of state `v`, added when new; NONE when out of memory. */
static uint32_t lazy_intern(lazy *z, const model_value *v)
{
    if ((z->count + 1) * 2 > z->table_size && !lazy_grow_table(z))
        return NONE;
    size_t mask = z->table_size - 1;
    size_t at = hash_vector(v, z->words) & mask;
    size_t bytes = z->words * sizeof *v;
    for (; z->table[at] != 0; at = (at + 1) & mask) {
        uint64_t id = z->table[at] - 1;
        if (id < z->count && z->vectors != NULL &&
            memcmp(z->vectors + id * z->words, v, bytes) == 0)
            return (uint32_t)id;
    }
    if (z->count >= UINT32_MAX - 1)
        return NONE;
    size_t need = z->count + 1;
    if (!reserve((void **)&z->vectors, &z->vector_capacity, need * z->words + 1,
                 sizeof *z->vectors) ||
        !RESERVE(z->edge_start, z->c_start, need) ||
        !RESERVE(z->edge_count, z->c_count, need) ||
        !RESERVE(z->flags, z->c_flags, need) || !RESERVE(z->index, z->c_index, need) ||
        !RESERVE(z->low, z->c_low, need))
        return NONE;
    uint32_t id = (uint32_t)z->count++;
    if (bytes > 0)
        memcpy(z->vectors + (size_t)id * z->words, v, bytes);
    z->flags[id] = 0;
    z->edge_start[id] = 0;
    z->edge_count[id] = 0;
    z->table[at] = (uint64_t)id + 1;
    return id;
}

static int lazy_visit(void *context, uint32_t t, const model_value *successor)
{
    lazy *z = context;
    uint32_t target = lazy_intern(z, successor);
    size_t c1 = z->edge_capacity, c2 = c1, c3 = c1;
    if (target == NONE || !RESERVE(z->label, c1, z->edges + 1) ||
        !RESERVE(z->target, c2, z->edges + 1) ||
        !RESERVE(z->transition, c3, z->edges + 1)) {
        z->failed = true;
        return 1;
    }
    z->edge_capacity = c1;
    z->label[z->edges] = z->label_of[t];
    z->target[z->edges] = target;
    z->transition[z->edges] = t;
    z->edges++;
    if (z->label_of[t] == TAU)
        z->flags[z->expanding] &= (uint8_t)~STABLE;
    return 0;
}

/* Computes the edges of `s` once.  Returns PNSIM_OK or an error. */
static pnsim_status lazy_expand(lazy *z, uint32_t s)
{
    if (z->flags[s] & EXPANDED)
        return PNSIM_OK;
    if (z->words > 0)
        memcpy(z->current, z->vectors + (size_t)s * z->words,
               z->words * sizeof *z->current);
    z->expanding = s;
    z->flags[s] |= EXPANDED | STABLE;
    z->edge_start[s] = z->edges;
    model_result r = model_successors(z->model, z->current, z->scratch, lazy_visit, z,
                                      z->error);
    z->edge_count[s] = (uint32_t)(z->edges - z->edge_start[s]);
    if (z->failed)
        return out_of_memory(z->error);
    if (r == MODEL_FAILED)
        return z->error->status != PNSIM_OK
                   ? z->error->status
                   : pnsim_error_set(z->error, PNSIM_ERR_INTERNAL,
                                     "the implementation failed");
    return PNSIM_OK;
}

typedef struct frame {
    uint32_t state;
    uint32_t next;              /* edges of `state` looked at */
} frame;

/* Settles whether `root` lies on a τ-cycle (with every state the search
 * meets).  Returns PNSIM_OK or an error; a limit met on the way (a long
 * or endless run of τ) ends the search undecided, with *limit set. */
static pnsim_status lazy_decide(lazy *z, uint32_t root, limits *lim,
                                explore_outcome *limit)
{
    *limit = EXPLORE_COMPLETE;
    if (z->flags[root] & DECIDED)
        return PNSIM_OK;
    frame *call = NULL;
    uint32_t *stack = NULL;
    size_t call_capacity = 0, stack_capacity = 0, depth = 0, top = 0;
    uint32_t counter = 0;
    pnsim_status status = PNSIM_OK;
    /* index values are only meaningful for states without DECIDED; a
     * visit stamp keeps them apart from earlier searches */
#define VISIT(v)                                                              \
    do {                                                                      \
        if (!RESERVE(call, call_capacity, depth + 1) ||                       \
            !RESERVE(stack, stack_capacity, top + 1)) {                       \
            status = out_of_memory(z->error);                                 \
            goto done;                                                        \
        }                                                                     \
        if ((*limit = limits_check(lim, z->count, 0)) != EXPLORE_COMPLETE)    \
            goto done;                                                        \
        if ((status = lazy_expand(z, (v))) != PNSIM_OK)                       \
            goto done;                                                        \
        z->index[(v)] = z->low[(v)] = counter++;                              \
        z->flags[(v)] |= ON_STACK;                                            \
        stack[top++] = (v);                                                   \
        call[depth].state = (v);                                              \
        call[depth].next = 0;                                                 \
        depth++;                                                              \
    } while (0)
    VISIT(root);
    while (depth > 0) {
        frame *f = &call[depth - 1];
        uint32_t v = f->state;
        bool descended = false;
        while (f->next < z->edge_count[v]) {
            uint64_t e = z->edge_start[v] + f->next++;
            if (z->label[e] != TAU)
                continue;
            uint32_t w = z->target[e];
            if (w == v) {
                z->flags[v] |= DIVERGENT;
            } else if (z->flags[w] & DECIDED) {
                continue;
            } else if (z->flags[w] & ON_STACK) {
                if (z->index[w] < z->low[v])
                    z->low[v] = z->index[w];
            } else {
                VISIT(w);
                descended = true;
                break;
            }
        }
        if (descended)
            continue;
        depth--;
        if (depth > 0 && z->low[v] < z->low[call[depth - 1].state])
            z->low[call[depth - 1].state] = z->low[v];
        if (z->low[v] == z->index[v]) {
            size_t first = top;
            uint32_t w;
            do {
                w = stack[--top];
            } while (w != v);
            for (size_t k = top; k < first; k++) {
                uint32_t x = stack[k];
                z->flags[x] = (uint8_t)((z->flags[x] & ~ON_STACK) | DECIDED |
                                        (first - top > 1 ? DIVERGENT : 0));
            }
        }
    }
#undef VISIT
done:
    /* on an error, clear the marks of the unfinished search */
    for (size_t k = 0; k < top; k++)
        z->flags[stack[k]] &= (uint8_t)~ON_STACK;
    free(call);
    free(stack);
    return status;
}

static void lazy_free(lazy *z)
{
    free(z->label_of);
    free(z->vectors);
    free(z->table);
    free(z->edge_start);
    free(z->edge_count);
    free(z->flags);
    free(z->index);
    free(z->low);
    free(z->label);
    free(z->target);
    free(z->transition);
    free(z->current);
    free(z->scratch);
    memset(z, 0, sizeof *z);
}

static pnsim_status lazy_init(lazy *z, const model *m, alphabet *a, pnsim_error *error)
{
    memset(z, 0, sizeof *z);
    z->model = m;
    z->error = error;
    z->words = m->state_length;
    z->label_of = malloc((m->transition_count + 1) * sizeof *z->label_of);
    z->current = malloc((z->words + 1) * sizeof *z->current);
    size_t scratch = (m->scratch_bytes + sizeof(model_value) - 1) / sizeof(model_value);
    z->scratch = calloc(scratch + 1, sizeof(model_value));
    if (z->label_of == NULL || z->current == NULL || z->scratch == NULL)
        return out_of_memory(error);
    for (size_t t = 0; t < m->transition_count; t++) {
        const model_transition *tr = &m->transitions[t];
        if (tr->kind == MODEL_INTERNAL)
            z->label_of[t] = TAU;
        else if (tr->kind == MODEL_TERMINATION)
            z->label_of[t] = TICK;
        else if ((z->label_of[t] = alphabet_intern(a, lts_event_of(m, (uint32_t)t))) ==
                 NONE)
            return out_of_memory(error);
    }
    model_initial_state(m, z->current);
    model_value *initial = malloc((z->words + 1) * sizeof *initial);
    if (initial == NULL)
        return out_of_memory(error);
    if (z->words > 0)
        memcpy(initial, z->current, z->words * sizeof *initial);
    uint32_t id = lazy_intern(z, initial);
    free(initial);
    return id == NONE ? out_of_memory(error) : PNSIM_OK;
}

/* ---- the product ------------------------------------------------------ */

typedef struct product {
    uint64_t *key;              /* node << 32 | impl state */
    uint64_t *parent;           /* pair index, UINT64_MAX for the first */
    uint32_t *via;              /* event into it (TAU for τ) */
    uint32_t *via_transition;
    size_t count, capacity, capacity2, capacity3, capacity4;
    uint64_t *table;            /* index + 1; 0 empty */
    size_t table_size;
} product;

static bool product_grow_table(product *p)
{
    size_t size = p->table_size ? p->table_size * 2 : 4096;
    uint64_t *table = calloc(size, sizeof *table);
    if (table == NULL)
        return false;
    for (size_t i = 0; i < p->count; i++) {
        size_t at = mix(p->key[i]) & (size - 1);
        while (table[at] != 0)
            at = (at + 1) & (size - 1);
        table[at] = i + 1;
    }
    free(p->table);
    p->table = table;
    p->table_size = size;
    return true;
}

/* Adds the pair when new.  Returns false when out of memory. */
static bool product_add(product *p, uint64_t key, uint64_t parent, uint32_t via,
                        uint32_t transition)
{
    if ((p->count + 1) * 2 > p->table_size && !product_grow_table(p))
        return false;
    size_t mask = p->table_size - 1;
    size_t at = mix(key) & mask;
    for (; p->table[at] != 0; at = (at + 1) & mask)
        if (p->key[p->table[at] - 1] == key)
            return true;
    if (!RESERVE(p->key, p->capacity, p->count + 1) ||
        !RESERVE(p->parent, p->capacity2, p->count + 1) ||
        !RESERVE(p->via, p->capacity3, p->count + 1) ||
        !RESERVE(p->via_transition, p->capacity4, p->count + 1))
        return false;
    p->key[p->count] = key;
    p->parent[p->count] = parent;
    p->via[p->count] = via;
    p->via_transition[p->count] = transition;
    p->count++;
    p->table[at] = p->count;
    return true;
}

static void product_free(product *p)
{
    free(p->key);
    free(p->parent);
    free(p->via);
    free(p->via_transition);
    free(p->table);
}

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

/* The visible trace to pair `index`. */
static bool take_trace(const product *p, const alphabet *a, uint64_t index,
                       refine_result *r)
{
    size_t n = 0;
    for (uint64_t i = index; p->parent[i] != UINT64_MAX; i = p->parent[i])
        if (p->via[i] != TAU)
            n++;
    r->trace = malloc((n + 1) * sizeof *r->trace);
    if (r->trace == NULL)
        return false;
    r->length = n;
    for (uint64_t i = index; p->parent[i] != UINT64_MAX; i = p->parent[i])
        if (p->via[i] != TAU)
            r->trace[--n] = a->names[p->via[i]];
    return true;
}

/* A τ-cycle through divergent implementation state `s` (its τ-successors
 * are all expanded): breadth-first over τ-edges back to s. */
static bool take_loop(const lazy *z, uint32_t s, refine_result *r)
{
    size_t n = z->count;
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
            if (!(z->flags[v] & EXPANDED))
                continue;
            for (uint64_t e = z->edge_start[v]; e < z->edge_start[v] + z->edge_count[v];
                 e++) {
                uint32_t w = z->target[e];
                if (z->label[e] != TAU || (from[w] != UINT64_MAX && w != s))
                    continue;
                if (w == s || from[w] == UINT64_MAX) {
                    from[w] = e;
                    source[w] = v;
                    if (w == s) {
                        closed = true;
                        break;
                    }
                    queue[tail++] = w;
                }
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
                    r->loop[k - 1] = z->model->transitions[z->transition[from[v]]].name;
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

/* Fills the refusal counterexample at (node, impl state s). */
static bool take_refusal(const refine_normal *nf, uint32_t node,
                         const uint32_t *offer, size_t offer_count, refine_result *r)
{
    const char *const *names = nf->events.names;
    r->offers = malloc((offer_count + 1) * sizeof *r->offers);
    uint64_t a0 = nf->acc_start[node], a1 = nf->acc_start[node + 1];
    size_t total = nf->acc_set[a1] - nf->acc_set[a0];
    r->acceptance_sizes = malloc((a1 - a0 + 1) * sizeof *r->acceptance_sizes);
    r->acceptance_events = malloc((total + 1) * sizeof *r->acceptance_events);
    r->refusal = malloc((total + 1) * sizeof *r->refusal);
    uint32_t *refused = malloc((total + 1) * sizeof *refused);
    if (r->offers == NULL || r->acceptance_sizes == NULL ||
        r->acceptance_events == NULL || r->refusal == NULL || refused == NULL) {
        free(refused);
        return false;
    }
    for (size_t i = 0; i < offer_count; i++)
        r->offers[i] = names[offer[i]];
    r->offer_count = offer_count;
    size_t at = 0, refused_count = 0;
    for (uint64_t k = a0; k < a1; k++) {
        r->acceptance_sizes[k - a0] = nf->acc_set[k + 1] - nf->acc_set[k];
        for (uint64_t i = nf->acc_set[k]; i < nf->acc_set[k + 1]; i++) {
            uint32_t event = nf->acc_events[i];
            r->acceptance_events[at++] = names[event];
            if (!subset(&event, 1, offer, offer_count))
                refused[refused_count++] = event;
        }
    }
    r->acceptance_count = a1 - a0;
    if (refused_count > 1)
        qsort(refused, refused_count, sizeof *refused, compare_u32);
    size_t unique = 0;
    for (size_t i = 0; i < refused_count; i++)
        if (unique == 0 || refused[unique - 1] != refused[i])
            refused[unique++] = refused[i];
    for (size_t i = 0; i < unique; i++)
        r->refusal[i] = names[refused[i]];
    r->refusal_count = unique;
    free(refused);
    return true;
}

pnsim_status refine_check(const model *spec, const model *impl,
                          refine_semantics semantics,
                          const explore_options *options, refine_result *result,
                          pnsim_error *error)
{
    pnsim_error_clear(error);
    memset(result, 0, sizeof *result);
    result->verdict = LTS_UNKNOWN;
    result->outcome = EXPLORE_COMPLETE;
    limits lim = {options, now(), 0};
    refine_normal *nf = NULL;
    uint64_t sizes[2];
    pnsim_status status = normalise(spec, options, &lim, &nf, &result->outcome, sizes,
                                    error);
    result->spec_states = sizes[0];
    result->normal_states = sizes[1];
    if (status != PNSIM_OK || nf == NULL) {
        result->seconds = now() - lim.start;
        return status;
    }
    result->spec_states = nf->spec.state_count;
    result->normal_states = nf->count;
    lazy g;
    status = lazy_init(&g, impl, &nf->events, error);
    if (status != PNSIM_OK) {
        lazy_free(&g);
        refine_normal_free(nf);
        result->seconds = now() - lim.start;
        return status;
    }
    bool fd = semantics == REFINE_FAILURES_DIVERGENCES;
    bool failures = semantics != REFINE_TRACES;
    product p = {0};
    uint32_t *offer = NULL;
    size_t offer_capacity = 0;
    bool ok = product_add(&p, 0, UINT64_MAX, TAU, 0);
    bool found = false;
    for (uint64_t index = 0; ok && !found && index < p.count; index++) {
        uint64_t bytes = (uint64_t)p.capacity * 32 + (uint64_t)p.table_size * 8 +
                         normal_bytes(nf) + (uint64_t)g.edge_capacity * 12 +
                         (uint64_t)g.vector_capacity * 8 + (uint64_t)g.table_size * 8 +
                         (uint64_t)g.c_start * 21;
        uint64_t most = p.count > g.count ? p.count : g.count;
        explore_outcome limit = limits_check(&lim, most, bytes);
        if (limit != EXPLORE_COMPLETE) {
            result->outcome = limit;
            break;
        }
        uint32_t node = (uint32_t)(p.key[index] >> 32);
        uint32_t s = (uint32_t)p.key[index];
        if (fd && nf->divergent[node])
            continue;           /* the specification allows anything here */
        if ((status = lazy_expand(&g, s)) != PNSIM_OK)
            break;
        if (fd) {
            explore_outcome limit_met;
            if ((status = lazy_decide(&g, s, &lim, &limit_met)) != PNSIM_OK)
                break;
            if (limit_met != EXPLORE_COMPLETE) {
                result->outcome = limit_met;
                break;
            }
            if (g.flags[s] & DIVERGENT) {
                result->ending = REFINE_END_DIVERGENCE;
                ok = take_trace(&p, &nf->events, index, result) &&
                     take_loop(&g, s, result);
                found = true;
                break;
            }
        }
        uint64_t e0 = g.edge_start[s], e1 = e0 + g.edge_count[s];
        for (uint64_t e = e0; e < e1 && ok; e++) {
            result->edges++;
            uint32_t label = g.label[e];
            uint32_t next_node = node;
            if (label == TICK) {
                if (!nf->can_tick[node]) {
                    result->ending = REFINE_END_TRACE;
                    result->event = REFINE_TICK;
                    ok = take_trace(&p, &nf->events, index, result);
                    found = true;
                    break;
                }
                continue;
            }
            if (label != TAU) {
                next_node = normal_step(nf, node, label);
                if (next_node == NONE) {
                    result->ending = REFINE_END_TRACE;
                    result->event = nf->events.names[label];
                    ok = take_trace(&p, &nf->events, index, result);
                    found = true;
                    break;
                }
            }
            ok = product_add(&p, (uint64_t)next_node << 32 | g.target[e], index, label,
                             g.transition[e]);
        }
        if (found || !ok || !failures || !(g.flags[s] & STABLE))
            continue;
        size_t offer_count;
        ok = acceptance_of(g.label, e0, e1, &offer, &offer_capacity, &offer_count);
        if (!ok)
            break;
        bool allowed = false;
        for (uint64_t k = nf->acc_start[node]; k < nf->acc_start[node + 1] && !allowed;
             k++)
            allowed = subset(nf->acc_events + nf->acc_set[k],
                             nf->acc_set[k + 1] - nf->acc_set[k], offer, offer_count);
        if (!allowed) {
            result->ending = REFINE_END_REFUSAL;
            ok = take_trace(&p, &nf->events, index, result) &&
                 take_refusal(nf, node, offer, offer_count, result);
            found = true;
        }
    }
    result->pairs = p.count;
    result->impl_states = g.count;
    free(offer);
    product_free(&p);
    lazy_free(&g);
    result->seconds = now() - lim.start;
    if (status != PNSIM_OK || !ok) {
        refine_normal_free(nf);
        refine_result_free(result);
        return status != PNSIM_OK ? status : out_of_memory(error);
    }
    /* names point into the models, not into nf (REFINE_TICK is static) */
    refine_normal_free(nf);
    if (found)
        result->verdict = LTS_VIOLATED;
    else if (result->outcome == EXPLORE_COMPLETE)
        result->verdict = LTS_HOLDS;
    return PNSIM_OK;
}
