/* commute.c — see commute.h. */
#include "commute.h"

#include <stdbool.h>
#include <stdlib.h>

/* Transitions filed by slot, in increasing order: those of slot s are
 * items[start[s] .. start[s + 1] - 1]. */
typedef struct commute_index {
    size_t *start;
    uint32_t *items;
} commute_index;

/* True when the guard constrains its slot. */
static bool commute_guard_reads(const model_guard *guard)
{
    return guard->at_least > 0 || guard->below > 0;
}

static bool commute_effect_changes(const model_effect *effect)
{
    return effect->take != effect->give;
}

/* Item k of transition `facts` for an index of what transitions read
 * (`reads`: its guards, which also make sure what it takes is there) or
 * change (its effects): true, with the slot, when the item is one. */
static bool commute_item(const model_transition *facts, bool reads, size_t k,
                         uint32_t *slot)
{
    if (reads) {
        *slot = facts->guards[k].slot;
        return commute_guard_reads(&facts->guards[k]);
    }
    *slot = facts->effects[k].slot;
    return commute_effect_changes(&facts->effects[k]);
}

/* Files each transition under the slots it reads (`reads`) or changes, in
 * two passes: count per slot, then fill.  A transition filed twice under
 * a slot is harmless (commute_clear counts a bit once). */
static bool commute_index_build(const model *model, bool reads,
                                commute_index *index)
{
    size_t slots = model->state_length;
    index->start = calloc(slots + 1, sizeof *index->start);
    size_t *next = calloc(slots + 1, sizeof *next);
    if (index->start == NULL || next == NULL) {
        free(next);
        return false;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t t = 0; t < model->transition_count; t++) {
            const model_transition *facts = &model->transitions[t];
            size_t items = reads ? facts->guard_count : facts->effect_count;
            uint32_t slot;
            for (size_t k = 0; k < items; k++) {
                if (!commute_item(facts, reads, k, &slot) || slot >= slots)
                    continue;
                if (pass == 0)
                    index->start[slot + 1]++;
                else
                    index->items[next[slot]++] = t;
            }
        }
        if (pass == 1)
            break;
        for (size_t s = 0; s < slots; s++) {
            index->start[s + 1] += index->start[s];
            next[s] = index->start[s];
        }
        index->items = malloc((index->start[slots] + 1) *
                              sizeof *index->items);
        if (index->items == NULL) {
            free(next);
            return false;
        }
    }
    free(next);
    return true;
}

static void commute_index_free(commute_index *index)
{
    free(index->start);
    free(index->items);
}

/* Clears in `row` the transitions of slot `slot` of `index` that it still
 * has, counting those below `transition` (each pair once) in *count.  False
 * when they pass COMMUTE_MAX_ENTRIES. */
static bool commute_clear(uint64_t *row, const commute_index *index,
                          uint32_t slot, uint32_t transition, size_t *count)
{
    for (size_t k = index->start[slot]; k < index->start[slot + 1]; k++) {
        uint32_t t = index->items[k];
        uint64_t bit = (uint64_t)1 << (t % 64);
        if ((row[t / 64] & bit) == 0)
            continue;   /* filed under two slots g touches */
        if (t < transition && ++*count > COMMUTE_MAX_ENTRIES)
            return false;
        row[t / 64] &= ~bit;
    }
    return true;
}

/* True unless the model proves that no slot holds more than 1. */
static bool commute_some_slot_wide(const model *model)
{
    if (model->slot_bounds == NULL)
        return true;
    for (size_t slot = 0; slot < model->state_length; slot++)
        if (model->slot_bounds[slot] > 1)
            return true;
    return false;
}

/* Sets in `row` the transitions of slot `slot` of `index` but `g`. */
static void commute_set(uint64_t *row, const commute_index *index,
                        uint32_t slot, uint32_t g)
{
    for (size_t k = index->start[slot]; k < index->start[slot + 1]; k++) {
        uint32_t t = index->items[k];
        if (t != g)
            row[t / 64] |= (uint64_t)1 << (t % 64);
    }
}

/* Clears in `row` the transitions of slot `slot` of `index`. */
static void commute_unset(uint64_t *row, const commute_index *index,
                          uint32_t slot)
{
    for (size_t k = index->start[slot]; k < index->start[slot + 1]; k++)
        row[index->items[k] / 64] &= ~((uint64_t)1 << (index->items[k] % 64));
}

/* Fills g's rows of `testing` and `changing` (see commute.h), its row of
 * commuting transitions done. */
static void commute_fill_testing(const model *model, commute_table *table,
                                 uint32_t g, const commute_index *readers,
                                 const commute_index *changers)
{
    const model_transition *facts = &model->transitions[g];
    size_t row_words = table->start[g + 1] - table->start[g];
    const uint64_t *commuting = table->rows + table->start[g];
    uint64_t *testing = table->testing + table->start[g];
    uint64_t *changing = table->changing + table->start[g];
    for (size_t k = 0; k < row_words; k++)
        testing[k] = 0;
    /* Those that do not commute: reading what g changes, or changing
     * what g reads ... */
    for (int reads = 0; reads < 2; reads++) {
        size_t items = reads ? facts->guard_count : facts->effect_count;
        uint32_t slot;
        for (size_t k = 0; k < items; k++)
            if (commute_item(facts, reads, k, &slot) &&
                slot < model->state_length)
                commute_set(reads ? changing : testing,
                            reads ? changers : readers, slot, g);
    }
    for (size_t k = 0; k < row_words; k++)
        testing[k] = (testing[k] | changing[k]) & ~commuting[k];
    /* ... but not on a slot holding at most 1. */
    for (int reads = 0; reads < 2; reads++) {
        size_t items = reads ? facts->guard_count : facts->effect_count;
        uint32_t slot;
        for (size_t k = 0; k < items; k++)
            if (commute_item(facts, reads, k, &slot) &&
                slot < model->state_length && model->slot_bounds != NULL &&
                model->slot_bounds[slot] <= 1)
                commute_unset(testing, reads ? changers : readers, slot);
    }
}

/* True when no two effects of `facts` are on one slot. */
static bool commute_effects_distinct(const model_transition *facts)
{
    for (size_t i = 0; i < facts->effect_count; i++)
        for (size_t k = 0; k < i; k++)
            if (facts->effects[i].slot == facts->effects[k].slot)
                return false;
    return true;
}

/* True when t's effects are the opposite of g's, which changes
 * `changed_g` slots: on every slot, what t gives less what it takes is
 * what g takes less what it gives (a slot an effect leaves as it is counts
 * as not named).  Both have distinct slots (commute_effects_distinct). */
static bool commute_undoes(const model_transition *t,
                           const model_transition *g, size_t changed_g)
{
    size_t changed_t = 0;
    for (size_t i = 0; i < t->effect_count; i++) {
        const model_effect *effect = &t->effects[i];
        if (!commute_effect_changes(effect))
            continue;
        changed_t++;
        const model_effect *other = NULL;
        for (size_t k = 0; k < g->effect_count && other == NULL; k++)
            if (g->effects[k].slot == effect->slot)
                other = &g->effects[k];
        /* In 128 bits: two values of 64 bits cannot overflow them. */
        if (other == NULL ||
            (unsigned __int128)effect->give + other->give !=
                (unsigned __int128)effect->take + other->take)
            return false;
    }
    return changed_t == changed_g;
}

/* Fills the rows of transitions undoing others (commute.h), or leaves
 * them NULL when no two transitions undo each other; false when memory is
 * short.  A transition that undoes g changes every slot g changes, so
 * only the changers of one of them, the one with fewest, are compared
 * (a place that many transitions fill, as a counter, is not that one). */
static bool commute_fill_undoing(const model *model, commute_table *table,
                                 size_t words, const commute_index *changers)
{
    for (uint32_t g = 0; g < model->transition_count; g++) {
        const model_transition *facts = &model->transitions[g];
        if (!commute_effects_distinct(facts))
            continue;
        uint32_t slot = UINT32_MAX;
        size_t changed = 0;
        for (size_t k = 0; k < facts->effect_count; k++) {
            uint32_t at = facts->effects[k].slot;
            if (!commute_effect_changes(&facts->effects[k]))
                continue;
            changed++;
            if (at < model->state_length &&
                (slot == UINT32_MAX ||
                 changers->start[at + 1] - changers->start[at] <
                     changers->start[slot + 1] - changers->start[slot]))
                slot = at;
        }
        if (slot == UINT32_MAX)
            continue;
        for (size_t k = changers->start[slot]; k < changers->start[slot + 1];
             k++) {
            uint32_t t = changers->items[k];
            const model_transition *other = &model->transitions[t];
            if (t == g || !commute_effects_distinct(other) ||
                !commute_undoes(other, facts, changed))
                continue;
            if (table->undoing == NULL) {
                table->undoing = calloc(words + 1, sizeof *table->undoing);
                if (table->undoing == NULL)
                    return false;
            }
            table->undoing[table->start[g] + t / 64] |= (uint64_t)1
                                                        << (t % 64);
        }
    }
    return true;
}

commute_table *commute_table_create(const model *model)
{
    if (!model->linear || model->transition_count > COMMUTE_MAX_TRANSITIONS)
        return NULL;
    size_t transitions = model->transition_count;
    commute_table *table = calloc(1, sizeof *table);
    commute_index readers = {0}, changers = {0};
    bool ok = table != NULL &&
              commute_index_build(model, true, &readers) &&
              commute_index_build(model, false, &changers);
    if (ok) {
        table->start = malloc((transitions + 1) * sizeof *table->start);
        ok = table->start != NULL;
    }
    size_t words = 0, row_words = (transitions + 63) / 64;
    for (uint32_t g = 0; ok && g <= transitions; g++) {
        table->start[g] = words;
        words += row_words;
    }
    bool testing = commute_some_slot_wide(model);
    if (ok) {
        /* One word more: a table of no words is not NULL. */
        table->rows = malloc((words + 1) * sizeof *table->rows);
        ok = table->rows != NULL;
    }
    if (ok && testing) {
        table->testing = malloc((words + 1) * sizeof *table->testing);
        table->changing = calloc(words + 1, sizeof *table->changing);
        ok = table->testing != NULL && table->changing != NULL;
    }
    size_t count = 0;
    for (uint32_t g = 0; ok && g < transitions; g++) {
        const model_transition *facts = &model->transitions[g];
        uint64_t *row = table->rows + table->start[g];
        /* Every other transition, but those reading what g changes and
         * those changing what g reads. */
        for (size_t k = 0; k < row_words; k++)
            row[k] = ~(uint64_t)0;
        if (transitions % 64 != 0)
            row[row_words - 1] = ((uint64_t)1 << (transitions % 64)) - 1;
        row[g / 64] &= ~((uint64_t)1 << (g % 64));
        for (int reads = 0; reads < 2; reads++) {
            size_t items = reads ? facts->guard_count : facts->effect_count;
            uint32_t slot;
            for (size_t k = 0; ok && k < items; k++)
                if (commute_item(facts, reads, k, &slot) &&
                    slot < model->state_length)
                    ok = commute_clear(row, reads ? &changers : &readers,
                                       slot, g, &count);
        }
        if (ok && testing)
            commute_fill_testing(model, table, g, &readers, &changers);
    }
    if (ok)
        ok = commute_fill_undoing(model, table, words, &changers);
    commute_index_free(&readers);
    commute_index_free(&changers);
    if (!ok) {
        commute_table_free(table);
        return NULL;
    }
    return table;
}

void commute_table_free(commute_table *table)
{
    if (table == NULL)
        return;
    free(table->start);
    free(table->rows);
    free(table->testing);
    free(table->changing);
    free(table->undoing);
    free(table);
}
