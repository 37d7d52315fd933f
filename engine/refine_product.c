/*
 * refine_product.c — the product of a normal form and an implementation as
 * a model (refine_product.h).
 *
 * The successor function wraps the implementation's: a per-call context on
 * the stack turns each implementation successor into a pair (or an error
 * state) written into the caller's scratch buffer, and gathers the labels
 * the implementation state offers in a bit set there too, for the refusal
 * test once every successor is known.  The divergent implementation states
 * are an open-addressing set built once, read-only afterwards, so any
 * number of threads may call the successor function at once.
 */
#include "refine_product.h"

#include <stdlib.h>
#include <string.h>

#include "support.h"

typedef struct product {
    model base;
    refine_product_config config;
    size_t words;               /* implementation slots */
    size_t set_words;           /* 64-bit words of the label bit set */
    size_t impl_scratch_offset; /* in model_value units */
    model_transition *transitions;
    uint32_t *writes;           /* every transition's slots, back to back */
    const char **slot_names;
    uint64_t *divergent_table;  /* index + 1 into config.divergent; 0 empty */
    size_t divergent_table_size;
} product;

static long divergent_index(const product *p, const model_value *state)
{
    if (p->divergent_table_size == 0)
        return -1;
    size_t mask = p->divergent_table_size - 1;
    for (size_t at = support_hash_words(state, p->words) & mask;; at = (at + 1) & mask) {
        uint64_t id = p->divergent_table[at];
        if (id == 0)
            return -1;
        if (memcmp(p->config.divergent + (id - 1) * p->words, state,
                   p->words * sizeof *state) == 0)
            return (long)(id - 1);
    }
}

/* ---- successors -------------------------------------------------------- */

typedef struct step {
    const product *p;
    const model_value *source;  /* the implementation state */
    uint32_t node;
    model_value *out;           /* the product vector being emitted */
    uint64_t *offered;          /* bit set of the labels seen */
    bool unstable;
    bool stopped;
    model_visit_fn visit;
    void *context;
} step;

static int emit(step *s, uint32_t transition, uint32_t node, uint32_t kind,
                const model_value *impl)
{
    s->out[0] = node;
    s->out[1] = kind;
    if (s->p->words > 0)
        memcpy(s->out + 2, impl, s->p->words * sizeof *impl);
    if (s->visit(s->context, transition, s->out) != 0) {
        s->stopped = true;
        return 1;
    }
    return 0;
}

static int product_visit(void *context, uint32_t t, const model_value *successor)
{
    step *s = context;
    const refine_product_config *c = &s->p->config;
    uint32_t label = c->label_of[t];
    if (label == c->tau) {
        s->unstable = true;
        return emit(s, t, s->node, REFINE_PRODUCT_PAIR, successor);
    }
    s->offered[label / 64] |= (uint64_t)1 << (label % 64);
    if (label == c->tick)
        return c->normal->can_tick[s->node]
                   ? 0 : emit(s, t, s->node, REFINE_PRODUCT_TRACE, s->source);
    uint32_t next = lts_normal_step(c->normal, s->node, label);
    if (next == LTS_NORMAL_NONE)
        return emit(s, t, s->node, REFINE_PRODUCT_TRACE, s->source);
    return emit(s, t, next, REFINE_PRODUCT_PAIR, successor);
}

static bool offered(const step *s, uint32_t label)
{
    return (s->offered[label / 64] >> (label % 64)) & 1;
}

/* Does the stable state's acceptance contain one of the node's minimal
 * acceptances?  A state that can terminate accepts {✓} only. */
static bool refusal_allowed(const step *s)
{
    const refine_product_config *c = &s->p->config;
    const lts_normal *nf = c->normal;
    bool ticks = offered(s, c->tick);
    for (uint64_t k = nf->acc_start[s->node]; k < nf->acc_start[s->node + 1]; k++) {
        bool inside = true;
        for (uint64_t i = nf->acc_set[k]; i < nf->acc_set[k + 1] && inside; i++) {
            uint32_t label = nf->acc_events[i];
            inside = ticks ? label == c->tick : offered(s, label);
        }
        if (inside)
            return true;
    }
    return false;
}

static model_result product_successors(const model *base, const model_value *state,
                                       void *scratch, model_visit_fn visit,
                                       void *context, pnsim_error *error)
{
    const product *p = base->implementation;
    const refine_product_config *c = &p->config;
    if (state[1] != REFINE_PRODUCT_PAIR)
        return MODEL_DONE;      /* an error state: dead */
    uint32_t node = (uint32_t)state[0];
    if (c->divergences && c->normal->divergent[node])
        return MODEL_DONE;      /* the specification allows anything here */
    model_value *values = scratch;
    step s = {
        .p = p, .source = state + 2, .node = node, .out = values,
        .offered = (uint64_t *)(values + 2 + p->words),
        .visit = visit, .context = context,
    };
    if (c->divergences && divergent_index(p, state + 2) >= 0) {
        emit(&s, refine_product_divergence_transition(base), node,
             REFINE_PRODUCT_DIVERGENCE, state + 2);
        return s.stopped ? MODEL_STOPPED : MODEL_DONE;
    }
    memset(s.offered, 0, p->set_words * sizeof *s.offered);
    model_result r = model_successors(c->impl, state + 2,
                                      values + p->impl_scratch_offset, product_visit,
                                      &s, error);
    if (r == MODEL_FAILED)
        return r;
    if (s.stopped)
        return MODEL_STOPPED;
    if (c->failures && !s.unstable && !refusal_allowed(&s)) {
        emit(&s, refine_product_refusal_transition(base), node, REFINE_PRODUCT_REFUSAL,
             state + 2);
        if (s.stopped)
            return MODEL_STOPPED;
    }
    return MODEL_DONE;
}

static void product_initial(const model *base, model_value *state)
{
    const product *p = base->implementation;
    state[0] = 0;
    state[1] = REFINE_PRODUCT_PAIR;
    model_initial_state(p->config.impl, state + 2);
}

/* Every pair is an intended end: only error states are deadlocks. */
static bool product_is_final(const model *base, const model_value *state)
{
    (void)base;
    return state[1] == REFINE_PRODUCT_PAIR;
}

static void product_free(product *p)
{
    free(p->transitions);
    free(p->writes);
    free(p->slot_names);
    free(p->divergent_table);
    free(p);
}

static void product_destroy(model *base)
{
    product_free(base->implementation);
}

static const model_ops product_ops = {product_initial, product_successors,
                                      product_is_final, product_destroy};

uint32_t refine_product_refusal_transition(const model *base)
{
    return (uint32_t)base->transition_count - 2;
}

uint32_t refine_product_divergence_transition(const model *base)
{
    return (uint32_t)base->transition_count - 1;
}

long refine_product_divergent_index(const model *base, const model_value *state)
{
    return divergent_index(base->implementation, state);
}

model *refine_product_create(const refine_product_config *config, pnsim_error *error)
{
    const model *impl = config->impl;
    size_t t_count = impl->transition_count;
    product *p = calloc(1, sizeof *p);
    if (p == NULL)
        goto nomem;
    p->config = *config;
    p->words = impl->state_length;
    p->set_words = config->label_count / 64 + 1;
    p->impl_scratch_offset = 2 + p->words + p->set_words;
    p->transitions = calloc(t_count + 2, sizeof *p->transitions);
    p->slot_names = calloc(p->words + 2, sizeof *p->slot_names);
    /* a transition writes its implementation slots and the two of the pair */
    size_t writes = 0;
    for (size_t t = 0; t < t_count; t++)
        writes += 2 + (impl->transitions[t].writes != NULL
                           ? impl->transitions[t].write_count : 0);
    p->writes = calloc(writes + 1, sizeof *p->writes);
    if (p->transitions == NULL || p->slot_names == NULL || p->writes == NULL)
        goto nomem;
    size_t at = 0;
    for (size_t t = 0; t < t_count; t++) {
        const model_transition *from = &impl->transitions[t];
        model_transition *to = &p->transitions[t];
        to->name = from->name;
        to->event = from->event;
        to->kind = from->kind;
        to->rate = from->rate;
        if (from->writes != NULL) {
            to->writes = p->writes + at;
            to->write_count = 2 + from->write_count;
            p->writes[at++] = 0;
            p->writes[at++] = 1;
            for (size_t k = 0; k < from->write_count; k++)
                p->writes[at++] = from->writes[k] + 2;
        }
    }
    p->transitions[t_count].name = "refusal";
    p->transitions[t_count].kind = MODEL_INTERNAL;
    p->transitions[t_count + 1].name = "divergence";
    p->transitions[t_count + 1].kind = MODEL_INTERNAL;
    p->slot_names[0] = "normal";
    p->slot_names[1] = "violation";
    for (size_t k = 0; k < p->words; k++)
        p->slot_names[k + 2] = impl->slot_names != NULL ? impl->slot_names[k] : "";
    if (config->divergent_count > 0) {
        size_t size = 16;
        while (size < 2 * config->divergent_count)
            size *= 2;
        p->divergent_table = calloc(size, sizeof *p->divergent_table);
        if (p->divergent_table == NULL)
            goto nomem;
        p->divergent_table_size = size;
        for (size_t i = 0; i < config->divergent_count; i++) {
            const model_value *v = config->divergent + i * p->words;
            size_t slot = support_hash_words(v, p->words) & (size - 1);
            while (p->divergent_table[slot] != 0)
                slot = (slot + 1) & (size - 1);
            p->divergent_table[slot] = i + 1;
        }
    }
    p->base.ops = &product_ops;
    p->base.implementation = p;
    p->base.format = "refinement";
    p->base.name = impl->name;
    p->base.state_length = p->words + 2;
    p->base.slot_kind = MODEL_SLOT_CONTROL;
    p->base.slot_names = p->slot_names;
    p->base.transition_count = t_count + 2;
    p->base.transitions = p->transitions;
    p->base.scratch_bytes =
        (p->impl_scratch_offset + 1) * sizeof(model_value) + impl->scratch_bytes;
    return &p->base;
nomem:
    if (p != NULL)
        product_free(p);
    pnsim_error_set(error, PNSIM_ERR_NOMEM, "out of memory building a refinement product");
    return NULL;
}
