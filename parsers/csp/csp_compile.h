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
 * The model owns copies of everything it needs; it does not refer to the
 * script once built.
 */
#ifndef PNSIM_CSP_COMPILE_H
#define PNSIM_CSP_COMPILE_H

#include "csp_eval.h"
#include "model.h"

typedef struct csp_compile_options {
    size_t max_leaf_states;     /* per leaf; 0: the default (200000) */
    size_t max_rules;           /* 0: the default (2000000) */
} csp_compile_options;

/* Builds the model of `root`, named `name`.  Returns a model the caller
 * owns (model_destroy), or fails through the trap. */
model *csp_compile(csp_interp *interp, const csp_proc *root, const char *name,
                   const csp_compile_options *options);

#endif
