/* model.c — the few helpers model.h declares out of line. */
#include "model.h"

#include <string.h>

bool model_bounds_every_slot(const model *model)
{
    for (size_t slot = 0; slot < model->state_length; slot++)
        if (model->slot_bounds == NULL ||
            model->slot_bounds[slot] == UINT64_MAX)
            return false;
    return true;
}

long model_find_slot(const model *model, const char *name)
{
    for (size_t i = 0; i < model->state_length; i++)
        if (strcmp(model->slot_names[i], name) == 0)
            return (long)i;
    return -1;
}

long model_find_transition(const model *model, const char *name)
{
    for (size_t i = 0; i < model->transition_count; i++)
        if (strcmp(model->transitions[i].name, name) == 0)
            return (long)i;
    return -1;
}
