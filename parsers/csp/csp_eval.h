/*
 * csp_eval.h — the evaluator of CSPm's functional language.
 *
 * Design.  A call-by-value interpreter over the parse tree with lazy
 * top-level and `let` definitions: each global or let-bound name is a thunk
 * evaluated on first use and cached, and re-entering a thunk that is being
 * evaluated is reported as unguarded recursion (`P = P [] STOP`).
 * Environments are chains of frames (csp_value.h).  Booleans short-circuit,
 * `/` and `%` round like Haskell's div and mod, and errors (division by
 * zero, head(<>), a value outside a channel's type, an empty replicated
 * |~|, a failed pattern match) go through the context's trap as
 * evaluation errors with the expression's position.
 *
 * Dotted values follow FDR: `.` builds a flat list of fields that each
 * channel or constructor groups by its arity; a value completing a channel
 * or constructor is checked against the declared field types.  Patterns
 * over dotted values match field by field, and the last variable of a
 * dotted pattern takes all the remaining fields.
 *
 * Process expressions evaluate to interned terms (csp_proc.h); the
 * interpreter also owns the table of events that terms' transitions name.
 */
#ifndef PNSIM_CSP_EVAL_H
#define PNSIM_CSP_EVAL_H

#include "csp_proc.h"
#include "csp_value.h"

typedef enum csp_global_kind {
    CSP_G_NONE, CSP_G_DEFINITION, CSP_G_PATTERN, CSP_G_CTOR,
    CSP_G_DATATYPE, CSP_G_NAMETYPE, CSP_G_BUILTIN
} csp_global_kind;

typedef struct csp_global {
    csp_global_kind kind;
    const csp_decl *decl;
    csp_ctor *ctor;             /* CTOR (channels and constructors) */
    csp_ctor **ctors;           /* DATATYPE: its constructors */
    size_t ctor_count;
    int builtin;                /* BUILTIN */
    csp_value *value;           /* cached */
    uint8_t state;              /* 0 new, 1 evaluating, 2 done */
    bool transparent;
} csp_global;

struct csp_interp {
    csp_context *context;
    csp_global *globals;        /* indexed by symbol; malloc'd */
    size_t global_count;
    csp_ctor **channels;        /* arena */
    size_t channel_count;
    uint32_t ctor_count;
    uint64_t next_frame;
    /* interned process terms */
    const csp_proc **procs;     /* by id; malloc'd */
    size_t proc_count, proc_capacity;
    uint32_t *proc_table;       /* hash -> id; malloc'd */
    size_t proc_table_size;
    /* interned events */
    csp_value **events;         /* by id; malloc'd */
    char **event_names;         /* arena */
    size_t event_count, event_capacity;
    uint32_t *event_table;      /* malloc'd */
    size_t event_table_size;
    csp_symbol sym_underscore;
    csp_ctor *link_channel;     /* the hidden channel of linked parallel */
    /* process terms passed to sbisim (arena): the compiler reduces those
     * that become leaves by strong bisimulation */
    csp_vec compressed;
    csp_vec normalised;         /* passed to normal: normalised likewise */
};

/* Sets up the global scope for `program` (declarations, constructors,
 * built-ins).  Fails through the trap with a type error for a name
 * defined twice. */
void csp_interp_init(csp_interp *interp, csp_context *context,
                     const csp_program *program);
/* Releases the interpreter's tables (not the arena). */
void csp_interp_free(csp_interp *interp);

csp_value *csp_eval(csp_interp *interp, const csp_expr *expr, csp_env *env);
/* Evaluates `expr` and requires a process. */
const csp_proc *csp_eval_proc(csp_interp *interp, const csp_expr *expr,
                              csp_env *env);
/* The value of a global name (NULL if the name is not defined). */
csp_value *csp_eval_global(csp_interp *interp, csp_symbol name,
                           const csp_span *span);

/* The id of an event value (interning it). */
uint32_t csp_event_id(csp_interp *interp, csp_value *event);

/* The events a prefix offers with the environments binding its inputs:
 * fills `events` and `envs` (arena arrays) and returns their number. */
size_t csp_prefix_events(csp_interp *interp, const csp_expr *prefix,
                         csp_env *env, csp_value ***events, csp_env ***envs);

/* Every complete value extending a dotted prefix (productions). */
csp_value **csp_productions(csp_interp *interp, csp_value *prefix,
                            size_t *count, const csp_span *span);

/* The interpreter behind the value hooks: set by csp_interp_init, used by
 * the set code to reach datatypes and events. */
csp_interp *csp_interp_of(csp_context *context);

/* Evaluates the field types of every channel (so that their arities are
 * known) — part of the static check. */
void csp_eval_channel_types(csp_interp *interp);
size_t csp_ctor_arity(csp_interp *interp, csp_ctor *ctor);

#endif
