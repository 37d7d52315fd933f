/*
 * fuzz_csp.c — the CSPm front end on arbitrary text: the lexer and parser
 * (csp_parse_text), the global scope and channel types (csp_interp_init,
 * csp_eval_channel_types), every constant definition evaluated, and for the
 * ones that are processes the first terms of their transition system.
 *
 * Written against the front end's internal headers (csp_ast.h, csp_eval.h,
 * csp_proc.h): the front end has no public entry point (csp.h) yet.  Each
 * stage fails through the context's trap, which this harness arms as a
 * public entry point would.
 */
#include "fuzz.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "csp/csp_ast.h"
#include "csp/csp_eval.h"
#include "csp/csp_parse.h"
#include "csp/csp_proc.h"

enum { FUZZ_CSP_MAX_TERMS = 64 };

static void explore_terms(csp_interp *interp, const csp_proc *initial)
{
    const csp_proc *seen[FUZZ_CSP_MAX_TERMS];
    size_t count = 0;
    seen[count++] = initial;
    for (size_t next = 0; next < count; next++) {
        size_t transition_count = 0;
        const csp_transition *transitions =
            csp_proc_transitions(interp, seen[next], &transition_count);
        for (size_t i = 0; i < transition_count; i++) {
            bool known = false;
            for (size_t k = 0; k < count && !known; k++)
                known = seen[k] == transitions[i].target;
            if (!known && count < FUZZ_CSP_MAX_TERMS)
                seen[count++] = transitions[i].target;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (text == NULL)
        return 0;

    csp_context context;
    csp_context_init(&context);
    pnsim_error error;
    pnsim_error_clear(&error);
    jmp_buf trap;
    context.trap = &trap;
    context.error = &error;
    /* csp_interp_init can fail midway with tables already allocated: the
     * trap's owner frees the interpreter whatever happened (a zeroed one
     * frees nothing). */
    csp_interp interp;
    memset(&interp, 0, sizeof interp);
    if (setjmp(trap) == 0) {
        csp_program program;
        memset(&program, 0, sizeof program);
        csp_parse_text(&context, "fuzz.csp", text, &program);
        csp_interp_init(&interp, &context, &program);
        csp_eval_channel_types(&interp);
        for (size_t i = 0; i < program.decl_count; i++) {
            const csp_decl *decl = program.decls[i];
            if (decl->kind != CSP_D_FUNCTION || decl->clause_count == 0 ||
                decl->clauses[0].group_count != 0)
                continue;
            context.depth = 0;
            csp_value *value = csp_eval_global(&interp, decl->name,
                                               &decl->span);
            if (value != NULL && value->kind == CSP_V_PROC)
                explore_terms(&interp, value->as.proc);
        }
    }
    csp_interp_free(&interp);
    csp_context_free(&context);
    free(text);
    return 0;
}
