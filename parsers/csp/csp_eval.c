/*
 * csp_eval.c — the CSPm evaluator (csp_eval.h): expressions, patterns,
 * dotted values, comprehensions, built-in functions and the construction of
 * process terms.
 */
#include "csp_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- built-ins -------------------------------------------------------- */

enum {
    B_NONE, B_STOP, B_SKIP, B_DIV, B_EVENTS, B_INT, B_BOOL, B_PROC, B_CHAR,
    /* functions, with their arity */
    B_UNION, B_INTER, B_DIFF, B_UNION_ALL, B_INTER_ALL, B_MEMBER, B_CARD,
    B_EMPTY, B_SET, B_SEQ, B_POWER, B_SEQS, B_HEAD, B_TAIL, B_CONCAT, B_ELEM,
    B_LENGTH, B_NULL, B_CHAOS, B_RUN, B_EXTENSIONS, B_PRODUCTIONS, B_ERROR,
    B_IDENTITY, B_REDUCE, B_NORMAL, B_SHOW, B_EXTERNAL_UNSUPPORTED
};

typedef struct builtin_info {
    const char *name;
    int id;
    size_t arity;       /* 0: a constant */
} builtin_info;

static const builtin_info builtins[] = {
    {"STOP", B_STOP, 0}, {"SKIP", B_SKIP, 0}, {"DIV", B_DIV, 0},
    {"Events", B_EVENTS, 0}, {"Int", B_INT, 0}, {"Bool", B_BOOL, 0},
    {"Proc", B_PROC, 0}, {"Char", B_CHAR, 0},
    {"union", B_UNION, 2}, {"inter", B_INTER, 2}, {"diff", B_DIFF, 2},
    {"Union", B_UNION_ALL, 1}, {"Inter", B_INTER_ALL, 1},
    {"member", B_MEMBER, 2}, {"card", B_CARD, 1}, {"empty", B_EMPTY, 1},
    {"set", B_SET, 1}, {"seq", B_SEQ, 1}, {"Set", B_POWER, 1},
    {"Seq", B_SEQS, 1}, {"head", B_HEAD, 1}, {"tail", B_TAIL, 1},
    {"concat", B_CONCAT, 1}, {"elem", B_ELEM, 2}, {"length", B_LENGTH, 1},
    {"null", B_NULL, 1}, {"CHAOS", B_CHAOS, 1}, {"RUN", B_RUN, 1},
    {"extensions", B_EXTENSIONS, 1}, {"productions", B_PRODUCTIONS, 1},
    {"error", B_ERROR, 1}, {"show", B_SHOW, 1},
    /* compressions: semantically the identity; sbisim marks its process
     * for strong bisimulation reduction, normal for normalisation
     * (csp_compile.c) */
    {"normal", B_NORMAL, 1}, {"normalise", B_NORMAL, 1},
    {"normalize", B_NORMAL, 1}, {"sbisim", B_REDUCE, 1},
    {"wbisim", B_IDENTITY, 1}, {"dbisim", B_IDENTITY, 1},
    {"diamond", B_IDENTITY, 1}, {"explicate", B_IDENTITY, 1},
    {"tau_loop_factor", B_IDENTITY, 1}, {"model_compress", B_IDENTITY, 1},
    {"lazynorm", B_IDENTITY, 1}, {"lazyenumerate", B_IDENTITY, 1},
    /* external functions that change the semantics */
    {"chase", B_EXTERNAL_UNSUPPORTED, 1},
    {"chase_nocache", B_EXTERNAL_UNSUPPORTED, 1},
    {"prioritise", B_EXTERNAL_UNSUPPORTED, 2},
    {"timed_priority", B_EXTERNAL_UNSUPPORTED, 1},
    {"deter", B_EXTERNAL_UNSUPPORTED, 1},
    {"loop", B_EXTERNAL_UNSUPPORTED, 1},
};

static const builtin_info *builtin_by_id(int id)
{
    for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
        if (builtins[i].id == id)
            return &builtins[i];
    return NULL;
}

/* ---- helpers ---------------------------------------------------------- */

static const char *show(csp_interp *interp, const csp_value *value)
{
    return csp_value_show(interp->context, value);
}

static const char *name_of(csp_interp *interp, csp_symbol symbol)
{
    return csp_symbol_name(interp->context, symbol);
}

static csp_value *expect_kind(csp_interp *interp, csp_value *value,
                              csp_value_kind kind, const csp_span *span)
{
    static const char *const names[] = {
        [CSP_V_INT] = "an integer", [CSP_V_BOOL] = "a boolean",
        [CSP_V_CHAR] = "a character", [CSP_V_TUPLE] = "a tuple",
        [CSP_V_DOT] = "a dotted value", [CSP_V_SEQ] = "a sequence",
        [CSP_V_SET] = "a set", [CSP_V_PROC] = "a process",
        [CSP_V_FUNC] = "a function",
    };
    if (value->kind != kind)
        csp_fail(interp->context, CSP_ERROR_EVAL, span,
                 "expected %s, found %s", names[kind], show(interp, value));
    return value;
}

static csp_env *new_frame(csp_interp *interp, csp_env *parent, size_t count)
{
    csp_env *env = csp_alloc(interp->context, sizeof *env);
    env->parent = parent;
    env->count = count;
    env->names = csp_alloc(interp->context, (count + 1) * sizeof *env->names);
    env->values = csp_alloc(interp->context, (count + 1) * sizeof *env->values);
    return env;
}

/* Bindings collected while matching a pattern. */
typedef struct bindings {
    csp_symbol names[64];
    csp_value *values[64];
    size_t count;
} bindings;

static csp_env *frame_of(csp_interp *interp, csp_env *parent, const bindings *b)
{
    if (b->count == 0)
        return parent;
    csp_env *env = new_frame(interp, parent, b->count);
    memcpy(env->names, b->names, b->count * sizeof *env->names);
    memcpy(env->values, b->values, b->count * sizeof *env->values);
    return env;
}

static void bind(csp_interp *interp, bindings *b, csp_symbol name,
                 csp_value *value, const csp_span *span)
{
    if (b->count == 64)
        csp_fail(interp->context, CSP_ERROR_UNSUPPORTED, span,
                 "a pattern binds more than 64 names");
    for (size_t i = 0; i < b->count; i++)
        if (b->names[i] == name) {
            b->values[i] = value;
            return;
        }
    b->names[b->count] = name;
    b->values[b->count] = value;
    b->count++;
}

/* ---- channels and constructors --------------------------------------- */

static void ctor_force_fields(csp_interp *interp, csp_ctor *ctor);

size_t csp_ctor_arity(csp_interp *interp, csp_ctor *ctor)
{
    ctor_force_fields(interp, ctor);
    return ctor->arity;
}

static void ctor_force_fields(csp_interp *interp, csp_ctor *ctor)
{
    if (ctor->field_sets != NULL)
        return;
    if (ctor->evaluating)
        csp_fail(interp->context, CSP_ERROR_EVAL, &ctor->span,
                 "the type of %s depends on itself",
                 name_of(interp, ctor->name));
    ctor->evaluating = true;
    csp_vec sets = {0};
    for (size_t i = 0; i < ctor->arity; i++) {
        csp_value *set = csp_eval(interp, ctor->field_exprs[i], NULL);
        if (set->kind != CSP_V_SET)
            csp_fail(interp->context, CSP_ERROR_TYPE, &ctor->field_exprs[i]->span,
                     "the field type of %s is not a set: %s",
                     name_of(interp, ctor->name), show(interp, set));
        if (set->as.set.kind == CSP_SET_PRODUCT) {
            for (size_t j = 0; j < set->as.set.count; j++)
                csp_vec_push(interp->context, &sets, set->as.set.items[j]);
        } else {
            csp_vec_push(interp->context, &sets, set);
        }
    }
    ctor->arity = sets.count;
    csp_value **fields = csp_alloc(interp->context,
                                   (sets.count + 1) * sizeof *fields);
    for (size_t i = 0; i < sets.count; i++)
        fields[i] = sets.items[i];
    ctor->field_sets = fields;
    ctor->evaluating = false;
}

static csp_value *dot_value(csp_interp *interp, const csp_ctor *head,
                            csp_value **fields, size_t count)
{
    csp_value *value = csp_alloc(interp->context, sizeof *value);
    value->kind = CSP_V_DOT;
    value->as.dot.head = head;
    value->as.dot.fields = fields;
    value->as.dot.count = count;
    return value;
}

static bool value_complete(const csp_value *value)
{
    return value->kind != CSP_V_DOT || value->as.dot.head == NULL ||
           csp_dot_complete(value);
}

/* Appends one field unit to a dotted value under construction; returns
 * false when the value has no room left. */
static csp_value *dot_append(csp_interp *interp, csp_value *base,
                             csp_value *item, const csp_span *span, bool *fits)
{
    const csp_ctor *head = base->as.dot.head;
    size_t count = base->as.dot.count;
    if (count > 0) {
        csp_value *last = base->as.dot.fields[count - 1];
        if (!value_complete(last)) {
            bool inner_fits;
            csp_value *grown = dot_append(interp, last, item, span, &inner_fits);
            if (inner_fits) {
                csp_value **fields = csp_memdup(interp->context, base->as.dot.fields,
                                                count * sizeof *fields);
                fields[count - 1] = grown;
                csp_value *result = dot_value(interp, head, fields, count);
                if (value_complete(grown) &&
                    !csp_set_member(interp->context, grown,
                                    head->field_sets[count - 1]))
                    csp_fail(interp->context, CSP_ERROR_EVAL, span,
                             "The value %s is invalid: %s is not in the "
                             "type of its field", show(interp, result),
                             show(interp, grown));
                *fits = true;
                return result;
            }
        }
    }
    if (count >= head->arity) {
        *fits = false;
        return base;
    }
    if (item->kind == CSP_V_DOT && item->as.dot.head != NULL)
        ctor_force_fields(interp, (csp_ctor *)item->as.dot.head);
    csp_value **fields = csp_alloc(interp->context, (count + 2) * sizeof *fields);
    if (count > 0)
        memcpy(fields, base->as.dot.fields, count * sizeof *fields);
    fields[count] = item;
    csp_value *result = dot_value(interp, head, fields, count + 1);
    if (value_complete(item) &&
        !csp_set_member(interp->context, item, head->field_sets[count]))
        csp_fail(interp->context, CSP_ERROR_EVAL, span,
                 "The value %s is invalid: %s is not in the type of field %zu "
                 "of %s", show(interp, result), show(interp, item), count + 1,
                 name_of(interp, head->name));
    *fits = true;
    return result;
}

/* The units of a value as seen by `.`: a plain dotted list contributes its
 * fields, anything else itself. */
static csp_value *dot_combine(csp_interp *interp, csp_value *a, csp_value *b,
                              const csp_span *span)
{
    if (a->kind == CSP_V_SET && b->kind == CSP_V_SET) {
        csp_vec parts = {0};
        const csp_value *both[2] = {a, b};
        for (int k = 0; k < 2; k++) {
            if (both[k]->as.set.kind == CSP_SET_PRODUCT)
                for (size_t i = 0; i < both[k]->as.set.count; i++)
                    csp_vec_push(interp->context, &parts, both[k]->as.set.items[i]);
            else
                csp_vec_push(interp->context, &parts, (void *)both[k]);
        }
        csp_value *set = csp_set_symbolic(interp->context, CSP_SET_PRODUCT);
        set->as.set.items = (csp_value **)parts.items;
        set->as.set.count = parts.count;
        return set;
    }
    csp_value *const *units = &b;
    size_t unit_count = 1;
    if (b->kind == CSP_V_DOT && b->as.dot.head == NULL) {
        units = b->as.dot.fields;
        unit_count = b->as.dot.count;
    }
    csp_value *current = a;
    size_t used = 0;
    if (a->kind == CSP_V_DOT && a->as.dot.head != NULL) {
        while (used < unit_count) {
            bool fits;
            csp_value *next = dot_append(interp, current, units[used], span, &fits);
            if (!fits)
                break;
            current = next;
            used++;
        }
    }
    if (used == unit_count)
        return current;
    /* What does not fit makes a plain dotted list. */
    csp_vec items = {0};
    if (current->kind == CSP_V_DOT && current->as.dot.head == NULL)
        for (size_t i = 0; i < current->as.dot.count; i++)
            csp_vec_push(interp->context, &items, current->as.dot.fields[i]);
    else
        csp_vec_push(interp->context, &items, current);
    for (size_t i = used; i < unit_count; i++)
        csp_vec_push(interp->context, &items, units[i]);
    return dot_value(interp, NULL, (csp_value **)items.items, items.count);
}

/* A value as a flat token list: heads (as field-less dotted values) and
 * atoms in order. */
static void dot_tokens(csp_interp *interp, csp_value *value, csp_vec *tokens)
{
    if (value->kind != CSP_V_DOT) {
        csp_vec_push(interp->context, tokens, value);
        return;
    }
    if (value->as.dot.head != NULL)
        csp_vec_push(interp->context, tokens,
                     dot_value(interp, value->as.dot.head, NULL, 0));
    for (size_t i = 0; i < value->as.dot.count; i++)
        dot_tokens(interp, value->as.dot.fields[i], tokens);
}

/* Rebuilds one unit starting at tokens[*at]. */
static csp_value *dot_unit(csp_interp *interp, csp_value **tokens, size_t count,
                           size_t *at, const csp_span *span)
{
    csp_value *token = tokens[(*at)++];
    if (token->kind != CSP_V_DOT || token->as.dot.head == NULL)
        return token;
    const csp_ctor *head = token->as.dot.head;
    csp_value *value = token;
    for (size_t i = 0; i < head->arity && *at < count; i++) {
        csp_value *field = dot_unit(interp, tokens, count, at, span);
        bool fits;
        value = dot_append(interp, value, field, span, &fits);
    }
    return value;
}

/* Rebuilds all remaining tokens: one unit, or a plain list of units. */
static csp_value *dot_rest(csp_interp *interp, csp_value **tokens, size_t count,
                           size_t at, const csp_span *span)
{
    csp_vec units = {0};
    while (at < count)
        csp_vec_push(interp->context, &units,
                     dot_unit(interp, tokens, count, &at, span));
    if (units.count == 1)
        return units.items[0];
    return dot_value(interp, NULL, (csp_value **)units.items, units.count);
}

/* ---- pattern matching ------------------------------------------------- */

static bool match(csp_interp *interp, const csp_pat *pat, csp_value *value,
                  bindings *b);

static csp_value *ctor_value_of(csp_interp *interp, csp_symbol name,
                                const csp_span *span)
{
    return csp_eval_global(interp, name, span);
}

static bool match_dot(csp_interp *interp, const csp_pat *pat, csp_value *value,
                      bindings *b)
{
    csp_vec tokens = {0};
    dot_tokens(interp, value, &tokens);
    csp_value **t = (csp_value **)tokens.items;
    size_t count = tokens.count, at = 0;
    for (size_t i = 0; i < pat->count; i++) {
        const csp_pat *item = pat->items[i];
        bool last = i + 1 == pat->count;
        if (at >= count)
            return false;
        if (item->kind == CSP_P_CONST) {
            csp_value *head = ctor_value_of(interp, item->symbol, &item->span);
            if (csp_value_compare(head, t[at]) != 0)
                return false;
            at++;
            continue;
        }
        csp_value *unit = last ? dot_rest(interp, t, count, at, &item->span)
                               : dot_unit(interp, t, count, &at, &item->span);
        if (last)
            at = count;
        if (!match(interp, item, unit, b))
            return false;
    }
    return at == count;
}

/* The length of every sequence a pattern matches, or -1 when it varies:
 * <p1, p2> and "ab" have fixed lengths, so do p ^ q and p @@ q when their
 * parts do. */
static int64_t pattern_length(const csp_pat *pat)
{
    switch (pat->kind) {
    case CSP_P_SEQ:
        return (int64_t)pat->count;
    case CSP_P_STRING:
        return (int64_t)pat->text_length;
    case CSP_P_CONCAT: {
        int64_t a = pattern_length(pat->items[0]), c = pattern_length(pat->items[1]);
        return a < 0 || c < 0 ? -1 : a + c;
    }
    case CSP_P_BOTH: {
        int64_t a = pattern_length(pat->items[0]);
        return a >= 0 ? a : pattern_length(pat->items[1]);
    }
    default:
        return -1;
    }
}

static void concat_parts(csp_context *context, const csp_pat *pat, csp_vec *parts)
{
    if (pat->kind == CSP_P_CONCAT) {
        concat_parts(context, pat->items[0], parts);
        concat_parts(context, pat->items[1], parts);
        return;
    }
    csp_vec_push(context, parts, (void *)pat);
}

/* The elements [from, from + length) of a sequence as a new sequence, or
 * NULL when the sequence is shorter. */
static csp_value *subsequence(csp_interp *interp, const csp_value *seq, size_t from,
                              size_t length)
{
    csp_value **items = csp_alloc(interp->context, (length + 1) * sizeof *items);
    for (size_t i = 0; i < length; i++) {
        items[i] = csp_seq_at(interp->context, seq, from + i);
        if (items[i] == NULL)
            return NULL;
    }
    return csp_seq(interp->context, items, length);
}

/* p1 ^ p2 ^ ... ^ pk: as in FDR, at most one part may have a length that
 * varies (a variable, say); the parts of fixed length before it match the
 * front of the sequence, the ones after it the back, and it takes what is
 * left in the middle, so <h>^t^<x> peels one element off each end. */
static bool match_concat(csp_interp *interp, const csp_pat *pat, csp_value *value,
                         bindings *b)
{
    if (value->kind != CSP_V_SEQ)
        return false;
    csp_vec parts = {0};
    concat_parts(interp->context, pat, &parts);
    const csp_pat **part = (const csp_pat **)parts.items;
    size_t variable = parts.count, fixed_total = 0;
    for (size_t i = 0; i < parts.count; i++) {
        int64_t length = pattern_length(part[i]);
        if (length >= 0)
            fixed_total += (size_t)length;
        else if (variable == parts.count)
            variable = i;
        else
            csp_fail(interp->context, CSP_ERROR_TYPE, &pat->span,
                     "in a ^ pattern at most one part may have a length that "
                     "varies");
    }
    size_t position = 0;
    for (size_t i = 0; i < variable && i < parts.count; i++) {
        size_t length = (size_t)pattern_length(part[i]);
        csp_value *piece = subsequence(interp, value, position, length);
        if (piece == NULL || !match(interp, part[i], piece, b))
            return false;
        position += length;
    }
    if (variable == parts.count)
        return csp_seq_at(interp->context, value, position) == NULL;
    if (variable + 1 == parts.count && value->as.seq.lazy != NULL) {
        /* nothing after the varying part: it takes the (infinite) rest */
        csp_value *rest = csp_alloc(interp->context, sizeof *rest);
        *rest = *value;
        rest->as.seq.offset += position;
        return match(interp, part[variable], rest, b);
    }
    size_t n = csp_seq_length(interp->context, value, &pat->span);
    if (n < fixed_total)
        return false;
    size_t middle = n - fixed_total;
    if (!match(interp, part[variable], subsequence(interp, value, position, middle), b))
        return false;
    position += middle;
    for (size_t i = variable + 1; i < parts.count; i++) {
        size_t length = (size_t)pattern_length(part[i]);
        if (!match(interp, part[i], subsequence(interp, value, position, length), b))
            return false;
        position += length;
    }
    return true;
}

static bool match(csp_interp *interp, const csp_pat *pat, csp_value *value,
                  bindings *b)
{
    switch (pat->kind) {
    case CSP_P_WILD:
        return true;
    case CSP_P_VAR:
        bind(interp, b, pat->symbol, value, &pat->span);
        return true;
    case CSP_P_CONST:
        return csp_value_compare(ctor_value_of(interp, pat->symbol, &pat->span),
                                 value) == 0;
    case CSP_P_INT:
        return value->kind == CSP_V_INT && value->as.number == pat->number;
    case CSP_P_BOOL:
        return value->kind == CSP_V_BOOL && value->as.number == pat->number;
    case CSP_P_CHAR:
        return value->kind == CSP_V_CHAR && value->as.number == pat->number;
    case CSP_P_STRING: {
        if (value->kind != CSP_V_SEQ || value->as.seq.lazy != NULL ||
            value->as.seq.count != pat->text_length)
            return false;
        for (size_t i = 0; i < pat->text_length; i++)
            if (value->as.seq.items[i]->kind != CSP_V_CHAR ||
                value->as.seq.items[i]->as.number != (unsigned char)pat->text[i])
                return false;
        return true;
    }
    case CSP_P_TUPLE:
        if (value->kind != CSP_V_TUPLE || value->as.tuple.count != pat->count)
            return false;
        for (size_t i = 0; i < pat->count; i++)
            if (!match(interp, pat->items[i], value->as.tuple.items[i], b))
                return false;
        return true;
    case CSP_P_SEQ: {
        if (value->kind != CSP_V_SEQ)
            return false;
        for (size_t i = 0; i < pat->count; i++) {
            csp_value *item = csp_seq_at(interp->context, value, i);
            if (item == NULL || !match(interp, pat->items[i], item, b))
                return false;
        }
        return csp_seq_at(interp->context, value, pat->count) == NULL;
    }
    case CSP_P_CONCAT:
        return match_concat(interp, pat, value, b);
    case CSP_P_SET:
        if (value->kind != CSP_V_SET || value->as.set.kind != CSP_SET_FINITE ||
            value->as.set.count != pat->count)
            return false;
        return pat->count == 0 || match(interp, pat->items[0],
                                        value->as.set.items[0], b);
    case CSP_P_DOT:
        return match_dot(interp, pat, value, b);
    case CSP_P_BOTH:
        return match(interp, pat->items[0], value, b) &&
               match(interp, pat->items[1], value, b);
    }
    return false;
}

/* ---- globals ---------------------------------------------------------- */

csp_interp *csp_interp_of(csp_context *context)
{
    return context->interp;
}

static csp_global *global(csp_interp *interp, csp_symbol symbol)
{
    if (symbol >= interp->global_count) {
        size_t count = interp->context->symbol_count + 64;
        if (symbol >= count)
            count = symbol + 64;
        csp_global *globals = realloc(interp->globals, count * sizeof *globals);
        if (globals == NULL)
            csp_fail(interp->context, CSP_ERROR_NOMEM, NULL, "out of memory");
        memset(globals + interp->global_count, 0,
               (count - interp->global_count) * sizeof *globals);
        interp->globals = globals;
        interp->global_count = count;
    }
    return &interp->globals[symbol];
}

static void define(csp_interp *interp, csp_symbol name, csp_global_kind kind,
                   const csp_decl *decl, const csp_span *span)
{
    csp_global *g = global(interp, name);
    if (g->kind != CSP_G_NONE && g->kind != CSP_G_BUILTIN)
        csp_fail(interp->context, CSP_ERROR_TYPE, span,
                 "%s is defined more than once", name_of(interp, name));
    memset(g, 0, sizeof *g);
    g->kind = kind;
    g->decl = decl;
}

static csp_ctor *new_ctor(csp_interp *interp, csp_symbol name, bool channel,
                          csp_expr **fields, size_t field_count, csp_span span)
{
    csp_ctor *ctor = csp_alloc(interp->context, sizeof *ctor);
    ctor->name = name;
    ctor->channel = channel;
    ctor->index = interp->ctor_count++;
    ctor->field_exprs = fields;
    ctor->arity = field_count;
    ctor->span = span;
    return ctor;
}

static void flatten_type(csp_interp *interp, csp_expr *type, csp_vec *fields)
{
    if (type->kind == CSP_E_DOT) {
        flatten_type(interp, type->a, fields);
        flatten_type(interp, type->b, fields);
        return;
    }
    csp_vec_push(interp->context, fields, type);
}

static void pattern_names(csp_interp *interp, const csp_pat *pat, const csp_decl *decl)
{
    if (pat->kind == CSP_P_VAR) {
        define(interp, pat->symbol, CSP_G_PATTERN, decl, &pat->span);
        return;
    }
    for (size_t i = 0; i < pat->count; i++)
        pattern_names(interp, pat->items[i], decl);
}

void csp_interp_init(csp_interp *interp, csp_context *context,
                     const csp_program *program)
{
    memset(interp, 0, sizeof *interp);
    interp->context = context;
    context->interp = interp;
    interp->sym_underscore = csp_intern(context, "_", 1);
    for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++) {
        csp_symbol s = csp_intern(context, builtins[i].name,
                                  strlen(builtins[i].name));
        csp_global *g = global(interp, s);
        g->kind = CSP_G_BUILTIN;
        g->builtin = builtins[i].id;
    }
    csp_vec channels = {0};
    for (size_t i = 0; i < program->decl_count; i++) {
        const csp_decl *decl = program->decls[i];
        switch (decl->kind) {
        case CSP_D_CHANNEL:
            for (size_t n = 0; n < decl->name_count; n++) {
                csp_vec fields = {0};
                if (decl->type != NULL)
                    flatten_type(interp, decl->type, &fields);
                csp_ctor *ctor = new_ctor(interp, decl->names[n], true,
                                          (csp_expr **)fields.items,
                                          fields.count, decl->span);
                define(interp, decl->names[n], CSP_G_CTOR, decl, &decl->span);
                global(interp, decl->names[n])->ctor = ctor;
                csp_vec_push(context, &channels, ctor);
            }
            break;
        case CSP_D_DATATYPE:
        case CSP_D_SUBTYPE: {
            define(interp, decl->name, CSP_G_DATATYPE, decl, &decl->span);
            csp_ctor **ctors = csp_alloc(context, (decl->ctor_count + 1) *
                                                      sizeof *ctors);
            for (size_t c = 0; c < decl->ctor_count; c++) {
                const csp_ctor_decl *cd = &decl->ctors[c];
                if (decl->kind == CSP_D_SUBTYPE) {
                    csp_global *existing = global(interp, cd->name);
                    if (existing->kind == CSP_G_CTOR) {
                        ctors[c] = existing->ctor;
                        continue;
                    }
                }
                ctors[c] = new_ctor(interp, cd->name, false, cd->fields,
                                    cd->field_count, cd->span);
                ctors[c]->datatype = decl->name;
                define(interp, cd->name, CSP_G_CTOR, decl, &cd->span);
                global(interp, cd->name)->ctor = ctors[c];
            }
            csp_global *g = global(interp, decl->name);
            g->ctors = ctors;
            g->ctor_count = decl->ctor_count;
            break;
        }
        case CSP_D_NAMETYPE:
            define(interp, decl->name, CSP_G_NAMETYPE, decl, &decl->span);
            break;
        case CSP_D_FUNCTION:
            define(interp, decl->name, CSP_G_DEFINITION, decl, &decl->span);
            break;
        case CSP_D_PATTERN:
            pattern_names(interp, decl->pattern, decl);
            break;
        case CSP_D_TRANSPARENT:
        case CSP_D_EXTERNAL:
            for (size_t n = 0; n < decl->name_count; n++)
                global(interp, decl->names[n])->transparent = true;
            break;
        default:
            break;
        }
    }
    interp->channel_count = channels.count;
    interp->channels = (csp_ctor **)csp_vec_finish(context, &channels);
}

void csp_interp_free(csp_interp *interp)
{
    free(interp->globals);
    free(interp->procs);
    free(interp->proc_table);
    free(interp->events);
    free(interp->event_table);
    if (interp->context != NULL && interp->context->interp == interp)
        interp->context->interp = NULL;
    memset(interp, 0, sizeof *interp);
}

static csp_value *make_builtin(csp_interp *interp, int id, csp_symbol name)
{
    const builtin_info *info = builtin_by_id(id);
    csp_value *value = csp_alloc(interp->context, sizeof *value);
    value->kind = CSP_V_FUNC;
    value->as.func.kind = CSP_F_BUILTIN;
    value->as.func.builtin = id;
    value->as.func.arity = info->arity;
    value->as.func.name = name;
    return value;
}

static csp_value *builtin_constant(csp_interp *interp, int id, csp_symbol name)
{
    csp_context *context = interp->context;
    switch (id) {
    case B_STOP: return csp_proc_value(context, csp_proc_simple(interp, CSP_PROC_STOP));
    case B_SKIP: return csp_proc_value(context, csp_proc_simple(interp, CSP_PROC_SKIP));
    case B_DIV: return csp_proc_value(context, csp_proc_simple(interp, CSP_PROC_DIV));
    case B_EVENTS: return csp_set_symbolic(context, CSP_SET_EVENTS);
    case B_PROC: return csp_set_symbolic(context, CSP_SET_PROCS);
    case B_INT: {
        int64_t *lo = csp_alloc(context, sizeof *lo), *hi = csp_alloc(context, sizeof *hi);
        *lo = INT64_MIN;
        *hi = INT64_MAX;
        csp_value *set = csp_set_symbolic(context, CSP_SET_INTS);
        set->as.set.lo = lo;
        set->as.set.hi = hi;
        set->as.set.count = 1;
        return set;
    }
    case B_BOOL: {
        csp_value *items[2] = {csp_bool(context, false), csp_bool(context, true)};
        return csp_set_finite(context, items, 2);
    }
    case B_CHAR: {
        csp_value **items = csp_alloc(context, 256 * sizeof *items);
        for (int c = 0; c < 256; c++) {
            items[c] = csp_int(context, c);
            items[c]->kind = CSP_V_CHAR;
        }
        return csp_set_finite(context, items, 256);
    }
    default:
        return make_builtin(interp, id, name);
    }
}

static csp_value *function_value(csp_interp *interp, const csp_decl *decl,
                                 csp_env *env)
{
    csp_value *value = csp_alloc(interp->context, sizeof *value);
    value->kind = CSP_V_FUNC;
    value->as.func.kind = CSP_F_CLOSURE;
    value->as.func.decl = decl;
    value->as.func.env = env;
    value->as.func.name = decl->name;
    return value;
}

/* Evaluates the pattern binding `decl` and returns the value bound to
 * `name`. */
static csp_value *pattern_binding(csp_interp *interp, const csp_decl *decl,
                                  csp_env *env, csp_symbol name)
{
    csp_value *value = csp_eval(interp, decl->expr, env);
    bindings b = {.count = 0};
    if (!match(interp, decl->pattern, value, &b))
        csp_fail(interp->context, CSP_ERROR_EVAL, &decl->span,
                 "pattern match failure: %s does not match the pattern",
                 show(interp, value));
    for (size_t i = 0; i < b.count; i++)
        if (b.names[i] == name)
            return b.values[i];
    return csp_int(interp->context, 0);
}

csp_value *csp_eval_global(csp_interp *interp, csp_symbol name,
                           const csp_span *span)
{
    if (name >= interp->global_count)
        return NULL;
    csp_global *g = &interp->globals[name];
    switch (g->kind) {
    case CSP_G_NONE:
        return NULL;
    case CSP_G_BUILTIN:
        if (g->value == NULL)
            g->value = builtin_constant(interp, g->builtin, name);
        return g->value;
    case CSP_G_CTOR:
        if (g->value == NULL) {
            ctor_force_fields(interp, g->ctor);
            g->value = dot_value(interp, g->ctor, NULL, 0);
        }
        return g->value;
    case CSP_G_DATATYPE:
        if (g->value == NULL) {
            g->value = csp_set_symbolic(interp->context, CSP_SET_DATATYPE);
            g->value->as.set.symbol = name;
        }
        return g->value;
    default:
        break;
    }
    if (g->state == 2)
        return g->value;
    if (g->kind == CSP_G_DEFINITION && g->decl->clauses[0].group_count > 0) {
        g->value = function_value(interp, g->decl, NULL);
        g->state = 2;
        return g->value;
    }
    if (g->state == 1)
        csp_fail(interp->context, CSP_ERROR_EVAL, span,
                 "%s is defined in terms of itself without a prefix in "
                 "between (unguarded recursion)", name_of(interp, name));
    g->state = 1;
    csp_value *value;
    if (g->kind == CSP_G_NAMETYPE)
        value = csp_eval(interp, g->decl->type, NULL);
    else if (g->kind == CSP_G_PATTERN)
        value = pattern_binding(interp, g->decl, NULL, name);
    else
        value = csp_eval(interp, g->decl->clauses[0].body, NULL);
    g->value = value;
    g->state = 2;
    return value;
}

static csp_value *lookup(csp_interp *interp, csp_symbol name, csp_env *env,
                         const csp_span *span)
{
    for (csp_env *frame = env; frame != NULL; frame = frame->parent) {
        for (size_t i = 0; i < frame->count; i++) {
            if (frame->names[i] != name)
                continue;
            if (!frame->let_frame || frame->state[i] == 2)
                return frame->values[i];
            if (frame->state[i] == 1)
                csp_fail(interp->context, CSP_ERROR_EVAL, span,
                         "%s is defined in terms of itself without a prefix "
                         "in between (unguarded recursion)",
                         name_of(interp, name));
            const csp_decl *decl = frame->decls[i];
            frame->state[i] = 1;
            csp_value *value;
            if (decl->kind == CSP_D_PATTERN)
                value = pattern_binding(interp, decl, frame, name);
            else if (decl->clauses[0].group_count > 0)
                value = function_value(interp, decl, frame);
            else
                value = csp_eval(interp, decl->clauses[0].body, frame);
            frame->values[i] = value;
            frame->state[i] = 2;
            return value;
        }
    }
    csp_value *value = csp_eval_global(interp, name, span);
    if (value == NULL)
        csp_fail(interp->context, CSP_ERROR_TYPE, span, "%s is not in scope",
                 name_of(interp, name));
    return value;
}

/* ---- function application -------------------------------------------- */

static csp_value *apply_builtin(csp_interp *interp, int id, csp_value **args,
                                const csp_span *span);

static csp_value *apply(csp_interp *interp, csp_value *func, csp_value **args,
                        size_t count, const csp_span *span)
{
    csp_context *context = interp->context;
    if (func->kind == CSP_V_DOT && func->as.dot.head != NULL &&
        func->as.dot.head->channel == false && count == 1)
        return dot_combine(interp, func, args[0], span);
    if (func->kind != CSP_V_FUNC)
        csp_fail(context, CSP_ERROR_EVAL, span, "%s is not a function",
                 show(interp, func));
    if (func->as.func.kind == CSP_F_BUILTIN) {
        if (count != func->as.func.arity)
            csp_fail(context, CSP_ERROR_TYPE, span,
                     "%s takes %zu argument%s, not %zu",
                     name_of(interp, func->as.func.name), func->as.func.arity,
                     func->as.func.arity == 1 ? "" : "s", count);
        return apply_builtin(interp, func->as.func.builtin, args, span);
    }
    if (func->as.func.lambda != NULL) {
        const csp_expr *lambda = func->as.func.lambda;
        if (count != lambda->pat_count)
            csp_fail(context, CSP_ERROR_TYPE, span,
                     "this lambda takes %zu arguments, not %zu",
                     lambda->pat_count, count);
        bindings b = {.count = 0};
        for (size_t i = 0; i < count; i++)
            if (!match(interp, lambda->pats[i], args[i], &b))
                csp_fail(context, CSP_ERROR_EVAL, span,
                         "pattern match failure applying a lambda to %s",
                         show(interp, args[i]));
        return csp_eval(interp, lambda->a, frame_of(interp, func->as.func.env, &b));
    }
    /* A named function: gather argument groups, then try the clauses. */
    const csp_decl *decl = func->as.func.decl;
    size_t groups = decl->clauses[0].group_count;
    size_t have = func->as.func.applied_count;
    csp_value **applied = csp_alloc(context, (have + 2) * sizeof *applied);
    if (have > 0)
        memcpy(applied, func->as.func.applied, have * sizeof *applied);
    applied[have] = csp_tuple(context, args, count);
    if (have + 1 < groups) {
        csp_value *partial = csp_alloc(context, sizeof *partial);
        *partial = *func;
        partial->as.func.applied = applied;
        partial->as.func.applied_count = have + 1;
        return partial;
    }
    for (size_t c = 0; c < decl->clause_count; c++) {
        const csp_clause *clause = &decl->clauses[c];
        if (clause->group_count != groups)
            csp_fail(context, CSP_ERROR_TYPE, &clause->span,
                     "the clauses of %s have different numbers of argument "
                     "groups", name_of(interp, decl->name));
        bindings b = {.count = 0};
        bool ok = true;
        for (size_t g = 0; g < groups && ok; g++) {
            const csp_value *group = applied[g];
            if (group->as.tuple.count != clause->group_sizes[g]) {
                csp_fail(context, CSP_ERROR_TYPE, span,
                         "%s takes %zu argument%s, not %zu",
                         name_of(interp, decl->name), clause->group_sizes[g],
                         clause->group_sizes[g] == 1 ? "" : "s",
                         group->as.tuple.count);
            }
            for (size_t i = 0; i < group->as.tuple.count && ok; i++)
                ok = match(interp, clause->groups[g][i], group->as.tuple.items[i], &b);
        }
        if (ok)
            return csp_eval(interp, clause->body,
                            frame_of(interp, func->as.func.env, &b));
    }
    csp_value *all = csp_tuple(context, applied, groups);
    csp_fail(context, CSP_ERROR_EVAL, span,
             "pattern match failure: no clause of %s matches %s",
             name_of(interp, decl->name), show(interp, all));
}

/* ---- datatypes and events (the value hooks) --------------------------- */

static csp_value **ctor_values(csp_interp *interp, csp_ctor *ctor, size_t *count,
                               const csp_span *span)
{
    ctor_force_fields(interp, ctor);
    if (ctor->evaluating)
        csp_fail(interp->context, CSP_ERROR_EVAL, span,
                 "cannot enumerate the recursive type of %s",
                 name_of(interp, ctor->name));
    ctor->evaluating = true;
    size_t k = ctor->arity;
    csp_value ***parts = csp_alloc(interp->context, (k + 1) * sizeof *parts);
    size_t *sizes = csp_alloc(interp->context, (k + 1) * sizeof *sizes);
    size_t total = 1;
    for (size_t i = 0; i < k; i++) {
        parts[i] = csp_set_elements(interp->context, ctor->field_sets[i],
                                    &sizes[i], span);
        total *= sizes[i];
        if (total > 10000000)
            csp_fail(interp->context, CSP_ERROR_EVAL, span,
                     "%s has too many values to enumerate",
                     name_of(interp, ctor->name));
    }
    ctor->evaluating = false;
    csp_value **items = csp_alloc(interp->context, (total + 1) * sizeof *items);
    for (size_t t = 0; t < total; t++) {
        csp_value **fields = csp_alloc(interp->context, (k + 1) * sizeof *fields);
        size_t rest = t;
        for (size_t i = k; i > 0; i--) {
            fields[i - 1] = parts[i - 1][rest % sizes[i - 1]];
            rest /= sizes[i - 1];
        }
        items[t] = dot_value(interp, ctor, fields, k);
    }
    *count = total;
    return items;
}

/* Whether `value`, a value of constructor c of type g, lies in the fields a
 * subtype declaration gives that constructor (always, for a datatype or a
 * subtype constructor written without fields). */
static bool subtype_fields_admit(csp_interp *interp, const csp_global *g, size_t c,
                                 const csp_value *value)
{
    if (g->decl == NULL || g->decl->kind != CSP_D_SUBTYPE ||
        g->decl->ctors[c].field_count == 0)
        return true;
    const csp_ctor_decl *cd = &g->decl->ctors[c];
    size_t used = 0;
    for (size_t i = 0; i < cd->field_count; i++) {
        csp_value *set = csp_eval(interp, cd->fields[i], NULL);
        if (set->kind != CSP_V_SET)
            csp_fail(interp->context, CSP_ERROR_TYPE, &cd->fields[i]->span,
                     "the field type of %s is not a set: %s",
                     name_of(interp, cd->name), show(interp, set));
        size_t parts = set->as.set.kind == CSP_SET_PRODUCT ? set->as.set.count : 1;
        for (size_t k = 0; k < parts; k++, used++) {
            const csp_value *part = set->as.set.kind == CSP_SET_PRODUCT
                                        ? set->as.set.items[k] : set;
            if (used >= value->as.dot.count ||
                !csp_set_member(interp->context, value->as.dot.fields[used], part))
                return false;
        }
    }
    return used == value->as.dot.count;
}

static csp_value **hook_datatype_values(csp_context *context, csp_symbol type,
                                        size_t *count, const csp_span *span)
{
    csp_interp *interp = csp_interp_of(context);
    csp_global *g = global(interp, type);
    csp_vec all = {0};
    for (size_t c = 0; c < g->ctor_count; c++) {
        size_t n;
        csp_value **values = ctor_values(interp, g->ctors[c], &n, span);
        for (size_t i = 0; i < n; i++)
            if (subtype_fields_admit(interp, g, c, values[i]))
                csp_vec_push(context, &all, values[i]);
    }
    csp_value *set = csp_set_finite(context, (csp_value **)all.items, all.count);
    *count = set->as.set.count;
    return set->as.set.items;
}

static csp_value **hook_all_events(csp_context *context, size_t *count,
                                   const csp_span *span)
{
    csp_interp *interp = csp_interp_of(context);
    csp_vec all = {0};
    for (size_t c = 0; c < interp->channel_count; c++) {
        size_t n;
        csp_value **values = ctor_values(interp, interp->channels[c], &n, span);
        for (size_t i = 0; i < n; i++)
            csp_vec_push(context, &all, values[i]);
    }
    csp_value *set = csp_set_finite(context, (csp_value **)all.items, all.count);
    *count = set->as.set.count;
    return set->as.set.items;
}

/* A datatype's values are those of its constructors; a subtype names
 * constructors of an existing datatype (reusing them, so `subtype C = Y | G`
 * keeps Y and G the values of their datatype) and may narrow their fields:
 * `subtype S = A.{0..1}`. */
static bool hook_datatype_member(csp_context *context, csp_symbol type,
                                 const csp_value *value)
{
    csp_interp *interp = csp_interp_of(context);
    if (value->kind != CSP_V_DOT || value->as.dot.head == NULL ||
        value->as.dot.head->channel || !csp_dot_complete(value))
        return false;
    csp_global *g = global(interp, type);
    for (size_t c = 0; c < g->ctor_count; c++)
        if (g->ctors[c] == value->as.dot.head)
            return subtype_fields_admit(interp, g, c, value);
    return false;
}

typedef struct comp_sink {
    csp_vec items;
    csp_expr **extra;       /* {e1, e2 | ...}: several expressions */
    size_t extra_count;
} comp_sink;

static void comprehension(csp_interp *interp, const csp_expr *expr,
                          csp_stmt **stmts, size_t count, size_t index,
                          csp_env *env, comp_sink *sink, bool sequence);

static void hook_lazy_force(csp_context *context, csp_lazy *lazy, size_t needed)
{
    csp_interp *interp = csp_interp_of(context);
    size_t idle = 0;
    while (lazy->count < needed) {
        csp_vec produced = {0};
        if (lazy->comp == NULL) {
            csp_vec_push(context, &produced, csp_int(context, lazy->next));
            lazy->next++;
        } else {
            const csp_expr *comp = lazy->comp;
            csp_value *item = csp_seq_at(context, lazy->source, lazy->source_index++);
            if (item == NULL)
                return;
            bindings b = {.count = 0};
            if (match(interp, comp->stmts[0]->pattern, item, &b)) {
                comp_sink sink = {{0}, NULL, 0};
                comprehension(interp, comp->a, comp->stmts, comp->stmt_count, 1,
                              frame_of(interp, lazy->env, &b), &sink, true);
                produced = sink.items;
            }
            if (produced.count == 0 && ++idle > 1000000)
                csp_fail(context, CSP_ERROR_EVAL, &comp->span,
                         "no element of this infinite sequence found in a "
                         "million tries");
        }
        for (size_t i = 0; i < produced.count; i++) {
            if (lazy->count == lazy->capacity) {
                size_t capacity = lazy->capacity ? lazy->capacity * 2 : 16;
                csp_value **items = csp_alloc(context, capacity * sizeof *items);
                if (lazy->count > 0)
                    memcpy(items, lazy->items, lazy->count * sizeof *items);
                lazy->items = items;
                lazy->capacity = capacity;
            }
            lazy->items[lazy->count++] = produced.items[i];
        }
    }
}

const csp_value_hooks csp_hooks = {
    .datatype_values = hook_datatype_values,
    .all_events = hook_all_events,
    .datatype_member = hook_datatype_member,
    .lazy_force = hook_lazy_force,
};

csp_value **csp_productions(csp_interp *interp, csp_value *prefix,
                            size_t *count, const csp_span *span)
{
    if (prefix->kind != CSP_V_DOT || prefix->as.dot.head == NULL) {
        *count = 1;
        csp_value **one = csp_alloc(interp->context, sizeof *one);
        one[0] = prefix;
        return one;
    }
    if (csp_dot_complete(prefix)) {
        *count = 1;
        csp_value **one = csp_alloc(interp->context, sizeof *one);
        one[0] = prefix;
        return one;
    }
    size_t n;
    csp_value **all = ctor_values(interp, (csp_ctor *)prefix->as.dot.head, &n, span);
    csp_vec want = {0};
    dot_tokens(interp, prefix, &want);
    csp_value **kept = csp_alloc(interp->context, (n + 1) * sizeof *kept);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        csp_vec tokens = {0};
        dot_tokens(interp, all[i], &tokens);
        bool ok = tokens.count >= want.count;
        for (size_t t = 0; ok && t < want.count; t++)
            ok = csp_value_compare(tokens.items[t], want.items[t]) == 0;
        if (ok)
            kept[used++] = all[i];
    }
    *count = used;
    return kept;
}

/* ---- comprehensions --------------------------------------------------- */

static void comprehension(csp_interp *interp, const csp_expr *expr,
                          csp_stmt **stmts, size_t count, size_t index,
                          csp_env *env, comp_sink *sink, bool sequence)
{
    csp_context *context = interp->context;
    if (index == count) {
        if (sink->extra != NULL)
            for (size_t i = 0; i < sink->extra_count; i++)
                csp_vec_push(context, &sink->items,
                             csp_eval(interp, sink->extra[i], env));
        else if (expr != NULL)
            csp_vec_push(context, &sink->items, csp_eval(interp, expr, env));
        else
            csp_vec_push(context, &sink->items, env);
        return;
    }
    const csp_stmt *stmt = stmts[index];
    if (!stmt->generator) {
        csp_value *test = expect_kind(interp, csp_eval(interp, stmt->expr, env),
                                      CSP_V_BOOL, &stmt->span);
        if (test->as.number)
            comprehension(interp, expr, stmts, count, index + 1, env, sink, sequence);
        return;
    }
    csp_value *source = csp_eval(interp, stmt->expr, env);
    csp_value **items;
    size_t n;
    if (source->kind == CSP_V_SET) {
        items = csp_set_elements(context, source, &n, &stmt->span);
    } else if (source->kind == CSP_V_SEQ) {
        n = csp_seq_length(context, source, &stmt->span);
        items = source->as.seq.items;
    } else {
        csp_fail(context, CSP_ERROR_EVAL, &stmt->span,
                 "a generator needs a set or a sequence, not %s",
                 show(interp, source));
    }
    for (size_t i = 0; i < n; i++) {
        bindings b = {.count = 0};
        if (match(interp, stmt->pattern, items[i], &b))
            comprehension(interp, expr, stmts, count, index + 1,
                          frame_of(interp, env, &b), sink, sequence);
    }
}

/* Every environment the statements produce (for replicated operators and
 * renaming comprehensions). */
static csp_env **statement_envs(csp_interp *interp, csp_stmt **stmts,
                                size_t count, csp_env *env, size_t *out)
{
    comp_sink sink = {{0}, NULL, 0};
    comprehension(interp, NULL, stmts, count, 0, env, &sink, true);
    *out = sink.items.count;
    return (csp_env **)sink.items.items;
}

/* ---- arithmetic ------------------------------------------------------- */

static int64_t arith(csp_interp *interp, int op, int64_t a, int64_t b,
                     const csp_span *span)
{
    int64_t r;
    switch (op) {
    case CSP_OP_ADD:
        if (__builtin_add_overflow(a, b, &r))
            break;
        return r;
    case CSP_OP_SUB:
        if (__builtin_sub_overflow(a, b, &r))
            break;
        return r;
    case CSP_OP_MUL:
        if (__builtin_mul_overflow(a, b, &r))
            break;
        return r;
    case CSP_OP_DIV:
    case CSP_OP_MOD: {
        if (b == 0)
            csp_fail(interp->context, CSP_ERROR_EVAL, span,
                     op == CSP_OP_DIV ? "division by zero" : "modulus by zero");
        if (a == INT64_MIN && b == -1)
            break;
        int64_t q = a / b, m = a % b;
        if (m != 0 && ((m < 0) != (b < 0))) {   /* round toward -infinity */
            q -= 1;
            m += b;
        }
        return op == CSP_OP_DIV ? q : m;
    }
    default:
        break;
    }
    csp_fail(interp->context, CSP_ERROR_EVAL, span, "integer overflow");
}

static bool seq_prefix(csp_interp *interp, csp_value *a, csp_value *b,
                       const csp_span *span)
{
    size_t n = csp_seq_length(interp->context, a, span);
    for (size_t i = 0; i < n; i++) {
        csp_value *other = csp_seq_at(interp->context, b, i);
        if (other == NULL || csp_value_compare(a->as.seq.items[i], other) != 0)
            return false;
    }
    return true;
}

static bool ordered(csp_interp *interp, int op, csp_value *a, csp_value *b,
                    const csp_span *span)
{
    if (a->kind != b->kind)
        csp_fail(interp->context, CSP_ERROR_EVAL, span,
                 "cannot compare %s with %s", show(interp, a), show(interp, b));
    bool less_eq, greater_eq, equal = csp_value_compare(a, b) == 0;
    switch (a->kind) {
    case CSP_V_SET:
        less_eq = csp_set_subset(interp->context, a, b, span);
        greater_eq = csp_set_subset(interp->context, b, a, span);
        break;
    case CSP_V_SEQ:
        less_eq = seq_prefix(interp, a, b, span);
        greater_eq = seq_prefix(interp, b, a, span);
        break;
    default: {
        int c = csp_value_compare(a, b);
        less_eq = c <= 0;
        greater_eq = c >= 0;
        break;
    }
    }
    switch (op) {
    case CSP_OP_LT: return less_eq && !equal;
    case CSP_OP_LE: return less_eq;
    case CSP_OP_GT: return greater_eq && !equal;
    default: return greater_eq;
    }
}

/* ---- built-in functions ----------------------------------------------- */

static csp_value *make_set_value(csp_interp *interp, csp_value **items, size_t n)
{
    return csp_set_finite(interp->context, items, n);
}

static csp_value *apply_builtin(csp_interp *interp, int id, csp_value **args,
                                const csp_span *span)
{
    csp_context *context = interp->context;
    switch (id) {
    case B_UNION:
    case B_INTER:
    case B_DIFF: {
        expect_kind(interp, args[0], CSP_V_SET, span);
        expect_kind(interp, args[1], CSP_V_SET, span);
        return id == B_UNION ? csp_set_union(context, args[0], args[1])
             : id == B_INTER ? csp_set_inter(context, args[0], args[1])
                             : csp_set_diff(context, args[0], args[1]);
    }
    case B_UNION_ALL:
    case B_INTER_ALL: {
        size_t n;
        csp_value **sets = csp_set_elements(context,
                                            expect_kind(interp, args[0], CSP_V_SET, span),
                                            &n, span);
        if (n == 0) {
            if (id == B_INTER_ALL)
                csp_fail(context, CSP_ERROR_EVAL, span,
                         "Inter of an empty set of sets");
            return make_set_value(interp, NULL, 0);
        }
        csp_value *result = expect_kind(interp, sets[0], CSP_V_SET, span);
        for (size_t i = 1; i < n; i++)
            result = id == B_UNION_ALL
                         ? csp_set_union(context, result,
                                         expect_kind(interp, sets[i], CSP_V_SET, span))
                         : csp_set_inter(context, result,
                                         expect_kind(interp, sets[i], CSP_V_SET, span));
        return result;
    }
    case B_MEMBER:
        return csp_bool(context, csp_set_member(context, args[0],
                                                expect_kind(interp, args[1],
                                                            CSP_V_SET, span)));
    case B_CARD: {
        size_t n;
        csp_set_elements(context, expect_kind(interp, args[0], CSP_V_SET, span), &n,
                         span);
        return csp_int(context, (int64_t)n);
    }
    case B_EMPTY: {
        const csp_value *set = expect_kind(interp, args[0], CSP_V_SET, span);
        if (set->as.set.kind == CSP_SET_FINITE)
            return csp_bool(context, set->as.set.count == 0);
        size_t n;
        csp_set_elements(context, set, &n, span);
        return csp_bool(context, n == 0);
    }
    case B_SET: {
        csp_value *seq = expect_kind(interp, args[0], CSP_V_SEQ, span);
        size_t n = csp_seq_length(context, seq, span);
        return make_set_value(interp, seq->as.seq.items, n);
    }
    case B_SEQ: {
        size_t n;
        csp_value **items = csp_set_elements(
            context, expect_kind(interp, args[0], CSP_V_SET, span), &n, span);
        return csp_seq(context, items, n);
    }
    case B_POWER:
    case B_SEQS: {
        csp_value *set = csp_set_symbolic(context, id == B_POWER ? CSP_SET_POWER
                                                                 : CSP_SET_SEQS);
        set->as.set.base = expect_kind(interp, args[0], CSP_V_SET, span);
        if (id == B_POWER && set->as.set.base->as.set.kind == CSP_SET_FINITE &&
            set->as.set.base->as.set.count <= 16) {
            size_t n;       /* canonical: a finite power set is enumerated */
            csp_value **items = csp_set_elements(context, set, &n, span);
            return csp_set_finite(context, items, n);
        }
        return set;
    }
    case B_HEAD: {
        csp_value *item = csp_seq_at(context,
                                     expect_kind(interp, args[0], CSP_V_SEQ, span), 0);
        if (item == NULL)
            csp_fail(context, CSP_ERROR_EVAL, span,
                     "head of the empty sequence <>");
        return item;
    }
    case B_TAIL: {
        csp_value *seq = expect_kind(interp, args[0], CSP_V_SEQ, span);
        if (csp_seq_at(context, seq, 0) == NULL)
            csp_fail(context, CSP_ERROR_EVAL, span,
                     "tail of the empty sequence <>");
        if (seq->as.seq.lazy != NULL) {
            csp_value *rest = csp_alloc(context, sizeof *rest);
            *rest = *seq;
            rest->as.seq.offset++;
            return rest;
        }
        return csp_seq(context, seq->as.seq.items + 1, seq->as.seq.count - 1);
    }
    case B_CONCAT: {
        csp_value *seq = expect_kind(interp, args[0], CSP_V_SEQ, span);
        size_t n = csp_seq_length(context, seq, span);
        csp_vec all = {0};
        for (size_t i = 0; i < n; i++) {
            csp_value *inner = expect_kind(interp, seq->as.seq.items[i], CSP_V_SEQ, span);
            size_t m = csp_seq_length(context, inner, span);
            for (size_t j = 0; j < m; j++)
                csp_vec_push(context, &all, inner->as.seq.items[j]);
        }
        return csp_seq(context, (csp_value **)all.items, all.count);
    }
    case B_ELEM: {
        csp_value *seq = expect_kind(interp, args[1], CSP_V_SEQ, span);
        size_t n = csp_seq_length(context, seq, span);
        for (size_t i = 0; i < n; i++)
            if (csp_value_compare(seq->as.seq.items[i], args[0]) == 0)
                return csp_bool(context, true);
        return csp_bool(context, false);
    }
    case B_LENGTH:
        return csp_int(context, (int64_t)csp_seq_length(
                                    context, expect_kind(interp, args[0], CSP_V_SEQ, span),
                                    span));
    case B_NULL:
        return csp_bool(context,
                        csp_seq_at(context, expect_kind(interp, args[0], CSP_V_SEQ, span),
                                   0) == NULL);
    case B_CHAOS:
    case B_RUN: {
        csp_proc proto = {.kind = id == B_CHAOS ? CSP_PROC_CHAOS : CSP_PROC_RUN};
        proto.set = expect_kind(interp, args[0], CSP_V_SET, span);
        return csp_proc_value(context, csp_proc_intern(interp, &proto));
    }
    case B_EXTENSIONS:
    case B_PRODUCTIONS: {
        size_t n;
        csp_value **all = csp_productions(interp, args[0], &n, span);
        if (id == B_PRODUCTIONS)
            return make_set_value(interp, all, n);
        csp_vec prefix = {0};
        dot_tokens(interp, args[0], &prefix);
        csp_value **suffixes = csp_alloc(context, (n + 1) * sizeof *suffixes);
        for (size_t i = 0; i < n; i++) {
            csp_vec tokens = {0};
            dot_tokens(interp, all[i], &tokens);
            suffixes[i] = tokens.count == prefix.count
                              ? dot_value(interp, NULL, NULL, 0)
                              : dot_rest(interp, (csp_value **)tokens.items,
                                         tokens.count, prefix.count, span);
        }
        return make_set_value(interp, suffixes, n);
    }
    case B_ERROR:
        csp_fail(context, CSP_ERROR_EVAL, span, "error: %s", show(interp, args[0]));
    case B_SHOW: {
        const char *text = show(interp, args[0]);
        size_t n = strlen(text);
        csp_value **items = csp_alloc(context, (n + 1) * sizeof *items);
        for (size_t i = 0; i < n; i++) {
            items[i] = csp_int(context, (unsigned char)text[i]);
            items[i]->kind = CSP_V_CHAR;
        }
        return csp_seq(context, items, n);
    }
    case B_REDUCE:
    case B_NORMAL:
        if (args[0]->kind == CSP_V_PROC)
            csp_vec_push(context,
                         id == B_NORMAL ? &interp->normalised : &interp->compressed,
                         (void *)args[0]->as.proc);
        return args[0];
    case B_IDENTITY:
        return args[0];
    default:
        csp_fail(context, CSP_ERROR_UNSUPPORTED, span,
                 "this built-in function is not supported");
    }
}

/* ---- processes -------------------------------------------------------- */

static const csp_proc *as_proc(csp_interp *interp, csp_value *value,
                               const csp_span *span)
{
    return expect_kind(interp, value, CSP_V_PROC, span)->as.proc;
}

const csp_proc *csp_eval_proc(csp_interp *interp, const csp_expr *expr,
                              csp_env *env)
{
    return as_proc(interp, csp_eval(interp, expr, env), &expr->span);
}

static csp_value *nary(csp_interp *interp, csp_proc_kind kind,
                       const csp_proc **children, size_t count, csp_value *set,
                       csp_value **alphabets)
{
    csp_proc proto = {.kind = kind, .children = children, .count = count,
                      .set = set, .alphabets = alphabets};
    return csp_proc_value(interp->context, csp_proc_intern(interp, &proto));
}

static csp_value *binary_proc(csp_interp *interp, csp_proc_kind kind,
                              const csp_expr *expr, csp_env *env, csp_value *set)
{
    const csp_proc *children[2] = {csp_eval_proc(interp, expr->a, env),
                                   csp_eval_proc(interp, expr->b, env)};
    return nary(interp, kind, children, 2, set, NULL);
}

static csp_value *eval_set(csp_interp *interp, const csp_expr *expr, csp_env *env)
{
    return expect_kind(interp, csp_eval(interp, expr, env), CSP_V_SET, &expr->span);
}

static int compare_pairs(const void *a, const void *b)
{
    csp_value *const *x = a, *const *y = b;
    int c = csp_value_compare(x[0], y[0]);
    return c != 0 ? c : csp_value_compare(x[1], y[1]);
}

static csp_value *eval_rename(csp_interp *interp, const csp_expr *expr,
                              csp_env *env)
{
    csp_context *context = interp->context;
    const csp_proc *child = csp_eval_proc(interp, expr->a, env);
    size_t env_count = 1;
    csp_env **envs = &env;
    if (expr->stmt_count > 0)
        envs = statement_envs(interp, expr->stmts, expr->stmt_count, env, &env_count);
    csp_vec pairs = {0};
    for (size_t e = 0; e < env_count; e++) {
        for (size_t i = 0; i + 1 < expr->count; i += 2) {
            csp_value *from = csp_eval(interp, expr->items[i], envs[e]);
            csp_value *to = csp_eval(interp, expr->items[i + 1], envs[e]);
            size_t n;
            csp_value **events = csp_productions(interp, from, &n,
                                                 &expr->items[i]->span);
            csp_vec prefix = {0};
            dot_tokens(interp, from, &prefix);
            for (size_t k = 0; k < n; k++) {
                csp_vec tokens = {0};
                dot_tokens(interp, events[k], &tokens);
                csp_value *target = to;
                size_t at = prefix.count;
                while (at < tokens.count) {
                    csp_value *unit = dot_unit(interp, (csp_value **)tokens.items,
                                               tokens.count, &at,
                                               &expr->items[i + 1]->span);
                    target = dot_combine(interp, target, unit,
                                         &expr->items[i + 1]->span);
                }
                if (!csp_dot_complete(target) || !target->as.dot.head->channel)
                    csp_fail(context, CSP_ERROR_EVAL, &expr->items[i + 1]->span,
                             "renaming %s to %s does not give an event",
                             show(interp, events[k]), show(interp, target));
                csp_value **pair = csp_alloc(context, 2 * sizeof *pair);
                pair[0] = events[k];
                pair[1] = target;
                csp_vec_push(context, &pairs, pair);
            }
        }
    }
    size_t n = pairs.count;
    csp_value **flat = csp_alloc(context, (2 * n + 2) * sizeof *flat);
    for (size_t i = 0; i < n; i++) {
        flat[2 * i] = ((csp_value **)pairs.items[i])[0];
        flat[2 * i + 1] = ((csp_value **)pairs.items[i])[1];
    }
    qsort(flat, n, 2 * sizeof *flat, compare_pairs);
    csp_proc proto = {.kind = CSP_PROC_RENAME, .count = 1,
                      .children = &child, .rename_count = n};
    proto.rename_from = csp_alloc(context, (n + 1) * sizeof *proto.rename_from);
    proto.rename_to = csp_alloc(context, (n + 1) * sizeof *proto.rename_to);
    for (size_t i = 0; i < n; i++) {
        proto.rename_from[i] = flat[2 * i];
        proto.rename_to[i] = flat[2 * i + 1];
    }
    return csp_proc_value(context, csp_proc_intern(interp, &proto));
}

/* The hidden channel of linked parallel: link.e.f is the fresh event on
 * which P's event e and Q's event f synchronise.  It is no declared
 * channel, so it is in no user's set (Events, {| |}), and the linked
 * parallel hides it at once. */
static const csp_ctor *link_channel(csp_interp *interp)
{
    if (interp->link_channel == NULL) {
        csp_context *context = interp->context;
        csp_symbol name = csp_intern(context, "link", 4);
        csp_ctor *ctor = new_ctor(interp, name, true, NULL, 2, (csp_span){0});
        ctor->field_sets = csp_alloc(context, 2 * sizeof *ctor->field_sets);
        ctor->field_sets[0] = csp_set_symbolic(context, CSP_SET_EVENTS);
        ctor->field_sets[1] = ctor->field_sets[0];
        interp->link_channel = ctor;
    }
    return interp->link_channel;
}

static bool same_tokens(const csp_vec *a, size_t a_from, const csp_vec *b,
                        size_t b_from)
{
    if (a->count - a_from != b->count - b_from)
        return false;
    for (size_t i = 0; a_from + i < a->count; i++)
        if (csp_value_compare(a->items[a_from + i], b->items[b_from + i]) != 0)
            return false;
    return true;
}

static const csp_proc *renamed(csp_interp *interp, const csp_proc *child,
                               csp_vec *pairs)
{
    csp_context *context = interp->context;
    size_t n = pairs->count / 2;
    csp_value **flat = (csp_value **)pairs->items;
    if (n > 0)
        qsort(flat, n, 2 * sizeof *flat, compare_pairs);
    csp_proc proto = {.kind = CSP_PROC_RENAME, .count = 1, .children = &child,
                      .rename_count = n};
    proto.rename_from = csp_alloc(context, (n + 1) * sizeof *proto.rename_from);
    proto.rename_to = csp_alloc(context, (n + 1) * sizeof *proto.rename_to);
    for (size_t i = 0; i < n; i++) {
        proto.rename_from[i] = flat[2 * i];
        proto.rename_to[i] = flat[2 * i + 1];
    }
    return csp_proc_intern(interp, &proto);
}

/* P [a <-> b] Q, by its definition: each event a.x of P is paired with
 * the event b.x of Q (same fields after the channel), both are renamed to
 * a fresh event link.(a.x).(b.x), P and Q synchronise on the fresh events
 * and these are hidden:
 *     (P[[a.x <- l]] [| L |] Q[[b.x <- l]]) \ L. */
static csp_value *eval_linked(csp_interp *interp, const csp_expr *expr,
                              csp_env *env)
{
    csp_context *context = interp->context;
    const csp_proc *left = csp_eval_proc(interp, expr->a, env);
    const csp_proc *right = csp_eval_proc(interp, expr->b, env);
    size_t env_count = 1;
    csp_env **envs = &env;
    if (expr->stmt_count > 0)
        envs = statement_envs(interp, expr->stmts, expr->stmt_count, env, &env_count);
    const csp_ctor *link = link_channel(interp);
    csp_vec left_pairs = {0}, right_pairs = {0}, links = {0};
    for (size_t e = 0; e < env_count; e++) {
        for (size_t i = 0; i + 1 < expr->count; i += 2) {
            const csp_span *span = &expr->items[i]->span;
            csp_value *from[2] = {csp_eval(interp, expr->items[i], envs[e]),
                                  csp_eval(interp, expr->items[i + 1], envs[e])};
            csp_value **events[2];
            size_t n[2];
            csp_vec prefix[2] = {{0}, {0}};
            for (int side = 0; side < 2; side++) {
                if (from[side]->kind != CSP_V_DOT || from[side]->as.dot.head == NULL ||
                    !from[side]->as.dot.head->channel)
                    csp_fail(context, CSP_ERROR_TYPE, &expr->items[i + side]->span,
                             "%s is not an event or channel",
                             show(interp, from[side]));
                events[side] = csp_productions(interp, from[side], &n[side], span);
                dot_tokens(interp, from[side], &prefix[side]);
            }
            csp_vec *right_tokens = csp_alloc(context,
                                              (n[1] + 1) * sizeof *right_tokens);
            for (size_t k = 0; k < n[1]; k++)
                dot_tokens(interp, events[1][k], &right_tokens[k]);
            for (size_t j = 0; j < n[0]; j++) {
                csp_vec tokens = {0};
                dot_tokens(interp, events[0][j], &tokens);
                for (size_t k = 0; k < n[1]; k++) {
                    if (!same_tokens(&tokens, prefix[0].count, &right_tokens[k],
                                     prefix[1].count))
                        continue;
                    csp_value **fields = csp_alloc(context, 2 * sizeof *fields);
                    fields[0] = events[0][j];
                    fields[1] = events[1][k];
                    csp_value *fresh = dot_value(interp, link, fields, 2);
                    csp_vec_push(context, &left_pairs, events[0][j]);
                    csp_vec_push(context, &left_pairs, fresh);
                    csp_vec_push(context, &right_pairs, events[1][k]);
                    csp_vec_push(context, &right_pairs, fresh);
                    csp_vec_push(context, &links, fresh);
                }
            }
        }
    }
    csp_value *set = csp_set_finite(context, (csp_value **)links.items, links.count);
    const csp_proc *children[2] = {renamed(interp, left, &left_pairs),
                                   renamed(interp, right, &right_pairs)};
    csp_proc par = {.kind = CSP_PROC_PAR, .children = children, .count = 2,
                    .set = set};
    const csp_proc *both = csp_proc_intern(interp, &par);
    csp_proc hide = {.kind = CSP_PROC_HIDE, .children = &both, .count = 1,
                     .set = set};
    return csp_proc_value(context, csp_proc_intern(interp, &hide));
}

static csp_value *eval_replicated(csp_interp *interp, const csp_expr *expr,
                                  csp_env *env)
{
    csp_context *context = interp->context;
    size_t n;
    csp_env **envs = statement_envs(interp, expr->stmts, expr->stmt_count, env, &n);
    const csp_proc **children = csp_alloc(context, (n + 1) * sizeof *children);
    csp_value **alphabets = NULL;
    if (expr->op == CSP_REP_APAR)
        alphabets = csp_alloc(context, (n + 1) * sizeof *alphabets);
    for (size_t i = 0; i < n; i++) {
        children[i] = csp_eval_proc(interp, expr->a, envs[i]);
        if (alphabets != NULL)
            alphabets[i] = eval_set(interp, expr->c, envs[i]);
    }
    switch (expr->op) {
    case CSP_REP_EXT:
        if (n == 0)
            return csp_proc_value(context, csp_proc_simple(interp, CSP_PROC_STOP));
        return n == 1 ? csp_proc_value(context, children[0])
                      : nary(interp, CSP_PROC_EXT, children, n, NULL, NULL);
    case CSP_REP_INT:
        if (n == 0)
            csp_fail(context, CSP_ERROR_EVAL, &expr->span,
                     "replicated internal choice over an empty set");
        return n == 1 ? csp_proc_value(context, children[0])
                      : nary(interp, CSP_PROC_INT, children, n, NULL, NULL);
    case CSP_REP_INTERLEAVE:
    case CSP_REP_PAR:
    case CSP_REP_APAR: {
        if (n == 0)
            return csp_proc_value(context, csp_proc_simple(interp, CSP_PROC_SKIP));
        csp_value *set = expr->op == CSP_REP_PAR ? eval_set(interp, expr->c, env)
                                                 : NULL;
        csp_proc_kind kind = expr->op == CSP_REP_INTERLEAVE ? CSP_PROC_INTERLEAVE
                           : expr->op == CSP_REP_PAR ? CSP_PROC_PAR : CSP_PROC_APAR;
        return nary(interp, kind, children, n, set, alphabets);
    }
    case CSP_REP_SEQ: {
        if (n == 0)
            return csp_proc_value(context, csp_proc_simple(interp, CSP_PROC_SKIP));
        const csp_proc *result = children[n - 1];
        for (size_t i = n - 1; i > 0; i--) {
            const csp_proc *pair[2] = {children[i - 1], result};
            csp_proc proto = {.kind = CSP_PROC_SEQ, .children = pair, .count = 2};
            result = csp_proc_intern(interp, &proto);
        }
        return csp_proc_value(context, result);
    }
    }
    return NULL;
}

/* ---- prefixes --------------------------------------------------------- */

/* Whether an open field of the channel of `head` ranges over an infinite
 * set (channel c : Int), so that its events cannot all be listed. */
static bool open_field_infinite(csp_interp *interp, const csp_value *head)
{
    const csp_ctor *channel = head->as.dot.head;
    for (size_t i = head->as.dot.count; i < channel->arity; i++)
        if (!csp_set_is_finite(interp->context, channel->field_sets[i]))
            return true;
    return false;
}

typedef struct field_sink {
    csp_vec events, envs;
} field_sink;

/* Builds the events of a prefix one field at a time: an input takes its
 * values from its restriction (c?x:S) or the field's type, an output its
 * value.  Used when the channel carries an infinite type, as FDR does,
 * which accepts `out?x:{1, 2}` with out : Int.  Returns false when the
 * prefix does not fit this form (an input that would take several
 * fields). */
static bool prefix_fields(csp_interp *interp, const csp_expr *prefix, size_t i,
                          csp_value *event, csp_env *env, const bindings *b,
                          field_sink *sink)
{
    csp_context *context = interp->context;
    if (i == prefix->field_count) {
        if (!csp_dot_complete(event))
            csp_fail(context, CSP_ERROR_TYPE, &prefix->span,
                     "%s is not a complete event", show(interp, event));
        csp_vec_push(context, &sink->events, event);
        csp_vec_push(context, &sink->envs, frame_of(interp, env, b));
        return true;
    }
    const csp_field *field = &prefix->fields[i];
    const csp_ctor *channel = event->as.dot.head;
    size_t position = event->as.dot.count;
    if (position >= channel->arity)
        csp_fail(context, CSP_ERROR_TYPE, &field->span,
                 "%s is already a complete event", show(interp, event));
    if (field->kind == CSP_FIELD_OUTPUT || field->kind == CSP_FIELD_DOT) {
        csp_value *value = csp_eval(interp, field->value, frame_of(interp, env, b));
        return prefix_fields(interp, prefix, i + 1,
                             dot_combine(interp, event, value, &field->span), env, b,
                             sink);
    }
    if (i + 1 == prefix->field_count && position + 1 != channel->arity)
        return false;
    const csp_value *type = channel->field_sets[position];
    csp_value *source = field->restriction != NULL
                            ? eval_set(interp, field->restriction,
                                       frame_of(interp, env, b))
                            : (csp_value *)type;
    size_t n;
    csp_value **values = csp_set_elements(context, source, &n, &field->span);
    for (size_t k = 0; k < n; k++) {
        if (!csp_set_member(context, values[k], type))
            continue;
        bindings more = *b;
        if (!match(interp, field->pattern, values[k], &more))
            continue;
        if (!prefix_fields(interp, prefix, i + 1,
                           dot_combine(interp, event, values[k], &field->span), env,
                           &more, sink))
            return false;
    }
    return true;
}

size_t csp_prefix_events(csp_interp *interp, const csp_expr *prefix,
                         csp_env *env, csp_value ***events_out,
                         csp_env ***envs_out)
{
    csp_context *context = interp->context;
    csp_value *head = csp_eval(interp, prefix->a, env);
    bool inputs = false;
    for (size_t i = 0; i < prefix->field_count; i++)
        if (prefix->fields[i].kind == CSP_FIELD_INPUT ||
            prefix->fields[i].kind == CSP_FIELD_NONDET)
            inputs = true;
    if (head->kind != CSP_V_DOT || head->as.dot.head == NULL ||
        !head->as.dot.head->channel)
        csp_fail(context, CSP_ERROR_EVAL, &prefix->a->span,
                 "%s is not an event or channel", show(interp, head));
    if (prefix->field_count > 0) {
        /* each field takes at least one of the fields still open */
        const csp_ctor *channel = head->as.dot.head;
        if (head->as.dot.count + prefix->field_count > channel->arity &&
            csp_dot_complete(head) == false) {
            size_t open = channel->arity - head->as.dot.count;
            if (prefix->field_count > open)
                csp_fail(context, CSP_ERROR_TYPE, &prefix->span,
                         "%s has %zu field%s left but the prefix gives %zu",
                         show(interp, head), open, open == 1 ? "" : "s",
                         prefix->field_count);
        } else if (csp_dot_complete(head)) {
            csp_fail(context, CSP_ERROR_TYPE, &prefix->span,
                     "%s is already a complete event", show(interp, head));
        }
    }
    if (!inputs) {
        csp_value *event = head;
        for (size_t i = 0; i < prefix->field_count; i++)
            event = dot_combine(interp, event,
                                csp_eval(interp, prefix->fields[i].value, env),
                                &prefix->fields[i].span);
        if (!csp_dot_complete(event))
            csp_fail(context, CSP_ERROR_TYPE, &prefix->span,
                     "%s is not a complete event", show(interp, event));
        *events_out = csp_alloc(context, sizeof **events_out);
        *envs_out = csp_alloc(context, sizeof **envs_out);
        (*events_out)[0] = event;
        (*envs_out)[0] = env;
        return 1;
    }
    size_t given = head->as.dot.count;
    if (open_field_infinite(interp, head) &&
        (given == 0 || value_complete(head->as.dot.fields[given - 1]))) {
        field_sink sink = {{0}, {0}};
        bindings none = {.count = 0};
        if (prefix_fields(interp, prefix, 0, head, env, &none, &sink)) {
            csp_vec_push(context, &sink.events, NULL);   /* never empty */
            csp_vec_push(context, &sink.envs, NULL);
            *events_out = (csp_value **)csp_vec_finish(context, &sink.events);
            *envs_out = (csp_env **)csp_vec_finish(context, &sink.envs);
            return sink.events.count - 1;
        }
    }
    size_t n;
    csp_value **all = csp_productions(interp, head, &n, &prefix->a->span);
    csp_vec head_tokens = {0};
    dot_tokens(interp, head, &head_tokens);
    csp_value **events = csp_alloc(context, (n + 1) * sizeof *events);
    csp_env **envs = csp_alloc(context, (n + 1) * sizeof *envs);
    size_t used = 0;
    for (size_t e = 0; e < n; e++) {
        csp_vec tokens = {0};
        dot_tokens(interp, all[e], &tokens);
        csp_value **t = (csp_value **)tokens.items;
        size_t at = head_tokens.count;
        bindings b = {.count = 0};
        bool ok = true;
        for (size_t i = 0; i < prefix->field_count && ok; i++) {
            const csp_field *field = &prefix->fields[i];
            bool last = i + 1 == prefix->field_count;
            if (at >= tokens.count) {
                ok = false;
                break;
            }
            if (field->kind == CSP_FIELD_OUTPUT || field->kind == CSP_FIELD_DOT) {
                csp_value *value = csp_eval(interp, field->value, frame_of(interp, env, &b));
                csp_vec want = {0};
                dot_tokens(interp, value, &want);
                for (size_t k = 0; k < want.count && ok; k++)
                    ok = at + k < tokens.count &&
                         csp_value_compare(t[at + k], want.items[k]) == 0;
                at += want.count;
                continue;
            }
            csp_value *unit = last ? dot_rest(interp, t, tokens.count, at, &field->span)
                                   : dot_unit(interp, t, tokens.count, &at, &field->span);
            if (last)
                at = tokens.count;
            ok = match(interp, field->pattern, unit, &b);
            if (ok && field->restriction != NULL)
                ok = csp_set_member(context, unit,
                                    eval_set(interp, field->restriction,
                                             frame_of(interp, env, &b)));
        }
        if (ok && at == tokens.count) {
            events[used] = all[e];
            envs[used] = frame_of(interp, env, &b);
            used++;
        }
    }
    *events_out = events;
    *envs_out = envs;
    return used;
}

/* ---- expressions ------------------------------------------------------ */

static csp_value *eval_enum_set(csp_interp *interp, csp_value **items, size_t n,
                                const csp_span *span)
{
    csp_vec all = {0};
    for (size_t i = 0; i < n; i++) {
        size_t m;
        csp_value **values = csp_productions(interp, items[i], &m, span);
        for (size_t k = 0; k < m; k++)
            csp_vec_push(interp->context, &all, values[k]);
    }
    return csp_set_finite(interp->context, (csp_value **)all.items, all.count);
}

static csp_value *eval_inner(csp_interp *interp, const csp_expr *expr,
                             csp_env *env)
{
    csp_context *context = interp->context;
    const csp_span *span = &expr->span;
    switch (expr->kind) {
    case CSP_E_INT:
        return csp_int(context, expr->number);
    case CSP_E_BOOL:
        return csp_bool(context, expr->number != 0);
    case CSP_E_CHAR: {
        csp_value *value = csp_int(context, expr->number);
        value->kind = CSP_V_CHAR;
        return value;
    }
    case CSP_E_STRING: {
        csp_value **items = csp_alloc(context, (expr->text_length + 1) * sizeof *items);
        for (size_t i = 0; i < expr->text_length; i++) {
            items[i] = csp_int(context, (unsigned char)expr->text[i]);
            items[i]->kind = CSP_V_CHAR;
        }
        return csp_seq(context, items, expr->text_length);
    }
    case CSP_E_IDENT:
        return lookup(interp, expr->symbol, env, span);
    case CSP_E_APPLY: {
        csp_value *func = csp_eval(interp, expr->a, env);
        csp_value **args = csp_alloc(context, (expr->count + 1) * sizeof *args);
        for (size_t i = 0; i < expr->count; i++)
            args[i] = csp_eval(interp, expr->items[i], env);
        return apply(interp, func, args, expr->count, span);
    }
    case CSP_E_DOT:
        return dot_combine(interp, csp_eval(interp, expr->a, env),
                           csp_eval(interp, expr->b, env), span);
    case CSP_E_UNARY: {
        csp_value *a = csp_eval(interp, expr->a, env);
        if (expr->op == CSP_OP_NEG)
            return csp_int(context, arith(interp, CSP_OP_SUB, 0,
                                          expect_kind(interp, a, CSP_V_INT, span)->as.number,
                                          span));
        if (expr->op == CSP_OP_NOT)
            return csp_bool(context, !expect_kind(interp, a, CSP_V_BOOL, span)->as.number);
        return csp_int(context, (int64_t)csp_seq_length(
                                    context, expect_kind(interp, a, CSP_V_SEQ, span), span));
    }
    case CSP_E_BINARY: {
        if (expr->op == 100)
            csp_fail(context, CSP_ERROR_TYPE, span, "@@ is allowed only in patterns");
        if (expr->op == CSP_OP_AND || expr->op == CSP_OP_OR) {
            bool a = expect_kind(interp, csp_eval(interp, expr->a, env), CSP_V_BOOL,
                                 &expr->a->span)->as.number;
            if (expr->op == CSP_OP_AND ? !a : a)
                return csp_bool(context, a);
            return expect_kind(interp, csp_eval(interp, expr->b, env), CSP_V_BOOL,
                               &expr->b->span);
        }
        csp_value *a = csp_eval(interp, expr->a, env);
        csp_value *b = csp_eval(interp, expr->b, env);
        switch (expr->op) {
        case CSP_OP_EQ:
            return csp_bool(context, csp_value_compare(a, b) == 0);
        case CSP_OP_NE:
            return csp_bool(context, csp_value_compare(a, b) != 0);
        case CSP_OP_LT:
        case CSP_OP_LE:
        case CSP_OP_GT:
        case CSP_OP_GE:
            return csp_bool(context, ordered(interp, expr->op, a, b, span));
        case CSP_OP_CONCAT: {
            expect_kind(interp, a, CSP_V_SEQ, span);
            expect_kind(interp, b, CSP_V_SEQ, span);
            size_t na = csp_seq_length(context, a, span);
            if (b->as.seq.lazy != NULL)
                csp_fail(context, CSP_ERROR_UNSUPPORTED, span,
                         "concatenation with an infinite sequence");
            size_t nb = b->as.seq.count;
            csp_value **items = csp_alloc(context, (na + nb + 1) * sizeof *items);
            memcpy(items, a->as.seq.items, na * sizeof *items);
            memcpy(items + na, b->as.seq.items, nb * sizeof *items);
            return csp_seq(context, items, na + nb);
        }
        default:
            return csp_int(context,
                           arith(interp, expr->op,
                                 expect_kind(interp, a, CSP_V_INT, &expr->a->span)->as.number,
                                 expect_kind(interp, b, CSP_V_INT, &expr->b->span)->as.number,
                                 span));
        }
    }
    case CSP_E_IF: {
        csp_value *test = expect_kind(interp, csp_eval(interp, expr->a, env),
                                      CSP_V_BOOL, &expr->a->span);
        return csp_eval(interp, test->as.number ? expr->b : expr->c, env);
    }
    case CSP_E_LET: {
        size_t names = 0;
        for (size_t i = 0; i < expr->decl_count; i++) {
            const csp_decl *decl = expr->decls[i];
            if (decl->kind == CSP_D_FUNCTION)
                names++;
            else if (decl->kind == CSP_D_PATTERN) {
                bindings b = {.count = 0};
                (void)b;
                names += 64;
            }
        }
        csp_env *frame = new_frame(interp, env, names);
        frame->let_frame = true;
        frame->id = ++interp->next_frame;
        frame->decls = csp_alloc(context, (names + 1) * sizeof *frame->decls);
        frame->state = csp_alloc(context, names + 1);
        size_t used = 0;
        for (size_t i = 0; i < expr->decl_count; i++) {
            const csp_decl *decl = expr->decls[i];
            if (decl->kind == CSP_D_FUNCTION) {
                frame->names[used] = decl->name;
                frame->decls[used++] = decl;
            } else if (decl->kind == CSP_D_PATTERN) {
                csp_vec stack = {0};
                csp_vec_push(context, &stack, decl->pattern);
                while (stack.count > 0) {
                    const csp_pat *pat = stack.items[--stack.count];
                    if (pat->kind == CSP_P_VAR && used < names) {
                        frame->names[used] = pat->symbol;
                        frame->decls[used++] = decl;
                    }
                    for (size_t k = 0; k < pat->count; k++)
                        csp_vec_push(context, &stack, pat->items[k]);
                }
            }
        }
        frame->count = used;
        return csp_eval(interp, expr->a, frame);
    }
    case CSP_E_LAMBDA: {
        csp_value *value = csp_alloc(context, sizeof *value);
        value->kind = CSP_V_FUNC;
        value->as.func.kind = CSP_F_CLOSURE;
        value->as.func.lambda = expr;
        value->as.func.env = env;
        return value;
    }
    case CSP_E_TUPLE: {
        csp_value **items = csp_alloc(context, (expr->count + 1) * sizeof *items);
        for (size_t i = 0; i < expr->count; i++)
            items[i] = csp_eval(interp, expr->items[i], env);
        return csp_tuple(context, items, expr->count);
    }
    case CSP_E_SET:
    case CSP_E_SEQ:
    case CSP_E_ENUM_SET: {
        csp_value **items = csp_alloc(context, (expr->count + 1) * sizeof *items);
        for (size_t i = 0; i < expr->count; i++)
            items[i] = csp_eval(interp, expr->items[i], env);
        if (expr->kind == CSP_E_SEQ)
            return csp_seq(context, items, expr->count);
        if (expr->kind == CSP_E_ENUM_SET)
            return eval_enum_set(interp, items, expr->count, span);
        return csp_set_finite(context, items, expr->count);
    }
    case CSP_E_SET_RANGE:
    case CSP_E_SEQ_RANGE: {
        int64_t lo = expect_kind(interp, csp_eval(interp, expr->a, env), CSP_V_INT,
                                 &expr->a->span)->as.number;
        if (expr->b == NULL) {
            if (expr->kind == CSP_E_SET_RANGE) {
                int64_t *l = csp_alloc(context, sizeof *l), *h = csp_alloc(context, sizeof *h);
                *l = lo;
                *h = INT64_MAX;
                csp_value *set = csp_set_symbolic(context, CSP_SET_INTS);
                set->as.set.lo = l;
                set->as.set.hi = h;
                set->as.set.count = 1;
                return set;
            }
            csp_lazy *lazy = csp_alloc(context, sizeof *lazy);
            lazy->next = lo;
            csp_value *seq = csp_seq(context, NULL, 0);
            seq->as.seq.lazy = lazy;
            return seq;
        }
        int64_t hi = expect_kind(interp, csp_eval(interp, expr->b, env), CSP_V_INT,
                                 &expr->b->span)->as.number;
        if (expr->kind == CSP_E_SET_RANGE)
            return csp_set_range(context, lo, hi);
        if (hi >= lo && (uint64_t)(hi - lo) > 10000000)
            csp_fail(context, CSP_ERROR_EVAL, span, "a sequence that long");
        size_t n = hi >= lo ? (size_t)(hi - lo + 1) : 0;
        csp_value **items = csp_alloc(context, (n + 1) * sizeof *items);
        for (size_t i = 0; i < n; i++)
            items[i] = csp_int(context, lo + (int64_t)i);
        return csp_seq(context, items, n);
    }
    case CSP_E_SET_COMP:
    case CSP_E_SEQ_COMP:
    case CSP_E_ENUM_SET_COMP: {
        bool sequence = expr->kind == CSP_E_SEQ_COMP;
        if (sequence && expr->a != NULL && expr->stmt_count > 0 &&
            expr->stmts[0]->generator) {
            csp_value *source = csp_eval(interp, expr->stmts[0]->expr, env);
            if (source->kind == CSP_V_SEQ && source->as.seq.lazy != NULL) {
                csp_lazy *lazy = csp_alloc(context, sizeof *lazy);
                lazy->comp = expr;
                lazy->env = env;
                lazy->source = source;
                csp_value *seq = csp_seq(context, NULL, 0);
                seq->as.seq.lazy = lazy;
                return seq;
            }
        }
        comp_sink sink = {{0}, NULL, 0};
        if (expr->a == NULL) {
            sink.extra = expr->items;
            sink.extra_count = expr->count;
        }
        comprehension(interp, expr->a, expr->stmts, expr->stmt_count, 0, env, &sink,
                      sequence);
        csp_value **items = (csp_value **)sink.items.items;
        if (sequence)
            return csp_seq(context, items, sink.items.count);
        if (expr->kind == CSP_E_ENUM_SET_COMP)
            return eval_enum_set(interp, items, sink.items.count, span);
        return csp_set_finite(context, items, sink.items.count);
    }
    case CSP_E_PREFIX: {
        csp_proc proto = {.kind = CSP_PROC_PREFIX, .expr = expr, .env = env};
        return csp_proc_value(context, csp_proc_intern(interp, &proto));
    }
    case CSP_E_GUARD: {
        csp_value *test = expect_kind(interp, csp_eval(interp, expr->a, env),
                                      CSP_V_BOOL, &expr->a->span);
        if (!test->as.number)
            return csp_proc_value(context, csp_proc_simple(interp, CSP_PROC_STOP));
        return csp_proc_value(context, csp_eval_proc(interp, expr->b, env));
    }
    case CSP_E_EXT: return binary_proc(interp, CSP_PROC_EXT, expr, env, NULL);
    case CSP_E_INTCHOICE: return binary_proc(interp, CSP_PROC_INT, expr, env, NULL);
    case CSP_E_INTERRUPT: return binary_proc(interp, CSP_PROC_INTERRUPT, expr, env, NULL);
    case CSP_E_TIMEOUT: return binary_proc(interp, CSP_PROC_TIMEOUT, expr, env, NULL);
    case CSP_E_INTERLEAVE: return binary_proc(interp, CSP_PROC_INTERLEAVE, expr, env, NULL);
    case CSP_E_PAR:
        return binary_proc(interp, CSP_PROC_PAR, expr, env, eval_set(interp, expr->c, env));
    case CSP_E_EXCEPTION:
        return binary_proc(interp, CSP_PROC_EXCEPTION, expr, env,
                           eval_set(interp, expr->c, env));
    case CSP_E_APAR: {
        csp_value **alphabets = csp_alloc(context, 2 * sizeof *alphabets);
        alphabets[0] = eval_set(interp, expr->c, env);
        alphabets[1] = eval_set(interp, expr->d, env);
        const csp_proc *children[2] = {csp_eval_proc(interp, expr->a, env),
                                       csp_eval_proc(interp, expr->b, env)};
        return nary(interp, CSP_PROC_APAR, children, 2, NULL, alphabets);
    }
    case CSP_E_SEQCOMP: {
        const csp_proc *left = csp_eval_proc(interp, expr->a, env);
        csp_proc proto = {.kind = CSP_PROC_SEQ, .children = &left, .count = 1,
                          .expr = expr->b, .env = env};
        return csp_proc_value(context, csp_proc_intern(interp, &proto));
    }
    case CSP_E_HIDE: {
        const csp_proc *child = csp_eval_proc(interp, expr->a, env);
        csp_proc proto = {.kind = CSP_PROC_HIDE, .children = &child, .count = 1,
                          .set = eval_set(interp, expr->b, env)};
        return csp_proc_value(context, csp_proc_intern(interp, &proto));
    }
    case CSP_E_RENAME:
        return eval_rename(interp, expr, env);
    case CSP_E_LINKED:
        return eval_linked(interp, expr, env);
    case CSP_E_REPLICATED:
        return eval_replicated(interp, expr, env);
    }
    csp_fail(context, CSP_ERROR_EVAL, span, "cannot evaluate this expression");
}

csp_value *csp_eval(csp_interp *interp, const csp_expr *expr, csp_env *env)
{
    csp_enter(interp->context, &expr->span);
    csp_value *value = eval_inner(interp, expr, env);
    csp_leave(interp->context);
    return value;
}

void csp_eval_channel_types(csp_interp *interp)
{
    for (size_t i = 0; i < interp->channel_count; i++)
        ctor_force_fields(interp, interp->channels[i]);
}

/* ---- events ----------------------------------------------------------- */

uint32_t csp_event_id(csp_interp *interp, csp_value *event)
{
    csp_context *context = interp->context;
    if (interp->event_table == NULL || interp->event_count * 2 >= interp->event_table_size) {
        size_t size = interp->event_table_size ? interp->event_table_size * 2 : 256;
        uint32_t *table = malloc(size * sizeof *table);
        if (table == NULL)
            csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory");
        memset(table, 0xff, size * sizeof *table);
        for (size_t i = 0; i < interp->event_count; i++) {
            size_t slot = csp_value_hash(interp->events[i]) & (size - 1);
            while (table[slot] != UINT32_MAX)
                slot = (slot + 1) & (size - 1);
            table[slot] = (uint32_t)i;
        }
        free(interp->event_table);
        interp->event_table = table;
        interp->event_table_size = size;
    }
    size_t mask = interp->event_table_size - 1;
    size_t slot = csp_value_hash(event) & mask;
    while (interp->event_table[slot] != UINT32_MAX) {
        uint32_t id = interp->event_table[slot];
        if (csp_value_compare(interp->events[id], event) == 0)
            return id;
        slot = (slot + 1) & mask;
    }
    if (interp->event_count == interp->event_capacity) {
        size_t capacity = interp->event_capacity ? interp->event_capacity * 2 : 64;
        csp_value **events = realloc(interp->events, capacity * sizeof *events);
        if (events == NULL)
            csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory");
        interp->events = events;
        char **names = csp_alloc(context, capacity * sizeof *names);
        if (interp->event_count > 0)
            memcpy(names, interp->event_names, interp->event_count * sizeof *names);
        interp->event_names = names;
        interp->event_capacity = capacity;
    }
    uint32_t id = (uint32_t)interp->event_count++;
    interp->events[id] = event;
    interp->event_names[id] = csp_value_show(context, event);
    interp->event_table[slot] = id;
    return id;
}
