/*
 * lts_normal.h — normalisation of an explicit labelled transition system,
 * the way FDR normalises a CSP specification.
 *
 * The input is a finite transition system in compressed rows: states
 * numbered from 0 (the initial one), edges labelled with integers, two of
 * which stand for τ (internal) and ✓ (termination).  The output is its
 * normal form, a deterministic transition system over the visible labels:
 *
 *   - a node is a τ-closed set of input states (subset construction); node
 *     0 is the τ-closure of state 0;
 *   - a node has one edge per visible label some member can do, to the
 *     τ-closure of every member's successors by that label;
 *   - a node records whether a member can terminate (✓ is not an edge:
 *     after ✓ a process is finished and nothing more is compared), whether
 *     a member lies on a τ-cycle (divergence), and its minimal acceptances:
 *     the acceptance of each stable member (its visible initials), and
 *     {✓} for each member that can terminate, stable or not (✓ is a
 *     signal: such a state may refuse every visible event, not ✓),
 *     keeping only the minimal sets.
 *
 * That is all the traces, stable-failures and failures-divergences models
 * observe, so refinement checks against the normal form (refine.h), and a
 * process rebuilt from it (the `normal` compression of the CSP front end)
 * has the same semantics in all three models.
 *
 * The subset construction can blow up exponentially: the caller's limit
 * function is asked before each node is expanded and may stop the build.
 */
#ifndef PNSIM_LTS_NORMAL_H
#define PNSIM_LTS_NORMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define LTS_NORMAL_NONE UINT32_MAX

/* The input: borrowed by the functions below, never kept.  Edges to states
 * numbered state_count or above (reached but never expanded, when a limit
 * cut an exploration short) are ignored. */
typedef struct lts_normal_graph {
    uint32_t state_count;
    const uint64_t *row;        /* state_count + 1 offsets into the edges */
    const uint32_t *label;      /* per edge */
    const uint32_t *target;     /* per edge: a state */
    uint32_t tau, tick;         /* the labels that mean τ and ✓ */
} lts_normal_graph;

/* The normal form.  Every array is owned by it and read-only to callers. */
typedef struct lts_normal {
    size_t count;               /* nodes; 0 is the initial one */
    uint64_t *set_start;        /* count + 1 offsets into members */
    uint32_t *members;          /* each node's states, sorted */
    uint8_t *divergent;         /* per node: a member lies on a τ-cycle */
    uint8_t *can_tick;          /* per node: a member can do ✓ */
    uint64_t *edge_start;       /* count + 1 offsets into the edges */
    uint32_t *edge_label;       /* per edge, increasing within a node */
    uint32_t *edge_target;      /* per edge: a node */
    size_t edge_count;
    uint64_t *acc_start;        /* count + 1 offsets into acc_set: node n's
                                   acceptances are acc_start[n] .. [n+1] */
    uint64_t *acc_set;          /* acceptance k's labels are acc_events
                                   [acc_set[k] .. acc_set[k + 1]), sorted */
    uint32_t *acc_events;
    size_t acc_count;           /* acceptances in all */
    size_t member_count;        /* states in all the nodes */
} lts_normal;

/* Asked before each node is expanded with the nodes made so far and the
 * bytes held; nonzero stops the build. */
typedef int (*lts_normal_limit_fn)(void *context, uint64_t nodes, uint64_t bytes);

/*
 * Normalises `graph`.  `limit` may be NULL.  Returns PNSIM_OK with *normal
 * (the caller owns it: lts_normal_free), or with *normal NULL when `limit`
 * stopped the build; or an error (out of memory).
 */
pnsim_status lts_normal_build(const lts_normal_graph *graph, lts_normal_limit_fn limit,
                              void *context, lts_normal **normal, pnsim_error *error);

void lts_normal_free(lts_normal *normal);

/* The node after visible `label` from `node`, or LTS_NORMAL_NONE. */
uint32_t lts_normal_step(const lts_normal *normal, uint32_t node, uint32_t label);

/* Bytes held by the normal form (for memory limits). */
uint64_t lts_normal_bytes(const lts_normal *normal);

/*
 * Marks in on_cycle[s] the states of `graph` that lie on a cycle of τ-edges
 * (Tarjan's algorithm, iterative) and in stable[s] those with no τ-edge;
 * either array may be NULL.  Both hold state_count entries.  Returns false
 * when out of memory.
 */
bool lts_normal_tau_cycles(const lts_normal_graph *graph, uint8_t *on_cycle,
                           uint8_t *stable);

/* Writes the acceptance of a stable state whose edges carry labels
 * label[begin .. end) into *out (sorted, without duplicates, grown as
 * needed): {tick} when one is `tick`, else the labels.  Returns false when
 * out of memory. */
bool lts_normal_acceptance(const uint32_t *label, uint64_t begin, uint64_t end,
                           uint32_t tick, uint32_t **out, size_t *capacity,
                           size_t *count);

/* Is sorted a[0 .. na) a subset of sorted b[0 .. nb)? */
bool lts_normal_subset(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);

#endif
