/*
 * csp_pragma.h — pnsim's annotations inside a CSPm script: shared
 * resources for the race check.
 *
 * A script declares shared data in comment pragmas, which FDR ignores, so
 * the script stays plain CSPm:
 *
 *     {-# pnsim shared name: counter write: {| store |} read: {| load |} #-}
 *
 * One pragma declares ONE resource: a variable, a memory cell, a data
 * structure.  Its parts, in any order, each at most once:
 *
 *   write: SET    the events that write it (a CSPm set of events: `{| c |}`,
 *                 `{c.1, c.2}`, `union(A, B)`, a name defined in the script)
 *   read: SET     the events that read it; at least one of write: and
 *                 read: is given (an event in both counts as a write)
 *   name: WORD    what reports call it; by default the channels of its
 *                 write events, then of its read events, joined by '/'
 *                 ("store/load")
 *   process: P    the process the race check applies to (a CSPm process
 *                 expression such as SYSTEM or PHIL(3)); by default SYSTEM.
 *                 Every pragma that gives one must give the same.
 *
 * A script may hold several pragmas (one per resource).  Comments that
 * open with `{-#` but do not start with the word `pnsim` belong to other
 * tools and are ignored; a pragma inside another comment is commented out.
 * A malformed pnsim pragma is a parse error, and a set that is not a
 * finite set of events a type error, at the file, line and column of the
 * offending part.
 */
#ifndef PNSIM_CSP_PRAGMA_H
#define PNSIM_CSP_PRAGMA_H

#include "csp_eval.h"

/* One shared resource. */
typedef struct csp_shared {
    const char *name;           /* arena */
    csp_value *writes;          /* finite set of events (may be empty) */
    csp_value *reads;           /* finite set of events (may be empty) */
    csp_span span;              /* the pragma's opening `{-#` */
} csp_shared;

/* Everything the script's pnsim pragmas declare (arena). */
typedef struct csp_pragmas {
    csp_shared *shared;
    size_t shared_count;
    const csp_expr *process;    /* the process: given, or NULL */
    const char *process_text;   /* its text, or NULL */
} csp_pragmas;

/* Finds the pnsim pragmas in every file of the script (the files the
 * context holds when called: the script and what it includes), in order,
 * and parses, checks and evaluates them with `interp`.  Fails through the
 * context's trap. */
void csp_pragmas_read(csp_interp *interp, csp_pragmas *pragmas);

#endif
