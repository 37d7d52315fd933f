/*
 * pn_bounds.c — structural bounds: how many tokens a place can ever hold,
 * known without exploring.
 *
 * A P-semiflow is a vector y >= 0, y != 0, with y . C = 0, where C is the
 * incidence matrix (tokens a transition gives a place minus those it
 * takes).  Firing any transition leaves the weighted token sum y . M
 * unchanged, so in every reachable marking a place p with y_p > 0 holds at
 * most (y . M0) / y_p tokens.  Read and inhibitor arcs move no tokens and
 * play no part.
 *
 * The semiflows come from the Farkas algorithm: start from the rows
 * (C | I), and for each transition column in turn keep the rows that are
 * zero there and add every positive combination of a row above zero with
 * a row below it that cancels the column.  What is left when every column
 * is zero are semiflows, in the identity part.
 *
 * Only semiflows of minimal support are wanted: any other is a positive
 * combination of them, and proves no bound they do not (a bound is a ratio
 * y . M0 / y_p, never below the least of the ratios it combines).  So a new
 * row whose support (the places it weighs) contains another row's is not
 * kept, and one that is kept drops the new rows whose support contains its
 * own (Colom and Silva's rule).  Rows carried over unchanged need no such
 * test: each new row's support contains those of the two it combines.
 *
 * A step carries most rows over unchanged, and rows are thousands of
 * cells wide on large nets (TokenRing-PT-015: 3,920), so rows live in one
 * pool and a step's table is a list of their places in it: carrying a
 * row over copies its place, not its cells.
 *
 * The number of rows can still explode, so the algorithm stops past a
 * fixed number of rows or on an arithmetic overflow, and keeps the rows
 * that were already zero in every transition column: each is a semiflow,
 * whatever came after.  Bounds are an optimisation (first slot widths for
 * the explorer, which still widens a slot whose value exceeds its width),
 * so stopping early costs speed, never a verdict: every row, at every step,
 * is a positive combination of rows of (C | I).
 *
 * A net whose NUPN toolspecific declares it safe gets 1 for every place.
 *
 * Exclusive sets.  A semiflow of weights 0 and 1 whose places hold one
 * token in all initially keeps exactly one of them marked, with one token:
 * a process's control places, the two sides of a flag.  The explorer stores
 * one place of such a set less (model.h), so these are kept too.
 */
#include "pn_net.h"

#include <stdlib.h>
#include <string.h>

/* Past these the algorithm gives up. */
#define PN_BOUNDS_MAX_ROWS 2048
#define PN_BOUNDS_MAX_CELLS ((size_t)1 << 22)

/* The rows of both tables of a step. */
typedef struct pn_bounds_pool {
    int64_t *cells;      /* rows of `width` cells: transitions, then
                            places */
    uint64_t *support;   /* per row, `support_words` words: bit p is set
                            when the row weighs place p */
    size_t *unused;      /* the places of the rows in no table, a stack */
    size_t unused_count;
    size_t width, transitions, support_words;
} pn_bounds_pool;

/* A table: `count` rows of the pool, in order. */
typedef struct pn_bounds_rows {
    pn_bounds_pool *pool;
    size_t *at;          /* the pool place of row i */
    uint64_t *signs;     /* 2 per transition: how many rows are positive,
                            and negative, in each transition column */
    size_t count, capacity, width, transitions, support_words;
} pn_bounds_rows;

static int64_t *pn_bounds_row(const pn_bounds_rows *rows, size_t i)
{
    return rows->pool->cells + rows->at[i] * rows->width;
}

static uint64_t *pn_bounds_support(const pn_bounds_rows *rows, size_t i)
{
    return rows->pool->support + rows->at[i] * rows->support_words;
}

/* Gives row i of `rows` an unused place of the pool.  There is one: each
 * table holds at most `capacity` rows, and the pool twice as many. */
static void pn_bounds_claim(pn_bounds_rows *rows, size_t i)
{
    pn_bounds_pool *pool = rows->pool;
    rows->at[i] = pool->unused[--pool->unused_count];
}

/* Returns the pool place `at` to the unused ones. */
static void pn_bounds_release(pn_bounds_pool *pool, size_t at)
{
    pool->unused[pool->unused_count++] = at;
}

/* Whether support `small` is contained in support `large`. */
static bool pn_bounds_within(const uint64_t *small, const uint64_t *large,
                             size_t words)
{
    for (size_t k = 0; k < words; k++)
        if ((small[k] & ~large[k]) != 0)
            return false;
    return true;
}

/* Keeps the row just written as row out->count when its support is
 * minimal: none of the rows holds a support within it; then drops the new
 * rows (from `first_new`) whose support holds it.  A row dropped was
 * written in this step: its place goes back to the pool. */
static void pn_bounds_keep_if_minimal(pn_bounds_rows *out, size_t first_new)
{
    const uint64_t *candidate = pn_bounds_support(out, out->count);
    size_t words = out->support_words;
    for (size_t i = 0; i < out->count; i++)
        if (pn_bounds_within(pn_bounds_support(out, i), candidate, words)) {
            pn_bounds_release(out->pool, out->at[out->count]);
            return;
        }
    size_t kept = first_new;
    for (size_t i = first_new; i <= out->count; i++) {
        if (i < out->count &&
            pn_bounds_within(candidate, pn_bounds_support(out, i), words)) {
            pn_bounds_release(out->pool, out->at[i]);
            continue;
        }
        out->at[kept++] = out->at[i];
    }
    out->count = kept;
}

static uint64_t pn_bounds_gcd(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* Appends a * first + b * second (a, b > 0), divided by the gcd of its
 * cells, unless its support is not minimal (from `first_new`, the rows
 * are this step's new ones).  False on overflow or when the rows are
 * full. */
static bool pn_bounds_combine(pn_bounds_rows *out, size_t first_new,
                              const int64_t *first, int64_t a,
                              const int64_t *second, int64_t b)
{
    if (out->count == out->capacity)
        return false;
    pn_bounds_claim(out, out->count);
    int64_t *row = pn_bounds_row(out, out->count);
    uint64_t *support = pn_bounds_support(out, out->count);
    uint64_t divisor = 0;
    for (size_t k = 0; k < out->width; k++) {
        int64_t x, y;
        if (__builtin_mul_overflow(a, first[k], &x) ||
            __builtin_mul_overflow(b, second[k], &y) ||
            __builtin_add_overflow(x, y, &row[k]) || row[k] == INT64_MIN) {
            pn_bounds_release(out->pool, out->at[out->count]);
            return false;
        }
        divisor = pn_bounds_gcd(divisor, (uint64_t)(row[k] < 0 ? -row[k]
                                                               : row[k]));
    }
    if (divisor > 1)
        for (size_t k = 0; k < out->width; k++)
            row[k] /= (int64_t)divisor;
    memset(support, 0, out->support_words * sizeof(uint64_t));
    for (size_t p = 0; p + out->transitions < out->width; p++)
        if (row[out->transitions + p] != 0)
            support[p / 64] |= (uint64_t)1 << (p % 64);
    pn_bounds_keep_if_minimal(out, first_new);
    return true;
}

/* Adds `delta` (1, or UINT64_MAX for -1) to the counts of the positive
 * and the negative cells of `row`, column by column.  The counts never
 * alias the row, so the loop runs on vectors. */
static void pn_bounds_count_signs(const int64_t *restrict row, size_t columns,
                                  uint64_t *restrict up,
                                  uint64_t *restrict down, uint64_t delta)
{
    for (size_t k = 0; k < columns; k++) {
        up[k] += (uint64_t)(row[k] > 0) * delta;
        down[k] += (uint64_t)(row[k] < 0) * delta;
    }
}

/* One Farkas step: cancels column `column` of `in` into `out`, rows of
 * the same pool.  `in` keeps its rows until the step is done: should it
 * fail, `in` is whole.  The sign
 * counts of `out` are those of `in`, less the rows dropped, plus the rows
 * added: a step touches few rows, and counting them all again at every
 * step was most of the time this took (Peterson-PT-3: 193 -> 96 million
 * instructions from start to the first state, TokenRing-PT-015: 217 ->
 * 104 ms). */
static bool pn_bounds_cancel(pn_bounds_rows *in, pn_bounds_rows *out,
                             size_t column)
{
    size_t columns = in->transitions;
    uint64_t *positive = out->signs, *negative = out->signs + columns;
    memcpy(out->signs, in->signs, 2 * columns * sizeof *out->signs);
    out->count = 0;
    for (size_t i = 0; i < in->count; i++) {
        if (pn_bounds_row(in, i)[column] == 0) {
            out->at[out->count++] = in->at[i];
        } else {
            pn_bounds_count_signs(pn_bounds_row(in, i), columns, positive,
                                  negative, UINT64_MAX);
        }
    }
    size_t first_new = out->count;
    for (size_t i = 0; i < in->count; i++) {
        const int64_t *up = pn_bounds_row(in, i);
        if (up[column] <= 0)
            continue;
        for (size_t j = 0; j < in->count; j++) {
            const int64_t *down = pn_bounds_row(in, j);
            if (down[column] < 0 &&
                !pn_bounds_combine(out, first_new, up, -down[column], down,
                                   up[column]))
                /* The rows point into the caller's tables, which free them
                 * (the analyzer loses them along this path).
                 * NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
                return false;
        }
    }
    for (size_t i = first_new; i < out->count; i++)
        pn_bounds_count_signs(pn_bounds_row(out, i), columns, positive,
                              negative, 1);
    /* The rows cancelled are in `in` alone. */
    for (size_t i = 0; i < in->count; i++)
        if (pn_bounds_row(in, i)[column] != 0)
            pn_bounds_release(in->pool, in->at[i]);
    in->count = 0;
    return true;
}

/* The column whose cancelling adds the fewest rows, or `width` when every
 * column is zero, from the rows' sign counts. */
static size_t pn_bounds_next_column(const pn_bounds_rows *rows,
                                    size_t columns)
{
    const uint64_t *up = rows->signs, *down = rows->signs + columns;
    size_t best = rows->width;
    uint64_t best_growth = UINT64_MAX;
    for (size_t k = 0; k < columns; k++) {
        if (up[k] + down[k] == 0)
            continue;
        /* rows added; up + down removed */
        uint64_t growth = up[k] * down[k];
        if (best == rows->width || growth < best_growth) {
            best = k;
            best_growth = growth;
        }
    }
    return best;
}

/* Lowers bounds[p] with what semiflow `flow` (one weight per place)
 * proves. */
static void pn_bounds_apply(const pn_net *net, const int64_t *flow,
                            model_value *bounds)
{
    unsigned __int128 total = 0;
    for (size_t p = 0; p < net->place_count; p++)
        total += (unsigned __int128)(uint64_t)flow[p] * net->places[p].initial;
    for (size_t p = 0; p < net->place_count; p++) {
        if (flow[p] <= 0)
            continue;
        unsigned __int128 bound = total / (uint64_t)flow[p];
        if (bound < bounds[p])
            bounds[p] = (model_value)bound;
    }
}

/* Appends semiflow `flow` to `sets` when its weights are all 0 or 1 and
 * its places hold one token in all initially: then exactly one of them is
 * marked, with one token, in every reachable marking.  False when out of
 * memory. */
static bool pn_bounds_keep_exclusive(const pn_net *net, const int64_t *flow,
                                     pn_exclusive_sets *sets)
{
    size_t members = 0;
    unsigned __int128 total = 0;
    for (size_t p = 0; p < net->place_count; p++) {
        if (flow[p] != 0 && flow[p] != 1)
            return true;
        members += (size_t)flow[p];
        total += (unsigned __int128)(uint64_t)flow[p] *
                 net->places[p].initial;
    }
    if (total != 1)
        return true;
    size_t used = sets->start[sets->count];
    uint32_t *places = realloc(sets->places,
                               (used + members) * sizeof *places);
    size_t *start = realloc(sets->start, (sets->count + 2) * sizeof *start);
    if (places != NULL)
        sets->places = places;
    if (start != NULL)
        sets->start = start;
    if (places == NULL || start == NULL)
        return false;
    for (size_t p = 0; p < net->place_count; p++)
        if (flow[p] == 1)
            places[used++] = (uint32_t)p;
    start[++sets->count] = used;
    return true;
}

bool pn_net_place_bounds(const pn_net *net, model_value *bounds,
                         pn_exclusive_sets *sets)
{
    size_t places = net->place_count, transitions = net->transition_count;
    for (size_t p = 0; p < places; p++)
        bounds[p] = net->nupn_safe ? 1 : UINT64_MAX;
    if (sets != NULL) {
        *sets = (pn_exclusive_sets){0, calloc(1, sizeof *sets->start), NULL};
        if (sets->start == NULL)
            return net->nupn_safe;
    }
    /* A safe net's bounds are known; only its exclusive sets are asked. */
    if (net->nupn_safe && sets == NULL)
        return true;
    size_t width = transitions + places;
    if (places == 0 || places * width > PN_BOUNDS_MAX_CELLS)
        return net->nupn_safe;
    size_t capacity = PN_BOUNDS_MAX_CELLS / width;
    if (capacity > PN_BOUNDS_MAX_ROWS)
        capacity = PN_BOUNDS_MAX_ROWS;
    size_t support_words = (places + 63) / 64;
    /* Each table holds at most `capacity` rows. */
    pn_bounds_pool pool = {
        calloc(2 * capacity * width, sizeof(int64_t)),
        calloc(2 * capacity * support_words, sizeof(uint64_t)),
        calloc(2 * capacity, sizeof(size_t)),
        0, width, transitions, support_words,
    };
    pn_bounds_rows rows[2];
    for (int r = 0; r < 2; r++)
        rows[r] = (pn_bounds_rows){
            &pool,
            calloc(capacity, sizeof(size_t)),
            calloc(2 * transitions + 1, sizeof(uint64_t)),
            r == 0 ? places : 0, capacity, width, transitions, support_words,
        };
    bool ok = pool.cells != NULL && pool.support != NULL &&
              pool.unused != NULL && rows[0].at != NULL &&
              rows[1].at != NULL && rows[0].signs != NULL &&
              rows[1].signs != NULL;
    /* Row p of the first table is place p of the pool; the others are
     * unused, the lowest on top. */
    for (size_t i = 0; ok && i < places; i++)
        rows[0].at[i] = i;
    for (size_t i = 2 * capacity; ok && i-- > places;)
        pool.unused[pool.unused_count++] = i;
    /* (C | I): the incidence of place p is row p. */
    for (size_t i = 0; ok && i < net->arc_count; i++) {
        const pn_arc *arc = &net->arcs[i];
        if (arc->kind != PN_ARC_NORMAL)
            continue;
        int64_t *cell = pn_bounds_row(&rows[0], arc->place) + arc->transition;
        if (arc->weight > INT64_MAX ||
            __builtin_add_overflow(*cell,
                                   arc->to_transition ? -(int64_t)arc->weight
                                                      : (int64_t)arc->weight,
                                   cell))
            ok = false;
    }
    for (size_t p = 0; ok && p < places; p++) {
        pn_bounds_row(&rows[0], p)[transitions + p] = 1;
        pn_bounds_support(&rows[0], p)[p / 64] |= (uint64_t)1 << (p % 64);
    }
    /* Without the whole incidence, no row proves anything. */
    bool built = ok;
    for (size_t p = 0; ok && p < places; p++)
        pn_bounds_count_signs(pn_bounds_row(&rows[0], p), transitions,
                              rows[0].signs, rows[0].signs + transitions, 1);
    /* `current` holds the last whole step: stopped early, its rows that are
     * zero in every transition column are still semiflows. */
    unsigned current = 0;
    while (ok) {
        size_t column = pn_bounds_next_column(&rows[current], transitions);
        if (column == width)
            break;
        if (!pn_bounds_cancel(&rows[current], &rows[1 - current], column))
            break;
        current = 1 - current;
    }
    bool found = false;
    for (size_t i = 0; built && i < rows[current].count; i++) {
        const int64_t *row = pn_bounds_row(&rows[current], i);
        bool semiflow = true;
        for (size_t t = 0; semiflow && t < transitions; t++)
            semiflow = row[t] == 0;
        if (!semiflow)
            continue;
        found = true;
        const int64_t *flow = row + transitions;
        if (!net->nupn_safe)
            pn_bounds_apply(net, flow, bounds);
        if (sets != NULL && !pn_bounds_keep_exclusive(net, flow, sets)) {
            /* Short of memory: the sets are an optimisation. */
            pn_exclusive_sets_free(sets);
            sets = NULL;
        }
    }
    for (int r = 0; r < 2; r++) {
        free(rows[r].at);
        free(rows[r].signs);
    }
    free(pool.cells);
    free(pool.support);
    free(pool.unused);
    return found || net->nupn_safe;
}

void pn_exclusive_sets_free(pn_exclusive_sets *sets)
{
    free(sets->start);
    free(sets->places);
    sets->start = NULL;
    sets->places = NULL;
    sets->count = 0;
}
