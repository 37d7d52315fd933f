/*
 * nomem_test.c — every allocation pnsim's library makes may fail, and each
 * failure must come back as an error (PNSIM_ERR_NOMEM) or a limit outcome:
 * never a crash, never a wrong answer, never a leak.
 *
 * The test is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,
 * --wrap=strdup,--wrap=strndup, so every such call in pnsim's own objects
 * goes through the wrappers below, and libxml2 is told to allocate through
 * them too (xmlMemSetup); other shared libraries' allocations are not
 * counted.  For each scenario it counts the calls of a
 * clean run, K, then runs it K more times, making call N fail for
 * N = 1..K, and checks the outcome.  Leaks are LeakSanitizer's to find:
 * `make test-asan` runs this test with detect_leaks=1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlmemory.h>

#include "explore.h"
#include "json.h"
#include "pnml/pn_net.h"
#include "predicate.h"
#ifdef PNSIM_HAVE_CSP
#include "csp/csp.h"
#endif

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *pointer, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *pointer, size_t size);
char *__wrap_strdup(const char *text);
char *__wrap_strndup(const char *text, size_t size);

/* Under AddressSanitizer: full stacks for leaks, so that the one libxml2
 * leak on its own allocation-failure path (tests/lsan.supp) is matched by
 * its function name rather than hidden behind a frame-pointer stop. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

static unsigned long calls;        /* counted allocations so far */
static unsigned long fail_at;      /* 0: none fails */
static unsigned long failed_calls; /* how many failed (only call N does) */

static int inject(void)
{
    calls++;
    if (fail_at != 0 && calls == fail_at) {
        failed_calls++;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t size)
{
    return inject() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size)
{
    return inject() ? NULL : __real_calloc(count, size);
}

void *__wrap_realloc(void *pointer, size_t size)
{
    return inject() ? NULL : __real_realloc(pointer, size);
}

char *__wrap_strdup(const char *text)
{
    size_t length = strlen(text);
    char *copy = __wrap_malloc(length + 1);
    if (copy != NULL)
        memcpy(copy, text, length + 1);
    return copy;
}

char *__wrap_strndup(const char *text, size_t size)
{
    size_t length = strnlen(text, size);
    char *copy = __wrap_malloc(length + 1);
    if (copy != NULL) {
        memcpy(copy, text, length);
        copy[length] = '\0';
    }
    return copy;
}

static void xml_free(void *pointer)
{
    free(pointer);
}

/* A scenario returns 0 for an acceptable outcome (success with the right
 * answer, or a clean out-of-memory report), nonzero otherwise, and says
 * why in `why`. */
typedef int (*scenario_fn)(char *why, size_t why_size);

static char *pnml_text;
static size_t pnml_size;
static uint64_t expected_states;   /* from the clean run */
static unsigned explore_threads = 1;

/* Out of memory is reported as such, or as the memory limit. */
static int nomem_ok(const pnsim_error *error, const char *stage, char *why,
                    size_t why_size)
{
    if (error->status == PNSIM_ERR_NOMEM)
        return 0;
    snprintf(why, why_size, "%s failed with %s, not out of memory: %s",
             stage, pnsim_status_name(error->status), error->message);
    return 1;
}

static int scenario_pnml(char *why, size_t why_size)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    pn_net *net = pnml_read_memory(pnml_text, pnml_size, "threadpool.pnml",
                                   &error);
    if (net == NULL)
        return nomem_ok(&error, "pnml_read_memory", why, why_size);
    model *compiled = pn_net_model(net, &error);
    pn_net_free(net);
    if (compiled == NULL)
        return nomem_ok(&error, "pn_net_model", why, why_size);

    int status = 0;
    state_predicate *final = state_predicate_parse("with_exited==1",
                                                   compiled, &error);
    if (final == NULL) {
        status = nomem_ok(&error, "state_predicate_parse", why, why_size);
        model_destroy(compiled);
        return status;
    }

    explore_options options;
    explore_options_init(&options);
    options.threads = explore_threads;
    options.max_states = 100000;
    options.final = final;
    explore_result *result = explore_run(compiled, &options, &error);
    if (result == NULL) {
        status = nomem_ok(&error, "explore_run", why, why_size);
    } else {
        explore_outcome outcome = explore_result_outcome(result);
        const explore_stats *stats = explore_result_stats(result);
        if (outcome == EXPLORE_FAILED) {
            status = nomem_ok(&error, "explore_run (midway)", why, why_size);
        } else if (outcome == EXPLORE_LIMIT_MEMORY) {
            status = 0;
        } else if (outcome != EXPLORE_COMPLETE) {
            snprintf(why, why_size, "explore_run ended with '%s'",
                     explore_outcome_name(outcome));
            status = 1;
        } else if (expected_states != 0 && stats->states != expected_states) {
            snprintf(why, why_size, "explore_run completed with %llu states, "
                     "expected %llu", (unsigned long long)stats->states,
                     (unsigned long long)expected_states);
            status = 1;
        } else {
            expected_states = stats->states;
            explore_trace trace;
            if (stats->states > 1) {
                if (explore_trace_to(result, stats->states - 1, &trace,
                                     &error) == PNSIM_OK)
                    explore_trace_free(&trace);
                else
                    status = nomem_ok(&error, "explore_trace_to", why,
                                      why_size);
            }
        }
        explore_result_free(result);
    }
    state_predicate_free(final);
    model_destroy(compiled);
    return status;
}

static const char json_text[] =
    "{\"model\": \"m.pnml\", \"trace\": [{\"transition\": \"t\", "
    "\"marking\": {\"p\": 1, \"q\": 18446744073709551615}}, "
    "{\"transition\": \"u\\u00e9\\ud83d\\ude00\", \"marking\": {}}], "
    "\"nested\": [[[[[1, 2.5e3, -7, true, false, null, \"x\"]]]]], "
    "\"empty\": {}, \"list\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, "
    "14, 15, 16, 17, 18, 19, 20]}";

static int scenario_json(char *why, size_t why_size)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    json_value *root = json_parse(json_text, sizeof json_text - 1,
                                  "nomem.json", &error);
    if (root == NULL)
        return nomem_ok(&error, "json_parse", why, why_size);
    int status = 0;
    if (json_array_length(json_object_get(root, "list")) != 20) {
        snprintf(why, why_size, "json_parse succeeded with a wrong tree");
        status = 1;
    }
    json_value_free(root);
    return status;
}

#ifdef PNSIM_HAVE_CSP
static const char csp_text[] =
    "channel take, done : {0..2}\n"
    "Worker = take?j -> done!j -> Worker\n"
    "Pool = Worker ||| Worker\n"
    "assert Pool :[deadlock free [F]]\n";

static int scenario_csp(char *why, size_t why_size)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    csp_script *script = csp_load_text("nomem.csp", csp_text, &error);
    if (script == NULL)
        return nomem_ok(&error, "csp_load_text", why, why_size);
    int status = 0;
    model *compiled = csp_process_model(script, "Pool", NULL, &error);
    if (compiled == NULL)
        status = nomem_ok(&error, "csp_process_model", why, why_size);
    csp_free(script);
    model_destroy(compiled);
    return status;
}
#endif

static int run_scenario(const char *name, scenario_fn scenario)
{
    char why[1200];
    calls = 0;
    fail_at = 0;
    if (scenario(why, sizeof why) != 0) {
        printf("FAIL %s: the clean run fails: %s\n", name, why);
        return 1;
    }
    unsigned long total = calls, failures = 0, injected = 0;
    for (unsigned long n = 1; n <= total; n++) {
        calls = 0;
        fail_at = n;
        failed_calls = 0;
        if (scenario(why, sizeof why) != 0) {
            printf("FAIL %s: allocation %lu of %lu failing: %s\n", name, n,
                   total, why);
            failures++;
        }
        injected += failed_calls;
    }
    fail_at = 0;
    printf("%s %s: %lu allocations, each made to fail in turn (%lu "
           "failures injected)\n", failures ? "FAIL" : "ok  ", name, total,
           injected);
    return failures != 0;
}

int main(void)
{
    const char *path = PNSIM_SOURCE_DIR "/models/threadpool.pnml";
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        perror(path);
        return 1;
    }
    pnml_text = __real_malloc(1 << 20);
    pnml_size = pnml_text ? fread(pnml_text, 1, (1 << 20) - 1, file) : 0;
    fclose(file);
    if (pnml_text == NULL || pnml_size == 0)
        return 1;

    /* libxml2 allocates through the wrappers as well. */
    if (xmlMemSetup(xml_free, __wrap_malloc, __wrap_realloc,
                    __wrap_strdup) != 0)
        return 1;

    int failed = 0;
    failed += run_scenario("pnml_read_memory + pn_net_model + "
                           "state_predicate_parse + explore_run",
                           scenario_pnml);
    explore_threads = 2;
    failed += run_scenario("the same, exploring on 2 threads",
                           scenario_pnml);
    failed += run_scenario("json_parse", scenario_json);
#ifdef PNSIM_HAVE_CSP
    failed += run_scenario("csp_load_text + csp_process_model",
                           scenario_csp);
#endif
    free(pnml_text);
    printf("%d scenario%s failed\n", failed, failed == 1 ? "" : "s");
    return failed != 0;
}
