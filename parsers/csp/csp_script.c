/*
 * csp_script.c — the CSPm front end's public interface (csp.h): loading a
 * script, its assertions, and building models of its processes.
 *
 * Every entry point arms the context's error trap (setjmp) before calling
 * into the parser, checker, evaluator or compiler, which report user
 * errors by long-jumping back here with the error recorded.
 */
#include "csp.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "csp_check.h"
#include "csp_compile.h"
#include "csp_eval.h"
#include "csp_parse.h"
#include "csp_pragma.h"

struct csp_script {
    csp_context context;
    csp_interp interp;
    csp_program program;
    csp_assertion *assertions;      /* arena */
    const csp_decl **assert_decls;  /* arena */
    size_t assertion_count;
    const char *default_process;
    const char **constant_names;    /* arena */
    size_t constant_count;
    csp_pragmas pragmas;            /* shared resources (arena) */
};

/* Arms the trap: use as `if (ARM(script, error)) { failure }`. */
#define ARM(script, trap_buffer, error)                                       \
    ((script)->context.trap = &(trap_buffer),                                 \
     (script)->context.error = (error), (script)->context.depth = 0,          \
     setjmp(trap_buffer) != 0)

static void collect_assertions(csp_script *script)
{
    csp_context *context = &script->context;
    size_t count = 0;
    for (size_t i = 0; i < script->program.decl_count; i++)
        if (script->program.decls[i]->kind == CSP_D_ASSERT)
            count++;
    script->assertions = csp_alloc(context, (count + 1) * sizeof *script->assertions);
    script->assert_decls = csp_alloc(context, (count + 1) * sizeof *script->assert_decls);
    size_t at = 0;
    for (size_t i = 0; i < script->program.decl_count; i++) {
        const csp_decl *decl = script->program.decls[i];
        if (decl->kind != CSP_D_ASSERT)
            continue;
        csp_assertion *a = &script->assertions[at];
        script->assert_decls[at] = decl;
        a->text = decl->assert_text;
        a->file = context->files[decl->span.file].path;
        a->line = decl->span.line;
        a->negated = decl->negated;
        switch (decl->assert_kind) {
        case CSP_ASSERT_DEADLOCK: a->kind = CSP_CHECK_DEADLOCK_FREE; break;
        case CSP_ASSERT_DIVERGENCE: a->kind = CSP_CHECK_DIVERGENCE_FREE; break;
        case CSP_ASSERT_DETERMINISM: a->kind = CSP_CHECK_DETERMINISTIC; break;
        case CSP_ASSERT_HAS_TRACE: a->kind = CSP_CHECK_HAS_TRACE; break;
        case CSP_ASSERT_REFINES: a->kind = CSP_CHECK_REFINEMENT; break;
        default: a->kind = CSP_CHECK_OTHER; break;
        }
        switch (decl->semantic_model) {
        case CSP_MODEL_T: a->semantic_model = CSP_CHECK_MODEL_T; break;
        case CSP_MODEL_F: a->semantic_model = CSP_CHECK_MODEL_F; break;
        case CSP_MODEL_FD: a->semantic_model = CSP_CHECK_MODEL_FD; break;
        default:
            a->semantic_model = decl->assert_kind == CSP_ASSERT_HAS_TRACE
                                    ? CSP_CHECK_MODEL_T : CSP_CHECK_MODEL_FD;
            break;
        }
        at++;
    }
    script->assertion_count = count;
}

static const char *expression_text(csp_script *script, const csp_expr *expr)
{
    const csp_file *file = &script->context.files[expr->span.file];
    size_t length = expr->span.end > expr->span.start
                        ? expr->span.end - expr->span.start : 0;
    return csp_strndup(&script->context, file->text + expr->span.start, length);
}

static void choose_default(csp_script *script)
{
    for (size_t i = script->assertion_count; i > 0; i--) {
        const csp_decl *decl = script->assert_decls[i - 1];
        const csp_expr *process = decl->assert_kind == CSP_ASSERT_REFINES
                                      ? decl->right : decl->left;
        if (process != NULL) {
            script->default_process = expression_text(script, process);
            return;
        }
    }
    const char *names[] = {"SYSTEM", "MAIN", "System", "Main"};
    for (size_t n = 0; n < 4; n++) {
        csp_symbol symbol = csp_intern(&script->context, names[n], strlen(names[n]));
        if (symbol < script->interp.global_count &&
            script->interp.globals[symbol].kind == CSP_G_DEFINITION) {
            script->default_process = names[n];
            return;
        }
    }
    for (size_t i = script->program.decl_count; i > 0; i--) {
        const csp_decl *decl = script->program.decls[i - 1];
        if (decl->kind == CSP_D_FUNCTION && decl->clauses[0].group_count == 0) {
            const csp_expr *body = decl->clauses[0].body;
            if (body->kind >= CSP_E_PREFIX) {
                script->default_process = csp_symbol_name(&script->context, decl->name);
                return;
            }
        }
    }
}

static csp_script *load(const char *path, const char *text, pnsim_error *error)
{
    pnsim_error_clear(error);
    csp_script *script = calloc(1, sizeof *script);
    if (script == NULL) {
        pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    csp_context_init(&script->context);
    jmp_buf trap;
    if (ARM(script, trap, error)) {
        csp_free(script);
        return NULL;
    }
    if (text != NULL)
        csp_parse_text(&script->context, path, text, &script->program);
    else
        csp_parse_file(&script->context, path, &script->program);
    csp_interp_init(&script->interp, &script->context, &script->program);
    csp_check_program(&script->interp, &script->program);
    collect_assertions(script);
    choose_default(script);
    csp_pragmas_read(&script->interp, &script->pragmas);
    script->constant_names = csp_alloc(&script->context,
                                       (script->program.decl_count + 1) *
                                           sizeof *script->constant_names);
    for (size_t i = 0; i < script->program.decl_count; i++) {
        const csp_decl *decl = script->program.decls[i];
        if (decl->kind == CSP_D_FUNCTION && decl->clauses[0].group_count == 0)
            script->constant_names[script->constant_count++] =
                csp_symbol_name(&script->context, decl->name);
    }
    script->context.trap = NULL;
    return script;
}

csp_script *csp_load(const char *path, pnsim_error *error)
{
    return load(path, NULL, error);
}

csp_script *csp_load_text(const char *name, const char *text, pnsim_error *error)
{
    return load(name, text, error);
}

void csp_free(csp_script *script)
{
    if (script == NULL)
        return;
    csp_interp_free(&script->interp);
    csp_context_free(&script->context);
    free(script);
}

size_t csp_assertion_count(const csp_script *script)
{
    return script->assertion_count;
}

const csp_assertion *csp_assertion_at(const csp_script *script, size_t index)
{
    return index < script->assertion_count ? &script->assertions[index] : NULL;
}

static model *build(csp_script *script, const csp_expr *expr, const char *name,
                    const csp_build_options *options, pnsim_error *error)
{
    (void)error;    /* errors go through the armed trap */
    const csp_proc *proc = csp_eval_proc(&script->interp, expr, NULL);
    csp_compile_options compile = {0};
    if (options != NULL)
        compile.max_leaf_states = options->max_leaf_states;
    compile.shared = script->pragmas.shared;
    compile.shared_count = script->pragmas.shared_count;
    return csp_compile(&script->interp, proc, name, &compile);
}

model *csp_assertion_model(csp_script *script, size_t index,
                           const csp_build_options *options, pnsim_error *error)
{
    pnsim_error_clear(error);
    if (index >= script->assertion_count) {
        pnsim_error_set(error, PNSIM_ERR_USAGE, "there is no assertion %zu",
                        index + 1);
        return NULL;
    }
    jmp_buf trap;
    if (ARM(script, trap, error))
        return NULL;
    const csp_decl *decl = script->assert_decls[index];
    const csp_expr *process = decl->left;
    model *result = build(script, process, expression_text(script, process),
                          options, error);
    script->context.trap = NULL;
    return result;
}

model *csp_assertion_impl_model(csp_script *script, size_t index,
                                const csp_build_options *options,
                                pnsim_error *error)
{
    pnsim_error_clear(error);
    if (index >= script->assertion_count ||
        script->assert_decls[index]->assert_kind != CSP_ASSERT_REFINES ||
        script->assert_decls[index]->right == NULL) {
        pnsim_error_set(error, PNSIM_ERR_USAGE,
                        "assertion %zu is not a refinement", index + 1);
        return NULL;
    }
    jmp_buf trap;
    if (ARM(script, trap, error))
        return NULL;
    const csp_expr *process = script->assert_decls[index]->right;
    model *result = build(script, process, expression_text(script, process),
                          options, error);
    script->context.trap = NULL;
    return result;
}

model *csp_process_model(csp_script *script, const char *expression,
                         const csp_build_options *options, pnsim_error *error)
{
    pnsim_error_clear(error);
    jmp_buf trap;
    if (ARM(script, trap, error))
        return NULL;
    csp_expr *expr = csp_parse_expression(&script->context, "--process", expression);
    /* the expression may only use the script's names */
    csp_program one = {0};
    csp_decl decl = {.kind = CSP_D_PRINT, .expr = expr};
    csp_decl *decls[1] = {&decl};
    one.decls = decls;
    one.decl_count = 1;
    csp_check_program(&script->interp, &one);
    model *result = build(script, expr, expression, options, error);
    script->context.trap = NULL;
    return result;
}

const char *csp_default_process(const csp_script *script)
{
    return script->default_process;
}

size_t csp_shared_count(const csp_script *script)
{
    return script->pragmas.shared_count;
}

model *csp_shared_model(csp_script *script, const char *expression,
                        const csp_build_options *options, pnsim_error *error)
{
    pnsim_error_clear(error);
    if (script->pragmas.shared_count == 0) {
        pnsim_error_set(error, PNSIM_ERR_USAGE,
                        "the script declares no shared resource");
        return NULL;
    }
    if (expression != NULL)
        return csp_process_model(script, expression, options, error);
    jmp_buf trap;
    if (ARM(script, trap, error))
        return NULL;
    const csp_expr *process = script->pragmas.process;
    const char *name = script->pragmas.process_text;
    if (process == NULL) {
        csp_symbol symbol = csp_intern(&script->context, "SYSTEM", 6);
        if (symbol >= script->interp.global_count ||
            script->interp.globals[symbol].kind != CSP_G_DEFINITION)
            csp_fail(&script->context, CSP_ERROR_PARSE,
                     &script->pragmas.shared[0].span,
                     "pnsim pragma: the script defines no SYSTEM; name the "
                     "process to check with process: P");
        name = "SYSTEM";
        process = csp_parse_expression(&script->context, name, name);
    }
    model *result = build(script, process, name, options, error);
    script->context.trap = NULL;
    return result;
}

pnsim_status csp_assertion_trace(csp_script *script, size_t index,
                                 const char *const **events, size_t *count,
                                 pnsim_error *error)
{
    pnsim_error_clear(error);
    if (index >= script->assertion_count ||
        script->assert_decls[index]->assert_kind != CSP_ASSERT_HAS_TRACE)
        return pnsim_error_set(error, PNSIM_ERR_USAGE,
                               "assertion %zu is not a has-trace assertion",
                               index + 1);
    jmp_buf trap;
    if (ARM(script, trap, error))
        return error->status;
    const csp_expr *expr = script->assert_decls[index]->right;
    csp_value *seq = csp_eval(&script->interp, expr, NULL);
    if (seq->kind != CSP_V_SEQ)
        csp_fail(&script->context, CSP_ERROR_TYPE, &expr->span,
                 "has trace needs a sequence of events");
    size_t n = csp_seq_length(&script->context, seq, &expr->span);
    const char **names = csp_alloc(&script->context, (n + 1) * sizeof *names);
    for (size_t i = 0; i < n; i++) {
        csp_value *event = seq->as.seq.items[i];
        if (!csp_set_member(&script->context, event,
                            csp_set_symbolic(&script->context, CSP_SET_EVENTS)))
            csp_fail(&script->context, CSP_ERROR_TYPE, &expr->span,
                     "%s is not an event", csp_value_show(&script->context, event));
        /* The id first: interning a new event may move event_names. */
        uint32_t id = csp_event_id(&script->interp, event);
        names[i] = script->interp.event_names[id];
    }
    *events = names;
    *count = n;
    script->context.trap = NULL;
    return PNSIM_OK;
}

int csp_evaluate_boolean(csp_script *script, const char *name, pnsim_error *error)
{
    pnsim_error_clear(error);
    jmp_buf trap;
    if (ARM(script, trap, error))
        return -1;
    csp_symbol symbol = csp_intern(&script->context, name, strlen(name));
    csp_value *value = csp_eval_global(&script->interp, symbol, NULL);
    if (value == NULL)
        csp_fail(&script->context, CSP_ERROR_TYPE, NULL, "%s is not defined", name);
    if (value->kind != CSP_V_BOOL)
        csp_fail(&script->context, CSP_ERROR_TYPE, NULL, "%s is not a boolean", name);
    script->context.trap = NULL;
    return value->as.number != 0;
}

const char *const *csp_constant_names(const csp_script *script, size_t *count)
{
    *count = script->constant_count;
    return script->constant_names;
}

csp_failure csp_failure_of(const pnsim_error *error)
{
    if (error == NULL || error->status == PNSIM_OK)
        return CSP_FAILURE_NONE;
    const char *message = error->message;
    if (strncmp(message, "parse error:", 12) == 0)
        return CSP_FAILURE_PARSE;
    if (strncmp(message, "type error:", 11) == 0)
        return CSP_FAILURE_TYPE;
    if (strncmp(message, "evaluation error:", 17) == 0)
        return CSP_FAILURE_EVAL;
    if (strncmp(message, "limit:", 6) == 0)
        return CSP_FAILURE_LIMIT;
    return CSP_FAILURE_OTHER;
}
