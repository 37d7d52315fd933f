/*
 * csp_check.c — the static checks run when a script is loaded: every name
 * in scope, no name defined twice in one scope, and the type errors a
 * light checker can see without inference.
 *
 * Design.  One walk over the parse tree with a stack of the local names in
 * scope (parameters, pattern variables, let definitions, generators, prefix
 * inputs).  The walk also resolves patterns: a pattern name that denotes a
 * channel or datatype constructor (and is not shadowed) becomes a constant
 * pattern, as in FDR.  Type errors detected:
 *   - a prefix with more fields than its channel has (`c?x?y` with c : Int);
 *   - a channel or constructor that still takes fields used where a whole
 *     value is needed: an element of a set literal or of a `has trace`
 *     sequence (`{B, C}` with B.{0}, `<a, b>` with b : Int);
 *   - a channel passed to a top-level function whose parameter is the head
 *     of a prefix with more fields than the channel has: with
 *     `F(ic) = ic?x?y -> ...` and c : T, `F(c)` is rejected, as FDR's type
 *     inference rejects it, even when F(c) is never evaluated.  The walk
 *     records the prefixes on parameters and the channels passed as
 *     arguments, and compares them at the end.
 * Everything else FDR's type checker rejects surfaces, if at all, as an
 * evaluation error when the value is computed.
 */
#include "csp_check.h"

#include <stdint.h>
#include <string.h>

/* A prefix `p?x?y -> ...` on parameter `index` of a top-level function:
 * the channel passed there needs `fields` fields at least. */
typedef struct param_use {
    const csp_decl *function;
    size_t index;
    size_t fields;
    csp_symbol name;
    csp_span span;
} param_use;

/* A channel passed bare as argument `index` of a top-level function. */
typedef struct channel_arg {
    const csp_decl *function;
    size_t index;
    csp_ctor *channel;
    csp_span span;
} channel_arg;

typedef struct checker {
    csp_interp *interp;
    csp_context *context;
    csp_symbol *scope;
    size_t depth, capacity;
    /* the top-level function clause being walked: its first parameter
     * group occupies scope[params_from, params_to) */
    const csp_decl *function;
    size_t params_from, params_to;
    const csp_clause *clause;
    csp_vec uses;               /* param_use */
    csp_vec args;               /* channel_arg */
} checker;

static void push_name(checker *c, csp_symbol name)
{
    if (c->depth == c->capacity) {
        size_t capacity = c->capacity ? c->capacity * 2 : 64;
        csp_symbol *scope = csp_alloc(c->context, capacity * sizeof *scope);
        if (c->depth > 0)
            memcpy(scope, c->scope, c->depth * sizeof *scope);
        c->scope = scope;
        c->capacity = capacity;
    }
    c->scope[c->depth++] = name;
}

static bool is_local(const checker *c, csp_symbol name)
{
    for (size_t i = c->depth; i > 0; i--)
        if (c->scope[i - 1] == name)
            return true;
    return false;
}

static const csp_global *global_of(const checker *c, csp_symbol name)
{
    if (name >= c->interp->global_count)
        return NULL;
    const csp_global *g = &c->interp->globals[name];
    return g->kind == CSP_G_NONE ? NULL : g;
}

/* The constructor or channel a name denotes at this point, or NULL. */
static csp_ctor *ctor_of(const checker *c, csp_symbol name)
{
    if (is_local(c, name))
        return NULL;
    const csp_global *g = global_of(c, name);
    return g != NULL && g->kind == CSP_G_CTOR ? g->ctor : NULL;
}

/* Resolves a pattern and declares its variables. */
static void check_pattern(checker *c, csp_pat *pat)
{
    csp_enter(c->context, &pat->span);
    if (pat->kind == CSP_P_VAR && !is_local(c, pat->symbol) &&
        ctor_of(c, pat->symbol) != NULL) {
        pat->kind = CSP_P_CONST;
    } else if (pat->kind == CSP_P_VAR) {
        push_name(c, pat->symbol);
    }
    for (size_t i = 0; i < pat->count; i++)
        check_pattern(c, pat->items[i]);
    csp_leave(c->context);
}

static void check_expr(checker *c, const csp_expr *e);
static void check_decls(checker *c, csp_decl **decls, size_t count, bool top);

static void check_stmts(checker *c, csp_stmt **stmts, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        check_expr(c, stmts[i]->expr);
        if (stmts[i]->generator)
            check_pattern(c, stmts[i]->pattern);
    }
}

/* A bare channel or constructor that still needs fields. */
static void check_complete(checker *c, const csp_expr *e, const char *where)
{
    if (e->kind != CSP_E_IDENT)
        return;
    csp_ctor *ctor = ctor_of(c, e->symbol);
    if (ctor == NULL)
        return;
    size_t arity = csp_ctor_arity(c->interp, ctor);
    if (arity > 0)
        csp_fail(c->context, CSP_ERROR_TYPE, &e->span,
                 "%s still takes %zu field%s, so it is not a complete value "
                 "(%s)", csp_symbol_name(c->context, e->symbol), arity,
                 arity == 1 ? "" : "s", where);
}

/* The channel a prefix head names and how many fields it already has. */
static csp_ctor *prefix_channel(checker *c, const csp_expr *head, size_t *given)
{
    *given = 0;
    while (head->kind == CSP_E_DOT) {
        (*given)++;
        if (head->b->kind == CSP_E_DOT)
            return NULL;    /* nested dotted values: leave it to evaluation */
        head = head->a;
    }
    if (head->kind != CSP_E_IDENT)
        return NULL;
    csp_ctor *ctor = ctor_of(c, head->symbol);
    return ctor != NULL && ctor->channel ? ctor : NULL;
}

/* The innermost binding of `name` in scope, or SIZE_MAX. */
static size_t binding_of(const checker *c, csp_symbol name)
{
    for (size_t i = c->depth; i > 0; i--)
        if (c->scope[i - 1] == name)
            return i - 1;
    return SIZE_MAX;
}

static void note_param_use(checker *c, csp_symbol name, size_t fields,
                           const csp_span *span)
{
    size_t at = binding_of(c, name);
    if (c->function == NULL || at < c->params_from || at >= c->params_to)
        return;
    /* which parameter of the first group binds it */
    const csp_clause *clause = c->clause;
    for (size_t i = 0; i < clause->group_sizes[0]; i++) {
        const csp_pat *pat = clause->groups[0][i];
        if (pat->kind == CSP_P_VAR && pat->symbol == name) {
            param_use *use = csp_alloc(c->context, sizeof *use);
            *use = (param_use){c->function, i, fields, name, *span};
            csp_vec_push(c->context, &c->uses, use);
            return;
        }
    }
}

static void note_channel_args(checker *c, const csp_expr *apply)
{
    if (apply->a->kind != CSP_E_IDENT || is_local(c, apply->a->symbol))
        return;
    const csp_global *g = global_of(c, apply->a->symbol);
    if (g == NULL || g->kind != CSP_G_DEFINITION ||
        g->decl->clauses[0].group_count == 0)
        return;
    for (size_t i = 0; i < apply->count; i++) {
        const csp_expr *arg = apply->items[i];
        if (arg->kind != CSP_E_IDENT)
            continue;
        csp_ctor *channel = ctor_of(c, arg->symbol);
        if (channel == NULL || !channel->channel)
            continue;
        channel_arg *a = csp_alloc(c->context, sizeof *a);
        *a = (channel_arg){g->decl, i, channel, arg->span};
        csp_vec_push(c->context, &c->args, a);
    }
}

/* Every channel argument against the prefixes on its parameter. */
static void check_channel_args(checker *c)
{
    for (size_t a = 0; a < c->args.count; a++) {
        const channel_arg *arg = c->args.items[a];
        size_t arity = csp_ctor_arity(c->interp, arg->channel);
        for (size_t u = 0; u < c->uses.count; u++) {
            const param_use *use = c->uses.items[u];
            if (use->function != arg->function || use->index != arg->index ||
                use->fields <= arity)
                continue;
            csp_fail(c->context, CSP_ERROR_TYPE, &arg->span,
                     "%s has %zu field%s, but %s uses its parameter %s with %zu "
                     "(line %u)", csp_symbol_name(c->context, arg->channel->name),
                     arity, arity == 1 ? "" : "s",
                     csp_symbol_name(c->context, use->function->name),
                     csp_symbol_name(c->context, use->name), use->fields,
                     (unsigned)use->span.line);
        }
    }
}

static void check_expr(checker *c, const csp_expr *e)
{
    if (e == NULL)
        return;
    csp_enter(c->context, &e->span);
    size_t mark = c->depth;
    switch (e->kind) {
    case CSP_E_IDENT:
        if (!is_local(c, e->symbol) && global_of(c, e->symbol) == NULL)
            csp_fail(c->context, CSP_ERROR_TYPE, &e->span, "%s is not in scope",
                     csp_symbol_name(c->context, e->symbol));
        break;
    case CSP_E_APPLY:
        note_channel_args(c, e);
        check_expr(c, e->a);
        for (size_t i = 0; i < e->count; i++)
            check_expr(c, e->items[i]);
        break;
    case CSP_E_LET:
        check_decls(c, e->decls, e->decl_count, false);
        check_expr(c, e->a);
        break;
    case CSP_E_LAMBDA:
        for (size_t i = 0; i < e->pat_count; i++)
            check_pattern(c, e->pats[i]);
        check_expr(c, e->a);
        break;
    case CSP_E_SET_COMP:
    case CSP_E_SEQ_COMP:
    case CSP_E_ENUM_SET_COMP:
        check_stmts(c, e->stmts, e->stmt_count);
        check_expr(c, e->a);
        for (size_t i = 0; i < e->count; i++)
            check_expr(c, e->items[i]);
        break;
    case CSP_E_REPLICATED:
        if (e->op == CSP_REP_PAR)
            check_expr(c, e->c);
        check_stmts(c, e->stmts, e->stmt_count);
        if (e->op == CSP_REP_APAR)
            check_expr(c, e->c);
        check_expr(c, e->a);
        break;
    case CSP_E_LINKED:
        check_expr(c, e->b);
        /* fall through */
    case CSP_E_RENAME:
        check_expr(c, e->a);
        check_stmts(c, e->stmts, e->stmt_count);
        for (size_t i = 0; i < e->count; i++)
            check_expr(c, e->items[i]);
        break;
    case CSP_E_PREFIX: {
        check_expr(c, e->a);
        if (e->a->kind == CSP_E_IDENT && e->field_count > 0)
            note_param_use(c, e->a->symbol, e->field_count, &e->span);
        size_t given;
        csp_ctor *channel = prefix_channel(c, e->a, &given);
        if (channel != NULL && e->field_count > 0) {
            size_t arity = csp_ctor_arity(c->interp, channel);
            if (given + e->field_count > arity)
                csp_fail(c->context, CSP_ERROR_TYPE, &e->span,
                         "the channel %s has %zu field%s, but this prefix "
                         "gives %zu", csp_symbol_name(c->context, channel->name),
                         arity, arity == 1 ? "" : "s", given + e->field_count);
        }
        for (size_t i = 0; i < e->field_count; i++) {
            const csp_field *field = &e->fields[i];
            check_expr(c, field->value);
            check_expr(c, field->restriction);
            if (field->restriction != NULL &&
                field->restriction->kind == CSP_E_SET)
                for (size_t k = 0; k < field->restriction->count; k++)
                    check_complete(c, field->restriction->items[k],
                                   "an input must range over complete values");
            if (field->pattern != NULL)
                check_pattern(c, field->pattern);
        }
        check_expr(c, e->b);
        break;
    }
    case CSP_E_SET:
        for (size_t i = 0; i < e->count; i++)
            check_complete(c, e->items[i], "a set holds complete values");
        /* fall through */
    default:
        check_expr(c, e->a);
        check_expr(c, e->b);
        check_expr(c, e->c);
        check_expr(c, e->d);
        for (size_t i = 0; i < e->count; i++)
            check_expr(c, e->items[i]);
        break;
    }
    c->depth = mark;
    csp_leave(c->context);
}

static void check_clause(checker *c, const csp_decl *function, csp_clause *clause,
                         bool top)
{
    size_t mark = c->depth;
    const csp_decl *outer_function = c->function;
    const csp_clause *outer_clause = c->clause;
    size_t outer_from = c->params_from, outer_to = c->params_to;
    c->function = NULL;     /* parameters of let-bound functions are not tracked */
    for (size_t g = 0; g < clause->group_count; g++) {
        for (size_t i = 0; i < clause->group_sizes[g]; i++)
            check_pattern(c, clause->groups[g][i]);
        if (g == 0 && top) {
            c->function = function;
            c->clause = clause;
            c->params_from = mark;
            c->params_to = c->depth;
        }
    }
    check_expr(c, clause->body);
    c->function = outer_function;
    c->clause = outer_clause;
    c->params_from = outer_from;
    c->params_to = outer_to;
    c->depth = mark;
}

static void declare_pattern_names(checker *c, const csp_pat *pat)
{
    if (pat->kind == CSP_P_VAR)
        push_name(c, pat->symbol);
    for (size_t i = 0; i < pat->count; i++)
        declare_pattern_names(c, pat->items[i]);
}

static void check_decls(checker *c, csp_decl **decls, size_t count, bool top)
{
    /* let: every name is visible in every definition and in the body */
    if (!top) {
        size_t first = c->depth;
        for (size_t i = 0; i < count; i++) {
            const csp_decl *decl = decls[i];
            if (decl->kind == CSP_D_FUNCTION) {
                for (size_t k = first; k < c->depth; k++)
                    if (c->scope[k] == decl->name)
                        csp_fail(c->context, CSP_ERROR_TYPE, &decl->span,
                                 "%s is defined more than once",
                                 csp_symbol_name(c->context, decl->name));
                push_name(c, decl->name);
            } else if (decl->kind == CSP_D_PATTERN) {
                declare_pattern_names(c, decl->pattern);
            }
        }
    }
    for (size_t i = 0; i < count; i++) {
        csp_decl *decl = decls[i];
        switch (decl->kind) {
        case CSP_D_FUNCTION:
            if (decl->clause_count > 1 && decl->clauses[0].group_count == 0)
                csp_fail(c->context, CSP_ERROR_TYPE, &decl->span,
                         "%s is defined more than once",
                         csp_symbol_name(c->context, decl->name));
            for (size_t k = 0; k < decl->clause_count; k++)
                check_clause(c, decl, &decl->clauses[k], top);
            break;
        case CSP_D_PATTERN: {
            check_expr(c, decl->expr);
            size_t mark = c->depth;
            check_pattern(c, decl->pattern);
            c->depth = mark;
            break;
        }
        case CSP_D_CHANNEL:
        case CSP_D_NAMETYPE:
            check_expr(c, decl->type);
            break;
        case CSP_D_DATATYPE:
        case CSP_D_SUBTYPE:
            for (size_t k = 0; k < decl->ctor_count; k++)
                for (size_t f = 0; f < decl->ctors[k].field_count; f++)
                    check_expr(c, decl->ctors[k].fields[f]);
            break;
        case CSP_D_ASSERT:
            check_expr(c, decl->left);
            check_expr(c, decl->right);
            if (decl->assert_kind == CSP_ASSERT_HAS_TRACE) {
                if (decl->right->kind != CSP_E_SEQ)
                    csp_fail(c->context, CSP_ERROR_TYPE, &decl->right->span,
                             "has trace needs a sequence of events");
                for (size_t k = 0; k < decl->right->count; k++)
                    check_complete(c, decl->right->items[k],
                                   "a trace holds complete events");
            }
            break;
        case CSP_D_PRINT:
            check_expr(c, decl->expr);
            break;
        default:
            break;
        }
    }
}

void csp_check_program(csp_interp *interp, const csp_program *program)
{
    checker c = {.interp = interp, .context = interp->context};
    csp_eval_channel_types(interp);
    check_decls(&c, program->decls, program->decl_count, true);
    check_channel_args(&c);
}
