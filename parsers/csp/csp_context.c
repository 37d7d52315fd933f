/*
 * csp_context.c — the memory arena, symbol table, growable lists and error
 * trap shared by every stage of the CSPm front end (csp_ast.h).
 *
 * The arena hands out zeroed memory from large chunks and frees them all at
 * once.  Symbols are interned in an open-addressing hash table so that
 * names compare as integers.  csp_fail() formats the error into the
 * caller's pnsim_error and long-jumps to the trap the public entry point
 * armed; because every allocation the stages make is in the arena (or in a
 * csp_vec the trap owner frees), jumping out leaks nothing.
 */
#include "csp_ast.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct csp_arena_chunk {
    csp_arena_chunk *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

/* Upper bound on arena memory: evaluation of a huge or infinite value stops
 * with an error instead of exhausting the machine. */
#define CSP_ARENA_LIMIT ((size_t)2 << 30)

void csp_context_init(csp_context *context)
{
    memset(context, 0, sizeof *context);
}

void csp_context_free(csp_context *context)
{
    csp_arena_chunk *chunk = context->arena.chunks;
    while (chunk != NULL) {
        csp_arena_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    free(context->symbol_names);
    free(context->symbol_table);
    for (uint32_t i = 0; i < context->file_count; i++) {
        free(context->files[i].path);
        free(context->files[i].text);
    }
    free(context->files);
    memset(context, 0, sizeof *context);
}

void *csp_alloc(csp_context *context, size_t bytes)
{
    csp_arena *arena = &context->arena;
    bytes = (bytes + 15) & ~(size_t)15;
    if (bytes == 0)
        bytes = 16;
    if (arena->chunks == NULL || arena->used + bytes > arena->capacity) {
        size_t size = bytes > 65536 ? bytes : 65536;
        if (arena->total + size > CSP_ARENA_LIMIT)
            csp_fail(context, CSP_ERROR_LIMIT, NULL,
                     "the evaluator's memory limit (%zu MiB) was reached",
                     CSP_ARENA_LIMIT >> 20);
        csp_arena_chunk *chunk = malloc(sizeof *chunk + size);
        if (chunk == NULL)
            csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory");
        chunk->next = arena->chunks;
        chunk->size = size;
        arena->chunks = chunk;
        arena->used = 0;
        arena->capacity = size;
        arena->total += size;
    }
    void *memory = arena->chunks->data + arena->used;
    arena->used += bytes;
    memset(memory, 0, bytes);
    return memory;
}

char *csp_strndup(csp_context *context, const char *text, size_t length)
{
    char *copy = csp_alloc(context, length + 1);
    memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

void *csp_memdup(csp_context *context, const void *data, size_t bytes)
{
    void *copy = csp_alloc(context, bytes);
    if (bytes > 0)
        memcpy(copy, data, bytes);
    return copy;
}

static uint32_t csp_hash_bytes(const char *text, size_t length)
{
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < length; i++)
        hash = (hash ^ (unsigned char)text[i]) * 16777619u;
    return hash;
}

static void csp_symbol_rehash(csp_context *context, uint32_t size)
{
    uint32_t *table = malloc(size * sizeof *table);
    if (table == NULL)
        csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory");
    memset(table, 0xff, size * sizeof *table);
    for (uint32_t i = 0; i < context->symbol_count; i++) {
        const char *name = context->symbol_names[i];
        uint32_t slot = csp_hash_bytes(name, strlen(name)) & (size - 1);
        while (table[slot] != UINT32_MAX)
            slot = (slot + 1) & (size - 1);
        table[slot] = i;
    }
    free(context->symbol_table);
    context->symbol_table = table;
    context->symbol_table_size = size;
}

csp_symbol csp_intern(csp_context *context, const char *name, size_t length)
{
    if (context->symbol_table == NULL)
        csp_symbol_rehash(context, 256);
    uint32_t mask = context->symbol_table_size - 1;
    uint32_t slot = csp_hash_bytes(name, length) & mask;
    while (context->symbol_table[slot] != UINT32_MAX) {
        const char *other = context->symbol_names[context->symbol_table[slot]];
        if (strncmp(other, name, length) == 0 && other[length] == '\0')
            return context->symbol_table[slot];
        slot = (slot + 1) & mask;
    }
    if (context->symbol_count == context->symbol_capacity) {
        uint32_t capacity = context->symbol_capacity ? context->symbol_capacity * 2
                                                     : 256;
        char **names = realloc(context->symbol_names, capacity * sizeof *names);
        if (names == NULL)
            csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory");
        context->symbol_names = names;
        context->symbol_capacity = capacity;
    }
    csp_symbol symbol = context->symbol_count;
    context->symbol_names[symbol] = csp_strndup(context, name, length);
    context->symbol_count++;
    if (context->symbol_count * 2 > context->symbol_table_size)
        csp_symbol_rehash(context, context->symbol_table_size * 2);
    else
        context->symbol_table[slot] = symbol;
    return symbol;
}

const char *csp_symbol_name(const csp_context *context, csp_symbol symbol)
{
    return symbol < context->symbol_count ? context->symbol_names[symbol] : "?";
}

_Noreturn void csp_fail(csp_context *context, csp_error_kind kind,
                        const csp_span *span, const char *format, ...)
{
    char message[900];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);

    static const char *const words[] = {
        [CSP_ERROR_NONE] = "error", [CSP_ERROR_PARSE] = "parse error",
        [CSP_ERROR_TYPE] = "type error", [CSP_ERROR_EVAL] = "evaluation error",
        [CSP_ERROR_LIMIT] = "limit", [CSP_ERROR_UNSUPPORTED] = "unsupported",
        [CSP_ERROR_IO] = "I/O error", [CSP_ERROR_NOMEM] = "out of memory",
    };
    pnsim_status status = kind == CSP_ERROR_NOMEM ? PNSIM_ERR_NOMEM
                        : kind == CSP_ERROR_IO ? PNSIM_ERR_IO
                        : kind == CSP_ERROR_UNSUPPORTED || kind == CSP_ERROR_LIMIT
                            ? PNSIM_ERR_UNSUPPORTED
                            : PNSIM_ERR_INPUT;
    context->error_kind = kind;
    const char *file = NULL;
    unsigned long line = 0, column = 0;
    if (span == NULL && context->has_last_span)
        span = &context->last_span;
    if (span != NULL && span->file < context->file_count) {
        file = context->files[span->file].path;
        line = span->line;
        column = span->column;
    }
    if (kind == CSP_ERROR_NOMEM)
        pnsim_error_set(context->error, status, "%s", message);
    else if (file != NULL)
        pnsim_error_set_at(context->error, status, file, line, column,
                           "%s: %s", words[kind], message);
    else if (context->file_count > 0)
        pnsim_error_set_at(context->error, status, context->files[0].path, 0,
                           0, "%s: %s", words[kind], message);
    else
        pnsim_error_set(context->error, status, "%s: %s", words[kind], message);
    longjmp(*context->trap, 1);
}

void csp_enter(csp_context *context, const csp_span *span)
{
    if (span != NULL) {
        context->last_span = *span;
        context->has_last_span = true;
    }
    if (++context->depth > CSP_MAX_DEPTH)
        csp_fail(context, CSP_ERROR_EVAL, span,
                 "recursion deeper than %d levels (unbounded recursion?)",
                 CSP_MAX_DEPTH);
}

void csp_vec_push(csp_context *context, csp_vec *vec, void *item)
{
    if (vec->count == vec->capacity) {
        size_t capacity = vec->capacity ? vec->capacity * 2 : 8;
        /* Allocated in the arena so that a failure mid-list leaks nothing;
         * the old buffer stays in the arena until the context is freed. */
        void **items = csp_alloc(context, capacity * sizeof *items);
        if (vec->count > 0)
            memcpy(items, vec->items, vec->count * sizeof *items);
        vec->items = items;
        vec->capacity = capacity;
    }
    vec->items[vec->count++] = item;
}

void **csp_vec_finish(csp_context *context, csp_vec *vec)
{
    (void)context;
    void **items = vec->items;
    vec->items = NULL;
    vec->capacity = 0;
    return items;
}

void csp_vec_free(csp_vec *vec)
{
    vec->items = NULL;
    vec->count = vec->capacity = 0;
}
