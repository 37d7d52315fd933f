/*
 * csp_proc.c — hash-consed process terms and the firing rules of CSP
 * (csp_proc.h).
 *
 * Interning: a term's identity is its kind, its children (already interned,
 * so compared by id), its sets and renaming (compared as values) and, for
 * prefixes and lazy sequential compositions, the expression node and the
 * environment it closes over.  The table is open-addressing over ids.
 *
 * Firing rules (τ is CSP_LABEL_TAU, ✓ CSP_LABEL_TICK, Ω the terminated
 * term):
 *   P [] Q   visible or ✓ of either side resolves the choice; τ does not
 *   P |~| Q  τ to either side
 *   P ; Q    P's ✓ becomes τ to Q
 *   P \ A    events of A become τ; ✓ is never hidden
 *   P [[R]]  each event becomes every image under R (itself if none)
 *   parallel events in the synchronisation set need every side (for
 *            alphabetised parallel: every side whose alphabet holds the
 *            event); ✓ of a side is τ to Ω on that side; all sides Ω: ✓
 *   P /\ Q   P continues under the interrupt; Q's first event takes over
 *   P [> Q   P's visible events resolve; τ to Q at any time
 *   P [|A|> Q  an event of A hands over to Q
 */
#include "csp_proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csp_eval.h"

/* ---- interning -------------------------------------------------------- */

static uint64_t mix(uint64_t hash, uint64_t value)
{
    return (hash ^ (value + 0x9e3779b97f4a7c15ull + (hash << 6) + (hash >> 2))) *
           0xff51afd7ed558ccdull;
}

static uint64_t proc_hash(const csp_proc *p)
{
    uint64_t hash = mix(17, p->kind);
    hash = mix(hash, p->count);
    for (size_t i = 0; i < p->count; i++)
        hash = mix(hash, p->children[i]->id);
    if (p->set != NULL)
        hash = mix(hash, csp_value_hash(p->set));
    if (p->alphabets != NULL)
        for (size_t i = 0; i < p->count; i++)
            hash = mix(hash, csp_value_hash(p->alphabets[i]));
    hash = mix(hash, p->rename_count);
    for (size_t i = 0; i < p->rename_count; i++)
        hash = mix(mix(hash, csp_value_hash(p->rename_from[i])),
                   csp_value_hash(p->rename_to[i]));
    hash = mix(hash, (uintptr_t)p->expr);
    if (p->expr != NULL)
        hash = mix(hash, csp_env_hash(p->env));
    return hash;
}

static bool proc_equal(const csp_proc *a, const csp_proc *b)
{
    if (a->kind != b->kind || a->count != b->count || a->expr != b->expr ||
        a->rename_count != b->rename_count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (a->children[i] != b->children[i])
            return false;
    if ((a->set == NULL) != (b->set == NULL) ||
        (a->set != NULL && csp_value_compare(a->set, b->set) != 0))
        return false;
    if ((a->alphabets == NULL) != (b->alphabets == NULL))
        return false;
    if (a->alphabets != NULL)
        for (size_t i = 0; i < a->count; i++)
            if (csp_value_compare(a->alphabets[i], b->alphabets[i]) != 0)
                return false;
    for (size_t i = 0; i < a->rename_count; i++)
        if (csp_value_compare(a->rename_from[i], b->rename_from[i]) != 0 ||
            csp_value_compare(a->rename_to[i], b->rename_to[i]) != 0)
            return false;
    if (a->expr != NULL && csp_env_compare(a->env, b->env) != 0)
        return false;
    return true;
}

static void proc_table_grow(csp_interp *interp)
{
    size_t size = interp->proc_table_size ? interp->proc_table_size * 2 : 1024;
    uint32_t *table = malloc(size * sizeof *table);
    if (table == NULL)
        csp_fail(interp->context, CSP_ERROR_NOMEM, NULL, "out of memory");
    memset(table, 0xff, size * sizeof *table);
    for (size_t i = 0; i < interp->proc_count; i++) {
        size_t slot = interp->procs[i]->hash & (size - 1);
        while (table[slot] != UINT32_MAX)
            slot = (slot + 1) & (size - 1);
        table[slot] = (uint32_t)i;
    }
    free(interp->proc_table);
    interp->proc_table = table;
    interp->proc_table_size = size;
}

const csp_proc *csp_proc_intern(csp_interp *interp, const csp_proc *proto)
{
    csp_context *context = interp->context;
    /* Ω absorbs hiding and renaming: they have nothing left to act on. */
    if ((proto->kind == CSP_PROC_HIDE || proto->kind == CSP_PROC_RENAME) &&
        proto->children[0]->kind == CSP_PROC_OMEGA)
        return proto->children[0];
    /* (P \ A) \ B is P \ (A ∪ B): a recursion through hiding, such as
     * P = (a -> P) \ {a}, then returns to the same term instead of
     * nesting one more hiding at each unfolding. */
    if (proto->kind == CSP_PROC_HIDE && proto->children[0]->kind == CSP_PROC_HIDE) {
        const csp_proc *inner = proto->children[0];
        csp_proc merged = *proto;
        merged.children = inner->children;
        merged.set = csp_set_union(context, inner->set, proto->set);
        return csp_proc_intern(interp, &merged);
    }
    if (interp->proc_table == NULL || interp->proc_count * 2 >= interp->proc_table_size)
        proc_table_grow(interp);
    uint64_t hash = proc_hash(proto);
    size_t mask = interp->proc_table_size - 1;
    size_t slot = hash & mask;
    while (interp->proc_table[slot] != UINT32_MAX) {
        const csp_proc *other = interp->procs[interp->proc_table[slot]];
        if (other->hash == hash && proc_equal(other, proto))
            return other;
        slot = (slot + 1) & mask;
    }
    csp_proc *copy = csp_alloc(context, sizeof *copy);
    *copy = *proto;
    copy->hash = hash;
    copy->expanded = false;
    copy->transitions = NULL;
    copy->transition_count = 0;
    if (proto->count > 0)
        copy->children = csp_memdup(context, proto->children,
                                    proto->count * sizeof *copy->children);
    if (proto->alphabets != NULL)
        copy->alphabets = csp_memdup(context, proto->alphabets,
                                     proto->count * sizeof *copy->alphabets);
    if (interp->proc_count == interp->proc_capacity) {
        size_t capacity = interp->proc_capacity ? interp->proc_capacity * 2 : 1024;
        const csp_proc **procs = realloc(interp->procs, capacity * sizeof *procs);
        if (procs == NULL)
            csp_fail(context, CSP_ERROR_NOMEM, NULL, "out of memory");
        interp->procs = procs;
        interp->proc_capacity = capacity;
    }
    copy->id = (uint32_t)interp->proc_count;
    interp->procs[interp->proc_count++] = copy;
    interp->proc_table[slot] = copy->id;
    return copy;
}

const csp_proc *csp_proc_simple(csp_interp *interp, csp_proc_kind kind)
{
    csp_proc proto = {.kind = kind};
    return csp_proc_intern(interp, &proto);
}

/* ---- transitions ------------------------------------------------------ */

typedef struct out_list {
    csp_context *context;
    csp_transition *items;
    size_t count, capacity;
} out_list;

static void emit(out_list *out, uint32_t label, const csp_proc *target)
{
    for (size_t i = 0; i < out->count; i++)
        if (out->items[i].label == label && out->items[i].target == target)
            return;
    if (out->count == out->capacity) {
        size_t capacity = out->capacity ? out->capacity * 2 : 8;
        csp_transition *items = csp_alloc(out->context, capacity * sizeof *items);
        if (out->count > 0)
            memcpy(items, out->items, out->count * sizeof *items);
        out->items = items;
        out->capacity = capacity;
    }
    out->items[out->count].label = label;
    out->items[out->count].target = target;
    out->count++;
}

static const csp_proc *replace_child(csp_interp *interp, const csp_proc *p,
                                     size_t index, const csp_proc *child)
{
    csp_proc proto = *p;
    const csp_proc **children = csp_alloc(interp->context,
                                          (p->count + 1) * sizeof *children);
    memcpy(children, p->children, p->count * sizeof *children);
    children[index] = child;
    proto.children = children;
    return csp_proc_intern(interp, &proto);
}

static const csp_proc *omega(csp_interp *interp)
{
    return csp_proc_simple(interp, CSP_PROC_OMEGA);
}

const csp_proc *csp_proc_seq_right(csp_interp *interp, const csp_proc *proc)
{
    if (proc->count == 2)
        return proc->children[1];
    return csp_eval_proc(interp, proc->expr, proc->env);
}

static bool event_in(csp_interp *interp, uint32_t label, const csp_value *set)
{
    if (label == CSP_LABEL_TAU || label == CSP_LABEL_TICK || set == NULL)
        return false;
    return csp_set_member(interp->context, interp->events[label], set);
}

/* Parallel composition over p->count children.  `synced(label)` decides
 * which children take part in a visible event. */
static void parallel_transitions(csp_interp *interp, const csp_proc *p,
                                 out_list *out)
{
    csp_context *context = interp->context;
    size_t n = p->count;
    const csp_transition **lists = csp_alloc(context, (n + 1) * sizeof *lists);
    size_t *counts = csp_alloc(context, (n + 1) * sizeof *counts);
    bool all_omega = true;
    for (size_t i = 0; i < n; i++) {
        lists[i] = csp_proc_transitions(interp, p->children[i], &counts[i]);
        if (p->children[i]->kind != CSP_PROC_OMEGA)
            all_omega = false;
    }
    if (all_omega) {
        emit(out, CSP_LABEL_TICK, omega(interp));
        return;
    }
    bool *participates = csp_alloc(context, n + 1);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < counts[i]; k++) {
            uint32_t label = lists[i][k].label;
            if (label == CSP_LABEL_TAU) {
                emit(out, CSP_LABEL_TAU, replace_child(interp, p, i, lists[i][k].target));
                continue;
            }
            if (label == CSP_LABEL_TICK) {
                emit(out, CSP_LABEL_TAU, replace_child(interp, p, i, omega(interp)));
                continue;
            }
            /* which children take part in `label`? */
            size_t first = n;
            for (size_t j = 0; j < n; j++) {
                if (p->kind == CSP_PROC_APAR)
                    participates[j] = event_in(interp, label, p->alphabets[j]);
                else if (p->kind == CSP_PROC_PAR && event_in(interp, label, p->set))
                    participates[j] = true;
                else
                    participates[j] = j == i;
                if (participates[j] && first == n)
                    first = j;
            }
            if (!participates[i] || first != i)
                continue;   /* blocked, or handled from the first participant */
            /* the product of every participant's targets on `label` */
            const csp_proc ***targets = csp_alloc(context, (n + 1) * sizeof *targets);
            size_t *sizes = csp_alloc(context, (n + 1) * sizeof *sizes);
            bool possible = true;
            for (size_t j = 0; j < n && possible; j++) {
                sizes[j] = 0;
                if (!participates[j])
                    continue;
                targets[j] = csp_alloc(context, (counts[j] + 1) * sizeof **targets);
                for (size_t m = 0; m < counts[j]; m++)
                    if (lists[j][m].label == label)
                        targets[j][sizes[j]++] = lists[j][m].target;
                possible = sizes[j] > 0;
            }
            if (!possible)
                continue;
            size_t *index = csp_alloc(context, (n + 1) * sizeof *index);
            for (;;) {
                const csp_proc **choice = csp_memdup(context, p->children,
                                                     n * sizeof *choice);
                for (size_t j = 0; j < n; j++)
                    if (participates[j])
                        choice[j] = targets[j][index[j]];
                csp_proc proto = *p;
                proto.children = choice;
                emit(out, label, csp_proc_intern(interp, &proto));
                size_t j = n;
                while (j > 0) {
                    j--;
                    if (!participates[j])
                        continue;
                    if (++index[j] < sizes[j])
                        break;
                    index[j] = 0;
                    if (j == first) {
                        j = SIZE_MAX;
                        break;
                    }
                }
                if (j == SIZE_MAX)
                    break;
            }
        }
    }
}

const csp_transition *csp_proc_transitions(csp_interp *interp,
                                           const csp_proc *proc, size_t *count)
{
    if (proc->expanded) {
        *count = proc->transition_count;
        return proc->transitions;
    }
    csp_context *context = interp->context;
    csp_enter(context, NULL);
    out_list out = {.context = context};
    csp_proc proto;
    switch (proc->kind) {
    case CSP_PROC_STOP:
    case CSP_PROC_OMEGA:
        break;
    case CSP_PROC_SKIP:
        emit(&out, CSP_LABEL_TICK, omega(interp));
        break;
    case CSP_PROC_DIV:
        emit(&out, CSP_LABEL_TAU, proc);
        break;
    case CSP_PROC_CHAOS:
    case CSP_PROC_RUN: {
        size_t n;
        csp_value **events = csp_set_elements(context, proc->set, &n, NULL);
        for (size_t i = 0; i < n; i++)
            emit(&out, csp_event_id(interp, events[i]), proc);
        if (proc->kind == CSP_PROC_CHAOS)
            emit(&out, CSP_LABEL_TAU, csp_proc_simple(interp, CSP_PROC_STOP));
        break;
    }
    case CSP_PROC_PREFIX: {
        csp_value **events;
        csp_env **envs;
        size_t n = csp_prefix_events(interp, proc->expr, proc->env, &events, &envs);
        for (size_t i = 0; i < n; i++) {
            uint32_t label = csp_event_id(interp, events[i]);
            emit(&out, label, csp_eval_proc(interp, proc->expr->b, envs[i]));
        }
        break;
    }
    case CSP_PROC_EXT:
        for (size_t i = 0; i < proc->count; i++) {
            size_t n;
            const csp_transition *ts = csp_proc_transitions(interp, proc->children[i], &n);
            for (size_t k = 0; k < n; k++) {
                if (ts[k].label == CSP_LABEL_TAU)
                    emit(&out, CSP_LABEL_TAU, replace_child(interp, proc, i, ts[k].target));
                else
                    emit(&out, ts[k].label, ts[k].target);
            }
        }
        break;
    case CSP_PROC_INT:
        for (size_t i = 0; i < proc->count; i++)
            emit(&out, CSP_LABEL_TAU, proc->children[i]);
        break;
    case CSP_PROC_SEQ: {
        size_t n;
        const csp_transition *ts = csp_proc_transitions(interp, proc->children[0], &n);
        for (size_t k = 0; k < n; k++) {
            if (ts[k].label == CSP_LABEL_TICK)
                emit(&out, CSP_LABEL_TAU, csp_proc_seq_right(interp, proc));
            else
                emit(&out, ts[k].label, replace_child(interp, proc, 0, ts[k].target));
        }
        break;
    }
    case CSP_PROC_INTERRUPT: {
        size_t n;
        const csp_transition *ts = csp_proc_transitions(interp, proc->children[0], &n);
        for (size_t k = 0; k < n; k++) {
            if (ts[k].label == CSP_LABEL_TICK)
                emit(&out, CSP_LABEL_TICK, ts[k].target);
            else
                emit(&out, ts[k].label, replace_child(interp, proc, 0, ts[k].target));
        }
        ts = csp_proc_transitions(interp, proc->children[1], &n);
        for (size_t k = 0; k < n; k++) {
            if (ts[k].label == CSP_LABEL_TAU)
                emit(&out, CSP_LABEL_TAU, replace_child(interp, proc, 1, ts[k].target));
            else
                emit(&out, ts[k].label, ts[k].target);
        }
        break;
    }
    case CSP_PROC_TIMEOUT: {
        size_t n;
        const csp_transition *ts = csp_proc_transitions(interp, proc->children[0], &n);
        for (size_t k = 0; k < n; k++) {
            if (ts[k].label == CSP_LABEL_TAU)
                emit(&out, CSP_LABEL_TAU, replace_child(interp, proc, 0, ts[k].target));
            else
                emit(&out, ts[k].label, ts[k].target);
        }
        emit(&out, CSP_LABEL_TAU, proc->children[1]);
        break;
    }
    case CSP_PROC_PAR:
    case CSP_PROC_APAR:
    case CSP_PROC_INTERLEAVE:
        parallel_transitions(interp, proc, &out);
        break;
    case CSP_PROC_HIDE: {
        size_t n;
        const csp_transition *ts = csp_proc_transitions(interp, proc->children[0], &n);
        for (size_t k = 0; k < n; k++) {
            uint32_t label = ts[k].label;
            if (event_in(interp, label, proc->set))
                label = CSP_LABEL_TAU;
            emit(&out, label, replace_child(interp, proc, 0, ts[k].target));
        }
        break;
    }
    case CSP_PROC_RENAME: {
        size_t n;
        const csp_transition *ts = csp_proc_transitions(interp, proc->children[0], &n);
        for (size_t k = 0; k < n; k++) {
            const csp_proc *target = replace_child(interp, proc, 0, ts[k].target);
            uint32_t label = ts[k].label;
            bool renamed = false;
            if (label != CSP_LABEL_TAU && label != CSP_LABEL_TICK) {
                const csp_value *event = interp->events[label];
                for (size_t r = 0; r < proc->rename_count; r++)
                    if (csp_value_compare(proc->rename_from[r], event) == 0) {
                        emit(&out, csp_event_id(interp, proc->rename_to[r]), target);
                        renamed = true;
                    }
            }
            if (!renamed)
                emit(&out, label, target);
        }
        break;
    }
    case CSP_PROC_EXCEPTION: {
        size_t n;
        const csp_transition *ts = csp_proc_transitions(interp, proc->children[0], &n);
        for (size_t k = 0; k < n; k++) {
            if (ts[k].label == CSP_LABEL_TICK)
                emit(&out, CSP_LABEL_TICK, ts[k].target);
            else if (event_in(interp, ts[k].label, proc->set))
                emit(&out, ts[k].label, proc->children[1]);
            else
                emit(&out, ts[k].label, replace_child(interp, proc, 0, ts[k].target));
        }
        break;
    }
    }
    (void)proto;
    csp_proc *mutable = (csp_proc *)proc;
    mutable->transitions = out.items;
    mutable->transition_count = out.count;
    mutable->expanded = true;
    csp_leave(context);
    *count = out.count;
    return out.items;
}

/* ---- descriptions ----------------------------------------------------- */

static void describe(csp_interp *interp, const csp_proc *p, char *buffer,
                     size_t size, unsigned depth)
{
    static const char *const names[] = {
        [CSP_PROC_STOP] = "STOP", [CSP_PROC_SKIP] = "SKIP",
        [CSP_PROC_DIV] = "DIV", [CSP_PROC_OMEGA] = "Ω",
        [CSP_PROC_EXT] = " [] ", [CSP_PROC_INT] = " |~| ",
        [CSP_PROC_SEQ] = " ; ", [CSP_PROC_INTERRUPT] = " /\\ ",
        [CSP_PROC_TIMEOUT] = " [> ", [CSP_PROC_PAR] = " [|..|] ",
        [CSP_PROC_APAR] = " || ", [CSP_PROC_INTERLEAVE] = " ||| ",
        [CSP_PROC_EXCEPTION] = " [|..|> ",
    };
    size_t used = strlen(buffer);
    if (used + 8 >= size)
        return;
    switch (p->kind) {
    case CSP_PROC_STOP:
    case CSP_PROC_SKIP:
    case CSP_PROC_DIV:
    case CSP_PROC_OMEGA:
        snprintf(buffer + used, size - used, "%s", names[p->kind]);
        return;
    case CSP_PROC_CHAOS:
    case CSP_PROC_RUN:
        snprintf(buffer + used, size - used, "%s(...)",
                 p->kind == CSP_PROC_CHAOS ? "CHAOS" : "RUN");
        return;
    case CSP_PROC_PREFIX: {
        const csp_span *span = &p->expr->span;
        const csp_file *file = &interp->context->files[span->file];
        size_t length = span->end > span->start ? span->end - span->start : 0;
        if (length > 40)
            length = 40;
        char text[48];
        size_t k = 0;
        for (size_t i = 0; i < length; i++) {
            char c = file->text[span->start + i];
            if (c == '\n' || c == '\t' || c == '\r')
                c = ' ';
            if (c == ' ' && k > 0 && text[k - 1] == ' ')
                continue;
            text[k++] = c;
        }
        text[k] = '\0';
        snprintf(buffer + used, size - used, "%s%s", text,
                 span->end - span->start > 40 ? "..." : "");
        return;
    }
    case CSP_PROC_HIDE:
    case CSP_PROC_RENAME:
        if (depth > 3) {
            snprintf(buffer + used, size - used, "...");
            return;
        }
        describe(interp, p->children[0], buffer, size, depth + 1);
        used = strlen(buffer);
        snprintf(buffer + used, size - used, "%s",
                 p->kind == CSP_PROC_HIDE ? " \\ ..." : " [[...]]");
        return;
    default:
        if (depth > 3) {
            snprintf(buffer + used, size - used, "...");
            return;
        }
        snprintf(buffer + used, size - used, "(");
        for (size_t i = 0; i < p->count; i++) {
            if (i > 0) {
                used = strlen(buffer);
                snprintf(buffer + used, size - used, "%s", names[p->kind]);
            }
            describe(interp, p->children[i], buffer, size, depth + 1);
        }
        if (p->kind == CSP_PROC_SEQ && p->count == 1) {
            used = strlen(buffer);
            snprintf(buffer + used, size - used, " ; ...");
        }
        used = strlen(buffer);
        snprintf(buffer + used, size - used, ")");
        return;
    }
}

char *csp_proc_describe(csp_interp *interp, const csp_proc *proc)
{
    char buffer[160] = "";
    describe(interp, proc, buffer, sizeof buffer, 0);
    return csp_strndup(interp->context, buffer, strlen(buffer));
}
