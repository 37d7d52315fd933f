/*
 * test_csp_parser.c — the CSPm parser's precedence and associativity
 * (FDR's: hiding loosest to the left but narrow to the right, `;` tighter
 * than |||, `.` looser than arithmetic, replicated operators and `if`
 * extending right), patterns, assertions and parse errors with positions.
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
#include "csp/csp_parse.h"

static void expect_parse(const char *text, const char *rendering)
{
    csp_context context;
    csp_context_init(&context);
    pnsim_error error;
    jmp_buf trap;
    context.trap = &trap;
    context.error = &error;
    char buffer[1200] = "";
    if (setjmp(trap) == 0) {
        csp_expr *expr = csp_parse_expression(&context, "t", text);
        csp_expr_render(&context, expr, buffer, sizeof buffer);
    } else {
        snprintf(buffer, sizeof buffer, "error: %s", error.message);
    }
    csp_context_free(&context);
    assert_string_equal(buffer, rendering);
}

static void test_process_precedence(void **state)
{
    (void)state;
    expect_parse("a -> P ; Q", "((a -> P) ; Q)");
    expect_parse("a -> P [] b -> Q", "((a -> P) [] (b -> Q))");
    expect_parse("g & P [] Q", "((g & P) [] Q)");
    expect_parse("P [] Q |~| R", "((P [] Q) |~| R)");
    expect_parse("P ||| Q \\ A", "((P ||| Q) \\ A)");
    expect_parse("P \\ A [] Q", "((P \\ A) [] Q)");
    expect_parse("P \\ A ||| Q", "((P \\ A) ||| Q)");
    expect_parse("P ; Q ||| R", "((P ; Q) ||| R)");
    expect_parse("a -> SKIP ||| b -> SKIP ||| c -> SKIP ; P",
                 "(((a -> SKIP) ||| (b -> SKIP)) ||| ((c -> SKIP) ; P))");
    expect_parse("P [| A |] Q [] R", "(P [| A |] (Q [] R))");
    expect_parse("P /\\ Q [] R", "((P /\\ Q) [] R)");
    expect_parse("P [> Q /\\ R", "((P [> Q) /\\ R)");
    expect_parse("if b then P else Q [] R", "(if b then P else (Q [] R))");
    expect_parse("[] x : S @ P [] Q", "([] ... @ (P [] Q))");
    expect_parse("P [[ a <- b ]] [] Q", "((P [[a <- b]]) [] Q)");
    expect_parse("P [A || B] Q", "(P [A || B] Q)");
    /* linked parallel: pairs of channels or events, at the level of the
     * other parallel operators (tighter on its right, like [| |]) */
    expect_parse("P [a <-> b, c.1 <-> d] Q [] R",
                 "(P [a <-> b, (c.1) <-> d] (Q [] R))");
    expect_parse("P [a <-> b] Q ||| R", "((P [a <-> b] Q) ||| R)");
    expect_parse("P [a.i <-> b.i | i <- S] Q",
                 "(P [(a.i) <-> (b.i) | i <- S] Q)");
    expect_parse("P \\ A [a <-> b] Q", "((P \\ A) [a <-> b] Q)");
}

static void test_comprehensions(void **state)
{
    (void)state;
    /* {| e1, e2 | stmts |}: several expressions before the bar, as in sets */
    expect_parse("{| m.d.p, c.p | d <- D, p != 0 |}",
                 "{|(m.(d.p)), (c.p) | d <- D, (p != 0)|}");
    expect_parse("{| c.x | x <- X |}", "{|(c.x) | x <- X|}");
    expect_parse("{x, y | x <- X}", "{x, y | x <- X}");
    expect_parse("{| c |}", "{|c|}");
}

static void test_patterns(void **state)
{
    (void)state;
    pnsim_error error;
    /* ^ patterns with one part of varying length anywhere, and @@ */
    csp_script *script = csp_load_text(
        "p.csp",
        "f(<h>^t^<x>) = t\n"
        "g(<a>^<b>^m^<c>^<d>) = m\n"
        "k(<a, b>^t @@ s^<x>) = x\n",
        &error);
    if (script == NULL)
        fail_msg("%s", error.message);
    csp_free(script);
}

static void test_expression_precedence(void **state)
{
    (void)state;
    expect_parse("c.i+1", "(c.(i + 1))");
    expect_parse("1 + 2 * 3 - 4", "((1 + (2 * 3)) - 4)");
    expect_parse("#s + 1", "((#s) + 1)");
    expect_parse("not a and b or c", "(((not a) and b) or c)");
    expect_parse("-1 % 5", "((-1) % 5)");
    expect_parse("c!x.y -> P", "(c!(x.y) -> P)");
    expect_parse("<1, 2> ^ <3>", "(<1, 2> ^ <3>)");
    expect_parse("f(x)(y)", "f(x)(y)");
}

static void test_errors(void **state)
{
    (void)state;
    pnsim_error error;
    csp_script *script = csp_load_text("bad.csp", "channel a\nP = a STOP\n", &error);
    assert_null(script);
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_PARSE);
    assert_int_equal(error.line, 2);
    assert_int_equal(error.column, 7);
    script = csp_load_text("neg.csp", "P(-true) = 1\n", &error);
    assert_null(script);
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_PARSE);
    script = csp_load_text("let.csp", "P = let channel c within STOP\n", &error);
    assert_null(script);
    assert_int_equal(csp_failure_of(&error), CSP_FAILURE_PARSE);
    expect_parse("a < b < c", "error: parse error: comparisons do not associate: "
                              "add parentheses");
}

static void test_assertions(void **state)
{
    (void)state;
    pnsim_error error;
    csp_script *script = csp_load_text(
        "a.csp",
        "channel a, b\nP = a -> P\n"
        "assert P :[deadlock free [F]]\n"
        "assert not P :[divergence-free]\n"
        "assert P :[has trace]: <a, a>   -- comment\n"
        "assert P [T= P\n"
        "assert P :[deterministic]\n",
        &error);
    assert_non_null(script);
    assert_int_equal(csp_assertion_count(script), 5);
    const csp_assertion *a = csp_assertion_at(script, 0);
    assert_string_equal(a->text, "assert P :[deadlock free [F]]");
    assert_int_equal(a->kind, CSP_CHECK_DEADLOCK_FREE);
    assert_int_equal(a->semantic_model, CSP_CHECK_MODEL_F);
    assert_int_equal(a->line, 3);
    assert_true(csp_assertion_at(script, 1)->negated);
    assert_int_equal(csp_assertion_at(script, 1)->kind, CSP_CHECK_DIVERGENCE_FREE);
    assert_string_equal(csp_assertion_at(script, 2)->text,
                        "assert P :[has trace]: <a, a>");
    assert_int_equal(csp_assertion_at(script, 3)->kind, CSP_CHECK_REFINEMENT);
    assert_int_equal(csp_assertion_at(script, 4)->semantic_model, CSP_CHECK_MODEL_FD);
    csp_free(script);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_process_precedence),
        cmocka_unit_test(test_expression_precedence),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_assertions),
        cmocka_unit_test(test_comprehensions),
        cmocka_unit_test(test_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
