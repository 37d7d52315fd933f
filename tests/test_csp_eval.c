/*
 * test_csp_eval.c — the CSPm evaluator: Haskell div/mod, lazy booleans,
 * sets (infinite integer sets included), lazy sequences, dotted values and
 * their patterns, and the evaluation errors FDR reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csp/csp.h"

static const char script_text[] =
    "channel a\n"
    "channel b : {0,1,2}\n"
    "channel toggle : {1}.{1}\n"
    "datatype A = B.A.{0,1}.A | C | D.{0,1,2}\n"
    "func3(B.x.y) = (x,y)\n"
    "func4(B.x.y.z) = (x,y,z)\n"
    "len(<>) = 0\n"
    "len(<_>^xs) = 1 + len(xs)\n"
    "t_div = (-1) / 5 == -1 and 7 / -2 == -4\n"
    "t_mod = (-1) % 5 == 4 and 7 % -2 == -1\n"
    "t_lazy = not (false and (1/0 == 1))\n"
    "t_or = true or head(<>)\n"
    "t_sets = diff({1..}, {1}) == {2..} and {1..-1} == {} and card({0..3}) == 4\n"
    "t_union = member(-1, union({0..}, { -1})) and not member(-2, union({0..}, { -1}))\n"
    "t_lazy_list = head(tail(<x | x <- <0..>, x % 2 == 1>)) == 3\n"
    "t_dot = func3(B.C.0.C) == (C, 0.C) and func4(B.(D.0).1.(D.2)) == (D.0, 1, D.2)\n"
    "t_ext = {| b |} == {b.0, b.1, b.2}\n"
    "t_let = let f(0) = 1\n"
    "            f(n) = n * f(n-1)\n"
    "        within f(5) == 120\n"
    "t_len = len(<1,2,3>) == 3\n"
    "t_lambda = (\\ x, y @ x - y)(5, 3) == 2\n"
    "t_comp = {x * y | x <- {1,2}, y <- {3}} == {3, 6}\n"
    "e_div = 1 / 0 == 0\n"
    "e_mod = 1 % 0 == 0\n"
    "e_head = head(<>) == 1\n"
    "e_event = member(toggle.1.0, Events)\n"
    "P = a -> P\n";

static csp_script *load(void)
{
    pnsim_error error;
    csp_script *script = csp_load_text("eval.csp", script_text, &error);
    if (script == NULL)
        fail_msg("%s", error.message);
    return script;
}

static void test_true_definitions(void **state)
{
    (void)state;
    csp_script *script = load();
    const char *names[] = {"t_div", "t_mod", "t_lazy", "t_or", "t_sets", "t_union",
                           "t_lazy_list", "t_dot", "t_ext", "t_let", "t_len",
                           "t_lambda", "t_comp"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        pnsim_error error;
        int value = csp_evaluate_boolean(script, names[i], &error);
        if (value != 1)
            fail_msg("%s: %d %s", names[i], value, error.message);
    }
    csp_free(script);
}

static void test_errors(void **state)
{
    (void)state;
    csp_script *script = load();
    const char *names[] = {"e_div", "e_mod", "e_head", "e_event"};
    const char *words[] = {"division by zero", "modulus by zero", "head of the empty",
                           "toggle.1.0 is invalid"};
    for (size_t i = 0; i < 4; i++) {
        pnsim_error error;
        assert_int_equal(csp_evaluate_boolean(script, names[i], &error), -1);
        assert_int_equal(csp_failure_of(&error), CSP_FAILURE_EVAL);
        if (strstr(error.message, words[i]) == NULL)
            fail_msg("%s: %s", names[i], error.message);
        assert_true(error.line > 0);
    }
    csp_free(script);
}

static void test_static_errors(void **state)
{
    (void)state;
    pnsim_error error;
    assert_null(csp_load_text("u.csp", "P = Q\n", &error));
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_TYPE);
    assert_non_null(strstr(error.message, "Q is not in scope"));
    assert_null(csp_load_text("d.csp", "P = 2\nP = 2\n", &error));
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_TYPE);
    assert_null(csp_load_text("f.csp", "channel c : Int\nP = c?x?y -> STOP\n", &error));
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_TYPE);
    /* unguarded recursion and an empty replicated |~| are evaluation errors */
    csp_script *script = csp_load_text("r.csp", "P = P [] STOP\n"
                                       "Q = |~| x : {} @ STOP\n", &error);
    assert_non_null(script);
    assert_null(csp_process_model(script, "P", NULL, &error));
    assert_non_null(strstr(error.message, "unguarded recursion"));
    assert_null(csp_process_model(script, "Q", NULL, &error));
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_EVAL);
    /* deep recursion is bounded */
    csp_free(script);
    script = csp_load_text("deep.csp", "f(n) = f(n+1)\nt = f(0) == 0\n", &error);
    assert_non_null(script);
    assert_int_equal(csp_evaluate_boolean(script, "t", &error), -1);
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_EVAL);
    assert_non_null(strstr(error.message, "recursion deeper"));
    csp_free(script);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_true_definitions),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_static_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
