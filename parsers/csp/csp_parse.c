/*
 * csp_parse.c — the CSPm parser (csp_parse.h).
 *
 * parse_expr(min) is the precedence climber: it parses one operand (a
 * literal, name, bracketed form, prefix operator or one of the forms that
 * extend to the right: let, if, lambda, replicated operators) and then
 * folds in every infix or postfix operator whose binding power is at least
 * `min`.  Binding powers are the BP_* constants below.  Inside a sequence
 * literal `>` closes the literal rather than compare, unless it is nested
 * in another bracket.
 */
#include "csp_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csp_lex.h"

enum {
    BP_NONE = 0,
    BP_HIDE = 10,
    BP_INTERLEAVE = 20,
    BP_PAR = 30,
    BP_INTCHOICE = 40,
    BP_EXT = 50,
    BP_INTERRUPT = 60,
    BP_TIMEOUT = 70,
    BP_SEQ = 80,
    BP_PREFIX = 90,     /* -> and &, right associative */
    BP_FIELDS = 100,    /* ? ! $ */
    BP_BOTH = 105,      /* @@ in patterns */
    BP_DOT = 110,       /* right associative */
    BP_OR = 120,
    BP_AND = 130,
    BP_NOT = 140,
    BP_COMPARE = 150,
    BP_ADD = 160,
    BP_MUL = 170,
    BP_NEGATE = 175,
    BP_LENGTH = 180,
    BP_CONCAT = 190,
    BP_APPLY = 200
};

typedef struct parser {
    csp_context *context;
    csp_tokens tokens;
    size_t position;
    unsigned no_gt;         /* inside a sequence literal: '>' closes it */
    int include_depth;
    csp_vec *decls;
} parser;

static csp_expr *parse_expr(parser *p, int min);
static void parse_decls(parser *p, csp_vec *decls, bool top_level);
static void group_functions(csp_context *context, csp_vec *decls);

/* ---- token helpers ---------------------------------------------------- */

static const csp_token *peek(const parser *p)
{
    return &p->tokens.items[p->position];
}

static bool at(const parser *p, csp_token_kind kind)
{
    return peek(p)->kind == kind;
}

static const csp_token *advance(parser *p)
{
    const csp_token *token = peek(p);
    if (token->kind != CSP_T_EOF)
        p->position++;
    return token;
}

static bool accept(parser *p, csp_token_kind kind)
{
    if (!at(p, kind))
        return false;
    advance(p);
    return true;
}

_Noreturn static void unexpected(parser *p, const char *wanted)
{
    const csp_token *token = peek(p);
    char text[64];
    if (token->kind == CSP_T_EOF || token->kind == CSP_T_NEWLINE)
        snprintf(text, sizeof text, "%s", csp_token_name(token->kind));
    else
        snprintf(text, sizeof text, "%.*s",
                 (int)(token->length < 40 ? token->length : 40), token->text);
    if (wanted != NULL)
        csp_fail(p->context, CSP_ERROR_PARSE, &token->span,
                 "Unexpected token %s (expected %s)", text, wanted);
    csp_fail(p->context, CSP_ERROR_PARSE, &token->span, "Unexpected token %s",
             text);
}

static const csp_token *expect(parser *p, csp_token_kind kind)
{
    if (!at(p, kind))
        unexpected(p, csp_token_name(kind));
    return advance(p);
}

static csp_span span_from(const parser *p, csp_span start)
{
    size_t last = p->position > 0 ? p->position - 1 : 0;
    start.end = p->tokens.items[last].span.end;
    if (start.end < start.start)
        start.end = start.start;
    return start;
}

static csp_expr *new_expr(parser *p, csp_expr_kind kind, csp_span span)
{
    csp_expr *expr = csp_alloc(p->context, sizeof *expr);
    expr->kind = kind;
    expr->span = span;
    return expr;
}

static csp_expr *new_binary(parser *p, csp_expr_kind kind, csp_expr *a,
                            csp_expr *b)
{
    csp_expr *expr = new_expr(p, kind, a->span);
    expr->a = a;
    expr->b = b;
    expr->span = span_from(p, a->span);
    return expr;
}

/* ---- patterns --------------------------------------------------------- */

static void flatten_dot(parser *p, csp_expr *expr, csp_vec *items);

static csp_pat *to_pattern(parser *p, csp_expr *expr)
{
    csp_pat *pat = csp_alloc(p->context, sizeof *pat);
    pat->span = expr->span;
    switch (expr->kind) {
    case CSP_E_INT:
        pat->kind = CSP_P_INT;
        pat->number = expr->number;
        return pat;
    case CSP_E_BOOL:
        pat->kind = CSP_P_BOOL;
        pat->number = expr->number;
        return pat;
    case CSP_E_CHAR:
        pat->kind = CSP_P_CHAR;
        pat->number = expr->number;
        return pat;
    case CSP_E_STRING:
        pat->kind = CSP_P_STRING;
        pat->text = expr->text;
        pat->text_length = expr->text_length;
        return pat;
    case CSP_E_IDENT:
        pat->symbol = expr->symbol;
        pat->kind = strcmp(csp_symbol_name(p->context, expr->symbol), "_") == 0
                        ? CSP_P_WILD : CSP_P_VAR;
        return pat;
    case CSP_E_UNARY:
        if (expr->op == CSP_OP_NEG && expr->a->kind == CSP_E_INT) {
            pat->kind = CSP_P_INT;
            pat->number = -expr->a->number;
            return pat;
        }
        break;
    case CSP_E_TUPLE:
    case CSP_E_SEQ:
    case CSP_E_SET:
        if (expr->kind == CSP_E_SET && expr->count > 1)
            break;
        pat->kind = expr->kind == CSP_E_TUPLE ? CSP_P_TUPLE
                  : expr->kind == CSP_E_SEQ ? CSP_P_SEQ : CSP_P_SET;
        pat->count = expr->count;
        pat->items = csp_alloc(p->context, (expr->count + 1) * sizeof *pat->items);
        for (size_t i = 0; i < expr->count; i++)
            pat->items[i] = to_pattern(p, expr->items[i]);
        return pat;
    case CSP_E_BINARY:
        if (expr->op == CSP_OP_CONCAT || expr->op == 100 /* @@ */) {
            pat->kind = expr->op == CSP_OP_CONCAT ? CSP_P_CONCAT : CSP_P_BOTH;
            pat->count = 2;
            pat->items = csp_alloc(p->context, 2 * sizeof *pat->items);
            pat->items[0] = to_pattern(p, expr->a);
            pat->items[1] = to_pattern(p, expr->b);
            return pat;
        }
        break;
    case CSP_E_DOT: {
        csp_vec items = {0};
        flatten_dot(p, expr, &items);
        pat->kind = CSP_P_DOT;
        pat->count = items.count;
        pat->items = (csp_pat **)csp_vec_finish(p->context, &items);
        return pat;
    }
    default:
        break;
    }
    csp_fail(p->context, CSP_ERROR_PARSE, &expr->span,
             "This expression is not a valid pattern");
}

static void flatten_dot(parser *p, csp_expr *expr, csp_vec *items)
{
    if (expr->kind == CSP_E_DOT) {
        flatten_dot(p, expr->a, items);
        flatten_dot(p, expr->b, items);
        return;
    }
    csp_vec_push(p->context, items, to_pattern(p, expr));
}

/* ---- statements (generators and predicates) ---------------------------- */

static csp_stmt *parse_stmt(parser *p)
{
    csp_stmt *stmt = csp_alloc(p->context, sizeof *stmt);
    stmt->span = peek(p)->span;
    csp_expr *first = parse_expr(p, BP_DOT);
    if (at(p, CSP_T_COLON) || at(p, CSP_T_LARROW)) {
        advance(p);
        stmt->generator = true;
        stmt->pattern = to_pattern(p, first);
        stmt->expr = parse_expr(p, BP_DOT);
    } else {
        stmt->expr = first;
    }
    return stmt;
}

/* stmt {, stmt} up to (not including) a token of kind `end` */
static csp_stmt **parse_stmts(parser *p, size_t *count)
{
    csp_vec stmts = {0};
    do {
        csp_vec_push(p->context, &stmts, parse_stmt(p));
    } while (accept(p, CSP_T_COMMA));
    *count = stmts.count;
    return (csp_stmt **)csp_vec_finish(p->context, &stmts);
}

/* ---- operands --------------------------------------------------------- */

static csp_expr **parse_list(parser *p, csp_token_kind end, size_t *count)
{
    csp_vec items = {0};
    if (!at(p, end)) {
        do {
            csp_vec_push(p->context, &items, parse_expr(p, BP_NONE));
        } while (accept(p, CSP_T_COMMA));
    }
    *count = items.count;
    return (csp_expr **)csp_vec_finish(p->context, &items);
}

/* Parses a set or sequence body after its opening bracket: items, a range
 * or a comprehension; `close` is the closing token. */
static csp_expr *parse_collection(parser *p, csp_span start, bool sequence,
                                  csp_token_kind close)
{
    csp_expr *expr = new_expr(p, sequence ? CSP_E_SEQ : CSP_E_SET, start);
    if (accept(p, close)) {
        expr->span = span_from(p, start);
        return expr;
    }
    csp_expr *first = parse_expr(p, BP_NONE);
    if (accept(p, CSP_T_DOTDOT)) {
        expr->kind = sequence ? CSP_E_SEQ_RANGE : CSP_E_SET_RANGE;
        expr->a = first;
        if (!at(p, close))
            expr->b = parse_expr(p, BP_NONE);
    } else if (accept(p, CSP_T_BAR)) {
        expr->kind = sequence ? CSP_E_SEQ_COMP : CSP_E_SET_COMP;
        expr->a = first;
        expr->stmts = parse_stmts(p, &expr->stmt_count);
    } else {
        csp_vec items = {0};
        csp_vec_push(p->context, &items, first);
        while (accept(p, CSP_T_COMMA))
            csp_vec_push(p->context, &items, parse_expr(p, BP_NONE));
        expr->count = items.count;
        expr->items = (csp_expr **)csp_vec_finish(p->context, &items);
        if (accept(p, CSP_T_BAR)) {     /* {e1, e2 | stmts} */
            expr->kind = sequence ? CSP_E_SEQ_COMP : CSP_E_SET_COMP;
            expr->stmts = parse_stmts(p, &expr->stmt_count);
        }
    }
    expect(p, close);
    expr->span = span_from(p, start);
    return expr;
}

static csp_expr *parse_replicated(parser *p, csp_span start, int op,
                                  csp_expr *alphabet)
{
    csp_expr *expr = new_expr(p, CSP_E_REPLICATED, start);
    expr->op = op;
    expr->c = alphabet;
    expr->stmts = parse_stmts(p, &expr->stmt_count);
    expect(p, CSP_T_AT);
    if (op == CSP_REP_APAR) {
        /* || x:S @ [A(x)] P(x) */
        unsigned saved = p->no_gt;
        p->no_gt = 0;
        expect(p, CSP_T_LBRACKET);
        expr->c = parse_expr(p, BP_NONE);
        expect(p, CSP_T_RBRACKET);
        p->no_gt = saved;
    }
    expr->a = parse_expr(p, BP_NONE);
    expr->span = span_from(p, start);
    return expr;
}

/* A prefix operator (its token is next): `op` applied to an operand bound
 * as tightly as `power`. */
static csp_expr *parse_unary(parser *p, csp_span start, int op, int power)
{
    advance(p);
    csp_expr *expr = new_expr(p, CSP_E_UNARY, start);
    expr->op = op;
    expr->a = parse_expr(p, power);
    return expr;
}

static csp_expr *parse_operand(parser *p)
{
    while (at(p, CSP_T_NEWLINE))    /* an operand is due: a line break here */
        advance(p);                 /* cannot end the definition */
    const csp_token *token = peek(p);
    csp_span start = token->span;
    csp_enter(p->context, &start);
    csp_expr *expr = NULL;
    unsigned saved = p->no_gt;
    switch (token->kind) {
    case CSP_T_INT:
        advance(p);
        expr = new_expr(p, CSP_E_INT, start);
        expr->number = token->number;
        break;
    case CSP_T_CHAR:
        advance(p);
        expr = new_expr(p, CSP_E_CHAR, start);
        expr->number = token->number;
        break;
    case CSP_T_STRING:
        advance(p);
        expr = new_expr(p, CSP_E_STRING, start);
        expr->text = token->string;
        expr->text_length = token->string_length;
        break;
    case CSP_T_TRUE:
    case CSP_T_FALSE:
        advance(p);
        expr = new_expr(p, CSP_E_BOOL, start);
        expr->number = token->kind == CSP_T_TRUE;
        break;
    case CSP_T_IDENT:
        advance(p);
        expr = new_expr(p, CSP_E_IDENT, start);
        expr->symbol = csp_intern(p->context, token->text, token->length);
        if (at(p, CSP_T_COLONCOLON))
            csp_fail(p->context, CSP_ERROR_UNSUPPORTED, &peek(p)->span,
                     "modules (M::x) are not supported");
        break;
    case CSP_T_LPAREN: {
        advance(p);
        p->no_gt = 0;
        size_t count;
        csp_expr **items = parse_list(p, CSP_T_RPAREN, &count);
        expect(p, CSP_T_RPAREN);
        if (count == 1) {
            expr = items[0];
        } else {
            expr = new_expr(p, CSP_E_TUPLE, start);
            expr->items = items;
            expr->count = count;
        }
        break;
    }
    case CSP_T_LBRACE:
        advance(p);
        p->no_gt = 0;
        expr = parse_collection(p, start, false, CSP_T_RBRACE);
        break;
    case CSP_T_LENUM:
        advance(p);
        p->no_gt = 0;
        expr = new_expr(p, CSP_E_ENUM_SET, start);
        {
            csp_expr *first = parse_expr(p, BP_NONE);
            if (accept(p, CSP_T_BAR)) {
                expr->kind = CSP_E_ENUM_SET_COMP;
                expr->a = first;
                expr->stmts = parse_stmts(p, &expr->stmt_count);
            } else {
                csp_vec items = {0};
                csp_vec_push(p->context, &items, first);
                while (accept(p, CSP_T_COMMA))
                    csp_vec_push(p->context, &items, parse_expr(p, BP_NONE));
                expr->count = items.count;
                expr->items = (csp_expr **)csp_vec_finish(p->context, &items);
                if (accept(p, CSP_T_BAR)) {     /* {| e1, e2 | stmts |} */
                    expr->kind = CSP_E_ENUM_SET_COMP;
                    expr->stmts = parse_stmts(p, &expr->stmt_count);
                }
            }
        }
        expect(p, CSP_T_RENUM);
        break;
    case CSP_T_LT:
        advance(p);
        p->no_gt++;
        expr = parse_collection(p, start, true, CSP_T_GT);
        break;
    case CSP_T_MINUS:
        expr = parse_unary(p, start, CSP_OP_NEG, BP_NEGATE);
        break;
    case CSP_T_NOT:
        expr = parse_unary(p, start, CSP_OP_NOT, BP_NOT);
        break;
    case CSP_T_HASH:
        expr = parse_unary(p, start, CSP_OP_LENGTH, BP_LENGTH);
        break;
    case CSP_T_IF:
        advance(p);
        expr = new_expr(p, CSP_E_IF, start);
        p->no_gt = 0;
        expr->a = parse_expr(p, BP_NONE);
        expect(p, CSP_T_THEN);
        expr->b = parse_expr(p, BP_NONE);
        expect(p, CSP_T_ELSE);
        p->no_gt = saved;
        expr->c = parse_expr(p, BP_NONE);
        break;
    case CSP_T_LET: {
        advance(p);
        expr = new_expr(p, CSP_E_LET, start);
        accept(p, CSP_T_NEWLINE);
        csp_vec decls = {0};
        parse_decls(p, &decls, false);
        group_functions(p->context, &decls);
        expect(p, CSP_T_WITHIN);
        expr->decl_count = decls.count;
        expr->decls = (csp_decl **)csp_vec_finish(p->context, &decls);
        expr->a = parse_expr(p, BP_NONE);
        break;
    }
    case CSP_T_BACKSLASH: {
        advance(p);
        expr = new_expr(p, CSP_E_LAMBDA, start);
        csp_vec pats = {0};
        do {
            csp_vec_push(p->context, &pats, to_pattern(p, parse_expr(p, BP_DOT)));
        } while (accept(p, CSP_T_COMMA));
        expr->pat_count = pats.count;
        expr->pats = (csp_pat **)csp_vec_finish(p->context, &pats);
        expect(p, CSP_T_AT);
        expr->a = parse_expr(p, BP_NONE);
        break;
    }
    case CSP_T_BOX:
        advance(p);
        expr = parse_replicated(p, start, CSP_REP_EXT, NULL);
        break;
    case CSP_T_INTCHOICE:
        advance(p);
        expr = parse_replicated(p, start, CSP_REP_INT, NULL);
        break;
    case CSP_T_INTERLEAVE:
        advance(p);
        expr = parse_replicated(p, start, CSP_REP_INTERLEAVE, NULL);
        break;
    case CSP_T_SEMI:
        advance(p);
        expr = parse_replicated(p, start, CSP_REP_SEQ, NULL);
        break;
    case CSP_T_PARALLEL:
        advance(p);
        expr = parse_replicated(p, start, CSP_REP_APAR, NULL);
        break;
    case CSP_T_LPAR_SYNC: {
        advance(p);
        p->no_gt = 0;
        csp_expr *alphabet = parse_expr(p, BP_NONE);
        expect(p, CSP_T_RPAR_SYNC);
        p->no_gt = saved;
        expr = parse_replicated(p, start, CSP_REP_PAR, alphabet);
        break;
    }
    default:
        unexpected(p, NULL);
    }
    p->no_gt = saved;
    if (expr->span.end <= expr->span.start)
        expr->span = span_from(p, expr->span);
    csp_leave(p->context);
    return expr;
}

/* ---- operators -------------------------------------------------------- */

/* The binding power of the token as an infix or postfix operator, or -1. */
static int infix_power(const parser *p, const csp_token *token)
{
    switch (token->kind) {
    case CSP_T_BACKSLASH: return BP_HIDE;
    case CSP_T_INTERLEAVE: return BP_INTERLEAVE;
    case CSP_T_LPAR_SYNC:
    case CSP_T_LBRACKET: return BP_PAR;
    case CSP_T_INTCHOICE: return BP_INTCHOICE;
    case CSP_T_BOX: return BP_EXT;
    case CSP_T_INTERRUPT: return BP_INTERRUPT;
    case CSP_T_TIMEOUT: return BP_TIMEOUT;
    case CSP_T_SEMI: return BP_SEQ;
    case CSP_T_ARROW: case CSP_T_AMP: return BP_PREFIX;
    case CSP_T_QUESTION: case CSP_T_BANG: case CSP_T_DOLLAR: return BP_FIELDS;
    case CSP_T_ATAT: return BP_BOTH;
    case CSP_T_DOT: return BP_DOT;
    case CSP_T_OR: return BP_OR;
    case CSP_T_AND: return BP_AND;
    case CSP_T_EQEQ: case CSP_T_NE: case CSP_T_LT: case CSP_T_LE:
    case CSP_T_GE: return BP_COMPARE;
    case CSP_T_GT: return p->no_gt ? -1 : BP_COMPARE;
    case CSP_T_PLUS: case CSP_T_MINUS: return BP_ADD;
    case CSP_T_STAR: case CSP_T_SLASH: case CSP_T_PERCENT: return BP_MUL;
    case CSP_T_CARET: return BP_CONCAT;
    case CSP_T_LPAREN: case CSP_T_LRENAME: return BP_APPLY;
    default: return -1;
    }
}

static csp_expr *parse_prefix_fields(parser *p, csp_expr *head)
{
    csp_vec fields = {0};
    while (at(p, CSP_T_QUESTION) || at(p, CSP_T_BANG) || at(p, CSP_T_DOLLAR)) {
        const csp_token *token = advance(p);
        csp_field *field = csp_alloc(p->context, sizeof *field);
        field->span = token->span;
        if (token->kind == CSP_T_BANG) {
            field->kind = CSP_FIELD_OUTPUT;
            field->value = parse_expr(p, BP_DOT);
        } else {
            field->kind = token->kind == CSP_T_QUESTION ? CSP_FIELD_INPUT
                                                        : CSP_FIELD_NONDET;
            field->pattern = to_pattern(p, parse_expr(p, BP_DOT));
            if (accept(p, CSP_T_COLON))
                field->restriction = parse_expr(p, BP_DOT);
        }
        csp_vec_push(p->context, &fields, field);
    }
    if (!at(p, CSP_T_ARROW))
        unexpected(p, "'->'");
    advance(p);
    csp_expr *expr = new_expr(p, CSP_E_PREFIX, head->span);
    expr->a = head;
    expr->field_count = fields.count;
    expr->fields = csp_alloc(p->context, (fields.count + 1) * sizeof *expr->fields);
    for (size_t i = 0; i < fields.count; i++)
        expr->fields[i] = *(csp_field *)fields.items[i];
    expr->b = parse_expr(p, BP_PREFIX);
    expr->span = span_from(p, head->span);
    return expr;
}

static csp_expr *parse_rename(parser *p, csp_expr *process)
{
    csp_expr *expr = new_expr(p, CSP_E_RENAME, process->span);
    expr->a = process;
    unsigned saved = p->no_gt;
    p->no_gt = 0;
    csp_vec pairs = {0};
    do {
        csp_expr *from = parse_expr(p, BP_DOT);
        expect(p, CSP_T_LARROW);
        csp_expr *to = parse_expr(p, BP_DOT);
        csp_vec_push(p->context, &pairs, from);
        csp_vec_push(p->context, &pairs, to);
    } while (accept(p, CSP_T_COMMA));
    if (accept(p, CSP_T_BAR))
        expr->stmts = parse_stmts(p, &expr->stmt_count);
    expect(p, CSP_T_RBRACKET);
    expect(p, CSP_T_RBRACKET);
    p->no_gt = saved;
    expr->count = pairs.count;
    expr->items = (csp_expr **)csp_vec_finish(p->context, &pairs);
    expr->span = span_from(p, process->span);
    return expr;
}

static csp_expr *parse_expr(parser *p, int min)
{
    csp_enter(p->context, &peek(p)->span);
    csp_expr *left = parse_operand(p);
    for (;;) {
        const csp_token *token = peek(p);
        int power = infix_power(p, token);
        if (power < 0 || power < min)
            break;
        csp_token_kind kind = token->kind;
        if (kind == CSP_T_QUESTION || kind == CSP_T_BANG ||
            kind == CSP_T_DOLLAR) {
            left = parse_prefix_fields(p, left);
            continue;
        }
        advance(p);
        csp_expr *expr;
        switch (kind) {
        case CSP_T_LPAREN: {
            unsigned saved = p->no_gt;
            p->no_gt = 0;
            expr = new_expr(p, CSP_E_APPLY, left->span);
            expr->a = left;
            expr->items = parse_list(p, CSP_T_RPAREN, &expr->count);
            expect(p, CSP_T_RPAREN);
            p->no_gt = saved;
            expr->span = span_from(p, left->span);
            left = expr;
            continue;
        }
        case CSP_T_LRENAME:
            left = parse_rename(p, left);
            continue;
        case CSP_T_ARROW:
            expr = new_expr(p, CSP_E_PREFIX, left->span);
            expr->a = left;
            expr->b = parse_expr(p, BP_PREFIX);
            expr->span = span_from(p, left->span);
            left = expr;
            continue;
        case CSP_T_AMP:
            left = new_binary(p, CSP_E_GUARD, left, parse_expr(p, BP_PREFIX));
            continue;
        case CSP_T_DOT:
            left = new_binary(p, CSP_E_DOT, left, parse_expr(p, BP_DOT));
            continue;
        case CSP_T_BACKSLASH:
            left = new_binary(p, CSP_E_HIDE, left, parse_expr(p, BP_DOT));
            continue;
        case CSP_T_LPAR_SYNC: {
            unsigned saved = p->no_gt;
            p->no_gt = 0;
            csp_expr *alphabet = parse_expr(p, BP_NONE);
            csp_expr_kind op = CSP_E_PAR;
            if (accept(p, CSP_T_EXCEPT_END))
                op = CSP_E_EXCEPTION;
            else
                expect(p, CSP_T_RPAR_SYNC);
            p->no_gt = saved;
            expr = new_binary(p, op, left, parse_expr(p, BP_PAR + 1));
            expr->c = alphabet;
            left = expr;
            continue;
        }
        case CSP_T_LBRACKET: {
            unsigned saved = p->no_gt;
            p->no_gt = 0;
            csp_expr *a = parse_expr(p, BP_NONE);
            if (at(p, CSP_T_LINK)) {
                /* linked parallel: [a1 <-> b1, a2 <-> b2 | stmts] */
                csp_vec pairs = {0};
                csp_vec_push(p->context, &pairs, a);
                expect(p, CSP_T_LINK);
                csp_vec_push(p->context, &pairs, parse_expr(p, BP_NONE));
                while (accept(p, CSP_T_COMMA)) {
                    csp_vec_push(p->context, &pairs, parse_expr(p, BP_NONE));
                    expect(p, CSP_T_LINK);
                    csp_vec_push(p->context, &pairs, parse_expr(p, BP_NONE));
                }
                csp_stmt **stmts = NULL;
                size_t stmt_count = 0;
                if (accept(p, CSP_T_BAR))
                    stmts = parse_stmts(p, &stmt_count);
                expect(p, CSP_T_RBRACKET);
                p->no_gt = saved;
                expr = new_binary(p, CSP_E_LINKED, left, parse_expr(p, BP_PAR + 1));
                expr->count = pairs.count;
                expr->items = (csp_expr **)csp_vec_finish(p->context, &pairs);
                expr->stmts = stmts;
                expr->stmt_count = stmt_count;
                left = expr;
                continue;
            }
            expect(p, CSP_T_PARALLEL);
            csp_expr *b = parse_expr(p, BP_NONE);
            expect(p, CSP_T_RBRACKET);
            p->no_gt = saved;
            expr = new_binary(p, CSP_E_APAR, left, parse_expr(p, BP_PAR + 1));
            expr->c = a;
            expr->d = b;
            left = expr;
            continue;
        }
        default:
            break;
        }
        csp_expr_kind node = CSP_E_BINARY;
        int op = 0, right_power = power + 1;
        switch (kind) {
        case CSP_T_INTERLEAVE: node = CSP_E_INTERLEAVE; break;
        case CSP_T_INTCHOICE: node = CSP_E_INTCHOICE; break;
        case CSP_T_BOX: node = CSP_E_EXT; break;
        case CSP_T_INTERRUPT: node = CSP_E_INTERRUPT; break;
        case CSP_T_TIMEOUT: node = CSP_E_TIMEOUT; break;
        case CSP_T_SEMI: node = CSP_E_SEQCOMP; break;
        case CSP_T_ATAT: op = 100; break;
        case CSP_T_OR: op = CSP_OP_OR; break;
        case CSP_T_AND: op = CSP_OP_AND; break;
        case CSP_T_EQEQ: op = CSP_OP_EQ; break;
        case CSP_T_NE: op = CSP_OP_NE; break;
        case CSP_T_LT: op = CSP_OP_LT; break;
        case CSP_T_LE: op = CSP_OP_LE; break;
        case CSP_T_GT: op = CSP_OP_GT; break;
        case CSP_T_GE: op = CSP_OP_GE; break;
        case CSP_T_PLUS: op = CSP_OP_ADD; break;
        case CSP_T_MINUS: op = CSP_OP_SUB; break;
        case CSP_T_STAR: op = CSP_OP_MUL; break;
        case CSP_T_SLASH: op = CSP_OP_DIV; break;
        case CSP_T_PERCENT: op = CSP_OP_MOD; break;
        case CSP_T_CARET: op = CSP_OP_CONCAT; break;
        default: unexpected(p, NULL);
        }
        expr = new_binary(p, node, left, parse_expr(p, right_power));
        expr->op = op;
        left = expr;
        if (power == BP_COMPARE && infix_power(p, peek(p)) == BP_COMPARE)
            csp_fail(p->context, CSP_ERROR_PARSE, &peek(p)->span,
                     "comparisons do not associate: add parentheses");
    }
    csp_leave(p->context);
    return left;
}

/* ---- declarations ----------------------------------------------------- */

static void skip_newlines(parser *p)
{
    while (accept(p, CSP_T_NEWLINE))
        ;
}

static void end_of_declaration(parser *p)
{
    if (at(p, CSP_T_EOF) || at(p, CSP_T_WITHIN))
        return;
    if (!accept(p, CSP_T_NEWLINE))
        unexpected(p, "end of line");
}

static csp_decl *new_decl(parser *p, csp_decl_kind kind, csp_span span)
{
    csp_decl *decl = csp_alloc(p->context, sizeof *decl);
    decl->kind = kind;
    decl->span = span;
    decl->name = CSP_NO_SYMBOL;
    return decl;
}

static csp_symbol expect_name(parser *p)
{
    const csp_token *token = expect(p, CSP_T_IDENT);
    return csp_intern(p->context, token->text, token->length);
}

static csp_symbol *parse_names(parser *p, size_t *count)
{
    csp_vec names = {0};
    do {
        csp_symbol *name = csp_alloc(p->context, sizeof *name);
        *name = expect_name(p);
        csp_vec_push(p->context, &names, name);
    } while (accept(p, CSP_T_COMMA));
    csp_symbol *result = csp_alloc(p->context, (names.count + 1) * sizeof *result);
    for (size_t i = 0; i < names.count; i++)
        result[i] = *(csp_symbol *)names.items[i];
    *count = names.count;
    return result;
}

static void parse_datatype(parser *p, csp_decl *decl)
{
    decl->name = expect_name(p);
    expect(p, CSP_T_EQUALS);
    csp_vec ctors = {0};
    do {
        csp_ctor_decl *ctor = csp_alloc(p->context, sizeof *ctor);
        ctor->span = peek(p)->span;
        ctor->name = expect_name(p);
        csp_vec fields = {0};
        while (accept(p, CSP_T_DOT))
            csp_vec_push(p->context, &fields, parse_expr(p, BP_DOT + 1));
        ctor->field_count = fields.count;
        ctor->fields = (csp_expr **)csp_vec_finish(p->context, &fields);
        csp_vec_push(p->context, &ctors, ctor);
    } while (accept(p, CSP_T_BAR));
    decl->ctor_count = ctors.count;
    decl->ctors = csp_alloc(p->context, (ctors.count + 1) * sizeof *decl->ctors);
    for (size_t i = 0; i < ctors.count; i++)
        decl->ctors[i] = *(csp_ctor_decl *)ctors.items[i];
}

/* The source text of tokens [first, last], whitespace collapsed. */
static char *source_text(parser *p, size_t first, size_t last)
{
    const csp_token *a = &p->tokens.items[first];
    const csp_token *b = &p->tokens.items[last];
    const char *text = p->context->files[a->span.file].text;
    size_t length = b->span.end - a->span.start;
    char *out = csp_alloc(p->context, length + 1);
    size_t used = 0;
    bool space = false;
    for (size_t i = 0; i < length; i++) {
        char c = text[a->span.start + i];
        if (c == '-' && i + 1 < length && text[a->span.start + i + 1] == '-') {
            while (i < length && text[a->span.start + i] != '\n')
                i++;
            space = used > 0;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = used > 0;
            continue;
        }
        if (space)
            out[used++] = ' ';
        space = false;
        out[used++] = c;
    }
    out[used] = '\0';
    return out;
}

static bool ident_is(const csp_token *token, const char *word)
{
    return token->kind == CSP_T_IDENT && token->length == strlen(word) &&
           memcmp(token->text, word, token->length) == 0;
}

static void parse_assert(parser *p, csp_decl *decl, size_t first_token)
{
    decl->negated = accept(p, CSP_T_NOT);
    decl->left = parse_expr(p, BP_NONE);
    const csp_token *token = peek(p);
    if (token->kind == CSP_T_REFINES_T || token->kind == CSP_T_REFINES_F ||
        token->kind == CSP_T_REFINES_FD || token->kind == CSP_T_REFINES_OTHER) {
        advance(p);
        decl->assert_kind = CSP_ASSERT_REFINES;
        decl->semantic_model = token->kind == CSP_T_REFINES_T ? CSP_MODEL_T
                             : token->kind == CSP_T_REFINES_F ? CSP_MODEL_F
                             : token->kind == CSP_T_REFINES_FD ? CSP_MODEL_FD
                             : CSP_MODEL_DEFAULT;
        if (token->kind == CSP_T_REFINES_OTHER)
            decl->assert_kind = CSP_ASSERT_OTHER;
        decl->right = parse_expr(p, BP_NONE);
    } else {
        expect(p, CSP_T_COLON);
        expect(p, CSP_T_LBRACKET);
        const csp_token *word = peek(p);
        if (ident_is(word, "deadlock") || ident_is(word, "divergence") ||
            ident_is(word, "livelock")) {
            advance(p);
            accept(p, CSP_T_MINUS);     /* "deadlock-free" */
            if (!ident_is(peek(p), "free"))
                unexpected(p, "'free'");
            advance(p);
            decl->assert_kind = ident_is(word, "deadlock")
                                    ? CSP_ASSERT_DEADLOCK : CSP_ASSERT_DIVERGENCE;
        } else if (ident_is(word, "deterministic")) {
            advance(p);
            decl->assert_kind = CSP_ASSERT_DETERMINISM;
        } else if (ident_is(word, "has")) {
            advance(p);
            if (!ident_is(peek(p), "trace"))
                unexpected(p, "'trace'");
            advance(p);
            decl->assert_kind = CSP_ASSERT_HAS_TRACE;
        } else {
            decl->assert_kind = CSP_ASSERT_OTHER;
            while (!at(p, CSP_T_RBRACKET) && !at(p, CSP_T_EOF) &&
                   !at(p, CSP_T_NEWLINE))
                advance(p);
        }
        if (accept(p, CSP_T_LBRACKET)) {
            const csp_token *model = expect(p, CSP_T_IDENT);
            if (ident_is(model, "T"))
                decl->semantic_model = CSP_MODEL_T;
            else if (ident_is(model, "F"))
                decl->semantic_model = CSP_MODEL_F;
            else if (ident_is(model, "FD"))
                decl->semantic_model = CSP_MODEL_FD;
            else
                csp_fail(p->context, CSP_ERROR_PARSE, &model->span,
                         "unknown semantic model %.*s (expected T, F or FD)",
                         (int)model->length, model->text);
            expect(p, CSP_T_RBRACKET);
        }
        expect(p, CSP_T_RBRACKET);
        if (decl->assert_kind == CSP_ASSERT_HAS_TRACE) {
            accept(p, CSP_T_COLON);
            decl->right = parse_expr(p, BP_NONE);
        } else if (decl->assert_kind == CSP_ASSERT_OTHER) {
            if (accept(p, CSP_T_COLON))
                decl->right = parse_expr(p, BP_NONE);
        }
    }
    decl->assert_text = source_text(p, first_token, p->position - 1);
}

static void parse_include(parser *p, csp_span span);

static void parse_definition(parser *p, csp_vec *decls)
{
    csp_span start = peek(p)->span;
    csp_expr *lhs = parse_expr(p, BP_NONE);
    expect(p, CSP_T_EQUALS);
    csp_expr *rhs = parse_expr(p, BP_NONE);

    /* name, name(args)..., or a pattern */
    csp_expr *head = lhs;
    size_t groups = 0;
    while (head->kind == CSP_E_APPLY) {
        head = head->a;
        groups++;
    }
    if (head->kind == CSP_E_IDENT) {
        csp_decl *decl = new_decl(p, CSP_D_FUNCTION, start);
        decl->name = head->symbol;
        decl->span = head->span;
        csp_clause *clause = csp_alloc(p->context, sizeof *clause);
        clause->group_count = groups;
        clause->groups = csp_alloc(p->context, (groups + 1) * sizeof *clause->groups);
        clause->group_sizes = csp_alloc(p->context,
                                        (groups + 1) * sizeof *clause->group_sizes);
        csp_expr *apply = lhs;
        for (size_t g = groups; g > 0; g--) {
            clause->group_sizes[g - 1] = apply->count;
            clause->groups[g - 1] =
                csp_alloc(p->context, (apply->count + 1) * sizeof(csp_pat *));
            for (size_t i = 0; i < apply->count; i++)
                clause->groups[g - 1][i] = to_pattern(p, apply->items[i]);
            apply = apply->a;
        }
        clause->body = rhs;
        clause->span = start;
        decl->clauses = clause;
        decl->clause_count = 1;
        csp_vec_push(p->context, decls, decl);
        return;
    }
    csp_decl *decl = new_decl(p, CSP_D_PATTERN, start);
    decl->pattern = to_pattern(p, lhs);
    decl->expr = rhs;
    csp_vec_push(p->context, decls, decl);
}

/* Parses declarations until EOF (top level) or `within` (let). */
static void parse_decls(parser *p, csp_vec *decls, bool top_level)
{
    for (;;) {
        skip_newlines(p);
        const csp_token *token = peek(p);
        if (token->kind == CSP_T_EOF || token->kind == CSP_T_WITHIN)
            break;
        size_t first = p->position;
        csp_span span = token->span;
        csp_enter(p->context, &span);
        switch (token->kind) {
        case CSP_T_CHANNEL:
        case CSP_T_DATATYPE:
        case CSP_T_NAMETYPE:
        case CSP_T_SUBTYPE:
        case CSP_T_ASSERT:
        case CSP_T_INCLUDE:
        case CSP_T_TRANSPARENT:
        case CSP_T_EXTERNAL:
        case CSP_T_PRINT:
            if (!top_level)
                csp_fail(p->context, CSP_ERROR_PARSE, &span,
                         "Unexpected token %.*s: declarations of this kind "
                         "are allowed only at the top level",
                         (int)token->length, token->text);
            break;
        case CSP_T_MODULE:
        case CSP_T_INSTANCE:
        case CSP_T_TIMED:
            csp_fail(p->context, CSP_ERROR_UNSUPPORTED, &span,
                     "%.*s sections are not supported", (int)token->length,
                     token->text);
        default:
            break;
        }
        switch (token->kind) {
        case CSP_T_CHANNEL: {
            advance(p);
            csp_decl *decl = new_decl(p, CSP_D_CHANNEL, span);
            decl->names = parse_names(p, &decl->name_count);
            if (accept(p, CSP_T_COLON))
                decl->type = parse_expr(p, BP_NONE);
            csp_vec_push(p->context, decls, decl);
            break;
        }
        case CSP_T_DATATYPE:
        case CSP_T_SUBTYPE: {
            advance(p);
            csp_decl *decl = new_decl(p, token->kind == CSP_T_DATATYPE
                                             ? CSP_D_DATATYPE : CSP_D_SUBTYPE,
                                      span);
            parse_datatype(p, decl);
            csp_vec_push(p->context, decls, decl);
            break;
        }
        case CSP_T_NAMETYPE: {
            advance(p);
            csp_decl *decl = new_decl(p, CSP_D_NAMETYPE, span);
            decl->name = expect_name(p);
            expect(p, CSP_T_EQUALS);
            decl->type = parse_expr(p, BP_NONE);
            csp_vec_push(p->context, decls, decl);
            break;
        }
        case CSP_T_ASSERT: {
            advance(p);
            csp_decl *decl = new_decl(p, CSP_D_ASSERT, span);
            parse_assert(p, decl, first);
            csp_vec_push(p->context, decls, decl);
            break;
        }
        case CSP_T_INCLUDE:
            advance(p);
            parse_include(p, span);
            break;
        case CSP_T_TRANSPARENT:
        case CSP_T_EXTERNAL: {
            advance(p);
            csp_decl *decl = new_decl(p, token->kind == CSP_T_TRANSPARENT
                                             ? CSP_D_TRANSPARENT
                                             : CSP_D_EXTERNAL, span);
            decl->names = parse_names(p, &decl->name_count);
            csp_vec_push(p->context, decls, decl);
            break;
        }
        case CSP_T_PRINT: {
            advance(p);
            csp_decl *decl = new_decl(p, CSP_D_PRINT, span);
            decl->expr = parse_expr(p, BP_NONE);
            csp_vec_push(p->context, decls, decl);
            break;
        }
        default:
            parse_definition(p, decls);
            break;
        }
        csp_leave(p->context);
        end_of_declaration(p);
    }
    if (top_level && !at(p, CSP_T_EOF))
        unexpected(p, NULL);
}

/* ---- files ------------------------------------------------------------ */

static uint32_t add_file(csp_context *context, const char *path, char *text,
                         size_t length)
{
    csp_file *files = realloc(context->files,
                              (context->file_count + 1) * sizeof *files);
    if (files == NULL) {
        free(text);
        csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory");
    }
    context->files = files;
    csp_file *file = &files[context->file_count];
    file->path = strdup(path);
    file->text = text;
    file->length = length;
    context->file_count++;
    if (file->path == NULL)
        csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory");
    return context->file_count - 1;
}

static uint32_t read_file(csp_context *context, const char *path,
                          const csp_span *where)
{
    FILE *stream = fopen(path, "rb");
    if (stream == NULL)
        csp_fail(context, CSP_ERROR_IO, where, "cannot open %s", path);
    char *text = NULL;
    size_t length = 0, capacity = 0;
    for (;;) {
        if (length + 4096 + 1 > capacity) {
            capacity = capacity ? capacity * 2 : 8192;
            char *grown = realloc(text, capacity);
            if (grown == NULL) {
                free(text);
                fclose(stream);
                csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory");
            }
            text = grown;
        }
        size_t got = fread(text + length, 1, 4096, stream);
        length += got;
        if (got < 4096)
            break;
    }
    bool failed = ferror(stream) != 0;
    fclose(stream);
    if (failed) {
        free(text);
        csp_fail(context, CSP_ERROR_IO, where, "cannot read %s", path);
    }
    text[length] = '\0';
    size_t nul = strlen(text);
    if (nul != length) {
        /* report at the NUL byte: register the file so the span names it */
        uint32_t line = 1, column = 1;
        for (size_t i = 0; i < nul; i++) {
            if (text[i] == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        uint32_t file = add_file(context, path, text, nul);
        csp_span at = {file, line, column, (uint32_t)nul, (uint32_t)nul};
        csp_fail(context, CSP_ERROR_PARSE, &at,
                 "not a text file (a NUL byte)");
    }
    return add_file(context, path, text, length);
}

static void parse_tokens_of(csp_context *context, uint32_t file, int depth,
                            csp_vec *decls)
{
    parser p = {
        .context = context, .tokens = csp_lex(context, file),
        .include_depth = depth, .decls = decls,
    };
    parse_decls(&p, decls, true);
}

static void parse_include(parser *p, csp_span span)
{
    const csp_token *name = expect(p, CSP_T_STRING);
    if (p->include_depth + 1 > CSP_MAX_INCLUDE)
        csp_fail(p->context, CSP_ERROR_PARSE, &span,
                 "includes nest deeper than %d files (a cycle?)",
                 CSP_MAX_INCLUDE);
    const char *including = p->context->files[span.file].path;
    const char *slash = strrchr(including, '/');
    size_t directory = (slash != NULL && name->string[0] != '/')
                           ? (size_t)(slash - including + 1) : 0;
    char *path = csp_alloc(p->context, directory + name->string_length + 1);
    memcpy(path, including, directory);
    memcpy(path + directory, name->string, name->string_length);
    uint32_t file = read_file(p->context, path, &name->span);
    parse_tokens_of(p->context, file, p->include_depth + 1, p->decls);
}

/* Gathers the clauses of each function (name(args) = ...) into one
 * declaration, in the order of first appearance. */
static void group_functions(csp_context *context, csp_vec *decls)
{
    size_t out = 0;
    for (size_t i = 0; i < decls->count; i++) {
        csp_decl *decl = decls->items[i];
        if (decl->kind == CSP_D_FUNCTION && decl->clauses[0].group_count > 0) {
            csp_decl *earlier = NULL;
            for (size_t j = 0; j < out; j++) {
                csp_decl *other = decls->items[j];
                if (other->kind == CSP_D_FUNCTION && other->name == decl->name &&
                    other->clauses[0].group_count > 0) {
                    earlier = other;
                    break;
                }
            }
            if (earlier != NULL) {
                csp_clause *clauses = csp_alloc(
                    context, (earlier->clause_count + 1) * sizeof *clauses);
                memcpy(clauses, earlier->clauses,
                       earlier->clause_count * sizeof *clauses);
                clauses[earlier->clause_count] = decl->clauses[0];
                earlier->clauses = clauses;
                earlier->clause_count++;
                continue;
            }
        }
        decls->items[out++] = decl;
    }
    decls->count = out;
}

static void finish_program(csp_context *context, csp_vec *decls,
                           csp_program *program)
{
    group_functions(context, decls);
    program->decl_count = decls->count;
    program->decls = (csp_decl **)csp_vec_finish(context, decls);
}

void csp_parse_file(csp_context *context, const char *path,
                    csp_program *program)
{
    uint32_t file = read_file(context, path, NULL);
    csp_vec decls = {0};
    parse_tokens_of(context, file, 0, &decls);
    finish_program(context, &decls, program);
}

void csp_parse_text(csp_context *context, const char *name, const char *text,
                    csp_program *program)
{
    size_t length = strlen(text);
    char *copy = malloc(length + 1);
    if (copy == NULL)
        csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory");
    memcpy(copy, text, length + 1);
    uint32_t file = add_file(context, name, copy, length);
    csp_vec decls = {0};
    parse_tokens_of(context, file, 0, &decls);
    finish_program(context, &decls, program);
}

csp_expr *csp_parse_expression(csp_context *context, const char *name,
                               const char *text)
{
    size_t length = strlen(text);
    char *copy = malloc(length + 1);
    if (copy == NULL)
        csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory");
    memcpy(copy, text, length + 1);
    uint32_t file = add_file(context, name, copy, length);
    parser p = {.context = context, .tokens = csp_lex(context, file)};
    skip_newlines(&p);
    csp_expr *expr = parse_expr(&p, BP_NONE);
    skip_newlines(&p);
    if (!at(&p, CSP_T_EOF))
        unexpected(&p, "end of expression");
    return expr;
}

/* ---- rendering (tests) ------------------------------------------------ */

typedef struct renderer {
    const csp_context *context;
    char *buffer;
    size_t size, used;
} renderer;

static void put(renderer *r, const char *text)
{
    size_t length = strlen(text);
    if (r->used + length >= r->size)
        length = r->size - r->used - 1;
    memcpy(r->buffer + r->used, text, length);
    r->used += length;
    r->buffer[r->used] = '\0';
}

static void render(renderer *r, const csp_expr *e);

static void render_list(renderer *r, csp_expr **items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            put(r, ", ");
        render(r, items[i]);
    }
}

static void render_pattern(renderer *r, const csp_pat *pat)
{
    char number[32];
    switch (pat->kind) {
    case CSP_P_WILD: put(r, "_"); break;
    case CSP_P_VAR:
    case CSP_P_CONST: put(r, csp_symbol_name(r->context, pat->symbol)); break;
    case CSP_P_INT:
        snprintf(number, sizeof number, "%lld", (long long)pat->number);
        put(r, number);
        break;
    default: put(r, "..."); break;
    }
}

/* " | stmt, stmt" of a comprehension */
static void render_stmts(renderer *r, csp_stmt **stmts, size_t count)
{
    if (count == 0)
        return;
    put(r, " | ");
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            put(r, ", ");
        if (stmts[i]->generator) {
            render_pattern(r, stmts[i]->pattern);
            put(r, " <- ");
        }
        render(r, stmts[i]->expr);
    }
}

static void render_binary(renderer *r, const csp_expr *e, const char *op)
{
    put(r, "(");
    render(r, e->a);
    put(r, op);
    render(r, e->b);
    put(r, ")");
}

static void render(renderer *r, const csp_expr *e)
{
    static const char *const ops[] = {
        [CSP_OP_ADD] = " + ", [CSP_OP_SUB] = " - ", [CSP_OP_MUL] = " * ",
        [CSP_OP_DIV] = " / ", [CSP_OP_MOD] = " % ", [CSP_OP_EQ] = " == ",
        [CSP_OP_NE] = " != ", [CSP_OP_LT] = " < ", [CSP_OP_LE] = " <= ",
        [CSP_OP_GT] = " > ", [CSP_OP_GE] = " >= ", [CSP_OP_AND] = " and ",
        [CSP_OP_OR] = " or ", [CSP_OP_CONCAT] = " ^ ",
    };
    char number[32];
    switch (e->kind) {
    case CSP_E_INT:
        snprintf(number, sizeof number, "%lld", (long long)e->number);
        put(r, number);
        break;
    case CSP_E_BOOL: put(r, e->number ? "true" : "false"); break;
    case CSP_E_IDENT: put(r, csp_symbol_name(r->context, e->symbol)); break;
    case CSP_E_APPLY:
        render(r, e->a);
        put(r, "(");
        render_list(r, e->items, e->count);
        put(r, ")");
        break;
    case CSP_E_DOT: render_binary(r, e, "."); break;
    case CSP_E_BINARY:
        render_binary(r, e, e->op == 100 ? " @@ " : ops[e->op]);
        break;
    case CSP_E_UNARY:
        put(r, e->op == CSP_OP_NEG ? "(-" : e->op == CSP_OP_NOT ? "(not " : "(#");
        render(r, e->a);
        put(r, ")");
        break;
    case CSP_E_IF:
        put(r, "(if ");
        render(r, e->a);
        put(r, " then ");
        render(r, e->b);
        put(r, " else ");
        render(r, e->c);
        put(r, ")");
        break;
    case CSP_E_TUPLE:
        put(r, "(");
        render_list(r, e->items, e->count);
        put(r, ")");
        break;
    case CSP_E_SET:
    case CSP_E_ENUM_SET:
        put(r, e->kind == CSP_E_SET ? "{" : "{|");
        render_list(r, e->items, e->count);
        put(r, e->kind == CSP_E_SET ? "}" : "|}");
        break;
    case CSP_E_SEQ:
        put(r, "<");
        render_list(r, e->items, e->count);
        put(r, ">");
        break;
    case CSP_E_SET_COMP:
    case CSP_E_ENUM_SET_COMP:
        put(r, e->kind == CSP_E_SET_COMP ? "{" : "{|");
        if (e->a != NULL)
            render(r, e->a);
        else
            render_list(r, e->items, e->count);
        render_stmts(r, e->stmts, e->stmt_count);
        put(r, e->kind == CSP_E_SET_COMP ? "}" : "|}");
        break;
    case CSP_E_PREFIX:
        put(r, "(");
        render(r, e->a);
        for (size_t i = 0; i < e->field_count; i++) {
            const csp_field *f = &e->fields[i];
            put(r, f->kind == CSP_FIELD_OUTPUT ? "!" : "?");
            if (f->kind == CSP_FIELD_OUTPUT)
                render(r, f->value);
            else
                put(r, "p");
        }
        put(r, " -> ");
        render(r, e->b);
        put(r, ")");
        break;
    case CSP_E_GUARD: render_binary(r, e, " & "); break;
    case CSP_E_EXT: render_binary(r, e, " [] "); break;
    case CSP_E_INTCHOICE: render_binary(r, e, " |~| "); break;
    case CSP_E_SEQCOMP: render_binary(r, e, " ; "); break;
    case CSP_E_INTERRUPT: render_binary(r, e, " /\\ "); break;
    case CSP_E_TIMEOUT: render_binary(r, e, " [> "); break;
    case CSP_E_INTERLEAVE: render_binary(r, e, " ||| "); break;
    case CSP_E_HIDE: render_binary(r, e, " \\ "); break;
    case CSP_E_PAR:
    case CSP_E_EXCEPTION:
        put(r, "(");
        render(r, e->a);
        put(r, " [| ");
        render(r, e->c);
        put(r, e->kind == CSP_E_PAR ? " |] " : " |> ");
        render(r, e->b);
        put(r, ")");
        break;
    case CSP_E_APAR:
        put(r, "(");
        render(r, e->a);
        put(r, " [");
        render(r, e->c);
        put(r, " || ");
        render(r, e->d);
        put(r, "] ");
        render(r, e->b);
        put(r, ")");
        break;
    case CSP_E_LINKED:
        put(r, "(");
        render(r, e->a);
        put(r, " [");
        for (size_t i = 0; i + 1 < e->count; i += 2) {
            if (i > 0)
                put(r, ", ");
            render(r, e->items[i]);
            put(r, " <-> ");
            render(r, e->items[i + 1]);
        }
        render_stmts(r, e->stmts, e->stmt_count);
        put(r, "] ");
        render(r, e->b);
        put(r, ")");
        break;
    case CSP_E_RENAME:
        put(r, "(");
        render(r, e->a);
        put(r, " [[");
        for (size_t i = 0; i + 1 < e->count; i += 2) {
            if (i > 0)
                put(r, ", ");
            render(r, e->items[i]);
            put(r, " <- ");
            render(r, e->items[i + 1]);
        }
        put(r, "]])");
        break;
    case CSP_E_REPLICATED: {
        static const char *const names[] = {"[]", "|~|", "|||", "[|A|]", "||", ";"};
        put(r, "(");
        put(r, names[e->op]);
        put(r, " ... @ ");
        render(r, e->a);
        put(r, ")");
        break;
    }
    case CSP_E_LET:
        put(r, "(let ... within ");
        render(r, e->a);
        put(r, ")");
        break;
    case CSP_E_LAMBDA:
        put(r, "(\\ ... @ ");
        render(r, e->a);
        put(r, ")");
        break;
    default:
        put(r, "...");
        break;
    }
}

void csp_expr_render(const csp_context *context, const csp_expr *expr,
                     char *buffer, size_t size)
{
    renderer r = {context, buffer, size, 0};
    if (size == 0)
        return;
    buffer[0] = '\0';
    render(&r, expr);
}
