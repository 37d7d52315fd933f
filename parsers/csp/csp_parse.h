/*
 * csp_parse.h — the CSPm parser: tokens to a parse tree (csp_ast.h).
 *
 * Design.  A precedence-climbing (Pratt) parser whose binding powers follow
 * FDR's CSPm grammar, loosest first:
 *
 *   \ (hiding) < ||| < [| |], [ || ], [| |> < |~| < [] < /\ < [> < ;
 *   < -> and & (right) < prefix fields ? ! $ < . (right) < or < and
 *   < not < comparisons < + - < * / % < unary - < # < ^ < application,
 *   renaming [[ ]]
 *
 * `let`, `if`, lambdas and the replicated operators extend as far right as
 * possible.  Hiding takes everything to its left but only a narrow operand
 * to its right, so `P \ A [] Q` is `(P \ A) [] Q` and `P ||| Q \ A` is
 * `(P ||| Q) \ A`, as FDR reads them.
 *
 * `include "f"` is resolved relative to the including file and may nest up
 * to CSP_MAX_INCLUDE deep.  Patterns are parsed as expressions and then
 * converted, which reports malformed ones (such as `-true`) as parse
 * errors.  Definitions of the same name are gathered into one function
 * here; a name defined twice otherwise is left for the checker to reject.
 */
#ifndef PNSIM_CSP_PARSE_H
#define PNSIM_CSP_PARSE_H

#include "csp_ast.h"

#define CSP_MAX_INCLUDE 16

/* Reads and parses the script at `path` (and what it includes) into
 * `program`; everything lives in the context's arena.  Fails through the
 * trap (CSP_ERROR_IO, CSP_ERROR_PARSE, CSP_ERROR_UNSUPPORTED). */
void csp_parse_file(csp_context *context, const char *path,
                    csp_program *program);

/* Parses `text` (named `name` in errors) as a script. */
void csp_parse_text(csp_context *context, const char *name, const char *text,
                    csp_program *program);

/* Parses `text` as one expression (for tests and --process NAME(args)). */
csp_expr *csp_parse_expression(csp_context *context, const char *name,
                               const char *text);

/* Writes a fully parenthesised rendering of `expr` into `buffer` (for
 * tests: shows how the parser grouped the operators). */
void csp_expr_render(const csp_context *context, const csp_expr *expr,
                     char *buffer, size_t size);

#endif
