/*
 * csp_pragma.c — reading the `{-# pnsim shared ... #-}` pragmas
 * (csp_pragma.h).
 *
 * The lexer hands over the comments that open with `{-#` (it knows where
 * comments, strings and nested comments are).  Each part of a pragma is
 * found by its key (`write:`, `read:`, `name:`, `process:`) at bracket
 * depth 0, and its value runs to the next key.  A value is parsed by the
 * script's own parser as a separate text that keeps the value at its line
 * and column, under the script's file name, so that a parse, type or
 * evaluation error inside it points into the script itself.
 */
#include "csp_pragma.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "csp_check.h"
#include "csp_lex.h"
#include "csp_parse.h"

typedef enum pragma_key { KEY_WRITE, KEY_READ, KEY_NAME, KEY_PROCESS, KEY_COUNT } pragma_key;

static const char *const pragma_key_names[KEY_COUNT] = {
    [KEY_WRITE] = "write", [KEY_READ] = "read", [KEY_NAME] = "name",
    [KEY_PROCESS] = "process",
};

/* One pragma being read: the file and the part of its text inside
 * `{-#` ... `#-}`. */
typedef struct pragma {
    csp_interp *interp;
    csp_context *context;
    uint32_t file;
    const char *text;           /* the whole file */
    const csp_span *comment;    /* the whole comment */
    size_t body_end;            /* offset of the closing `#-}` */
    size_t value_start[KEY_COUNT], value_end[KEY_COUNT];
    size_t key_at[KEY_COUNT];
    bool given[KEY_COUNT];
} pragma;

static bool is_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '\'';
}

/* The span of offset `at` of the pragma's file: line and column counted
 * from the comment's start. */
static csp_span pragma_span(const pragma *p, size_t at)
{
    csp_span span = *p->comment;
    for (size_t i = p->comment->start; i < at; i++) {
        if (p->text[i] == '\n') {
            span.line++;
            span.column = 1;
        } else {
            span.column++;
        }
    }
    span.start = span.end = (uint32_t)at;
    return span;
}

_Noreturn static void pragma_fail(const pragma *p, csp_error_kind kind,
                                  size_t at, const char *what)
{
    csp_span span = pragma_span(p, at);
    csp_fail(p->context, kind, &span, "pnsim pragma: %s", what);
}

static size_t skip_space(const pragma *p, size_t at, size_t end)
{
    while (at < end && isspace((unsigned char)p->text[at]))
        at++;
    return at;
}

static size_t word_end(const pragma *p, size_t at, size_t end)
{
    while (at < end && is_word_char(p->text[at]))
        at++;
    return at;
}

static bool word_is(const pragma *p, size_t start, size_t end, const char *word)
{
    return end - start == strlen(word) &&
           memcmp(p->text + start, word, end - start) == 0;
}

/* Splits the text after `shared` into its parts. */
static void pragma_split(pragma *p, size_t at)
{
    int depth = 0;
    int open = -1;              /* the key whose value is being read */
    size_t end = p->body_end;
    for (size_t i = at; i < end;) {
        char c = p->text[i];
        if (c == '"') {         /* a string: no keys or brackets inside */
            i++;
            while (i < end && p->text[i] != '"')
                i += p->text[i] == '\\' ? 2 : 1;
            i++;
            continue;
        }
        if (c == '(' || c == '[' || c == '{')
            depth++;
        else if ((c == ')' || c == ']' || c == '}') && depth > 0)
            depth--;
        if (!isalpha((unsigned char)c) || (i > 0 && is_word_char(p->text[i - 1]))) {
            if (open < 0 && !isspace((unsigned char)c))
                pragma_fail(p, CSP_ERROR_PARSE, i,
                            "expected write:, read:, name: or process:");
            i++;
            continue;
        }
        size_t stop = word_end(p, i, end);
        size_t colon = stop;
        while (colon < end && (p->text[colon] == ' ' || p->text[colon] == '\t'))
            colon++;
        int key = -1;
        if (depth == 0 && colon < end && p->text[colon] == ':' &&
            (colon + 1 >= end || p->text[colon + 1] != ':'))
            for (int k = 0; k < KEY_COUNT; k++)
                if (word_is(p, i, stop, pragma_key_names[k]))
                    key = k;
        if (key < 0) {
            if (open < 0)
                pragma_fail(p, CSP_ERROR_PARSE, i,
                            "expected write:, read:, name: or process:");
            i = stop;
            continue;
        }
        if (p->given[key]) {
            char message[64];
            snprintf(message, sizeof message, "%s: is given twice",
                     pragma_key_names[key]);
            pragma_fail(p, CSP_ERROR_PARSE, i, message);
        }
        if (open >= 0)
            p->value_end[open] = i;
        p->given[key] = true;
        p->key_at[key] = i;
        p->value_start[key] = colon + 1;
        open = key;
        i = colon + 1;
    }
    if (open >= 0)
        p->value_end[open] = end;
    for (int k = 0; k < KEY_COUNT; k++)
        if (p->given[k] &&
            skip_space(p, p->value_start[k], p->value_end[k]) == p->value_end[k]) {
            char message[64];
            snprintf(message, sizeof message, "%s: needs a value",
                     pragma_key_names[k]);
            pragma_fail(p, CSP_ERROR_PARSE, p->key_at[k], message);
        }
    if (!p->given[KEY_WRITE] && !p->given[KEY_READ])
        pragma_fail(p, CSP_ERROR_PARSE, p->comment->start,
                    "a shared resource needs write: or read: (its events)");
}

/* Parses a value as an expression over the script's definitions.  The
 * text handed to the parser has the value at its line and column, so that
 * positions in errors are the script's. */
static csp_expr *pragma_expression(const pragma *p, pragma_key key)
{
    size_t start = p->value_start[key], end = p->value_end[key];
    csp_span where = pragma_span(p, start);
    size_t length = (where.line - 1) + (where.column - 1) + (end - start);
    char *text = csp_alloc(p->context, length + 1);
    size_t at = 0;
    for (uint32_t i = 1; i < where.line; i++)
        text[at++] = '\n';
    for (uint32_t i = 1; i < where.column; i++)
        text[at++] = ' ';
    memcpy(text + at, p->text + start, end - start);
    at += end - start;
    text[at] = '\0';
    const char *path = p->context->files[p->file].path;
    csp_expr *expr = csp_parse_expression(p->context, path, text);
    /* the expression may only use the script's names */
    csp_decl decl = {.kind = CSP_D_PRINT, .expr = expr, .span = expr->span};
    csp_decl *decls[1] = {&decl};
    csp_program one = {.decls = decls, .decl_count = 1};
    csp_check_program(p->interp, &one);
    return expr;
}

/* A finite set of events, or a type error at the value. */
static csp_value *pragma_events(const pragma *p, pragma_key key)
{
    csp_context *context = p->context;
    csp_expr *expr = pragma_expression(p, key);
    csp_value *set = csp_eval(p->interp, expr, NULL);
    if (set->kind != CSP_V_SET)
        csp_fail(context, CSP_ERROR_TYPE, &expr->span,
                 "pnsim pragma: %s: needs a set of events, not %s",
                 pragma_key_names[key], csp_value_show(context, set));
    if (!csp_set_is_finite(context, set))
        csp_fail(context, CSP_ERROR_TYPE, &expr->span,
                 "pnsim pragma: %s: needs a finite set of events",
                 pragma_key_names[key]);
    size_t count;
    csp_value **items = csp_set_elements(context, set, &count, &expr->span);
    csp_value *events = csp_set_symbolic(context, CSP_SET_EVENTS);
    for (size_t i = 0; i < count; i++)
        if (!csp_set_member(context, items[i], events))
            csp_fail(context, CSP_ERROR_TYPE, &expr->span,
                     "pnsim pragma: %s: %s is not an event",
                     pragma_key_names[key], csp_value_show(context, items[i]));
    return set;
}

/* Appends the channel names of `set`'s events not yet in `names`. */
static void channel_names(csp_context *context, const csp_value *set,
                          csp_vec *names)
{
    size_t count;
    csp_value **items = csp_set_elements(context, set, &count, NULL);
    for (size_t i = 0; i < count; i++) {
        const csp_value *event = items[i];
        const char *name = event->kind == CSP_V_DOT && event->as.dot.head != NULL
                               ? csp_symbol_name(context, event->as.dot.head->name)
                               : csp_value_show(context, event);
        bool seen = false;
        for (size_t k = 0; k < names->count && !seen; k++)
            seen = strcmp(names->items[k], name) == 0;
        if (!seen)
            csp_vec_push(context, names, (void *)name);
    }
}

static const char *pragma_name(const pragma *p, const csp_shared *resource)
{
    csp_context *context = p->context;
    if (p->given[KEY_NAME]) {
        size_t start = skip_space(p, p->value_start[KEY_NAME], p->value_end[KEY_NAME]);
        size_t end = p->value_end[KEY_NAME];
        while (end > start && isspace((unsigned char)p->text[end - 1]))
            end--;
        for (size_t i = start; i < end; i++)
            if (!is_word_char(p->text[i]) && p->text[i] != '.' && p->text[i] != '-')
                pragma_fail(p, CSP_ERROR_PARSE, i,
                            "name: takes one word (letters, digits, _ . - ')");
        return csp_strndup(context, p->text + start, end - start);
    }
    csp_vec names = {0};
    channel_names(context, resource->writes, &names);
    channel_names(context, resource->reads, &names);
    size_t length = 1;
    for (size_t i = 0; i < names.count; i++)
        length += strlen(names.items[i]) + 1;
    char *joined = csp_alloc(context, length);
    size_t at = 0;
    for (size_t i = 0; i < names.count; i++) {
        if (i > 0)
            joined[at++] = '/';
        size_t part = strlen(names.items[i]);
        memcpy(joined + at, names.items[i], part);
        at += part;
    }
    return names.count > 0 ? joined : "(no events)";
}

/* The text of process: with its whitespace collapsed, for comparing. */
static const char *pragma_process_text(const pragma *p)
{
    size_t start = p->value_start[KEY_PROCESS], end = p->value_end[KEY_PROCESS];
    char *text = csp_alloc(p->context, end - start + 1);
    size_t at = 0;
    for (size_t i = start; i < end; i++) {
        if (isspace((unsigned char)p->text[i])) {
            if (at > 0 && text[at - 1] != ' ')
                text[at++] = ' ';
        } else {
            text[at++] = p->text[i];
        }
    }
    while (at > 0 && text[at - 1] == ' ')
        at--;
    text[at] = '\0';
    return text;
}

/* Reads one `{-#` comment; adds its resource when it is a pnsim pragma. */
static void pragma_read(csp_interp *interp, uint32_t file, const csp_span *comment,
                        csp_vec *resources, csp_pragmas *pragmas)
{
    pragma p = {
        .interp = interp, .context = interp->context, .file = file,
        .text = interp->context->files[file].text, .comment = comment,
    };
    size_t end = comment->end;          /* after the closing `-}` */
    size_t at = skip_space(&p, comment->start + 3, end);
    size_t stop = word_end(&p, at, end);
    if (!word_is(&p, at, stop, "pnsim"))
        return;                         /* another tool's pragma */
    if (end < comment->start + 6 || p.text[end - 3] != '#')
        pragma_fail(&p, CSP_ERROR_PARSE, comment->start,
                    "a pnsim pragma ends with #-}");
    p.body_end = end - 3;
    at = skip_space(&p, stop, p.body_end);
    stop = word_end(&p, at, p.body_end);
    if (!word_is(&p, at, stop, "shared"))
        pragma_fail(&p, CSP_ERROR_PARSE, at,
                    "expected `shared` after `pnsim` (the only pnsim pragma)");
    pragma_split(&p, stop);

    csp_context *context = p.context;
    csp_shared *resource = csp_alloc(context, sizeof *resource);
    resource->span = *comment;
    resource->writes = p.given[KEY_WRITE] ? pragma_events(&p, KEY_WRITE)
                                          : csp_set_finite(context, NULL, 0);
    resource->reads = p.given[KEY_READ] ? pragma_events(&p, KEY_READ)
                                        : csp_set_finite(context, NULL, 0);
    resource->name = pragma_name(&p, resource);
    for (size_t i = 0; i < resources->count; i++) {
        const csp_shared *other = resources->items[i];
        if (strcmp(other->name, resource->name) == 0) {
            char message[160];
            snprintf(message, sizeof message,
                     "the shared resource %.60s is declared twice "
                     "(first at line %lu)", resource->name,
                     (unsigned long)other->span.line);
            pragma_fail(&p, CSP_ERROR_PARSE,
                        p.given[KEY_NAME] ? p.key_at[KEY_NAME] : comment->start,
                        message);
        }
    }
    if (p.given[KEY_PROCESS]) {
        const char *text = pragma_process_text(&p);
        if (pragmas->process_text != NULL &&
            strcmp(pragmas->process_text, text) != 0) {
            char message[200];
            snprintf(message, sizeof message,
                     "process: every pnsim pragma must name the same process "
                     "(another names %.80s)", pragmas->process_text);
            pragma_fail(&p, CSP_ERROR_PARSE, p.key_at[KEY_PROCESS], message);
        }
        if (pragmas->process_text == NULL) {
            pragmas->process = pragma_expression(&p, KEY_PROCESS);
            pragmas->process_text = text;
        }
    }
    csp_vec_push(context, resources, resource);
}

void csp_pragmas_read(csp_interp *interp, csp_pragmas *pragmas)
{
    csp_context *context = interp->context;
    memset(pragmas, 0, sizeof *pragmas);
    csp_vec resources = {0};
    /* parsing a value adds a file: only the script's own files are read */
    uint32_t files = context->file_count;
    for (uint32_t f = 0; f < files; f++) {
        csp_span **comments;
        size_t count = csp_lex_pragmas(context, f, &comments);
        for (size_t i = 0; i < count; i++)
            pragma_read(interp, f, comments[i], &resources, pragmas);
    }
    pragmas->shared_count = resources.count;
    pragmas->shared = csp_alloc(context, (resources.count + 1) * sizeof *pragmas->shared);
    for (size_t i = 0; i < resources.count; i++)
        pragmas->shared[i] = *(const csp_shared *)resources.items[i];
}
