/*
 * test_corpus_csp.c — the CSPm front end against FDR's verdicts on the
 * corpus ($PNSIM_CORPUS/csp/expected.json; PNSIM_CORPUS defaults to the
 * shared corpus next to the source tree; the test is skipped, saying so,
 * when it is absent).
 *
 * For every script:
 *   parse_error / type_error / eval_error  it must be rejected with that
 *       kind: when loading, or (type and evaluation errors) when its
 *       test* definitions or its assertions' processes are evaluated;
 *   nonterminating  building or exploring its processes must end at a
 *       limit (a small one), never with a verdict;
 *   no_assertions   it must load;
 *   verdicts        it must load, every test* definition listed must be
 *       true, and every assertion this front end can check (deadlock,
 *       divergence, determinism, has trace, refinement in T, F and FD) must
 *       get FDR's verdict.  A script is "in reach" when all its assertions
 *       are.
 *
 * A table per source folder shows files and assertions agreed; assertions
 * not checked (other models, verdict unknown) are counted as skipped, never
 * as passed; a second table shows the refinement assertions alone.  The test fails when an in-reach script, an error script or a
 * nonterminating script disagrees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "csp/csp.h"
#include "json.h"
#include "lts_check.h"
#include "refine.h"

#define SMALL_LIMIT 20000       /* nonterminating scripts */
#define CHECK_LIMIT 300000      /* states per checked assertion */

typedef struct tally {
    char source[32];
    unsigned files, files_in_reach, files_agreed, files_failed;
    unsigned assertions, checked, agreed, skipped, limited;
    /* refinement assertions alone */
    unsigned ref_files, ref_files_agreed, ref_assertions, ref_agreed, ref_skipped,
        ref_limited;
} tally;

static tally tallies[16];
static size_t tally_count;

static tally *tally_for(const char *file)
{
    char source[32];
    size_t n = strcspn(file, "/");
    if (n >= sizeof source)
        n = sizeof source - 1;
    memcpy(source, file, n);
    source[n] = '\0';
    for (size_t i = 0; i < tally_count; i++)
        if (strcmp(tallies[i].source, source) == 0)
            return &tallies[i];
    tally *t = &tallies[tally_count++];
    memset(t, 0, sizeof *t);
    strcpy(t->source, source);
    return t;
}

static const char *corpus_dir(char *buffer, size_t size)
{
    const char *env = getenv("PNSIM_CORPUS");
    snprintf(buffer, size, "%s/csp", env != NULL && *env ? env
                                     : PNSIM_SOURCE_DIR "/../shared/corpus");
    return buffer;
}

static bool in_reach(const csp_assertion *a)
{
    return a->kind == CSP_CHECK_DEADLOCK_FREE || a->kind == CSP_CHECK_DIVERGENCE_FREE ||
           a->kind == CSP_CHECK_DETERMINISTIC || a->kind == CSP_CHECK_HAS_TRACE ||
           a->kind == CSP_CHECK_REFINEMENT;
}

/* Checks one assertion: 1 holds (as written, `not` applied), 0 fails,
 * -1 limit, -2 error (error filled), -3 the front end cannot build a
 * refinement's processes (a construct or value it does not handle yet). */
static int check_assertion(csp_script *script, size_t index, size_t limit,
                           pnsim_error *error)
{
    const csp_assertion *a = csp_assertion_at(script, index);
    csp_build_options build = {.max_leaf_states = limit};
    model *m = csp_assertion_model(script, index, &build, error);
    if (m == NULL)
        return csp_failure_of(error) == CSP_FAILURE_LIMIT ? -1
             : a->kind == CSP_CHECK_REFINEMENT ? -3 : -2;
    explore_options explore;
    explore_options_init(&explore);
    explore.max_states = limit;
    if (a->kind == CSP_CHECK_REFINEMENT) {
        model *impl = csp_assertion_impl_model(script, index, &build, error);
        if (impl == NULL) {
            model_destroy(m);
            return csp_failure_of(error) == CSP_FAILURE_LIMIT ? -1 : -3;
        }
        refine_result refined;
        refine_semantics semantics = a->semantic_model == CSP_CHECK_MODEL_T
                                         ? REFINE_TRACES
                                   : a->semantic_model == CSP_CHECK_MODEL_F
                                         ? REFINE_FAILURES
                                         : REFINE_FAILURES_DIVERGENCES;
        pnsim_status status = refine_check(m, impl, semantics, &explore, &refined,
                                           error);
        int answer = status != PNSIM_OK ? -2
                   : refined.verdict == LTS_UNKNOWN ? -1
                   : ((refined.verdict == LTS_HOLDS) != a->negated) ? 1 : 0;
        if (status == PNSIM_OK)
            refine_result_free(&refined);
        model_destroy(impl);
        model_destroy(m);
        return answer;
    }
    lts_check_result result;
    pnsim_status status;
    bool fd = a->semantic_model == CSP_CHECK_MODEL_FD;
    switch (a->kind) {
    case CSP_CHECK_DEADLOCK_FREE:
        status = lts_check_deadlock(m, &explore, fd, &result, error);
        break;
    case CSP_CHECK_DIVERGENCE_FREE:
        status = lts_check_divergence(m, &explore, &result, error);
        break;
    case CSP_CHECK_DETERMINISTIC:
        status = lts_check_determinism(m, &explore, fd, &result, error);
        break;
    default: {
        const char *const *events;
        size_t count;
        status = csp_assertion_trace(script, index, &events, &count, error);
        if (status != PNSIM_OK) {
            model_destroy(m);
            return -2;
        }
        status = lts_check_has_trace(m, &explore, events, count, &result, error);
        break;
    }
    }
    int answer = status != PNSIM_OK ? -2
               : result.verdict == LTS_UNKNOWN ? -1
               : ((result.verdict == LTS_HOLDS) != a->negated) ? 1 : 0;
    lts_check_result_free(&result);
    model_destroy(m);
    return answer;
}

static csp_failure kind_of_outcome(const char *outcome)
{
    return strcmp(outcome, "parse_error") == 0 ? CSP_FAILURE_PARSE
         : strcmp(outcome, "type_error") == 0 ? CSP_FAILURE_TYPE
         : CSP_FAILURE_EVAL;
}

/* Loads the script and evaluates what may raise its error: the first
 * failure's kind, or CSP_FAILURE_NONE. */
static csp_failure first_failure(const char *path, pnsim_error *error)
{
    csp_script *script = csp_load(path, error);
    if (script == NULL)
        return csp_failure_of(error);
    csp_failure found = CSP_FAILURE_NONE;
    size_t count;
    const char *const *names = csp_constant_names(script, &count);
    for (size_t i = 0; i < count && found == CSP_FAILURE_NONE; i++)
        if (strncmp(names[i], "test", 4) == 0 &&
            csp_evaluate_boolean(script, names[i], error) < 0)
            found = csp_failure_of(error);
    for (size_t i = 0; i < csp_assertion_count(script) && found == CSP_FAILURE_NONE;
         i++) {
        csp_build_options build = {.max_leaf_states = SMALL_LIMIT};
        model *m = csp_assertion_model(script, i, &build, error);
        if (m == NULL && csp_failure_of(error) != CSP_FAILURE_LIMIT)
            found = csp_failure_of(error);
        model_destroy(m);
    }
    csp_free(script);
    return found;
}

static bool run_entry(const char *dir, const json_value *entry, tally *t,
                      bool *required)
{
    const char *file = json_as_string(json_object_get(entry, "file"));
    const char *outcome = json_as_string(json_object_get(entry, "outcome"));
    const json_value *assertions = json_object_get(entry, "assertions");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    pnsim_error error;
    size_t expected_count = json_array_length(assertions);
    t->files++;
    t->assertions += (unsigned)expected_count;
    *required = true;

    if (strcmp(outcome, "parse_error") == 0 || strcmp(outcome, "type_error") == 0 ||
        strcmp(outcome, "eval_error") == 0) {
        t->skipped += (unsigned)expected_count;
        t->files_in_reach++;
        csp_failure found = first_failure(path, &error);
        bool ok = found == kind_of_outcome(outcome);
        if (!ok)
            printf("  DISAGREE %s: expected %s, got %s\n", file, outcome,
                   found == CSP_FAILURE_NONE ? "no error" : error.message);
        return ok;
    }
    csp_script *script = csp_load(path, &error);
    if (strcmp(outcome, "no_assertions") == 0) {
        if (script == NULL && strncmp(error.message, "unsupported:", 12) == 0) {
            /* modules, Timed sections: later language levels */
            *required = false;
            printf("  (out of reach) %s: %s\n", file, error.message);
            return true;
        }
        t->files_in_reach++;
        if (script == NULL)
            printf("  DISAGREE %s: does not load: %s\n", file, error.message);
        csp_free(script);
        return script != NULL;
    }
    if (strcmp(outcome, "nonterminating") == 0) {
        t->files_in_reach++;
        t->skipped += (unsigned)expected_count;
        bool ok = script == NULL && csp_failure_of(&error) == CSP_FAILURE_LIMIT;
        if (script != NULL) {
            ok = true;
            for (size_t i = 0; i < csp_assertion_count(script); i++) {
                int answer = check_assertion(script, i, SMALL_LIMIT, &error);
                if (answer != -1)
                    ok = false;
                if (csp_assertion_at(script, i)->kind == CSP_CHECK_REFINEMENT) {
                    /* the process must still stop at the limit */
                    csp_build_options build = {.max_leaf_states = SMALL_LIMIT};
                    model *m = csp_assertion_model(script, i, &build, &error);
                    if (m != NULL) {
                        explore_options explore;
                        explore_options_init(&explore);
                        explore.max_states = SMALL_LIMIT;
                        lts_check_result result;
                        if (lts_check_deadlock(m, &explore, false, &result, &error) ==
                                PNSIM_OK &&
                            result.outcome == EXPLORE_COMPLETE)
                            ok = false;
                        lts_check_result_free(&result);
                        model_destroy(m);
                    } else if (csp_failure_of(&error) != CSP_FAILURE_LIMIT) {
                        ok = false;
                    }
                }
            }
        }
        if (!ok)
            printf("  DISAGREE %s: expected to stop at a limit\n", file);
        csp_free(script);
        return ok;
    }
    /* verdicts */
    if (script == NULL) {
        bool reach = true;
        for (size_t i = 0; i < expected_count; i++) {
            const char *text = json_as_string(
                json_object_get(json_array_at(assertions, i), "text"));
            if (strstr(text, "[T=") || strstr(text, "[F=") || strstr(text, "[FD=")) {
                t->ref_assertions++;
                t->ref_skipped++;
                reach = false;  /* its processes need more of the language */
            }
        }
        *required = reach;
        t->skipped += (unsigned)expected_count;
        if (reach)
            t->files_in_reach++;
        printf("  %s %s: does not load: %s\n", reach ? "DISAGREE" : "(out of reach)",
               file, error.message);
        return !reach;
    }
    bool agree = true, reach = true;
    unsigned refinements = 0, refinements_agreed = 0;
    const json_value *tests = json_object_get(entry, "tests_true");
    for (size_t i = 0; i < json_array_length(tests); i++) {
        const char *name = json_as_string(json_array_at(tests, i));
        if (csp_evaluate_boolean(script, name, &error) != 1) {
            printf("  DISAGREE %s: %s is not true%s%s\n", file, name,
                   error.status != PNSIM_OK ? ": " : "",
                   error.status != PNSIM_OK ? error.message : "");
            agree = false;
        }
    }
    if (csp_assertion_count(script) != expected_count) {
        printf("  DISAGREE %s: %zu assertions found, %zu expected\n", file,
               csp_assertion_count(script), expected_count);
        agree = false;
    }
    for (size_t i = 0; i < expected_count && i < csp_assertion_count(script); i++) {
        const char *expected = json_as_string(
            json_object_get(json_array_at(assertions, i), "expected"));
        const csp_assertion *a = csp_assertion_at(script, i);
        bool refinement = a->kind == CSP_CHECK_REFINEMENT;
        if (refinement) {
            t->ref_assertions++;
            refinements++;
        }
        if (!in_reach(a) || strcmp(expected, "unknown") == 0) {
            if (refinement)
                t->ref_skipped++;
            reach = reach && strcmp(expected, "unknown") == 0 && in_reach(a);
            if (!in_reach(a))
                reach = false;
            t->skipped++;
            continue;
        }
        t->checked++;
        int answer = check_assertion(script, i, CHECK_LIMIT, &error);
        if (answer == -1) {
            /* not within reach at this limit: neither agreed nor required */
            t->limited++;
            if (refinement)
                t->ref_limited++;
            printf("  (limit) %s [%zu] %s\n", file, i + 1, a->text);
            reach = false;
            continue;
        }
        if (answer == -3) {
            t->checked--;
            t->skipped++;
            t->ref_skipped++;
            printf("  (out of reach) %s [%zu] %s: %s\n", file, i + 1, a->text,
                   error.message);
            reach = false;
            continue;
        }
        bool ok = answer >= 0 && (answer == 1) == (strcmp(expected, "pass") == 0);
        if (ok) {
            t->agreed++;
            if (refinement) {
                t->ref_agreed++;
                refinements_agreed++;
            }
        } else {
            agree = false;
            printf("  DISAGREE %s [%zu] %s: expected %s, got %s\n", file, i + 1,
                   a->text, expected,
                   answer == 1 ? "pass" : answer == 0 ? "fail" : error.message);
        }
    }
    csp_free(script);
    if (refinements > 0) {
        t->ref_files++;
        if (refinements_agreed == refinements)
            t->ref_files_agreed++;
    }
    *required = reach;
    if (reach)
        t->files_in_reach++;
    return agree || !reach;
}

static void test_corpus(void **state)
{
    (void)state;
    char dir[900], path[1024];
    corpus_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/expected.json", dir);
    struct stat info;
    if (stat(path, &info) != 0) {
        printf("SKIPPED: no CSP corpus at %s (set PNSIM_CORPUS)\n", path);
        skip();
        return;
    }
    pnsim_error error;
    json_value *root = json_parse_file(path, &error);
    assert_non_null(root);
    unsigned required_failures = 0;
    for (size_t i = 0; i < json_array_length(root); i++) {
        const json_value *entry = json_array_at(root, i);
        const char *file = json_as_string(json_object_get(entry, "file"));
        tally *t = tally_for(file);
        bool required;
        bool ok = run_entry(dir, entry, t, &required);
        if (ok && required)
            t->files_agreed++;
        if (!ok && required) {
            t->files_failed++;
            required_failures++;
        }
    }
    printf("\n%-10s %6s %6s %6s | %6s %6s %6s %6s %6s\n", "source", "files",
           "reach", "agree", "asserts", "check", "agree", "skip", "limit");
    tally total = {.source = "total"};
    for (size_t i = 0; i < tally_count; i++) {
        const tally *t = &tallies[i];
        printf("%-10s %6u %6u %6u | %6u %6u %6u %6u %6u\n", t->source, t->files,
               t->files_in_reach, t->files_agreed, t->assertions, t->checked,
               t->agreed, t->skipped, t->limited);
        total.files += t->files;
        total.files_in_reach += t->files_in_reach;
        total.files_agreed += t->files_agreed;
        total.assertions += t->assertions;
        total.checked += t->checked;
        total.agreed += t->agreed;
        total.skipped += t->skipped;
        total.limited += t->limited;
    }
    printf("%-10s %6u %6u %6u | %6u %6u %6u %6u %6u\n", total.source, total.files,
           total.files_in_reach, total.files_agreed, total.assertions, total.checked,
           total.agreed, total.skipped, total.limited);
    printf("\nrefinement assertions ([T= [F= [FD=)\n%-10s %6s %6s | %6s %6s %6s %6s\n",
           "source", "files", "agree", "asserts", "agree", "skip", "limit");
    tally ref = {.source = "total"};
    for (size_t i = 0; i < tally_count; i++) {
        const tally *t = &tallies[i];
        printf("%-10s %6u %6u | %6u %6u %6u %6u\n", t->source, t->ref_files,
               t->ref_files_agreed, t->ref_assertions, t->ref_agreed, t->ref_skipped,
               t->ref_limited);
        ref.ref_files += t->ref_files;
        ref.ref_files_agreed += t->ref_files_agreed;
        ref.ref_assertions += t->ref_assertions;
        ref.ref_agreed += t->ref_agreed;
        ref.ref_skipped += t->ref_skipped;
        ref.ref_limited += t->ref_limited;
    }
    printf("%-10s %6u %6u | %6u %6u %6u %6u\n", ref.source, ref.ref_files,
           ref.ref_files_agreed, ref.ref_assertions, ref.ref_agreed, ref.ref_skipped,
           ref.ref_limited);
    json_value_free(root);
    assert_int_equal(required_failures, 0);
    assert_true(total.checked > 0);
    assert_int_equal(total.agreed + total.limited, total.checked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
