/*
 * pn_net.c — the parsed net: releasing it, finding places, and the cheap
 * structural facts `pnsim info` prints.
 *
 * The facts are computed from the arc list in a few linear passes, with
 * per-node counters.  They assume what pnml_read guarantees: parallel
 * normal arcs (same place, transition and direction) have been merged, so
 * counting arcs counts distinct neighbours.
 */
#include "pn_net.h"

#include <stdlib.h>
#include <string.h>

void pn_net_free(pn_net *net)
{
    if (net == NULL)
        return;
    for (size_t i = 0; i < net->place_count; i++) {
        free(net->places[i].id);
        free(net->places[i].name);
    }
    for (size_t i = 0; i < net->transition_count; i++) {
        free(net->transitions[i].id);
        free(net->transitions[i].name);
        free(net->transitions[i].component);
    }
    for (size_t i = 0; i < net->arc_count; i++)
        free(net->arcs[i].id);
    free(net->places);
    free(net->transitions);
    free(net->arcs);
    free(net->id);
    free(net->name);
    free(net->file);
    free(net);
}

long pn_net_find_place(const pn_net *net, const char *id_or_name)
{
    /* Ids first: they are unique, names need not be. */
    for (size_t i = 0; i < net->place_count; i++)
        if (strcmp(net->places[i].id, id_or_name) == 0)
            return (long)i;
    for (size_t i = 0; i < net->place_count; i++)
        if (strcmp(net->places[i].name, id_or_name) == 0)
            return (long)i;
    return -1;
}

/* A sum of weights that cannot overflow: 2^64 * carries + low. */
typedef struct pn_net_sum {
    uint64_t low, carries;
} pn_net_sum;

static void pn_net_sum_add(pn_net_sum *sum, uint64_t value)
{
    sum->low += value;
    if (sum->low < value)
        sum->carries++;
}

/* Per-node counts of normal arcs, and the presets of transitions in CSR
 * form (preset_start[t] .. preset_start[t + 1] index preset_places). */
typedef struct pn_net_degrees {
    uint32_t *transition_inputs, *transition_outputs;
    uint32_t *place_inputs, *place_outputs;   /* transitions around a place */
    pn_net_sum *consumed, *produced;
    size_t *preset_start;
    uint32_t *preset_places;
} pn_net_degrees;

static void pn_net_degrees_free(pn_net_degrees *degrees)
{
    free(degrees->transition_inputs);
    free(degrees->transition_outputs);
    free(degrees->place_inputs);
    free(degrees->place_outputs);
    free(degrees->consumed);
    free(degrees->produced);
    free(degrees->preset_start);
    free(degrees->preset_places);
}

static int pn_net_compare_places(const void *left, const void *right)
{
    uint32_t a = *(const uint32_t *)left, b = *(const uint32_t *)right;
    return a < b ? -1 : a > b;
}

static bool pn_net_degrees_compute(const pn_net *net, pn_net_degrees *degrees)
{
    size_t places = net->place_count, transitions = net->transition_count;
    /* calloc(0) may return NULL: ask for at least one element. */
    degrees->transition_inputs = calloc(transitions + 1, sizeof(uint32_t));
    degrees->transition_outputs = calloc(transitions + 1, sizeof(uint32_t));
    degrees->place_inputs = calloc(places + 1, sizeof(uint32_t));
    degrees->place_outputs = calloc(places + 1, sizeof(uint32_t));
    degrees->consumed = calloc(transitions + 1, sizeof(pn_net_sum));
    degrees->produced = calloc(transitions + 1, sizeof(pn_net_sum));
    degrees->preset_start = calloc(transitions + 1, sizeof(size_t));
    degrees->preset_places = calloc(net->arc_count + 1, sizeof(uint32_t));
    if (degrees->transition_inputs == NULL ||
        degrees->transition_outputs == NULL || degrees->place_inputs == NULL ||
        degrees->place_outputs == NULL || degrees->consumed == NULL ||
        degrees->produced == NULL || degrees->preset_start == NULL ||
        degrees->preset_places == NULL)
        return false;

    for (size_t i = 0; i < net->arc_count; i++) {
        const pn_arc *arc = &net->arcs[i];
        if (arc->kind != PN_ARC_NORMAL)
            continue;
        if (arc->to_transition) {
            degrees->transition_inputs[arc->transition]++;
            degrees->place_outputs[arc->place]++;
            pn_net_sum_add(&degrees->consumed[arc->transition], arc->weight);
        } else {
            degrees->transition_outputs[arc->transition]++;
            degrees->place_inputs[arc->place]++;
            pn_net_sum_add(&degrees->produced[arc->transition], arc->weight);
        }
    }

    /* Presets, sorted so that two can be compared in one pass. */
    size_t *start = degrees->preset_start;
    for (size_t t = 0; t < transitions; t++)
        start[t + 1] = start[t] + degrees->transition_inputs[t];
    size_t *fill = calloc(transitions + 1, sizeof *fill);
    if (fill == NULL)
        return false;
    for (size_t i = 0; i < net->arc_count; i++) {
        const pn_arc *arc = &net->arcs[i];
        if (arc->kind == PN_ARC_NORMAL && arc->to_transition)
            degrees->preset_places[start[arc->transition] +
                                   fill[arc->transition]++] = arc->place;
    }
    free(fill);
    for (size_t t = 0; t < transitions; t++)
        qsort(degrees->preset_places + start[t], start[t + 1] - start[t],
              sizeof(uint32_t), pn_net_compare_places);
    return true;
}

static bool pn_net_same_preset(const pn_net_degrees *degrees, uint32_t a,
                               uint32_t b)
{
    const size_t *start = degrees->preset_start;
    size_t length = start[a + 1] - start[a];
    return length == start[b + 1] - start[b] &&
           memcmp(degrees->preset_places + start[a],
                  degrees->preset_places + start[b],
                  length * sizeof(uint32_t)) == 0;
}

/* Free choice as the header defines it: two transitions that share an
 * input place have the same preset.  Equivalently, all output transitions
 * of each place have the preset of the first of them. */
static bool pn_net_free_choice(const pn_net *net, const pn_net_degrees *degrees)
{
    uint32_t *first = malloc((net->place_count + 1) * sizeof *first);
    if (first == NULL)
        return false;
    for (size_t p = 0; p < net->place_count; p++)
        first[p] = UINT32_MAX;
    bool free_choice = true;
    for (size_t i = 0; i < net->arc_count && free_choice; i++) {
        const pn_arc *arc = &net->arcs[i];
        if (arc->kind != PN_ARC_NORMAL || !arc->to_transition)
            continue;
        if (first[arc->place] == UINT32_MAX)
            first[arc->place] = arc->transition;
        else if (!pn_net_same_preset(degrees, first[arc->place],
                                     arc->transition))
            free_choice = false;
    }
    free(first);
    return free_choice;
}

void pn_net_compute_facts(const pn_net *net, pn_net_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    facts->ordinary = true;

    for (size_t p = 0; p < net->place_count; p++) {
        const pn_place *place = &net->places[p];
        if (facts->initial_tokens > UINT64_MAX - place->initial)
            facts->initial_tokens = UINT64_MAX;
        else
            facts->initial_tokens += place->initial;
        if (place->initial > facts->max_initial)
            facts->max_initial = place->initial;
        facts->final_places += place->final;
        facts->shared_places += place->shared;
    }

    /* Any arc at all, for isolated places and source transitions. */
    bool *place_touched = calloc(net->place_count + 1, sizeof *place_touched);
    bool *transition_fed = calloc(net->transition_count + 1,
                                  sizeof *transition_fed);
    for (size_t i = 0; i < net->arc_count; i++) {
        const pn_arc *arc = &net->arcs[i];
        switch (arc->kind) {
        case PN_ARC_NORMAL: facts->normal_arcs++; break;
        case PN_ARC_READ: facts->read_arcs++; break;
        case PN_ARC_INHIBITOR: facts->inhibitor_arcs++; break;
        }
        if (arc->weight > facts->max_weight)
            facts->max_weight = arc->weight;
        if (arc->weight != 1)
            facts->ordinary = false;
        if (place_touched != NULL)
            place_touched[arc->place] = true;
        if (transition_fed != NULL && arc->to_transition)
            transition_fed[arc->transition] = true;
    }

    pn_net_degrees degrees = {0};
    if (place_touched == NULL || transition_fed == NULL ||
        !pn_net_degrees_compute(net, &degrees)) {
        /* Out of memory: the counts above stand; the structural classes
         * stay false ("not established") rather than being guessed. */
        free(place_touched);
        free(transition_fed);
        pn_net_degrees_free(&degrees);
        return;
    }

    facts->state_machine = true;
    facts->conservative = true;
    for (size_t t = 0; t < net->transition_count; t++) {
        /* "Source": no arc from a place of any kind, so always enabled. */
        facts->source_transitions += !transition_fed[t];
        facts->sink_transitions += degrees.transition_outputs[t] == 0;
        if (degrees.transition_inputs[t] != 1 ||
            degrees.transition_outputs[t] != 1)
            facts->state_machine = false;
        if (degrees.consumed[t].low != degrees.produced[t].low ||
            degrees.consumed[t].carries != degrees.produced[t].carries)
            facts->conservative = false;
    }
    facts->marked_graph = true;
    for (size_t p = 0; p < net->place_count; p++) {
        facts->isolated_places += !place_touched[p];
        if (degrees.place_inputs[p] != 1 || degrees.place_outputs[p] != 1)
            facts->marked_graph = false;
    }
    facts->free_choice = pn_net_free_choice(net, &degrees);

    free(place_touched);
    free(transition_fed);
    pn_net_degrees_free(&degrees);
}
