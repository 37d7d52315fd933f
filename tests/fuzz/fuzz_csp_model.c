/*
 * fuzz_csp_model.c — the CSPm front end through its public entry points
 * (csp.h) on arbitrary text: csp_load_text (lexer, parser, checker), the
 * model of every assertion and of the default process (evaluator,
 * compilation to model.h), a bounded exploration of each, and the
 * evaluation of every constant definition as a boolean.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "csp/csp.h"
#include "explore.h"

static void explore_bounded(model *compiled)
{
    if (compiled == NULL)
        return;
    explore_options options;
    explore_options_init(&options);
    options.max_states = 300;
    options.max_memory = 64u << 20;
    options.time_limit = 2.0;
    options.threads = 1;
    pnsim_error error;
    pnsim_error_clear(&error);
    explore_result *result = explore_run(compiled, &options, &error);
    explore_result_free(result);
    model_destroy(compiled);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (text == NULL)
        return 0;
    pnsim_error error;
    pnsim_error_clear(&error);
    csp_script *script = csp_load_text("fuzz.csp", text, &error);
    free(text);
    if (script == NULL)
        return 0;

    csp_build_options build;
    memset(&build, 0, sizeof build);
    build.max_leaf_states = 200;
    size_t assertions = csp_assertion_count(script);
    for (size_t i = 0; i < assertions && i < 4; i++) {
        (void)csp_assertion_at(script, i);
        explore_bounded(csp_assertion_model(script, i, &build, &error));
        const char *const *events = NULL;
        size_t count = 0;
        (void)csp_assertion_trace(script, i, &events, &count, &error);
    }
    const char *process = csp_default_process(script);
    if (process != NULL)
        explore_bounded(csp_process_model(script, process, &build, &error));
    size_t constants = 0;
    const char *const *names = csp_constant_names(script, &constants);
    for (size_t i = 0; i < constants && i < 8; i++)
        (void)csp_evaluate_boolean(script, names[i], &error);
    csp_free(script);
    return 0;
}
