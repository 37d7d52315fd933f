/*
 * csp_value.h — the values of CSPm's functional language.
 *
 * Design.  Values are immutable, allocated in the script's arena and
 * shared freely.  One tagged struct covers them all: integers, booleans,
 * characters, tuples, dotted values (events and datatype values: a
 * channel or constructor applied to fields, or a plain dotted list such as
 * `0.C`), sequences, sets, processes and functions.
 *
 * Sets have a canonical form so that structural comparison is equality:
 * every finite set is a sorted array without duplicates; an infinite set of
 * integers ({0..}, Int, their unions and differences) is a sorted list of
 * disjoint intervals; other infinite sets are symbolic (all sequences over
 * a set, all values of a datatype, all events, all processes, the power
 * set, dotted products of sets) and answer membership without being
 * enumerated.  Sequences are arrays, except infinite ones (`<0..>`,
 * comprehensions over them), which are lazily extended buffers.
 *
 * csp_value_compare() is a total order consistent with CSPm equality, and
 * csp_value_hash() agrees with it: both are used to intern processes and
 * events.
 */
#ifndef PNSIM_CSP_VALUE_H
#define PNSIM_CSP_VALUE_H

#include "csp_ast.h"

typedef struct csp_value csp_value;
typedef struct csp_proc csp_proc;
typedef struct csp_env csp_env;

/* A channel or datatype constructor. */
typedef struct csp_ctor {
    csp_symbol name;
    bool channel;
    uint32_t index;             /* declaration order: orders dotted values */
    size_t arity;               /* fields */
    csp_expr **field_exprs;     /* one per field (NULL for product types) */
    csp_value **field_sets;     /* evaluated on first use; NULL before */
    bool evaluating;            /* guards recursive field types */
    csp_symbol datatype;        /* constructors: their type */
    csp_span span;
} csp_ctor;

typedef enum csp_value_kind {
    CSP_V_INT, CSP_V_BOOL, CSP_V_CHAR, CSP_V_TUPLE, CSP_V_DOT, CSP_V_SEQ,
    CSP_V_SET, CSP_V_PROC, CSP_V_FUNC
} csp_value_kind;

typedef enum csp_set_kind {
    CSP_SET_FINITE,     /* items[count], sorted, distinct */
    CSP_SET_INTS,       /* intervals lo[i]..hi[i], INT64_MIN/MAX unbounded */
    CSP_SET_SEQS,       /* every sequence over `base` */
    CSP_SET_DATATYPE,   /* every value of datatype `symbol` */
    CSP_SET_EVENTS,     /* every event */
    CSP_SET_PROCS,      /* every process */
    CSP_SET_POWER,      /* every subset of `base` */
    CSP_SET_PRODUCT,    /* items[i] dotted: all a.b.c with a in items[0]... */
    CSP_SET_COMBINED    /* op applied to base and other (union, inter, diff) */
} csp_set_kind;

typedef enum csp_func_kind {
    CSP_F_CLOSURE,      /* lambda or named function: clauses + env */
    CSP_F_BUILTIN
} csp_func_kind;

/* A lazily extended infinite sequence. */
typedef struct csp_lazy csp_lazy;

struct csp_value {
    csp_value_kind kind;
    union {
        int64_t number;                 /* INT, BOOL, CHAR */
        struct {
            csp_value **items;
            size_t count;
        } tuple;                        /* TUPLE */
        struct {
            const csp_ctor *head;       /* NULL: a plain dotted list */
            csp_value **fields;
            size_t count;
        } dot;                          /* DOT */
        struct {
            csp_value **items;
            size_t count;
            csp_lazy *lazy;             /* non-NULL: infinite */
            size_t offset;              /* lazy: elements dropped */
        } seq;                          /* SEQ */
        struct {
            csp_set_kind kind;
            csp_value **items;          /* FINITE, PRODUCT */
            size_t count;
            int64_t *lo, *hi;           /* INTS */
            csp_value *base, *other;    /* SEQS, POWER, COMBINED */
            int op;                     /* COMBINED: 0 union, 1 inter, 2 diff */
            csp_symbol symbol;          /* DATATYPE */
        } set;                          /* SET */
        const csp_proc *proc;           /* PROC */
        struct {
            csp_func_kind kind;
            const csp_decl *decl;       /* named function (clauses) */
            const csp_expr *lambda;     /* lambda */
            csp_env *env;
            int builtin;
            size_t arity;               /* arguments per group (builtin) */
            csp_value **applied;        /* arguments given so far: groups */
            size_t applied_count;
            csp_symbol name;
        } func;                         /* FUNC */
    } as;
};

/* ---- environments ----------------------------------------------------- */

/* A frame of local bindings.  Value frames (parameters, pattern variables)
 * compare by their values; let frames compare by identity, since their
 * bindings may refer to each other. */
struct csp_env {
    csp_env *parent;
    bool let_frame;
    uint64_t id;                /* let frames: unique */
    size_t count;
    csp_symbol *names;
    csp_value **values;         /* NULL entries: let thunks not yet forced */
    const csp_decl **decls;     /* let frames: the definition of each name */
    uint8_t *state;             /* let frames: 0 new, 1 evaluating, 2 done */
};

/* ---- construction ----------------------------------------------------- */

csp_value *csp_int(csp_context *context, int64_t number);
csp_value *csp_bool(csp_context *context, bool flag);
csp_value *csp_tuple(csp_context *context, csp_value **items, size_t count);
csp_value *csp_seq(csp_context *context, csp_value **items, size_t count);
/* Sorts and removes duplicates; canonical form. */
csp_value *csp_set_finite(csp_context *context, csp_value **items, size_t count);
csp_value *csp_set_range(csp_context *context, int64_t lo, int64_t hi);
csp_value *csp_set_symbolic(csp_context *context, csp_set_kind kind);
csp_value *csp_proc_value(csp_context *context, const csp_proc *proc);

/* ---- queries ---------------------------------------------------------- */

int csp_value_compare(const csp_value *a, const csp_value *b);
/* Processes compare by their interned identity (csp_proc.h). */
uint32_t csp_proc_identity(const csp_proc *proc);
uint64_t csp_value_hash(const csp_value *value);
bool csp_value_equal(const csp_value *a, const csp_value *b);

int csp_env_compare(const csp_env *a, const csp_env *b);
uint64_t csp_env_hash(const csp_env *env);

/* True when the dotted value is a complete event or datatype value. */
bool csp_dot_complete(const csp_value *value);

/* A printable rendering ("c.1.X", "{0, 1}", "<a>"), in the arena. */
char *csp_value_show(csp_context *context, const csp_value *value);

/* Membership; may evaluate lazily (fails through the trap). */
bool csp_set_member(csp_context *context, const csp_value *element,
                    const csp_value *set);

/* The elements of a finite set, or fails with an evaluation error naming
 * `span` when the set is infinite. */
csp_value **csp_set_elements(csp_context *context, const csp_value *set,
                             size_t *count, const csp_span *span);

/* True when the set can be enumerated. */
bool csp_set_is_finite(csp_context *context, const csp_value *set);

csp_value *csp_set_union(csp_context *context, csp_value *a, csp_value *b);
csp_value *csp_set_inter(csp_context *context, csp_value *a, csp_value *b);
csp_value *csp_set_diff(csp_context *context, csp_value *a, csp_value *b);
/* a <= b (subset) */
bool csp_set_subset(csp_context *context, const csp_value *a,
                    const csp_value *b, const csp_span *span);

/* Hooks the evaluator provides to the set code: enumerating all values of a
 * datatype, all events, the next lazy sequence element. */
typedef struct csp_value_hooks {
    csp_value **(*datatype_values)(csp_context *context, csp_symbol type,
                                   size_t *count, const csp_span *span);
    csp_value **(*all_events)(csp_context *context, size_t *count,
                              const csp_span *span);
    bool (*datatype_member)(csp_context *context, csp_symbol type,
                            const csp_value *value);
    /* Makes at least `needed` elements of `lazy` available; false if the
     * sequence ends sooner (never, for the infinite ones). */
    void (*lazy_force)(csp_context *context, csp_lazy *lazy, size_t needed);
} csp_value_hooks;

/* Defined by the evaluator (csp_eval.c). */
extern const csp_value_hooks csp_hooks;

/* The lazy buffer: items produced so far. */
struct csp_lazy {
    csp_value **items;
    size_t count, capacity;
    /* generator state, owned by the evaluator */
    int64_t next;               /* <n..>: the next integer */
    const csp_expr *comp;       /* comprehension, or NULL for <n..> */
    csp_env *env;
    csp_value *source;          /* comprehension: the infinite source */
    size_t source_index;
};

/* Element `index` of a sequence (forcing lazy ones), or NULL past the end. */
csp_value *csp_seq_at(csp_context *context, const csp_value *seq, size_t index);
/* A finite sequence's length; fails for infinite ones. */
size_t csp_seq_length(csp_context *context, const csp_value *seq,
                      const csp_span *span);

#endif
