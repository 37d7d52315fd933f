/*
 * csp_ast.h — the CSPm front end's shared internals: memory arenas, the
 * symbol table, source spans, error reporting and the parse tree.
 *
 * Design.  A script is read into one arena: tokens, tree nodes, symbol
 * names and, later, every value the evaluator builds live there and are
 * released together when the script is freed, so no node or value has an
 * individual owner and an error can abandon a half-built structure
 * without leaking.
 *
 * Errors.  The lexer, parser, checker and evaluator report a user error by
 * calling csp_fail(), which records it (file:line:column, FDR-like wording,
 * and its kind: parse, type, evaluation or limit) and long-jumps back to the
 * public entry point that armed the context's jmp_buf.  Every public entry
 * point (csp.h) arms it, so no error escapes as a crash and no library code
 * prints or exits.
 *
 * The parse tree is one node type per syntactic class (expression,
 * pattern, statement, declaration) with a kind and a few generic fields;
 * each node keeps its source span.
 */
#ifndef PNSIM_CSP_AST_H
#define PNSIM_CSP_AST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ---- arena ------------------------------------------------------------ */

typedef struct csp_arena_chunk csp_arena_chunk;
typedef struct csp_arena {
    csp_arena_chunk *chunks;
    size_t used;            /* bytes used in the first chunk */
    size_t capacity;        /* bytes in the first chunk */
    size_t total;           /* bytes held by all chunks */
} csp_arena;

/* ---- errors ----------------------------------------------------------- */

typedef enum csp_error_kind {
    CSP_ERROR_NONE = 0,
    CSP_ERROR_PARSE,
    CSP_ERROR_TYPE,
    CSP_ERROR_EVAL,
    CSP_ERROR_LIMIT,        /* a state or recursion limit: inconclusive */
    CSP_ERROR_UNSUPPORTED,  /* valid CSPm that pnsim does not handle */
    CSP_ERROR_IO,
    CSP_ERROR_NOMEM
} csp_error_kind;

/* A position: file index (into csp_context.files), line, column, byte
 * offset of the start and end (exclusive) in that file. */
typedef struct csp_span {
    uint32_t file;
    uint32_t line;
    uint32_t column;
    uint32_t start;
    uint32_t end;
} csp_span;

typedef struct csp_file {
    char *path;             /* malloc'd */
    char *text;             /* malloc'd, NUL-terminated */
    size_t length;
} csp_file;

/* ---- symbols ---------------------------------------------------------- */

typedef uint32_t csp_symbol;
#define CSP_NO_SYMBOL UINT32_MAX

/* The context every stage shares: memory, symbols, files, the error trap. */
typedef struct csp_context {
    csp_arena arena;
    /* symbols: names[i] is symbol i; an open-addressing table maps back */
    char **symbol_names;        /* arena strings, array malloc'd */
    uint32_t symbol_count, symbol_capacity;
    uint32_t *symbol_table;     /* malloc'd, UINT32_MAX = empty */
    uint32_t symbol_table_size;
    csp_file *files;            /* malloc'd */
    uint32_t file_count;
    /* error trap */
    jmp_buf *trap;              /* armed by the public entry point */
    pnsim_error *error;
    csp_error_kind error_kind;
    unsigned depth;             /* current recursion depth (parser, evaluator) */
    void *interp;               /* the evaluator using this context, if any */
    csp_span last_span;         /* innermost position entered: errors with no
                                   position of their own are reported here */
    bool has_last_span;
} csp_context;

/* Deepest recursion the parser or evaluator allows before reporting an
 * error instead of exhausting the stack. */
#define CSP_MAX_DEPTH 1500

void csp_context_init(csp_context *context);
void csp_context_free(csp_context *context);

/* Arena allocation: zeroed memory that lives as long as the context.  On
 * exhaustion it fails through the trap (CSP_ERROR_NOMEM). */
void *csp_alloc(csp_context *context, size_t bytes);
char *csp_strndup(csp_context *context, const char *text, size_t length);
/* Copies `count` elements of `size` bytes into the arena. */
void *csp_memdup(csp_context *context, const void *data, size_t bytes);

csp_symbol csp_intern(csp_context *context, const char *name, size_t length);
const char *csp_symbol_name(const csp_context *context, csp_symbol symbol);

/* Records the error (at `span` when span is not NULL) and long-jumps to the
 * armed trap.  Never returns. */
_Noreturn void csp_fail(csp_context *context, csp_error_kind kind,
                        const csp_span *span, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* Enters / leaves one level of recursion; csp_enter fails with a limit
 * error past CSP_MAX_DEPTH. */
void csp_enter(csp_context *context, const csp_span *span);
static inline void csp_leave(csp_context *context) { context->depth--; }

/* A growable array of pointers in the arena, for building lists (a grown
 * list leaves its old buffer in the arena until the context is freed). */
typedef struct csp_vec {
    void **items;
    size_t count, capacity;
} csp_vec;
void csp_vec_push(csp_context *context, csp_vec *vec, void *item);
void **csp_vec_finish(csp_context *context, csp_vec *vec);
void csp_vec_free(csp_vec *vec);

/* ---- parse tree ------------------------------------------------------- */

typedef struct csp_expr csp_expr;
typedef struct csp_pat csp_pat;
typedef struct csp_stmt csp_stmt;
typedef struct csp_decl csp_decl;

typedef enum csp_expr_kind {
    /* functional language */
    CSP_E_INT, CSP_E_BOOL, CSP_E_CHAR, CSP_E_STRING, CSP_E_IDENT,
    CSP_E_APPLY,        /* a(items) */
    CSP_E_DOT,          /* a.b */
    CSP_E_BINARY,       /* a op b, op = csp_binop */
    CSP_E_UNARY,        /* op a: negate, not, # */
    CSP_E_IF,           /* if a then b else c */
    CSP_E_LET,          /* let decls within a */
    CSP_E_LAMBDA,       /* \ pats @ a */
    CSP_E_TUPLE,        /* (items) */
    CSP_E_SET,          /* {items} */
    CSP_E_SET_RANGE,    /* {a..b}, b NULL: {a..} */
    CSP_E_SET_COMP,     /* {a | stmts} */
    CSP_E_ENUM_SET,     /* {| items |} */
    CSP_E_ENUM_SET_COMP,/* {| a | stmts |} */
    CSP_E_SEQ,          /* <items> */
    CSP_E_SEQ_RANGE,    /* <a..b>, <a..> */
    CSP_E_SEQ_COMP,     /* <a | stmts> */
    /* process language */
    CSP_E_PREFIX,       /* a fields -> b; fields in `fields` */
    CSP_E_GUARD,        /* a & b */
    CSP_E_EXT,          /* a [] b */
    CSP_E_INTCHOICE,    /* a |~| b */
    CSP_E_SEQCOMP,      /* a ; b */
    CSP_E_INTERRUPT,    /* a /\ b */
    CSP_E_TIMEOUT,      /* a [> b */
    CSP_E_PAR,          /* a [| c |] b */
    CSP_E_APAR,         /* a [ c || d ] b */
    CSP_E_INTERLEAVE,   /* a ||| b */
    CSP_E_HIDE,         /* a \ b */
    CSP_E_RENAME,       /* a [[ items (pairs from,to) | stmts ]] */
    CSP_E_EXCEPTION,    /* a [| c |> b */
    CSP_E_REPLICATED,   /* op stmts @ a (alphabet c for [| c |] and || ) */
    CSP_E_LINKED        /* a [x <-> y, ... | stmts] b: items are pairs x, y */
} csp_expr_kind;

typedef enum csp_binop {
    CSP_OP_ADD, CSP_OP_SUB, CSP_OP_MUL, CSP_OP_DIV, CSP_OP_MOD,
    CSP_OP_EQ, CSP_OP_NE, CSP_OP_LT, CSP_OP_LE, CSP_OP_GT, CSP_OP_GE,
    CSP_OP_AND, CSP_OP_OR, CSP_OP_CONCAT,
    CSP_OP_NEG, CSP_OP_NOT, CSP_OP_LENGTH
} csp_binop;

/* Replicated operators (csp_expr.op for CSP_E_REPLICATED). */
typedef enum csp_repop {
    CSP_REP_EXT, CSP_REP_INT, CSP_REP_INTERLEAVE, CSP_REP_PAR,
    CSP_REP_APAR, CSP_REP_SEQ
} csp_repop;

/* One field of a prefix: `?p`, `?p:S`, `!e`, `.e`, `$p`. */
typedef enum csp_field_kind { CSP_FIELD_INPUT, CSP_FIELD_OUTPUT,
                              CSP_FIELD_DOT, CSP_FIELD_NONDET } csp_field_kind;
typedef struct csp_field {
    csp_field_kind kind;
    csp_pat *pattern;       /* inputs */
    csp_expr *restriction;  /* ?p:S, or NULL */
    csp_expr *value;        /* outputs */
    csp_span span;
} csp_field;

struct csp_expr {
    csp_expr_kind kind;
    csp_span span;
    int op;                 /* csp_binop or csp_repop */
    int64_t number;         /* INT, BOOL, CHAR */
    csp_symbol symbol;      /* IDENT */
    char *text;             /* STRING */
    size_t text_length;
    csp_expr *a, *b, *c, *d;
    csp_expr **items;       /* APPLY args, TUPLE/SET/SEQ items, RENAME pairs */
    size_t count;
    csp_stmt **stmts;       /* comprehensions, replicated operators */
    size_t stmt_count;
    csp_pat **pats;         /* LAMBDA */
    size_t pat_count;
    csp_decl **decls;       /* LET */
    size_t decl_count;
    csp_field *fields;      /* PREFIX */
    size_t field_count;
};

typedef enum csp_pat_kind {
    CSP_P_WILD, CSP_P_VAR, CSP_P_CONST,  /* CONST: a constructor or channel */
    CSP_P_INT, CSP_P_BOOL, CSP_P_CHAR, CSP_P_STRING,
    CSP_P_TUPLE, CSP_P_SEQ, CSP_P_CONCAT, CSP_P_SET, CSP_P_DOT, CSP_P_BOTH
} csp_pat_kind;

struct csp_pat {
    csp_pat_kind kind;
    csp_span span;
    csp_symbol symbol;      /* VAR, CONST */
    int64_t number;
    char *text;
    size_t text_length;
    csp_pat **items;        /* TUPLE, SEQ, SET, DOT (flat), CONCAT (2), BOTH (2) */
    size_t count;
};

typedef struct csp_stmt {
    bool generator;         /* x <- S or x : S; otherwise a predicate */
    csp_pat *pattern;
    csp_expr *expr;
    csp_span span;
} csp_stmt;

typedef enum csp_decl_kind {
    CSP_D_CHANNEL, CSP_D_DATATYPE, CSP_D_NAMETYPE, CSP_D_SUBTYPE,
    CSP_D_FUNCTION, CSP_D_PATTERN, CSP_D_ASSERT, CSP_D_TRANSPARENT,
    CSP_D_EXTERNAL, CSP_D_PRINT
} csp_decl_kind;

/* A datatype constructor: name and field types. */
typedef struct csp_ctor_decl {
    csp_symbol name;
    csp_expr **fields;
    size_t field_count;
    csp_span span;
} csp_ctor_decl;

/* One clause of a function: parameter groups f(a, b)(c) and the body. */
typedef struct csp_clause {
    csp_pat ***groups;      /* groups[i] is an array of group_sizes[i] */
    size_t *group_sizes;
    size_t group_count;
    csp_expr *body;
    csp_span span;
} csp_clause;

typedef enum csp_assert_kind {
    CSP_ASSERT_DEADLOCK, CSP_ASSERT_DIVERGENCE, CSP_ASSERT_DETERMINISM,
    CSP_ASSERT_HAS_TRACE, CSP_ASSERT_REFINES, CSP_ASSERT_OTHER
} csp_assert_kind;

typedef enum csp_semantic_model {
    CSP_MODEL_DEFAULT, CSP_MODEL_T, CSP_MODEL_F, CSP_MODEL_FD
} csp_semantic_model;

struct csp_decl {
    csp_decl_kind kind;
    csp_span span;
    csp_symbol name;            /* DATATYPE, NAMETYPE, SUBTYPE, FUNCTION */
    csp_symbol *names;          /* CHANNEL, TRANSPARENT, EXTERNAL */
    size_t name_count;
    csp_expr *type;             /* CHANNEL (NULL: no data), NAMETYPE */
    csp_ctor_decl *ctors;       /* DATATYPE, SUBTYPE */
    size_t ctor_count;
    csp_clause *clauses;        /* FUNCTION (0 groups: a constant) */
    size_t clause_count;
    csp_pat *pattern;           /* PATTERN */
    csp_expr *expr;             /* PATTERN, PRINT */
    /* ASSERT */
    bool negated;
    csp_assert_kind assert_kind;
    csp_semantic_model semantic_model;
    csp_expr *left, *right;     /* the process(es); right: trace or impl */
    char *assert_text;          /* as written, whitespace collapsed */
};

/* The result of parsing a script and its includes. */
typedef struct csp_program {
    csp_decl **decls;
    size_t decl_count;
} csp_program;

#endif
