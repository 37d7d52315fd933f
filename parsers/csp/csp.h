/*
 * csp.h — pnsim's CSPm front end: load a script, list its assertions, and
 * build the `model` (engine/model.h) of a process for the checkers.
 *
 * A script is parsed (csp_parse), checked (csp_check) and kept with its
 * evaluator (csp_eval), so that processes are evaluated on demand and
 * shared between assertions.  Errors come back as pnsim_error values at
 * file:line:column whose message starts with the kind of error ("parse
 * error: ...", "type error: ...", "evaluation error: ...", "limit: ...");
 * csp_error_kind_of() reads the kind back.  Nothing here prints or exits.
 *
 * Ownership: csp_load returns a script the caller frees with csp_free;
 * strings and arrays it hands out belong to the script; models built from
 * it belong to the caller (model_destroy) and outlive the script.
 */
#ifndef PNSIM_CSP_H
#define PNSIM_CSP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "model.h"

typedef struct csp_script csp_script;

typedef enum csp_check_kind {
    CSP_CHECK_DEADLOCK_FREE,
    CSP_CHECK_DIVERGENCE_FREE,
    CSP_CHECK_DETERMINISTIC,
    CSP_CHECK_HAS_TRACE,
    CSP_CHECK_REFINEMENT,       /* [T= [F= [FD= */
    CSP_CHECK_OTHER             /* other properties and models */
} csp_check_kind;

typedef enum csp_check_model {
    CSP_CHECK_MODEL_T, CSP_CHECK_MODEL_F, CSP_CHECK_MODEL_FD
} csp_check_model;

typedef struct csp_assertion {
    const char *text;           /* as written, whitespace collapsed */
    const char *file;           /* the file it is in (includes count) */
    unsigned long line;
    csp_check_kind kind;
    csp_check_model semantic_model; /* default resolved: FD for deadlock,
                                       divergence and determinism, T for
                                       has trace */
    bool negated;               /* assert not ... */
} csp_assertion;

/* Classification of a failure, from the error's message. */
typedef enum csp_failure {
    CSP_FAILURE_NONE, CSP_FAILURE_PARSE, CSP_FAILURE_TYPE, CSP_FAILURE_EVAL,
    CSP_FAILURE_LIMIT, CSP_FAILURE_OTHER
} csp_failure;

typedef struct csp_build_options {
    size_t max_leaf_states;     /* per leaf process; 0: default */
} csp_build_options;

/* Loads, parses and checks the script at `path`.  Returns NULL with
 * `error` set on failure.  The caller owns the result. */
csp_script *csp_load(const char *path, pnsim_error *error);

/* Same, from text in memory (`name` stands for the file in errors;
 * includes are resolved relative to it). */
csp_script *csp_load_text(const char *name, const char *text,
                          pnsim_error *error);

void csp_free(csp_script *script);

size_t csp_assertion_count(const csp_script *script);
/* The index-th assertion (0-based), owned by the script. */
const csp_assertion *csp_assertion_at(const csp_script *script, size_t index);

/* Builds the model of the assertion's process (the left-hand side).
 * Returns NULL with `error` set on failure (evaluation errors, limits). */
model *csp_assertion_model(csp_script *script, size_t index,
                           const csp_build_options *options, pnsim_error *error);

/* Builds the model of a refinement assertion's right-hand side, the
 * implementation (csp_assertion_model builds the specification).  Returns
 * NULL with `error` set on failure, or when the assertion is not a
 * refinement (PNSIM_ERR_USAGE). */
model *csp_assertion_impl_model(csp_script *script, size_t index,
                                const csp_build_options *options,
                                pnsim_error *error);

/* Builds the model of a process given as a CSPm expression over the
 * script's definitions ("SYSTEM", "PHIL(3)"). */
model *csp_process_model(csp_script *script, const char *expression,
                         const csp_build_options *options, pnsim_error *error);

/* The process a picture or state space should show by default: the
 * process of the last assertion, else a definition called SYSTEM or MAIN,
 * else the last process-like definition.  NULL when there is none.  The
 * string belongs to the script. */
const char *csp_default_process(const csp_script *script);

/* Shared resources, for the race check: the script's
 * `{-# pnsim shared ... #-}` pragmas (one resource each; csp_pragma.h
 * gives the syntax).  Every model built from the script carries them as
 * model.resource_names, with each transition's accesses and the leaf
 * processes it takes (model.h).  The number declared: */
size_t csp_shared_count(const csp_script *script);

/* Builds the model the race check applies to: the process `expression`
 * when not NULL, else the one the pragmas name with process:, else
 * SYSTEM.  Returns NULL with `error` set on failure (evaluation errors,
 * limits; no resource declared, PNSIM_ERR_USAGE; no process to check, an
 * input error at the first pragma). */
model *csp_shared_model(csp_script *script, const char *expression,
                        const csp_build_options *options, pnsim_error *error);

/* The trace of a `has trace` assertion as event names ("coin",
 * "request.tea"): fills *events (owned by the script) and *count.  Returns
 * PNSIM_OK or an error (a non-event in the trace). */
pnsim_status csp_assertion_trace(csp_script *script, size_t index,
                                 const char *const **events, size_t *count,
                                 pnsim_error *error);

/* Evaluates the top-level definition `name` and requires a boolean:
 * returns 1 (true), 0 (false) or -1 with `error` set. */
int csp_evaluate_boolean(csp_script *script, const char *name,
                         pnsim_error *error);

/* The names of the script's top-level definitions without parameters, in
 * order (owned by the script). */
const char *const *csp_constant_names(const csp_script *script, size_t *count);

/* The kind of failure an error from this front end reports. */
csp_failure csp_failure_of(const pnsim_error *error);

#endif
