/*
 * csp_check.h — static checks of a parsed CSPm script: scoping, duplicate
 * definitions and the type errors visible without inference (see
 * csp_check.c).  Also resolves constructor names in patterns.
 */
#ifndef PNSIM_CSP_CHECK_H
#define PNSIM_CSP_CHECK_H

#include "csp_eval.h"

/* Checks `program` against the interpreter's global scope (which
 * csp_interp_init built); fails through the trap with a type error. */
void csp_check_program(csp_interp *interp, const csp_program *program);

#endif
