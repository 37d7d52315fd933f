/*
 * race.c — the race check (see race.h).
 *
 * One pass over the explored states, in id order.  For each state the
 * model enumerates its enabled transitions; the ones that access some
 * resource are paired, and a pair conflicting on a resource not yet known
 * to race (one of the two writes it) is a race when the two do not compete
 * for control in that state.  The pass ends early once every resource has
 * its race.
 */
#include "race.h"

#include <stdlib.h>
#include <string.h>

int race_access(const model *model, uint32_t t, uint32_t resource)
{
    const model_transition *facts = &model->transitions[t];
    int access = 0;
    for (size_t i = 0; i < facts->access_count; i++)
        if (facts->accesses[i].resource == resource) {
            int kind = facts->accesses[i].kind == MODEL_ACCESS_WRITE ? 2 : 1;
            access = kind > access ? kind : access;
        }
    return access;
}

static model_value race_weight(const model_transition *facts, size_t i)
{
    return facts->consume_weights != NULL ? facts->consume_weights[i] : 1;
}

bool race_compete(const model *model, const model_value *state, uint32_t a,
                  uint32_t b)
{
    const model_transition *first = &model->transitions[a];
    const model_transition *second = &model->transitions[b];
    for (size_t i = 0; i < first->consume_count; i++)
        for (size_t j = 0; j < second->consume_count; j++) {
            uint32_t slot = first->consumes[i];
            if (second->consumes[j] != slot)
                continue;
            if (model->slot_kind == MODEL_SLOT_CONTROL)
                return true;
            model_value need = race_weight(first, i);
            model_value more = race_weight(second, j);
            if (need > UINT64_MAX - more || state[slot] < need + more)
                return true;
        }
    return false;
}

/* Collects the enabled transitions that access a resource, once each. */
typedef struct race_enabled {
    const model *model;
    uint32_t *list;
    size_t count;
    uint64_t *stamp;              /* per transition: the state it was last
                                     listed for, plus one */
    uint64_t current;
} race_enabled;

static int race_collect(void *context, uint32_t transition,
                        const model_value *successor)
{
    (void)successor;
    race_enabled *enabled = context;
    if (enabled->model->transitions[transition].access_count == 0 ||
        enabled->stamp[transition] == enabled->current)
        return 0;
    enabled->stamp[transition] = enabled->current;
    enabled->list[enabled->count++] = transition;
    return 0;
}

/* Looks at the pairs of one state; returns how many resources got their
 * first race. */
static size_t race_pairs(const model *model, const model_value *state,
                         explore_state_id id, const race_enabled *enabled,
                         race_report *report)
{
    size_t found = 0;
    for (size_t i = 0; i < enabled->count; i++) {
        uint32_t a = enabled->list[i];
        const model_transition *facts = &model->transitions[a];
        for (size_t j = i + 1; j < enabled->count; j++) {
            uint32_t b = enabled->list[j];
            bool checked = false, compete = false;
            for (size_t k = 0; k < facts->access_count; k++) {
                uint32_t r = facts->accesses[k].resource;
                race_found *race = &report->races[r];
                if (race->state != EXPLORE_NO_STATE)
                    continue;
                int on_a = race_access(model, a, r);
                int on_b = race_access(model, b, r);
                if (on_b == 0 || (on_a < 2 && on_b < 2))
                    continue;
                if (!checked) {
                    compete = race_compete(model, state, a, b);
                    checked = true;
                }
                if (compete)
                    break;
                bool a_first = on_a >= on_b;
                race->state = id;
                race->first = a_first ? a : b;
                race->second = a_first ? b : a;
                race->first_access = (a_first ? on_a : on_b) == 2
                                         ? MODEL_ACCESS_WRITE
                                         : MODEL_ACCESS_READ;
                race->second_access = (a_first ? on_b : on_a) == 2
                                          ? MODEL_ACCESS_WRITE
                                          : MODEL_ACCESS_READ;
                found++;
            }
        }
    }
    return found;
}

pnsim_status race_check(const model *model, const explore_result *result,
                        race_report *report, pnsim_error *error)
{
    memset(report, 0, sizeof *report);
    report->count = model->resource_count;
    if (report->count == 0)
        return PNSIM_OK;
    report->races = calloc(report->count, sizeof *report->races);
    size_t slots = model->state_length ? model->state_length : 1;
    model_value *state = malloc(slots * sizeof *state);
    void *scratch = malloc(model->scratch_bytes ? model->scratch_bytes : 1);
    race_enabled enabled = {
        .model = model,
        .list = malloc((model->transition_count + 1) * sizeof(uint32_t)),
        .stamp = calloc(model->transition_count + 1, sizeof(uint64_t)),
    };
    if (report->races == NULL || state == NULL || scratch == NULL ||
        enabled.list == NULL || enabled.stamp == NULL) {
        free(state);
        free(scratch);
        free(enabled.list);
        free(enabled.stamp);
        race_report_free(report);
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory checking races");
    }
    for (size_t r = 0; r < report->count; r++) {
        report->races[r].resource = (uint32_t)r;
        report->races[r].state = EXPLORE_NO_STATE;
    }

    size_t open = report->count;
    uint64_t states = explore_result_stats(result)->states;
    for (explore_state_id id = 0; id < states && open > 0; id++) {
        if (!explore_result_decode(result, id, state))
            break;
        enabled.count = 0;
        enabled.current = id + 1;
        /* A state whose successor would overflow still lists the
         * transitions visited before; the rest cannot fire anyway. */
        pnsim_error ignored;
        model_successors(model, state, scratch, race_collect, &enabled,
                         &ignored);
        report->states_checked++;
        if (enabled.count >= 2)
            open -= race_pairs(model, state, id, &enabled, report);
    }
    free(state);
    free(scratch);
    free(enabled.list);
    free(enabled.stamp);
    return PNSIM_OK;
}

void race_report_free(race_report *report)
{
    free(report->races);
    memset(report, 0, sizeof *report);
}
