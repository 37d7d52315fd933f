/*
 * csp_fixture.h — the fixture the CSP test files share: one script loaded
 * from text for the whole file (cmocka group setup and teardown), and
 * models built from process expressions over it.
 *
 * Include it after <cmocka.h>.  A test file names its script once:
 *
 *     static int setup(void **state)
 *     {
 *         (void)state;
 *         return csp_fixture_load("name.csp", script_text);
 *     }
 *
 * and passes csp_fixture_free as the group teardown.
 */
#ifndef PNSIM_TEST_CSP_FIXTURE_H
#define PNSIM_TEST_CSP_FIXTURE_H

#include <stddef.h>

#include "csp/csp.h"
#include "model.h"

/* The file's script (one per test executable). */
static csp_script *fixture_script;

/* Loads `text` as the file's script; 0 on success (a group setup). */
static inline int csp_fixture_load(const char *name, const char *text)
{
    pnsim_error error;
    fixture_script = csp_load_text(name, text, &error);
    if (fixture_script == NULL)
        print_error("%s: %s\n", name, error.message);
    return fixture_script == NULL;
}

/* Frees the file's script (a group teardown). */
static inline int csp_fixture_free(void **state)
{
    (void)state;
    csp_free(fixture_script);
    fixture_script = NULL;
    return 0;
}

/* The model of `process` in `script`, with `options` (may be NULL); fails
 * the test when it cannot be built.  The caller destroys it. */
static inline model *csp_fixture_model_in(csp_script *script, const char *process,
                                          const csp_build_options *options)
{
    pnsim_error error;
    model *m = csp_process_model(script, process, options, &error);
    if (m == NULL)
        fail_msg("%s: %s", process, error.message);
    return m;
}

/* The model of `process` in the file's script. */
static inline model *build(const char *process)
{
    return csp_fixture_model_in(fixture_script, process, NULL);
}

#endif
