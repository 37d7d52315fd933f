/*
 * csp_proc.h — process terms and their operational semantics.
 *
 * Design.  The evaluator turns a process expression into a term: an
 * operator node over child terms, sets and, for a prefix or the right side
 * of `;`, a closure (the expression and its environment) evaluated only
 * when the process moves.  Terms are hash-consed: two structurally equal
 * terms are the same object with the same id, so a term is a state of a
 * leaf process and recursion (`P = a -> P`) closes into a cycle.
 *
 * csp_proc_transitions() implements the firing rules of CSP (τ, ✓ and
 * visible events; ✓ leads to the terminated term Ω) for every operator, so
 * any term can be explored on its own; the compiler (csp_compile.c) uses it
 * to build the explicit transition system of each leaf.  Transitions are
 * computed once per term and cached on it.
 */
#ifndef PNSIM_CSP_PROC_H
#define PNSIM_CSP_PROC_H

#include "csp_value.h"

typedef enum csp_proc_kind {
    CSP_PROC_STOP, CSP_PROC_SKIP, CSP_PROC_DIV, CSP_PROC_OMEGA,
    CSP_PROC_PREFIX,        /* expr (a CSP_E_PREFIX node), env */
    CSP_PROC_EXT,           /* children[count] */
    CSP_PROC_INT,           /* children[count] */
    CSP_PROC_SEQ,           /* children[0] ; (children[1] or expr/env) */
    CSP_PROC_INTERRUPT,     /* children[0] /\ children[1] */
    CSP_PROC_TIMEOUT,       /* children[0] [> children[1] */
    CSP_PROC_PAR,           /* [| set |] over children[count] */
    CSP_PROC_APAR,          /* || over children with alphabets[count] */
    CSP_PROC_INTERLEAVE,    /* ||| over children[count] */
    CSP_PROC_HIDE,          /* children[0] \ set */
    CSP_PROC_RENAME,        /* children[0] [[ from[i] <- to[i] ]] */
    CSP_PROC_EXCEPTION,     /* children[0] [| set |> children[1] */
    CSP_PROC_CHAOS,         /* CHAOS(set) */
    CSP_PROC_RUN            /* RUN(set) */
} csp_proc_kind;

/* Transition labels: an event id (csp_interp events), or one of these. */
#define CSP_LABEL_TAU UINT32_MAX
#define CSP_LABEL_TICK (UINT32_MAX - 1)

typedef struct csp_transition {
    uint32_t label;
    const csp_proc *target;
} csp_transition;

struct csp_proc {
    csp_proc_kind kind;
    uint32_t id;                    /* dense, in order of creation */
    uint64_t hash;
    size_t count;
    const csp_proc **children;
    csp_value *set;                 /* PAR, HIDE, EXCEPTION, CHAOS, RUN */
    csp_value **alphabets;          /* APAR */
    csp_value **rename_from;        /* RENAME: sorted by from */
    csp_value **rename_to;
    size_t rename_count;
    const csp_expr *expr;           /* PREFIX, SEQ (lazy right side) */
    csp_env *env;
    /* cache, filled by csp_proc_transitions */
    bool expanded;
    csp_transition *transitions;
    size_t transition_count;
};

typedef struct csp_interp csp_interp;

/* Returns the interned term equal to `proto` (which may live on the
 * stack; its arrays are copied when it is new). */
const csp_proc *csp_proc_intern(csp_interp *interp, const csp_proc *proto);

const csp_proc *csp_proc_simple(csp_interp *interp, csp_proc_kind kind);

/* The transitions of `proc` (computed once, then cached). */
const csp_transition *csp_proc_transitions(csp_interp *interp,
                                           const csp_proc *proc,
                                           size_t *count);

/* The right side of a sequential composition, evaluated on demand. */
const csp_proc *csp_proc_seq_right(csp_interp *interp, const csp_proc *proc);

/* A short description of a term for state names ("P", "a -> ...") */
char *csp_proc_describe(csp_interp *interp, const csp_proc *proc);

#endif
