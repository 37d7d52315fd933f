/*
 * csp_lex.h — the CSPm lexer: source text to a token array.
 *
 * Design.  The whole file is tokenised up front into an arena array that
 * the parser indexes freely (it needs a few tokens of look-ahead, e.g. to
 * tell `[A || B]` from `[[`).  Comments (`--` to end of line, nested
 * `{- -}`) are skipped; as in FDR, `{-` always opens a comment, so a set
 * `{-1..3}` must be written `{ -1..3}`.
 *
 * Newlines end definitions, so the lexer emits CSP_T_NEWLINE tokens, but
 * only where one can end a definition: a newline is dropped inside
 * brackets (except inside a `let` block, whose definitions are separated by
 * newlines), after a token that needs a right operand (a binary operator,
 * an opening bracket, `let`, `if`, `=`, ...) and before a token that cannot
 * start an expression (a binary operator such as `[]` or `->`, `then`,
 * `else`, `within`, a closing bracket).  `-` and `<` do not absorb a
 * preceding newline because they can start an expression.
 */
#ifndef PNSIM_CSP_LEX_H
#define PNSIM_CSP_LEX_H

#include "csp_ast.h"

typedef enum csp_token_kind {
    CSP_T_EOF, CSP_T_NEWLINE, CSP_T_IDENT, CSP_T_INT, CSP_T_CHAR, CSP_T_STRING,
    /* keywords */
    CSP_T_CHANNEL, CSP_T_DATATYPE, CSP_T_NAMETYPE, CSP_T_SUBTYPE, CSP_T_ASSERT,
    CSP_T_NOT, CSP_T_AND, CSP_T_OR, CSP_T_LET, CSP_T_WITHIN, CSP_T_IF,
    CSP_T_THEN, CSP_T_ELSE, CSP_T_INCLUDE, CSP_T_TRANSPARENT, CSP_T_EXTERNAL,
    CSP_T_TRUE, CSP_T_FALSE, CSP_T_MODULE, CSP_T_EXPORTS, CSP_T_ENDMODULE,
    CSP_T_INSTANCE, CSP_T_TIMED, CSP_T_PRINT,
    /* symbols */
    CSP_T_ARROW,        /* -> */
    CSP_T_AMP,          /* & */
    CSP_T_BOX,          /* [] */
    CSP_T_INTCHOICE,    /* |~| */
    CSP_T_SEMI,         /* ; */
    CSP_T_INTERRUPT,    /* /\ */
    CSP_T_TIMEOUT,      /* [> */
    CSP_T_LPAR_SYNC,    /* [| */
    CSP_T_RPAR_SYNC,    /* |] */
    CSP_T_EXCEPT_END,   /* |> */
    CSP_T_PARALLEL,     /* || */
    CSP_T_INTERLEAVE,   /* ||| */
    CSP_T_BACKSLASH,    /* \ */
    CSP_T_LRENAME,      /* [[ */
    CSP_T_LARROW,       /* <- */
    CSP_T_LINK,         /* <-> */
    CSP_T_LBRACKET, CSP_T_RBRACKET, CSP_T_LPAREN, CSP_T_RPAREN,
    CSP_T_LBRACE, CSP_T_RBRACE,
    CSP_T_LENUM,        /* {| */
    CSP_T_RENUM,        /* |} */
    CSP_T_LT, CSP_T_GT, CSP_T_LE, CSP_T_GE, CSP_T_EQEQ, CSP_T_NE,
    CSP_T_EQUALS,       /* = */
    CSP_T_PLUS, CSP_T_MINUS, CSP_T_STAR, CSP_T_SLASH, CSP_T_PERCENT,
    CSP_T_CARET, CSP_T_HASH, CSP_T_DOT, CSP_T_DOTDOT, CSP_T_COMMA,
    CSP_T_COLON, CSP_T_COLONCOLON, CSP_T_QUESTION, CSP_T_BANG, CSP_T_DOLLAR,
    CSP_T_AT, CSP_T_ATAT, CSP_T_BAR, CSP_T_FATARROW,
    CSP_T_REFINES_T,    /* [T= */
    CSP_T_REFINES_F,    /* [F= */
    CSP_T_REFINES_FD,   /* [FD= */
    CSP_T_REFINES_OTHER,/* [R= [RD= [V= [VD= */
    CSP_T_COUNT
} csp_token_kind;

typedef struct csp_token {
    csp_token_kind kind;
    csp_span span;
    const char *text;       /* points into the file text */
    size_t length;
    int64_t number;         /* INT, CHAR */
    char *string;           /* STRING: arena, unescaped */
    size_t string_length;
} csp_token;

typedef struct csp_tokens {
    csp_token *items;
    size_t count;
} csp_tokens;

/* Tokenises file `file` of the context.  Fails through the trap with a
 * parse error (unterminated comment or string, stray character). */
csp_tokens csp_lex(csp_context *context, uint32_t file);

/* The comments of file `file` that open with `{-#` (pragmas, which FDR
 * ignores), outermost ones only, in order: fills *spans with arena
 * pointers to spans covering each whole comment and returns their number.
 * Fails through the trap as csp_lex does. */
size_t csp_lex_pragmas(csp_context *context, uint32_t file,
                       csp_span ***spans);

/* A printable name for a token kind ("'->'", "identifier", ...). */
const char *csp_token_name(csp_token_kind kind);

#endif
