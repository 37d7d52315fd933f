/*
 * csp_value.c — construction, ordering, hashing, printing and set algebra
 * for CSPm values (csp_value.h).
 *
 * Integer sets move between two canonical forms: finite ones are sorted
 * arrays, infinite ones interval lists.  Set operations on two integer sets
 * work on intervals and convert back to an array when the result is
 * bounded, so `diff({1..}, Int) == {}` and `{1..-1} == {}` hold by
 * structural comparison.  Other infinite sets stay symbolic; an operation
 * that would have to enumerate one fails with an evaluation error.
 */
#include "csp_value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csp_proc.h"

/* Largest finite set or range the evaluator materialises. */
#define CSP_MAX_SET 10000000

csp_value *csp_int(csp_context *context, int64_t number)
{
    csp_value *value = csp_alloc(context, sizeof *value);
    value->kind = CSP_V_INT;
    value->as.number = number;
    return value;
}

csp_value *csp_bool(csp_context *context, bool flag)
{
    csp_value *value = csp_alloc(context, sizeof *value);
    value->kind = CSP_V_BOOL;
    value->as.number = flag;
    return value;
}

csp_value *csp_tuple(csp_context *context, csp_value **items, size_t count)
{
    csp_value *value = csp_alloc(context, sizeof *value);
    value->kind = CSP_V_TUPLE;
    value->as.tuple.items = items;
    value->as.tuple.count = count;
    return value;
}

csp_value *csp_seq(csp_context *context, csp_value **items, size_t count)
{
    csp_value *value = csp_alloc(context, sizeof *value);
    value->kind = CSP_V_SEQ;
    value->as.seq.items = items;
    value->as.seq.count = count;
    return value;
}

csp_value *csp_proc_value(csp_context *context, const csp_proc *proc)
{
    csp_value *value = csp_alloc(context, sizeof *value);
    value->kind = CSP_V_PROC;
    value->as.proc = proc;
    return value;
}

csp_value *csp_set_symbolic(csp_context *context, csp_set_kind kind)
{
    csp_value *value = csp_alloc(context, sizeof *value);
    value->kind = CSP_V_SET;
    value->as.set.kind = kind;
    return value;
}

static int compare_values_qsort(const void *a, const void *b)
{
    return csp_value_compare(*(csp_value *const *)a, *(csp_value *const *)b);
}

csp_value *csp_set_finite(csp_context *context, csp_value **items, size_t count)
{
    csp_value **sorted = csp_alloc(context, (count + 1) * sizeof *sorted);
    if (count > 0)
        memcpy(sorted, items, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, compare_values_qsort);
    size_t out = 0;
    for (size_t i = 0; i < count; i++)
        if (out == 0 || csp_value_compare(sorted[out - 1], sorted[i]) != 0)
            sorted[out++] = sorted[i];
    csp_value *value = csp_set_symbolic(context, CSP_SET_FINITE);
    value->as.set.items = sorted;
    value->as.set.count = out;
    return value;
}

static csp_value *make_intervals(csp_context *context, int64_t *lo, int64_t *hi,
                                 size_t count)
{
    /* canonical: a bounded interval list becomes a finite set */
    bool bounded = true;
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (lo[i] == INT64_MIN || hi[i] == INT64_MAX) {
            bounded = false;
            break;
        }
        total += (uint64_t)(hi[i] - lo[i]) + 1;
        if (total > CSP_MAX_SET)
            csp_fail(context, CSP_ERROR_EVAL, NULL,
                     "a set of more than %d integers is too large to compute",
                     CSP_MAX_SET);
    }
    if (bounded) {
        csp_value **items = csp_alloc(context, (total + 1) * sizeof *items);
        size_t used = 0;
        for (size_t i = 0; i < count; i++)
            for (int64_t v = lo[i]; v <= hi[i]; v++)
                items[used++] = csp_int(context, v);
        csp_value *value = csp_set_symbolic(context, CSP_SET_FINITE);
        value->as.set.items = items;
        value->as.set.count = used;
        return value;
    }
    csp_value *value = csp_set_symbolic(context, CSP_SET_INTS);
    value->as.set.lo = lo;
    value->as.set.hi = hi;
    value->as.set.count = count;
    return value;
}

csp_value *csp_set_range(csp_context *context, int64_t lo, int64_t hi)
{
    if (lo > hi)
        return make_intervals(context, NULL, NULL, 0);
    int64_t *l = csp_alloc(context, sizeof *l), *h = csp_alloc(context, sizeof *h);
    *l = lo;
    *h = hi;
    return make_intervals(context, l, h, 1);
}

uint32_t csp_proc_identity(const csp_proc *proc)
{
    return proc->id;
}

/* ---- ordering --------------------------------------------------------- */

static int compare_ints(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

static int compare_arrays(csp_value *const *a, size_t an, csp_value *const *b,
                          size_t bn)
{
    for (size_t i = 0; i < an && i < bn; i++) {
        int c = csp_value_compare(a[i], b[i]);
        if (c != 0)
            return c;
    }
    return compare_ints((int64_t)an, (int64_t)bn);
}

int csp_env_compare(const csp_env *a, const csp_env *b)
{
    while (a != b) {
        if (a == NULL || b == NULL)
            return a == NULL ? -1 : 1;
        if (a->let_frame || b->let_frame) {
            if (a->let_frame != b->let_frame)
                return a->let_frame ? 1 : -1;
            return compare_ints((int64_t)a->id, (int64_t)b->id);
        }
        if (a->count != b->count)
            return compare_ints((int64_t)a->count, (int64_t)b->count);
        for (size_t i = 0; i < a->count; i++) {
            if (a->names[i] != b->names[i])
                return a->names[i] < b->names[i] ? -1 : 1;
            int c = csp_value_compare(a->values[i], b->values[i]);
            if (c != 0)
                return c;
        }
        a = a->parent;
        b = b->parent;
    }
    return 0;
}

int csp_value_compare(const csp_value *a, const csp_value *b)
{
    if (a == b)
        return 0;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    switch (a->kind) {
    case CSP_V_INT:
    case CSP_V_BOOL:
    case CSP_V_CHAR:
        return compare_ints(a->as.number, b->as.number);
    case CSP_V_TUPLE:
        return compare_arrays(a->as.tuple.items, a->as.tuple.count,
                              b->as.tuple.items, b->as.tuple.count);
    case CSP_V_DOT: {
        int64_t ha = a->as.dot.head ? (int64_t)a->as.dot.head->index : -1;
        int64_t hb = b->as.dot.head ? (int64_t)b->as.dot.head->index : -1;
        if (ha != hb)
            return compare_ints(ha, hb);
        return compare_arrays(a->as.dot.fields, a->as.dot.count,
                              b->as.dot.fields, b->as.dot.count);
    }
    case CSP_V_SEQ:
        if (a->as.seq.lazy != NULL || b->as.seq.lazy != NULL) {
            if (a->as.seq.lazy != b->as.seq.lazy)
                return a->as.seq.lazy == NULL ? -1 : b->as.seq.lazy == NULL ? 1
                     : ((uintptr_t)a->as.seq.lazy < (uintptr_t)b->as.seq.lazy ? -1 : 1);
            return compare_ints((int64_t)a->as.seq.offset, (int64_t)b->as.seq.offset);
        }
        return compare_arrays(a->as.seq.items, a->as.seq.count, b->as.seq.items,
                              b->as.seq.count);
    case CSP_V_SET:
        if (a->as.set.kind != b->as.set.kind)
            return a->as.set.kind < b->as.set.kind ? -1 : 1;
        switch (a->as.set.kind) {
        case CSP_SET_FINITE:
        case CSP_SET_PRODUCT:
            return compare_arrays(a->as.set.items, a->as.set.count,
                                  b->as.set.items, b->as.set.count);
        case CSP_SET_INTS:
            for (size_t i = 0; i < a->as.set.count && i < b->as.set.count; i++) {
                if (a->as.set.lo[i] != b->as.set.lo[i])
                    return compare_ints(a->as.set.lo[i], b->as.set.lo[i]);
                if (a->as.set.hi[i] != b->as.set.hi[i])
                    return compare_ints(a->as.set.hi[i], b->as.set.hi[i]);
            }
            return compare_ints((int64_t)a->as.set.count, (int64_t)b->as.set.count);
        case CSP_SET_SEQS:
        case CSP_SET_POWER:
            return csp_value_compare(a->as.set.base, b->as.set.base);
        case CSP_SET_DATATYPE:
            return compare_ints(a->as.set.symbol, b->as.set.symbol);
        case CSP_SET_EVENTS:
        case CSP_SET_PROCS:
            return 0;
        case CSP_SET_COMBINED: {
            if (a->as.set.op != b->as.set.op)
                return compare_ints(a->as.set.op, b->as.set.op);
            int c = csp_value_compare(a->as.set.base, b->as.set.base);
            return c != 0 ? c : csp_value_compare(a->as.set.other, b->as.set.other);
        }
        }
        return 0;
    case CSP_V_PROC:
        return compare_ints(a->as.proc->id, b->as.proc->id);
    case CSP_V_FUNC: {
        const void *pa = a->as.func.decl ? (const void *)a->as.func.decl
                                         : (const void *)a->as.func.lambda;
        const void *pb = b->as.func.decl ? (const void *)b->as.func.decl
                                         : (const void *)b->as.func.lambda;
        if (a->as.func.kind != b->as.func.kind)
            return a->as.func.kind < b->as.func.kind ? -1 : 1;
        if (a->as.func.builtin != b->as.func.builtin)
            return compare_ints(a->as.func.builtin, b->as.func.builtin);
        if (pa != pb)
            return (uintptr_t)pa < (uintptr_t)pb ? -1 : 1;
        int c = csp_env_compare(a->as.func.env, b->as.func.env);
        if (c != 0)
            return c;
        return compare_arrays(a->as.func.applied, a->as.func.applied_count,
                              b->as.func.applied, b->as.func.applied_count);
    }
    }
    return 0;
}

bool csp_value_equal(const csp_value *a, const csp_value *b)
{
    return csp_value_compare(a, b) == 0;
}

static uint64_t mix(uint64_t hash, uint64_t value)
{
    hash ^= value + 0x9e3779b97f4a7c15ull + (hash << 6) + (hash >> 2);
    return hash;
}

uint64_t csp_env_hash(const csp_env *env)
{
    uint64_t hash = 7;
    for (; env != NULL; env = env->parent) {
        if (env->let_frame)
            return mix(hash, env->id);
        for (size_t i = 0; i < env->count; i++)
            hash = mix(mix(hash, env->names[i]), csp_value_hash(env->values[i]));
    }
    return hash;
}

uint64_t csp_value_hash(const csp_value *value)
{
    uint64_t hash = mix(0x51ed27, value->kind);
    switch (value->kind) {
    case CSP_V_INT:
    case CSP_V_BOOL:
    case CSP_V_CHAR:
        return mix(hash, (uint64_t)value->as.number);
    case CSP_V_TUPLE:
        for (size_t i = 0; i < value->as.tuple.count; i++)
            hash = mix(hash, csp_value_hash(value->as.tuple.items[i]));
        return hash;
    case CSP_V_DOT:
        hash = mix(hash, value->as.dot.head ? value->as.dot.head->index + 1 : 0);
        for (size_t i = 0; i < value->as.dot.count; i++)
            hash = mix(hash, csp_value_hash(value->as.dot.fields[i]));
        return hash;
    case CSP_V_SEQ:
        if (value->as.seq.lazy != NULL)
            return mix(mix(hash, (uintptr_t)value->as.seq.lazy), value->as.seq.offset);
        for (size_t i = 0; i < value->as.seq.count; i++)
            hash = mix(hash, csp_value_hash(value->as.seq.items[i]));
        return hash;
    case CSP_V_SET:
        hash = mix(hash, value->as.set.kind);
        switch (value->as.set.kind) {
        case CSP_SET_FINITE:
        case CSP_SET_PRODUCT:
            for (size_t i = 0; i < value->as.set.count; i++)
                hash = mix(hash, csp_value_hash(value->as.set.items[i]));
            return hash;
        case CSP_SET_INTS:
            for (size_t i = 0; i < value->as.set.count; i++)
                hash = mix(mix(hash, (uint64_t)value->as.set.lo[i]),
                           (uint64_t)value->as.set.hi[i]);
            return hash;
        case CSP_SET_SEQS:
        case CSP_SET_POWER:
            return mix(hash, csp_value_hash(value->as.set.base));
        case CSP_SET_DATATYPE:
            return mix(hash, value->as.set.symbol);
        case CSP_SET_COMBINED:
            return mix(mix(hash, csp_value_hash(value->as.set.base)),
                       csp_value_hash(value->as.set.other));
        default:
            return hash;
        }
    case CSP_V_PROC:
        return mix(hash, value->as.proc->id);
    case CSP_V_FUNC:
        hash = mix(hash, (uintptr_t)value->as.func.decl);
        hash = mix(hash, (uintptr_t)value->as.func.lambda);
        hash = mix(hash, (uint64_t)value->as.func.builtin);
        hash = mix(hash, csp_env_hash(value->as.func.env));
        for (size_t i = 0; i < value->as.func.applied_count; i++)
            hash = mix(hash, csp_value_hash(value->as.func.applied[i]));
        return hash;
    }
    return hash;
}

bool csp_dot_complete(const csp_value *value)
{
    if (value->kind != CSP_V_DOT || value->as.dot.head == NULL)
        return false;
    if (value->as.dot.count != value->as.dot.head->arity)
        return false;
    if (value->as.dot.count == 0)
        return true;
    const csp_value *last = value->as.dot.fields[value->as.dot.count - 1];
    return last->kind != CSP_V_DOT || last->as.dot.head == NULL ||
           csp_dot_complete(last);
}

/* ---- printing --------------------------------------------------------- */

typedef struct show_buffer {
    csp_context *context;
    char *text;
    size_t length, capacity;
} show_buffer;

static void show_put(show_buffer *out, const char *text, size_t length)
{
    if (out->length + length + 1 > out->capacity) {
        size_t capacity = (out->capacity + length + 1) * 2;
        char *grown = csp_alloc(out->context, capacity);
        if (out->length > 0)
            memcpy(grown, out->text, out->length);
        out->text = grown;
        out->capacity = capacity;
    }
    memcpy(out->text + out->length, text, length);
    out->length += length;
    out->text[out->length] = '\0';
}

static void show_str(show_buffer *out, const char *text)
{
    show_put(out, text, strlen(text));
}

static void show_value(show_buffer *out, const csp_value *value, unsigned depth);

static void show_list(show_buffer *out, csp_value *const *items, size_t count,
                      const char *separator, unsigned depth)
{
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            show_str(out, separator);
        show_value(out, items[i], depth + 1);
    }
}

static void show_value(show_buffer *out, const csp_value *value, unsigned depth)
{
    char number[48];
    if (depth > 64) {
        show_str(out, "...");
        return;
    }
    switch (value->kind) {
    case CSP_V_INT:
        snprintf(number, sizeof number, "%lld", (long long)value->as.number);
        show_str(out, number);
        return;
    case CSP_V_BOOL:
        show_str(out, value->as.number ? "true" : "false");
        return;
    case CSP_V_CHAR:
        snprintf(number, sizeof number, "'%c'", (char)value->as.number);
        show_str(out, number);
        return;
    case CSP_V_TUPLE:
        show_str(out, "(");
        show_list(out, value->as.tuple.items, value->as.tuple.count, ", ", depth);
        show_str(out, ")");
        return;
    case CSP_V_DOT:
        if (value->as.dot.head != NULL) {
            show_str(out, csp_symbol_name(out->context, value->as.dot.head->name));
            for (size_t i = 0; i < value->as.dot.count; i++) {
                show_str(out, ".");
                const csp_value *field = value->as.dot.fields[i];
                bool nested = field->kind == CSP_V_DOT && field->as.dot.head == NULL;
                if (nested)
                    show_str(out, "(");
                show_value(out, field, depth + 1);
                if (nested)
                    show_str(out, ")");
            }
        } else {
            show_list(out, value->as.dot.fields, value->as.dot.count, ".", depth);
        }
        return;
    case CSP_V_SEQ:
        show_str(out, "<");
        if (value->as.seq.lazy != NULL)
            show_str(out, "...");
        else
            show_list(out, value->as.seq.items, value->as.seq.count, ", ", depth);
        show_str(out, ">");
        return;
    case CSP_V_SET:
        switch (value->as.set.kind) {
        case CSP_SET_FINITE:
            show_str(out, "{");
            show_list(out, value->as.set.items, value->as.set.count, ", ", depth);
            show_str(out, "}");
            return;
        case CSP_SET_INTS:
            show_str(out, "{");
            for (size_t i = 0; i < value->as.set.count; i++) {
                if (i > 0)
                    show_str(out, ", ");
                if (value->as.set.lo[i] == INT64_MIN)
                    snprintf(number, sizeof number, "..");
                else
                    snprintf(number, sizeof number, "%lld..",
                             (long long)value->as.set.lo[i]);
                show_str(out, number);
                if (value->as.set.hi[i] != INT64_MAX) {
                    snprintf(number, sizeof number, "%lld",
                             (long long)value->as.set.hi[i]);
                    show_str(out, number);
                }
            }
            show_str(out, "}");
            return;
        case CSP_SET_DATATYPE:
            show_str(out, csp_symbol_name(out->context, value->as.set.symbol));
            return;
        case CSP_SET_EVENTS:
            show_str(out, "Events");
            return;
        case CSP_SET_PROCS:
            show_str(out, "Proc");
            return;
        case CSP_SET_SEQS:
        case CSP_SET_POWER:
            show_str(out, value->as.set.kind == CSP_SET_SEQS ? "Seq(" : "Set(");
            show_value(out, value->as.set.base, depth + 1);
            show_str(out, ")");
            return;
        case CSP_SET_PRODUCT:
            show_list(out, value->as.set.items, value->as.set.count, ".", depth);
            return;
        case CSP_SET_COMBINED:
            show_str(out, value->as.set.op == 0 ? "union(" : value->as.set.op == 1
                                                              ? "inter(" : "diff(");
            show_value(out, value->as.set.base, depth + 1);
            show_str(out, ", ");
            show_value(out, value->as.set.other, depth + 1);
            show_str(out, ")");
            return;
        }
        return;
    case CSP_V_PROC:
        show_str(out, "<process>");
        return;
    case CSP_V_FUNC:
        show_str(out, "<function>");
        return;
    }
}

char *csp_value_show(csp_context *context, const csp_value *value)
{
    show_buffer out = {context, NULL, 0, 0};
    show_put(&out, "", 0);
    show_value(&out, value, 0);
    return out.text;
}

/* ---- sequences -------------------------------------------------------- */

csp_value *csp_seq_at(csp_context *context, const csp_value *seq, size_t index)
{
    if (seq->as.seq.lazy == NULL)
        return index < seq->as.seq.count ? seq->as.seq.items[index] : NULL;
    csp_lazy *lazy = seq->as.seq.lazy;
    size_t wanted = seq->as.seq.offset + index + 1;
    if (lazy->count < wanted)
        csp_hooks.lazy_force(context, lazy, wanted);
    return lazy->count >= wanted ? lazy->items[wanted - 1] : NULL;
}

size_t csp_seq_length(csp_context *context, const csp_value *seq,
                      const csp_span *span)
{
    if (seq->as.seq.lazy != NULL)
        csp_fail(context, CSP_ERROR_EVAL, span,
                 "this operation needs a finite sequence, not an infinite one");
    return seq->as.seq.count;
}

/* ---- sets ------------------------------------------------------------- */

/* An integer set as intervals; false if the set holds non-integers or is
 * not an integer set. */
static bool as_intervals(csp_context *context, const csp_value *set,
                         int64_t **lo, int64_t **hi, size_t *count)
{
    if (set->as.set.kind == CSP_SET_INTS) {
        *lo = set->as.set.lo;
        *hi = set->as.set.hi;
        *count = set->as.set.count;
        return true;
    }
    if (set->as.set.kind != CSP_SET_FINITE)
        return false;
    size_t n = set->as.set.count;
    for (size_t i = 0; i < n; i++)
        if (set->as.set.items[i]->kind != CSP_V_INT)
            return false;
    *lo = csp_alloc(context, (n + 1) * sizeof **lo);
    *hi = csp_alloc(context, (n + 1) * sizeof **hi);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t v = set->as.set.items[i]->as.number;
        if (used > 0 && (*hi)[used - 1] != INT64_MAX && (*hi)[used - 1] + 1 == v) {
            (*hi)[used - 1] = v;
        } else {
            (*lo)[used] = v;
            (*hi)[used] = v;
            used++;
        }
    }
    *count = used;
    return true;
}

/* op: 0 union, 1 inter, 2 diff, on interval lists. */
static csp_value *interval_op(csp_context *context, int op, const int64_t *alo,
                              const int64_t *ahi, size_t an, const int64_t *blo,
                              const int64_t *bhi, size_t bn)
{
    /* Sweep over the boundaries: membership changes at lo and hi+1. */
    size_t cap = 2 * (an + bn) + 2;
    int64_t *lo = csp_alloc(context, cap * sizeof *lo);
    int64_t *hi = csp_alloc(context, cap * sizeof *hi);
    size_t count = 0;
    size_t i = 0, j = 0;
    /* Walk candidate points in increasing order: all lo values of either. */
    int64_t *points = csp_alloc(context, (2 * (an + bn) + 1) * sizeof *points);
    size_t np = 0;
    for (size_t k = 0; k < an; k++) {
        points[np++] = alo[k];
        if (ahi[k] != INT64_MAX)
            points[np++] = ahi[k] + 1;
    }
    for (size_t k = 0; k < bn; k++) {
        points[np++] = blo[k];
        if (bhi[k] != INT64_MAX)
            points[np++] = bhi[k] + 1;
    }
    /* sort points */
    for (size_t x = 1; x < np; x++) {
        int64_t v = points[x];
        size_t y = x;
        while (y > 0 && points[y - 1] > v) {
            points[y] = points[y - 1];
            y--;
        }
        points[y] = v;
    }
    (void)i;
    (void)j;
    /* Evaluate membership on each segment [points[k], points[k+1]-1], and
     * also on (-inf, points[0]-1] for sets unbounded below. */
    bool below_a = an > 0 && alo[0] == INT64_MIN;
    bool below_b = bn > 0 && blo[0] == INT64_MIN;
    (void)below_a;
    (void)below_b;
    for (size_t k = 0; k < np; k++) {
        if (k > 0 && points[k] == points[k - 1])
            continue;
        int64_t start = points[k];
        int64_t end = INT64_MAX;
        for (size_t m = k + 1; m < np; m++)
            if (points[m] > start) {
                end = points[m] - 1;
                break;
            }
        bool in_a = false, in_b = false;
        for (size_t m = 0; m < an; m++)
            if (alo[m] <= start && start <= ahi[m])
                in_a = true;
        for (size_t m = 0; m < bn; m++)
            if (blo[m] <= start && start <= bhi[m])
                in_b = true;
        bool in = op == 0 ? (in_a || in_b) : op == 1 ? (in_a && in_b)
                                                      : (in_a && !in_b);
        if (!in)
            continue;
        if (count > 0 && hi[count - 1] != INT64_MAX && hi[count - 1] + 1 == start) {
            hi[count - 1] = end;
        } else {
            lo[count] = start;
            hi[count] = end;
            count++;
        }
    }
    return make_intervals(context, lo, hi, count);
}

static csp_value *combined(csp_context *context, int op, csp_value *a,
                           csp_value *b)
{
    csp_value *value = csp_set_symbolic(context, CSP_SET_COMBINED);
    value->as.set.op = op;
    value->as.set.base = a;
    value->as.set.other = b;
    return value;
}

static csp_value *filter_set(csp_context *context, const csp_value *finite,
                             const csp_value *other, bool keep_members)
{
    size_t n = finite->as.set.count;
    csp_value **items = csp_alloc(context, (n + 1) * sizeof *items);
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        if (csp_set_member(context, finite->as.set.items[i], other) == keep_members)
            items[used++] = finite->as.set.items[i];
    csp_value *value = csp_set_symbolic(context, CSP_SET_FINITE);
    value->as.set.items = items;
    value->as.set.count = used;
    return value;
}

static csp_value *set_op(csp_context *context, int op, csp_value *a, csp_value *b)
{
    int64_t *alo, *ahi, *blo, *bhi;
    size_t an, bn;
    if (as_intervals(context, a, &alo, &ahi, &an) &&
        as_intervals(context, b, &blo, &bhi, &bn))
        return interval_op(context, op, alo, ahi, an, blo, bhi, bn);
    bool fa = a->as.set.kind == CSP_SET_FINITE, fb = b->as.set.kind == CSP_SET_FINITE;
    if (op == 0 && fa && fb) {
        size_t n = a->as.set.count + b->as.set.count;
        csp_value **items = csp_alloc(context, (n + 1) * sizeof *items);
        memcpy(items, a->as.set.items, a->as.set.count * sizeof *items);
        memcpy(items + a->as.set.count, b->as.set.items,
               b->as.set.count * sizeof *items);
        return csp_set_finite(context, items, n);
    }
    if (op == 1 && fa)
        return filter_set(context, a, b, true);
    if (op == 1 && fb)
        return filter_set(context, b, a, true);
    if (op == 2 && fa)
        return filter_set(context, a, b, false);
    if (op == 0 && fa && a->as.set.count == 0)
        return b;
    if (op == 0 && fb && b->as.set.count == 0)
        return a;
    return combined(context, op, a, b);
}

csp_value *csp_set_union(csp_context *context, csp_value *a, csp_value *b)
{
    return set_op(context, 0, a, b);
}

csp_value *csp_set_inter(csp_context *context, csp_value *a, csp_value *b)
{
    return set_op(context, 1, a, b);
}

csp_value *csp_set_diff(csp_context *context, csp_value *a, csp_value *b)
{
    return set_op(context, 2, a, b);
}

bool csp_set_member(csp_context *context, const csp_value *element,
                    const csp_value *set)
{
    switch (set->as.set.kind) {
    case CSP_SET_FINITE: {
        size_t lo = 0, hi = set->as.set.count;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = csp_value_compare(set->as.set.items[mid], element);
            if (c == 0)
                return true;
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return false;
    }
    case CSP_SET_INTS:
        if (element->kind != CSP_V_INT)
            return false;
        for (size_t i = 0; i < set->as.set.count; i++)
            if (set->as.set.lo[i] <= element->as.number &&
                element->as.number <= set->as.set.hi[i])
                return true;
        return false;
    case CSP_SET_SEQS: {
        if (element->kind != CSP_V_SEQ || element->as.seq.lazy != NULL)
            return false;
        for (size_t i = 0; i < element->as.seq.count; i++)
            if (!csp_set_member(context, element->as.seq.items[i], set->as.set.base))
                return false;
        return true;
    }
    case CSP_SET_DATATYPE:
        return csp_hooks.datatype_member(context, set->as.set.symbol, element);
    case CSP_SET_EVENTS:
        return element->kind == CSP_V_DOT && element->as.dot.head != NULL &&
               element->as.dot.head->channel && csp_dot_complete(element);
    case CSP_SET_PROCS:
        return element->kind == CSP_V_PROC;
    case CSP_SET_POWER:
        return element->kind == CSP_V_SET &&
               csp_set_subset(context, element, set->as.set.base, NULL);
    case CSP_SET_PRODUCT: {
        if (element->kind != CSP_V_DOT || element->as.dot.head != NULL ||
            element->as.dot.count != set->as.set.count)
            return false;
        for (size_t i = 0; i < set->as.set.count; i++)
            if (!csp_set_member(context, element->as.dot.fields[i],
                                set->as.set.items[i]))
                return false;
        return true;
    }
    case CSP_SET_COMBINED: {
        bool in_a = csp_set_member(context, element, set->as.set.base);
        if (set->as.set.op == 0)
            return in_a || csp_set_member(context, element, set->as.set.other);
        if (set->as.set.op == 1)
            return in_a && csp_set_member(context, element, set->as.set.other);
        return in_a && !csp_set_member(context, element, set->as.set.other);
    }
    }
    return false;
}

bool csp_set_is_finite(csp_context *context, const csp_value *set)
{
    switch (set->as.set.kind) {
    case CSP_SET_FINITE:
        return true;
    case CSP_SET_INTS:
    case CSP_SET_SEQS:
    case CSP_SET_PROCS:
        return false;
    case CSP_SET_POWER:
        return csp_set_is_finite(context, set->as.set.base);
    case CSP_SET_PRODUCT:
        for (size_t i = 0; i < set->as.set.count; i++)
            if (!csp_set_is_finite(context, set->as.set.items[i]))
                return false;
        return true;
    case CSP_SET_COMBINED:
        if (set->as.set.op == 0)
            return csp_set_is_finite(context, set->as.set.base) &&
                   csp_set_is_finite(context, set->as.set.other);
        return csp_set_is_finite(context, set->as.set.base) ||
               (set->as.set.op == 1 && csp_set_is_finite(context, set->as.set.other));
    case CSP_SET_DATATYPE:
    case CSP_SET_EVENTS:
        return true;    /* decided when enumerated */
    }
    return false;
}

csp_value **csp_set_elements(csp_context *context, const csp_value *set,
                             size_t *count, const csp_span *span)
{
    switch (set->as.set.kind) {
    case CSP_SET_FINITE:
        *count = set->as.set.count;
        return set->as.set.items;
    case CSP_SET_DATATYPE:
        return csp_hooks.datatype_values(context, set->as.set.symbol, count, span);
    case CSP_SET_EVENTS:
        return csp_hooks.all_events(context, count, span);
    case CSP_SET_POWER: {
        size_t n;
        csp_value **base = csp_set_elements(context, set->as.set.base, &n, span);
        if (n > 20)
            csp_fail(context, CSP_ERROR_EVAL, span,
                     "the power set of a set of %zu elements is too large", n);
        size_t total = (size_t)1 << n;
        csp_value **items = csp_alloc(context, total * sizeof *items);
        for (size_t mask = 0; mask < total; mask++) {
            csp_value **members = csp_alloc(context, (n + 1) * sizeof *members);
            size_t used = 0;
            for (size_t i = 0; i < n; i++)
                if (mask & ((size_t)1 << i))
                    members[used++] = base[i];
            items[mask] = csp_set_finite(context, members, used);
        }
        csp_value *sorted = csp_set_finite(context, items, total);
        *count = sorted->as.set.count;
        return sorted->as.set.items;
    }
    case CSP_SET_PRODUCT: {
        size_t k = set->as.set.count;
        csp_value ***parts = csp_alloc(context, (k + 1) * sizeof *parts);
        size_t *sizes = csp_alloc(context, (k + 1) * sizeof *sizes);
        size_t total = 1;
        for (size_t i = 0; i < k; i++) {
            parts[i] = csp_set_elements(context, set->as.set.items[i], &sizes[i], span);
            total *= sizes[i];
            if (total > CSP_MAX_SET)
                csp_fail(context, CSP_ERROR_EVAL, span, "a product set is too large");
        }
        csp_value **items = csp_alloc(context, (total + 1) * sizeof *items);
        for (size_t t = 0; t < total; t++) {
            csp_value *dot = csp_alloc(context, sizeof *dot);
            dot->kind = CSP_V_DOT;
            dot->as.dot.count = k;
            dot->as.dot.fields = csp_alloc(context, (k + 1) * sizeof(csp_value *));
            size_t rest = t;
            for (size_t i = k; i > 0; i--) {
                dot->as.dot.fields[i - 1] = parts[i - 1][rest % sizes[i - 1]];
                rest /= sizes[i - 1];
            }
            items[t] = dot;
        }
        csp_value *sorted = csp_set_finite(context, items, total);
        *count = sorted->as.set.count;
        return sorted->as.set.items;
    }
    case CSP_SET_COMBINED: {
        const csp_value *base = set->as.set.base, *other = set->as.set.other;
        if (set->as.set.op == 0) {
            size_t na, nb;
            csp_value **a = csp_set_elements(context, base, &na, span);
            csp_value **b = csp_set_elements(context, other, &nb, span);
            csp_value **items = csp_alloc(context, (na + nb + 1) * sizeof *items);
            memcpy(items, a, na * sizeof *items);
            memcpy(items + na, b, nb * sizeof *items);
            csp_value *sorted = csp_set_finite(context, items, na + nb);
            *count = sorted->as.set.count;
            return sorted->as.set.items;
        }
        if (set->as.set.op == 1 && !csp_set_is_finite(context, base)) {
            const csp_value *swap = base;
            base = other;
            other = swap;
        }
        size_t n;
        csp_value **items = csp_set_elements(context, base, &n, span);
        csp_value **kept = csp_alloc(context, (n + 1) * sizeof *kept);
        size_t used = 0;
        for (size_t i = 0; i < n; i++)
            if (csp_set_member(context, items[i], other) == (set->as.set.op == 1))
                kept[used++] = items[i];
        *count = used;
        return kept;
    }
    default:
        csp_fail(context, CSP_ERROR_EVAL, span,
                 "cannot enumerate the infinite set %s",
                 csp_value_show(context, set));
    }
}

bool csp_set_subset(csp_context *context, const csp_value *a, const csp_value *b,
                    const csp_span *span)
{
    int64_t *alo, *ahi, *blo, *bhi;
    size_t an, bn;
    if (as_intervals(context, a, &alo, &ahi, &an) &&
        as_intervals(context, b, &blo, &bhi, &bn)) {
        csp_value *rest = interval_op(context, 2, alo, ahi, an, blo, bhi, bn);
        return rest->as.set.kind == CSP_SET_FINITE && rest->as.set.count == 0;
    }
    if (a->as.set.kind == CSP_SET_INTS && b->as.set.kind != CSP_SET_COMBINED)
        return false;
    size_t n;
    csp_value **items = csp_set_elements(context, a, &n, span);
    for (size_t i = 0; i < n; i++)
        if (!csp_set_member(context, items[i], b))
            return false;
    return true;
}
