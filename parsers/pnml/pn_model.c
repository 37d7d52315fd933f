/*
 * pn_model.c — compiles a pn_net into a model (model.h).
 *
 * Layout.  Successor generation is the inner loop of every algorithm, so
 * the net is turned into flat arrays.  For each kind of arc list — what a
 * transition consumes, produces, tests (read arcs), is inhibited by, and
 * "needs" — there is one array of (place, weight) entries holding the lists
 * of all transitions one after the other, and one offsets array: the list
 * of transition t is entries[start[t]] .. entries[start[t + 1] - 1] (the
 * CSR layout of sparse matrices).  "Needs" merges consume and test lists:
 * for each input place the larger of the two weights, so that enabledness
 * is one loop over needs plus one over inhibitors.
 *
 * Parallel arcs of the same kind between a place and a transition are
 * merged while the lists are built: weights of consuming or producing arcs
 * add up, read arcs keep the largest weight, inhibitor arcs the smallest.
 * pnml_read already merges normal arcs; doing it here too keeps the model
 * right for nets built by other means.
 *
 * Candidates.  A transition can only be enabled when every place it needs
 * is marked, so each transition is filed under one of its input places (its
 * "watch" place): successors() looks only at the transitions watched by the
 * marked places, plus the few that need no place at all.  On a net where a
 * handful of places are marked, most transitions are never looked at.  The
 * candidates are gathered as a bit set and tried in index order, the order
 * the model interface promises for linear models.
 *
 * Linear facts.  Every transition is also described by guards (a lower
 * bound per needed place, an upper bound per inhibitor arc) and effects
 * (tokens taken and given per written place), so that the explorer can
 * fire transitions on packed states without calling successors().
 *
 * Firing.  successors() copies the state into the caller's scratch buffer
 * once, then for each enabled transition applies its consumption and
 * production in place, hands the result to the visitor, and undoes the
 * change: the cost per successor is the transition's arc count, not the
 * number of places, with no allocation, lock or I/O.  The model is never
 * written after construction, so any number of threads may share it.
 */
#include "pn_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pn_model_arc {
    model_value weight;
    uint32_t place;
} pn_model_arc;

enum {
    PN_MODEL_CONSUME,    /* normal arcs place -> transition */
    PN_MODEL_PRODUCE,    /* normal arcs transition -> place */
    PN_MODEL_TEST,       /* read arcs */
    PN_MODEL_INHIBIT,    /* inhibitor arcs */
    PN_MODEL_NEEDS,      /* max(consume, test) per input place */
    PN_MODEL_LISTS
};

/* One kind of arc list for all transitions, in CSR form. */
typedef struct pn_model_list {
    size_t *start;       /* transition_count + 1 offsets into arcs */
    pn_model_arc *arcs;
} pn_model_list;

typedef struct pn_model {
    model model;         /* what callers see; implementation points here */
    model_value *initial;
    model_value *bounds;     /* structural bounds, or NULL */
    pn_exclusive_sets exclusive; /* places of which one is marked */
    pn_model_list lists[PN_MODEL_LISTS];
    uint32_t *final_places;
    size_t final_count;
    char *name;
    char **slot_names;
    char **transition_names;
    char **resource_names;
    char **component_names;
    uint32_t *component_of;  /* per transition: its one component */
    model_transition *transitions;
    model_access *accesses;
    uint32_t *writes;    /* every transition's write set, back to back */
    model_effect *effects; /* ... and what firing does to it */
    model_guard *guards; /* every transition's needs, then inhibitors */
    uint32_t *consumes;  /* every transition's control inputs, back to back */
    model_value *consume_weights;
    size_t *watch_start; /* place p watches watchers[watch_start[p] ..] */
    uint32_t *watchers;
    uint32_t *unwatched; /* transitions that need no place */
    size_t unwatched_count;
} pn_model;

/* ------------------------------------------------------------------------
 * The per-state operations.
 * ------------------------------------------------------------------------ */

static void pn_model_initial_state(const model *m, model_value *state)
{
    const pn_model *net = m->implementation;
    if (m->state_length > 0)
        memcpy(state, net->initial, m->state_length * sizeof *state);
}

static bool pn_model_enabled(const pn_model *net, uint32_t t,
                             const model_value *state)
{
    const pn_model_list *needs = &net->lists[PN_MODEL_NEEDS];
    for (size_t i = needs->start[t]; i < needs->start[t + 1]; i++)
        if (state[needs->arcs[i].place] < needs->arcs[i].weight)
            return false;
    const pn_model_list *inhibit = &net->lists[PN_MODEL_INHIBIT];
    for (size_t i = inhibit->start[t]; i < inhibit->start[t + 1]; i++)
        if (state[inhibit->arcs[i].place] >= inhibit->arcs[i].weight)
            return false;
    return true;
}

/* Fires transition t on `next` (a copy of the state), visits the result
 * and undoes the firing.  Returns the visitor's answer, or -1 when a token
 * count would overflow. */
static int pn_model_fire(const model *m, const pn_model *net, uint32_t t,
                         model_value *next, model_visit_fn visit,
                         void *context, pnsim_error *error)
{
    const pn_model_list *consume = &net->lists[PN_MODEL_CONSUME];
    const pn_model_list *produce = &net->lists[PN_MODEL_PRODUCE];
    /* Enabled, so every consumed place holds enough tokens. */
    for (size_t i = consume->start[t]; i < consume->start[t + 1]; i++)
        next[consume->arcs[i].place] -= consume->arcs[i].weight;
    for (size_t i = produce->start[t]; i < produce->start[t + 1]; i++) {
        const pn_model_arc *arc = &produce->arcs[i];
        if (next[arc->place] > UINT64_MAX - arc->weight) {
            /* The scratch buffer is left half-fired: it is the caller's,
             * and the state itself is untouched. */
            pnsim_error_set(error, PNSIM_ERR_OVERFLOW,
                            "token count of place '%s' would exceed "
                            "2^64-1 when firing '%s'",
                            m->slot_names[arc->place],
                            m->transitions[t].name);
            return -1;
        }
        next[arc->place] += arc->weight;
    }
    int stop = visit(context, t, next);
    for (size_t i = produce->start[t]; i < produce->start[t + 1]; i++)
        next[produce->arcs[i].place] -= produce->arcs[i].weight;
    for (size_t i = consume->start[t]; i < consume->start[t + 1]; i++)
        next[consume->arcs[i].place] += consume->arcs[i].weight;
    return stop;
}

/* The candidates, a set of transitions as bits, are visited in index
 * order: the order model.linear promises. */
static model_result pn_model_successors(const model *m,
                                        const model_value *state,
                                        void *scratch, model_visit_fn visit,
                                        void *context, pnsim_error *error)
{
    const pn_model *net = m->implementation;
    model_value *next = scratch;
    uint64_t *candidates = (uint64_t *)scratch + m->state_length;
    size_t candidate_words = (m->transition_count + 63) / 64;
    if (m->state_length > 0)
        memcpy(next, state, m->state_length * sizeof *next);
    memset(candidates, 0, candidate_words * sizeof *candidates);

    for (size_t i = 0; i < net->unwatched_count; i++)
        candidates[net->unwatched[i] / 64] |= (uint64_t)1
                                              << (net->unwatched[i] % 64);
    for (size_t p = 0; p < m->state_length; p++) {
        if (state[p] == 0)
            continue;
        for (size_t i = net->watch_start[p]; i < net->watch_start[p + 1];
             i++)
            candidates[net->watchers[i] / 64] |= (uint64_t)1
                                                 << (net->watchers[i] % 64);
    }
    for (size_t k = 0; k < candidate_words; k++) {
        for (uint64_t bits = candidates[k]; bits != 0; bits &= bits - 1) {
            uint32_t t = (uint32_t)(k * 64 + (size_t)__builtin_ctzll(bits));
            /* The watch place is marked, but maybe not enough. */
            if (!pn_model_enabled(net, t, state))
                continue;
            int stop = pn_model_fire(m, net, t, next, visit, context, error);
            if (stop != 0)
                return stop < 0 ? MODEL_FAILED : MODEL_STOPPED;
        }
    }
    return MODEL_DONE;
}

/* Called for dead states only: a token on a place marked <final/> means
 * the run ended as intended. */
static bool pn_model_is_final(const model *m, const model_value *state)
{
    const pn_model *net = m->implementation;
    for (size_t i = 0; i < net->final_count; i++)
        if (state[net->final_places[i]] >= 1)
            return true;
    return false;
}

static void pn_model_destroy(model *m)
{
    if (m == NULL)
        return;
    pn_model *net = m->implementation;
    free(net->initial);
    free(net->bounds);
    pn_exclusive_sets_free(&net->exclusive);
    for (int kind = 0; kind < PN_MODEL_LISTS; kind++) {
        free(net->lists[kind].start);
        free(net->lists[kind].arcs);
    }
    free(net->final_places);
    free(net->name);
    for (size_t i = 0; i < m->state_length && net->slot_names != NULL; i++)
        free(net->slot_names[i]);
    free(net->slot_names);
    for (size_t i = 0; i < m->transition_count && net->transition_names != NULL;
         i++)
        free(net->transition_names[i]);
    free(net->transition_names);
    for (size_t i = 0; i < m->resource_count && net->resource_names != NULL;
         i++)
        free(net->resource_names[i]);
    free(net->resource_names);
    for (size_t i = 0; i < m->component_count && net->component_names != NULL;
         i++)
        free(net->component_names[i]);
    free(net->component_names);
    free(net->component_of);
    free(net->transitions);
    free(net->accesses);
    free(net->writes);
    free(net->effects);
    free(net->guards);
    free(net->consumes);
    free(net->consume_weights);
    free(net->watch_start);
    free(net->watchers);
    free(net->unwatched);
    free(net);
}

static const model_ops pn_model_ops = {
    pn_model_initial_state, pn_model_successors, NULL, pn_model_destroy};

static const model_ops pn_model_ops_with_final = {
    pn_model_initial_state, pn_model_successors, pn_model_is_final,
    pn_model_destroy};

/* ------------------------------------------------------------------------
 * Unique names.  Two places (or transitions) may share a name; slots and
 * transitions must not, so a later one becomes "name#id" (and, should even
 * that be taken, "name#id#2", "name#id#3"...).  A small open-addressing set
 * of the names given so far finds collisions in constant time.
 * ------------------------------------------------------------------------ */

typedef struct pn_model_name_set {
    const char **names;  /* borrowed; NULL marks an empty slot */
    size_t capacity;     /* a power of two, at least twice the names */
} pn_model_name_set;

static size_t pn_model_name_hash(const char *name)
{
    uint64_t hash = 14695981039346656037u;       /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        hash = (hash ^ *c) * 1099511628211u;
    return (size_t)hash;
}

/* Where `name` is in the set, or the empty slot where it would go. */
static const char **pn_model_name_slot(const pn_model_name_set *set,
                                       const char *name)
{
    size_t mask = set->capacity - 1;
    size_t i = pn_model_name_hash(name) & mask;
    while (set->names[i] != NULL && strcmp(set->names[i], name) != 0)
        i = (i + 1) & mask;
    return &set->names[i];
}

/* Fills names[i] with a unique copy of the name of item i (ids[i] breaks
 * ties).  Returns false when out of memory. */
static bool pn_model_unique_names(size_t count, const char *const *given,
                                  const char *const *ids, char **names)
{
    pn_model_name_set set = {NULL, 16};
    while (set.capacity < 2 * count + 1)
        set.capacity *= 2;
    set.names = calloc(set.capacity, sizeof *set.names);
    if (set.names == NULL)
        return false;
    for (size_t i = 0; i < count; i++) {
        const char *name = given[i];
        char *unique = NULL;
        if (*pn_model_name_slot(&set, name) == NULL) {
            unique = strdup(name);
        } else {
            size_t size = strlen(name) + strlen(ids[i]) + 24;
            unique = malloc(size);
            for (unsigned long n = 1; unique != NULL; n++) {
                if (n == 1)
                    snprintf(unique, size, "%s#%s", name, ids[i]);
                else
                    snprintf(unique, size, "%s#%s#%lu", name, ids[i], n);
                if (*pn_model_name_slot(&set, unique) == NULL)
                    break;
            }
        }
        if (unique == NULL) {
            while (i > 0)
                free(names[--i]);
            free(set.names);
            return false;
        }
        names[i] = unique;
        *pn_model_name_slot(&set, unique) = unique;
    }
    free(set.names);
    return true;
}

/* ------------------------------------------------------------------------
 * Construction.
 * ------------------------------------------------------------------------ */

/* Which list an arc belongs to. */
static int pn_model_list_of(const pn_arc *arc)
{
    switch (arc->kind) {
    case PN_ARC_READ: return PN_MODEL_TEST;
    case PN_ARC_INHIBITOR: return PN_MODEL_INHIBIT;
    default: return arc->to_transition ? PN_MODEL_CONSUME : PN_MODEL_PRODUCE;
    }
}

/* Adds (place, weight) to the list being built for one transition, merging
 * with an entry for the same place: `slot` maps each place to its entry
 * (SIZE_MAX: none yet).  Returns false if a sum would overflow. */
static bool pn_model_add(pn_model_list *list, size_t *fill, size_t *slot,
                         int kind, uint32_t place, model_value weight)
{
    if (slot[place] == SIZE_MAX) {
        slot[place] = *fill;
        list->arcs[(*fill)++] = (pn_model_arc){weight, place};
        return true;
    }
    model_value *merged = &list->arcs[slot[place]].weight;
    switch (kind) {
    case PN_MODEL_CONSUME:
    case PN_MODEL_PRODUCE:
        if (*merged > UINT64_MAX - weight)
            return false;
        *merged += weight;
        break;
    case PN_MODEL_INHIBIT:
        if (weight < *merged)
            *merged = weight;
        break;
    default:                            /* tests and needs: the largest */
        if (weight > *merged)
            *merged = weight;
        break;
    }
    return true;
}

/* Builds the five lists.  `by_transition` holds the arc indices grouped by
 * transition (arcs of t at by_transition[first[t]] .. [first[t + 1] - 1]). */
static pnsim_status pn_model_build_lists(pn_model *net, const pn_net *source,
                                         const size_t *first,
                                         const size_t *by_transition,
                                         pnsim_error *error)
{
    size_t transitions = source->transition_count;
    size_t counts[PN_MODEL_LISTS] = {0};
    for (size_t i = 0; i < source->arc_count; i++)
        counts[pn_model_list_of(&source->arcs[i])]++;
    counts[PN_MODEL_NEEDS] = counts[PN_MODEL_CONSUME] + counts[PN_MODEL_TEST];
    for (int kind = 0; kind < PN_MODEL_LISTS; kind++) {
        net->lists[kind].start = calloc(transitions + 1, sizeof(size_t));
        net->lists[kind].arcs = malloc((counts[kind] + 1) *
                                       sizeof(pn_model_arc));
        if (net->lists[kind].start == NULL || net->lists[kind].arcs == NULL)
            return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
    }
    size_t *slot = malloc((source->place_count + 1) * sizeof *slot);
    if (slot == NULL)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
    for (size_t p = 0; p < source->place_count; p++)
        slot[p] = SIZE_MAX;

    size_t fill[PN_MODEL_LISTS] = {0};
    for (size_t t = 0; t < transitions; t++) {
        for (int kind = 0; kind < PN_MODEL_LISTS; kind++) {
            pn_model_list *list = &net->lists[kind];
            list->start[t] = fill[kind];
            if (kind == PN_MODEL_NEEDS) {
                static const int parts[] = {PN_MODEL_CONSUME, PN_MODEL_TEST};
                for (size_t k = 0; k < 2; k++) {
                    const pn_model_list *part = &net->lists[parts[k]];
                    for (size_t i = part->start[t]; i < part->start[t + 1]; i++)
                        pn_model_add(list, &fill[kind], slot, kind,
                                     part->arcs[i].place,
                                     part->arcs[i].weight);
                }
            } else {
                for (size_t j = first[t]; j < first[t + 1]; j++) {
                    const pn_arc *arc = &source->arcs[by_transition[j]];
                    if (pn_model_list_of(arc) != kind)
                        continue;
                    if (!pn_model_add(list, &fill[kind], slot, kind,
                                      arc->place, arc->weight)) {
                        free(slot);
                        return pnsim_error_set(
                            error, PNSIM_ERR_OVERFLOW,
                            "the weights of the arcs between place '%s' and "
                            "transition '%s' add up to more than 2^64-1",
                            source->places[arc->place].name,
                            source->transitions[t].name);
                    }
                }
            }
            /* Forget this transition's places before the next list. */
            for (size_t i = list->start[t]; i < fill[kind]; i++)
                slot[list->arcs[i].place] = SIZE_MAX;
            list->start[t + 1] = fill[kind];
        }
    }
    free(slot);
    return PNSIM_OK;
}

/* The weight `place` has in list `kind` of transition t, 0 if none. */
static model_value pn_model_weight(const pn_model *net, int kind, size_t t,
                                   uint32_t place)
{
    const pn_model_list *list = &net->lists[kind];
    for (size_t i = list->start[t]; i < list->start[t + 1]; i++)
        if (list->arcs[i].place == place)
            return list->arcs[i].weight;
    return 0;
}

/* Resources are the shared places, named like their slots. */
static bool pn_model_build_resource_names(pn_model *net, const pn_net *source,
                                          uint32_t *resource_of)
{
    model *m = &net->model;
    size_t resources = 0;
    for (size_t p = 0; p < source->place_count; p++)
        resource_of[p] = source->places[p].shared ? (uint32_t)resources++
                                                  : UINT32_MAX;
    if (resources == 0)
        return true;
    net->resource_names = calloc(resources, sizeof(char *));
    if (net->resource_names == NULL)
        return false;
    for (size_t p = 0; p < source->place_count; p++) {
        if (resource_of[p] == UINT32_MAX)
            continue;
        char *name = strdup(net->slot_names[p]);
        if (name == NULL)
            return false;
        net->resource_names[m->resource_count++] = name;
    }
    return true;
}

/* A transition writes a shared place whose marking it changes, and reads
 * one it only looks at: a read arc, equal consume and produce weights, or
 * an inhibitor arc (which tests the marking too).  One access per place,
 * in the order the lists first mention it. */
static bool pn_model_build_accesses(pn_model *net, const pn_net *source,
                                    const uint32_t *resource_of)
{
    size_t bound = 1;         /* at most one access per list entry */
    for (int kind = 0; kind < PN_MODEL_NEEDS; kind++)
        bound += net->lists[kind].start[source->transition_count];
    net->accesses = malloc(bound * sizeof *net->accesses);
    size_t *access_start = calloc(source->transition_count + 1,
                                  sizeof *access_start);
    if (net->accesses == NULL || access_start == NULL) {
        free(access_start);
        return false;
    }
    size_t fill = 0;
    for (size_t t = 0; t < source->transition_count; t++) {
        access_start[t] = fill;
        for (int kind = 0; kind < PN_MODEL_NEEDS; kind++) {
            const pn_model_list *list = &net->lists[kind];
            for (size_t i = list->start[t]; i < list->start[t + 1]; i++) {
                uint32_t place = list->arcs[i].place;
                uint32_t resource = resource_of[place];
                bool seen = resource == UINT32_MAX;
                for (size_t a = access_start[t]; a < fill && !seen; a++)
                    seen = net->accesses[a].resource == resource;
                if (seen)
                    continue;
                bool changes = pn_model_weight(net, PN_MODEL_CONSUME, t,
                                               place) !=
                               pn_model_weight(net, PN_MODEL_PRODUCE, t,
                                               place);
                net->accesses[fill++] = (model_access){
                    resource, changes ? MODEL_ACCESS_WRITE : MODEL_ACCESS_READ};
            }
        }
        access_start[t + 1] = fill;
    }
    /* Pointers only now: the array no longer moves. */
    for (size_t t = 0; t < source->transition_count; t++) {
        size_t count = access_start[t + 1] - access_start[t];
        net->transitions[t].access_count = count;
        net->transitions[t].accesses =
            count > 0 ? net->accesses + access_start[t] : NULL;
    }
    free(access_start);
    return true;
}

/* The control inputs of each transition (model_transition.consumes): the
 * places it consumes from, refilled or not, except shared ones, with the
 * consumed weight.  Read arcs only look, so they take nothing. */
static bool pn_model_build_consumes(pn_model *net, const pn_net *source,
                                    const uint32_t *resource_of)
{
    const pn_model_list *consume = &net->lists[PN_MODEL_CONSUME];
    size_t transitions = source->transition_count;
    size_t bound = consume->start[transitions] + 1;
    net->consumes = malloc(bound * sizeof *net->consumes);
    net->consume_weights = malloc(bound * sizeof *net->consume_weights);
    if (net->consumes == NULL || net->consume_weights == NULL)
        return false;
    size_t fill = 0;
    for (size_t t = 0; t < transitions; t++) {
        size_t start = fill;
        for (size_t i = consume->start[t]; i < consume->start[t + 1]; i++) {
            if (resource_of[consume->arcs[i].place] != UINT32_MAX)
                continue;
            net->consumes[fill] = consume->arcs[i].place;
            net->consume_weights[fill++] = consume->arcs[i].weight;
        }
        net->transitions[t].consume_count = fill - start;
        net->transitions[t].consumes = net->consumes + start;
        net->transitions[t].consume_weights = net->consume_weights + start;
    }
    return true;
}

static pnsim_status pn_model_build_resources(pn_model *net,
                                             const pn_net *source,
                                             pnsim_error *error)
{
    uint32_t *resource_of = malloc((source->place_count + 1) *
                                   sizeof *resource_of);
    bool ok = resource_of != NULL &&
              pn_model_build_resource_names(net, source, resource_of) &&
              (net->model.resource_count == 0 ||
               pn_model_build_accesses(net, source, resource_of)) &&
              pn_model_build_consumes(net, source, resource_of);
    free(resource_of);
    return ok ? PNSIM_OK
              : pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
}

/* Fills names, initial marking and final places. */
static pnsim_status pn_model_build_names(pn_model *net, const pn_net *source,
                                         pnsim_error *error)
{
    model *m = &net->model;
    size_t places = source->place_count, transitions = source->transition_count;
    net->name = strdup(source->name != NULL ? source->name
                       : source->id != NULL ? source->id : "net");
    net->initial = calloc(places + 1, sizeof *net->initial);
    net->slot_names = calloc(places + 1, sizeof(char *));
    net->transition_names = calloc(transitions + 1, sizeof(char *));
    net->transitions = calloc(transitions + 1, sizeof *net->transitions);
    net->final_places = calloc(places + 1, sizeof *net->final_places);
    const char **given = calloc(places + transitions + 1, sizeof *given);
    const char **ids = calloc(places + transitions + 1, sizeof *ids);
    bool ok = net->name != NULL && net->initial != NULL &&
              net->slot_names != NULL && net->transition_names != NULL &&
              net->transitions != NULL && net->final_places != NULL &&
              given != NULL && ids != NULL;

    if (ok) {
        for (size_t p = 0; p < places; p++) {
            given[p] = source->places[p].name;
            ids[p] = source->places[p].id;
            net->initial[p] = source->places[p].initial;
            if (source->places[p].final)
                net->final_places[net->final_count++] = (uint32_t)p;
        }
        /* The model counts slots only once they all have names, so that
         * destroy frees exactly what exists. */
        ok = pn_model_unique_names(places, given, ids, net->slot_names);
        if (ok)
            m->state_length = places;
    }
    if (ok) {
        for (size_t t = 0; t < transitions; t++) {
            given[t] = source->transitions[t].name;
            ids[t] = source->transitions[t].id;
        }
        ok = pn_model_unique_names(transitions, given, ids,
                                   net->transition_names);
        if (ok) {
            m->transition_count = transitions;
            for (size_t t = 0; t < transitions; t++) {
                /* Petri net transitions are all visible (kind 0) and the
                 * event is the name (NULL). */
                net->transitions[t].name = net->transition_names[t];
                net->transitions[t].rate = source->transitions[t].rate;
            }
        }
    }
    free(given);
    free(ids);
    return ok ? PNSIM_OK
              : pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
}

/* Components: the thread or process each transition belongs to, for
 * message sequence charts.  A transition names it in
 * <toolspecific tool="pnsim"><component>; otherwise it is the part of the
 * transition's name before the first '_' ("phil0_takes_fork1" belongs to
 * "phil0", "t1_load_0" to "t1"), or the whole name.  Components are
 * numbered in order of first appearance. */
static pnsim_status pn_model_build_components(pn_model *net,
                                              const pn_net *source,
                                              pnsim_error *error)
{
    model *m = &net->model;
    size_t transitions = m->transition_count;
    net->component_names = calloc(transitions + 1, sizeof(char *));
    net->component_of = calloc(transitions + 1, sizeof *net->component_of);
    if (net->component_names == NULL || net->component_of == NULL)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
    for (size_t t = 0; t < transitions; t++) {
        const char *name = source->transitions[t].component;
        size_t length;
        if (name != NULL) {
            length = strlen(name);
        } else {
            /* Named by pn_model_build_names, which ran first. */
            name = net->transition_names[t] != NULL ? net->transition_names[t]
                                                    : "?";
            const char *cut = strchr(name, '_');
            length = cut != NULL && cut != name ? (size_t)(cut - name)
                                                : strlen(name);
        }
        size_t c = 0;
        while (c < m->component_count) {
            const char *known = net->component_names[c];
            if (known != NULL && strlen(known) == length &&
                strncmp(known, name, length) == 0)
                break;
            c++;
        }
        if (c == m->component_count) {
            char *copy = strndup(name, length);
            if (copy == NULL)
                return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                       "out of memory");
            net->component_names[m->component_count++] = copy;
        }
        net->component_of[t] = (uint32_t)c;
        net->transitions[t].component_count = 1;
        net->transitions[t].components = &net->component_of[t];
    }
    m->component_names = (const char *const *)net->component_names;
    return PNSIM_OK;
}

/* How good a watch place `arc` (one of t's needs) is: one that is seldom
 * marked enough, so that t is seldom looked at.  Places empty at first beat
 * marked ones, higher weights beat lower, and places feeding few
 * transitions beat busy ones. */
static uint64_t pn_model_watch_score(const pn_model *net,
                                     const pn_model_arc *arc,
                                     const size_t *consumers)
{
    uint64_t empty = net->initial[arc->place] < arc->weight ? 1 : 0;
    uint64_t weight = arc->weight > 0xFFFF ? 0xFFFF : arc->weight;
    uint64_t busy = consumers[arc->place] > 0xFFFF ? 0xFFFF
                                                   : consumers[arc->place];
    return empty << 40 | weight << 20 | (0xFFFF - busy);
}

/* Files every transition under one of its needed places (the watch index),
 * and moves that place to the front of its needs so it is tested first. */
static pnsim_status pn_model_build_watch(pn_model *net, pnsim_error *error)
{
    pn_model_list *needs = &net->lists[PN_MODEL_NEEDS];
    size_t places = net->model.state_length;
    size_t transitions = net->model.transition_count;
    net->watch_start = calloc(places + 2, sizeof *net->watch_start);
    net->watchers = malloc((transitions + 1) * sizeof *net->watchers);
    net->unwatched = malloc((transitions + 1) * sizeof *net->unwatched);
    size_t *consumers = calloc(places + 1, sizeof *consumers);
    if (net->watch_start == NULL || net->watchers == NULL ||
        net->unwatched == NULL || consumers == NULL) {
        free(consumers);
        return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < needs->start[transitions]; i++)
        consumers[needs->arcs[i].place]++;
    for (size_t t = 0; t < transitions; t++) {
        size_t first = needs->start[t], best = first;
        for (size_t i = first + 1; i < needs->start[t + 1]; i++)
            if (pn_model_watch_score(net, &needs->arcs[i], consumers) >
                pn_model_watch_score(net, &needs->arcs[best], consumers))
                best = i;
        if (best != first) {
            pn_model_arc swap = needs->arcs[first];
            needs->arcs[first] = needs->arcs[best];
            needs->arcs[best] = swap;
        }
    }
    free(consumers);

    /* A counting sort by watch place, keeping transition order. */
    for (size_t t = 0; t < transitions; t++)
        if (needs->start[t] < needs->start[t + 1])
            net->watch_start[needs->arcs[needs->start[t]].place + 2]++;
    for (size_t p = 0; p < places; p++)
        net->watch_start[p + 2] += net->watch_start[p + 1];
    for (size_t t = 0; t < transitions; t++) {
        if (needs->start[t] == needs->start[t + 1])
            net->unwatched[net->unwatched_count++] = (uint32_t)t;
        else
            net->watchers[net->watch_start[needs->arcs[needs->start[t]].place +
                                           1]++] = (uint32_t)t;
    }
    return PNSIM_OK;
}

/* The places whose marking each transition changes: consumed and produced
 * in different amounts.  The explorer re-encodes only these. */
static pnsim_status pn_model_build_writes(pn_model *net, pnsim_error *error)
{
    const pn_model_list *consume = &net->lists[PN_MODEL_CONSUME];
    const pn_model_list *produce = &net->lists[PN_MODEL_PRODUCE];
    size_t transitions = net->model.transition_count;
    size_t bound = consume->start[transitions] + produce->start[transitions];
    net->writes = malloc((bound + 1) * sizeof *net->writes);
    if (net->writes == NULL)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
    size_t fill = 0;
    for (size_t t = 0; t < transitions; t++) {
        size_t start = fill;
        for (size_t i = consume->start[t]; i < consume->start[t + 1]; i++) {
            const pn_model_arc *in = &consume->arcs[i];
            bool balanced = false;
            for (size_t j = produce->start[t]; j < produce->start[t + 1]; j++)
                balanced = balanced || (produce->arcs[j].place == in->place &&
                                        produce->arcs[j].weight == in->weight);
            if (!balanced)
                net->writes[fill++] = in->place;
        }
        for (size_t j = produce->start[t]; j < produce->start[t + 1]; j++) {
            const pn_model_arc *out = &produce->arcs[j];
            bool consumed = false;
            for (size_t i = consume->start[t]; i < consume->start[t + 1]; i++)
                consumed = consumed || consume->arcs[i].place == out->place;
            if (!consumed)
                net->writes[fill++] = out->place;
        }
        net->transitions[t].write_count = fill - start;
        net->transitions[t].writes = net->writes + start;
    }
    return PNSIM_OK;
}

/* The weight of the arc of `list` from or to `place` for transition t, 0
 * when there is none (parallel arcs are merged already). */
static model_value pn_model_arc_weight(const pn_model_list *list, size_t t,
                                       uint32_t place)
{
    for (size_t i = list->start[t]; i < list->start[t + 1]; i++)
        if (list->arcs[i].place == place)
            return list->arcs[i].weight;
    return 0;
}

/* The linear facts (model.linear): a guard per needed place and per
 * inhibitor arc, an effect per written place. */
static pnsim_status pn_model_build_linear(pn_model *net, pnsim_error *error)
{
    const pn_model_list *needs = &net->lists[PN_MODEL_NEEDS];
    const pn_model_list *inhibit = &net->lists[PN_MODEL_INHIBIT];
    size_t transitions = net->model.transition_count;
    size_t guards = needs->start[transitions] + inhibit->start[transitions];
    size_t writes = 0;
    for (size_t t = 0; t < transitions; t++)
        writes += net->transitions[t].write_count;
    net->guards = malloc((guards + 1) * sizeof *net->guards);
    net->effects = malloc((writes + 1) * sizeof *net->effects);
    if (net->guards == NULL || net->effects == NULL)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
    size_t guard = 0, effect = 0;
    for (size_t t = 0; t < transitions; t++) {
        model_transition *facts = &net->transitions[t];
        facts->guards = net->guards + guard;
        for (size_t i = needs->start[t]; i < needs->start[t + 1]; i++)
            net->guards[guard++] = (model_guard){
                needs->arcs[i].place, needs->arcs[i].weight, 0};
        for (size_t i = inhibit->start[t]; i < inhibit->start[t + 1]; i++)
            net->guards[guard++] = (model_guard){
                inhibit->arcs[i].place, 0, inhibit->arcs[i].weight};
        facts->guard_count = (size_t)(net->guards + guard - facts->guards);
        facts->effects = net->effects + effect;
        for (size_t k = 0; k < facts->write_count; k++) {
            uint32_t place = facts->writes[k];
            net->effects[effect++] = (model_effect){
                place,
                pn_model_arc_weight(&net->lists[PN_MODEL_CONSUME], t, place),
                pn_model_arc_weight(&net->lists[PN_MODEL_PRODUCE], t, place)};
        }
        facts->effect_count = facts->write_count;
    }
    return PNSIM_OK;
}

/* Groups arc indices by transition (a counting sort, stable so that lists
 * keep file order).  Returns false when out of memory. */
static bool pn_model_group_arcs(const pn_net *source, size_t **first,
                                size_t **by_transition)
{
    size_t transitions = source->transition_count;
    *first = calloc(transitions + 2, sizeof **first);
    *by_transition = malloc((source->arc_count + 1) * sizeof **by_transition);
    if (*first == NULL || *by_transition == NULL)
        return false;
    for (size_t i = 0; i < source->arc_count; i++)
        (*first)[source->arcs[i].transition + 2]++;
    for (size_t t = 0; t < transitions; t++)
        (*first)[t + 2] += (*first)[t + 1];
    /* Now first[t + 1] is where transition t's arcs begin; placing each
     * arc moves it on, leaving first[t] at the start of t's arcs. */
    for (size_t i = 0; i < source->arc_count; i++)
        (*by_transition)[(*first)[source->arcs[i].transition + 1]++] = i;
    return true;
}

model *pn_net_model(const pn_net *source, pnsim_error *error)
{
    pnsim_error_clear(error);
    pn_model *net = calloc(1, sizeof *net);
    if (net == NULL) {
        pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    model *m = &net->model;
    m->implementation = net;
    m->ops = &pn_model_ops;
    m->format = "pnml";
    m->slot_kind = MODEL_SLOT_TOKENS;

    size_t *first = NULL, *by_transition = NULL;
    pnsim_status status = pn_model_build_names(net, source, error);
    if (status == PNSIM_OK && !pn_model_group_arcs(source, &first,
                                                   &by_transition))
        status = pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory");
    if (status == PNSIM_OK)
        status = pn_model_build_lists(net, source, first, by_transition,
                                      error);
    free(first);
    free(by_transition);
    if (status == PNSIM_OK)
        status = pn_model_build_writes(net, error);
    if (status == PNSIM_OK)
        status = pn_model_build_watch(net, error);
    if (status == PNSIM_OK)
        status = pn_model_build_linear(net, error);
    if (status == PNSIM_OK)
        status = pn_model_build_resources(net, source, error);
    if (status == PNSIM_OK)
        status = pn_model_build_components(net, source, error);
    if (status != PNSIM_OK) {
        pn_model_destroy(m);
        return NULL;
    }

    m->name = net->name;
    m->slot_names = (const char *const *)net->slot_names;
    m->resource_names = (const char *const *)net->resource_names;
    m->transitions = net->transitions;
    /* The successor being built, then the candidates as bits. */
    m->scratch_bytes = source->place_count * sizeof(model_value) +
                       (source->transition_count + 63) / 64 *
                           sizeof(uint64_t);
    m->linear = true;
    /* Bounds are an optimisation: without memory for them, none. */
    net->bounds = malloc((source->place_count + 1) * sizeof *net->bounds);
    if (net->bounds != NULL &&
        !pn_net_place_bounds(source, net->bounds, &net->exclusive)) {
        free(net->bounds);
        net->bounds = NULL;
    }
    m->slot_bounds = net->bounds;
    m->exclusive_count = net->exclusive.count;
    m->exclusive_start = net->exclusive.start;
    m->exclusive_slots = net->exclusive.places;
    /* Without inhibitor arcs more tokens never disable a transition. */
    m->monotone = net->lists[PN_MODEL_INHIBIT].start[source->transition_count]
                  == 0;
    if (net->final_count > 0)
        m->ops = &pn_model_ops_with_final;
    return m;
}
