/*
 * predicate.c — "SLOT OP NUMBER, ..." conditions on states (predicate.h).
 *
 * The text is parsed once into an array of (slot, operator, bound) triples;
 * checking a state is then a loop without allocation, safe from any thread.
 */
#include "predicate.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef enum predicate_operator {
    PREDICATE_EQUAL,
    PREDICATE_AT_LEAST,
    PREDICATE_AT_MOST
} predicate_operator;

typedef struct predicate_comparison {
    size_t slot;
    predicate_operator operator;
    model_value bound;
} predicate_comparison;

struct state_predicate {
    size_t count;
    predicate_comparison comparisons[];
};

static const char *predicate_skip_space(const char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    return text;
}

/* Parses one "SLOT OP NUMBER" starting at *cursor. */
static pnsim_status predicate_parse_comparison(const char *text,
                                               const char **cursor,
                                               const model *model,
                                               predicate_comparison *out,
                                               pnsim_error *error)
{
    const char *start = predicate_skip_space(*cursor);
    const char *end = start;
    while (*end != '\0' && *end != '=' && *end != '<' && *end != '>' &&
           *end != ',')
        end++;
    const char *name_end = end;
    while (name_end > start && isspace((unsigned char)name_end[-1]))
        name_end--;
    unsigned long column = (unsigned long)(start - text) + 1;
    if (name_end == start)
        return pnsim_error_set_at(error, PNSIM_ERR_USAGE, "--final", 1, column,
                                  "expected a place name");

    char name[512];
    size_t name_length = (size_t)(name_end - start);
    if (name_length >= sizeof name)
        return pnsim_error_set_at(error, PNSIM_ERR_USAGE, "--final", 1, column,
                                  "name too long");
    memcpy(name, start, name_length);
    name[name_length] = '\0';
    long slot = model_find_slot(model, name);
    if (slot < 0)
        return pnsim_error_set_at(error, PNSIM_ERR_USAGE, "--final", 1, column,
                                  "no place or process named '%s'", name);
    out->slot = (size_t)slot;

    column = (unsigned long)(end - text) + 1;
    if (strncmp(end, "==", 2) == 0)
        out->operator = PREDICATE_EQUAL;
    else if (strncmp(end, ">=", 2) == 0)
        out->operator = PREDICATE_AT_LEAST;
    else if (strncmp(end, "<=", 2) == 0)
        out->operator = PREDICATE_AT_MOST;
    else
        return pnsim_error_set_at(error, PNSIM_ERR_USAGE, "--final", 1, column,
                                  "expected ==, >= or <= after '%s'", name);

    const char *number = predicate_skip_space(end + 2);
    column = (unsigned long)(number - text) + 1;
    if (!isdigit((unsigned char)*number))
        return pnsim_error_set_at(error, PNSIM_ERR_USAGE, "--final", 1, column,
                                  "expected a non-negative whole number");
    char *number_end;
    errno = 0;
    unsigned long long bound = strtoull(number, &number_end, 10);
    if (errno == ERANGE)
        return pnsim_error_set_at(error, PNSIM_ERR_USAGE, "--final", 1, column,
                                  "number too large");
    out->bound = (model_value)bound;

    const char *after = predicate_skip_space(number_end);
    if (*after != '\0' && *after != ',')
        return pnsim_error_set_at(error, PNSIM_ERR_USAGE, "--final", 1,
                                  (unsigned long)(after - text) + 1,
                                  "expected ',' or the end");
    *cursor = after;
    return PNSIM_OK;
}

state_predicate *state_predicate_parse(const char *text, const model *model,
                                       pnsim_error *error)
{
    size_t capacity = 1;
    for (const char *c = text; *c != '\0'; c++)
        capacity += *c == ',';
    state_predicate *predicate =
        malloc(sizeof *predicate + capacity * sizeof predicate->comparisons[0]);
    if (predicate == NULL) {
        pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    predicate->count = 0;
    const char *cursor = text;
    for (;;) {
        if (predicate_parse_comparison(text, &cursor, model,
                                       &predicate->comparisons[predicate->count],
                                       error) != PNSIM_OK) {
            free(predicate);
            return NULL;
        }
        predicate->count++;
        if (*cursor != ',')
            break;
        cursor++;
    }
    return predicate;
}

bool state_predicate_holds(const state_predicate *predicate,
                           const model_value *state)
{
    for (size_t i = 0; i < predicate->count; i++) {
        const predicate_comparison *c = &predicate->comparisons[i];
        model_value value = state[c->slot];
        switch (c->operator) {
        case PREDICATE_EQUAL:
            if (value != c->bound)
                return false;
            break;
        case PREDICATE_AT_LEAST:
            if (value < c->bound)
                return false;
            break;
        case PREDICATE_AT_MOST:
            if (value > c->bound)
                return false;
            break;
        }
    }
    return true;
}

void state_predicate_free(state_predicate *predicate)
{
    free(predicate);
}
