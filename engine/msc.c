/*
 * msc.c — message sequence charts of runs (msc.h).
 *
 * The chart is laid out here, in points, and handed to Graphviz's "nop"
 * engine with pinned positions: lifeline i is the column x = i * column,
 * step k the row y = -(k + 1) * row below the heads.  Nodes are drawn after
 * edges, so boxes sit on top of the dashed lifelines.
 */
#include "msc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cgraph.h>

#include "graph_export.h"

#define MSC_FONT "Helvetica"
#define MSC_ROW 40.0               /* points between step rows */
#define MSC_CHAR 7.0               /* estimated width of a 12pt character */
#define MSC_MIN_COLUMN 110.0
#define MSC_NAME_MAX 24          /* longer component names are cut */

/* The plan: which lifelines exist and who takes part in each step. */
typedef struct msc_plan {
    size_t lifeline_count;
    const char **lifeline_names;   /* point into the model or `labels` */
    char **labels;                 /* owned numbered names, when needed */
    size_t label_count;
    long *lifeline_of_component;   /* component -> lifeline or -1 */
    bool single;                   /* no components: one lifeline */
} msc_plan;

typedef struct msc_job {
    const model *model;
    const msc_chart *chart;
    msc_plan plan;
    double column;                 /* points between lifelines */
    msc_summary summary;
    long *step_lifeline;           /* first lifeline of each step, or -1 */
} msc_job;

static void msc_plan_free(msc_plan *plan)
{
    for (size_t i = 0; i < plan->label_count; i++)
        free(plan->labels[i]);
    free(plan->labels);
    free(plan->lifeline_names);
    free(plan->lifeline_of_component);
    memset(plan, 0, sizeof *plan);
}

static const char *msc_step_label(const model *model, const msc_step *step)
{
    if (step->label != NULL)
        return step->label;
    if (step->transition == MSC_NO_TRANSITION)
        return "?";
    const model_transition *t = &model->transitions[step->transition];
    if (t->event != NULL)
        return t->event;
    if (t->kind == MODEL_INTERNAL)
        return "\xcf\x84";                 /* tau */
    if (t->kind == MODEL_TERMINATION)
        return "\xe2\x9c\x93";             /* tick */
    return t->name != NULL ? t->name : "?";
}

/* Lifelines of transition `t`, in order, into `out` (at most `room`);
 * returns how many. */
static size_t msc_participants(const msc_job *job, uint32_t t, long *out,
                               size_t room)
{
    if (t == MSC_NO_TRANSITION)
        return 0;
    const msc_plan *plan = &job->plan;
    if (plan->single) {
        if (room == 0)
            return 0;
        out[0] = 0;
        return 1;
    }
    const model_transition *tr = &job->model->transitions[t];
    size_t n = 0;
    for (size_t i = 0; i < tr->component_count && n < room; i++) {
        long line = plan->lifeline_of_component[tr->components[i]];
        bool seen = false;
        for (size_t j = 0; j < n; j++)
            seen |= out[j] == line;
        if (line >= 0 && !seen)
            out[n++] = line;
    }
    return n;
}

/* Marks in `used` (one flag per component) whatever the run and the marked
 * transitions touch. */
static void msc_mark_used(const msc_job *job, bool *used)
{
    const model *model = job->model;
    const msc_chart *chart = job->chart;
    size_t total = chart->step_count + chart->marked_count;
    for (size_t k = 0; k < total; k++) {
        uint32_t t = k < chart->step_count ? chart->steps[k].transition
                                           : chart->marked[k - chart->step_count];
        if (t == MSC_NO_TRANSITION)
            continue;
        const model_transition *tr = &model->transitions[t];
        for (size_t i = 0; i < tr->component_count; i++)
            used[tr->components[i]] = true;
    }
}

/* The name of component `u`, "?" when the model has none. */
static const char *msc_component_name(const model *model, size_t u)
{
    return model->component_names != NULL && model->component_names[u] != NULL
               ? model->component_names[u] : "?";
}

static pnsim_status msc_make_plan(msc_job *job, pnsim_error *error)
{
    const model *model = job->model;
    msc_plan *plan = &job->plan;
    /* A model without components gets one lifeline, named after it. */
    plan->single = model->component_count == 0;
    size_t units = plan->single ? 1 : model->component_count;
    plan->lifeline_of_component = calloc(units, sizeof *plan->lifeline_of_component);
    bool *used = calloc(units + 1, sizeof *used);
    plan->lifeline_names = calloc(units + 1, sizeof *plan->lifeline_names);
    if (plan->lifeline_of_component == NULL || used == NULL ||
        plan->lifeline_names == NULL) {
        free(used);
        goto nomem;
    }
    if (plan->single) {
        plan->lifeline_names[0] = model->name != NULL ? model->name : "model";
        plan->lifeline_count = 1;
        free(used);
        return PNSIM_OK;
    }
    /* long or repeated component names (CSP leaves are named by their
     * text) are cut and numbered */
    bool number = false;
    for (size_t u = 0; u < units; u++) {
        const char *a = msc_component_name(model, u);
        number |= strlen(a) > MSC_NAME_MAX;
        for (size_t v = 0; v < u && !number; v++)
            number |= strcmp(a, msc_component_name(model, v)) == 0;
    }
    if (number) {
        plan->labels = calloc(units + 1, sizeof *plan->labels);
        if (plan->labels == NULL) {
            free(used);
            goto nomem;
        }
        for (size_t u = 0; u < units; u++) {
            const char *a = msc_component_name(model, u);
            char *label = malloc(MSC_NAME_MAX + 32);
            if (label == NULL) {
                free(used);
                goto nomem;
            }
            if (strlen(a) > MSC_NAME_MAX)
                snprintf(label, MSC_NAME_MAX + 32, "%zu: %.*s\xe2\x80\xa6", u,
                         MSC_NAME_MAX - 4, a);
            else
                snprintf(label, MSC_NAME_MAX + 32, "%zu: %s", u, a);
            plan->labels[plan->label_count++] = label;
        }
    }
    bool all = units <= MSC_MAX_LIFELINES;
    if (!all)
        msc_mark_used(job, used);
    for (size_t u = 0; u < units; u++) {
        if (all || used[u]) {
            plan->lifeline_of_component[u] = (long)plan->lifeline_count;
            plan->lifeline_names[plan->lifeline_count++] =
                number ? plan->labels[u] : msc_component_name(model, u);
        } else {
            plan->lifeline_of_component[u] = -1;
        }
    }
    free(used);
    return PNSIM_OK;
nomem:
    return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                           "out of memory planning a sequence chart");
}

/* ---- Drawing ------------------------------------------------------------- */

typedef struct msc_draw_state {
    Agraph_t *graph;
    graph_export_text text;
    bool failed;
} msc_draw_state;

static Agnode_t *msc_node(msc_draw_state *d, const char *name, double x,
                          double y, const char *label)
{
    Agnode_t *node = agnode(d->graph, (char *)name, 1);
    if (node == NULL) {
        d->failed = true;
        return NULL;
    }
    char pos[80];
    snprintf(pos, sizeof pos, "%.1f,%.1f!", x, y);
    d->failed |= graph_export_set(node, "pos", pos) != 0;
    graph_export_text_free(&d->text);
    graph_export_text_append(&d->text, label);
    d->failed |= d->text.failed;
    d->failed |= graph_export_set(node, "label", graph_export_text_get(&d->text)) != 0;
    return node;
}

static void msc_set(msc_draw_state *d, void *object, const char *attribute,
                    const char *value)
{
    if (object == NULL)
        d->failed = true;
    else
        d->failed |= graph_export_set(object, attribute, value) != 0;
}

static Agedge_t *msc_edge(msc_draw_state *d, Agnode_t *from, Agnode_t *to)
{
    if (from == NULL || to == NULL) {
        d->failed = true;
        return NULL;
    }
    Agedge_t *edge = agedge(d->graph, from, to, NULL, 1);
    if (edge == NULL)
        d->failed = true;
    return edge;
}

static double msc_x(const msc_job *job, long line)
{
    return (double)line * job->column;
}

/* A box on lifeline `line` at height y. */
static Agnode_t *msc_box(msc_draw_state *d, const msc_job *job, const char *name,
                         long line, double y, const char *label,
                         const char *color, const char *fill)
{
    Agnode_t *node = msc_node(d, name, msc_x(job, line), y, label);
    msc_set(d, node, "shape", "box");
    msc_set(d, node, "style", "rounded,filled");
    msc_set(d, node, "color", color);
    msc_set(d, node, "fillcolor", fill);
    return node;
}

/* The token arrows into step k: from the latest earlier step of another
 * lifeline that added a token to a slot step k takes from. */
static void msc_token_arrows(msc_draw_state *d, msc_job *job, size_t k,
                             Agnode_t **step_nodes)
{
    const model *model = job->model;
    const msc_chart *chart = job->chart;
    uint32_t t = chart->steps[k].transition;
    if (chart->states == NULL || model->slot_kind != MODEL_SLOT_TOKENS ||
        t == MSC_NO_TRANSITION || job->step_lifeline[k] < 0)
        return;
    const model_transition *tr = &model->transitions[t];
    size_t drawn_from[8];
    size_t drawn = 0;
    for (size_t c = 0; c < tr->consume_count; c++) {
        uint32_t slot = tr->consumes[c];
        size_t from = SIZE_MAX;
        for (size_t j = k; j-- > 0;)
            if (chart->states[j + 1][slot] > chart->states[j][slot]) {
                from = j;
                break;
            }
        if (from == SIZE_MAX || job->step_lifeline[from] < 0 ||
            job->step_lifeline[from] == job->step_lifeline[k] ||
            step_nodes[from] == NULL || step_nodes[k] == NULL)
            continue;
        bool again = false;             /* one arrow per pair of steps */
        for (size_t e = 0; e < drawn; e++)
            again |= drawn_from[e] == from;
        if (again || drawn == sizeof drawn_from / sizeof drawn_from[0])
            continue;
        drawn_from[drawn++] = from;
        Agedge_t *edge = msc_edge(d, step_nodes[from], step_nodes[k]);
        msc_set(d, edge, "style", "dotted");
        msc_set(d, edge, "color", "#3465a4");
        msc_set(d, edge, "arrowsize", "0.6");
        job->summary.arrows++;
    }
}

static pnsim_status msc_build(void *context, Agraph_t *graph,
                              pnsim_error *error)
{
    msc_job *job = context;
    const model *model = job->model;
    const msc_chart *chart = job->chart;
    const msc_plan *plan = &job->plan;
    msc_draw_state d = {.graph = graph};
    graph_export_text_init(&d.text);
    char name[64];
    size_t lines = plan->lifeline_count;
    long *who = calloc(lines + 1, sizeof *who);
    Agnode_t **step_nodes = calloc(chart->step_count + 1, sizeof *step_nodes);
    if (who == NULL || step_nodes == NULL) {
        free(who);
        free(step_nodes);
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory drawing a sequence chart");
    }

    msc_set(&d, graph, "fontname", MSC_FONT);
    msc_set(&d, graph, "fontsize", "14");
    msc_set(&d, graph, "labelloc", "t");
    msc_set(&d, graph, "outputorder", "edgesfirst");
    msc_set(&d, graph, "splines", "line");
    msc_set(&d, graph, "pad", "0.3");
    graph_export_text_free(&d.text);
    graph_export_text_append(&d.text, chart->title != NULL ? chart->title
                             : model->name != NULL ? model->name : "run");
    msc_set(&d, graph, "label", graph_export_text_get(&d.text));
    d.failed |= agattr(graph, AGNODE, "fontname", MSC_FONT) == NULL;
    d.failed |= agattr(graph, AGNODE, "fontsize", "12") == NULL;
    d.failed |= agattr(graph, AGNODE, "height", "0.3") == NULL;
    d.failed |= agattr(graph, AGNODE, "margin", "0.08,0.04") == NULL;
    d.failed |= agattr(graph, AGEDGE, "fontname", MSC_FONT) == NULL;

    /* rows: the steps, then the end marker rows */
    size_t end_rows = chart->ending == MSC_END_NONE ? 0
                    : chart->ending == MSC_END_RACE ? chart->marked_count + 1 : 1;
    double bottom = -(double)(chart->step_count + end_rows + 1) * MSC_ROW;

    /* heads, feet and the dashed lifelines */
    for (size_t i = 0; i < lines; i++) {
        snprintf(name, sizeof name, "head%zu", i);
        Agnode_t *head = msc_node(&d, name, msc_x(job, (long)i), 0,
                                  plan->lifeline_names[i]);
        msc_set(&d, head, "shape", "box");
        msc_set(&d, head, "style", "filled,bold");
        msc_set(&d, head, "fillcolor", "#dde5f0");
        snprintf(name, sizeof name, "foot%zu", i);
        Agnode_t *foot = msc_node(&d, name, msc_x(job, (long)i), bottom, "");
        msc_set(&d, foot, "shape", "point");
        msc_set(&d, foot, "width", "0.05");
        msc_set(&d, foot, "color", "gray50");
        Agedge_t *life = msc_edge(&d, head, foot);
        msc_set(&d, life, "style", "dashed");
        msc_set(&d, life, "color", "gray50");
        msc_set(&d, life, "arrowhead", "none");
    }
    double left = -job->column / 2 - 10;

    /* the steps */
    for (size_t k = 0; k < chart->step_count && !d.failed; k++) {
        const msc_step *step = &chart->steps[k];
        double y = -(double)(k + 1) * MSC_ROW;
        const char *label = msc_step_label(model, step);
        snprintf(name, sizeof name, "num%zu", k);
        char number[32];
        snprintf(number, sizeof number, "%zu", k + 1);
        Agnode_t *num = msc_node(&d, name, left, y, number);
        msc_set(&d, num, "shape", "plaintext");
        msc_set(&d, num, "fontcolor", "gray40");
        size_t n = msc_participants(job, step->transition, who, lines);
        job->step_lifeline[k] = n > 0 ? who[0] : -1;
        if (n <= 1) {
            long line = n == 1 ? who[0] : -1;
            snprintf(name, sizeof name, "step%zu", k);
            if (line >= 0) {
                step_nodes[k] = msc_box(&d, job, name, line, y, label,
                                        "black", "white");
            } else {
                Agnode_t *free_step = msc_node(&d, name,
                                               msc_x(job, (long)lines - 1) / 2,
                                               y, label);
                msc_set(&d, free_step, "shape", "plaintext");
            }
        } else {
            Agnode_t *dots[MSC_MAX_LIFELINES + 1] = {0};
            double lo = msc_x(job, who[0]), hi = lo;
            for (size_t p = 0; p < n; p++) {
                snprintf(name, sizeof name, "step%zu_%zu", k, p);
                Agnode_t *dot = msc_node(&d, name, msc_x(job, who[p]), y, "");
                msc_set(&d, dot, "shape", "point");
                msc_set(&d, dot, "width", "0.08");
                if (p < MSC_MAX_LIFELINES + 1)
                    dots[p] = dot;
                if (msc_x(job, who[p]) < lo)
                    lo = msc_x(job, who[p]);
                if (msc_x(job, who[p]) > hi)
                    hi = msc_x(job, who[p]);
                if (p > 0) {
                    Agedge_t *arrow = msc_edge(&d, dots[0], dot);
                    msc_set(&d, arrow, "arrowsize", "0.7");
                    job->summary.arrows++;
                }
            }
            step_nodes[k] = dots[0];
            snprintf(name, sizeof name, "label%zu", k);
            /* the label sits above the arrow next to where it starts, on
             * white, so that no lifeline runs through it */
            double from = msc_x(job, who[0]);
            double toward = msc_x(job, who[1]) >= from ? 1 : -1;
            double half = (double)strlen(label) * MSC_CHAR * 0.45 + 10;
            (void)lo;
            (void)hi;
            Agnode_t *text = msc_node(&d, name, from + toward * (half + 6),
                                      y + 11, label);
            msc_set(&d, text, "shape", "box");
            msc_set(&d, text, "style", "filled");
            msc_set(&d, text, "color", "white");
            msc_set(&d, text, "fillcolor", "white");
            msc_set(&d, text, "margin", "0.02,0.0");
            msc_set(&d, text, "fontsize", "11");
            msc_set(&d, text, "height", "0.2");
        }
        job->summary.steps++;
        msc_token_arrows(&d, job, k, step_nodes);
    }

    /* the end */
    double y = -(double)(chart->step_count + 1) * MSC_ROW;
    double middle = lines > 0 ? msc_x(job, (long)lines - 1) / 2 : 0;
    const char *word = NULL;
    switch (chart->ending) {
    case MSC_END_NONE: break;
    case MSC_END_DEADLOCK: word = "deadlock"; break;
    case MSC_END_RACE: word = "race"; break;
    case MSC_END_DIVERGENCE: word = "divergence"; break;
    case MSC_END_UNBOUNDED: word = "unbounded"; break;
    case MSC_END_VIOLATION: word = "violation"; break;
    }
    if (chart->ending == MSC_END_RACE) {
        for (size_t m = 0; m < chart->marked_count; m++) {
            y = -(double)(chart->step_count + 1 + m) * MSC_ROW;
            size_t n = msc_participants(job, chart->marked[m], who, lines);
            const char *what = msc_step_label(model, &(msc_step){
                chart->marked[m], NULL});
            size_t size = strlen(what) + 16;
            char *label = malloc(size);
            if (label == NULL) {
                d.failed = true;
                break;
            }
            snprintf(label, size, "enabled: %s", what);
            snprintf(name, sizeof name, "race%zu", m);
            Agnode_t *box = msc_box(&d, job, name, n > 0 ? who[0] : 0, y,
                                    label, "#c4600a", "#fde9d9");
            msc_set(&d, box, "style", "rounded,filled,dashed");
            free(label);
        }
        y = -(double)(chart->step_count + 1 + chart->marked_count) * MSC_ROW;
    }
    if (word != NULL) {
        size_t size = strlen(word) + 3 +
                      (chart->note != NULL ? strlen(chart->note) : 0);
        char *label = malloc(size);
        if (label != NULL)
            snprintf(label, size, "%s%s%s", word,
                     chart->note == NULL ? ""
                     : chart->ending == MSC_END_RACE ? " " : ": ",
                     chart->note != NULL ? chart->note : "");
        else
            d.failed = true;
        Agnode_t *end = msc_node(&d, "end", middle, y, label != NULL ? label : "");
        bool red = chart->ending != MSC_END_RACE;
        msc_set(&d, end, "shape", "box");
        msc_set(&d, end, "style", "rounded,filled,bold");
        msc_set(&d, end, "color", red ? "#cc0000" : "#c4600a");
        msc_set(&d, end, "fillcolor", red ? "#f4cccc" : "#fde9d9");
        msc_set(&d, end, "fontcolor", red ? "#990000" : "#7a3a00");
        free(label);
    }

    free(who);
    free(step_nodes);
    bool failed = d.failed;
    graph_export_text_free(&d.text);
    if (failed)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory drawing a sequence chart");
    return PNSIM_OK;
}

pnsim_status msc_draw(const model *model, const msc_chart *chart,
                      const char *output_path, msc_summary *summary,
                      pnsim_error *error)
{
    if (summary != NULL)
        memset(summary, 0, sizeof *summary);
    graph_export_format format;
    if (graph_export_format_from_path(output_path, &format, error) != PNSIM_OK)
        return error->status;
    size_t total = chart->step_count + chart->marked_count;
    for (size_t k = 0; k < total; k++) {
        uint32_t t = k < chart->step_count ? chart->steps[k].transition
                                           : chart->marked[k - chart->step_count];
        if (t != MSC_NO_TRANSITION && t >= model->transition_count)
            return pnsim_error_set(error, PNSIM_ERR_USAGE,
                                   "sequence chart: transition %u out of range",
                                   (unsigned)t);
    }
    msc_job job = {.model = model, .chart = chart};
    job.step_lifeline = calloc(chart->step_count + 1, sizeof *job.step_lifeline);
    if (job.step_lifeline == NULL)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory planning a sequence chart");
    pnsim_status status = msc_make_plan(&job, error);
    if (status == PNSIM_OK) {
        /* the widest single-lifeline label sets the column width */
        size_t widest = 0;
        for (size_t i = 0; i < job.plan.lifeline_count; i++) {
            size_t w = strlen(job.plan.lifeline_names[i]);
            widest = w > widest ? w : widest;
        }
        long who[2];
        for (size_t k = 0; k < chart->step_count; k++) {
            if (msc_participants(&job, chart->steps[k].transition, who, 2) != 1)
                continue;
            size_t w = strlen(msc_step_label(model, &chart->steps[k]));
            widest = w > widest ? w : widest;
        }
        for (size_t m = 0; m < chart->marked_count; m++) {
            size_t w = strlen(msc_step_label(model, &(msc_step){chart->marked[m],
                                                                NULL})) + 9;
            widest = w > widest ? w : widest;
        }
        job.column = (double)widest * MSC_CHAR + 30;
        if (job.column < MSC_MIN_COLUMN)
            job.column = MSC_MIN_COLUMN;
        job.summary.lifelines = job.plan.lifeline_count;
        status = graph_export_draw(chart->title != NULL ? chart->title
                                                        : model->name,
                                   "nop", msc_build, &job, output_path, error);
    }
    if (status == PNSIM_OK && summary != NULL)
        *summary = job.summary;
    msc_plan_free(&job.plan);
    free(job.step_lifeline);
    return status;
}
