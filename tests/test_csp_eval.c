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
#include "explore.h"
#include "refine.h"

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
    "e_concat = twice(<1, 2>) == <1>\n"
    "P = a -> P\n"
    /* subtypes reuse their datatype's constructors and may narrow fields */
    "datatype Square = E | Y | G | K.{0..3}\n"
    "subtype Colour = Y | G\n"
    "subtype Small = K.{0, 1}\n"
    "channel move : {0..1}.Colour\n"
    "t_subtype = member(Y, Colour) and not member(E, Colour) and card(Colour) == 2\n"
    "            and member(move.1.G, {| move |}) and card({| move.0 |}) == 2\n"
    "t_subfields = member(K.1, Small) and not member(K.2, Small) and card(Small) == 2\n"
    "            and member(K.2, Square)\n"
    /* ^ patterns: fixed-length parts on both sides of one varying part */
    "ends(<h>^t^<x>) = (h, t, x)\n"
    "peel(<p>^<q>^m^<r>^<s>) = m\n"
    "pair(<p>^<q>) = p + q\n"
    "both(<p, q>^t @@ s^<x>) = (p, q, t, s, x)\n"
    "ends2(<h>^t^<x>) = true\n"
    "ends2(_) = false\n"
    "twice(s^t) = s\n"
    "t_concat = ends(<1, 2, 3, 4>) == (1, <2, 3>, 4) and ends(<5, 6>) == (5, <>, 6)\n"
    "           and peel(<1, 2, 3, 4, 5>) == <3> and pair(<1, 2>) == 3\n"
    "           and both(<1, 2, 3>) == (1, 2, <3>, <1, 2>, 3)\n"
    "           and not ends2(<1>) and ends2(<1, 2>)\n"
    /* {| e1, e2 | stmts |} */
    "t_enum_comp = {| toggle.i, b.i | i <- {1} |} == {toggle.1.1, b.1}\n";

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
                           "t_lambda", "t_comp", "t_subtype", "t_subfields",
                           "t_concat", "t_enum_comp"};
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
    const char *names[] = {"e_div", "e_mod", "e_head", "e_event", "e_concat"};
    const char *words[] = {"division by zero", "modulus by zero", "head of the empty",
                           "toggle.1.0 is invalid", "at most one part"};
    const csp_failure kinds[] = {CSP_FAILURE_EVAL, CSP_FAILURE_EVAL, CSP_FAILURE_EVAL,
                                 CSP_FAILURE_EVAL, CSP_FAILURE_TYPE};
    for (size_t i = 0; i < 5; i++) {
        pnsim_error error;
        assert_int_equal(csp_evaluate_boolean(script, names[i], &error), -1);
        assert_int_equal(csp_failure_of(&error), kinds[i]);
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
    /* a channel passed to a parameter used with more fields than it has,
     * even though nothing evaluates the application (as FDR's inference) */
    const char *param_text =
        "channel c : {0,1}\nchannel d : {0,1}.{0,1}\n"
        "F(ic, n) = ic?x?y -> F(ic, n)\n"
        "G(ic) = let H(ic) = ic?x -> STOP within H(ic) [] ic?x?y -> STOP\n"
        "P = F(d, 0) [] G(d)\n";
    csp_script *ok = csp_load_text("p.csp", param_text, &error);
    if (ok == NULL)
        fail_msg("%s", error.message);
    csp_free(ok);
    char bad[512];
    snprintf(bad, sizeof bad, "%sQ = F(c, 1)\n", param_text);
    assert_null(csp_load_text("q.csp", bad, &error));
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_TYPE);
    assert_int_equal(error.line, 6);
    assert_int_equal(error.column, 7);
    assert_non_null(strstr(error.message, "c has 1 field, but F uses its parameter ic"));
    /* a local binding of the same name hides the parameter */
    assert_non_null(ok = csp_load_text("s.csp",
                                       "channel c : {0,1}\n"
                                       "channel d : {0,1}.{0,1}\n"
                                       "K(ic) = let ic = d within ic?x?y -> STOP\n"
                                       "R = K(c)\n",
                                       &error));
    csp_free(ok);
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

/* The verdict of refinement assertion `index`: 1 holds, 0 fails. */
static int refinement(csp_script *script, size_t index)
{
    pnsim_error error;
    const csp_assertion *a = csp_assertion_at(script, index);
    model *spec = csp_assertion_model(script, index, NULL, &error);
    if (spec == NULL)
        fail_msg("[%zu] %s: %s", index + 1, a->text, error.message);
    model *impl = csp_assertion_impl_model(script, index, NULL, &error);
    if (impl == NULL)
        fail_msg("[%zu] %s: %s", index + 1, a->text, error.message);
    explore_options explore;
    explore_options_init(&explore);
    refine_result result;
    refine_semantics semantics = a->semantic_model == CSP_CHECK_MODEL_T
                                     ? REFINE_TRACES
                               : a->semantic_model == CSP_CHECK_MODEL_F
                                     ? REFINE_FAILURES
                                     : REFINE_FAILURES_DIVERGENCES;
    assert_int_equal(refine_check(spec, impl, semantics, &explore, &result, &error),
                     PNSIM_OK);
    int verdict = result.verdict == LTS_HOLDS;
    refine_result_free(&result);
    model_destroy(impl);
    model_destroy(spec);
    return verdict;
}

/* Processes built from the constructs FDR defines by others: linked
 * parallel, inputs restricted on a channel of infinite type. */
static void test_process_constructs(void **state)
{
    (void)state;
    pnsim_error error;
    csp_script *script = csp_load_text(
        "link.csp",
        "channel a, b : {0,1}\n"
        "channel c, d\n"
        "channel out : Int\n"
        "P = a!0 -> a!1 -> d -> STOP\n"
        "Q = b?x -> c -> Q\n"
        /* the link events are hidden: a.0/b.0 at once, a.1/b.1 after c */
        "SPEC = c -> (d -> c -> STOP [] c -> d -> STOP)\n"
        "assert SPEC [FD= P [a <-> b] Q\n"
        "assert P [a <-> b] Q [FD= SPEC\n"
        "assert SPEC [FD= P [a.i <-> b.i | i <- {0, 1}] Q\n"
        "assert c -> STOP [T= P [a <-> b] Q\n"
        /* linking only a.0 with b.0: a.1 stays visible, b.0 is blocked */
        "assert a.1 -> STOP [FD= (a!1 -> STOP) [a.0 <-> b.0] (b!0 -> STOP)\n"
        /* out : Int, used with finite restrictions only */
        "R = out?x:{1, 2} -> out!x*10 -> STOP\n"
        "assert out.1 -> out.10 -> STOP [] out.2 -> out.20 -> STOP [FD= R\n"
        "assert R [FD= out.1 -> out.10 -> STOP [] out.2 -> out.20 -> STOP\n",
        &error);
    if (script == NULL)
        fail_msg("%s", error.message);
    const int expected[] = {1, 1, 1, 0, 1, 1, 1};
    assert_int_equal(csp_assertion_count(script), 7);
    for (size_t i = 0; i < 7; i++)
        if (refinement(script, i) != expected[i])
            fail_msg("[%zu] %s: expected %s", i + 1, csp_assertion_at(script, i)->text,
                     expected[i] ? "pass" : "fail");
    /* an unrestricted input over Int cannot be enumerated */
    assert_null(csp_process_model(script, "out?x -> STOP", NULL, &error));
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_EVAL);
    csp_free(script);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_true_definitions),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_static_errors),
        cmocka_unit_test(test_process_constructs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
