/*
 * predicate.h — conditions on a state's slots, such as "done==1,idle>=5".
 *
 * A predicate is a conjunction of comparisons `SLOT OP NUMBER` separated by
 * commas, with OP one of ==, >=, <=.  Slots are named as the model names
 * them (a Petri net's place names or ids).  The command line uses
 * predicates to declare the intended final states of a model (--final).
 */
#ifndef PNSIM_PREDICATE_H
#define PNSIM_PREDICATE_H

#include <stdbool.h>

#include "error.h"
#include "model.h"

typedef struct state_predicate state_predicate;

/* Parses `text` against the slot names of `model`.  Returns a predicate the
 * caller owns (free with state_predicate_free), or NULL with `error` set
 * (PNSIM_ERR_USAGE, naming the column of `text` that is wrong). */
state_predicate *state_predicate_parse(const char *text, const model *model,
                                       pnsim_error *error);

/* True when every comparison holds in `state`. */
bool state_predicate_holds(const state_predicate *predicate,
                           const model_value *state);

void state_predicate_free(state_predicate *predicate);

#endif
