/*
 * test_csp_lexer.c — the CSPm lexer: comments (nested block comments,
 * `{-` always opening one), multi-character operators, literals, and which
 * newlines survive as definition separators.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csp/csp_lex.h"

/* Lexes `text`; returns the kinds (terminated by CSP_T_EOF) or NULL on a
 * lexing error (whose kind is stored in *failure). */
static size_t lex(const char *text, csp_token_kind *kinds, size_t max,
                  csp_error_kind *failure)
{
    csp_context context;
    csp_context_init(&context);
    pnsim_error error;
    jmp_buf trap;
    context.trap = &trap;
    context.error = &error;
    *failure = CSP_ERROR_NONE;
    size_t count = 0;
    if (setjmp(trap) == 0) {
        context.files = calloc(1, sizeof *context.files);
        context.files[0].path = strdup("t.csp");
        context.files[0].text = strdup(text);
        context.files[0].length = strlen(text);
        context.file_count = 1;
        csp_tokens tokens = csp_lex(&context, 0);
        for (size_t i = 0; i < tokens.count && count < max; i++)
            kinds[count++] = tokens.items[i].kind;
    } else {
        *failure = context.error_kind;
    }
    csp_context_free(&context);
    return count;
}

static void test_operators(void **state)
{
    (void)state;
    csp_token_kind k[32];
    csp_error_kind failure;
    size_t n = lex("P [| {|a|} |] Q ||| R |~| S [] T [T= U", k, 32, &failure);
    assert_int_equal(failure, CSP_ERROR_NONE);
    csp_token_kind want[] = {CSP_T_IDENT, CSP_T_LPAR_SYNC, CSP_T_LENUM, CSP_T_IDENT,
                             CSP_T_RENUM, CSP_T_RPAR_SYNC, CSP_T_IDENT,
                             CSP_T_INTERLEAVE, CSP_T_IDENT, CSP_T_INTCHOICE,
                             CSP_T_IDENT, CSP_T_BOX, CSP_T_IDENT, CSP_T_REFINES_T,
                             CSP_T_IDENT, CSP_T_EOF};
    assert_int_equal(n, sizeof want / sizeof *want);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(k[i], want[i]);
}

static void test_comments(void **state)
{
    (void)state;
    csp_token_kind k[16];
    csp_error_kind failure;
    size_t n = lex("a -- line comment\n{- outer {- inner -} still -} b", k, 16,
                   &failure);
    assert_int_equal(failure, CSP_ERROR_NONE);
    assert_int_equal(n, 4);     /* a NEWLINE b EOF */
    assert_int_equal(k[0], CSP_T_IDENT);
    assert_int_equal(k[1], CSP_T_NEWLINE);
    assert_int_equal(k[2], CSP_T_IDENT);
    /* as in FDR, {- opens a comment even in {-1..3} */
    lex("S = {-1..3}", k, 16, &failure);
    assert_int_equal(failure, CSP_ERROR_PARSE);
    n = lex("S = { -1..3}", k, 16, &failure);
    assert_int_equal(failure, CSP_ERROR_NONE);
    assert_int_equal(k[3], CSP_T_MINUS);
}

static void test_newlines(void **state)
{
    (void)state;
    csp_token_kind k[32];
    csp_error_kind failure;
    /* a binary operator at the end or start of a line continues it */
    size_t n = lex("P = a ->\n  b -> STOP\n  [] c -> STOP\nQ = <1>\nR = 1", k, 32,
                   &failure);
    size_t newlines = 0;
    for (size_t i = 0; i < n; i++)
        newlines += k[i] == CSP_T_NEWLINE;
    assert_int_equal(newlines, 2);
    /* inside brackets newlines never end a definition */
    n = lex("S = {1,\n 2}\n", k, 32, &failure);
    newlines = 0;
    for (size_t i = 0; i < n; i++)
        newlines += k[i] == CSP_T_NEWLINE;
    assert_int_equal(newlines, 1);
    /* `[` never starts an operand: a line starting with the alphabets of
     * [A || B] or the links of [a <-> b] continues the definition */
    n = lex("S = (P [ A || B ] Q)\n    [ C || D ] R\nT = P\n  [a <-> b] Q\n", k, 32,
            &failure);
    assert_int_equal(failure, CSP_ERROR_NONE);
    newlines = 0;
    for (size_t i = 0; i < n; i++)
        newlines += k[i] == CSP_T_NEWLINE;
    assert_int_equal(newlines, 2);
}

static void test_literals(void **state)
{
    (void)state;
    csp_token_kind k[8];
    csp_error_kind failure;
    size_t n = lex("x' = \"s\\n\" 'c' 42", k, 8, &failure);
    assert_int_equal(n, 6);
    assert_int_equal(k[0], CSP_T_IDENT);
    assert_int_equal(k[2], CSP_T_STRING);
    assert_int_equal(k[3], CSP_T_CHAR);
    assert_int_equal(k[4], CSP_T_INT);
    lex("\"open", k, 8, &failure);
    assert_int_equal(failure, CSP_ERROR_PARSE);
    lex("a ~ b", k, 8, &failure);
    assert_int_equal(failure, CSP_ERROR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_newlines),
        cmocka_unit_test(test_literals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
