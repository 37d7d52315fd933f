/*
 * csp_lex.c — the CSPm lexer (csp_lex.h): characters to tokens, comments
 * skipped, newlines kept only where they can end a definition.
 *
 * Two passes: the first produces every token with a NEWLINE token at each
 * line break; the second drops the newlines that cannot end a definition,
 * looking at the bracket nesting and the tokens on either side.
 */
#include "csp_lex.h"

#include <ctype.h>
#include <string.h>

typedef struct keyword {
    const char *text;
    csp_token_kind kind;
} keyword;

static const keyword csp_keywords[] = {
    {"channel", CSP_T_CHANNEL}, {"datatype", CSP_T_DATATYPE},
    {"nametype", CSP_T_NAMETYPE}, {"subtype", CSP_T_SUBTYPE},
    {"assert", CSP_T_ASSERT}, {"not", CSP_T_NOT}, {"and", CSP_T_AND},
    {"or", CSP_T_OR}, {"let", CSP_T_LET}, {"within", CSP_T_WITHIN},
    {"if", CSP_T_IF}, {"then", CSP_T_THEN}, {"else", CSP_T_ELSE},
    {"include", CSP_T_INCLUDE}, {"transparent", CSP_T_TRANSPARENT},
    {"external", CSP_T_EXTERNAL}, {"true", CSP_T_TRUE},
    {"false", CSP_T_FALSE}, {"module", CSP_T_MODULE},
    {"exports", CSP_T_EXPORTS}, {"endmodule", CSP_T_ENDMODULE},
    {"instance", CSP_T_INSTANCE}, {"Timed", CSP_T_TIMED},
    {"print", CSP_T_PRINT},
};

/* Longest first, so that the first match is the longest. */
static const keyword csp_symbols[] = {
    {"[FD=", CSP_T_REFINES_FD}, {"[RD=", CSP_T_REFINES_OTHER},
    {"[VD=", CSP_T_REFINES_OTHER},
    {"|~|", CSP_T_INTCHOICE}, {"|||", CSP_T_INTERLEAVE}, {"<->", CSP_T_LINK},
    {"[T=", CSP_T_REFINES_T}, {"[F=", CSP_T_REFINES_F},
    {"[R=", CSP_T_REFINES_OTHER}, {"[V=", CSP_T_REFINES_OTHER},
    {"->", CSP_T_ARROW}, {"[]", CSP_T_BOX}, {"/\\", CSP_T_INTERRUPT},
    {"[>", CSP_T_TIMEOUT}, {"[|", CSP_T_LPAR_SYNC}, {"|]", CSP_T_RPAR_SYNC},
    {"|>", CSP_T_EXCEPT_END}, {"||", CSP_T_PARALLEL}, {"[[", CSP_T_LRENAME},
    {"<-", CSP_T_LARROW}, {"{|", CSP_T_LENUM}, {"|}", CSP_T_RENUM},
    {"<=", CSP_T_LE}, {">=", CSP_T_GE}, {"==", CSP_T_EQEQ}, {"!=", CSP_T_NE},
    {"..", CSP_T_DOTDOT}, {"::", CSP_T_COLONCOLON}, {"@@", CSP_T_ATAT},
    {"=>", CSP_T_FATARROW},
    {"&", CSP_T_AMP}, {";", CSP_T_SEMI}, {"\\", CSP_T_BACKSLASH},
    {"[", CSP_T_LBRACKET}, {"]", CSP_T_RBRACKET}, {"(", CSP_T_LPAREN},
    {")", CSP_T_RPAREN}, {"{", CSP_T_LBRACE}, {"}", CSP_T_RBRACE},
    {"<", CSP_T_LT}, {">", CSP_T_GT}, {"=", CSP_T_EQUALS}, {"+", CSP_T_PLUS},
    {"-", CSP_T_MINUS}, {"*", CSP_T_STAR}, {"/", CSP_T_SLASH},
    {"%", CSP_T_PERCENT}, {"^", CSP_T_CARET}, {"#", CSP_T_HASH},
    {".", CSP_T_DOT}, {",", CSP_T_COMMA}, {":", CSP_T_COLON},
    {"?", CSP_T_QUESTION}, {"!", CSP_T_BANG}, {"$", CSP_T_DOLLAR},
    {"@", CSP_T_AT}, {"|", CSP_T_BAR},
};

const char *csp_token_name(csp_token_kind kind)
{
    switch (kind) {
    case CSP_T_EOF: return "end of file";
    case CSP_T_NEWLINE: return "end of line";
    case CSP_T_IDENT: return "identifier";
    case CSP_T_INT: return "number";
    case CSP_T_CHAR: return "character";
    case CSP_T_STRING: return "string";
    case CSP_T_REFINES_OTHER: return "refinement";
    default: break;
    }
    for (size_t i = 0; i < sizeof csp_keywords / sizeof *csp_keywords; i++)
        if (csp_keywords[i].kind == kind)
            return csp_keywords[i].text;
    for (size_t i = 0; i < sizeof csp_symbols / sizeof *csp_symbols; i++)
        if (csp_symbols[i].kind == kind)
            return csp_symbols[i].text;
    return "token";
}

typedef struct lexer {
    csp_context *context;
    uint32_t file;
    const char *text;
    size_t length, position;
    uint32_t line, column;
    csp_vec tokens;
    csp_vec *pragmas;       /* csp_lex_pragmas: `{-#` comments (csp_span*) */
} lexer;

static void lex_advance(lexer *lx, size_t count)
{
    while (count-- > 0 && lx->position < lx->length) {
        if (lx->text[lx->position] == '\n') {
            lx->line++;
            lx->column = 1;
        } else {
            lx->column++;
        }
        lx->position++;
    }
}

static csp_span lex_span(const lexer *lx)
{
    return (csp_span){lx->file, lx->line, lx->column, (uint32_t)lx->position,
                      (uint32_t)lx->position};
}

static csp_token *lex_push(lexer *lx, csp_token_kind kind, csp_span span)
{
    csp_token *token = csp_alloc(lx->context, sizeof *token);
    token->kind = kind;
    span.end = (uint32_t)lx->position;
    token->span = span;
    token->text = lx->text + span.start;
    token->length = span.end - span.start;
    csp_vec_push(lx->context, &lx->tokens, token);
    return token;
}

/* Reads one escaped character of a string or character literal. */
static int lex_escaped(lexer *lx, const csp_span *span)
{
    char c = lx->text[lx->position];
    if (c == '\\' && lx->position + 1 < lx->length) {
        lex_advance(lx, 1);
        c = lx->text[lx->position];
        lex_advance(lx, 1);
        switch (c) {
        case 'n': return '\n';
        case 't': return '\t';
        case 'r': return '\r';
        case '0': return 0;
        default: return (unsigned char)c;
        }
    }
    if (c == '\n' || lx->position >= lx->length)
        csp_fail(lx->context, CSP_ERROR_PARSE, span, "unterminated literal");
    lex_advance(lx, 1);
    return (unsigned char)c;
}

static void lex_all(lexer *lx)
{
    while (lx->position < lx->length) {
        char c = lx->text[lx->position];
        const char *rest = lx->text + lx->position;
        csp_span span = lex_span(lx);
        if (c == '\n') {
            lex_advance(lx, 1);
            lex_push(lx, CSP_T_NEWLINE, span);
            continue;
        }
        if (isspace((unsigned char)c)) {
            lex_advance(lx, 1);
            continue;
        }
        if (c == '-' && rest[1] == '-') {
            while (lx->position < lx->length && lx->text[lx->position] != '\n')
                lex_advance(lx, 1);
            continue;
        }
        if (c == '{' && rest[1] == '-') {
            unsigned nesting = 0;
            do {
                if (lx->position + 1 >= lx->length)
                    csp_fail(lx->context, CSP_ERROR_PARSE, &span,
                             "unterminated {- comment");
                const char *here = lx->text + lx->position;
                if (here[0] == '{' && here[1] == '-') {
                    nesting++;
                    lex_advance(lx, 2);
                } else if (here[0] == '-' && here[1] == '}') {
                    nesting--;
                    lex_advance(lx, 2);
                } else {
                    lex_advance(lx, 1);
                }
            } while (nesting > 0);
            if (lx->pragmas != NULL && rest[2] == '#') {
                csp_span *whole = csp_memdup(lx->context, &span, sizeof span);
                whole->end = (uint32_t)lx->position;
                csp_vec_push(lx->context, lx->pragmas, whole);
            }
            continue;
        }
        if (isalpha((unsigned char)c) || c == '_') {
            size_t length = 0;
            while (isalnum((unsigned char)rest[length]) || rest[length] == '_' ||
                   rest[length] == '\'')
                length++;
            lex_advance(lx, length);
            csp_token_kind kind = CSP_T_IDENT;
            for (size_t i = 0; i < sizeof csp_keywords / sizeof *csp_keywords; i++)
                if (strlen(csp_keywords[i].text) == length &&
                    memcmp(csp_keywords[i].text, rest, length) == 0)
                    kind = csp_keywords[i].kind;
            lex_push(lx, kind, span);
            continue;
        }
        if (isdigit((unsigned char)c)) {
            int64_t value = 0;
            size_t length = 0;
            while (isdigit((unsigned char)rest[length])) {
                int digit = rest[length] - '0';
                if (value > (INT64_MAX - digit) / 10)
                    csp_fail(lx->context, CSP_ERROR_PARSE, &span,
                             "integer literal too large");
                value = value * 10 + digit;
                length++;
            }
            lex_advance(lx, length);
            lex_push(lx, CSP_T_INT, span)->number = value;
            continue;
        }
        if (c == '"') {
            lex_advance(lx, 1);
            csp_vec chars = {0};
            char buffer[256];
            size_t used = 0;
            char *text = NULL;
            size_t text_length = 0;
            while (lx->position < lx->length && lx->text[lx->position] != '"') {
                if (used == sizeof buffer) {
                    char *grown = csp_alloc(lx->context, text_length + used + 1);
                    if (text_length > 0)
                        memcpy(grown, text, text_length);
                    memcpy(grown + text_length, buffer, used);
                    text = grown;
                    text_length += used;
                    used = 0;
                }
                buffer[used++] = (char)lex_escaped(lx, &span);
            }
            (void)chars;
            if (lx->position >= lx->length)
                csp_fail(lx->context, CSP_ERROR_PARSE, &span,
                         "unterminated string");
            lex_advance(lx, 1);
            char *all = csp_alloc(lx->context, text_length + used + 1);
            if (text_length > 0)
                memcpy(all, text, text_length);
            memcpy(all + text_length, buffer, used);
            csp_token *token = lex_push(lx, CSP_T_STRING, span);
            token->string = all;
            token->string_length = text_length + used;
            continue;
        }
        if (c == '\'') {
            lex_advance(lx, 1);
            int value = lex_escaped(lx, &span);
            if (lx->position >= lx->length || lx->text[lx->position] != '\'')
                csp_fail(lx->context, CSP_ERROR_PARSE, &span,
                         "unterminated character literal");
            lex_advance(lx, 1);
            lex_push(lx, CSP_T_CHAR, span)->number = value;
            continue;
        }
        bool matched = false;
        for (size_t i = 0; i < sizeof csp_symbols / sizeof *csp_symbols; i++) {
            size_t length = strlen(csp_symbols[i].text);
            if (lx->position + length <= lx->length &&
                memcmp(rest, csp_symbols[i].text, length) == 0) {
                lex_advance(lx, length);
                lex_push(lx, csp_symbols[i].kind, span);
                matched = true;
                break;
            }
        }
        if (!matched)
            csp_fail(lx->context, CSP_ERROR_PARSE, &span,
                     "unexpected character '%c'", c);
    }
    lex_push(lx, CSP_T_EOF, lex_span(lx));
}

/* Tokens after which a newline cannot end a definition. */
static bool csp_needs_right(csp_token_kind kind)
{
    switch (kind) {
    case CSP_T_ARROW: case CSP_T_AMP: case CSP_T_BOX: case CSP_T_INTCHOICE:
    case CSP_T_SEMI: case CSP_T_INTERRUPT: case CSP_T_TIMEOUT:
    case CSP_T_LPAR_SYNC: case CSP_T_RPAR_SYNC: case CSP_T_EXCEPT_END:
    case CSP_T_PARALLEL: case CSP_T_INTERLEAVE: case CSP_T_BACKSLASH:
    case CSP_T_LRENAME: case CSP_T_LARROW: case CSP_T_LINK:
    case CSP_T_LBRACKET: case CSP_T_LPAREN: case CSP_T_LBRACE:
    case CSP_T_LENUM: case CSP_T_LT: case CSP_T_LE:
    case CSP_T_GE: case CSP_T_EQEQ: case CSP_T_NE: case CSP_T_EQUALS:
    case CSP_T_PLUS: case CSP_T_MINUS: case CSP_T_STAR: case CSP_T_SLASH:
    case CSP_T_PERCENT: case CSP_T_CARET: case CSP_T_HASH: case CSP_T_DOT:
    case CSP_T_DOTDOT: case CSP_T_COMMA: case CSP_T_COLON:
    case CSP_T_QUESTION: case CSP_T_BANG: case CSP_T_DOLLAR: case CSP_T_AT:
    case CSP_T_ATAT: case CSP_T_BAR: case CSP_T_FATARROW:
    case CSP_T_REFINES_T: case CSP_T_REFINES_F: case CSP_T_REFINES_FD:
    case CSP_T_REFINES_OTHER: case CSP_T_NOT: case CSP_T_AND: case CSP_T_OR:
    case CSP_T_LET: case CSP_T_IF: case CSP_T_THEN: case CSP_T_ELSE:
    case CSP_T_WITHIN: case CSP_T_COLONCOLON:
        return true;
    default:
        return false;
    }
}

/* Tokens that cannot start an expression, so a newline before them
 * continues the definition. */
static bool csp_continues(csp_token_kind kind)
{
    switch (kind) {
    case CSP_T_ARROW: case CSP_T_AMP: case CSP_T_BOX: case CSP_T_INTCHOICE:
    case CSP_T_SEMI: case CSP_T_INTERRUPT: case CSP_T_TIMEOUT:
    case CSP_T_LPAR_SYNC: case CSP_T_RPAR_SYNC: case CSP_T_EXCEPT_END:
    case CSP_T_PARALLEL: case CSP_T_INTERLEAVE: case CSP_T_LRENAME:
    case CSP_T_LARROW: case CSP_T_LINK: case CSP_T_RBRACKET: case CSP_T_RPAREN:
    case CSP_T_LBRACKET:    /* [A || B], [a <-> b]: never starts an operand */
    case CSP_T_BACKSLASH:   /* a definition never starts with a lambda */
    case CSP_T_RBRACE: case CSP_T_RENUM: case CSP_T_GT: case CSP_T_LE:
    case CSP_T_GE: case CSP_T_EQEQ: case CSP_T_NE: case CSP_T_EQUALS:
    case CSP_T_PLUS: case CSP_T_STAR: case CSP_T_SLASH: case CSP_T_PERCENT:
    case CSP_T_CARET: case CSP_T_DOT: case CSP_T_DOTDOT: case CSP_T_COMMA:
    case CSP_T_COLON: case CSP_T_QUESTION: case CSP_T_BANG: case CSP_T_DOLLAR:
    case CSP_T_AT: case CSP_T_ATAT: case CSP_T_BAR: case CSP_T_FATARROW:
    case CSP_T_REFINES_T: case CSP_T_REFINES_F: case CSP_T_REFINES_FD:
    case CSP_T_REFINES_OTHER: case CSP_T_AND: case CSP_T_OR: case CSP_T_THEN:
    case CSP_T_ELSE: case CSP_T_WITHIN:
        return true;
    default:
        return false;
    }
}

static bool csp_opens(csp_token_kind kind)
{
    return kind == CSP_T_LPAREN || kind == CSP_T_LBRACKET ||
           kind == CSP_T_LBRACE || kind == CSP_T_LENUM ||
           kind == CSP_T_LPAR_SYNC || kind == CSP_T_LRENAME;
}

static bool csp_closes(csp_token_kind kind)
{
    return kind == CSP_T_RPAREN || kind == CSP_T_RBRACKET ||
           kind == CSP_T_RBRACE || kind == CSP_T_RENUM ||
           kind == CSP_T_RPAR_SYNC || kind == CSP_T_EXCEPT_END;
}

size_t csp_lex_pragmas(csp_context *context, uint32_t file,
                       csp_span ***spans)
{
    csp_vec found = {0};
    lexer lx = {
        .context = context, .file = file, .text = context->files[file].text,
        .length = context->files[file].length, .line = 1, .column = 1,
        .pragmas = &found,
    };
    lex_all(&lx);
    *spans = (csp_span **)found.items;
    return found.count;
}

csp_tokens csp_lex(csp_context *context, uint32_t file)
{
    lexer lx = {
        .context = context, .file = file, .text = context->files[file].text,
        .length = context->files[file].length, .line = 1, .column = 1,
    };
    lex_all(&lx);
    csp_token **all = (csp_token **)lx.tokens.items;
    size_t count = lx.tokens.count;

    /* Second pass: keep a newline only where it can end a definition.
     * `stack` records open brackets ('(') and let blocks ('l'). */
    csp_token *kept = csp_alloc(context, count * sizeof *kept);
    size_t kept_count = 0;
    char *stack = csp_alloc(context, 2 * count + 1);
    size_t depth = 0;
    for (size_t i = 0; i < count; i++) {
        csp_token *token = all[i];
        if (token->kind == CSP_T_NEWLINE) {
            if (kept_count == 0 ||
                kept[kept_count - 1].kind == CSP_T_NEWLINE)
                continue;
            if (depth > 0 && stack[depth - 1] == '(')
                continue;
            if (csp_needs_right(kept[kept_count - 1].kind))
                continue;
            size_t next = i + 1;
            while (next < count && all[next]->kind == CSP_T_NEWLINE)
                next++;
            if (next < count && csp_continues(all[next]->kind))
                continue;
            kept[kept_count++] = *token;
            continue;
        }
        if (csp_opens(token->kind)) {
            stack[depth++] = '(';
            if (token->kind == CSP_T_LRENAME)   /* closed by "] ]" */
                stack[depth++] = '(';
        }
        else if (token->kind == CSP_T_LET)
            stack[depth++] = 'l';
        else if (csp_closes(token->kind)) {
            /* a closing bracket also ends any let block opened inside it */
            while (depth > 0 && stack[depth - 1] == 'l')
                depth--;
            if (depth > 0)
                depth--;
        } else if (token->kind == CSP_T_WITHIN) {
            while (depth > 0 && stack[depth - 1] == '(')
                depth--;
            if (depth > 0)
                depth--;
        }
        kept[kept_count++] = *token;
    }
    return (csp_tokens){kept, kept_count};
}
