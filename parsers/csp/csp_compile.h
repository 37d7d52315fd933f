/*
 * csp_compile.h — from a process term to a `model` (engine/model.h).
 *
 * Design (FDR's "supercombinator" idea).  The process is split into a
 * network and leaves.  The network is the tree of static operators at the
 * top — parallel (all three forms, replicated or not), interleaving,
 * hiding and renaming — and each leaf is the largest subterm below it that
 * is not one of those.  Every leaf is compiled to an explicit labelled
 * transition system by exploring its terms with the firing rules
 * (csp_proc.c); a leaf that exceeds the state limit stops the compilation
 * with a limit error, so an infinite-state process never hangs the tool.
 *
 * The network becomes a list of synchronisation rules: each rule names the
 * leaves taking part and the label each must perform, and the label the
 * system shows (an event, τ after hiding, ✓).  A system state is the
 * vector of leaf states (one slot per leaf), plus a `terminated` slot when
 * the network has a parallel node: a leaf's ✓ inside a parallel
 * composition is a τ moving that leaf to Ω, and once every leaf is in Ω
 * the system performs ✓ and sets the slot (distributed termination).
 * Nested parallel compositions terminate together at the top.
 *
 * Shared resources (csp_pragma.h) become the model's race facts.  A rule
 * accesses a resource when the event it shows, or the event one of its
 * leaves performs in it (before hiding and renaming, so that a hidden
 * access still counts), is in the resource's write set (a write) or read
 * set (a read).  A leaf *owns* a resource when it takes part in every rule
 * that accesses it: the variable or memory process every access
 * synchronises with.  A rule's `consumes` are the leaves taking part in
 * it apart from the owners of the resources it accesses, so two threads
 * that both talk to the variable process do not compete for it, while two
 * accesses that need one thread, or one lock state, do.  A leaf that runs
 * several threads itself (`(T1 ||| T2) ; P` is one leaf) and takes part in
 * every access owns the resource too: a choice it offers between two
 * accesses counts as independent, which reports a race between its
 * threads — and also between two accesses one sequential process offers
 * in an external choice.
 *
 * The model owns copies of everything it needs; it does not refer to the
 * script once built.
 */
#ifndef PNSIM_CSP_COMPILE_H
#define PNSIM_CSP_COMPILE_H

#include "csp_eval.h"
#include "csp_pragma.h"
#include "model.h"

typedef struct csp_compile_options {
    size_t max_leaf_states;     /* per leaf; 0: the default (200000) */
    size_t max_rules;           /* 0: the default (2000000) */
    const csp_shared *shared;   /* shared resources (csp_pragma.h) */
    size_t shared_count;
} csp_compile_options;

/* Builds the model of `root`, named `name`.  Returns a model the caller
 * owns (model_destroy), or fails through the trap. */
model *csp_compile(csp_interp *interp, const csp_proc *root, const char *name,
                   const csp_compile_options *options);

#endif
